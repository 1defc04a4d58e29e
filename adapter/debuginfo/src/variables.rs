//! Variables of a frame (parameters, locals by lexical block), globals and statics, and
//! registers, read through their DWARF locations.

use crate::dwarf::{lossy, R};
use crate::functions::ScopeKind;
use crate::location::{evaluate, location_list_expr, place, ExprContext, LocationError, Place};
use crate::program::Program;
use crate::stack::Frame;
use crate::target::{Memory, Registers, REGISTER_NAMES};
use crate::types::TypeRef;
use crate::value::{TypedValue, Variable};
use gimli::UnitOffset;

/// Which variables of a frame.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum VariableKind {
    /// Formal parameters.
    Parameter,
    /// Local variables (innermost lexical block first).
    Local,
}

/// An attribute of a DIE, or of the DIE it is an abstract instance or specification of.
pub(crate) fn attr_with_origin(
    uref: gimli::UnitRef<'_, R>,
    offset: UnitOffset,
    at: gimli::DwAt,
) -> Option<gimli::AttributeValue<R>> {
    let mut cur = offset;
    for _ in 0..4 {
        let e = uref.entry(cur).ok()?;
        if let Some(v) = e.attr_value(at).ok()? {
            return Some(v);
        }
        cur = match e
            .attr_value(gimli::DW_AT_abstract_origin)
            .ok()?
            .or(e.attr_value(gimli::DW_AT_specification).ok()?)
        {
            Some(gimli::AttributeValue::UnitRef(o)) => o,
            _ => return None,
        };
    }
    None
}

impl Program {
    fn die_name(&self, uref: gimli::UnitRef<'_, R>, offset: UnitOffset) -> Option<String> {
        let v = attr_with_origin(uref, offset, gimli::DW_AT_name)?;
        Some(lossy(&uref.attr_string(v).ok()?))
    }

    /// The value of the variable/parameter DIE at (`module`, `unit`, `offset`) in `frame`
    /// (None: globals, read without registers).
    pub(crate) fn die_value(
        &self,
        frame: Option<&Frame>,
        module: usize,
        unit: usize,
        offset: UnitOffset,
        mem: &dyn Memory,
    ) -> Option<(String, TypedValue)> {
        let l = self.modules().get(module)?;
        let dd = l.module.dwarf()?;
        let uref = dd.unit_ref(unit);
        let name = self.die_name(uref, offset)?;
        let ty = attr_with_origin(uref, offset, gimli::DW_AT_type)
            .and_then(|v| self.die_ref(module, unit, v));
        let size = ty
            .and_then(|t| self.type_at(t))
            .map_or(8, |t| self.type_size(&t));
        let entry = uref.entry(offset).ok()?;
        let no_regs = Registers::new();
        let ctx = ExprContext {
            regs: frame.map_or(&no_regs, |f| &f.regs),
            mem,
            frame_base: frame.and_then(|f| f.frame_base),
            cfa: frame.and_then(|f| f.cfa),
            bias: l.bias,
            unit: Some(uref),
            tls_base: frame.and_then(|f| tls_base(&l.module, &f.regs)),
        };
        let place = match entry.attr_value(gimli::DW_AT_location).ok()? {
            Some(gimli::AttributeValue::Exprloc(e)) => {
                self.eval_place(e, uref.encoding(), size, &ctx)
            }
            Some(other) => match frame {
                Some(f) => {
                    match location_list_expr(uref, other, f.lookup_pc().wrapping_sub(l.bias)) {
                        Some(e) => self.eval_place(e, uref.encoding(), size, &ctx),
                        None => Err(LocationError::OptimizedOut.to_string()),
                    }
                }
                None => Err(LocationError::OptimizedOut.to_string()),
            },
            None => match attr_with_origin(uref, offset, gimli::DW_AT_const_value) {
                Some(v) => Ok(Place::Bytes(const_bytes(v, size))),
                None => Err(LocationError::OptimizedOut.to_string()),
            },
        };
        Some((name, TypedValue { ty, place }))
    }

    fn eval_place(
        &self,
        e: gimli::Expression<R>,
        enc: gimli::Encoding,
        size: u64,
        ctx: &ExprContext<'_>,
    ) -> Result<Place, String> {
        let pieces = evaluate(e, enc, ctx).map_err(|e| e.to_string())?;
        place(&pieces, size, ctx).map_err(|e| e.to_string())
    }

