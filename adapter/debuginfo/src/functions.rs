//! Functions, inlined calls and lexical blocks of a unit: a tree of address scopes.

use crate::dwarf::{DwarfData, R};
use gimli::UnitOffset;
use std::collections::HashMap;

/// What kind of scope a node is.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ScopeKind {
    /// An out-of-line function (DW_TAG_subprogram with code).
    Function,
    /// An inlined copy of a function (DW_TAG_inlined_subroutine).
    Inlined,
    /// A lexical block.
    Block,
}

/// One node of the scope tree.
#[derive(Debug, Clone)]
pub struct Scope {
    /// Kind of scope.
    pub kind: ScopeKind,
    /// The DIE.
    pub offset: UnitOffset,
    /// Address ranges in DIE order (the first range's start is the entry).
    pub ranges: Vec<(u64, u64)>,
    /// Enclosing scope.
    pub parent: Option<usize>,
    /// Child scopes.
    pub children: Vec<usize>,
    /// Qualified name (functions and inlined calls).
    pub name: Option<String>,
    /// Mangled linkage name.
    pub linkage_name: Option<String>,
    /// Line of the declaration.
    pub decl_line: u32,
    /// Raw file index of the call site (inlined calls).
    pub call_file: u64,
    /// Line of the call site (inlined calls).
    pub call_line: u32,
    /// Column of the call site (inlined calls).
    pub call_column: u32,
}

impl Scope {
    /// The entry address (gdb's BLOCK_ENTRY_PC).
    pub fn entry(&self) -> Option<u64> {
        self.ranges.first().map(|r| r.0)
    }

    /// Whether `addr` is inside one of the ranges.
    pub fn contains(&self, addr: u64) -> bool {
        self.ranges.iter().any(|(b, e)| *b <= addr && addr < *e)
    }

    /// Lowest and highest address.
    pub fn bounds(&self) -> (u64, u64) {
        let lo = self.ranges.iter().map(|r| r.0).min().unwrap_or(0);
        let hi = self.ranges.iter().map(|r| r.1).max().unwrap_or(0);
        (lo, hi)
    }
}

/// The scope tree of a unit.
#[derive(Debug, Clone, Default)]
pub struct Scopes {
    /// All nodes; roots are functions.
    pub nodes: Vec<Scope>,
    index: Vec<(u64, u64, usize)>,
    /// Qualified names (`geo::Shape`) of named types inside namespaces and classes.
    pub type_names: HashMap<UnitOffset, String>,
}

#[derive(Default)]
struct NameInfo {
    name: Option<String>,
    linkage: Option<String>,
    decl_line: u32,
    origin: Option<UnitOffset>,
}

struct Builder<'a> {
    uref: gimli::UnitRef<'a, R>,
    rust: bool,
    scopes: Scopes,
    names: HashMap<UnitOffset, NameInfo>,
}

impl Scopes {
    /// Builds the tree of unit `ui`; malformed DIEs end the walk with what was found.
    pub fn build(dd: &DwarfData, ui: usize) -> Scopes {
        let mut b = Builder {
            uref: dd.unit_ref(ui),
            rust: dd.units[ui].is_rust(),
            scopes: Scopes::default(),
            names: HashMap::new(),
        };
        if let Err(e) = b.walk_unit() {
            tracing::warn!(file = %dd.path().display(), unit = ui, error = %e, "malformed DIE tree");
        }
        b.resolve_names();
        let mut s = b.scopes;
        for (i, n) in s.nodes.iter().enumerate() {
            if n.kind == ScopeKind::Function {
                for (lo, hi) in &n.ranges {
                    if lo < hi && *lo != 0 {
                        s.index.push((*lo, *hi, i));
                    }
                }
            }
        }
        s.index.sort_unstable();
        s
    }

    /// The scopes containing `addr`, innermost first (lexical blocks included).
    pub fn chain_at(&self, addr: u64) -> Vec<usize> {
        let end = self.index.partition_point(|(lo, _, _)| *lo <= addr);
        let Some(&(_, _, root)) = self.index[..end].iter().rev().find(|(_, hi, _)| addr < *hi)
        else {
            return Vec::new();
        };
        let mut chain = vec![root];
        let mut cur = root;
        while let Some(&child) = self.nodes[cur]
            .children
            .iter()
            .find(|&&c| self.nodes[c].contains(addr))
        {
            chain.push(child);
            cur = child;
        }
        chain.reverse();
        chain
    }

    /// Functions and inlined calls.
    pub fn functions(&self) -> impl Iterator<Item = (usize, &Scope)> {
        self.nodes
            .iter()
            .enumerate()
            .filter(|(_, s)| s.kind != ScopeKind::Block)
    }
}

