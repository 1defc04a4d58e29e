//! Evaluating parsed expressions against a frame: variables, members, pointers, casts,
//! integer arithmetic and registers.

use crate::error::ExprError;
use crate::expr::{parse, BinOp, Expr, TypeSpec};
use crate::location::Place;
use crate::program::Program;
use crate::stack::Frame;
use crate::target::{Memory, Registers};
use crate::types::{TypeKind, TypeRef};
use crate::value::{read_place, TypedValue, Variable};

/// An intermediate result.
#[derive(Debug, Clone)]
enum Val {
    /// An object with a DWARF type.
    Obj(TypedValue),
    /// An integer computed by the expression.
    Int { v: i128, ty: IntTy },
    /// An address with a pointee type (from `&x`, pointer arithmetic, pointer casts).
    Addr {
        addr: u64,
        pointee: Option<TypeRef>,
        name: String,
    },
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum IntTy {
    Int,
    Long,
    Char,
    Hex,
}

fn c_int_type(base: &str) -> Option<(IntTy, u32, bool)> {
    let words: Vec<&str> = base.split_whitespace().collect();
    let unsigned = words.contains(&"unsigned");
    let bits = if words.contains(&"char") {
        8
    } else if words.contains(&"short") {
        16
    } else if words.contains(&"long") {
        64
    } else if words
        .iter()
        .any(|w| matches!(*w, "int" | "unsigned" | "signed"))
    {
        32
    } else if matches!(base, "_Bool" | "bool") {
        8
    } else {
        return None;
    };
    let ty = match bits {
        8 if words.contains(&"char") => IntTy::Char,
        64 => IntTy::Long,
        _ => IntTy::Int,
    };
    Some((ty, bits, !unsigned))
}

fn truncate(v: i128, bits: u32, signed: bool) -> i128 {
    let shift = 128 - bits;
    if signed {
        (v << shift) >> shift
    } else {
        ((v << shift) as u128 >> shift) as i128
    }
}

impl Program {
    /// Evaluates `text` in `frame` (or globally) and returns it as a variable, like gdb's
    /// `print`. Errors say what is wrong (syntax, unknown name or member, bad operand).
    pub fn evaluate(
        &self,
        frame: Option<&Frame>,
        text: &str,
        mem: &dyn Memory,
    ) -> Result<Variable, ExprError> {
        let is_type = |n: &str| self.find_type(n).is_some();
        let e = parse(text, &is_type)?;
        let v = self.eval(frame, &e, mem)?;
        Ok(self.to_variable(text, v, mem))
    }

    fn to_variable(&self, name: &str, v: Val, mem: &dyn Memory) -> Variable {
        match v {
            Val::Obj(tv) => {
                let mut var = self.make_variable(name, tv.clone(), mem);
                if let Some(t) = tv.ty.and_then(|t| self.type_at(t)) {
                    let st = self.strip(&t);
                    if let TypeKind::Pointer {
                        pointee,
                        reference: false,
                    } = st.kind
                    {
                        let char_ptr = pointee
                            .and_then(|p| self.type_at(p))
                            .is_some_and(|p| self.is_char_type(&p));
                        if !char_ptr && !st.rust && tv.place.is_ok() {
                            var.value = format!("({}) {}", var.type_name, var.value);
                        }
                    }
                }
                var
            }
            Val::Int { v, ty } => Variable {
                name: name.into(),
                type_name: match ty {
                    IntTy::Int => "int",
                    IntTy::Long | IntTy::Hex => "long",
                    IntTy::Char => "char",
                }
                .into(),
                value: match ty {
                    IntTy::Char => format!(
                        "{v} '{}'",
                        char::from_u32(v as u32)
                            .filter(|c| c.is_ascii_graphic() || *c == ' ')
                            .unwrap_or('?')
                    ),
                    IntTy::Hex => format!("{:#x}", v as u64),
                    _ => v.to_string(),
                },
                children: None,
                indexed_children: None,
                address: None,
                byte_size: None,
            },
            Val::Addr {
                addr,
                pointee,
                name: tn,
            } => {
                let tv = TypedValue {
                    ty: None,
                    place: Ok(Place::Memory(addr)),
                };
                let target = pointee.map(|p| self.value_at(Some(p), addr));
                let mut var = self.make_variable(name, tv, mem);
                var.type_name = tn.clone();
                var.value = match self.symbol_at_address(addr) {
                    Some(sym) => format!("({tn}) {addr:#x} <{sym}>"),
                    None => format!("({tn}) {addr:#x}"),
                };
                var.children =
                    target.and_then(|t| self.make_variable(&format!("*{name}"), t, mem).children);
                var
            }
        }
    }

