//! Rust values shown as a Rust user expects: `&str`, `String`, `Vec`, slices, enums
//! (`Some(5)`, `None`), tuples and tuple structs.

use crate::dwarf::lossy;
use crate::location::Place;
use crate::program::Program;
use crate::target::Memory;
use crate::types::{Member, Type, TypeKind, TypeRef};
use crate::value::{read_place, TypedValue};

const MAX_ELEMENTS: u64 = 100;
const MAX_STRING: u64 = 4096;

/// A Rust sequence (slice, Vec, String): data pointer, length, element type.
struct Seq {
    ptr: u64,
    len: u64,
    elem: Option<TypeRef>,
    text: bool,
}

fn name_of(st: &Type) -> &str {
    st.name.as_deref().unwrap_or("")
}

impl Program {
    fn members_of(&self, st: &Type) -> Vec<Member> {
        match &st.kind {
            TypeKind::Struct { members, .. } => members.clone(),
            _ => Vec::new(),
        }
    }

    fn member_u64(&self, place: &Place, m: &Member, mem: &dyn Memory) -> Option<u64> {
        let b = read_place(place, m.offset, 8, mem).ok()?;
        Some(u64::from_le_bytes(b.try_into().ok()?))
    }

    /// The first pointer found below `place` (through wrapper structs like
    /// `RawVec { inner: RawVecInner { ptr: Unique { pointer: NonNull { pointer } } } }`).
    fn inner_pointer(
        &self,
        ty: Option<TypeRef>,
        place: &Place,
        offset: u64,
        mem: &dyn Memory,
        depth: u32,
    ) -> Option<(u64, Option<TypeRef>)> {
        let t = self.strip(&self.type_at(ty?)?);
        match &t.kind {
            TypeKind::Pointer { pointee, .. } => {
                let b = read_place(place, offset, 8, mem).ok()?;
                Some((u64::from_le_bytes(b.try_into().ok()?), *pointee))
            }
            TypeKind::Struct { members, .. } if depth < 8 => members
                .iter()
                .find_map(|m| self.inner_pointer(m.ty, place, offset + m.offset, mem, depth + 1)),
            _ => None,
        }
    }

    fn template_param(&self, t: TypeRef, name: &str) -> Option<TypeRef> {
        let dd = self.modules().get(t.module)?.module.dwarf()?;
        let uref = dd.unit_ref(t.unit);
        let mut tree = uref.entries_tree(Some(t.offset)).ok()?;
        let root = tree.root().ok()?;
        let mut children = root.children();
        while let Ok(Some(c)) = children.next() {
            let e = c.entry();
            if e.tag() != gimli::DW_TAG_template_type_parameter {
                continue;
            }
            let n = e
                .attr_value(gimli::DW_AT_name)
                .ok()?
                .and_then(|v| uref.attr_string(v).ok())
                .map(|s| lossy(&s));
            if n.as_deref() == Some(name) {
                return self.die_ref(t.module, t.unit, e.attr_value(gimli::DW_AT_type).ok()??);
            }
        }
        None
    }

    fn strip_ref(&self, mut t: TypeRef) -> TypeRef {
        for _ in 0..16 {
            match self.type_at(t).map(|ty| ty.kind) {
                Some(TypeKind::Typedef(Some(n))) | Some(TypeKind::Qualified(_, Some(n))) => t = n,
                _ => break,
            }
        }
        t
    }

