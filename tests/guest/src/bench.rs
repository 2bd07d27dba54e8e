// SPDX-License-Identifier: GPL-2.0
//! `srtest bench [--smoke]`: what SCHED_RANDOM and mycall cost, each figure
//! next to a baseline measured in the same boot seconds apart. Prints one
//! `BENCH|metric|variant|param|median|min|max|unit|reps` line per figure
//! (scripts/bench turns them into a table, a CSV and a plot).

use crate::experiment;
use crate::workers::{self, Crew, WorkerSpec};
use srsys::{self as sys, SCHED_FIFO, SCHED_OTHER, SCHED_RANDOM};
use std::io::{Read, Write};
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::Arc;
use std::time::{Duration, Instant};

/// Sizes of one run: the real benchmark or a smoke test of the code paths.
pub struct Sizes {
    pub reps: usize,
    pub syscalls: u32,
    pub round_trips: u32,
    pub pick_ns_window: Duration,
    pub queue_lengths: &'static [usize],
    pub messages: usize,
    pub hackbench_reps: usize,
    pub wakeups: usize,
    pub fairness_secs: f64,
    pub fairness_n: &'static [usize],
}

pub const FULL: Sizes = Sizes {
    reps: 5,
    syscalls: 1_000_000,
    round_trips: 20_000,
    pick_ns_window: Duration::from_secs(1),
    queue_lengths: &[2, 8, 64, 512, 2048],
    messages: 500,
    hackbench_reps: 9,
    wakeups: 1000,
    fairness_secs: 3.0,
    fairness_n: &[2, 4, 8, 16],
};

pub const SMOKE: Sizes = Sizes {
    reps: 2,
    syscalls: 2000,
    round_trips: 200,
    pick_ns_window: Duration::from_millis(100),
    queue_lengths: &[2, 8],
    messages: 10,
    hackbench_reps: 2,
    wakeups: 20,
    fairness_secs: 0.3,
    fairness_n: &[2],
};

/// One reported figure.
pub struct Figure {
    pub metric: &'static str,
    pub variant: String,
    pub param: String,
    pub samples: Vec<f64>,
    pub unit: &'static str,
}

impl Figure {
    pub fn median(&self) -> f64 {
        let mut v = self.samples.clone();
        v.sort_by(|a, b| a.total_cmp(b));
        if v.is_empty() {
            return f64::NAN;
        }
        let m = v.len() / 2;
        if v.len() % 2 == 1 {
            v[m]
        } else {
            (v[m - 1] + v[m]) / 2.0
        }
    }

    pub fn line(&self) -> String {
        let min = self.samples.iter().cloned().fold(f64::INFINITY, f64::min);
        let max = self.samples.iter().cloned().fold(f64::NEG_INFINITY, f64::max);
        format!(
            "BENCH|{}|{}|{}|{:.3}|{:.3}|{:.3}|{}|{}",
            self.metric,
            self.variant,
            self.param,
            self.median(),
            min,
            max,
            self.unit,
            self.samples.len()
        )
    }
}

fn fig(metric: &'static str, variant: &str, param: &str, samples: Vec<f64>, unit: &'static str) -> Figure {
    Figure { metric, variant: variant.into(), param: param.into(), samples, unit }
}

/// ns per call of `f`, `n` calls.
fn per_call(n: u32, mut f: impl FnMut()) -> f64 {
    let t = Instant::now();
    for _ in 0..n {
        f();
    }
    t.elapsed().as_nanos() as f64 / n as f64
}

/// Fails if a timed mycall() did not succeed: a figure of failed calls
/// would time the error path.
fn syscalls(s: &Sizes, out: &mut Vec<Figure>) -> Result<(), String> {
    let (mut getpid, mut mycall, mut enosys) = (Vec::new(), Vec::new(), Vec::new());
    let mut sum = 0i32;
    let p = &mut sum as *mut i32 as usize;
    let mut failed = None;
    for _ in 0..s.reps {
        getpid.push(per_call(s.syscalls, || {
            let _ = sys::nr_only(sys::NR_GETPID);
        }));
        mycall.push(per_call(s.syscalls, || {
            if let Err(e) = sys::mycall_raw(1, 2, p) {
                failed.get_or_insert(e);
            }
        }));
        enosys.push(per_call(s.syscalls, || {
            let _ = sys::nr_only(549);
        }));
    }
    let n = s.syscalls.to_string();
    out.push(fig("syscall", "getpid", &n, getpid, "ns/call"));
    out.push(fig("syscall", "mycall", &n, mycall, "ns/call"));
    out.push(fig("syscall", "enosys(549)", &n, enosys, "ns/call"));
    if let Some(e) = failed {
        return Err(format!("the timed mycall(1, 2, &sum) failed: {e}"));
    }
    if sum != 3 {
        return Err(format!("the timed mycall(1, 2, &sum) left sum = {sum}, want 3"));
    }
    Ok(())
}

