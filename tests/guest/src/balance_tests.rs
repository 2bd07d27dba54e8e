// SPDX-License-Identifier: GPL-2.0
//! Balancing between CPUs (kernel/sched/random_balance.c): what a push and
//! a pull must achieve, and what they may cost the other CPUs of a root
//! domain. Each test names the defect it guards against and runs its
//! control in the same boot.

use crate::contract_tests::{field, fifo_hog, random_rq_fields, runtime};
use crate::sched_tests::err;
use crate::workers::{self, Crew, WorkerSpec};
use crate::{ensure, Test, TestResult};
use srsys::{self as sys, SCHED_FIFO, SCHED_OTHER, SCHED_RANDOM};
use std::sync::atomic::{AtomicBool, AtomicU32, AtomicU64, Ordering};
use std::sync::Arc;
use std::time::{Duration, Instant};

pub fn tests() -> Vec<Test> {
    vec![
        Test { name: "balance.push_places_any_waiting", run: push_places_any_waiting },
        Test { name: "balance.pull_misses_bounded", run: pull_misses_bounded },
        Test { name: "balance.migrate_disabled_not_migratory", run: migrate_disabled_not_migratory },
    ]
}

fn need_cpus_0_to_3() -> Result<(), crate::NotPassed> {
    if (0..4).all(|c| sys::online_cpus().contains(&c)) {
        Ok(())
    } else {
        Err(crate::NotPassed::Fail(format!("needs CPUs 0-3 online, has {:?}", sys::online_cpus())))
    }
}

/// A SCHED_FIFO 60 thread pinned to `cpu` that spins for `burst` each time
/// `bursts` is raised past the count it has served, until `stop`.
fn fifo_burster(
    cpu: usize,
    burst: Duration,
    bursts: Arc<AtomicU32>,
    stop: Arc<AtomicBool>,
) -> std::thread::JoinHandle<Result<(), String>> {
    std::thread::spawn(move || {
        sys::set_affinity(0, 1 << cpu).map_err(err("burster affinity"))?;
        sys::sched_setscheduler(0, SCHED_FIFO, 60).map_err(err("burster SCHED_FIFO"))?;
        let mut served = 0;
        loop {
            let want = bursts.load(Ordering::Acquire);
            if stop.load(Ordering::Relaxed) {
                break;
            }
            if want == served {
                // FUTEX_WAIT_PRIVATE until the controller raises the count.
                let _ = sys::futex(&bursts, 128, served);
                continue;
            }
            served = want;
            let t0 = Instant::now();
            while t0.elapsed() < burst {
                std::hint::spin_loop();
            }
        }
        let _ = sys::sched_setscheduler(0, SCHED_OTHER, 0);
        Ok(())
    })
}

/// The shares of a 20 ms window that a SCHED_RANDOM spinner gets, one per
/// trial, right after it is allowed an idle CPU while it waits behind a
/// SCHED_FIFO burst; see [`push_places_any_waiting`]. `other_mask` is the
/// other waiting spinner's affinity.
fn waiting_shares(other_mask: u64, trials: usize) -> Result<Vec<(f64, i64)>, String> {
    let (home, hog_cpu, idle_cpu) = (1usize, 2usize, 3usize);
    let crew = Crew::start(&[
        WorkerSpec { policy: SCHED_RANDOM, prio: 0, mask: other_mask, record: false },
        WorkerSpec { policy: SCHED_RANDOM, prio: 0, mask: 1 << home, record: false },
    ])?;
    let tid = crew.tids()[1];
    let stop = Arc::new(AtomicBool::new(false));
    let bursts = Arc::new(AtomicU32::new(0));
    let r = workers::as_controller(1, || -> Result<Vec<(f64, i64)>, String> {
        crew.go();
        let hog = fifo_hog(hog_cpu, stop.clone());
        let burster = fifo_burster(home, Duration::from_millis(45), bursts.clone(), stop.clone());
        std::thread::sleep(Duration::from_millis(50));
        let mut shares = Vec::new();
        for _ in 0..trials {
            sys::set_affinity(tid, 1 << home).map_err(err("home"))?;
            std::thread::sleep(Duration::from_millis(30));
            // The burst preempts whichever spinner runs: both wait.
            bursts.fetch_add(1, Ordering::Release);
            let _ = sys::futex(&bursts, 129, 1); // FUTEX_WAKE_PRIVATE
            std::thread::sleep(Duration::from_millis(5));
            sys::set_affinity(tid, (1 << home) | (1 << idle_cpu)).map_err(err("widen"))?;
            let (r0, t0) = (runtime(tid), Instant::now());
            std::thread::sleep(Duration::from_millis(20));
            let share = runtime(tid).saturating_sub(r0) as f64 / t0.elapsed().as_nanos() as f64;
            let cpu = sys::stat_field(sys::getpid(), tid, 39).unwrap_or(-1);
            shares.push((share, cpu));
            // Let the burst end before the next trial.
            std::thread::sleep(Duration::from_millis(25));
        }
        stop.store(true, Ordering::Relaxed);
        bursts.fetch_add(1, Ordering::Release);
        let _ = sys::futex(&bursts, 129, 1);
        hog.join().map_err(|_| "hog panicked".to_string())??;
        burster.join().map_err(|_| "burster panicked".to_string())??;
        Ok(shares)
    })?;
    stop.store(true, Ordering::Relaxed);
    bursts.fetch_add(1, Ordering::Release);
    let _ = sys::futex(&bursts, 129, 1);
    crew.finish();
    r
}