    /// DIE offsets of the variables of `kind` in `frame`, innermost scope first.
    fn frame_dies(&self, frame: &Frame, kind: VariableKind) -> Vec<(usize, usize, UnitOffset)> {
        let want = match kind {
            VariableKind::Parameter => gimli::DW_TAG_formal_parameter,
            VariableKind::Local => gimli::DW_TAG_variable,
        };
        let mut out = Vec::new();
        for r in &frame.scopes {
            let Some(s) = self.scope(*r) else { continue };
            if kind == VariableKind::Parameter && s.kind == ScopeKind::Block {
                continue;
            }
            let Some(dd) = self.modules().get(r.module).and_then(|l| l.module.dwarf()) else {
                continue;
            };
            let uref = dd.unit_ref(r.unit);
            let mut origins = Vec::new();
            for (offset, tag, origin) in direct_children(uref, s.offset) {
                origins.extend(origin);
                if tag == want {
                    out.push((r.module, r.unit, offset));
                }
            }
            // Like gdb's inherit_abstract_dies: variables of the abstract instance that
            // the concrete (inlined or out-of-line) copy does not mention directly are
            // still in scope, as <optimized out> (or their constant value).
            if s.kind != ScopeKind::Block {
                if let Some(abs) = abstract_origin(uref, s.offset) {
                    for (offset, tag, _) in direct_children(uref, abs) {
                        if tag == want && !origins.contains(&offset) {
                            out.push((r.module, r.unit, offset));
                        }
                    }
                }
            }
        }
        out
    }

    /// Parameters or locals of `frame`.
    pub fn frame_variables(
        &self,
        frame: &Frame,
        kind: VariableKind,
        mem: &dyn Memory,
    ) -> Vec<Variable> {
        self.frame_dies(frame, kind)
            .into_iter()
            .filter_map(|(m, u, o)| self.die_value(Some(frame), m, u, o, mem))
            .map(|(n, v)| self.make_variable(&n, v, mem))
            .collect()
    }

    /// Global and file-static variables of the unit containing the frame's pc.
    pub fn globals(&self, frame: &Frame, mem: &dyn Memory) -> Vec<Variable> {
        let Some(r) = frame.scopes.first() else {
            return Vec::new();
        };
        self.unit_globals(r.module, r.unit)
            .into_iter()
            .filter_map(|o| self.die_value(Some(frame), r.module, r.unit, o, mem))
            .map(|(n, v)| self.make_variable(&n, v, mem))
            .collect()
    }

    /// Variables with a location at unit level (and in namespaces, for C++ and Rust).
    fn unit_globals(&self, module: usize, unit: usize) -> Vec<UnitOffset> {
        let Some(dd) = self.modules().get(module).and_then(|l| l.module.dwarf()) else {
            return Vec::new();
        };
        let uref = dd.unit_ref(unit);
        let mut out = Vec::new();
        let mut entries = uref.entries();
        let mut depth = 0isize;
        let mut in_namespace: Vec<isize> = Vec::new();
        while let Ok(Some((delta, e))) = entries.next_dfs() {
            depth += delta;
            in_namespace.retain(|d| *d < depth);
            let top = depth == 1 || in_namespace.last().is_some_and(|d| *d == depth - 1);
            if e.tag() == gimli::DW_TAG_namespace && top {
                in_namespace.push(depth);
            }
            let declaration = e
                .attr_value(gimli::DW_AT_declaration)
                .ok()
                .flatten()
                .is_some();
            if top && e.tag() == gimli::DW_TAG_variable && !declaration {
                out.push(e.offset());
            }
        }
        out
    }

    /// The general-purpose registers of `frame` (unknown ones omitted).
    pub fn registers(&self, frame: &Frame) -> Vec<Variable> {
        REGISTER_NAMES
            .iter()
            .filter_map(|(n, r)| {
                let v = frame.regs.get(*r)?;
                Some(Variable {
                    name: format!("${n}"),
                    type_name: "int64_t".into(),
                    value: format!("{v:#x}"),
                    children: None,
                    indexed_children: None,
                    address: None,
                    byte_size: Some(8),
                })
            })
            .collect()
    }