/// Pipe ping-pong between two threads on one CPU: us per round trip.
fn pingpong(policy: u32, cpu: usize, rounds: u32) -> Result<f64, String> {
    let (mut a_r, mut a_w) = sys::pipe().map_err(|e| e.to_string())?;
    let (mut b_r, mut b_w) = sys::pipe().map_err(|e| e.to_string())?;
    let prio = if policy == SCHED_FIFO { 10 } else { 0 };
    let setup = move || -> Result<(), String> {
        sys::set_affinity(0, 1 << cpu).map_err(|e| format!("affinity: {e}"))?;
        sys::sched_setscheduler(0, policy, prio).map_err(|e| format!("policy {policy}: {e}"))?;
        Ok(())
    };
    let echo = std::thread::spawn(move || -> Result<(), String> {
        setup()?;
        let mut buf = [0u8; 1];
        for _ in 0..rounds {
            a_r.read_exact(&mut buf).map_err(|e| e.to_string())?;
            b_w.write_all(&buf).map_err(|e| e.to_string())?;
        }
        Ok(())
    });
    let r = (|| -> Result<f64, String> {
        setup()?;
        let mut buf = [7u8; 1];
        let t = Instant::now();
        for _ in 0..rounds {
            a_w.write_all(&buf).map_err(|e| e.to_string())?;
            b_r.read_exact(&mut buf).map_err(|e| e.to_string())?;
        }
        Ok(t.elapsed().as_nanos() as f64 / 1000.0 / rounds as f64)
    })();
    let _ = sys::sched_setscheduler(0, SCHED_OTHER, 0);
    let _ = sys::set_affinity(0, sys::online_mask());
    echo.join().map_err(|_| "echo thread panicked".to_string())??;
    r
}

pub fn context_switch(s: &Sizes, out: &mut Vec<Figure>) -> Result<(), String> {
    let cpu = 1.min(workers::last_cpu());
    for (name, policy) in [("SCHED_OTHER", SCHED_OTHER), ("SCHED_RANDOM", SCHED_RANDOM), ("SCHED_FIFO", SCHED_FIFO)] {
        let mut v = Vec::new();
        for _ in 0..s.reps {
            v.push(pingpong(policy, cpu, s.round_trips)?);
        }
        out.push(fig("pipe_roundtrip", name, &s.round_trips.to_string(), v, "us/roundtrip"));
    }
    Ok(())
}

/// (pick_ns, nr_picks) of CPU `cpu`'s random_rq, from debugfs.
fn pick_counters(cpu: usize) -> Result<(u64, u64), String> {
    let d = std::fs::read_to_string("/sys/kernel/debug/sched/debug").map_err(|e| format!("sched/debug: {e}"))?;
    let sec = d.split(&format!("random_rq[{cpu}]:")).nth(1).ok_or("no random_rq section")?;
    let get = |k: &str| -> Option<u64> {
        sec.lines().find(|l| l.trim_start().starts_with(&format!(".{k} ")))?.split(':').nth(1)?.trim().parse().ok()
    };
    Ok((get("pick_ns").ok_or("no pick_ns")?, get("nr_picks").ok_or("no nr_picks")?))
}

