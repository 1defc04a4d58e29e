//! Which instruction may be replaced by a jump to a stub, and why one may not.

use iced_x86::{Decoder, DecoderOptions, FlowControl, Instruction, Mnemonic};

use crate::procmaps::Mapping;

/// The length of the jump written over the site (`jmp rel32`).
pub(super) const JUMP_LEN: usize = 5;

/// The most instructions a jump may cover: the ones after the first are
/// each guarded by a debug register while the finder is in (there are 4).
pub(super) const MAX_DISPLACED: usize = 5;

/// Bytes to read at a site to examine it: the longest block of displaced
/// instructions ends within these.
pub const SITE_BYTES: usize = JUMP_LEN - 1 + 15;

/// Why an address cannot carry a finder (the caller falls back to one
/// ptrace stop per arrival).
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum Unpatchable {
    /// The instruction is shorter than the jump and the ones after it
    /// cannot be moved with it (a branch, a call, more than
    /// `MAX_DISPLACED` of them, an address something else stops at).
    ShortInstruction,
    /// A branch entered the bytes the jump covers (a debug register
    /// caught it before they ran); the site is not patched again.
    BranchInside,
    /// A call would push the stub's address as its return address.
    Call,
    /// A return, interrupt, syscall or similar: it leaves the straight path
    /// or makes the kernel look at rip.
    Flow,
    /// The code is in writable memory: the program may rewrite or read it.
    WritableCode,
    /// The bytes there do not decode, or are not mapped.
    Undecodable,
    /// No free page lies within a jump's reach (±2 GiB).
    NoRoom,
    /// The instruction cannot be re-encoded at the stub's address.
    Relocation,
    /// Mapping the stub's page in the replayed process failed.
    Mapping,
}

impl std::fmt::Display for Unpatchable {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(match self {
            Unpatchable::ShortInstruction => {
                "the instruction is shorter than a jump and those after it cannot move with it"
            }
            Unpatchable::BranchInside => "a branch entered the bytes a jump there covers",
            Unpatchable::Call => "the instruction is a call",
            Unpatchable::Flow => "the instruction returns, traps or enters the kernel",
            Unpatchable::WritableCode => "the code is in writable memory",
            Unpatchable::Undecodable => "the bytes do not decode",
            Unpatchable::NoRoom => "no free page within a jump's reach",
            Unpatchable::Relocation => "the instruction cannot be moved to the stub",
            Unpatchable::Mapping => "the stub's page could not be mapped",
        })
    }
}

/// Decodes the instructions at `pc` from `bytes` (read from there; up to
/// `SITE_BYTES`) that a jump there would cover, and says whether they can
/// be displaced into a stub: the first, or a few short ones in a straight
/// line (only the last may branch) whose addresses after the first are in
/// none of `avoid` (where something else must stop). `mapping` is the one
/// holding `pc`.
pub(super) fn examine(
    pc: u64,
    bytes: &[u8],
    mapping: &Mapping,
    avoid: &[u64],
) -> Result<Vec<Instruction>, Unpatchable> {
    if mapping.perms.as_bytes().get(1) == Some(&b'w') {
        return Err(Unpatchable::WritableCode);
    }
    let mut decoder = Decoder::with_ip(64, bytes, pc, DecoderOptions::NONE);
    let mut block: Vec<Instruction> = Vec::new();
    let mut len = 0;
    while len < JUMP_LEN {
        let insn = decoder.decode();
        if insn.is_invalid() {
            return Err(if block.is_empty() {
                Unpatchable::Undecodable
            } else {
                Unpatchable::ShortInstruction
            });
        }
        displaceable(&insn)?;
        if !block.is_empty() && (block.len() == MAX_DISPLACED || avoid.contains(&insn.ip())) {
            return Err(Unpatchable::ShortInstruction);
        }
        len += insn.len();
        if len < JUMP_LEN && insn.flow_control() != FlowControl::Next {
            return Err(Unpatchable::ShortInstruction);
        }
        block.push(insn);
    }
    Ok(block)
}

/// Whether one instruction may run in a stub instead of at its place.
fn displaceable(insn: &Instruction) -> Result<(), Unpatchable> {
    match insn.flow_control() {
        FlowControl::Next
        | FlowControl::UnconditionalBranch
        | FlowControl::ConditionalBranch
        | FlowControl::IndirectBranch => {}
        FlowControl::Call | FlowControl::IndirectCall => return Err(Unpatchable::Call),
        _ => return Err(Unpatchable::Flow),
    }
    if matches!(
        insn.mnemonic(),
        Mnemonic::Syscall | Mnemonic::Sysenter | Mnemonic::Rdtsc | Mnemonic::Rdtscp
    ) {
        return Err(Unpatchable::Flow);
    }
    Ok(())
}

