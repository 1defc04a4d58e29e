//! Type descriptions read from DWARF DIEs on demand.

use crate::dwarf::{lossy, R};
use crate::program::Program;

/// A type DIE: module index, unit index and offset in the unit.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub struct TypeRef {
    /// Index into [`Program::modules`].
    pub module: usize,
    /// Unit index.
    pub unit: usize,
    /// DIE offset in the unit.
    pub offset: gimli::UnitOffset,
}

/// A struct/union/class member (or Rust enum variant field).
#[derive(Debug, Clone)]
pub struct Member {
    /// Member name (`__0` for tuple fields in Rust).
    pub name: String,
    /// Its type.
    pub ty: Option<TypeRef>,
    /// Byte offset in the enclosing object.
    pub offset: u64,
    /// Bit-field width and offset from `offset` (DWARF 4/5 data_bit_offset semantics).
    pub bits: Option<(u64, u64)>,
}

/// A Rust enum variant: its discriminant value (None: the default variant) and its type.
#[derive(Debug, Clone)]
pub struct Variant {
    /// Discriminant value selecting this variant, `None` for the default.
    pub discr: Option<u64>,
    /// The variant's member (a struct named after the variant).
    pub member: Member,
}

/// A Rust enum's variant part: where the discriminant is and the variants.
#[derive(Debug, Clone)]
pub struct VariantPart {
    /// The discriminant member (None: single-variant enum).
    pub discr: Option<Member>,
    /// The variants.
    pub variants: Vec<Variant>,
}

/// What kind of type.
#[derive(Debug, Clone)]
pub enum TypeKind {
    /// `void` or an unknown/unsupported type.
    Void,
    /// Integers, floats, bools, chars.
    Base {
        /// DW_ATE_* encoding.
        encoding: gimli::DwAte,
        /// Size in bytes.
        size: u64,
    },
    /// Pointers and references.
    Pointer {
        /// The pointee (None: void).
        pointee: Option<TypeRef>,
        /// `&` (C++ or Rust reference) rather than `*`.
        reference: bool,
    },
    /// struct, class, union.
    Struct {
        /// "struct", "class" or "union".
        keyword: &'static str,
        /// Size in bytes.
        size: u64,
        /// Data members.
        members: Vec<Member>,
        /// Rust enum variants.
        variants: Option<VariantPart>,
    },
    /// Arrays: element type and per-dimension counts (None: unknown bound).
    Array {
        /// Element type.
        element: Option<TypeRef>,
        /// Element counts per dimension.
        counts: Vec<Option<u64>>,
    },
    /// C enums.
    Enum {
        /// Size in bytes.
        size: u64,
        /// Whether the underlying type is signed.
        signed: bool,
        /// (name, value) pairs.
        enumerators: Vec<(String, i64)>,
    },
    /// typedef: a name for another type.
    Typedef(Option<TypeRef>),
    /// const / volatile / restrict / atomic.
    Qualified(&'static str, Option<TypeRef>),
    /// A function type (pointers to it print with the symbol).
    Function {
        /// Return type (None: void).
        ret: Option<TypeRef>,
        /// Parameter types; a trailing `None` stands for `...`.
        params: Vec<Option<TypeRef>>,
    },
}

/// A type.
#[derive(Debug, Clone)]
pub struct Type {
    /// The DIE's own name.
    pub name: Option<String>,
    /// The kind.
    pub kind: TypeKind,
    /// Whether the unit is Rust (changes how values print).
    pub rust: bool,
}

fn udata(e: &gimli::DebuggingInformationEntry<'_, '_, R>, at: gimli::DwAt) -> Option<u64> {
    e.attr_value(at).ok()??.udata_value()
}

impl Program {
    /// Resolves a reference attribute of a DIE in `unit` of `module` to a [`TypeRef`].
    pub(crate) fn die_ref(
        &self,
        module: usize,
        unit: usize,
        v: gimli::AttributeValue<R>,
    ) -> Option<TypeRef> {
        match v {
            gimli::AttributeValue::UnitRef(offset) => Some(TypeRef {
                module,
                unit,
                offset,
            }),
            gimli::AttributeValue::DebugInfoRef(off) => {
                let dd = self.modules().get(module)?.module.dwarf()?;
                let ui = dd.unit_containing(off)?;
                let uo = gimli::UnitSectionOffset::DebugInfoOffset(off)
                    .to_unit_offset(&dd.units[ui].unit)?;
                Some(TypeRef {
                    module,
                    unit: ui,
                    offset: uo,
                })
            }
            _ => None,
        }
    }

