//! Values: a typed place in the target, formatted for display, with lazy children.

use crate::location::Place;
use crate::program::Program;
use crate::target::Memory;
use crate::types::{Member, Type, TypeKind, TypeRef};

/// How many array elements or string bytes a summary shows.
const SUMMARY_ELEMENTS: u64 = 100;
/// How many levels of nested aggregates a summary shows.
const SUMMARY_DEPTH: u32 = 3;

/// Opaque handle to expand a value later (DAP `variablesReference`).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ValueHandle {
    pub(crate) ty: Option<TypeRef>,
    pub(crate) place: Place,
    pub(crate) name: String,
}

/// A displayed variable, member, element or expression result.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Variable {
    /// Name (`x`, `p.x`-style members are just `x`, elements are `[3]`).
    pub name: String,
    /// The type as users write it.
    pub type_name: String,
    /// The value, formatted like gdb (`<optimized out>` when unavailable).
    pub value: String,
    /// Expand later with [`Program::children`]; `None` for scalars.
    pub children: Option<ValueHandle>,
    /// Number of children when it is an array (for DAP paging).
    pub indexed_children: Option<u64>,
    /// Address of the value, when it lives in memory.
    pub address: Option<u64>,
    /// Size of the value in bytes, when its type says.
    pub byte_size: Option<u64>,
}

/// A value: its type and where its bytes are (or why they are not available).
#[derive(Debug, Clone)]
pub(crate) struct TypedValue {
    pub ty: Option<TypeRef>,
    pub place: Result<Place, String>,
}

pub(crate) fn read_place(
    place: &Place,
    offset: u64,
    len: u64,
    mem: &dyn Memory,
) -> Result<Vec<u8>, String> {
    let len = usize::try_from(len).map_err(|_| "value too large".to_string())?;
    if len > 1 << 24 {
        return Err("value too large".into());
    }
    match place {
        Place::Memory(addr) => {
            let mut buf = vec![0u8; len];
            let a = addr.wrapping_add(offset);
            mem.read(a, &mut buf)
                .map_err(|_| format!("<error: Cannot access memory at address {a:#x}>"))?;
            Ok(buf)
        }
        Place::Bytes(bytes) => {
            let start = usize::try_from(offset).map_err(|_| "<error: bad offset>".to_string())?;
            bytes
                .get(start..start.saturating_add(len))
                .map(<[u8]>::to_vec)
                .ok_or_else(|| "<optimized out>".to_string())
        }
    }
}

pub(crate) fn sub_place(place: &Place, offset: u64, len: u64) -> Place {
    match place {
        Place::Memory(a) => Place::Memory(a.wrapping_add(offset)),
        Place::Bytes(b) => {
            let start = (offset as usize).min(b.len());
            let end = start.saturating_add(len as usize).min(b.len());
            Place::Bytes(b[start..end].to_vec())
        }
    }
}

fn le_u128(bytes: &[u8]) -> u128 {
    let mut b = [0u8; 16];
    let n = bytes.len().min(16);
    b[..n].copy_from_slice(&bytes[..n]);
    u128::from_le_bytes(b)
}

fn sign_extend(v: u128, size: u64) -> i128 {
    if size == 0 || size >= 16 {
        return v as i128;
    }
    let shift = 128 - size * 8;
    ((v << shift) as i128) >> shift
}

/// gdb's rendering of a character: `65 'A'`.
fn char_literal(v: i128) -> String {
    let c = match v {
        0 => "\\000".to_string(),
        7 => "\\a".into(),
        8 => "\\b".into(),
        9 => "\\t".into(),
        10 => "\\n".into(),
        13 => "\\r".into(),
        39 => "\\'".into(),
        92 => "\\\\".into(),
        32..=126 => (v as u8 as char).to_string(),
        _ => format!("\\{:03o}", (v as i64 as u64) & 0xff),
    };
    format!("{v} '{c}'")
}

