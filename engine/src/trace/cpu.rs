//! The CPUID leaves stored in a trace, and the check that replay runs on a
//! CPU that answers CPUID the same way (CPUID cannot be trapped on the
//! machines rewind targets, so a recorded program's CPUID results are only
//! reproduced when the CPU is the same).

use std::fmt;

use super::event::{CpuInfo, CpuidLeaf};

/// Most subleaves read for any one leaf.
const MAX_SUBLEAVES: u32 = 64;
/// Highest basic / extended leaf read, whatever the CPU claims.
const MAX_BASIC_LEAF: u32 = 0x40;
const MAX_EXTENDED_LEAF: u32 = 0x8000_0040;
/// How many differing leaves a [`CpuMismatch`] lists.
const MAX_LISTED: usize = 5;

/// Leaves that only describe caches, TLBs, topology or clock frequencies. A
/// difference in them is logged, not refused: the same CPU model in VMs of
/// different sizes reports different topologies.
const DESCRIPTIVE_LEAVES: &[u32] = &[
    0x2,
    0x4,
    0xb,
    0x15,
    0x16,
    0x18,
    0x1a,
    0x1f,
    0x8000_0005,
    0x8000_0006,
    0x8000_001d,
    0x8000_001e,
    0x8000_0026,
];

/// The CPU this thread runs on: vendor, family/model/stepping and the CPUID
/// leaves that matter for replay, with per-core fields (APIC ids, core
/// types) masked so every core of a machine gives the same answer.
///
/// On hybrid CPUs (performance and efficiency cores) cache leaves differ by
/// core type; call this on the CPU the tracees are pinned to.
pub fn current_cpu_info() -> CpuInfo {
    let leaves = read_leaves(raw_cpuid);
    cpu_info_from_leaves(leaves)
}

/// The trace was recorded on a CPU whose CPUID answers differ from this one's.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub struct CpuMismatch {
    /// The CPU of the recording.
    pub recorded: CpuSummary,
    /// The CPU replay runs on.
    pub here: CpuSummary,
    /// The first few differing leaves (at most 5).
    pub differences: Vec<LeafDifference>,
    /// How many leaf registers differ in all.
    pub total_differences: usize,
}

/// Vendor, family, model and stepping.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct CpuSummary {
    /// The vendor string (`GenuineIntel`, `AuthenticAMD`).
    pub vendor: String,
    /// The family, with the extended family added.
    pub family: u32,
    /// The model, with the extended model added.
    pub model: u32,
    /// The stepping.
    pub stepping: u32,
}

/// One register of one CPUID leaf that differs; `None` when the leaf is
/// absent on that side.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct LeafDifference {
    /// The leaf.
    pub leaf: u32,
    /// The subleaf.
    pub subleaf: u32,
    /// The register that differs (`"eax"`, ...).
    pub register: &'static str,
    /// Its value in the recording.
    pub recorded: Option<u32>,
    /// Its value on this CPU.
    pub here: Option<u32>,
}

impl fmt::Display for CpuSummary {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(
            f,
            "{} family {:#x} model {:#x} stepping {}",
            self.vendor, self.family, self.model, self.stepping
        )
    }
}

impl fmt::Display for LeafDifference {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let show = |v: Option<u32>| match v {
            Some(v) => format!("{v:#010x}"),
            None => "absent".to_string(),
        };
        write!(
            f,
            "leaf {:#x}/{:#x} {}: recorded {}, here {}",
            self.leaf,
            self.subleaf,
            self.register,
            show(self.recorded),
            show(self.here)
        )
    }
}

impl fmt::Display for CpuMismatch {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(
            f,
            "this trace was recorded on a different CPU and cannot be replayed here \
             (recorded on {}, this machine has {})",
            self.recorded, self.here
        )?;
        if self.differences.is_empty() {
            return Ok(());
        }
        write!(f, "; CPUID differs: ")?;
        for (i, d) in self.differences.iter().enumerate() {
            if i > 0 {
                write!(f, "; ")?;
            }
            write!(f, "{d}")?;
        }
        let more = self
            .total_differences
            .saturating_sub(self.differences.len());
        if more > 0 {
            write!(f, "; and {more} more")?;
        }
        Ok(())
    }
}

