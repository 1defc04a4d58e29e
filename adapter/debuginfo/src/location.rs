//! DWARF expression evaluation: where a value lives (memory, register, pieces, implicit).

use crate::dwarf::R;
use crate::target::{Memory, Registers};

/// Why a location could not be computed.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum LocationError {
    /// No location at this pc, an entry value, a missing register: gdb's `<optimized out>`.
    #[error("<optimized out>")]
    OptimizedOut,
    /// Memory needed by the expression could not be read.
    #[error("cannot access memory at address {0:#x}")]
    Memory(u64),
    /// The expression is malformed or uses an unsupported operation.
    #[error("cannot evaluate DWARF expression: {0}")]
    Unsupported(String),
}

/// Inputs an expression may need.
pub struct ExprContext<'a> {
    /// Registers of the frame.
    pub regs: &'a Registers,
    /// Target memory.
    pub mem: &'a dyn Memory,
    /// DW_AT_frame_base of the function, evaluated.
    pub frame_base: Option<u64>,
    /// The frame's canonical frame address.
    pub cfa: Option<u64>,
    /// Load bias of the module (added to DW_OP_addr operands).
    pub bias: u64,
    /// For DW_OP_addrx / constx.
    pub unit: Option<gimli::UnitRef<'a, R>>,
    /// Start of the module's thread-local block in the current thread (executables only).
    pub tls_base: Option<u64>,
}

/// Where a value is.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Place {
    /// In memory at this address.
    Memory(u64),
    /// The value's bytes themselves (registers, implicit values, assembled pieces).
    Bytes(Vec<u8>),
}

/// Evaluates `expr` to the raw gimli pieces.
pub fn evaluate(
    expr: gimli::Expression<R>,
    encoding: gimli::Encoding,
    ctx: &ExprContext<'_>,
) -> Result<Vec<gimli::Piece<R>>, LocationError> {
    let unsupported = |e: gimli::Error| LocationError::Unsupported(e.to_string());
    let mut eval = expr.evaluation(encoding);
    eval.set_max_iterations(10_000);
    let mut res = eval.evaluate().map_err(unsupported)?;
    loop {
        use gimli::EvaluationResult as E;
        res = match res {
            E::Complete => break,
            E::RequiresMemory { address, size, .. } => {
                let size = usize::from(size).min(8);
                let mut buf = [0u8; 8];
                ctx.mem
                    .read(address, &mut buf[..size])
                    .map_err(|_| LocationError::Memory(address))?;
                eval.resume_with_memory(gimli::Value::Generic(u64::from_le_bytes(buf)))
                    .map_err(unsupported)?
            }
            E::RequiresRegister { register, .. } => {
                let v = ctx.regs.get(register).ok_or(LocationError::OptimizedOut)?;
                eval.resume_with_register(gimli::Value::Generic(v))
                    .map_err(unsupported)?
            }
            E::RequiresFrameBase => {
                let fb = ctx.frame_base.ok_or(LocationError::OptimizedOut)?;
                eval.resume_with_frame_base(fb).map_err(unsupported)?
            }
            E::RequiresCallFrameCfa => {
                let cfa = ctx.cfa.ok_or(LocationError::OptimizedOut)?;
                eval.resume_with_call_frame_cfa(cfa).map_err(unsupported)?
            }
            E::RequiresRelocatedAddress(a) => eval
                .resume_with_relocated_address(a.wrapping_add(ctx.bias))
                .map_err(unsupported)?,
            E::RequiresIndexedAddress { index, relocate } => {
                let unit = ctx.unit.ok_or_else(|| {
                    LocationError::Unsupported("indexed address without unit".into())
                })?;
                let a = unit.address(index).map_err(unsupported)?;
                let a = if relocate {
                    a.wrapping_add(ctx.bias)
                } else {
                    a
                };
                eval.resume_with_indexed_address(a).map_err(unsupported)?
            }
            E::RequiresBaseType(_) => eval
                .resume_with_base_type(gimli::ValueType::Generic)
                .map_err(unsupported)?,
            E::RequiresEntryValue(_) | E::RequiresParameterRef(_) => {
                return Err(LocationError::OptimizedOut)
            }
            E::RequiresTls(offset) => {
                let base = ctx.tls_base.ok_or_else(|| {
                    LocationError::Unsupported("thread-local storage of a shared library".into())
                })?;
                eval.resume_with_tls(base.wrapping_add(offset))
                    .map_err(unsupported)?
            }
            E::RequiresAtLocation(_) => {
                return Err(LocationError::Unsupported("DW_OP_call".into()))
            }
        };
    }
    Ok(eval.result())
}

/// Evaluates `expr` to a single address (frame bases, CFA expressions).
pub fn evaluate_address(
    expr: gimli::Expression<R>,
    encoding: gimli::Encoding,
    ctx: &ExprContext<'_>,
) -> Result<u64, LocationError> {
    let pieces = evaluate(expr, encoding, ctx)?;
    match pieces.as_slice() {
        [p] => match p.location {
            gimli::Location::Address { address } => Ok(address),
            gimli::Location::Register { register } => {
                ctx.regs.get(register).ok_or(LocationError::OptimizedOut)
            }
            gimli::Location::Value { value } => Ok(value.to_u64(!0).unwrap_or(0)),
            _ => Err(LocationError::OptimizedOut),
        },
        _ => Err(LocationError::OptimizedOut),
    }
}

/// Turns evaluated pieces into a place for a value of `size` bytes.
pub fn place(
    pieces: &[gimli::Piece<R>],
    size: u64,
    ctx: &ExprContext<'_>,
) -> Result<Place, LocationError> {
    if let [p] = pieces {
        if p.size_in_bits.is_none() {
            if let gimli::Location::Address { address } = p.location {
                return Ok(Place::Memory(address));
            }
        }
    }
    let mut bytes = Vec::new();
    for p in pieces {
        let len = p.size_in_bits.map_or(size, |b| b.div_ceil(8)) as usize;
        let len = len.min(1 << 20);
        let mut chunk = match p.location {
            gimli::Location::Empty => return Err(LocationError::OptimizedOut),
            gimli::Location::Register { register } => {
                let v = ctx.regs.get(register).ok_or(LocationError::OptimizedOut)?;
                v.to_le_bytes().to_vec()
            }
            gimli::Location::Address { address } => {
                let mut b = vec![0u8; len];
                ctx.mem
                    .read(address, &mut b)
                    .map_err(|_| LocationError::Memory(address))?;
                b
            }
            gimli::Location::Value { value } => {
                value.to_u64(!0).unwrap_or(0).to_le_bytes().to_vec()
            }
            gimli::Location::Bytes { ref value } => value.bytes().to_vec(),
            gimli::Location::ImplicitPointer { .. } => return Err(LocationError::OptimizedOut),
        };
        chunk.resize(len, 0);
        bytes.extend_from_slice(&chunk);
    }
    bytes.resize((size as usize).min(1 << 20), 0);
    Ok(Place::Bytes(bytes))
}

/// Picks the expression of a location list that covers link-time `pc`.
pub(crate) fn location_list_expr(
    uref: gimli::UnitRef<'_, R>,
    attr: gimli::AttributeValue<R>,
    pc: u64,
) -> Option<gimli::Expression<R>> {
    let mut iter = uref.attr_locations(attr).ok()??;
    while let Ok(Some(entry)) = iter.next() {
        if entry.range.begin <= pc && pc < entry.range.end {
            return Some(entry.data);
        }
    }
    None
}