/// Review of round 2: a push tried one waiting task, chosen at random, and
/// gave up when that one could not be placed, though another could. Two
/// SCHED_RANDOM spinners wait on CPU 1 behind a SCHED_FIFO burst; one of
/// them is then allowed the idle CPU 3 as well (the widening queues a
/// push), while the other may run only on CPU 1 and on CPU 2, which a
/// SCHED_FIFO hog keeps. The widened task must run on CPU 3 at once, in
/// every trial: no other push comes while the burst lasts. Control: the
/// other spinner pinned to CPU 1 alone, so that it is no candidate.
fn push_places_any_waiting() -> TestResult {
    const TRIALS: usize = 8;
    need_cpus_0_to_3()?;
    let control = waiting_shares(1 << 1, TRIALS)?;
    let shares = waiting_shares((1 << 1) | (1 << 2), TRIALS)?;
    let fmt = |v: &[(f64, i64)]| v.iter().map(|(s, c)| format!("{:.0}%@{c}", 100.0 * s)).collect::<Vec<_>>().join(" ");
    // Judged by where the task is 20 ms after the widening: a push that
    // gave up left it behind the burst (45 ms); its share also tells how
    // soon it moved, but a busy host delays the IPI that runs the push.
    let missed = shares.iter().filter(|s| s.1 != 3).count();
    let detail = format!(
        "share of the 20 ms after the widening (and its CPU at the end), {TRIALS} trials: with an unplaceable task waiting beside it {} ({missed} not on CPU 3); control, no other candidate: {}",
        fmt(&shares),
        fmt(&control)
    );
    ensure!(control.iter().all(|s| s.1 == 3), "inconclusive: the control did not reach the idle CPU either: {detail}");
    ensure!(missed == 0, "a push gave up on the widened task: {detail}");
    Ok(detail)
}

/// The `random_rq[cpu]` field `name` of sched/debug.
fn rq_field(cpu: usize, name: &str) -> Result<u64, String> {
    field(&random_rq_fields(cpu)?, name)
}

