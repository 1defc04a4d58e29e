//! Error types of the debug-information layer.

use std::path::PathBuf;

/// A failed read of target memory.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("cannot read {len} bytes of memory at {addr:#x}")]
pub struct MemoryError {
    /// First address of the failed read.
    pub addr: u64,
    /// Length of the failed read.
    pub len: usize,
}

/// Errors from loading and querying debug information.
#[derive(Debug, thiserror::Error)]
pub enum DebugInfoError {
    /// The file could not be opened or mapped.
    #[error("cannot open {path}: {source}")]
    Io {
        /// The file.
        path: PathBuf,
        /// The underlying error.
        source: std::io::Error,
    },
    /// The file is not a usable ELF object.
    #[error("cannot parse ELF file {path}: {message}")]
    Elf {
        /// The file.
        path: PathBuf,
        /// What was wrong.
        message: String,
    },
    /// The DWARF data is malformed.
    #[error("malformed DWARF in {path}: {source}")]
    Dwarf {
        /// The file.
        path: PathBuf,
        /// The underlying gimli error.
        source: gimli::Error,
    },
    /// A source line has no code in any loaded module.
    #[error("no code for {file}:{line}")]
    NoCodeAtLine {
        /// The requested file.
        file: String,
        /// The requested line.
        line: u32,
    },
    /// The requested source file is not known to any loaded module.
    #[error("no source file named {0}")]
    UnknownFile(String),
    /// No function of that name exists.
    #[error("function \"{0}\" not defined")]
    UnknownFunction(String),
    /// Memory of the target could not be read.
    #[error(transparent)]
    Memory(#[from] MemoryError),
}

/// Errors of evaluating a watch/hover/console expression.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum ExprError {
    /// The text does not parse.
    #[error("syntax error at column {column}: {message}")]
    Syntax {
        /// 1-based column of the problem.
        column: usize,
        /// What was expected or found.
        message: String,
    },
    /// A name is not a variable, global or register in scope.
    #[error("no symbol \"{0}\" in current context")]
    UnknownName(String),
    /// A member name does not exist in the struct or union.
    #[error("there is no member named {member} in {type_name}")]
    UnknownMember {
        /// The member asked for.
        member: String,
        /// The type searched.
        type_name: String,
    },
    /// A type named in a cast does not exist.
    #[error("no type named \"{0}\"")]
    UnknownType(String),
    /// An operation does not apply to the operand's type.
    #[error("{0}")]
    Type(String),
    /// The value is not available (optimised out, unreadable memory).
    #[error("{0}")]
    Unavailable(String),
    /// Division by zero in integer arithmetic.
    #[error("division by zero")]
    DivisionByZero,
}

impl From<MemoryError> for ExprError {
    fn from(e: MemoryError) -> Self {
        ExprError::Unavailable(e.to_string())
    }
}