/// C string literal of `bytes` up to the first NUL, escaped.
pub(crate) fn c_string(bytes: &[u8]) -> String {
    let end = bytes.iter().position(|b| *b == 0).unwrap_or(bytes.len());
    let mut s = String::from("\"");
    for &b in &bytes[..end] {
        match b {
            b'"' => s.push_str("\\\""),
            b'\\' => s.push_str("\\\\"),
            b'\n' => s.push_str("\\n"),
            b'\t' => s.push_str("\\t"),
            32..=126 => s.push(b as char),
            _ => s.push_str(&format!("\\{b:03o}")),
        }
    }
    s.push('"');
    s
}

impl Program {
    pub(crate) fn is_char_type(&self, t: &Type) -> bool {
        matches!(self.strip(t).kind, TypeKind::Base { encoding, size: 1 } if encoding == gimli::DW_ATE_signed_char || encoding == gimli::DW_ATE_unsigned_char)
    }

    /// Reads a scalar (integer, enum, pointer, bool, char) as an integer.
    pub(crate) fn scalar(&self, v: &TypedValue, mem: &dyn Memory) -> Result<i128, String> {
        let place = v.place.as_ref().map_err(Clone::clone)?;
        let t =
            v.ty.and_then(|t| self.type_at(t))
                .ok_or("<incomplete type>")?;
        let t = self.strip(&t);
        let (size, signed) = match &t.kind {
            TypeKind::Base { encoding, size } => {
                if *encoding == gimli::DW_ATE_float {
                    return Err("floating-point values are not integers".into());
                }
                (
                    *size,
                    *encoding == gimli::DW_ATE_signed || *encoding == gimli::DW_ATE_signed_char,
                )
            }
            TypeKind::Enum { size, signed, .. } => (*size, *signed),
            TypeKind::Pointer { .. } => (8, false),
            _ => return Err(format!("{} is not a scalar", self.type_name(Some(&t)))),
        };
        let bytes = read_place(place, 0, size.min(16), mem)?;
        let raw = le_u128(&bytes);
        Ok(if signed {
            sign_extend(raw, size)
        } else {
            raw as i128
        })
    }

    /// Formats `v` like gdb's `print`.
    pub(crate) fn format_value(&self, v: &TypedValue, mem: &dyn Memory, depth: u32) -> String {
        match self.try_format(v, mem, depth) {
            Ok(s) => s,
            Err(e) => e,
        }
    }

