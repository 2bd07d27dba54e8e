// SPDX-License-Identifier: GPL-2.0
//! Raw x86_64 Linux system calls for the guest programs (std only: no libc
//! crate), with `Result<i64, Errno>` returns.

use std::arch::asm;
use std::fmt;

/// A positive errno value from a failed system call.
#[derive(Clone, Copy, PartialEq, Eq)]
pub struct Errno(pub i32);

impl fmt::Debug for Errno {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}", errno_name(self.0))
    }
}

impl fmt::Display for Errno {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}", errno_name(self.0))
    }
}

pub const EPERM: Errno = Errno(1);
pub const ESRCH: Errno = Errno(3);
pub const EFAULT: Errno = Errno(14);
pub const EINVAL: Errno = Errno(22);
pub const ENOSYS: Errno = Errno(38);
pub const EOVERFLOW: Errno = Errno(75);

pub fn errno_name(e: i32) -> String {
    match e {
        1 => "EPERM".into(),
        3 => "ESRCH".into(),
        14 => "EFAULT".into(),
        22 => "EINVAL".into(),
        38 => "ENOSYS".into(),
        75 => "EOVERFLOW".into(),
        n => format!("errno {n}"),
    }
}

pub type SysResult = Result<i64, Errno>;

// System call numbers (x86_64).
pub const NR_GETPID: i64 = 39;
pub const NR_MMAP: i64 = 9;
pub const NR_MPROTECT: i64 = 10;
pub const NR_MUNMAP: i64 = 11;
pub const NR_SCHED_YIELD: i64 = 24;
pub const NR_FORK: i64 = 57;
pub const NR_EXIT: i64 = 60;
pub const NR_WAIT4: i64 = 61;
pub const NR_KILL: i64 = 62;
pub const NR_UNAME: i64 = 63;
pub const NR_GETRUSAGE: i64 = 98;
pub const NR_SETRESUID: i64 = 117;
pub const NR_SETRESGID: i64 = 119;
pub const NR_SCHED_SETPARAM: i64 = 142;
pub const NR_SCHED_GETPARAM: i64 = 143;
pub const NR_SCHED_SETSCHEDULER: i64 = 144;
pub const NR_SCHED_GETSCHEDULER: i64 = 145;
pub const NR_SCHED_GET_PRIORITY_MAX: i64 = 146;
pub const NR_SCHED_GET_PRIORITY_MIN: i64 = 147;
pub const NR_SCHED_RR_GET_INTERVAL: i64 = 148;
pub const NR_SETPRIORITY: i64 = 141;
pub const NR_GETPRIORITY: i64 = 140;
pub const NR_GETTID: i64 = 186;
pub const NR_FUTEX: i64 = 202;
pub const NR_SCHED_SETAFFINITY: i64 = 203;
pub const NR_SCHED_GETAFFINITY: i64 = 204;
pub const NR_CLOCK_GETTIME: i64 = 228;
pub const NR_SCHED_SETATTR: i64 = 314;
pub const NR_SCHED_GETATTR: i64 = 315;
pub const NR_MYCALL: i64 = 548;

/// # Safety
///
/// The arguments must be valid for system call `nr` as the kernel defines
/// it; pointers in particular must be what the call expects (or deliberately
/// bad, for calls that validate them, such as `mycall`).
#[inline(always)]
pub unsafe fn syscall6(nr: i64, a1: i64, a2: i64, a3: i64, a4: i64, a5: i64, a6: i64) -> i64 {
    let ret: i64;
    // SAFETY: the x86_64 Linux system call ABI: number in rax, arguments in
    // rdi, rsi, rdx, r10, r8, r9; rcx and r11 are clobbered. The caller
    // vouches for the arguments.
    unsafe {
        asm!("syscall",
            inlateout("rax") nr => ret,
            in("rdi") a1, in("rsi") a2, in("rdx") a3,
            in("r10") a4, in("r8") a5, in("r9") a6,
            lateout("rcx") _, lateout("r11") _,
            options(nostack));
    }
    ret
}

fn check(ret: i64) -> SysResult {
    if (-4095..0).contains(&ret) {
        Err(Errno(-ret as i32))
    } else {
        Ok(ret)
    }
}

/// # Safety
///
/// As for [`syscall6`].
pub unsafe fn sys(nr: i64, args: &[i64]) -> SysResult {
    let mut a = [0i64; 6];
    a[..args.len()].copy_from_slice(args);
    // SAFETY: forwarded to the caller.
    check(unsafe { syscall6(nr, a[0], a[1], a[2], a[3], a[4], a[5]) })
}

/// mycall(a, b, sum) with `sum` as a raw address (so tests can pass bad ones).
pub fn mycall_raw(a: i32, b: i32, sum: usize) -> SysResult {
    // SAFETY: mycall validates `sum` itself; a bad address is -EFAULT.
    unsafe { sys(NR_MYCALL, &[a as i64, b as i64, sum as i64]) }
}

pub fn mycall(a: i32, b: i32) -> Result<i32, Errno> {
    let mut sum: i32 = 0;
    mycall_raw(a, b, &mut sum as *mut i32 as usize)?;
    Ok(sum)
}

/// A system call with no side effects on memory, by number.
pub fn nr_only(nr: i64) -> SysResult {
    // SAFETY: the calls used this way (getpid, unassigned numbers) take no
    // pointer arguments.
    unsafe { sys(nr, &[]) }
}

pub fn getpid() -> i32 {
    std::process::id() as i32
}

pub fn gettid() -> i32 {
    nr_only(NR_GETTID).unwrap_or(0) as i32
}