    fn attr_ref(
        &self,
        t: TypeRef,
        e: &gimli::DebuggingInformationEntry<'_, '_, R>,
        at: gimli::DwAt,
    ) -> Option<TypeRef> {
        self.die_ref(t.module, t.unit, e.attr_value(at).ok()??)
    }

    /// Reads the type at `t`.
    pub fn type_at(&self, t: TypeRef) -> Option<Type> {
        let dd = self.modules().get(t.module)?.module.dwarf()?;
        let uref = dd.unit_ref(t.unit);
        let rust = dd.units[t.unit].is_rust();
        let e = uref.entry(t.offset).ok()?;
        let name = e
            .attr_value(gimli::DW_AT_name)
            .ok()?
            .and_then(|v| uref.attr_string(v).ok())
            .map(|s| lossy(&s));
        let name = if rust {
            name
        } else {
            let module = &self.modules().get(t.module)?.module;
            module
                .scopes(t.unit)
                .and_then(|s| s.type_names.get(&t.offset).cloned())
                .or(name)
        };
        let target = self.attr_ref(t, &e, gimli::DW_AT_type);
        let size = udata(&e, gimli::DW_AT_byte_size).unwrap_or(0);
        let kind = match e.tag() {
            gimli::DW_TAG_base_type => TypeKind::Base {
                encoding: match e.attr_value(gimli::DW_AT_encoding).ok()? {
                    Some(gimli::AttributeValue::Encoding(enc)) => enc,
                    _ => gimli::DW_ATE_signed,
                },
                size,
            },
            gimli::DW_TAG_pointer_type | gimli::DW_TAG_ptr_to_member_type => TypeKind::Pointer {
                pointee: target,
                reference: false,
            },
            gimli::DW_TAG_reference_type | gimli::DW_TAG_rvalue_reference_type => {
                TypeKind::Pointer {
                    pointee: target,
                    reference: true,
                }
            }
            gimli::DW_TAG_structure_type | gimli::DW_TAG_class_type | gimli::DW_TAG_union_type => {
                let keyword = match e.tag() {
                    gimli::DW_TAG_class_type => "class",
                    gimli::DW_TAG_union_type => "union",
                    _ => "struct",
                };
                let (members, variants) = self.members(t)?;
                TypeKind::Struct {
                    keyword,
                    size,
                    members,
                    variants,
                }
            }
            gimli::DW_TAG_array_type => TypeKind::Array {
                element: target,
                counts: self.array_counts(t)?,
            },
            gimli::DW_TAG_enumeration_type => {
                let signed = target
                    .and_then(|b| self.type_at(b))
                    .map(|b| matches!(self.strip(&b).kind, TypeKind::Base { encoding, .. } if encoding == gimli::DW_ATE_signed))
                    .unwrap_or(true);
                TypeKind::Enum {
                    size,
                    signed,
                    enumerators: self.enumerators(t)?,
                }
            }
            gimli::DW_TAG_typedef => TypeKind::Typedef(target),
            gimli::DW_TAG_const_type => TypeKind::Qualified("const", target),
            gimli::DW_TAG_volatile_type => TypeKind::Qualified("volatile", target),
            gimli::DW_TAG_restrict_type => TypeKind::Qualified("restrict", target),
            gimli::DW_TAG_atomic_type => TypeKind::Qualified("_Atomic", target),
            gimli::DW_TAG_subroutine_type => TypeKind::Function {
                ret: target,
                params: self.children_entries(t, |c, _| match c.tag() {
                    gimli::DW_TAG_formal_parameter => Some(self.attr_ref(t, c, gimli::DW_AT_type)),
                    gimli::DW_TAG_unspecified_parameters => Some(None),
                    _ => None,
                })?,
            },
            _ => TypeKind::Void,
        };
        Some(Type { name, kind, rust })
    }