/// Accepts `here` for replaying a trace recorded on `recorded` when vendor,
/// family, model and stepping agree and every CPUID leaf that programs use
/// to pick code paths (features, xsave layout, ...) is identical. Leaves
/// that only describe caches or topology may differ (logged as a warning).
pub fn compare_cpus(recorded: &CpuInfo, here: &CpuInfo) -> Result<(), CpuMismatch> {
    let mut differences = Vec::new();
    let mut descriptive = 0usize;
    let key = |l: &CpuidLeaf| (l.leaf, l.subleaf);
    let find = |set: &[CpuidLeaf], k: (u32, u32)| set.iter().find(|l| key(l) == k).copied();

    let mut keys: Vec<(u32, u32)> = recorded
        .leaves
        .iter()
        .chain(&here.leaves)
        .map(key)
        .collect();
    keys.sort_unstable();
    keys.dedup();
    for k in keys {
        let r = find(&recorded.leaves, k);
        let h = find(&here.leaves, k);
        let regs = |l: Option<CpuidLeaf>| l.map(|l| [l.eax, l.ebx, l.ecx, l.edx]);
        let (rr, hr) = (regs(r), regs(h));
        for (i, name) in ["eax", "ebx", "ecx", "edx"].into_iter().enumerate() {
            let rv = rr.map(|r| r[i]);
            let hv = hr.map(|h| h[i]);
            if rv == hv {
                continue;
            }
            if DESCRIPTIVE_LEAVES.contains(&k.0) {
                descriptive += 1;
                continue;
            }
            differences.push(LeafDifference {
                leaf: k.0,
                subleaf: k.1,
                register: name,
                recorded: rv,
                here: hv,
            });
        }
    }
    if descriptive > 0 {
        tracing::warn!(
            registers = descriptive,
            "CPUID cache/topology leaves differ from the recording; replay may diverge"
        );
    }

    let identity_differs = recorded.vendor != here.vendor
        || recorded.family != here.family
        || recorded.model != here.model
        || recorded.stepping != here.stepping;
    if !identity_differs && differences.is_empty() {
        return Ok(());
    }
    let total_differences = differences.len();
    differences.truncate(MAX_LISTED);
    Err(CpuMismatch {
        recorded: summary(recorded),
        here: summary(here),
        differences,
        total_differences,
    })
}

fn summary(c: &CpuInfo) -> CpuSummary {
    CpuSummary {
        vendor: c.vendor.clone(),
        family: c.family,
        model: c.model,
        stepping: c.stepping,
    }
}

#[cfg(target_arch = "x86_64")]
fn raw_cpuid(leaf: u32, subleaf: u32) -> [u32; 4] {
    // SAFETY: CPUID exists on every x86-64 CPU and only reads CPU state.
    // (`__cpuid_count` is a safe function on newer toolchains.)
    #[allow(unused_unsafe)]
    let r = unsafe { core::arch::x86_64::__cpuid_count(leaf, subleaf) };
    [r.eax, r.ebx, r.ecx, r.edx]
}

#[cfg(not(target_arch = "x86_64"))]
fn raw_cpuid(_leaf: u32, _subleaf: u32) -> [u32; 4] {
    [0; 4]
}

/// Enumerates the leaves (and their subleaves) with `cpuid`, masking
/// per-core fields.
fn read_leaves(cpuid: impl Fn(u32, u32) -> [u32; 4]) -> Vec<CpuidLeaf> {
    let mut out = Vec::new();
    let mut push = |leaf: u32, subleaf: u32, r: [u32; 4]| {
        let [eax, ebx, ecx, edx] = mask(leaf, r);
        out.push(CpuidLeaf {
            leaf,
            subleaf,
            eax,
            ebx,
            ecx,
            edx,
        });
    };

    let max_basic = cpuid(0, 0)[0].min(MAX_BASIC_LEAF);
    for leaf in 0..=max_basic {
        for sub in subleaves(leaf, &cpuid) {
            push(leaf, sub, cpuid(leaf, sub));
        }
    }
    let max_ext = cpuid(0x8000_0000, 0)[0];
    if max_ext >= 0x8000_0000 {
        for leaf in 0x8000_0000..=max_ext.min(MAX_EXTENDED_LEAF) {
            for sub in subleaves(leaf, &cpuid) {
                push(leaf, sub, cpuid(leaf, sub));
            }
        }
    }
    out
}