    /// `name` or `name+off` of the ELF symbol containing `addr` (gdb's `<sym+off>`).
    pub(crate) fn symbol_at_address(&self, addr: u64) -> Option<String> {
        let (m, bias) = self.module_at(addr)?;
        let link = addr.wrapping_sub(bias);
        let syms = m.symbols();
        let i = syms.partition_point(|s| s.addr <= link);
        let s = syms[..i]
            .iter()
            .rev()
            .find(|s| link < s.addr + s.size.max(1))?;
        let name = crate::demangle::demangle(&s.name);
        Some(if link == s.addr {
            name
        } else {
            format!("{name}+{}", link - s.addr)
        })
    }

    fn eval(&self, frame: Option<&Frame>, e: &Expr, mem: &dyn Memory) -> Result<Val, ExprError> {
        match e {
            Expr::Int(v) => Ok(Val::Int {
                v: *v,
                ty: if i32::try_from(*v).is_ok() {
                    IntTy::Int
                } else {
                    IntTy::Long
                },
            }),
            Expr::Name(n) => self
                .lookup_variable(frame, n, mem)
                .map(Val::Obj)
                .ok_or_else(|| ExprError::UnknownName(n.clone())),
            Expr::Register(r) => {
                let reg =
                    Registers::by_name(r).ok_or_else(|| ExprError::UnknownName(format!("${r}")))?;
                let regs = frame
                    .map(|f| &f.regs)
                    .ok_or_else(|| ExprError::Unavailable("no frame selected".into()))?;
                let v = regs.get(reg).ok_or_else(|| {
                    ExprError::Unavailable(format!("register ${r} is not available in this frame"))
                })?;
                Ok(Val::Int {
                    v: v as i128,
                    ty: IntTy::Hex,
                })
            }
            Expr::Member(base, m) => {
                let b = self.eval(frame, base, mem)?;
                self.eval_member(b, m, mem)
            }
            Expr::Arrow(base, m) => {
                let b = self.eval(frame, base, mem)?;
                let d = self.deref(b, mem)?;
                self.eval_member(d, m, mem)
            }
            Expr::Index(base, idx) => {
                let b = self.eval(frame, base, mem)?;
                let i = self.int(self.eval(frame, idx, mem)?, mem)?;
                self.index(b, i, mem)
            }
            Expr::Deref(inner) => {
                let v = self.eval(frame, inner, mem)?;
                self.deref(v, mem)
            }
            Expr::AddrOf(inner) => match self.eval(frame, inner, mem)? {
                Val::Obj(TypedValue {
                    ty,
                    place: Ok(Place::Memory(addr)),
                }) => {
                    let t = ty.and_then(|t| self.type_at(t));
                    let tn = self.type_name(t.as_ref());
                    Ok(Val::Addr {
                        addr,
                        pointee: ty,
                        name: format!("{tn} *"),
                    })
                }
                _ => Err(ExprError::Type(
                    "attempt to take address of value not located in memory".into(),
                )),
            },
            Expr::Neg(inner) => Ok(self.int_val(-self.int(self.eval(frame, inner, mem)?, mem)?)),
            Expr::Not(inner) => {
                Ok(self.int_val((self.int(self.eval(frame, inner, mem)?, mem)? == 0) as i128))
            }
            Expr::BitNot(inner) => Ok(self.int_val(!self.int(self.eval(frame, inner, mem)?, mem)?)),
            Expr::Binary(op, a, b) => {
                let av = self.eval(frame, a, mem)?;
                let bv = self.eval(frame, b, mem)?;
                self.binary(*op, av, bv, mem)
            }
            Expr::Cast(spec, inner) => {
                let v = self.eval(frame, inner, mem)?;
                self.cast(spec, v, mem)
            }
        }
    }

    fn int_val(&self, v: i128) -> Val {
        Val::Int {
            v,
            ty: if i32::try_from(v).is_ok() {
                IntTy::Int
            } else {
                IntTy::Long
            },
        }
    }

    fn int(&self, v: Val, mem: &dyn Memory) -> Result<i128, ExprError> {
        match v {
            Val::Int { v, .. } => Ok(v),
            Val::Addr { addr, .. } => Ok(addr as i128),
            Val::Obj(tv) => self.scalar(&tv, mem).map_err(ExprError::Type),
        }
    }