    fn seq(&self, tr: TypeRef, st: &Type, place: &Place, mem: &dyn Memory) -> Option<Seq> {
        let name = name_of(st);
        let members = self.members_of(st);
        let find = |n: &str| members.iter().find(|m| m.name == n);
        if name.starts_with('&') || name.starts_with("*const [") || name.starts_with("*mut [") {
            let (ptr_m, len_m) = (find("data_ptr")?, find("length")?);
            let text = name.ends_with("str");
            let elem = if text {
                None
            } else {
                self.type_at(ptr_m.ty?).and_then(|p| match p.kind {
                    TypeKind::Pointer { pointee, .. } => pointee,
                    _ => None,
                })
            };
            return Some(Seq {
                ptr: self.member_u64(place, ptr_m, mem)?,
                len: self.member_u64(place, len_m, mem)?,
                elem,
                text,
            });
        }
        if name == "String" || name.ends_with("::String") {
            let vec = find("vec")?;
            let vt = self.strip_ref(vec.ty?);
            let vst = self.strip(&self.type_at(vt)?);
            let inner = crate::value::sub_place(place, vec.offset, 24);
            let s = self.seq(vt, &vst, &inner, mem)?;
            return Some(Seq { text: true, ..s });
        }
        if name.starts_with("Vec<") || name.starts_with("alloc::vec::Vec<") {
            let len = self.member_u64(place, find("len")?, mem)?;
            let buf = find("buf")?;
            let (ptr, _) = self.inner_pointer(buf.ty, place, buf.offset, mem, 0)?;
            return Some(Seq {
                ptr,
                len,
                elem: self.template_param(tr, "T"),
                text: false,
            });
        }
        None
    }

    fn active_variant(&self, st: &Type, place: &Place, mem: &dyn Memory) -> Option<Member> {
        let TypeKind::Struct {
            variants: Some(vp), ..
        } = &st.kind
        else {
            return None;
        };
        let Some(discr) = &vp.discr else {
            return vp.variants.first().map(|v| v.member.clone());
        };
        let size = discr
            .ty
            .and_then(|t| self.type_at(t))
            .map_or(8, |t| self.type_size(&t))
            .clamp(1, 8);
        let b = read_place(place, discr.offset, size, mem).ok()?;
        let mut raw = [0u8; 8];
        raw[..b.len()].copy_from_slice(&b);
        let value = u64::from_le_bytes(raw);
        vp.variants
            .iter()
            .find(|v| v.discr == Some(value))
            .or_else(|| vp.variants.iter().find(|v| v.discr.is_none()))
            .map(|v| v.member.clone())
    }

    fn fields(
        &self,
        ty: Option<TypeRef>,
        place: &Place,
        mem: &dyn Memory,
    ) -> (Option<Type>, Vec<(String, TypedValue)>) {
        let Some(t) = ty.and_then(|t| self.type_at(t)).map(|t| self.strip(&t)) else {
            return (None, Vec::new());
        };
        let fields = self
            .members_of(&t)
            .iter()
            .map(|m| (m.name.clone(), self.member_value(place, m, mem)))
            .collect();
        (Some(t), fields)
    }

    fn format_fields(
        &self,
        name: &str,
        fields: &[(String, TypedValue)],
        mem: &dyn Memory,
        depth: u32,
    ) -> String {
        if fields.is_empty() {
            return name.to_string();
        }
        if depth >= 3 {
            return format!("{name} {{...}}");
        }
        let tuple = fields.iter().all(|(n, _)| n.starts_with("__"));
        let parts: Vec<String> = fields
            .iter()
            .map(|(n, v)| {
                let s = self.format_value(v, mem, depth + 1);
                if tuple {
                    s
                } else {
                    format!("{n}: {s}")
                }
            })
            .collect();
        if tuple {
            format!("{name}({})", parts.join(", "))
        } else {
            format!("{name} {{ {} }}", parts.join(", "))
        }
    }