/// The kernel's own time per pick with N CPU-bound SCHED_RANDOM tasks on
/// one CPU (1 ms slices), from random_rq::pick_ns / nr_picks (schedstats).
fn pick_cost(s: &Sizes, out: &mut Vec<Figure>) -> Result<(), String> {
    const SLICE: &str = "/proc/sys/kernel/sched_random_timeslice_ms";
    const SCHEDSTATS: &str = "/proc/sys/kernel/sched_schedstats";
    let cpu = workers::last_cpu();
    // Restored afterwards; the test suite boots with schedstats=enable, so
    // that nothing toggles the static key (which patches text) under load.
    let schedstats = std::fs::read_to_string(SCHEDSTATS).map_err(|e| format!("{SCHEDSTATS}: {e}"))?;
    std::fs::write(SLICE, "1\n").map_err(|e| format!("{SLICE}: {e}"))?;
    std::fs::write(SCHEDSTATS, "1\n").map_err(|e| format!("{SCHEDSTATS}: {e}"))?;
    let r = (|| -> Result<(), String> {
        for &n in s.queue_lengths {
            let specs = workers::random_on(n, cpu);
            let crew = Crew::start(&specs)?;
            let samples = workers::as_controller(1, || -> Result<Vec<f64>, String> {
                crew.go();
                std::thread::sleep(s.pick_ns_window / 2);
                let mut v = Vec::new();
                for _ in 0..s.reps {
                    let (ns0, n0) = pick_counters(cpu)?;
                    std::thread::sleep(s.pick_ns_window);
                    let (ns1, n1) = pick_counters(cpu)?;
                    if n1 > n0 {
                        v.push((ns1 - ns0) as f64 / (n1 - n0) as f64);
                    }
                }
                Ok(v)
            })?;
            crew.finish();
            out.push(fig("pick_cost", "SCHED_RANDOM", &n.to_string(), samples?, "ns/pick"));
        }
        Ok(())
    })();
    let _ = std::fs::write(SLICE, "4\n");
    if schedstats.trim() != "1" {
        let _ = std::fs::write(SCHEDSTATS, "0\n");
    }
    r
}

/// How hackbench's senders and receivers are made.
#[derive(Clone, Copy)]
enum Tasks {
    Threads,
    Processes,
}

/// Sends `msgs` 100-byte messages; returns how many went out.
fn send(mut tx: &std::os::unix::net::UnixStream, msgs: usize) -> usize {
    let msg = [1u8; 100];
    (0..msgs).filter(|_| tx.write_all(&msg).is_ok()).count()
}

/// Receives `msgs` 100-byte messages; returns how many arrived.
fn receive(mut rx: &std::os::unix::net::UnixStream, msgs: usize) -> usize {
    let mut buf = [0u8; 100];
    (0..msgs).filter(|_| rx.read_exact(&mut buf).is_ok()).count()
}

/// Machine-wide counters, read around a hackbench run to show where its
/// time went: context switches (/proc/stat), busy and total CPU time
/// ([`workers::cpu_jiffies`]), the time tasks spent waiting on a run queue
/// (run_delay, the eighth field of each cpu line of /proc/schedstat), and
/// TLB shootdown IPIs received (the "TLB:" line of /proc/interrupts on
/// x86; 0 elsewhere).
#[derive(Clone, Copy, Default)]
struct Counters {
    ctxt: u64,
    busy_jiffies: u64,
    all_jiffies: u64,
    run_delay_ns: u64,
    tlb_ipis: u64,
}

impl Counters {
    fn read() -> Result<Self, String> {
        let stat = std::fs::read_to_string("/proc/stat").map_err(|e| format!("/proc/stat: {e}"))?;
        let ctxt = stat
            .lines()
            .find_map(|l| l.strip_prefix("ctxt ")?.trim().parse().ok())
            .ok_or("no ctxt line in /proc/stat")?;
        let (busy_jiffies, all_jiffies) = workers::cpu_jiffies();
        let ss = std::fs::read_to_string("/proc/schedstat").map_err(|e| format!("/proc/schedstat: {e}"))?;
        let mut run_delay_ns = 0;
        for l in ss.lines().filter(|l| l.starts_with("cpu")) {
            run_delay_ns +=
                l.split_whitespace().nth(8).and_then(|v| v.parse::<u64>().ok()).ok_or("bad schedstat line")?;
        }
        let irq = std::fs::read_to_string("/proc/interrupts").map_err(|e| format!("/proc/interrupts: {e}"))?;
        let tlb_ipis = irq
            .lines()
            .find(|l| l.trim_start().starts_with("TLB:"))
            .map_or(0, |l| l.split_whitespace().skip(1).map_while(|v| v.parse::<u64>().ok()).sum());
        Ok(Counters { ctxt, busy_jiffies, all_jiffies, run_delay_ns, tlb_ipis })
    }