    /// Follows typedefs and qualifiers to the underlying type.
    pub fn strip(&self, t: &Type) -> Type {
        let mut cur = t.clone();
        for _ in 0..32 {
            match cur.kind {
                TypeKind::Typedef(Some(n)) | TypeKind::Qualified(_, Some(n)) => {
                    match self.type_at(n) {
                        Some(next) => cur = next,
                        None => break,
                    }
                }
                TypeKind::Typedef(None) | TypeKind::Qualified(_, None) => {
                    cur.kind = TypeKind::Void;
                    break;
                }
                _ => break,
            }
        }
        cur
    }

    /// Size in bytes of a value of type `t`.
    pub fn type_size(&self, t: &Type) -> u64 {
        self.type_size_depth(t, 0)
    }

    fn type_size_depth(&self, t: &Type, depth: u32) -> u64 {
        if depth > 16 {
            return 0;
        }
        match &self.strip(t).kind {
            TypeKind::Base { size, .. }
            | TypeKind::Struct { size, .. }
            | TypeKind::Enum { size, .. } => *size,
            TypeKind::Pointer { .. } => 8,
            TypeKind::Array { element, counts } => {
                let n: u64 = counts.iter().map(|c| c.unwrap_or(0)).product();
                let es = element
                    .and_then(|e| self.type_at(e))
                    .map_or(0, |e| self.type_size_depth(&e, depth + 1));
                n.saturating_mul(es)
            }
            _ => 0,
        }
    }

    /// The name of type `t` as C/C++/Rust users write it (`struct point`, `int *`, `char [16]`).
    pub fn type_name(&self, t: Option<&Type>) -> String {
        self.type_name_depth(t, 0)
    }

    fn type_name_depth(&self, t: Option<&Type>, depth: u32) -> String {
        let Some(t) = t else { return "void".into() };
        if depth > 16 {
            return "...".into();
        }
        let sub = |r: &Option<TypeRef>| {
            self.type_name_depth(r.and_then(|r| self.type_at(r)).as_ref(), depth + 1)
        };
        match &t.kind {
            TypeKind::Struct { keyword, .. } => match &t.name {
                Some(n) if t.rust => n.clone(),
                Some(n) => format!("{keyword} {n}"),
                None => format!("{keyword} {{...}}"),
            },
            TypeKind::Enum { .. } => match &t.name {
                Some(n) if t.rust => n.clone(),
                Some(n) => format!("enum {n}"),
                None => "enum {...}".into(),
            },
            TypeKind::Pointer { pointee, reference } => {
                if let Some(n) = &t.name {
                    return n.clone();
                }
                if let Some(TypeKind::Function { ret, params }) =
                    pointee.and_then(|p| self.type_at(p)).map(|p| p.kind)
                {
                    let ps: Vec<String> = params
                        .iter()
                        .map(|p| if p.is_some() { sub(p) } else { "...".into() })
                        .collect();
                    let ps = if ps.is_empty() {
                        "void".to_string()
                    } else {
                        ps.join(", ")
                    };
                    return format!("{} (*)({ps})", sub(&ret));
                }
                let inner = sub(pointee);
                if t.rust {
                    format!("{}{inner}", if *reference { "&" } else { "*mut " })
                } else if inner.ends_with('*') {
                    format!("{inner}{}", if *reference { "&" } else { "*" })
                } else {
                    format!("{inner} {}", if *reference { "&" } else { "*" })
                }
            }
            TypeKind::Array { element, counts } => {
                let dims: String = counts
                    .iter()
                    .map(|c| c.map_or("[]".to_string(), |n| format!("[{n}]")))
                    .collect();
                if t.rust {
                    format!(
                        "[{}; {}]",
                        sub(element),
                        counts.first().copied().flatten().unwrap_or(0)
                    )
                } else {
                    format!("{} {dims}", sub(element))
                }
            }
            TypeKind::Qualified(q, target) => format!("{q} {}", sub(target)),
            TypeKind::Function { .. } => "function".into(),
            _ => t.name.clone().unwrap_or_else(|| "void".into()),
        }
    }

