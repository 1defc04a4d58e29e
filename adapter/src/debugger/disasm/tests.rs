//! Tests of the disassembler: byte sequences, and a fixture compared with objdump.
use super::*;
use rewind_debuginfo::MemoryError;
use rewind_test_support::fixture;
use std::ops::Range;

/// Memory over a byte buffer at `base`, with unreadable holes.
struct Buf {
    base: u64,
    bytes: Vec<u8>,
    holes: Vec<Range<u64>>,
}

impl Buf {
    fn new(base: u64, bytes: &[u8]) -> Self {
        Buf {
            base,
            bytes: bytes.to_vec(),
            holes: Vec::new(),
        }
    }
}

impl Memory for Buf {
    fn read(&self, addr: u64, buf: &mut [u8]) -> Result<(), MemoryError> {
        let err = MemoryError {
            addr,
            len: buf.len(),
        };
        let Some(end) = addr.checked_add(buf.len() as u64) else {
            return Err(err);
        };
        if addr < self.base || end > self.base + self.bytes.len() as u64 {
            return Err(err);
        }
        if self.holes.iter().any(|h| h.start < end && addr < h.end) {
            return Err(err);
        }
        let off = (addr - self.base) as usize;
        buf.copy_from_slice(&self.bytes[off..off + buf.len()]);
        Ok(())
    }
}

/// Concatenates instruction encodings; returns the bytes and each one's start.
fn assemble(base: u64, insns: &[&[u8]]) -> (Vec<u8>, Vec<u64>) {
    let mut bytes = Vec::new();
    let mut starts = Vec::new();
    for ins in insns {
        starts.push(base + bytes.len() as u64);
        bytes.extend_from_slice(ins);
    }
    (bytes, starts)
}

/// The body of fixtures/src/loop.c's `main` at -O0 (`call rel32` to elsewhere).
const MAIN_LIKE: &[&[u8]] = &[
    b"\x55",                                 // push rbp
    b"\x48\x89\xe5",                         // mov rbp,rsp
    b"\x48\x83\xec\x10",                     // sub rsp,0x10
    b"\xc7\x45\xf0\x00\x00\x00\x00",         // mov DWORD PTR [rbp-0x10],0x0
    b"\xc7\x45\xf4\x00\x00\x00\x00",         // mov DWORD PTR [rbp-0xc],0x0
    b"\xeb\x58",                             // jmp
    b"\x8b\x45\xfc",                         // mov eax,DWORD PTR [rbp-0x4]
    b"\x89\xc7",                             // mov edi,eax
    b"\xe8\xaf\xff\xff\xff",                 // call
    b"\x89\x45\xf8",                         // mov DWORD PTR [rbp-0x8],eax
    b"\x8b\x55\xf0",                         // mov edx,DWORD PTR [rbp-0x10]
    b"\x01\xd0",                             // add eax,edx
    b"\x8d\x14\x00",                         // lea edx,[rax+rax*1]
    b"\x8b\x0d\x6a\x2e\x00\x00",             // mov ecx,DWORD PTR [rip+0x2e6a]
    b"\x48\x8d\x05\x3d\x0e\x00\x00",         // lea rax,[rip+0xe3d]
    b"\x48\x89\xc7",                         // mov rdi,rax
    b"\xb8\x00\x00\x00\x00",                 // mov eax,0x0
    b"\xe8\x5c\xfe\xff\xff",                 // call
    b"\x83\x45\xfc\x01",                     // add DWORD PTR [rbp-0x4],0x1
    b"\x83\x7d\xfc\x09",                     // cmp DWORD PTR [rbp-0x4],0x9
    b"\x7e\xa2",                             // jle
    b"\xc9",                                 // leave
    b"\xc3",                                 // ret
    b"\x66\x0f\x1f\x84\x00\x00\x00\x00\x00", // nop WORD PTR [rax+rax*1+0x0] (padding)
];

fn starts_of(entries: &[Option<Instruction>]) -> Vec<Option<u64>> {
    entries
        .iter()
        .map(|e| e.as_ref().map(|i| i.address))
        .collect()
}

fn some(addrs: &[u64]) -> Vec<Option<u64>> {
    addrs.iter().map(|&a| Some(a)).collect()
}