    /// The growth from `earlier` to `self`.
    fn since(&self, earlier: &Self) -> Self {
        Counters {
            ctxt: self.ctxt.saturating_sub(earlier.ctxt),
            busy_jiffies: self.busy_jiffies.saturating_sub(earlier.busy_jiffies),
            all_jiffies: self.all_jiffies.saturating_sub(earlier.all_jiffies),
            run_delay_ns: self.run_delay_ns.saturating_sub(earlier.run_delay_ns),
            tlb_ipis: self.tlb_ipis.saturating_sub(earlier.tlb_ipis),
        }
    }
}

/// One hackbench run: wall time, and the counters' growth during it.
struct HackbenchRun {
    ms: f64,
    delta: Counters,
}

/// hackbench-style messaging, one group: 20 sender/receiver pairs over
/// unix socket pairs, `msgs` messages per pair, every task of `policy`
/// (inherited from the caller), made as threads or as forked processes:
/// the wall time until the last message arrived, and the counters' growth
/// in the meantime (read outside the timed section).
fn hackbench_run(policy: u32, tasks: Tasks, msgs: usize) -> Result<HackbenchRun, String> {
    sys::sched_setscheduler(0, policy, 0).map_err(|e| e.to_string())?;
    let c0 = Counters::read();
    let t = Instant::now();
    let total = match tasks {
        Tasks::Threads => hackbench_threads(msgs),
        Tasks::Processes => hackbench_processes(msgs),
    };
    let ms = t.elapsed().as_secs_f64() * 1000.0;
    let c1 = Counters::read();
    let _ = sys::sched_setscheduler(0, SCHED_OTHER, 0);
    let total = total?;
    if total != 40 * msgs {
        return Err(format!("{total} of {} messages", 40 * msgs));
    }
    Ok(HackbenchRun { ms, delta: c1?.since(&c0?) })
}

fn hackbench_threads(msgs: usize) -> Result<usize, String> {
    use std::os::unix::net::UnixStream;
    let mut handles = Vec::new();
    for _ in 0..20 {
        let (tx, rx) = UnixStream::pair().map_err(|e| e.to_string())?;
        handles.push(std::thread::spawn(move || send(&tx, msgs)));
        handles.push(std::thread::spawn(move || receive(&rx, msgs)));
    }
    Ok(handles.into_iter().map(|h| h.join().unwrap_or(0)).sum())
}

/// As [`hackbench_threads`], with a process per task: each child only does
/// raw I/O on its inherited socket and leaves through `exit` (no
/// allocation, no destructors after fork).
fn hackbench_processes(msgs: usize) -> Result<usize, String> {
    use std::os::unix::net::UnixStream;
    let mut pids = Vec::with_capacity(40);
    let mut err = None;
    'pairs: for _ in 0..20 {
        let (tx, rx) = match UnixStream::pair() {
            Ok(p) => p,
            Err(e) => {
                err = Some(e.to_string());
                break;
            }
        };
        for sender in [true, false] {
            match sys::fork() {
                Ok(0) => {
                    // The other end closed first (close(2), no allocation),
                    // so that a peer that dies ends this child's I/O too.
                    let done = if sender {
                        drop(rx);
                        send(&tx, msgs)
                    } else {
                        drop(tx);
                        receive(&rx, msgs)
                    };
                    sys::exit(if done == msgs { 0 } else { 1 });
                }
                Ok(pid) => pids.push(pid as i32),
                Err(e) => {
                    err = Some(format!("fork: {e}"));
                    break 'pairs;
                }
            }
        }
    }
    // Every child is reaped, even after an error: a sender whose receiver
    // was never made fails on the closed socket (EPIPE: SIGPIPE is ignored)
    // and exits, and so does a receiver at EOF.
    let done = pids.into_iter().filter(|&pid| sys::waitpid(pid).ok().and_then(sys::exit_code) == Some(0)).count();
    match err {
        Some(e) => Err(e),
        None => Ok(done * msgs),
    }
}

