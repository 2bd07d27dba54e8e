// SPDX-License-Identifier: GPL-2.0
//! Tests of the mycall() system call (x86_64 number 548).

use crate::ensure;
use crate::{Test, TestResult};
use srsys::{self as sys, Errno, EFAULT, ENOSYS, EOVERFLOW, PAGE, PROT_NONE, PROT_READ, PROT_WRITE};

pub fn tests() -> Vec<Test> {
    vec![
        Test { name: "mycall.sum", run: sum },
        Test { name: "mycall.overflow", run: overflow },
        Test { name: "mycall.efault_null", run: efault_null },
        Test { name: "mycall.efault_unmapped", run: efault_unmapped },
        Test { name: "mycall.efault_readonly", run: efault_readonly },
        Test { name: "mycall.efault_kernel", run: efault_kernel },
        Test { name: "mycall.efault_straddle", run: efault_straddle },
        Test { name: "mycall.unaligned", run: unaligned },
        Test { name: "mycall.threads", run: threads },
        Test { name: "mycall.neighbours_enosys", run: neighbours },
        Test { name: "mycall.trace_event", run: trace_event },
    ]
}

const SENTINEL: i32 = 0x5a5a_5a5a;

/// Calls mycall with `sum` pointing at a sentinel and checks the result.
fn expect(a: i32, b: i32, want: Result<i32, Errno>) -> Result<(), String> {
    let mut sum = SENTINEL;
    let r = sys::mycall_raw(a, b, &mut sum as *mut i32 as usize);
    match (want, r) {
        (Ok(v), Ok(0)) if sum == v => Ok(()),
        (Err(e), Err(got)) if e == got && sum == SENTINEL => Ok(()),
        _ => Err(format!(
            "mycall({a}, {b}) = {r:?}, sum = {sum:#x}; want {want:?} (sentinel {SENTINEL:#x} untouched on error)"
        )),
    }
}

fn sum() -> TestResult {
    let cases = [
        (2, 3, 5),
        (-7, 3, -4),
        (0, 0, 0),
        (i32::MAX, 0, i32::MAX),
        (i32::MIN, 0, i32::MIN),
        (i32::MAX, i32::MIN, -1),
        (i32::MAX - 5, 5, i32::MAX),
        (i32::MIN + 5, -5, i32::MIN),
    ];
    for (a, b, s) in cases {
        expect(a, b, Ok(s))?;
    }
    Ok(format!("{} cases, mycall(2, 3) = 0 with sum 5", cases.len()))
}

fn overflow() -> TestResult {
    let cases = [(i32::MAX, 1), (1, i32::MAX), (i32::MIN, -1), (i32::MIN, i32::MIN), (i32::MAX, i32::MAX)];
    for (a, b) in cases {
        expect(a, b, Err(EOVERFLOW))?;
    }
    Ok(format!("{} cases return EOVERFLOW and write nothing", cases.len()))
}

fn efault_null() -> TestResult {
    let r = sys::mycall_raw(2, 3, 0);
    ensure!(r == Err(EFAULT), "mycall(2, 3, NULL) = {r:?}, want EFAULT");
    Ok("EFAULT".into())
}

fn efault_unmapped() -> TestResult {
    let p = sys::mmap_anon(PAGE, PROT_READ | PROT_WRITE).map_err(|e| format!("mmap: {e}"))?;
    // SAFETY: nothing refers to the page after this.
    unsafe { sys::munmap(p, PAGE) }.map_err(|e| format!("munmap: {e}"))?;
    let r = sys::mycall_raw(2, 3, p + 16);
    ensure!(r == Err(EFAULT), "mycall on an unmapped page = {r:?}, want EFAULT");
    Ok("EFAULT".into())
}

fn efault_readonly() -> TestResult {
    let p = sys::mmap_anon(PAGE, PROT_READ).map_err(|e| format!("mmap: {e}"))?;
    let r = sys::mycall_raw(2, 3, p + 64);
    // SAFETY: `p + 64` is in a readable page of ours.
    let v = unsafe { std::ptr::read_volatile((p + 64) as *const i32) };
    // SAFETY: nothing refers to the page after this.
    let _ = unsafe { sys::munmap(p, PAGE) };
    ensure!(r == Err(EFAULT), "mycall on a read-only page = {r:?}, want EFAULT");
    ensure!(v == 0, "read-only page changed to {v:#x}");
    Ok("EFAULT, page unchanged".into())
}

fn efault_kernel() -> TestResult {
    for addr in [0xffff_ffff_8100_0000usize, 0xffff_8880_0000_0000, usize::MAX - 1] {
        let r = sys::mycall_raw(2, 3, addr);
        ensure!(r == Err(EFAULT), "mycall(2, 3, {addr:#x}) = {r:?}, want EFAULT");
    }
    Ok("3 kernel addresses: EFAULT".into())
}