    /// If `v` is a pointer (or array), its address and pointee type.
    fn pointer(&self, v: &Val, mem: &dyn Memory) -> Option<(u64, Option<TypeRef>)> {
        match v {
            Val::Addr { addr, pointee, .. } => Some((*addr, *pointee)),
            Val::Obj(tv) => {
                let t = self.strip(&self.type_at(tv.ty?)?);
                let place = tv.place.as_ref().ok()?;
                match t.kind {
                    TypeKind::Pointer { pointee, .. } => {
                        let b = read_place(place, 0, 8, mem).ok()?;
                        Some((u64::from_le_bytes(b.try_into().ok()?), pointee))
                    }
                    TypeKind::Array { element, .. } => match place {
                        Place::Memory(a) => Some((*a, element)),
                        Place::Bytes(_) => None,
                    },
                    _ => None,
                }
            }
            Val::Int { .. } => None,
        }
    }

    fn deref(&self, v: Val, mem: &dyn Memory) -> Result<Val, ExprError> {
        if let Val::Obj(tv) = &v {
            if let Err(e) = &tv.place {
                return Err(ExprError::Unavailable(e.clone()));
            }
        }
        let (addr, pointee) = self.pointer(&v, mem).ok_or_else(|| {
            ExprError::Type("attempt to take contents of a non-pointer value".into())
        })?;
        let Some(pointee) = pointee else {
            return Err(ExprError::Type(
                "attempt to take contents of a non-pointer value".into(),
            ));
        };
        if addr == 0 {
            return Err(ExprError::Unavailable(
                "Cannot access memory at address 0x0".into(),
            ));
        }
        Ok(Val::Obj(self.value_at(Some(pointee), addr)))
    }

    fn eval_member(&self, v: Val, name: &str, mem: &dyn Memory) -> Result<Val, ExprError> {
        let Val::Obj(tv) = v else {
            return Err(ExprError::Type(format!(
                "attempt to extract a component of a value that is not a structure: {name}"
            )));
        };
        let place = tv.place.clone().map_err(ExprError::Unavailable)?;
        let t = tv.ty.and_then(|t| self.type_at(t)).map(|t| self.strip(&t));
        let Some(TypeKind::Struct { members, .. }) = t.as_ref().map(|t| &t.kind) else {
            return Err(ExprError::Type(format!(
                "attempt to extract a component of a value that is not a structure: {name}"
            )));
        };
        let m =
            members
                .iter()
                .find(|m| m.name == name)
                .ok_or_else(|| ExprError::UnknownMember {
                    member: name.into(),
                    type_name: self.type_name(t.as_ref()),
                })?;
        Ok(Val::Obj(self.member_value(&place, m, mem)))
    }

    fn index(&self, v: Val, i: i128, mem: &dyn Memory) -> Result<Val, ExprError> {
        if let Val::Obj(tv) = &v {
            let t = tv.ty.and_then(|t| self.type_at(t)).map(|t| self.strip(&t));
            if let (Some(TypeKind::Array { element, counts }), Ok(place)) =
                (t.map(|t| t.kind), &tv.place)
            {
                let es = element
                    .and_then(|e| self.type_at(e))
                    .map_or(0, |e| self.type_size(&e));
                if let Place::Bytes(_) = place {
                    return Ok(Val::Obj(
                        self.element_value(place, element, &counts, es, i as u64),
                    ));
                }
            }
        }
        let (addr, pointee) = self.pointer(&v, mem).ok_or_else(|| {
            ExprError::Type("cannot subscript something that is not an array or pointer".into())
        })?;
        let es = pointee
            .and_then(|p| self.type_at(p))
            .map_or(1, |t| self.type_size(&t).max(1));
        let a = (addr as i128).wrapping_add(i.wrapping_mul(es as i128)) as u64;
        Ok(Val::Obj(self.value_at(pointee, a)))
    }