/// hackbench throughput (messages per ms) under SCHED_OTHER and
/// SCHED_RANDOM, threads and processes, and what explains it: context
/// switches per message, the share of CPU time left idle, the time tasks
/// waited on a run queue per message, and TLB shootdowns. The two
/// policies alternate, one repetition each, so a slow spell of the host
/// falls on both.
fn hackbench(s: &Sizes, cpus: &str, out: &mut Vec<Figure>) -> Result<(), String> {
    let names = [
        (
            Tasks::Threads,
            [
                "hackbench_threads",
                "hackbench_threads_ctxt",
                "hackbench_threads_idle",
                "hackbench_threads_wait",
                "hackbench_threads_tlb",
            ],
        ),
        (
            Tasks::Processes,
            [
                "hackbench_processes",
                "hackbench_processes_ctxt",
                "hackbench_processes_idle",
                "hackbench_processes_wait",
                "hackbench_processes_tlb",
            ],
        ),
    ];
    for (tasks, [metric, ctxt, idle, wait, tlb]) in names {
        let mut runs: [Vec<HackbenchRun>; 2] = [Vec::new(), Vec::new()];
        for _ in 0..s.hackbench_reps {
            runs[0].push(hackbench_run(SCHED_OTHER, tasks, s.messages)?);
            runs[1].push(hackbench_run(SCHED_RANDOM, tasks, s.messages)?);
        }
        // Messages sent in a run: 20 pairs, s.messages each.
        let msgs = 20.0 * s.messages as f64;
        for (name, r) in ["SCHED_OTHER", "SCHED_RANDOM"].into_iter().zip(runs) {
            let per = |f: &dyn Fn(&HackbenchRun) -> f64| r.iter().map(f).collect::<Vec<f64>>();
            out.push(fig(metric, name, cpus, per(&|h| msgs / h.ms), "msgs/ms"));
            out.push(fig(ctxt, name, cpus, per(&|h| h.delta.ctxt as f64 / msgs), "switches/msg"));
            out.push(fig(
                idle,
                name,
                cpus,
                per(&|h| {
                    let d = &h.delta;
                    100.0 * d.all_jiffies.saturating_sub(d.busy_jiffies) as f64 / d.all_jiffies.max(1) as f64
                }),
                "% idle",
            ));
            out.push(fig(wait, name, cpus, per(&|h| h.delta.run_delay_ns as f64 / 1000.0 / msgs), "us waited/msg"));
            out.push(fig(tlb, name, cpus, per(&|h| 1000.0 * h.delta.tlb_ipis as f64 / msgs), "TLB IPIs/1000 msgs"));
        }
    }
    Ok(())
}

/// Timer wakeup latency (1 ms sleeps) of a task of `policy` sharing a CPU
/// with two CPU-bound SCHED_RANDOM tasks: lateness in us per wakeup.
fn wakeup_latency(policy: u32, wakeups: usize) -> Result<Vec<f64>, String> {
    let cpu = workers::last_cpu();
    let crew = Crew::start(&[
        WorkerSpec { policy: SCHED_RANDOM, prio: 0, mask: 1 << cpu, record: false },
        WorkerSpec { policy: SCHED_RANDOM, prio: 0, mask: 1 << cpu, record: false },
    ])?;
    crew.go();
    let prio = if policy == SCHED_FIFO { 10 } else { 0 };
    let r = std::thread::spawn(move || -> Result<Vec<f64>, String> {
        sys::set_affinity(0, 1 << cpu).map_err(|e| e.to_string())?;
        sys::sched_setscheduler(0, policy, prio).map_err(|e| e.to_string())?;
        let mut lat = Vec::with_capacity(wakeups);
        for _ in 0..wakeups {
            let t = Instant::now();
            std::thread::sleep(Duration::from_millis(1));
            lat.push((t.elapsed().as_nanos() as f64 - 1e6).max(0.0) / 1000.0);
        }
        Ok(lat)
    })
    .join()
    .map_err(|_| "thread panicked".to_string());
    crew.finish();
    r?
}

fn percentile(v: &mut [f64], p: f64) -> f64 {
    v.sort_by(|a, b| a.total_cmp(b));
    if v.is_empty() {
        return f64::NAN;
    }
    v[((v.len() - 1) as f64 * p).round() as usize]
}

fn latency(s: &Sizes, out: &mut Vec<Figure>) -> Result<(), String> {
    for (name, policy) in [("SCHED_OTHER", SCHED_OTHER), ("SCHED_RANDOM", SCHED_RANDOM), ("SCHED_FIFO", SCHED_FIFO)] {
        let (mut med, mut p99, mut max) = (Vec::new(), Vec::new(), Vec::new());
        for _ in 0..s.reps {
            let mut v = wakeup_latency(policy, s.wakeups)?;
            med.push(percentile(&mut v, 0.5));
            p99.push(percentile(&mut v, 0.99));
            max.push(percentile(&mut v, 1.0));
        }
        let n = s.wakeups.to_string();
        out.push(fig("wakeup_latency_median", name, &n, med, "us"));
        out.push(fig("wakeup_latency_p99", name, &n, p99, "us"));
        out.push(fig("wakeup_latency_max", name, &n, max, "us"));
    }
    Ok(())
}

