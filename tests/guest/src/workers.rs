// SPDX-License-Identifier: GPL-2.0
//! CPU-bound worker threads for the scheduling experiments: each one sets its
//! own policy and affinity, waits for a common start, spins until told to
//! stop and records when it ran (the starts of its runs on a CPU).

use srsys as sys;
use std::sync::atomic::{AtomicBool, AtomicU32, AtomicU64, Ordering};
use std::sync::{mpsc, Arc};
use std::thread::JoinHandle;
use std::time::{Duration, Instant};

/// A gap this long in a worker's own clock readings means it was not
/// running: the next reading starts a new run.
const RUN_GAP: Duration = Duration::from_micros(300);

pub struct WorkerSpec {
    pub policy: u32,
    pub prio: i32,
    /// CPU mask to pin to, or 0 for any CPU.
    pub mask: u64,
    /// Record the start of every run (for the randomness statistics).
    pub record: bool,
}

pub struct Worker {
    pub tid: i32,
    pub progress: Arc<AtomicU64>,
    handle: JoinHandle<Vec<u64>>,
}

pub struct Crew {
    pub workers: Vec<Worker>,
    pub stop: Arc<AtomicBool>,
    go: Arc<Gate>,
}

/// A start line that lets every waiting thread go at once: one
/// FUTEX_WAKE makes them all runnable. (std's `Barrier` releases its
/// waiters through a mutex handed from one woken thread to the next;
/// behind hundreds of SCHED_RANDOM spinners on one CPU each handoff waits
/// for a random pick, and the last waiters start seconds late.)
pub struct Gate(AtomicU32);

impl Gate {
    pub fn new() -> Gate {
        Gate(AtomicU32::new(0))
    }

    /// Blocks until [`Gate::open`].
    pub fn wait(&self) {
        while self.0.load(Ordering::Acquire) == 0 {
            let _ = sys::futex(&self.0, sys::FUTEX_WAIT, 0);
        }
    }

    pub fn open(&self) {
        self.0.store(1, Ordering::Release);
        let _ = sys::futex(&self.0, sys::FUTEX_WAKE, i32::MAX as u32);
    }
}

impl Crew {
    /// Starts the workers; they spin only after [`Crew::go`].
    pub fn start(specs: &[WorkerSpec]) -> Result<Crew, String> {
        let stop = Arc::new(AtomicBool::new(false));
        let go = Arc::new(Gate::new());
        let epoch = Instant::now();
        let (tx, rx) = mpsc::channel();
        let mut workers = Vec::new();
        for (i, s) in specs.iter().enumerate() {
            let (stop, go, tx) = (stop.clone(), go.clone(), tx.clone());
            let progress = Arc::new(AtomicU64::new(0));
            let prog = progress.clone();
            let (policy, prio, mask, record) = (s.policy, s.prio, s.mask, s.record);
            let handle = std::thread::Builder::new()
                .name(format!("worker{i}"))
                .stack_size(256 * 1024)
                .spawn(move || {
                    let mut setup = Ok(());
                    if mask != 0 {
                        setup = sys::set_affinity(0, mask).map(|_| ()).map_err(|e| format!("affinity: {e}"));
                    }
                    if setup.is_ok() {
                        setup = sys::sched_setscheduler(0, policy, prio)
                            .map(|_| ())
                            .map_err(|e| format!("sched_setscheduler({policy}): {e}"));
                    }
                    let _ = tx.send((i, sys::gettid(), setup));
                    go.wait();
                    spin(&stop, &prog, record, epoch)
                })
                .map_err(|e| format!("spawn: {e}"))?;
            workers.push(Worker { tid: 0, progress, handle });
        }
        drop(tx);
        for _ in 0..specs.len() {
            let (i, tid, setup) = rx.recv().map_err(|_| "worker died during setup".to_string())?;
            if let Err(e) = setup {
                stop.store(true, Ordering::Relaxed);
                go.open();
                return Err(format!("worker {i}: {e}"));
            }
            workers[i].tid = tid;
        }
        Ok(Crew { workers, stop, go })
    }

    /// Lets the workers spin.
    pub fn go(&self) {
        self.go.open();
    }

    pub fn tids(&self) -> Vec<i32> {
        self.workers.iter().map(|w| w.tid).collect()
    }

    /// Runtime (ns) and timeslice count of every worker, from schedstat.
    pub fn schedstats(&self) -> Vec<(u64, u64)> {
        let pid = sys::getpid();
        self.workers.iter().map(|w| sys::schedstat(pid, w.tid).map(|(run, _, n)| (run, n)).unwrap_or((0, 0))).collect()
    }

    /// Stops and joins the workers; returns each one's run starts (ns since
    /// the epoch) when recording.
    pub fn finish(self) -> Vec<Vec<u64>> {
        self.stop.store(true, Ordering::Relaxed);
        // Workers that never got the go see `stop` at once.
        self.go.open();
        self.workers.into_iter().map(|w| w.handle.join().unwrap_or_default()).collect()
    }
}

fn spin(stop: &AtomicBool, progress: &AtomicU64, record: bool, epoch: Instant) -> Vec<u64> {
    let mut runs = Vec::with_capacity(if record { 1 << 16 } else { 0 });
    let mut last = Instant::now();
    if record {
        runs.push((last - epoch).as_nanos() as u64);
    }
    let mut n = 0u64;
    while !stop.load(Ordering::Relaxed) {
        let now = Instant::now();
        if record && now - last > RUN_GAP && runs.len() < runs.capacity() {
            runs.push((now - epoch).as_nanos() as u64);
        }
        last = now;
        n += 1;
        if n.is_multiple_of(256) {
            progress.store(n, Ordering::Relaxed);
        }
    }
    progress.store(n, Ordering::Relaxed);
    runs
}

