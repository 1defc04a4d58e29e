//! Rewrites an ELF64 file's .debug_* sections as SHF_COMPRESSED with ELFCOMPRESS_ZSTD.

const SHF_COMPRESSED: u64 = 0x800;
const ELFCOMPRESS_ZSTD: u32 = 2;

fn u16_at(b: &[u8], o: usize) -> usize {
    u16::from_le_bytes([b[o], b[o + 1]]) as usize
}

fn u32_at(b: &[u8], o: usize) -> u32 {
    u32::from_le_bytes(b[o..o + 4].try_into().unwrap())
}

fn u64_at(b: &[u8], o: usize) -> u64 {
    u64::from_le_bytes(b[o..o + 8].try_into().unwrap())
}

/// Returns a copy of `elf` whose uncompressed .debug_* sections are zstd-compressed
/// (new contents appended at the end of the file, section headers updated).
pub fn compress_debug_sections_zstd(elf: &[u8]) -> Vec<u8> {
    let mut out = elf.to_vec();
    let shoff = u64_at(elf, 0x28) as usize;
    let shentsize = u16_at(elf, 0x3a);
    let shnum = u16_at(elf, 0x3c);
    let shstrndx = u16_at(elf, 0x3e);
    let strtab_off = u64_at(elf, shoff + shstrndx * shentsize + 0x18) as usize;
    for i in 0..shnum {
        let h = shoff + i * shentsize;
        let name_off = strtab_off + u32_at(elf, h) as usize;
        let name: Vec<u8> = elf[name_off..]
            .iter()
            .take_while(|c| **c != 0)
            .copied()
            .collect();
        let flags = u64_at(elf, h + 0x08);
        if !name.starts_with(b".debug_") || flags & SHF_COMPRESSED != 0 {
            continue;
        }
        let (off, size) = (
            u64_at(elf, h + 0x18) as usize,
            u64_at(elf, h + 0x20) as usize,
        );
        let align = u64_at(elf, h + 0x30);
        let data = zstd::bulk::compress(&elf[off..off + size], 3).expect("zstd");
        while out.len() & 7 != 0 {
            out.push(0);
        }
        let new_off = out.len();
        out.extend_from_slice(&ELFCOMPRESS_ZSTD.to_le_bytes());
        out.extend_from_slice(&0u32.to_le_bytes());
        out.extend_from_slice(&(size as u64).to_le_bytes());
        out.extend_from_slice(&align.max(1).to_le_bytes());
        out.extend_from_slice(&data);
        let new_size = out.len() - new_off;
        out[h + 0x08..h + 0x10].copy_from_slice(&(flags | SHF_COMPRESSED).to_le_bytes());
        out[h + 0x18..h + 0x20].copy_from_slice(&(new_off as u64).to_le_bytes());
        out[h + 0x20..h + 0x28].copy_from_slice(&(new_size as u64).to_le_bytes());
        out[h + 0x30..h + 0x38].copy_from_slice(&8u64.to_le_bytes());
    }
    out
}