    fn try_format(&self, v: &TypedValue, mem: &dyn Memory, depth: u32) -> Result<String, String> {
        let place = v.place.as_ref().map_err(Clone::clone)?;
        let t =
            v.ty.and_then(|t| self.type_at(t))
                .ok_or("<incomplete type>")?;
        let st = self.strip(&t);
        if st.rust {
            if let Some(s) = self.format_rust(v, &st, mem, depth) {
                return Ok(s);
            }
        }
        match &st.kind {
            TypeKind::Base { encoding, size } => {
                let bytes = read_place(place, 0, *size, mem)?;
                let raw = le_u128(&bytes);
                Ok(match *encoding {
                    gimli::DW_ATE_float if st.rust && *size == 4 => {
                        format!("{:?}", f32::from_bits(raw as u32))
                    }
                    gimli::DW_ATE_float if st.rust && *size == 8 => {
                        format!("{:?}", f64::from_bits(raw as u64))
                    }
                    gimli::DW_ATE_float if *size == 4 => {
                        crate::format::fmt_g(f32::from_bits(raw as u32) as f64, 9)
                    }
                    gimli::DW_ATE_float if *size == 8 => {
                        crate::format::fmt_g(f64::from_bits(raw as u64), 17)
                    }
                    gimli::DW_ATE_boolean => (if raw != 0 { "true" } else { "false" }).to_string(),
                    gimli::DW_ATE_signed_char | gimli::DW_ATE_unsigned_char
                        if *size == 1 && !st.rust =>
                    {
                        let v = if *encoding == gimli::DW_ATE_signed_char {
                            sign_extend(raw, 1)
                        } else {
                            raw as i128
                        };
                        char_literal(v)
                    }
                    gimli::DW_ATE_UTF if st.rust => {
                        char::from_u32(raw as u32).map_or(format!("{raw}"), |c| format!("{c:?}"))
                    }
                    gimli::DW_ATE_signed | gimli::DW_ATE_signed_char => {
                        sign_extend(raw, *size).to_string()
                    }
                    _ => raw.to_string(),
                })
            }
            TypeKind::Enum {
                size,
                signed,
                enumerators,
            } => {
                let raw = le_u128(&read_place(place, 0, *size, mem)?);
                let value = if *signed {
                    sign_extend(raw, *size)
                } else {
                    raw as i128
                };
                Ok(enumerators
                    .iter()
                    .find(|(_, v)| *v as i128 == value)
                    .map_or_else(|| value.to_string(), |(n, _)| n.clone()))
            }
            TypeKind::Pointer { pointee, reference } => {
                let addr = le_u128(&read_place(place, 0, 8, mem)?) as u64;
                let target = pointee.and_then(|p| self.type_at(p));
                if *reference {
                    let inner = TypedValue {
                        ty: *pointee,
                        place: Ok(Place::Memory(addr)),
                    };
                    return Ok(format!(
                        "@{addr:#x}: {}",
                        self.format_value(&inner, mem, depth)
                    ));
                }
                let mut s = format!("{addr:#x}");
                if let Some(tt) = &target {
                    if self.is_char_type(tt) && addr != 0 {
                        s.push(' ');
                        s.push_str(&self.read_c_string(addr, mem));
                        return Ok(s);
                    }
                }
                if let Some(sym) = self.symbol_at_address(addr) {
                    s.push_str(&format!(" <{sym}>"));
                }
                Ok(s)
            }
            TypeKind::Struct { members, .. } => {
                if depth >= SUMMARY_DEPTH {
                    return Ok("{...}".into());
                }
                let parts: Vec<String> = members
                    .iter()
                    .map(|m| {
                        let mv = self.member_value(place, m, mem);
                        format!("{} = {}", m.name, self.format_value(&mv, mem, depth + 1))
                    })
                    .collect();
                Ok(format!("{{{}}}", parts.join(", ")))
            }
            TypeKind::Array { element, counts } => {
                let n = counts.first().copied().flatten().unwrap_or(0);
                let et = element.and_then(|e| self.type_at(e));
                let es = et.as_ref().map_or(0, |e| self.type_size(e));
                if let Some(et) = &et {
                    if self.is_char_type(et) && counts.len() == 1 {
                        let bytes = read_place(place, 0, n.min(4096), mem)?;
                        return Ok(crate::format::char_array(&bytes));
                    }
                }
                Ok(self.format_array(place, *element, counts, es, mem, depth))
            }
            TypeKind::Function { .. } => Ok(format!("{{{}}}", self.type_name(Some(&st)))),
            TypeKind::Void => Err("<incomplete type>".into()),
            TypeKind::Typedef(_) | TypeKind::Qualified(..) => Err("<incomplete type>".into()),
        }
    }

    /// `{a, b, c}`; each dimension of a multi-dimensional array nests one level.
    fn format_array(
        &self,
        place: &Place,
        element: Option<TypeRef>,
        counts: &[Option<u64>],
        es: u64,
        mem: &dyn Memory,
        depth: u32,
    ) -> String {
        if depth >= SUMMARY_DEPTH + counts.len() as u32 {
            return "{...}".into();
        }
        let n = counts.first().copied().flatten().unwrap_or(0);
        let shown = n.min(SUMMARY_ELEMENTS);
        let inner = sub_array_size(counts, es);
        let mut parts = Vec::new();
        for i in 0..shown {
            if counts.len() > 1 {
                let sub = sub_place(place, i.saturating_mul(inner), inner);
                parts.push(self.format_array(
                    &sub,
                    element,
                    counts.get(1..).unwrap_or(&[]),
                    es,
                    mem,
                    depth + 1,
                ));
            } else {
                let ev = self.element_value(place, element, counts, es, i);
                parts.push(self.format_value(&ev, mem, depth + 1));
            }
        }
        if n > shown {
            parts.push("...".into());
        }
        format!("{{{}}}", parts.join(", "))
    }