/// The subleaves of `leaf` to read, as the leaf's definition enumerates them.
fn subleaves(leaf: u32, cpuid: &impl Fn(u32, u32) -> [u32; 4]) -> Vec<u32> {
    // Subleaves 0..n while `valid(subleaf registers)` holds (subleaf 0 always).
    let while_valid = |valid: &dyn Fn([u32; 4]) -> bool| -> Vec<u32> {
        let mut v = vec![0];
        for s in 1..MAX_SUBLEAVES {
            if !valid(cpuid(leaf, s)) {
                break;
            }
            v.push(s);
        }
        v
    };
    // Subleaves 0..=max, where subleaf 0's EAX gives max.
    let up_to_eax = |cap: u32| -> Vec<u32> { (0..=cpuid(leaf, 0)[0].min(cap)).collect() };
    // Subleaf 0, plus the subleaves whose bit is set in `bits`.
    let by_bits = |bits: u64| -> Vec<u32> {
        let mut v = vec![0];
        v.extend((1..MAX_SUBLEAVES).filter(|s| bits & (1u64 << s) != 0));
        v
    };
    match leaf {
        // Deterministic cache parameters: until the cache type is null.
        0x4 | 0x8000_001d => while_valid(&|r| r[0] & 0x1f != 0),
        0x7 | 0x14 | 0x17 | 0x1d | 0x20 | 0x24 => up_to_eax(8),
        0x18 => up_to_eax(31),
        // Topology: until the level type is invalid.
        0xb | 0x1f => while_valid(&|r| (r[2] >> 8) & 0xff != 0),
        0x8000_0026 => while_valid(&|r| (r[2] >> 8) & 0xff != 0),
        0xd => {
            let s0 = cpuid(0xd, 0);
            let s1 = cpuid(0xd, 1);
            let mut bits = (u64::from(s0[3]) << 32) | u64::from(s0[0]);
            bits |= (u64::from(s1[3]) << 32) | u64::from(s1[2]);
            bits |= 0b10; // subleaf 1 always exists.
            by_bits(bits & !1)
        }
        // Resource monitoring (EDX) / allocation (EBX): subleaf 0 lists
        // the resources, one subleaf each.
        0xf => by_bits(u64::from(cpuid(0xf, 0)[3]) & 0xfffe),
        0x10 => by_bits(u64::from(cpuid(0x10, 0)[1]) & 0xfffe),
        // SGX: 0 and 1, then EPC sections until an invalid one.
        0x12 => {
            let mut v = vec![0, 1];
            for s in 2..MAX_SUBLEAVES {
                if cpuid(0x12, s)[0] & 0xf == 0 {
                    break;
                }
                v.push(s);
            }
            v
        }
        _ => vec![0],
    }
}

/// Clears the fields that differ between cores or boots of one machine.
fn mask(leaf: u32, [mut eax, mut ebx, mut ecx, mut edx]: [u32; 4]) -> [u32; 4] {
    match leaf {
        // Initial APIC id.
        0x1 => ebx &= 0x00ff_ffff,
        // Cores per package / threads sharing the cache: topology, and
        // reported differently by some hypervisors per vCPU.
        0x4 => eax &= 0x0000_3fff,
        // Current core type (hybrid CPUs) and native model id.
        0x1a => eax = 0,
        // x2APIC id of this logical processor.
        0xb | 0x1f | 0x8000_0026 => edx = 0,
        // AMD extended APIC id, compute unit / core id, node id.
        0x8000_001e => {
            eax = 0;
            ebx = 0;
            ecx = 0;
        }
        _ => {}
    }
    [eax, ebx, ecx, edx]
}

fn cpu_info_from_leaves(leaves: Vec<CpuidLeaf>) -> CpuInfo {
    let get = |leaf: u32| leaves.iter().find(|l| l.leaf == leaf && l.subleaf == 0);
    let vendor = match get(0) {
        Some(l) => {
            let mut bytes = Vec::with_capacity(12);
            for reg in [l.ebx, l.edx, l.ecx] {
                bytes.extend_from_slice(&reg.to_le_bytes());
            }
            String::from_utf8_lossy(&bytes)
                .trim_end_matches('\0')
                .to_string()
        }
        None => "unknown".to_string(),
    };
    let (family, model, stepping) = match get(1) {
        Some(l) => decode_signature(l.eax),
        None => (0, 0, 0),
    };
    CpuInfo {
        vendor,
        family,
        model,
        stepping,
        leaves,
    }
}