/// The calling thread's migrations so far (se.nr_migrations, SCHED_DEBUG).
fn own_migrations() -> Result<u64, String> {
    let s = std::fs::read_to_string("/proc/thread-self/sched").map_err(|e| format!("/proc/thread-self/sched: {e}"))?;
    s.lines()
        .find_map(|l| l.strip_prefix("se.nr_migrations")?.trim().strip_prefix(':')?.trim().parse().ok())
        .ok_or_else(|| "no se.nr_migrations in /proc/thread-self/sched".to_string())
}

/// Cache affinity of wakeup placement: a task that sleeps 1 ms and wakes,
/// on an otherwise idle machine, free to run on every CPU: the percentage
/// of its wakeups that moved it to another CPU.
fn wakeup_migrations(s: &Sizes, cpus: &str, out: &mut Vec<Figure>) -> Result<(), String> {
    for (name, policy) in [("SCHED_OTHER", SCHED_OTHER), ("SCHED_RANDOM", SCHED_RANDOM)] {
        let mut v = Vec::new();
        for _ in 0..s.reps {
            let wakeups = s.wakeups;
            let r = std::thread::spawn(move || -> Result<f64, String> {
                sys::sched_setscheduler(0, policy, 0).map_err(|e| e.to_string())?;
                let before = own_migrations()?;
                for _ in 0..wakeups {
                    std::thread::sleep(Duration::from_millis(1));
                }
                let moved = own_migrations()? - before;
                Ok(100.0 * moved as f64 / wakeups as f64)
            })
            .join()
            .map_err(|_| "thread panicked".to_string())??;
            v.push(r);
        }
        out.push(fig("wakeup_migrations", name, cpus, v, "% of wakeups"));
    }
    Ok(())
}

/// Sums over every CPU of two random_rq fields of sched/debug.
fn rq_sums(a: &str, b: &str) -> Result<(u64, u64), String> {
    let d = std::fs::read_to_string("/sys/kernel/debug/sched/debug").map_err(|e| format!("sched/debug: {e}"))?;
    let (mut x, mut y) = (0, 0);
    for sec in d.split("random_rq[").skip(1) {
        let sec = sec.split("\n\n").next().unwrap_or(sec);
        let get = |k: &str| -> Option<u64> {
            sec.lines().find(|l| l.trim_start().starts_with(&format!(".{k} ")))?.split(':').nth(1)?.trim().parse().ok()
        };
        x += get(a).ok_or_else(|| format!("no {a} in sched/debug"))?;
        y += get(b).ok_or_else(|| format!("no {b} in sched/debug"))?;
    }
    Ok((x, y))
}

/// Runs `f` with schedstats on (the kernel times its hooks only then).
fn with_schedstats<T>(f: impl FnOnce() -> Result<T, String>) -> Result<T, String> {
    const SCHEDSTATS: &str = "/proc/sys/kernel/sched_schedstats";
    let orig = std::fs::read_to_string(SCHEDSTATS).map_err(|e| format!("{SCHEDSTATS}: {e}"))?;
    std::fs::write(SCHEDSTATS, "1\n").map_err(|e| format!("{SCHEDSTATS}: {e}"))?;
    let r = f();
    if orig.trim() != "1" {
        let _ = std::fs::write(SCHEDSTATS, "0\n");
    }
    r
}

/// The kernel's mean time per call of a hook that sched/debug counts
/// (`ns` over `count`, summed over all CPUs), in windows of `window`.
fn hook_cost(reps: usize, window: Duration, ns: &str, count: &str) -> Result<Vec<f64>, String> {
    let mut v = Vec::new();
    std::thread::sleep(window / 2);
    for _ in 0..reps {
        let (ns0, n0) = rq_sums(ns, count)?;
        std::thread::sleep(window);
        let (ns1, n1) = rq_sums(ns, count)?;
        if n1 > n0 {
            v.push((ns1 - ns0) as f64 / (n1 - n0) as f64);
        }
    }
    Ok(v)
}