/// Review of round 2: an overload that no pull can clear (the waiting
/// task may run only on its CPU and on one that a SCHED_FIFO hog keeps)
/// made every schedule() of every other CPU in the root domain lock the
/// overloaded CPU's run queue, find nothing to pull and drop it again. Two
/// SCHED_RANDOM spinners share CPU 1 and may also run on CPU 3, which a
/// SCHED_FIFO hog keeps; two SCHED_OTHER threads on CPU 2 hand a token back
/// and forth. The failed pulls of CPU 2 (`nr_pull_misses`) are counted
/// against its context switches over 1 s; the switches are the control
/// (enough schedule() calls to tell).
fn pull_misses_bounded() -> TestResult {
    need_cpus_0_to_3()?;
    let (busy, pp_cpu, hog_cpu) = (1usize, 2usize, 3usize);
    let mask = (1u64 << busy) | (1 << hog_cpu);
    let crew = Crew::start(&[
        WorkerSpec { policy: SCHED_RANDOM, prio: 0, mask, record: false },
        WorkerSpec { policy: SCHED_RANDOM, prio: 0, mask, record: false },
    ])?;
    let stop = Arc::new(AtomicBool::new(false));
    let token = Arc::new(AtomicU32::new(0));
    let passes = Arc::new(AtomicU64::new(0));
    let r = workers::as_controller(1, || -> Result<(u64, u64, f64, String), String> {
        crew.go();
        let hog = fifo_hog(hog_cpu, stop.clone());
        // Two SCHED_OTHER threads on CPU 2: each waits for its parity.
        let pingpong: Vec<_> = (0..2u32)
            .map(|me| {
                let (stop, token, passes) = (stop.clone(), token.clone(), passes.clone());
                std::thread::spawn(move || -> Result<(), String> {
                    sys::set_affinity(0, 1 << pp_cpu).map_err(err("ping-pong affinity"))?;
                    // Not the controller's SCHED_FIFO, which it inherits.
                    sys::sched_setscheduler(0, SCHED_OTHER, 0).map_err(err("ping-pong SCHED_OTHER"))?;
                    while !stop.load(Ordering::Relaxed) {
                        let v = token.load(Ordering::Acquire);
                        if v % 2 != me {
                            let _ = sys::futex(&token, 128, v);
                            continue;
                        }
                        token.store(v.wrapping_add(1), Ordering::Release);
                        passes.fetch_add(1, Ordering::Relaxed);
                        let _ = sys::futex(&token, 129, 1);
                    }
                    let _ = sys::futex(&token, 129, 1);
                    Ok(())
                })
            })
            .collect();
        std::thread::sleep(Duration::from_millis(200));
        let (m0, p0) = (rq_field(pp_cpu, "nr_pull_misses")?, passes.load(Ordering::Relaxed));
        let t0 = Instant::now();
        std::thread::sleep(Duration::from_secs(1));
        let (m1, p1) = (rq_field(pp_cpu, "nr_pull_misses")?, passes.load(Ordering::Relaxed));
        let secs = t0.elapsed().as_secs_f64();
        let state = [busy, hog_cpu]
            .iter()
            .map(|&c| {
                let f = |n| rq_field(c, n).map(|v| v.to_string()).unwrap_or_else(|e| e);
                format!("CPU {c}: {} queued, overloaded {}", f("nr_queued"), f("overloaded"))
            })
            .collect::<Vec<_>>()
            .join("; ");
        stop.store(true, Ordering::Relaxed);
        token.fetch_add(2, Ordering::Release);
        let _ = sys::futex(&token, 129, 2);
        for t in pingpong {
            t.join().map_err(|_| "ping-pong panicked".to_string())??;
        }
        hog.join().map_err(|_| "hog panicked".to_string())??;
        Ok((m1 - m0, p1 - p0, secs, state))
    })?;
    stop.store(true, Ordering::Relaxed);
    crew.finish();
    let (misses, passes, secs, state) = r?;
    let detail = format!(
        "CPU {pp_cpu} over {secs:.2} s: {passes} hand-overs between two SCHED_OTHER threads (a schedule() each), {misses} pulls that locked CPU {busy} or {hog_cpu} and found nothing ({:.2} per hand-over); at the end {state}",
        misses as f64 / passes.max(1) as f64
    );
    ensure!(passes >= 1000, "inconclusive: too few schedule() calls on CPU {pp_cpu}: {detail}");
    // A miss is remembered until CPU 1's waiting tasks change (a slice
    // ends, a task arrives): a few hundred per second at most.
    ensure!(misses * 10 <= passes, "failed pulls follow every schedule(): {detail}");
    Ok(detail)
}

/// Installs on the calling thread 7 seccomp filters of 4,095 loads of the
/// first system call argument each (loads of an argument keep the kernel
/// from caching the result per system call number), all allowing the call:
/// every system call of the thread then runs 28,665 BPF instructions
/// inside bpf_prog_run_pin_on_cpu(), that is, inside migrate_disable().
fn slow_seccomp_filters() -> Result<(), String> {
    const PR_SET_SECCOMP: i64 = 22;
    const SECCOMP_MODE_FILTER: i64 = 2;
    const NR_PRCTL: i64 = 157;
    #[repr(C)]
    struct SockFilter {
        code: u16,
        jt: u8,
        jf: u8,
        k: u32,
    }
    #[repr(C)]
    struct SockFprog {
        len: u16,
        filter: *const SockFilter,
    }
    let mut prog: Vec<SockFilter> = (0..4095).map(|_| SockFilter { code: 0x20, jt: 0, jf: 0, k: 16 }).collect();
    prog.push(SockFilter { code: 0x06, jt: 0, jf: 0, k: 0x7fff_0000 });
    let fprog = SockFprog { len: prog.len() as u16, filter: prog.as_ptr() };
    for i in 0..7 {
        // SAFETY: `fprog` points at `prog`, valid for the call; the kernel
        // copies the filter.
        unsafe { sys::sys(NR_PRCTL, &[PR_SET_SECCOMP, SECCOMP_MODE_FILTER, &fprog as *const SockFprog as i64]) }
            .map_err(|e| format!("seccomp filter {i}: {e}"))?;
    }
    Ok(())
}