impl Builder<'_> {
    fn walk_unit(&mut self) -> gimli::Result<()> {
        let uref = self.uref;
        let mut tree = uref.entries_tree(None)?;
        let root = tree.root()?;
        let mut children = root.children();
        while let Some(child) = children.next()? {
            self.walk(child, "", None)?;
        }
        Ok(())
    }

    fn walk(
        &mut self,
        node: gimli::EntriesTreeNode<'_, '_, '_, R>,
        prefix: &str,
        parent: Option<usize>,
    ) -> gimli::Result<()> {
        let entry = node.entry();
        let tag = entry.tag();
        let offset = entry.offset();
        let name = self.attr_str(entry, gimli::DW_AT_name);
        let mut next_prefix = prefix.to_string();
        let mut next_parent = parent;
        match tag {
            gimli::DW_TAG_namespace
            | gimli::DW_TAG_structure_type
            | gimli::DW_TAG_class_type
            | gimli::DW_TAG_union_type
            | gimli::DW_TAG_enumeration_type => {
                let n = name
                    .clone()
                    .unwrap_or_else(|| "(anonymous namespace)".into());
                if tag != gimli::DW_TAG_namespace && !prefix.is_empty() {
                    if let Some(own) = &name {
                        self.scopes
                            .type_names
                            .insert(offset, format!("{prefix}{own}"));
                    }
                }
                next_prefix = format!("{prefix}{n}::");
            }
            gimli::DW_TAG_subprogram
            | gimli::DW_TAG_inlined_subroutine
            | gimli::DW_TAG_lexical_block => {
                let origin = match entry.attr_value(gimli::DW_AT_abstract_origin)? {
                    Some(gimli::AttributeValue::UnitRef(o)) => Some(o),
                    _ => match entry.attr_value(gimli::DW_AT_specification)? {
                        Some(gimli::AttributeValue::UnitRef(o)) => Some(o),
                        _ => None,
                    },
                };
                if tag == gimli::DW_TAG_subprogram {
                    let decl_line = match entry.attr_value(gimli::DW_AT_decl_line)? {
                        Some(v) => v.udata_value().unwrap_or(0) as u32,
                        None => 0,
                    };
                    let linkage = self
                        .attr_str(entry, gimli::DW_AT_linkage_name)
                        .or_else(|| self.attr_str(entry, gimli::DW_AT_MIPS_linkage_name));
                    self.names.insert(
                        offset,
                        NameInfo {
                            name: name.as_ref().map(|n| format!("{prefix}{n}")),
                            linkage,
                            decl_line,
                            origin,
                        },
                    );
                }
                let mut ranges = Vec::new();
                let mut it = self.uref.die_ranges(entry)?;
                while let Some(r) = it.next()? {
                    ranges.push((r.begin, r.end));
                }
                let in_code = tag != gimli::DW_TAG_subprogram || !ranges.is_empty();
                if in_code && (tag == gimli::DW_TAG_subprogram || parent.is_some()) {
                    let kind = match tag {
                        gimli::DW_TAG_subprogram => ScopeKind::Function,
                        gimli::DW_TAG_inlined_subroutine => ScopeKind::Inlined,
                        _ => ScopeKind::Block,
                    };
                    let udata = |at| -> gimli::Result<u64> {
                        Ok(entry
                            .attr_value(at)?
                            .and_then(|v| v.udata_value())
                            .unwrap_or(0))
                    };
                    let idx = self.scopes.nodes.len();
                    self.scopes.nodes.push(Scope {
                        kind,
                        offset,
                        ranges,
                        parent,
                        children: Vec::new(),
                        name: None,
                        linkage_name: None,
                        decl_line: 0,
                        call_file: udata(gimli::DW_AT_call_file)?,
                        call_line: udata(gimli::DW_AT_call_line)? as u32,
                        call_column: udata(gimli::DW_AT_call_column)? as u32,
                    });
                    if kind == ScopeKind::Inlined {
                        self.names.entry(offset).or_default().origin = origin;
                    }
                    if let Some(p) = parent {
                        self.scopes.nodes[p].children.push(idx);
                    }
                    next_parent = Some(idx);
                } else if tag == gimli::DW_TAG_subprogram {
                    // A declaration or abstract instance: no code, but its children may
                    // declare nested types; nothing inside is a scope.
                    next_parent = None;
                }
                if tag == gimli::DW_TAG_subprogram && !self.rust {
                    // C++ local classes are qualified by the function; keep it simple.
                    next_prefix = prefix.to_string();
                }
            }
            _ => {
                // Other DIEs (variables, types, parameters): no scopes below, except C++
                // member functions declared inside classes (handled through prefixes).
                if !matches!(tag, gimli::DW_TAG_compile_unit) {
                    return Ok(());
                }
            }
        }
        let mut children = node.children();
        while let Some(child) = children.next()? {
            self.walk(child, &next_prefix, next_parent)?;
        }
        Ok(())
    }

    fn attr_str(
        &self,
        entry: &gimli::DebuggingInformationEntry<'_, '_, R>,
        at: gimli::DwAt,
    ) -> Option<String> {
        let v = entry.attr_value(at).ok()??;
        let s = self.uref.attr_string(v).ok()?;
        Some(crate::dwarf::lossy(&s))
    }

    fn resolve_names(&mut self) {
        let offsets: Vec<(usize, UnitOffset)> = self
            .scopes
            .nodes
            .iter()
            .enumerate()
            .filter(|(_, s)| s.kind != ScopeKind::Block)
            .map(|(i, s)| (i, s.offset))
            .collect();
        for (i, off) in offsets {
            let (mut name, mut linkage, mut line) = (None, None, 0);
            let mut cur = Some(off);
            for _ in 0..8 {
                let Some(info) = cur.and_then(|c| self.names.get(&c)) else {
                    break;
                };
                name = name.or_else(|| info.name.clone());
                linkage = linkage.or_else(|| info.linkage.clone());
                if line == 0 {
                    line = info.decl_line;
                }
                if name.is_some() && linkage.is_some() && line != 0 {
                    break;
                }
                cur = info.origin;
            }
            let node = &mut self.scopes.nodes[i];
            // Like gdb: a C function renamed with `asm` (glibc's `__GI_raise`) goes by its
            // linkage name; mangled C++/Rust names go by the qualified DWARF name.
            let plain_linkage = linkage
                .as_deref()
                .filter(|l| crate::demangle::demangle(l) == *l);
            node.name = match plain_linkage {
                Some(l) => Some(l.to_string()),
                None => name.or_else(|| linkage.as_deref().map(crate::demangle::demangle)),
            };
            node.linkage_name = linkage;
            node.decl_line = line;
        }
    }
}