/// Entries tile memory: each starts where the previous ends (`None`: one byte).
fn assert_tiles(entries: &[(u64, Option<Instruction>)]) {
    for pair in entries.windows(2) {
        let (addr, ins) = &pair[0];
        let len = ins.as_ref().map_or(1, |i| i.len as u64);
        assert_eq!(addr + len, pair[1].0, "entries do not tile: {entries:#x?}");
        if let Some(ins) = ins {
            assert_eq!(ins.address, *addr);
        }
    }
}

#[test]
fn decodes_prologue_call_and_ret() {
    let mem = Buf::new(0x401000, b"\x55\x48\x89\xe5\xe8\xf7\x0f\x00\x00\xc3");
    let ins = decode_range(&mem, 0x401000, 0x40100a);
    let got: Vec<_> = ins
        .iter()
        .map(|i| (i.address, i.text.as_str(), i.len))
        .collect();
    assert_eq!(
        got,
        [
            (0x401000, "push   rbp", 1),
            (0x401001, "mov    rbp,rsp", 3),
            (0x401004, "call   0x402000", 5),
            (0x401009, "ret", 1),
        ]
    );
    assert_eq!(ins[1].bytes, [0x48, 0x89, 0xe5]);
    assert_eq!(ins[2].bytes, [0xe8, 0xf7, 0x0f, 0x00, 0x00]);
    assert!(ins[2].is_call && !ins[2].is_ret);
    assert_eq!(ins[2].branch_target, Some(0x402000));
    assert_eq!(ins[2].end(), 0x401009);
    assert!(ins[3].is_ret && !ins[3].is_call);
    assert_eq!(ins[3].branch_target, None);
    assert!(ins[..2].iter().all(|i| !i.is_call && !i.is_ret));
    assert_eq!(decode_at(&mem, 0x401004), Some(ins[2].clone()));
}

#[test]
fn formats_like_gdb_intel_flavour() {
    let code: &[u8] = b"\x8b\x45\xfc\x8b\x0d\x6a\x2e\x00\x00\x8d\x14\x00\x7e\xa2\
        \x48\xb8\x88\x77\x66\x55\x44\x33\x22\x11\xc7\x45\xf0\x00\x00\x00\x00\xff\xd0\
        \xff\x15\x10\x20\x00\x00\x41\xff\xd3\x0f\x1f\x44\x00\x00\xf3\xc3\xcc\x0f\x05\
        \x66\x0f\x1f\x84\x00\x00\x00\x00\x00\xe2\xfe\x48\x83\xc0\xff";
    let mem = Buf::new(0x40100a, code);
    let got: Vec<_> = decode_range(&mem, 0x40100a, 0x40100a + code.len() as u64)
        .into_iter()
        .map(|i| (i.address, i.text, i.is_call, i.is_ret, i.branch_target))
        .collect();
    let want = [
        (
            0x40100a,
            "mov    eax,DWORD PTR [rbp-0x4]",
            false,
            false,
            None,
        ),
        (
            0x40100d,
            "mov    ecx,DWORD PTR [rip+0x2e6a]        # 0x403e7d",
            false,
            false,
            None,
        ),
        (0x401013, "lea    edx,[rax+rax*1]", false, false, None),
        (0x401016, "jle    0x400fba", false, false, Some(0x400fba)),
        // objdump says `movabs`; iced has no such mnemonic.
        (
            0x401018,
            "mov    rax,0x1122334455667788",
            false,
            false,
            None,
        ),
        (
            0x401022,
            "mov    DWORD PTR [rbp-0x10],0x0",
            false,
            false,
            None,
        ),
        (0x401029, "call   rax", true, false, None),
        (
            0x40102b,
            "call   QWORD PTR [rip+0x2010]        # 0x403041",
            true,
            false,
            None,
        ),
        (0x401031, "call   r11", true, false, None),
        (
            0x401034,
            "nop    DWORD PTR [rax+rax*1+0x0]",
            false,
            false,
            None,
        ),
        (0x401039, "rep ret", false, true, None),
        (0x40103b, "int3", false, false, None),
        (0x40103c, "syscall", false, false, None),
        (
            0x40103e,
            "nop    WORD PTR [rax+rax*1+0x0]",
            false,
            false,
            None,
        ),
        (0x401047, "loop   0x401047", false, false, Some(0x401047)),
        (
            0x401049,
            "add    rax,0xffffffffffffffff",
            false,
            false,
            None,
        ),
    ];
    let want: Vec<_> = want
        .into_iter()
        .map(|(a, t, c, r, b)| (a, t.to_string(), c, r, b))
        .collect();
    assert_eq!(got, want);
}