    fn binary(&self, op: BinOp, a: Val, b: Val, mem: &dyn Memory) -> Result<Val, ExprError> {
        if matches!(op, BinOp::Add | BinOp::Sub) {
            if let Some((addr, pointee)) = self.pointer(&a, mem) {
                if self.pointer(&b, mem).is_none() {
                    let i = self.int(b, mem)?;
                    let es = pointee
                        .and_then(|p| self.type_at(p))
                        .map_or(1, |t| self.type_size(&t).max(1))
                        as i128;
                    let delta = if op == BinOp::Add { i * es } else { -i * es };
                    let tn = pointee
                        .and_then(|p| self.type_at(p))
                        .map_or("void".into(), |t| self.type_name(Some(&t)));
                    return Ok(Val::Addr {
                        addr: (addr as i128).wrapping_add(delta) as u64,
                        pointee,
                        name: format!("{tn} *"),
                    });
                }
            }
        }
        let long = matches!(
            &a,
            Val::Int {
                ty: IntTy::Long | IntTy::Hex,
                ..
            }
        ) || matches!(
            &b,
            Val::Int {
                ty: IntTy::Long | IntTy::Hex,
                ..
            }
        );
        let (x, y) = (self.int(a, mem)?, self.int(b, mem)?);
        let v = match op {
            BinOp::Add => x.wrapping_add(y),
            BinOp::Sub => x.wrapping_sub(y),
            BinOp::Mul => x.wrapping_mul(y),
            BinOp::Div => x.checked_div(y).ok_or(ExprError::DivisionByZero)?,
            BinOp::Rem => x.checked_rem(y).ok_or(ExprError::DivisionByZero)?,
            BinOp::Eq => (x == y) as i128,
            BinOp::Ne => (x != y) as i128,
            BinOp::Lt => (x < y) as i128,
            BinOp::Le => (x <= y) as i128,
            BinOp::Gt => (x > y) as i128,
            BinOp::Ge => (x >= y) as i128,
            BinOp::And => (x != 0 && y != 0) as i128,
            BinOp::Or => (x != 0 || y != 0) as i128,
            BinOp::BitAnd => x & y,
            BinOp::BitOr => x | y,
            BinOp::BitXor => x ^ y,
            BinOp::Shl => x.checked_shl(y.clamp(0, 127) as u32).unwrap_or(0),
            BinOp::Shr => x.checked_shr(y.clamp(0, 127) as u32).unwrap_or(0),
        };
        let is_cmp = matches!(
            op,
            BinOp::Eq
                | BinOp::Ne
                | BinOp::Lt
                | BinOp::Le
                | BinOp::Gt
                | BinOp::Ge
                | BinOp::And
                | BinOp::Or
        );
        Ok(Val::Int {
            v: if is_cmp || long {
                v
            } else {
                truncate(v, 32, true)
            },
            ty: if long && !is_cmp {
                IntTy::Long
            } else {
                IntTy::Int
            },
        })
    }

    fn cast(&self, spec: &TypeSpec, v: Val, mem: &dyn Memory) -> Result<Val, ExprError> {
        if spec.pointers > 0 {
            let addr = match self.pointer(&v, mem) {
                Some((a, _)) => a,
                None => self.int(v, mem)? as u64,
            };
            let pointee = if spec.base == "void" && spec.pointers == 1 {
                None
            } else if spec.pointers == 1 {
                Some(
                    self.find_type(&spec.base)
                        .ok_or_else(|| ExprError::UnknownType(spec.base.clone()))?,
                )
            } else {
                return Err(ExprError::Type(
                    "casts to pointers to pointers are not supported".into(),
                ));
            };
            return Ok(Val::Addr {
                addr,
                pointee,
                name: format!("{} {}", spec.base, "*".repeat(spec.pointers)),
            });
        }
        if let Some((ty, bits, signed)) = c_int_type(&spec.base) {
            let x = self.int(v, mem)?;
            return Ok(Val::Int {
                v: truncate(x, bits, signed),
                ty,
            });
        }
        let tr = self
            .find_type(&spec.base)
            .ok_or_else(|| ExprError::UnknownType(spec.base.clone()))?;
        let t = self
            .type_at(tr)
            .map(|t| self.strip(&t))
            .ok_or_else(|| ExprError::UnknownType(spec.base.clone()))?;
        match t.kind {
            TypeKind::Base { size, .. } | TypeKind::Enum { size, .. } => {
                let x = self.int(v, mem)?;
                let bytes = x.to_le_bytes()[..size.clamp(1, 16) as usize].to_vec();
                Ok(Val::Obj(TypedValue {
                    ty: Some(tr),
                    place: Ok(Place::Bytes(bytes)),
                }))
            }
            _ => match v {
                Val::Obj(tv) => Ok(Val::Obj(TypedValue {
                    ty: Some(tr),
                    place: tv.place,
                })),
                _ => Err(ExprError::Type(format!("invalid cast to {}", spec.base))),
            },
        }
    }
}