/// Threads of `policy` free on all CPUs that sleep 1 ms in a loop until
/// `stop`; returns their handles.
fn sleepers(n: usize, policy: u32, stop: &Arc<AtomicBool>) -> Vec<std::thread::JoinHandle<()>> {
    (0..n)
        .map(|_| {
            let stop = stop.clone();
            std::thread::spawn(move || {
                // Free even if spawned by a pinned controller.
                let _ = sys::set_affinity(0, sys::online_mask());
                let _ = sys::sched_setscheduler(0, policy, 0);
                while !stop.load(Ordering::Relaxed) {
                    std::thread::sleep(Duration::from_millis(1));
                }
            })
        })
        .collect()
}

/// What the class costs as the machine grows (run at 4, 16 and 32 CPUs by
/// scripts/bench): the time per tick of a SCHED_RANDOM task with two
/// CPU-bound SCHED_RANDOM tasks per CPU; the time per placement of waking
/// SCHED_RANDOM tasks (two 1 ms sleepers and one CPU-bound task per CPU);
/// how often a lone 1 ms sleeper migrates; hackbench throughput (threads
/// and processes) against SCHED_OTHER. Figures carry the CPU count as
/// their parameter.
pub fn scale(s: &Sizes, out: &mut Vec<Figure>) -> Result<(), String> {
    let ncpu = sys::online_cpus().len();
    let cpus = format!("{ncpu} CPUs");
    let free = |n: usize| -> Vec<WorkerSpec> {
        (0..n).map(|_| WorkerSpec { policy: SCHED_RANDOM, prio: 0, mask: 0, record: false }).collect()
    };
    with_schedstats(|| {
        let crew = Crew::start(&free(2 * ncpu))?;
        let ticks = workers::as_controller(1, || {
            crew.go();
            hook_cost(s.reps, s.pick_ns_window, "tick_ns", "nr_ticks")
        });
        crew.finish();
        out.push(fig("tick_cost", "SCHED_RANDOM", &cpus, ticks??, "ns/tick"));

        let crew = Crew::start(&free(ncpu))?;
        let stop = Arc::new(AtomicBool::new(false));
        let places = workers::as_controller(1, || {
            crew.go();
            let threads = sleepers(2 * ncpu, SCHED_RANDOM, &stop);
            let r = hook_cost(s.reps, s.pick_ns_window, "place_ns", "nr_places");
            stop.store(true, Ordering::Relaxed);
            threads.into_iter().for_each(|t| {
                let _ = t.join();
            });
            r
        });
        crew.finish();
        // A kernel without CONFIG_SMP places nothing.
        let places = places??;
        if !places.is_empty() {
            out.push(fig("place_cost", "SCHED_RANDOM", &cpus, places, "ns/placement"));
        }
        Ok(())
    })?;
    wakeup_migrations(s, &cpus, out)?;
    hackbench(s, &cpus, out)
}

fn fairness(s: &Sizes, out: &mut Vec<Figure>) -> Result<(), String> {
    for &n in s.fairness_n {
        let (mut spread, mut chi2, mut succ) = (Vec::new(), Vec::new(), Vec::new());
        for _ in 0..s.reps {
            let e = experiment::run(SCHED_RANDOM, n, s.fairness_secs)?;
            let max = e.shares.iter().cloned().fold(0.0, f64::max);
            let min = e.shares.iter().cloned().fold(1.0, f64::min);
            spread.push(100.0 * (max - min));
            chi2.push(e.chi2_slices / workers::chi_square_critical_0_001(n - 1));
            if n > 2 {
                succ.push(e.chi2_successors / workers::chi_square_critical_0_001(n * (n - 2)));
            }
        }
        let p = n.to_string();
        out.push(fig("share_spread", "SCHED_RANDOM", &p, spread, "points"));
        out.push(fig("chi2_slices/critical", "SCHED_RANDOM", &p, chi2, "ratio"));
        if !succ.is_empty() {
            out.push(fig("chi2_successors/critical", "SCHED_RANDOM", &p, succ, "ratio"));
        }
    }
    Ok(())
}

/// Runs every measurement; returns the figures (or the first error).
pub fn run(s: &Sizes) -> Result<Vec<Figure>, String> {
    let mut out = Vec::new();
    syscalls(s, &mut out)?;
    context_switch(s, &mut out)?;
    pick_cost(s, &mut out)?;
    latency(s, &mut out)?;
    scale(s, &mut out)?;
    fairness(s, &mut out)?;
    Ok(out)
}