#[test]
fn decode_at_tolerates_a_short_readable_tail() {
    // Readable memory ends right after a `ret`: fewer than 15 bytes to read.
    let mem = Buf::new(0x1000, b"\x90\xc3");
    assert_eq!(decode_at(&mem, 0x1001).unwrap().text, "ret");
    assert_eq!(decode_at(&mem, 0x1000).unwrap().text, "nop");
    assert_eq!(decode_at(&mem, 0x1002), None);
    assert_eq!(decode_at(&mem, 0xfff), None);

    // A page boundary followed by an unreadable page.
    let mut bytes = vec![0x90u8; 0x2000];
    bytes[0xffe] = 0x5d; // pop rbp
    bytes[0xfff] = 0xc3; // ret
    let mut mem = Buf::new(0x10000, &bytes);
    mem.holes.push(0x11000..0x12000);
    assert_eq!(decode_at(&mem, 0x10ffe).unwrap().text, "pop    rbp");
    assert_eq!(decode_at(&mem, 0x10fff).unwrap().text, "ret");
    assert_eq!(decode_at(&mem, 0x11000), None);

    // An instruction cut short by the end of readable memory is not decoded.
    let mem = Buf::new(0x1000, b"\x90\xe8\x00\x00");
    assert_eq!(decode_at(&mem, 0x1001), None);
    assert_eq!(decode_range(&mem, 0x1000, 0x1005).len(), 1);
}

#[test]
fn decode_range_stops_at_invalid_or_unreadable_bytes() {
    // 0x06 (push es) is invalid in 64-bit mode.
    let mem = Buf::new(0x1000, b"\x55\x48\x89\xe5\x06\xc3");
    let ins = decode_range(&mem, 0x1000, 0x1006);
    assert_eq!(ins.len(), 2);
    assert_eq!(decode_at(&mem, 0x1004), None);

    let mut mem = Buf::new(0x1000, b"\x55\x48\x89\xe5\x90\xc3");
    mem.holes.push(0x1004..0x1005);
    assert_eq!(decode_range(&mem, 0x1000, 0x1006).len(), 2);
    // The last instruction may reach past `end`.
    let ins = decode_range(&mem, 0x1000, 0x1002);
    assert_eq!(ins.len(), 2);
    assert_eq!(ins[1].end(), 0x1004);
    assert!(decode_range(&mem, 0x1004, 0x1006).is_empty());
}

#[test]
fn call_before_finds_each_call_form() {
    // (code, offset of the call in it); the call ends the code.
    let cases: &[(&[u8], u64)] = &[
        (b"\x55\x48\x89\xe5\xe8\xf7\x0f\x00\x00", 4), // call rel32
        (b"\x55\x48\x8b\x45\xf8\xff\xd0", 5),         // call rax
        (b"\x55\x48\x89\xc7\xff\x15\x10\x20\x00\x00", 4), // call [rip+disp32]
        (b"\x55\x49\x89\xc3\x41\xff\xd3", 4),         // call r11 (ff d3 is call rbx)
        (b"\x55\xff\x14\x25\x00\x10\x40\x00", 1),     // call [abs32] (7 bytes)
        (b"\x55\x41\xff\x54\x24\x08", 1),             // call [r12+0x8]
    ];
    for &(code, at) in cases {
        // Something after the call, as a return address has code after it.
        let mut bytes = code.to_vec();
        bytes.extend_from_slice(b"\x89\x45\xfc\xc3");
        let base = 0x401000;
        let mem = Buf::new(base, &bytes);
        let ra = base + code.len() as u64;
        assert_eq!(
            call_before(&mem, ra, Some(base)),
            Some(base + at),
            "{code:x?}"
        );
        assert_eq!(call_before(&mem, ra, None), Some(base + at), "{code:x?}");
        // Only the heuristic is left where the "function start" is past `ra`.
        assert_eq!(call_before(&mem, ra, Some(ra + 1)), Some(base + at));
    }
}