    /// Formats Rust-specific shapes; `None` where the C rules apply.
    pub(crate) fn format_rust(
        &self,
        v: &TypedValue,
        st: &Type,
        mem: &dyn Memory,
        depth: u32,
    ) -> Option<String> {
        let place = v.place.as_ref().ok()?;
        let tr = self.strip_ref(v.ty?);
        if !matches!(st.kind, TypeKind::Struct { .. }) {
            return None;
        }
        if let Some(seq) = self.seq(tr, st, place, mem) {
            if seq.text {
                let n = seq.len.min(MAX_STRING);
                let mut b = vec![0u8; n as usize];
                if mem.read(seq.ptr, &mut b).is_err() {
                    return Some(format!(
                        "<error: Cannot access memory at address {:#x}>",
                        seq.ptr
                    ));
                }
                return Some(format!("{:?}", String::from_utf8_lossy(&b)));
            }
            let parts: Vec<String> = self
                .seq_elements(&seq, 0, Some(MAX_ELEMENTS))
                .iter()
                .map(|(_, e)| self.format_value(e, mem, depth + 1))
                .collect();
            let more = if seq.len > MAX_ELEMENTS { ", ..." } else { "" };
            return Some(format!("[{}{more}]", parts.join(", ")));
        }
        if let TypeKind::Struct {
            variants: Some(_), ..
        } = &st.kind
        {
            let Some(var) = self.active_variant(st, place, mem) else {
                return Some("<invalid enum discriminant>".into());
            };
            let vplace = crate::value::sub_place(place, var.offset, self.type_size(st));
            let (_, fields) = self.fields(var.ty, &vplace, mem);
            return Some(self.format_fields(&var.name, &fields, mem, depth));
        }
        let (_, fields) = self.fields(Some(tr), place, mem);
        let name = name_of(st);
        if name.starts_with('(') {
            let parts: Vec<String> = fields
                .iter()
                .map(|(_, v)| self.format_value(v, mem, depth + 1))
                .collect();
            return Some(format!("({})", parts.join(", ")));
        }
        Some(self.format_fields(name, &fields, mem, depth))
    }

    fn seq_elements(&self, seq: &Seq, start: u64, count: Option<u64>) -> Vec<(String, TypedValue)> {
        let es = seq
            .elem
            .and_then(|e| self.type_at(e))
            .map_or(0, |e| self.type_size(&e));
        let end = count.map_or(seq.len, |c| start.saturating_add(c).min(seq.len));
        (start..end)
            .map(|i| {
                (
                    format!("[{i}]"),
                    TypedValue {
                        ty: seq.elem,
                        place: Ok(Place::Memory(seq.ptr.wrapping_add(i.saturating_mul(es)))),
                    },
                )
            })
            .collect()
    }

    /// Number of children of Rust sequences and enums; `None` where the C rules apply.
    pub(crate) fn rust_child_count(
        &self,
        ty: TypeRef,
        st: &Type,
        place: &Place,
        mem: &dyn Memory,
    ) -> Option<u64> {
        let tr = self.strip_ref(ty);
        if let Some(seq) = self.seq(tr, st, place, mem) {
            return Some(if seq.text { 0 } else { seq.len });
        }
        if let TypeKind::Struct {
            variants: Some(_), ..
        } = &st.kind
        {
            let var = self.active_variant(st, place, mem)?;
            let (_, fields) = self.fields(var.ty, place, mem);
            return Some(fields.len() as u64);
        }
        None
    }

    /// Children of Rust sequences and enums; `None` where the C rules apply.
    pub(crate) fn rust_children(
        &self,
        ty: TypeRef,
        st: &Type,
        place: &Place,
        mem: &dyn Memory,
        start: u64,
        count: Option<u64>,
    ) -> Option<Vec<(String, TypedValue)>> {
        let tr = self.strip_ref(ty);
        if let Some(seq) = self.seq(tr, st, place, mem) {
            return Some(if seq.text {
                Vec::new()
            } else {
                self.seq_elements(&seq, start, count)
            });
        }
        if let TypeKind::Struct {
            variants: Some(_), ..
        } = &st.kind
        {
            let var = self.active_variant(st, place, mem)?;
            let vplace = crate::value::sub_place(place, var.offset, self.type_size(st));
            return Some(self.fields(var.ty, &vplace, mem).1);
        }
        None
    }
}