    /// Finds a variable by name: the frame's locals and parameters (innermost first), then
    /// globals of its unit, then globals of every unit of the executable's modules.
    pub(crate) fn lookup_variable(
        &self,
        frame: Option<&Frame>,
        name: &str,
        mem: &dyn Memory,
    ) -> Option<TypedValue> {
        if let Some(f) = frame {
            let mut dies = Vec::new();
            for r in &f.scopes {
                let single = Frame {
                    scopes: vec![*r],
                    ..f.clone()
                };
                dies.extend(self.frame_dies(&single, VariableKind::Local));
                dies.extend(self.frame_dies(&single, VariableKind::Parameter));
            }
            for (m, u, o) in dies {
                let Some(dd) = self.modules().get(m).and_then(|l| l.module.dwarf()) else {
                    continue;
                };
                if self.die_name(dd.unit_ref(u), o).as_deref() == Some(name) {
                    return self.die_value(Some(f), m, u, o, mem).map(|(_, v)| v);
                }
            }
        }
        let mut units: Vec<(usize, usize)> = frame
            .and_then(|f| f.scopes.first())
            .map(|r| (r.module, r.unit))
            .into_iter()
            .collect();
        for (mi, l) in self.modules().iter().enumerate() {
            let Some(dd) = l.module.dwarf() else { continue };
            if dd.units.len() <= 200 {
                units.extend((0..dd.units.len()).map(|u| (mi, u)));
            }
        }
        for (m, u) in units {
            let Some(dd) = self.modules().get(m).and_then(|l| l.module.dwarf()) else {
                continue;
            };
            for o in self.unit_globals(m, u) {
                if self.die_name(dd.unit_ref(u), o).as_deref() == Some(name) {
                    return self.die_value(frame, m, u, o, mem).map(|(_, v)| v);
                }
            }
        }
        None
    }

    /// Reads the value of a [`TypeRef`]-typed object at `addr` (for casts and `*p`).
    pub(crate) fn value_at(&self, ty: Option<TypeRef>, addr: u64) -> TypedValue {
        TypedValue {
            ty,
            place: Ok(Place::Memory(addr)),
        }
    }
}

/// Static TLS of the executable (x86-64 variant II): its block ends at the thread
/// pointer (fs_base), rounded to the segment's alignment.
fn tls_base(module: &crate::module::Module, regs: &Registers) -> Option<u64> {
    if !module.elf().is_executable() {
        return None;
    }
    let (size, align) = module.elf().tls_segment()?;
    let fs = regs.get(gimli::X86_64::FS_BASE)?;
    Some(fs.wrapping_sub(size.div_ceil(align).saturating_mul(align)))
}

/// The direct children of a DIE: offset, tag and abstract origin.
fn direct_children(
    uref: gimli::UnitRef<'_, R>,
    offset: UnitOffset,
) -> Vec<(UnitOffset, gimli::DwTag, Option<UnitOffset>)> {
    let mut out = Vec::new();
    let Ok(mut tree) = uref.entries_tree(Some(offset)) else {
        return out;
    };
    let Ok(root) = tree.root() else { return out };
    let mut children = root.children();
    while let Ok(Some(c)) = children.next() {
        let e = c.entry();
        out.push((e.offset(), e.tag(), abstract_origin_of(e)));
    }
    out
}

fn abstract_origin_of(e: &gimli::DebuggingInformationEntry<'_, '_, R>) -> Option<UnitOffset> {
    match e.attr_value(gimli::DW_AT_abstract_origin).ok()? {
        Some(gimli::AttributeValue::UnitRef(o)) => Some(o),
        _ => None,
    }
}

fn abstract_origin(uref: gimli::UnitRef<'_, R>, offset: UnitOffset) -> Option<UnitOffset> {
    abstract_origin_of(&uref.entry(offset).ok()?)
}

fn const_bytes(v: gimli::AttributeValue<R>, size: u64) -> Vec<u8> {
    let mut bytes = match v {
        gimli::AttributeValue::Block(b) => b.bytes().to_vec(),
        gimli::AttributeValue::Sdata(s) => s.to_le_bytes().to_vec(),
        other => other.udata_value().unwrap_or(0).to_le_bytes().to_vec(),
    };
    bytes.resize((size as usize).clamp(1, 1 << 16), 0);
    bytes
}