#[test]
fn call_before_rejects_non_calls() {
    let base = 0x401000;
    let mem = Buf::new(base, b"\x55\x48\x89\xe5\x8b\x45\xfc\xc3");
    assert_eq!(call_before(&mem, base + 4, Some(base)), None);
    assert_eq!(call_before(&mem, base + 4, None), None);
    assert_eq!(call_before(&mem, base + 7, Some(base)), None);
    // Unreadable memory before the return address.
    assert_eq!(call_before(&mem, base, None), None);
    assert_eq!(call_before(&mem, base + 1, Some(base)), None);
}

#[test]
fn call_before_ambiguous_bytes() {
    // `e8 00 00 ff d0` is a call rel32 at -5 and `call rax` at -2.
    let base = 0x401000;
    // Real code: nops, `call rel32`: the e8 form is right.
    let mem = Buf::new(
        base,
        b"\x90\x90\x90\x90\x90\x90\x90\x90\xe8\x00\x00\xff\xd0\xc3",
    );
    assert_eq!(call_before(&mem, base + 13, None), Some(base + 8));
    assert_eq!(call_before(&mem, base + 13, Some(base)), Some(base + 8));
    // Real code: `mov al,0xe8; add [rax],al; call rax`: the decode from the
    // function start, and the re-synchronising votes, see `call rax`.
    let mem = Buf::new(
        base,
        b"\x90\x90\x90\x90\x90\x90\x90\xb0\xe8\x00\x00\xff\xd0\xc3",
    );
    assert_eq!(call_before(&mem, base + 13, Some(base)), Some(base + 11));
    assert_eq!(call_before(&mem, base + 13, None), Some(base + 11));
    // Nothing decodable before the bytes: the e8 form is preferred.
    let mem = Buf::new(base + 8, b"\xe8\x00\x00\xff\xd0\xc3");
    assert_eq!(call_before(&mem, base + 13, None), Some(base + 8));
}

/// Three copies of `MAIN_LIKE` as three functions, from 0x401000.
fn three_functions() -> (Buf, Vec<u64>, Vec<Range<u64>>) {
    let mut insns = Vec::new();
    for _ in 0..3 {
        insns.extend_from_slice(MAIN_LIKE);
    }
    let (bytes, starts) = assemble(0x401000, &insns);
    let n = MAIN_LIKE.len();
    let len = (bytes.len() / 3) as u64;
    let funcs = (0..3)
        .map(|f| {
            let s = 0x401000 + f * len;
            assert_eq!(starts[f as usize * n], s);
            // The padding nop is not part of the function, as in DWARF.
            s..s + len - 9
        })
        .collect();
    (Buf::new(0x401000, &bytes), starts, funcs)
}

#[test]
fn disassemble_aligns_to_the_anchor() {
    let (mem, starts, funcs) = three_functions();
    let known = |a: u64| funcs.iter().find(|f| f.contains(&a)).map(|f| f.start);
    let unknown = |_: u64| None;
    let n = MAIN_LIKE.len();
    // An anchor in the middle of the second function.
    let k = n + 9;
    let anchor = starts[k];
    for fs in [&known as &dyn Fn(u64) -> Option<u64>, &unknown] {
        let dis = |off: i64, count: usize| disassemble(&mem, anchor, off, count, fs);
        assert_eq!(starts_of(&dis(0, 5)), some(&starts[k..k + 5]));
        assert_eq!(starts_of(&dis(3, 4)), some(&starts[k + 3..k + 7]));
        assert_eq!(starts_of(&dis(-6, 10)), some(&starts[k - 6..k + 4]));
        assert_eq!(starts_of(&dis(-8, 3)), some(&starts[k - 8..k - 5]));
        assert_eq!(starts_of(&dis(-1, 1)), some(&starts[k - 1..k]));
        // Across the function start, into the previous function and its padding.
        assert_eq!(starts_of(&dis(-20, 25)), some(&starts[k - 20..k + 5]));
        assert_eq!(starts_of(&dis(-(k as i64), 3)), some(&starts[..3]));
        assert!(dis(0, 0).is_empty());
        assert_eq!(
            dis(0, 1)[0].as_ref().unwrap().text,
            "mov    DWORD PTR [rbp-0x8],eax"
        );
    }
    // An anchor at a function's first instruction.
    let anchor = starts[2 * n];
    let got = disassemble(&mem, anchor, -4, 6, known);
    assert_eq!(starts_of(&got), some(&starts[2 * n - 4..2 * n + 2]));
    assert_eq!(
        got[3].as_ref().unwrap().text,
        "nop    WORD PTR [rax+rax*1+0x0]"
    );
    assert_eq!(got[4].as_ref().unwrap().text, "push   rbp");
}