    fn children_entries<T>(
        &self,
        t: TypeRef,
        mut f: impl FnMut(
            &gimli::DebuggingInformationEntry<'_, '_, R>,
            gimli::UnitRef<'_, R>,
        ) -> Option<T>,
    ) -> Option<Vec<T>> {
        let dd = self.modules().get(t.module)?.module.dwarf()?;
        let uref = dd.unit_ref(t.unit);
        let mut tree = uref.entries_tree(Some(t.offset)).ok()?;
        let root = tree.root().ok()?;
        let mut children = root.children();
        let mut out = Vec::new();
        while let Ok(Some(child)) = children.next() {
            if let Some(v) = f(child.entry(), uref) {
                out.push(v);
            }
        }
        Some(out)
    }

    fn member(
        &self,
        t: TypeRef,
        e: &gimli::DebuggingInformationEntry<'_, '_, R>,
        uref: gimli::UnitRef<'_, R>,
    ) -> Member {
        let name = e
            .attr_value(gimli::DW_AT_name)
            .ok()
            .flatten()
            .and_then(|v| uref.attr_string(v).ok())
            .map(|s| lossy(&s))
            .unwrap_or_default();
        let offset = udata(e, gimli::DW_AT_data_member_location).unwrap_or(0);
        let bits = udata(e, gimli::DW_AT_bit_size).map(|w| {
            let bit = udata(e, gimli::DW_AT_data_bit_offset).unwrap_or(0);
            (w, bit)
        });
        let (offset, bits) = match bits {
            Some((w, bit)) if udata(e, gimli::DW_AT_data_member_location).is_none() => {
                (bit / 8, Some((w, bit % 8)))
            }
            other => (offset, other),
        };
        Member {
            name,
            ty: self.attr_ref(t, e, gimli::DW_AT_type),
            offset,
            bits,
        }
    }

    fn members(&self, t: TypeRef) -> Option<(Vec<Member>, Option<VariantPart>)> {
        let mut variant_part = None;
        let members = self.children_entries(t, |e, uref| match e.tag() {
            gimli::DW_TAG_member
                if e.attr_value(gimli::DW_AT_external).ok().flatten().is_none() =>
            {
                Some(self.member(t, e, uref))
            }
            gimli::DW_TAG_inheritance => {
                let mut m = self.member(t, e, uref);
                let base = m.ty.and_then(|b| self.type_at(b)).and_then(|b| b.name);
                m.name = format!("<{}>", base.unwrap_or_else(|| "base".into()));
                Some(m)
            }
            gimli::DW_TAG_variant_part => {
                variant_part = self.variant_part(
                    TypeRef {
                        offset: e.offset(),
                        ..t
                    },
                    e,
                );
                None
            }
            _ => None,
        })?;
        Some((members, variant_part))
    }

    fn variant_part(
        &self,
        vp: TypeRef,
        e: &gimli::DebuggingInformationEntry<'_, '_, R>,
    ) -> Option<VariantPart> {
        let discr_ref = self.attr_ref(vp, e, gimli::DW_AT_discr);
        let mut discr = None;
        let mut variants = Vec::new();
        self.children_entries(vp, |c, uref| {
            match c.tag() {
                gimli::DW_TAG_member if Some(c.offset()) == discr_ref.map(|d| d.offset) => {
                    discr = Some(self.member(vp, c, uref))
                }
                gimli::DW_TAG_variant => {
                    let value = udata(c, gimli::DW_AT_discr_value);
                    let vref = TypeRef {
                        offset: c.offset(),
                        ..vp
                    };
                    let inner = self.children_entries(vref, |m, uref| {
                        (m.tag() == gimli::DW_TAG_member).then(|| self.member(vref, m, uref))
                    });
                    if let Some(member) = inner.and_then(|mut v| v.pop()) {
                        variants.push(Variant {
                            discr: value,
                            member,
                        });
                    }
                }
                _ => {}
            }
            Some(())
        })?;
        Some(VariantPart { discr, variants })
    }