/// Whether the instruction at the start of `bytes` may be single-stepped by
/// the recorder without effects other than its own: it is no syscall,
/// software interrupt, trapped `rdtsc` or flags push/pop (whose image would
/// show the trap flag).
pub fn safe_to_step(pc: u64, bytes: &[u8]) -> bool {
    let insn = Decoder::with_ip(64, bytes, pc, DecoderOptions::NONE).decode();
    !insn.is_invalid()
        && !matches!(
            insn.flow_control(),
            FlowControl::Interrupt | FlowControl::Exception | FlowControl::XbeginXabortXend
        )
        && !matches!(
            insn.mnemonic(),
            Mnemonic::Syscall
                | Mnemonic::Sysenter
                | Mnemonic::Rdtsc
                | Mnemonic::Rdtscp
                | Mnemonic::Pushf
                | Mnemonic::Pushfq
                | Mnemonic::Popf
                | Mnemonic::Popfq
                | Mnemonic::Iretq
                | Mnemonic::Int
                | Mnemonic::Int1
                | Mnemonic::Int3
                | Mnemonic::Into
        )
}

#[cfg(test)]
mod tests {
    use super::*;

    fn code() -> Mapping {
        Mapping {
            start: 0x1000,
            end: 0x2000,
            perms: "r-xp".into(),
            offset: 0,
            inode: 1,
            name: "/bin/x".into(),
        }
    }

    fn len(block: &[Instruction]) -> usize {
        block.iter().map(Instruction::len).sum()
    }

    #[test]
    fn short_instructions_in_a_straight_line_move_together() {
        // test eax, eax ; mov rax, [rip+0x10]: two instructions, 9 bytes.
        let pair = [0x85, 0xc0, 0x48, 0x8b, 0x05, 0x10, 0, 0, 0];
        let block = examine(0x1000, &pair, &code(), &[]).unwrap();
        assert_eq!((block.len(), len(&block)), (2, 9));
        // ... but not when something must stop at the second.
        assert_eq!(
            examine(0x1000, &pair, &code(), &[0x1002]).map(|b| len(&b)),
            Err(Unpatchable::ShortInstruction)
        );
        // test eax, eax ; je -4 ; ...: a branch before the jump's end.
        assert_eq!(
            examine(0x1000, &[0x85, 0xc0, 0x74, 0xfc, 0x90, 0x90], &code(), &[]).map(|b| len(&b)),
            Err(Unpatchable::ShortInstruction)
        );
        // test eax, eax ; mov eax, 1 ... the last may be anything displaceable: je rel32.
        let branch_last = [0x85, 0xc0, 0x0f, 0x84, 0x10, 0, 0, 0];
        assert_eq!(
            examine(0x1000, &branch_last, &code(), &[]).map(|b| len(&b)),
            Ok(8)
        );
        // test eax, eax ; call: a call never moves.
        assert_eq!(
            examine(0x1000, &[0x85, 0xc0, 0xe8, 1, 0, 0, 0], &code(), &[]).map(|b| len(&b)),
            Err(Unpatchable::Call)
        );
        // Five one-byte nops fill the jump; six are not needed.
        let nops = [0x90; 6];
        let block = examine(0x1000, &nops, &code(), &[]).unwrap();
        assert_eq!((block.len(), len(&block)), (5, 5));
    }

    #[test]
    fn long_plain_instructions_are_patchable_and_others_say_why() {
        // mov rax, [rip+0x10]: 7 bytes, RIP-relative.
        let mov = [0x48, 0x8b, 0x05, 0x10, 0, 0, 0];
        assert_eq!(examine(0x1000, &mov, &code(), &[]).map(|b| len(&b)), Ok(7));
        // test eax, eax
        assert_eq!(
            examine(0x1000, &[0x85, 0xc0], &code(), &[]).map(|b| len(&b)),
            Err(Unpatchable::ShortInstruction)
        );
        // call rel32
        assert_eq!(
            examine(0x1000, &[0xe8, 1, 0, 0, 0], &code(), &[]).map(|b| len(&b)),
            Err(Unpatchable::Call)
        );
        let mut writable = code();
        writable.perms = "rwxp".into();
        assert_eq!(
            examine(0x1000, &mov, &writable, &[]).map(|b| len(&b)),
            Err(Unpatchable::WritableCode)
        );
        assert_eq!(
            examine(0x1000, &[0x0f, 0xff], &code(), &[]).map(|b| len(&b)),
            Err(Unpatchable::Undecodable)
        );
    }

    #[test]
    fn syscalls_traps_and_flag_images_are_not_stepped() {
        assert!(safe_to_step(0x1000, &[0x85, 0xc0])); // test eax, eax
        assert!(safe_to_step(0x1000, &[0xe8, 1, 0, 0, 0])); // call
        for insn in [
            &[0x0f, 0x05][..],   // syscall
            &[0xcc],             // int3
            &[0xcd, 0x80],       // int 0x80
            &[0x0f, 0x31],       // rdtsc
            &[0x0f, 0x01, 0xf9], // rdtscp
            &[0x9c],             // pushfq
            &[0x9d],             // popfq
            &[0x0f, 0x0b],       // ud2
        ] {
            assert!(!safe_to_step(0x1000, insn), "{insn:x?}");
        }
    }
}
