//! Where a stub's page goes: a free page within a `jmp rel32`'s reach of
//! the site, away from other mappings (a stack's guard gap included).

use crate::procmaps::Mapping;

const PAGE: u64 = 4096;
/// The stub's two pages.
const STUB_LEN: u64 = 2 * PAGE;
/// How far a stub stays from any mapping (more than the kernel's default
/// stack guard gap of 256 pages).
const MARGIN: u64 = 2 << 20;
/// A `jmp rel32` reaches ±2 GiB from the end of the jump; keep well inside.
const REACH: u64 = (1 << 31) - (16 << 20);
/// The lowest address used (above any `vm.mmap_min_addr`).
const LOWEST: u64 = 16 << 20;
/// The highest user address plus one on x86-64 with 4-level paging.
const USER_END: u64 = 0x7fff_ffff_f000;

/// A free page-aligned address within reach of `pc`, closest to it, with
/// `MARGIN` of free space on either side; `maps` sorted by address.
pub(super) fn free_page_near(pc: u64, maps: &[Mapping]) -> Option<u64> {
    let lo = pc.saturating_sub(REACH).max(LOWEST);
    let hi = pc.saturating_add(REACH).min(USER_END);
    let mut best: Option<u64> = None;
    let mut consider = |gap_start: u64, gap_end: u64| {
        // Usable: [gap_start + MARGIN, gap_end - MARGIN - STUB_LEN], within [lo, hi - STUB_LEN].
        let first = (gap_start.saturating_add(MARGIN))
            .max(lo)
            .next_multiple_of(PAGE);
        let last = gap_end
            .saturating_sub(MARGIN + STUB_LEN)
            .min(hi.saturating_sub(STUB_LEN))
            & !(PAGE - 1);
        if first > last {
            return;
        }
        let here = (pc & !(PAGE - 1)).clamp(first, last);
        if best.is_none_or(|b| here.abs_diff(pc) < b.abs_diff(pc)) {
            best = Some(here);
        }
    };
    let mut prev_end = 0;
    for m in maps {
        if m.start > prev_end {
            consider(prev_end, m.start);
        }
        prev_end = prev_end.max(m.end);
    }
    consider(prev_end, USER_END);
    best
}

#[cfg(test)]
mod tests {
    use super::*;

    fn m(start: u64, end: u64) -> Mapping {
        Mapping {
            start,
            end,
            perms: "r-xp".into(),
            offset: 0,
            inode: 0,
            name: String::new(),
        }
    }

    #[test]
    fn the_page_is_free_within_reach_and_clear_of_neighbours() {
        let exe = 0x5555_5555_4000;
        let maps = [
            m(exe, exe + 0x5000),
            m(0x7fff_f7d0_0000, 0x7fff_f7ff_f000),
            m(0x7fff_fffd_e000, 0x7fff_ffff_f000),
        ];
        for pc in [exe + 0x1234, 0x7fff_f7d1_2345] {
            let page = free_page_near(pc, &maps).unwrap();
            assert_eq!(page % PAGE, 0);
            assert!(page.abs_diff(pc) < REACH, "{page:#x} too far from {pc:#x}");
            for x in &maps {
                assert!(
                    page + STUB_LEN + MARGIN <= x.start || x.end + MARGIN <= page,
                    "{page:#x} too close to {:#x}-{:#x}",
                    x.start,
                    x.end
                );
            }
        }
        // Nothing free within reach.
        assert_eq!(free_page_near(0x4000_0000, &[m(0, USER_END)]), None);
    }
}