#[test]
fn disassemble_backwards_over_misleading_bytes_uses_the_function_start() {
    // `movabs` immediates that decode as instructions of other lengths.
    let insns: &[&[u8]] = &[
        b"\x55",
        b"\x48\xb8\x0f\x05\xe8\x00\x00\x00\x00\x90",
        b"\x48\xb8\xe8\x11\x22\x33\x44\x0f\x1f\x40",
        b"\x48\xbb\x00\xb8\x00\x00\x00\x00\x48\x89",
        b"\xec",
        b"\xc3",
    ];
    let (bytes, starts) = assemble(0x2000, insns);
    let mem = Buf::new(0x2000, &bytes);
    let fs = |a: u64| {
        (0x2000..0x2000 + bytes.len() as u64)
            .contains(&a)
            .then_some(0x2000)
    };
    let got = disassemble(&mem, starts[5], -5, 6, fs);
    assert_eq!(starts_of(&got), some(&starts));
    assert_eq!(got[4].as_ref().unwrap().text, "in     al,dx");
    // Without the function start, boundaries still line up with the anchor.
    let got = disassemble_addressed(&mem, starts[5], -5, 6, |_| None);
    assert_eq!(got.len(), 6);
    assert_eq!(got[5].0, starts[5]);
    assert_tiles(&got);
}

#[test]
fn disassemble_gives_none_for_unreadable_memory() {
    let (bytes, starts) = assemble(0x1000, &MAIN_LIKE[..6]);
    let mem = Buf::new(0x1000, &bytes);
    // Before the start of readable memory: one-byte `None`s.
    let got = disassemble_addressed(&mem, starts[2], -5, 8, |_| None);
    assert_eq!(got.len(), 8);
    assert_tiles(&got);
    let addrs: Vec<u64> = got.iter().map(|e| e.0).collect();
    assert_eq!(addrs[..3], [0xffd, 0xffe, 0xfff]);
    assert_eq!(addrs[3..], starts[..5]);
    assert!(got[..3].iter().all(|e| e.1.is_none()));
    assert!(got[3..].iter().all(|e| e.1.is_some()));
    // With a function start, too.
    let got = disassemble(&mem, starts[2], -5, 8, |a| (a >= 0x1000).then_some(0x1000));
    assert_eq!(starts_of(&got)[3..], some(&starts[..5]));
    assert!(got[..3].iter().all(Option::is_none));

    // Past the end: the last instruction, then `None`s.
    let end = 0x1000 + bytes.len() as u64;
    let got = disassemble_addressed(&mem, starts[5], 0, 4, |_| None);
    assert_eq!(
        got.iter().map(|e| e.0).collect::<Vec<_>>(),
        [starts[5], end, end + 1, end + 2]
    );
    assert!(got[0].1.is_some() && got[1..].iter().all(|e| e.1.is_none()));

    // A hole in the middle, and an anchor inside it.
    let mut mem = Buf::new(0x1000, &bytes);
    mem.holes.push(starts[3]..starts[3] + 2);
    let got = disassemble_addressed(&mem, starts[3] + 1, -2, 5, |_| None);
    assert_eq!(got.len(), 5);
    assert_tiles(&got);
    assert_eq!(got[2].0, starts[3] + 1);
    assert!(got[1..3].iter().all(|e| e.1.is_none()));
    assert_eq!(got[1].0, starts[3]);
    assert_eq!(got[0].0, starts[2]);
    // Entirely unreadable.
    let got = disassemble(&mem, 0x9000, -3, 7, |_| None);
    assert_eq!(got.len(), 7);
    assert!(got.iter().all(Option::is_none));
}

#[test]
fn disassemble_far_offsets_keep_the_count() {
    let (mem, starts, _) = three_functions();
    let got = disassemble_addressed(&mem, starts[0], i64::MIN, 3, |_| None);
    assert_eq!(got.len(), 3);
    assert!(got.iter().all(|e| e.1.is_none()));
    assert_tiles(&got);
    assert_eq!(got[2].0, starts[0].wrapping_add(i64::MIN as u64 + 2));
    let got = disassemble_addressed(&mem, starts[0], i64::MAX - 2, 5, |_| None);
    assert_eq!(got.len(), 5);
    assert!(got.iter().all(|e| e.1.is_none()));
    assert_tiles(&got);
    // Just past the reach backwards: placeholders, then real instructions.
    let got = disassemble_addressed(&mem, starts[3], -(MAX_WALK as i64) - 2, 3, |_| None);
    assert_eq!(got.len(), 3);
    assert!(got.iter().all(|e| e.1.is_none()));
}