    pub(crate) fn read_c_string(&self, addr: u64, mem: &dyn Memory) -> String {
        let mut bytes = Vec::new();
        let mut chunk = [0u8; 64];
        while bytes.len() < 200 {
            let a = addr + bytes.len() as u64;
            if mem.read(a, &mut chunk).is_err() {
                // Near the end of a mapping: fall back to byte reads.
                let mut one = [0u8; 1];
                if mem.read(a, &mut one).is_err() {
                    if bytes.is_empty() {
                        return format!("<error: Cannot access memory at address {addr:#x}>");
                    }
                    break;
                }
                bytes.push(one[0]);
                if one[0] == 0 {
                    break;
                }
                continue;
            }
            bytes.extend_from_slice(&chunk);
            if chunk.contains(&0) {
                break;
            }
        }
        let mut s = c_string(&bytes);
        if !bytes.contains(&0) {
            s.push_str("...");
        }
        s
    }

    pub(crate) fn member_value(&self, place: &Place, m: &Member, mem: &dyn Memory) -> TypedValue {
        let size =
            m.ty.and_then(|t| self.type_at(t))
                .map_or(0, |t| self.type_size(&t));
        match m.bits {
            Some((width, bit)) => {
                let nbytes = (bit + width).div_ceil(8).max(1);
                let place = read_place(place, m.offset, nbytes, mem).map(|b| {
                    let raw = le_u128(&b) >> bit;
                    let mask = if width >= 128 { u128::MAX } else { (1u128 << width) - 1 };
                    let mut v = raw & mask;
                    let signed = m.ty.and_then(|t| self.type_at(t)).is_some_and(|t| {
                        matches!(self.strip(&t).kind, TypeKind::Base { encoding, .. } if encoding == gimli::DW_ATE_signed)
                    });
                    if signed && width > 0 && width < 128 && (v >> (width - 1)) & 1 == 1 {
                        v |= !mask;
                    }
                    Place::Bytes(v.to_le_bytes()[..size.clamp(1, 16) as usize].to_vec())
                });
                TypedValue { ty: m.ty, place }
            }
            None => TypedValue {
                ty: m.ty,
                place: Ok(sub_place(place, m.offset, size)),
            },
        }
    }

    pub(crate) fn element_value(
        &self,
        place: &Place,
        element: Option<TypeRef>,
        counts: &[Option<u64>],
        elem_size: u64,
        i: u64,
    ) -> TypedValue {
        if counts.len() > 1 {
            // Multi-dimensional: element i is a sub-array of the remaining dimensions.
            let inner = sub_array_size(counts, elem_size);
            return TypedValue {
                ty: element,
                place: Err(format!("<sub-array of {inner} bytes>")),
            };
        }
        TypedValue {
            ty: element,
            place: Ok(sub_place(place, i.saturating_mul(elem_size), elem_size)),
        }
    }

    /// Turns a value into a displayed [`Variable`].
    pub(crate) fn make_variable(&self, name: &str, v: TypedValue, mem: &dyn Memory) -> Variable {
        let t = v.ty.and_then(|t| self.type_at(t));
        let type_name = self.type_name(t.as_ref());
        let value = self.format_value(&v, mem, 0);
        let address = match &v.place {
            Ok(Place::Memory(a)) => Some(*a),
            _ => None,
        };
        let (expandable, indexed) = match (&v.place, t.as_ref().map(|t| self.strip(t))) {
            (Ok(place), Some(st)) => self.expandability(v.ty, &st, place, mem),
            _ => (false, None),
        };
        Variable {
            name: name.to_string(),
            type_name,
            value,
            children: match (&v.place, expandable) {
                (Ok(place), true) => Some(ValueHandle {
                    ty: v.ty,
                    place: place.clone(),
                    name: name.to_string(),
                }),
                _ => None,
            },
            indexed_children: indexed,
            address,
            byte_size: t.as_ref().map(|t| self.type_size(t)),
        }
    }