    fn array_counts(&self, t: TypeRef) -> Option<Vec<Option<u64>>> {
        self.children_entries(t, |e, _| {
            (e.tag() == gimli::DW_TAG_subrange_type).then(|| {
                udata(e, gimli::DW_AT_count).or_else(|| {
                    let upper = e.attr_value(gimli::DW_AT_upper_bound).ok()??;
                    let lower = udata(e, gimli::DW_AT_lower_bound).unwrap_or(0);
                    let upper = upper
                        .udata_value()
                        .or_else(|| upper.sdata_value().map(|v| v as u64))?;
                    upper.checked_sub(lower)?.checked_add(1)
                })
            })
        })
    }

    fn enumerators(&self, t: TypeRef) -> Option<Vec<(String, i64)>> {
        self.children_entries(t, |e, uref| {
            if e.tag() != gimli::DW_TAG_enumerator {
                return None;
            }
            let name = lossy(
                &uref
                    .attr_string(e.attr_value(gimli::DW_AT_name).ok()??)
                    .ok()?,
            );
            let v = e.attr_value(gimli::DW_AT_const_value).ok()??;
            let value = v
                .sdata_value()
                .or_else(|| v.udata_value().map(|u| u as i64))?;
            Some((name, value))
        })
    }

    /// Finds a type by name (for casts), searching every unit of every module. `struct X`,
    /// `union X` and `enum X` are accepted.
    pub fn find_type(&self, name: &str) -> Option<TypeRef> {
        let name = name.trim();
        let (tags, bare): (&[gimli::DwTag], &str) = if let Some(n) = name.strip_prefix("struct ") {
            (
                &[gimli::DW_TAG_structure_type, gimli::DW_TAG_class_type],
                n.trim(),
            )
        } else if let Some(n) = name.strip_prefix("union ") {
            (&[gimli::DW_TAG_union_type], n.trim())
        } else if let Some(n) = name.strip_prefix("enum ") {
            (&[gimli::DW_TAG_enumeration_type], n.trim())
        } else {
            (
                &[
                    gimli::DW_TAG_base_type,
                    gimli::DW_TAG_typedef,
                    gimli::DW_TAG_structure_type,
                    gimli::DW_TAG_class_type,
                    gimli::DW_TAG_union_type,
                    gimli::DW_TAG_enumeration_type,
                ],
                name,
            )
        };
        for (mi, l) in self.modules().iter().enumerate() {
            let Some(dd) = l.module.dwarf() else { continue };
            if dd.units.len() > 200 && mi != 0 {
                continue;
            }
            for (ui, u) in dd.units.iter().enumerate() {
                let uref = dd.unit_ref(ui);
                let mut entries = u.unit.entries();
                while let Ok(Some((_, e))) = entries.next_dfs() {
                    if !tags.contains(&e.tag())
                        || e.attr_value(gimli::DW_AT_declaration)
                            .ok()
                            .flatten()
                            .is_some()
                    {
                        continue;
                    }
                    let Some(n) = e
                        .attr_value(gimli::DW_AT_name)
                        .ok()
                        .flatten()
                        .and_then(|v| uref.attr_string(v).ok())
                    else {
                        continue;
                    };
                    if n.bytes() == bare.as_bytes() {
                        return Some(TypeRef {
                            module: mi,
                            unit: ui,
                            offset: e.offset(),
                        });
                    }
                }
            }
        }
        None
    }
}