fn efault_straddle() -> TestResult {
    // Two pages; the second made inaccessible: an int at the end of the first
    // page straddles into it.
    let p = sys::mmap_anon(2 * PAGE, PROT_READ | PROT_WRITE).map_err(|e| format!("mmap: {e}"))?;
    let tail = p + PAGE - 2;
    // SAFETY: the first page is ours and writable.
    unsafe { std::ptr::write_volatile(tail as *mut u16, 0xa5a5) };
    let mut results = Vec::new();
    for (what, prot) in [("PROT_NONE", PROT_NONE), ("read-only", PROT_READ)] {
        // SAFETY: no Rust reference points into the second page.
        unsafe { sys::mprotect(p + PAGE, PAGE, prot) }.map_err(|e| format!("mprotect: {e}"))?;
        let r = sys::mycall_raw(2, 3, tail);
        // SAFETY: the first page is still ours and readable.
        let v = unsafe { std::ptr::read_volatile(tail as *const u16) };
        results.push((what, r, v));
    }
    // SAFETY: nothing refers to the mapping after this.
    let _ = unsafe { sys::munmap(p, 2 * PAGE) };
    for (what, r, v) in &results {
        ensure!(*r == Err(EFAULT), "int straddling into a {what} page: {r:?}, want EFAULT");
        ensure!(*v == 0xa5a5, "int straddling into a {what} page: first page bytes changed to {v:#x}");
    }
    Ok("EFAULT into PROT_NONE and read-only pages, first-page bytes unchanged".into())
}

fn unaligned() -> TestResult {
    // A misaligned int inside one page, and one straddling two good pages.
    let p = sys::mmap_anon(2 * PAGE, PROT_READ | PROT_WRITE).map_err(|e| format!("mmap: {e}"))?;
    let mut out = Vec::new();
    for addr in [p + 1, p + PAGE - 1, p + PAGE - 3] {
        let r = sys::mycall_raw(40, 2, addr);
        // SAFETY: `addr..addr + 4` lies within our two writable pages.
        let v = unsafe { std::ptr::read_unaligned(addr as *const i32) };
        out.push((addr - p, r, v));
    }
    // SAFETY: nothing refers to the mapping after this.
    let _ = unsafe { sys::munmap(p, 2 * PAGE) };
    for (off, r, v) in out {
        ensure!(r == Ok(0) && v == 42, "offset {off}: mycall = {r:?}, value {v}; want 0 and 42");
    }
    Ok("offsets 1, 4095, 4093: 42".into())
}

fn threads() -> TestResult {
    const THREADS: i32 = 8;
    const CALLS: i32 = 20_000;
    let handles: Vec<_> = (0..THREADS)
        .map(|t| {
            std::thread::spawn(move || -> Result<u32, String> {
                let mut n = 0;
                for i in 0..CALLS {
                    let (a, b) = (t * 1_000_003 + i, -(i * 7));
                    let s = sys::mycall(a, b).map_err(|e| format!("thread {t}: mycall({a}, {b}): {e}"))?;
                    if s != a + b {
                        return Err(format!("thread {t}: mycall({a}, {b}) wrote {s}"));
                    }
                    n += 1;
                }
                Ok(n)
            })
        })
        .collect();
    let mut total = 0;
    for h in handles {
        total += h.join().map_err(|_| "thread panicked".to_string())??;
    }
    ensure!(total == (THREADS * CALLS) as u32, "{total} calls completed");
    Ok(format!("{THREADS} threads x {CALLS} calls, all sums correct"))
}

fn neighbours() -> TestResult {
    for nr in [547, 549, 550] {
        let r = sys::nr_only(nr);
        ensure!(r == Err(ENOSYS), "syscall {nr} = {r:?}, want ENOSYS");
    }
    ensure!(sys::mycall(1, 1) == Ok(2), "548 is not mycall");
    Ok("547, 549, 550: ENOSYS; 548: mycall".into())
}

/// The SYSCALL_DEFINE3 shim keeps the syscall trace events working. The
/// event is enabled on the kernel command line (trace_event=, see
/// scripts/test): toggling it at run time patches kernel text, which is
/// best not done under load in an emulator.
fn trace_event() -> TestResult {
    let ev = "/sys/kernel/tracing/events/syscalls/sys_enter_mycall";
    let fmt = std::fs::read_to_string(format!("{ev}/format")).map_err(|e| format!("{ev}/format: {e}"))?;
    ensure!(fmt.contains("field:int a;") && fmt.contains("field:int * sum;"), "unexpected format:\n{fmt}");
    let enabled = std::fs::read_to_string(format!("{ev}/enable")).unwrap_or_default();
    ensure!(enabled.trim() == "1", "{ev} is not enabled (boot with trace_event=syscalls:sys_enter_mycall)");
    std::fs::write("/sys/kernel/tracing/trace", "").map_err(|e| format!("clear trace: {e}"))?;
    let r = sys::mycall(1234, 4321);
    let trace = std::fs::read_to_string("/sys/kernel/tracing/trace").map_err(|e| e.to_string())?;
    ensure!(r == Ok(5555), "mycall(1234, 4321) = {r:?}");
    ensure!(
        trace.contains("sys_mycall(a: 4d2, b: 10e1"),
        "no sys_mycall(a: 4d2, b: 10e1, ...) line in the trace buffer:\n{trace}"
    );
    Ok("sys_enter_mycall recorded a: 4d2, b: 10e1".into())
}

/// On a kernel built without CONFIG_MYCALL (the UP flavour), slot 548 is a
/// hole in the syscall table: -ENOSYS, and nothing is written.
pub fn enosys_without_config() -> TestResult {
    let mut sum: i32 = 12345;
    let r = sys::mycall_raw(2, 3, &mut sum as *mut i32 as usize);
    ensure!(r == Err(ENOSYS), "syscall 548 = {r:?}, want ENOSYS on a kernel without CONFIG_MYCALL");
    ensure!(sum == 12345, "syscall 548 wrote {sum}");
    Ok("syscall 548 = ENOSYS, nothing written".into())
}
