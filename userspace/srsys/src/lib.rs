// SPDX-License-Identifier: GPL-2.0
//! Raw x86_64 Linux system calls for the sched-random programs (std only: no libc
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
pub const NR_POLL: i64 = 7;
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
pub const NR_CLOCK_NANOSLEEP: i64 = 230;
pub const NR_SCHED_SETATTR: i64 = 314;
pub const NR_SCHED_GETATTR: i64 = 315;
pub const NR_MYCALL: i64 = 548;
pub const NR_RT_SIGACTION: i64 = 13;
pub const NR_PRLIMIT64: i64 = 302;

/// RLIMIT_RTTIME: microseconds of CPU a real-time (or SCHED_RANDOM) task
/// may use without blocking.
pub const RLIMIT_RTTIME: u32 = 15;

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
    unsafe { sys(NR_MMAP, &[0, len as i64, prot, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0]) }.map(|a| a as usize)
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

/// Sleeps until CLOCK_MONOTONIC reads `deadline_ns` (clock_nanosleep with
/// TIMER_ABSTIME): threads that sleep until the same deadline are woken by
/// the same timer interrupt.
pub fn sleep_until_ns(deadline_ns: u64) -> SysResult {
    let ts = [(deadline_ns / 1_000_000_000) as i64, (deadline_ns % 1_000_000_000) as i64];
    // SAFETY: `ts` is a valid struct timespec (two longs) for the kernel to
    // read; the remaining time (4th argument) is not asked for with
    // TIMER_ABSTIME. CLOCK_MONOTONIC = 1, TIMER_ABSTIME = 1.
    unsafe { sys(NR_CLOCK_NANOSLEEP, &[1, 1, ts.as_ptr() as i64, 0]) }
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

/// Affinity mask of the online CPUs (bit n = CPU n), from sysfs.
pub fn online_mask() -> u64 {
    online_cpus().iter().filter(|&&c| c < 64).fold(0, |m, &c| m | 1 << c)
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

// ---- scheduling policies ---------------------------------------------------

pub const SCHED_OTHER: u32 = 0;
pub const SCHED_FIFO: u32 = 1;
pub const SCHED_RR: u32 = 2;
pub const SCHED_BATCH: u32 = 3;
pub const SCHED_IDLE: u32 = 5;
pub const SCHED_DEADLINE: u32 = 6;
pub const SCHED_EXT: u32 = 7;
/// The policy added by this project's kernel series.
pub const SCHED_RANDOM: u32 = 8;
pub const SCHED_RESET_ON_FORK: u32 = 0x4000_0000;
pub const SCHED_FLAG_RESET_ON_FORK: u64 = 1;
pub const SCHED_FLAG_KEEP_POLICY: u64 = 0x08;
pub const SCHED_FLAG_KEEP_PARAMS: u64 = 0x10;
/// SCHED_RANDOM's chaos mode: random slice lengths between
/// `sched_period` (0: 10 us, also the lowest) and the slice, and wakeups as decision points.
pub const SCHED_FLAG_RANDOM_CHAOS: u64 = 0x80;
/// Writing it seeds every CPU's SCHED_RANDOM decision stream (0: the CRNG).
pub const SEED_SYSCTL: &str = "/proc/sys/kernel/sched_random_seed";

pub fn policy_name(p: u32) -> &'static str {
    match p & !SCHED_RESET_ON_FORK {
        SCHED_OTHER => "SCHED_OTHER",
        SCHED_FIFO => "SCHED_FIFO",
        SCHED_RR => "SCHED_RR",
        SCHED_BATCH => "SCHED_BATCH",
        SCHED_IDLE => "SCHED_IDLE",
        SCHED_DEADLINE => "SCHED_DEADLINE",
        SCHED_EXT => "SCHED_EXT",
        SCHED_RANDOM => "SCHED_RANDOM",
        _ => "unknown",
    }
}

/// sched_setscheduler(tid, policy, {sched_priority = prio}); tid 0 = caller.
pub fn sched_setscheduler(tid: i32, policy: u32, prio: i32) -> SysResult {
    let param = prio;
    // SAFETY: `param` is a valid struct sched_param (one int).
    unsafe { sys(NR_SCHED_SETSCHEDULER, &[tid as i64, policy as i64, &param as *const i32 as i64]) }
}

pub fn sched_getscheduler(tid: i32) -> Result<u32, Errno> {
    // SAFETY: no pointer arguments.
    unsafe { sys(NR_SCHED_GETSCHEDULER, &[tid as i64]) }.map(|p| p as u32)
}

/// struct sched_attr (SCHED_ATTR_SIZE_VER1, 56 bytes).
#[repr(C)]
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct SchedAttr {
    pub size: u32,
    pub sched_policy: u32,
    pub sched_flags: u64,
    pub sched_nice: i32,
    pub sched_priority: u32,
    pub sched_runtime: u64,
    pub sched_deadline: u64,
    pub sched_period: u64,
    pub sched_util_min: u32,
    pub sched_util_max: u32,
}

impl SchedAttr {
    pub fn new(policy: u32, priority: u32) -> Self {
        SchedAttr {
            size: std::mem::size_of::<SchedAttr>() as u32,
            sched_policy: policy,
            sched_priority: priority,
            ..Default::default()
        }
    }
}

pub fn sched_setattr(tid: i32, attr: &SchedAttr) -> SysResult {
    // SAFETY: `attr` is a valid struct sched_attr of `attr.size` bytes.
    unsafe { sys(NR_SCHED_SETATTR, &[tid as i64, attr as *const SchedAttr as i64, 0]) }
}

pub fn sched_getattr(tid: i32) -> Result<SchedAttr, Errno> {
    let mut attr = SchedAttr::default();
    let size = std::mem::size_of::<SchedAttr>() as i64;
    // SAFETY: `attr` is writable for `size` bytes.
    unsafe { sys(NR_SCHED_GETATTR, &[tid as i64, &mut attr as *mut SchedAttr as i64, size, 0]) }?;
    Ok(attr)
}

pub fn sched_get_priority_min(policy: u32) -> SysResult {
    // SAFETY: no pointer arguments.
    unsafe { sys(NR_SCHED_GET_PRIORITY_MIN, &[policy as i64]) }
}

pub fn sched_get_priority_max(policy: u32) -> SysResult {
    // SAFETY: no pointer arguments.
    unsafe { sys(NR_SCHED_GET_PRIORITY_MAX, &[policy as i64]) }
}

/// sched_rr_get_interval(tid) in nanoseconds.
pub fn sched_rr_get_interval(tid: i32) -> Result<u64, Errno> {
    let mut ts = [0i64; 2];
    // SAFETY: `ts` is a valid, writable struct timespec.
    unsafe { sys(NR_SCHED_RR_GET_INTERVAL, &[tid as i64, ts.as_mut_ptr() as i64]) }?;
    Ok(ts[0] as u64 * 1_000_000_000 + ts[1] as u64)
}

/// The nice value of thread `tid` (0: caller).
pub fn get_nice(tid: i32) -> Result<i32, Errno> {
    // SAFETY: no pointer arguments. PRIO_PROCESS = 0; the raw call
    // returns 20 - nice.
    unsafe { sys(NR_GETPRIORITY, &[0, tid as i64]) }.map(|v| 20 - v as i32)
}

pub fn set_nice(tid: i32, nice: i32) -> SysResult {
    // SAFETY: no pointer arguments.
    unsafe { sys(NR_SETPRIORITY, &[0, tid as i64, nice as i64]) }
}

// ---- futexes -----------------------------------------------------------------

pub const FUTEX_WAIT: i64 = 0;
pub const FUTEX_WAKE: i64 = 1;
pub const FUTEX_LOCK_PI: i64 = 6;
pub const FUTEX_UNLOCK_PI: i64 = 7;

/// futex(uaddr, op, val, timeout = NULL).
pub fn futex(word: &std::sync::atomic::AtomicU32, op: i64, val: u32) -> SysResult {
    // SAFETY: `word` is a valid, aligned u32 that outlives the call; the
    // kernel only accesses it atomically.
    unsafe { sys(NR_FUTEX, &[word.as_ptr() as i64, op, val as i64, 0, 0, 0]) }
}

// ---- per-thread statistics -----------------------------------------------------

/// CPU time in ns of thread `tid` of the calling process, from its CPU
/// clock (`MAKE_THREAD_CPUCLOCK(tid, CPUCLOCK_SCHED)`). Reading it brings
/// a running thread's runtime up to date (`task_sched_runtime()`), unlike
/// [`schedstat`], which shows it as of the last update: on a tickless CPU
/// a lone running thread gets one a second.
pub fn thread_cputime_ns(tid: i32) -> Result<u64, Errno> {
    // ~tid << 3, then CPUCLOCK_PERTHREAD_MASK (4) | CPUCLOCK_SCHED (2).
    let clock = (!i64::from(tid)) << 3 | 6;
    let mut ts = [0i64; 2];
    // SAFETY: `ts` is a valid, writable struct timespec (two longs).
    unsafe { sys(NR_CLOCK_GETTIME, &[clock, ts.as_mut_ptr() as i64]) }?;
    Ok(ts[0] as u64 * 1_000_000_000 + ts[1] as u64)
}

/// /proc/<pid>/task/<tid>/schedstat: (runtime ns, wait ns, timeslices).
pub fn schedstat(pid: i32, tid: i32) -> Option<(u64, u64, u64)> {
    let s = std::fs::read_to_string(format!("/proc/{pid}/task/{tid}/schedstat")).ok()?;
    let v: Vec<u64> = s.split_whitespace().filter_map(|x| x.parse().ok()).collect();
    (v.len() == 3).then(|| (v[0], v[1], v[2]))
}

/// Field `n` (1-based, as in proc(5)) of /proc/<pid>/task/<tid>/stat.
pub fn stat_field(pid: i32, tid: i32, n: usize) -> Option<i64> {
    let s = std::fs::read_to_string(format!("/proc/{pid}/task/{tid}/stat")).ok()?;
    // Fields after the command name, which is in parentheses.
    let rest = &s[s.rfind(')')? + 2..];
    rest.split_whitespace().nth(n.checked_sub(3)?)?.parse().ok()
}

/// getrusage(RUSAGE_THREAD): user + system time in nanoseconds.
pub fn thread_cpu_ns() -> u64 {
    let mut ru = [0i64; 18];
    // SAFETY: `ru` is large enough for struct rusage (144 bytes).
    // RUSAGE_THREAD = 1.
    if unsafe { sys(NR_GETRUSAGE, &[1, ru.as_mut_ptr() as i64]) }.is_err() {
        return 0;
    }
    (ru[0] as u64 * 1_000_000_000 + ru[1] as u64 * 1000) + (ru[2] as u64 * 1_000_000_000 + ru[3] as u64 * 1000)
}

/// getrusage(RUSAGE_THREAD): the caller's (voluntary, involuntary) context
/// switches.
pub fn thread_switches() -> (u64, u64) {
    let mut ru = [0i64; 18];
    // SAFETY: `ru` is large enough for struct rusage (144 bytes).
    if unsafe { sys(NR_GETRUSAGE, &[1, ru.as_mut_ptr() as i64]) }.is_err() {
        return (0, 0);
    }
    (ru[16] as u64, ru[17] as u64)
}

/// A pipe: (read end, write end).
pub fn pipe() -> Result<(std::fs::File, std::fs::File), Errno> {
    use std::os::unix::io::FromRawFd;
    let mut fds = [0i32; 2];
    // SAFETY: `fds` is a valid int[2]; O_CLOEXEC = 0o2000000. NR_PIPE2 = 293.
    unsafe { sys(293, &[fds.as_mut_ptr() as i64, 0o2000000]) }?;
    // SAFETY: the kernel just gave us these two descriptors; each File
    // owns one.
    Ok(unsafe { (std::fs::File::from_raw_fd(fds[0]), std::fs::File::from_raw_fd(fds[1])) })
}

/// Waits until `fd` is readable (poll(2) for POLLIN), at most `timeout_ms`
/// milliseconds (-1: no limit), and says whether it is. A poll() waiter is
/// not exclusive: one write wakes every task polling the file, all under
/// the wait queue's lock.
pub fn poll_in(fd: &impl std::os::unix::io::AsRawFd, timeout_ms: i32) -> Result<bool, Errno> {
    // struct pollfd; POLLIN = 1.
    #[repr(C)]
    struct PollFd {
        fd: i32,
        events: i16,
        revents: i16,
    }
    let mut p = PollFd { fd: fd.as_raw_fd(), events: 1, revents: 0 };
    // SAFETY: `p` is one valid, writable struct pollfd, and nfds is 1.
    let n = unsafe { sys(NR_POLL, &[&mut p as *mut PollFd as i64, 1, i64::from(timeout_ms)]) }?;
    Ok(n > 0 && p.revents & 1 != 0)
}

/// Signal number that killed a child, from its wait status.
pub fn term_signal(status: i32) -> Option<i32> {
    let sig = status & 0x7f;
    (sig != 0 && sig != 0x7f).then_some(sig)
}

/// Sets this process's `resource` limit to `soft`/`hard` (prlimit64).
pub fn set_rlimit(resource: u32, soft: u64, hard: u64) -> SysResult {
    let new = [soft, hard];
    // SAFETY: `new` is a valid struct rlimit64 for the call's duration; no
    // old limit is asked for (NULL).
    unsafe { sys(NR_PRLIMIT64, &[0, resource as i64, new.as_ptr() as i64, 0]) }
}

/// Ignores signal `sig` in this process (SIG_IGN).
pub fn ignore_signal(sig: i32) -> SysResult {
    // struct kernel_sigaction: handler, flags, restorer, mask.
    let act: [u64; 4] = [1, 0, 0, 0];
    // SAFETY: `act` is a valid kernel_sigaction for the call; no old
    // action is asked for (NULL); the mask is 8 bytes.
    unsafe { sys(NR_RT_SIGACTION, &[sig as i64, act.as_ptr() as i64, 0, 8]) }
}

/// Reads `r` (a child's pipe, say) to its end on a thread of its own, so
/// that a child that fills one pipe cannot block on it while the caller
/// waits on the other; the thread returns what it read.
pub fn drain<R: std::io::Read + Send + 'static>(r: Option<R>) -> std::thread::JoinHandle<Vec<u8>> {
    std::thread::spawn(move || {
        let mut buf = Vec::new();
        if let Some(mut r) = r {
            let _ = r.read_to_end(&mut buf);
        }
        buf
    })
}