/// (family, model, stepping) from leaf 1 EAX, with the extended family and
/// model folded in as Intel's and AMD's manuals define.
fn decode_signature(eax: u32) -> (u32, u32, u32) {
    let stepping = eax & 0xf;
    let base_model = (eax >> 4) & 0xf;
    let base_family = (eax >> 8) & 0xf;
    let ext_model = (eax >> 16) & 0xf;
    let ext_family = (eax >> 20) & 0xff;
    let family = if base_family == 0xf {
        base_family + ext_family
    } else {
        base_family
    };
    let model = if base_family == 0x6 || base_family == 0xf {
        (ext_model << 4) | base_model
    } else {
        base_model
    };
    (family, model, stepping)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn trace_cpu_signature_decoding() {
        // Intel Sapphire Rapids: family 6 model 0x8f stepping 8.
        assert_eq!(decode_signature(0x000806f8), (6, 0x8f, 8));
        // AMD Zen 3 (Milan): family 0x19 model 0x01 stepping 1.
        assert_eq!(decode_signature(0x00a00f11), (0x19, 0x01, 1));
        // Old family-5 part: no extended fields.
        assert_eq!(decode_signature(0x0000_0543), (5, 4, 3));
    }

    #[test]
    fn trace_cpu_info_is_stable() {
        // Pin to one CPU so a hybrid machine cannot move us between core
        // types between the calls.
        let here = nix::sched::sched_getcpu().unwrap_or(0);
        let mut set = nix::sched::CpuSet::new();
        if set.set(here).is_ok() {
            let _ = nix::sched::sched_setaffinity(nix::unistd::Pid::from_raw(0), &set);
        }
        let a = current_cpu_info();
        let b = current_cpu_info();
        assert_eq!(a, b);
        assert!(!a.vendor.is_empty());
        assert!(a.leaves.iter().any(|l| l.leaf == 1));
        assert!(a.leaves.iter().any(|l| l.leaf == 0x8000_0000));
        assert!(compare_cpus(&a, &b).is_ok());
        // A round trip through JSON (as in the header) compares equal too.
        let json = serde_json::to_string(&a).unwrap();
        let c: CpuInfo = serde_json::from_str(&json).unwrap();
        assert!(compare_cpus(&a, &c).is_ok());
    }

    #[test]
    fn trace_cpu_masks_apic_ids() {
        let fake = |apic: u32| {
            move |leaf: u32, sub: u32| -> [u32; 4] {
                match (leaf, sub) {
                    (0, _) => [0xb, 0x756e_6547, 0x6c65_746e, 0x4965_6e69],
                    (1, _) => [
                        0x000806f8,
                        (apic << 24) | 0x0010_0800,
                        0x7ffa_fbff,
                        0xbfeb_fbff,
                    ],
                    (0xb, 0) => [1, 2, 0x100, apic],
                    (0xb, 1) => [4, 8, 0x201, apic],
                    (0x8000_0000, _) => [0x8000_0001, 0, 0, 0],
                    (0x8000_0001, _) => [0, 0, 0x121, 0x2c10_0800],
                    _ => [0; 4],
                }
            }
        };
        let a = cpu_info_from_leaves(read_leaves(fake(0)));
        let b = cpu_info_from_leaves(read_leaves(fake(7)));
        assert_eq!(a, b);
        assert_eq!(a.vendor, "GenuineIntel");
        assert_eq!((a.family, a.model, a.stepping), (6, 0x8f, 8));
        assert_eq!(
            a.leaves.iter().filter(|l| l.leaf == 0xb).count(),
            2,
            "{:?}",
            a.leaves
        );
    }

    #[test]
    fn trace_cpu_mismatch_names_both() {
        let a = current_cpu_info();

        let mut b = a.clone();
        b.vendor = "AuthenticAMD-test".to_string();
        let err = compare_cpus(&a, &b).unwrap_err();
        let msg = err.to_string();
        assert!(msg.contains("different CPU"), "{msg}");
        assert!(msg.contains(&a.vendor), "{msg}");
        assert!(msg.contains("AuthenticAMD-test"), "{msg}");

        let mut c = a.clone();
        let l1 = c
            .leaves
            .iter_mut()
            .find(|l| l.leaf == 1)
            .expect("leaf 1 is always read");
        l1.ecx ^= 1 << 28; // AVX
        let err = compare_cpus(&a, &c).unwrap_err();
        let msg = err.to_string();
        assert_eq!(err.total_differences, 1);
        assert!(msg.contains("leaf 0x1/0x0 ecx"), "{msg}");
        assert!(msg.contains(&a.vendor), "{msg}");

        // Many differences: only five are listed.
        let mut d = a.clone();
        d.leaves.iter_mut().for_each(|l| l.eax ^= 0x5a5a_0000);
        let err = compare_cpus(&a, &d).unwrap_err();
        assert!(err.differences.len() <= 5);
        assert!(err.total_differences > 5, "{err}");
        assert!(err.to_string().contains("more"), "{err}");

        // A leaf present on one side only.
        let mut f = a.clone();
        f.leaves.push(CpuidLeaf {
            leaf: 0x7fff_0000,
            subleaf: 0,
            eax: 1,
            ebx: 0,
            ecx: 0,
            edx: 0,
        });
        let err = compare_cpus(&a, &f).unwrap_err();
        assert!(err.to_string().contains("absent"), "{err}");

        // Topology-only differences are tolerated.
        let mut e = a.clone();
        e.leaves.push(CpuidLeaf {
            leaf: 0x4,
            subleaf: 63,
            eax: 1,
            ebx: 2,
            ecx: 3,
            edx: 4,
        });
        assert!(compare_cpus(&a, &e).is_ok());
    }
}