/// objdump's instructions of `func`: (address, text without comments and
/// `<symbol>` annotations).
fn objdump(path: &std::path::Path, func: &str) -> Vec<(u64, String)> {
    let out = std::process::Command::new("objdump")
        .args(["-d", "--no-show-raw-insn", "-M", "intel"])
        .arg(path)
        .output()
        .expect("run objdump (binutils)");
    assert!(out.status.success());
    let text = String::from_utf8(out.stdout).unwrap();
    let header = format!("<{func}>:");
    text.lines()
        .skip_while(|l| !l.ends_with(&header))
        .skip(1)
        .take_while(|l| !l.trim().is_empty())
        .map(|l| {
            let (addr, insn) = l.trim_start().split_once(":\t").unwrap();
            let insn = insn.split('#').next().unwrap();
            let insn = insn.split(" <").next().unwrap().trim_end();
            (u64::from_str_radix(addr, 16).unwrap(), insn.to_string())
        })
        .collect()
}

#[test]
fn real_binary_matches_objdump() {
    use object::{Object, ObjectSection, ObjectSymbol};

    let path = fixture("loop");
    let data = std::fs::read(&path).unwrap();
    let file = object::File::parse(&*data).unwrap();
    let text = file.section_by_name(".text").unwrap();
    let mem = Buf::new(text.address(), text.data().unwrap());
    let symbol = |name: &str| {
        let s = file.symbols().find(|s| s.name() == Ok(name)).unwrap();
        s.address()..s.address() + s.size()
    };
    let main = symbol("main");
    let step = symbol("step");

    let ins = decode_range(&mem, main.start, main.end);
    assert_eq!(ins[0].address, main.start);
    for pair in ins.windows(2) {
        assert_eq!(pair[0].end(), pair[1].address);
    }
    assert_eq!(ins.last().unwrap().end(), main.end);
    assert!(ins.last().unwrap().is_ret);

    let call = ins
        .iter()
        .find(|i| i.is_call && i.branch_target == Some(step.start))
        .expect("main calls step");
    assert_eq!(
        call_before(&mem, call.end(), Some(main.start)),
        Some(call.address)
    );
    assert_eq!(call_before(&mem, call.end(), None), Some(call.address));
    for i in ins.iter().filter(|i| i.is_call) {
        assert_eq!(
            call_before(&mem, i.end(), Some(main.start)),
            Some(i.address)
        );
    }

    // objdump agrees on every address and, but for how it shows branch
    // targets and comments, on the text.
    let ours: Vec<(u64, String)> = ins
        .iter()
        .map(|i| {
            let mut t = i.text.split('#').next().unwrap().trim_end().to_string();
            if let Some(target) = i.branch_target {
                t = t.replace(&format!("{target:#x}"), &format!("{target:x}"));
            }
            (i.address, t)
        })
        .collect();
    assert_eq!(ours, objdump(&path, "main"));

    // Backwards from main's `ret`, with and without function starts.
    let funcs = [main.clone(), step.clone()];
    let known = |a: u64| funcs.iter().find(|f| f.contains(&a)).map(|f| f.start);
    let n = ins.len();
    let anchor = ins[n - 1].address;
    let want: Vec<Option<u64>> = ins.iter().map(|i| Some(i.address)).collect();
    let got = disassemble(&mem, anchor, -(n as i64 - 1), n, known);
    assert_eq!(starts_of(&got), want);
    assert_eq!(got.iter().flatten().cloned().collect::<Vec<_>>(), ins);
    let got = disassemble(&mem, anchor, -(n as i64 - 1), n, |_| None);
    assert_eq!(starts_of(&got), want);
    // Into `step`, before main.
    let step_ins = decode_range(&mem, step.start, step.end);
    let got = disassemble(&mem, main.start, -3, 4, known);
    let mut want: Vec<_> = step_ins[step_ins.len() - 3..]
        .iter()
        .map(|i| Some(i.address))
        .collect();
    want.push(Some(main.start));
    assert_eq!(starts_of(&got), want);
}