    fn expandability(
        &self,
        ty: Option<TypeRef>,
        st: &Type,
        place: &Place,
        mem: &dyn Memory,
    ) -> (bool, Option<u64>) {
        if let (true, Some(ty)) = (st.rust, ty) {
            if let Some(n) = self.rust_child_count(ty, st, place, mem) {
                return (n > 0, Some(n));
            }
        }
        match &st.kind {
            TypeKind::Struct {
                members, variants, ..
            } => (!members.is_empty() || variants.is_some(), None),
            TypeKind::Array { counts, .. } => {
                let n = counts.first().copied().flatten().unwrap_or(0);
                (n > 0, Some(n))
            }
            TypeKind::Pointer { pointee, .. } => {
                let target = pointee
                    .and_then(|p| self.type_at(p))
                    .map(|t| self.strip(&t));
                let deref = target
                    .is_some_and(|t| !matches!(t.kind, TypeKind::Void | TypeKind::Function { .. }));
                let non_null = read_place(place, 0, 8, mem).is_ok_and(|b| le_u128(&b) != 0);
                (deref && non_null, None)
            }
            _ => (false, None),
        }
    }

    /// The children of an expandable value: members, elements `[start, start+count)`, or
    /// the pointee of a pointer.
    pub fn children(
        &self,
        handle: &ValueHandle,
        mem: &dyn Memory,
        start: u64,
        count: Option<u64>,
    ) -> Vec<Variable> {
        let Some(t) = handle.ty.and_then(|t| self.type_at(t)) else {
            return Vec::new();
        };
        let st = self.strip(&t);
        let place = &handle.place;
        if let (true, Some(ty)) = (st.rust, handle.ty) {
            if let Some(children) = self.rust_children(ty, &st, place, mem, start, count) {
                return children
                    .into_iter()
                    .map(|(n, v)| self.make_variable(&n, v, mem))
                    .collect();
            }
        }
        match &st.kind {
            TypeKind::Struct { members, .. } => members
                .iter()
                .map(|m| self.make_variable(&m.name, self.member_value(place, m, mem), mem))
                .collect(),
            TypeKind::Array { element, counts } => {
                let n = counts.first().copied().flatten().unwrap_or(0);
                let es = element
                    .and_then(|e| self.type_at(e))
                    .map_or(0, |e| self.type_size(&e));
                let end = count.map_or(n, |c| start.saturating_add(c).min(n));
                let inner: u64 = counts
                    .get(1..)
                    .unwrap_or(&[])
                    .iter()
                    .map(|c| c.unwrap_or(0))
                    .product::<u64>()
                    .saturating_mul(es);
                (start..end)
                    .map(|i| {
                        if counts.len() > 1 {
                            // A row of a multi-dimensional array: shown, not expandable.
                            let sub = sub_place(place, i.saturating_mul(inner), inner);
                            let value = self.format_array(
                                &sub,
                                *element,
                                counts.get(1..).unwrap_or(&[]),
                                es,
                                mem,
                                0,
                            );
                            let et = element.and_then(|e| self.type_at(e));
                            let dims: String = counts
                                .get(1..)
                                .unwrap_or(&[])
                                .iter()
                                .map(|c| format!("[{}]", c.unwrap_or(0)))
                                .collect();
                            return Variable {
                                name: format!("[{i}]"),
                                type_name: format!("{} {dims}", self.type_name(et.as_ref())),
                                value,
                                children: None,
                                indexed_children: None,
                                address: match sub {
                                    Place::Memory(a) => Some(a),
                                    Place::Bytes(_) => None,
                                },
                                byte_size: et.as_ref().map(|t| self.type_size(t)),
                            };
                        }
                        self.make_variable(
                            &format!("[{i}]"),
                            self.element_value(place, *element, counts, es, i),
                            mem,
                        )
                    })
                    .collect()
            }
            TypeKind::Pointer { pointee, .. } => {
                let Ok(b) = read_place(place, 0, 8, mem) else {
                    return Vec::new();
                };
                let v = TypedValue {
                    ty: *pointee,
                    place: Ok(Place::Memory(le_u128(&b) as u64)),
                };
                vec![self.make_variable(&format!("*{}", handle.name), v, mem)]
            }
            _ => Vec::new(),
        }
    }
}

/// Bytes of one element of the outermost dimension: the product of the
/// other dimensions' counts times the element size.
fn sub_array_size(counts: &[Option<u64>], elem_size: u64) -> u64 {
    counts
        .get(1..)
        .unwrap_or(&[])
        .iter()
        .map(|c| c.unwrap_or(0))
        .product::<u64>()
        .saturating_mul(elem_size)
}