/// Runs `f` with the calling thread as SCHED_FIFO 50 on `mask`, so that it
/// keeps control over CPU-bound SCHED_RANDOM workers; restores SCHED_OTHER
/// and all CPUs afterwards.
pub fn as_controller<T>(mask: u64, f: impl FnOnce() -> T) -> Result<T, String> {
    let all = sys::online_mask();
    if mask != 0 {
        sys::set_affinity(0, mask).map_err(|e| format!("controller affinity: {e}"))?;
    }
    sys::sched_setscheduler(0, sys::SCHED_FIFO, 50).map_err(|e| format!("controller SCHED_FIFO: {e}"))?;
    let r = f();
    let _ = sys::sched_setscheduler(0, sys::SCHED_OTHER, 0);
    let _ = sys::set_affinity(0, all);
    Ok(r)
}

/// `n` SCHED_RANDOM workers pinned to `cpu`, not recording.
pub fn random_on(n: usize, cpu: usize) -> Vec<WorkerSpec> {
    (0..n).map(|_| WorkerSpec { policy: sys::SCHED_RANDOM, prio: 0, mask: 1 << cpu, record: false }).collect()
}

/// The last online CPU (the experiments keep CPU 0 for the controller).
pub fn last_cpu() -> usize {
    sys::online_cpus().last().copied().unwrap_or(0)
}

/// The CPUs booted with nohz_full=, if any.
pub fn nohz_full_cpus() -> Vec<usize> {
    std::fs::read_to_string("/sys/devices/system/cpu/nohz_full")
        .map(|s| sys::parse_cpulist(s.trim()))
        .unwrap_or_default()
}

/// The last online CPU other than CPU 0 that keeps its tick (not
/// nohz_full), else [`last_cpu`].
pub fn last_ticking_cpu() -> usize {
    let nohz = nohz_full_cpus();
    sys::online_cpus().into_iter().rev().find(|&c| c != 0 && !nohz.contains(&c)).unwrap_or_else(last_cpu)
}

/// Merges the workers' run starts into one timeline of worker indices, with
/// consecutive runs of the same worker folded into one.
pub fn timeline(runs: &[Vec<u64>]) -> Vec<usize> {
    let mut all: Vec<(u64, usize)> =
        runs.iter().enumerate().flat_map(|(i, v)| v.iter().map(move |&t| (t, i))).collect();
    all.sort_unstable();
    let mut seq: Vec<usize> = all.into_iter().map(|(_, i)| i).collect();
    seq.dedup();
    seq
}

/// successors[a][b]: how often worker b ran right after worker a.
pub fn successors(seq: &[usize], n: usize) -> Vec<Vec<u64>> {
    let mut m = vec![vec![0u64; n]; n];
    for w in seq.windows(2) {
        m[w[0]][w[1]] += 1;
    }
    m
}

/// Pearson's chi-square statistic of `counts` against equal expectations.
pub fn chi_square(counts: &[u64]) -> f64 {
    let total: u64 = counts.iter().sum();
    if total == 0 {
        return f64::INFINITY;
    }
    let e = total as f64 / counts.len() as f64;
    counts.iter().map(|&c| (c as f64 - e).powi(2) / e).sum()
}

/// Upper critical value of chi-square at alpha = 0.001: from the table for
/// 1..=15 degrees of freedom, else the Wilson-Hilferty approximation.
pub fn chi_square_critical_0_001(dof: usize) -> f64 {
    const T: [f64; 15] =
        [10.83, 13.82, 16.27, 18.47, 20.52, 22.46, 24.32, 26.12, 27.88, 29.59, 31.26, 32.91, 34.53, 36.12, 37.70];
    if (1..=15).contains(&dof) {
        return T[dof - 1];
    }
    let k = dof.max(1) as f64;
    let z = 3.0902; // upper 0.001 quantile of the standard normal
    k * (1.0 - 2.0 / (9.0 * k) + z * (2.0 / (9.0 * k)).sqrt()).powi(3)
}

/// Busy and total jiffies of all CPUs, from /proc/stat.
pub fn cpu_jiffies() -> (u64, u64) {
    let s = std::fs::read_to_string("/proc/stat").unwrap_or_default();
    let line = s.lines().next().unwrap_or("");
    let v: Vec<u64> = line.split_whitespace().skip(1).filter_map(|x| x.parse().ok()).collect();
    let total: u64 = v.iter().sum();
    let idle = v.get(3).copied().unwrap_or(0) + v.get(4).copied().unwrap_or(0);
    (total - idle, total)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn timeline_folds_repeats() {
        let runs = vec![vec![0, 30], vec![10, 40], vec![20, 25]];
        // 0@0 1@10 2@20 2@25 0@30 1@40
        assert_eq!(timeline(&runs), vec![0, 1, 2, 0, 1]);
        let m = successors(&timeline(&runs), 3);
        assert_eq!(m[0][1], 2);
        assert_eq!(m[1][2], 1);
        assert_eq!(m[2][0], 1);
    }

    #[test]
    fn chi_square_of_uniform_counts_is_zero() {
        assert_eq!(chi_square(&[5, 5, 5, 5]), 0.0);
        assert!((chi_square(&[10, 0]) - 10.0).abs() < 1e-9);
        assert_eq!(chi_square_critical_0_001(3), 16.27);
        // Wilson-Hilferty is within 1% of the table at 15 dof.
        let k = 15.0f64;
        let wh = k * (1.0 - 2.0 / (9.0 * k) + 3.0902 * (2.0 / (9.0 * k)).sqrt()).powi(3);
        assert!((wh - 37.70).abs() / 37.70 < 0.01);
    }
}