/// The share of 300 samples over about 1 s in which CPU 1 counts as
/// overloaded, while a SCHED_RANDOM task started on CPU 1, then allowed
/// CPU 2 as well, which a SCHED_FIFO hog keeps, shares CPU 1 with a pinned
/// SCHED_RANDOM spinner. The task spins in getppid(); with `filtered`, under
/// [`slow_seccomp_filters`], so that a slice end mostly preempts it inside
/// migrate_disable().
fn overloaded_share(filtered: bool) -> Result<f64, String> {
    let (busy, hog_cpu) = (1usize, 2usize);
    let crew = Crew::start(&[WorkerSpec { policy: SCHED_RANDOM, prio: 0, mask: 1 << busy, record: false }])?;
    let stop = Arc::new(AtomicBool::new(false));
    let ready = Arc::new(AtomicU32::new(0));
    let task = {
        let (stop, ready) = (stop.clone(), ready.clone());
        std::thread::spawn(move || -> Result<(), String> {
            let r = (|| -> Result<(), String> {
                // CPU 1 first: allowed CPU 2 only once the hog keeps it.
                sys::set_affinity(0, 1 << busy).map_err(err("affinity"))?;
                if filtered {
                    slow_seccomp_filters()?;
                }
                sys::sched_setscheduler(0, SCHED_RANDOM, 0).map_err(err("SCHED_RANDOM"))?;
                Ok(())
            })();
            eprintln!("task setup (filtered {filtered}): {r:?}");
            ready.store(if r.is_ok() { sys::gettid() as u32 } else { u32::MAX }, Ordering::Release);
            r?;
            while !stop.load(Ordering::Relaxed) {
                let _ = sys::nr_only(110); // getppid()
            }
            Ok(())
        })
    };
    let r = workers::as_controller(1, || -> Result<f64, String> {
        crew.go();
        let hog = fifo_hog(hog_cpu, stop.clone());
        while ready.load(Ordering::Acquire) == 0 {
            std::thread::sleep(Duration::from_millis(1));
        }
        let tid = ready.load(Ordering::Acquire);
        eprintln!("ready {tid}");
        if tid == u32::MAX {
            return Err("the task's setup failed".to_string());
        }
        std::thread::sleep(Duration::from_millis(50));
        sys::set_affinity(tid as i32, (1 << busy) | (1 << hog_cpu)).map_err(err("widen"))?;
        std::thread::sleep(Duration::from_millis(100));
        let mut over = 0;
        for _ in 0..300 {
            over += rq_field(busy, "overloaded")?;
            std::thread::sleep(Duration::from_micros(3000));
        }
        eprintln!("sampled {over}");
        stop.store(true, Ordering::Relaxed);
        hog.join().map_err(|_| "hog panicked".to_string())??;
        eprintln!("hog joined");
        Ok(over as f64 / 300.0)
    })?;
    stop.store(true, Ordering::Relaxed);
    task.join().map_err(|_| "task panicked".to_string())??;
    eprintln!("task joined");
    crew.finish();
    r
}

/// Review of round 2: a task preempted inside migrate_disable() may not
/// move (its cpus_ptr is its CPU alone until it runs again), yet it
/// counted as migratory, and its CPU as overloaded, which sends every
/// other CPU of the root domain to pull at every schedule(). The task here
/// spends most of its CPU time in seccomp filters, which run under
/// migrate_disable(); the control is the same task without the filters,
/// which, waiting, may move (to a CPU a SCHED_FIFO hog keeps: it stays).
fn migrate_disabled_not_migratory() -> TestResult {
    need_cpus_0_to_3()?;
    std::thread::spawn(|| {
        std::thread::sleep(Duration::from_secs(90));
        eprintln!("watchdog: 90 s");
        std::process::abort();
    });
    let control = overloaded_share(false)?;
    let filtered = overloaded_share(true)?;
    let detail = format!(
        "samples with CPU 1 overloaded while a task waits there: inside migrate_disable() mostly (seccomp filters) {:.0}%, without the filters (control) {:.0}%",
        100.0 * filtered,
        100.0 * control
    );
    ensure!(control >= 0.2, "inconclusive: the control's waiting task did not make CPU 1 overloaded: {detail}");
    ensure!(filtered * 3.0 <= control, "a task inside migrate_disable() counted as migratory: {detail}");
    Ok(detail)
}
