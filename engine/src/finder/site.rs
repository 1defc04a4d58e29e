//! Which instruction may be replaced by a jump to a stub, and why one may not.

use iced_x86::{Decoder, DecoderOptions, FlowControl, Instruction, Mnemonic};

use crate::procmaps::Mapping;

/// The length of the jump written over the site (`jmp rel32`).
pub(super) const JUMP_LEN: usize = 5;

/// Why an address cannot carry a finder (the caller falls back to one
/// ptrace stop per arrival).
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum Unpatchable {
    /// The instruction is shorter than the jump: a branch may enter the
    /// bytes the jump would cover.
    ShortInstruction,
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
            Unpatchable::ShortInstruction => "the instruction is shorter than a jump",
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

/// Decodes the instruction at `pc` from `bytes` (read from there; up to 15)
/// and says whether it can be displaced into a stub. `mapping` is the one
/// holding `pc`.
pub(super) fn examine(
    pc: u64,
    bytes: &[u8],
    mapping: &Mapping,
) -> Result<Instruction, Unpatchable> {
    if mapping.perms.as_bytes().get(1) == Some(&b'w') {
        return Err(Unpatchable::WritableCode);
    }
    let mut decoder = Decoder::with_ip(64, bytes, pc, DecoderOptions::NONE);
    let insn = decoder.decode();
    if insn.is_invalid() {
        return Err(Unpatchable::Undecodable);
    }
    if insn.len() < JUMP_LEN {
        return Err(Unpatchable::ShortInstruction);
    }
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
    Ok(insn)
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

    #[test]
    fn long_plain_instructions_are_patchable_and_others_say_why() {
        // mov rax, [rip+0x10]: 7 bytes, RIP-relative.
        let mov = [0x48, 0x8b, 0x05, 0x10, 0, 0, 0];
        assert_eq!(examine(0x1000, &mov, &code()).map(|i| i.len()), Ok(7));
        // test eax, eax
        assert_eq!(
            examine(0x1000, &[0x85, 0xc0], &code()).map(|i| i.len()),
            Err(Unpatchable::ShortInstruction)
        );
        // call rel32
        assert_eq!(
            examine(0x1000, &[0xe8, 1, 0, 0, 0], &code()).map(|i| i.len()),
            Err(Unpatchable::Call)
        );
        let mut writable = code();
        writable.perms = "rwxp".into();
        assert_eq!(
            examine(0x1000, &mov, &writable).map(|i| i.len()),
            Err(Unpatchable::WritableCode)
        );
        assert_eq!(
            examine(0x1000, &[0x0f, 0xff], &code()).map(|i| i.len()),
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