pub const PROT_NONE: i64 = 0;
pub const PROT_READ: i64 = 1;
pub const PROT_WRITE: i64 = 2;
const MAP_PRIVATE: i64 = 2;
const MAP_ANONYMOUS: i64 = 0x20;
pub const PAGE: usize = 4096;

/// Anonymous private mapping of `len` bytes.
pub fn mmap_anon(len: usize, prot: i64) -> Result<usize, Errno> {
    // SAFETY: a new anonymous mapping at an address the kernel chooses
    // cannot alias anything this program uses.
    unsafe { sys(NR_MMAP, &[0, len as i64, prot, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0]) }
        .map(|a| a as usize)
}

/// # Safety
///
/// Nothing may refer to memory in `[addr, addr + len)` afterwards.
pub unsafe fn munmap(addr: usize, len: usize) -> SysResult {
    // SAFETY: the caller guarantees the range is no longer used.
    unsafe { sys(NR_MUNMAP, &[addr as i64, len as i64]) }
}

/// # Safety
///
/// Nothing may write (or, for PROT_NONE, read) the range against its new
/// protection through Rust references.
pub unsafe fn mprotect(addr: usize, len: usize, prot: i64) -> SysResult {
    // SAFETY: the caller guarantees accesses respect the new protection.
    unsafe { sys(NR_MPROTECT, &[addr as i64, len as i64, prot]) }
}

/// fork(2). The child must only call async-signal-safe code (raw system
/// calls, no allocation if the parent has threads) and end with [`exit`].
pub fn fork() -> SysResult {
    // SAFETY: fork has no pointer arguments; the caller keeps to the rules
    // above in the child.
    unsafe { sys(NR_FORK, &[]) }
}

/// Terminates the calling process immediately (no destructors, no atexit).
pub fn exit(code: i32) -> ! {
    // SAFETY: exit_group never returns.
    unsafe {
        syscall6(231, code as i64, 0, 0, 0, 0, 0);
    }
    unreachable!()
}

/// wait4(pid): returns the raw wait status.
pub fn waitpid(pid: i32) -> Result<i32, Errno> {
    let mut status: i32 = 0;
    loop {
        // SAFETY: `status` is a valid, writable int.
        match unsafe { sys(NR_WAIT4, &[pid as i64, &mut status as *mut i32 as i64, 0, 0]) } {
            Err(Errno(4)) => continue, // EINTR
            Err(e) => return Err(e),
            Ok(_) => return Ok(status),
        }
    }
}

/// Exit code of a child that exited normally, or `None` (signalled).
pub fn exit_code(status: i32) -> Option<i32> {
    if status & 0x7f == 0 {
        Some((status >> 8) & 0xff)
    } else {
        None
    }
}

pub fn kill(pid: i32, sig: i32) -> SysResult {
    // SAFETY: no pointer arguments.
    unsafe { sys(NR_KILL, &[pid as i64, sig as i64]) }
}

/// Drops to `uid`/`gid` (real, effective and saved).
pub fn drop_privileges(uid: u32, gid: u32) -> SysResult {
    // SAFETY: no pointer arguments.
    unsafe {
        sys(NR_SETRESGID, &[gid as i64, gid as i64, gid as i64])?;
        sys(NR_SETRESUID, &[uid as i64, uid as i64, uid as i64])
    }
}

/// Monotonic clock in nanoseconds.
pub fn now_ns() -> u64 {
    let mut ts = [0i64; 2];
    // SAFETY: `ts` is a valid struct timespec (two longs). CLOCK_MONOTONIC=1.
    let _ = unsafe { sys(NR_CLOCK_GETTIME, &[1, ts.as_mut_ptr() as i64]) };
    ts[0] as u64 * 1_000_000_000 + ts[1] as u64
}

/// Pins thread `tid` (0: the caller) to the CPUs in `mask` (bit n = CPU n).
pub fn set_affinity(tid: i32, mask: u64) -> SysResult {
    // SAFETY: `mask` is a valid 8-byte cpumask for the kernel to read.
    unsafe { sys(NR_SCHED_SETAFFINITY, &[tid as i64, 8, &mask as *const u64 as i64]) }
}

pub fn get_affinity(tid: i32) -> Result<u64, Errno> {
    let mut mask: u64 = 0;
    // SAFETY: `mask` is a valid 8-byte buffer for the kernel to write.
    unsafe { sys(NR_SCHED_GETAFFINITY, &[tid as i64, 8, &mut mask as *mut u64 as i64]) }?;
    Ok(mask)
}

pub fn sched_yield() {
    let _ = nr_only(NR_SCHED_YIELD);
}

/// Number of online CPUs, from sysfs ("0-3").
pub fn online_cpus() -> Vec<usize> {
    let s = std::fs::read_to_string("/sys/devices/system/cpu/online").unwrap_or_default();
    parse_cpulist(s.trim())
}

pub fn parse_cpulist(s: &str) -> Vec<usize> {
    let mut v = Vec::new();
    for part in s.split(',').filter(|p| !p.is_empty()) {
        let mut it = part.splitn(2, '-');
        let a: usize = it.next().and_then(|x| x.parse().ok()).unwrap_or(0);
        let b: usize = it.next().and_then(|x| x.parse().ok()).unwrap_or(a);
        v.extend(a..=b);
    }
    v
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn cpulist() {
        assert_eq!(parse_cpulist("0-3"), vec![0, 1, 2, 3]);
        assert_eq!(parse_cpulist("0,2-3"), vec![0, 2, 3]);
        assert_eq!(parse_cpulist(""), Vec::<usize>::new());
    }

    #[test]
    fn errno_check() {
        assert_eq!(check(-22), Err(EINVAL));
        assert_eq!(check(5), Ok(5));
    }
}
