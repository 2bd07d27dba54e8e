// SPDX-License-Identifier: GPL-2.0
//! Tests of SCHED_RANDOM as a race finder: chaos mode
//! (SCHED_FLAG_RANDOM_CHAOS: slices drawn between a minimum and the slice,
//! wakeups as decision points), the seeded decision stream
//! (kernel.sched_random_seed) with its tracepoint
//! (sched_random:sched_random_decision), and the command line that drives
//! them (`sched-random run --chaos`, `sched-random hunt --chaos --seed`).

use crate::sched_tests::{err, in_child, reset_self, sched_random_tool as tool};
use crate::workers;
use crate::{ensure, retry_once, Test, TestResult};
use srsys::{
    self as sys, EINVAL, EPERM, SCHED_FIFO, SCHED_FLAG_KEEP_PARAMS, SCHED_FLAG_RANDOM_CHAOS as CHAOS,
    SCHED_FLAG_RESET_ON_FORK, SCHED_OTHER, SCHED_RANDOM,
};
use std::sync::atomic::{AtomicBool, AtomicU32, AtomicU64, AtomicUsize, Ordering};
use std::sync::{Arc, Barrier};
use std::time::Duration;

const US: u64 = 1_000;
const SLICE_SYSCTL: &str = "/proc/sys/kernel/sched_random_timeslice_ms";
const MS: u64 = 1_000_000;

pub fn tests() -> Vec<Test> {
    vec![
        Test { name: "chaos.abi", run: abi },
        Test { name: "chaos.cli", run: cli },
        Test { name: "chaos.slices_vary", run: || retry_once(slices_vary) },
        Test { name: "chaos.wakeup_uniform", run: || retry_once(wakeup_uniform) },
        Test { name: "chaos.seed_reproduces", run: || retry_once(seed_reproduces) },
        Test { name: "chaos.yield_after_wakeup_decision", run: yield_after_wakeup_decision },
    ]
}

/// sched_setattr(): SCHED_RANDOM with slice `max` (0: the default) and, if
/// `chaos`, chaos mode with shortest slice `min` (0: 10 us).
fn set_random(tid: i32, chaos: bool, min: u64, max: u64) -> sys::SysResult {
    let mut a = sys::SchedAttr::new(SCHED_RANDOM, 0);
    a.sched_runtime = max;
    a.sched_period = min;
    if chaos {
        a.sched_flags |= CHAOS;
    }
    a.sched_nice = sys::get_nice(tid).unwrap_or(0);
    sys::sched_setattr(tid, &a)
}

/// (policy, chaos mode, minimum, slice) as sched_getattr() reports them.
fn chaos_of(tid: i32) -> Result<(u32, bool, u64, u64), sys::Errno> {
    sys::sched_getattr(tid).map(|a| (a.sched_policy, a.sched_flags & CHAOS != 0, a.sched_period, a.sched_runtime))
}

/// The ABI: bounds (EINVAL), SCHED_RANDOM only, read back, kept by
/// sched_setscheduler() and KEEP_PARAMS, inherited by fork and threads,
/// cleared by SCHED_RESET_ON_FORK and by leaving the class; unprivileged, a
/// task may leave chaos mode or change its minimum but not enter it (EPERM).
fn abi() -> TestResult {
    let default_ms: u64 = std::fs::read_to_string(SLICE_SYSCTL)
        .ok()
        .and_then(|s| s.trim().parse().ok())
        .ok_or("cannot read kernel.sched_random_timeslice_ms")?;
    let kept = (SCHED_RANDOM, true, 200 * US, 2 * MS);
    let r: Result<(), String> = (|| {
        // A minimum of 0, or 10 us (the shortest hrtick) to 100 ms and at
        // most the task's own slice (not checked against the sysctl's
        // default, which may change).
        for (min, max) in [(1, 0), (9 * US, 0), (3 * MS, 2 * MS), (200 * MS, 0)] {
            let r = set_random(0, true, min, max);
            ensure!(r == Err(EINVAL), "chaos minimum {min} ns, slice {max} ns: {r:?}, want EINVAL");
        }
        for policy in [SCHED_OTHER, SCHED_FIFO] {
            let mut a = sys::SchedAttr::new(policy, u32::from(policy == SCHED_FIFO));
            a.sched_flags = CHAOS;
            let r = sys::sched_setattr(0, &a);
            ensure!(r == Err(EINVAL), "{} in chaos mode: {r:?}, want EINVAL", sys::policy_name(policy));
        }
        ensure!(sys::sched_getscheduler(0) == Ok(SCHED_OTHER), "a failed call changed the policy");
        for (min, max) in [(0, 0), (10 * US, 0), (100 * US, 0), (2 * MS, 2 * MS), (5 * MS, 0), (200 * US, 2 * MS)] {
            set_random(0, true, min, max).map_err(|e| format!("chaos {min}-{max} ns: {e}"))?;
            let got = chaos_of(0);
            ensure!(got == Ok((SCHED_RANDOM, true, min, max)), "sched_getattr after chaos {min}-{max} ns: {got:?}");
            if (min, max) == (5 * MS, 0) {
                // Kept parameters stay valid when the sysctl drops below
                // the minimum (the class then draws no slice above it).
                std::fs::write(SLICE_SYSCTL, "2\n").map_err(err("sysctl 2 ms"))?;
                let r = sys::sched_setscheduler(0, SCHED_RANDOM, 0);
                let got = chaos_of(0);
                std::fs::write(SLICE_SYSCTL, format!("{default_ms}\n")).map_err(err("sysctl back"))?;
                ensure!(
                    r.is_ok() && got == Ok((SCHED_RANDOM, true, 5 * MS, 0)),
                    "sched_setscheduler with a 5 ms minimum under a 2 ms sysctl: {r:?}, then {got:?}"
                );
            }
        }
        sys::sched_setscheduler(0, SCHED_RANDOM, 0).map_err(err("sched_setscheduler"))?;
        ensure!(chaos_of(0) == Ok(kept), "sched_setscheduler dropped chaos mode: {:?}", chaos_of(0));
        let mut keep = sys::SchedAttr::new(SCHED_RANDOM, 0);
        keep.sched_flags = SCHED_FLAG_KEEP_PARAMS;
        sys::sched_setattr(0, &keep).map_err(err("KEEP_PARAMS"))?;
        ensure!(chaos_of(0) == Ok(kept), "KEEP_PARAMS dropped chaos mode: {:?}", chaos_of(0));
        let child = in_child(|| i32::from(chaos_of(0) != Ok(kept)))?;
        ensure!(child == 0, "a forked child is not in the same chaos mode");
        let thread = std::thread::spawn(|| chaos_of(0)).join().map_err(|_| "thread panicked")?;
        ensure!(thread == Ok(kept), "a new thread: {thread:?}");
        // Reset-on-fork: the child is SCHED_OTHER without chaos mode and
        // does not get it back by entering the class again.
        let mut a = sys::SchedAttr::new(SCHED_RANDOM, 0);
        (a.sched_flags, a.sched_period, a.sched_runtime) = (CHAOS | SCHED_FLAG_RESET_ON_FORK, 200 * US, 2 * MS);
        sys::sched_setattr(0, &a).map_err(err("chaos with reset-on-fork"))?;
        let child = in_child(|| match chaos_of(0) {
            Ok((SCHED_OTHER, false, _, _)) if sys::sched_setscheduler(0, SCHED_RANDOM, 0).is_ok() => {
                if chaos_of(0) == Ok((SCHED_RANDOM, false, 0, 0)) {
                    0
                } else {
                    2
                }
            }
            _ => 1,
        })?;
        ensure!(
            child == 0,
            "reset-on-fork child: {child} (1: kept SCHED_RANDOM or chaos mode, 2: chaos mode back on entering)"
        );
        // Leaving the class drops chaos mode; entering again does not bring
        // it back. (A KEEP_PARAMS call does not change the policy at all.)
        sys::sched_setscheduler(0, SCHED_OTHER, 0).map_err(err("leaving"))?;
        sys::sched_setscheduler(0, SCHED_RANDOM, 0).map_err(err("entering again"))?;
        let back = chaos_of(0);
        ensure!(back == Ok((SCHED_RANDOM, false, 0, 0)), "left and entered again: {back:?}");
        Ok(())
    })();
    reset_self();
    r?;
    let code = in_child(|| {
        if set_random(0, false, 0, 2 * MS).is_err() {
            return 30;
        }
        if sys::drop_privileges(65534, 65534).is_err() {
            return 31;
        }
        if set_random(0, true, 0, 2 * MS) != Err(EPERM) || chaos_of(0) != Ok((SCHED_RANDOM, false, 0, 2 * MS)) {
            return 32;
        }
        0
    })?;
    ensure!(code == 0, "unprivileged task entering chaos mode: child exit {code} (32: allowed)");
    let code = in_child(|| {
        if set_random(0, true, 0, 2 * MS).is_err() {
            return 40;
        }
        if sys::drop_privileges(65534, 65534).is_err() {
            return 41;
        }
        // A higher minimum, or whole slices after leaving chaos mode, is
        // a longer mean slice: privileged. A shorter slice is not.
        if set_random(0, true, 500 * US, 2 * MS) != Err(EPERM) {
            return 42;
        }
        if set_random(0, false, 0, 2 * MS) != Err(EPERM) || chaos_of(0) != Ok((SCHED_RANDOM, true, 0, 2 * MS)) {
            return 43;
        }
        if set_random(0, true, 0, MS) != Ok(0) {
            return 44;
        }
        if sys::sched_setscheduler(0, sys::SCHED_OTHER, 0).is_err() {
            return 45;
        }
        0
    })?;
    ensure!(code == 0, "unprivileged chaos-mode task: child exit {code} (42: higher minimum allowed, 43: leaving chaos mode while SCHED_RANDOM allowed, 44: shorter slice refused, 45: leaving the class refused)");
    Ok("minimum 1 ns/9 us/above the slice/200 ms, chaos with SCHED_OTHER/FIFO: EINVAL; 0/10 us/100 us/2 ms/5 ms/200 us read back, 5 ms kept under a 2 ms sysctl; kept by sched_setscheduler, KEEP_PARAMS, fork, threads; reset-on-fork and leaving clear it; unprivileged: may not enter it, raise its minimum or leave it while SCHED_RANDOM (EPERM), may shorten its slice or leave the class".into())
}

/// `sched-random run --chaos`, `get`, and `hunt --chaos --seed`.
fn cli() -> TestResult {
    let sh = "/bin/busybox";
    let probe = "sched-random get 0; cat /proc/sys/kernel/sched_random_seed";
    let (code, out) = tool(&["run", "--chaos", "--seed", "77", "--slice", "200us-2ms", "--", sh, "sh", "-c", probe])?;
    ensure!(
        code == Some(0) && out.contains("0: SCHED_RANDOM (8) slice 2000 us chaos min 200 us") && out.contains("\n77\n"),
        "run --chaos --seed 77 --slice 200us-2ms: {code:?} {out}"
    );
    let (code, out) = tool(&["run", "--chaos", "--", sh, "sh", "-c", "sched-random get 0"])?;
    ensure!(code == Some(0) && out.contains("0: SCHED_RANDOM (8) chaos\n"), "run --chaos: {code:?} {out}");
    for bad in [
        &["run", "--slice", "100us-1ms", "/bin/true"][..],
        &["run", "--seed", "1", "/bin/true"],
        &["run", "--chaos", "--slice", "9us-1ms", "/bin/true"],
    ] {
        let (code, out) = tool(bad)?;
        ensure!(code == Some(2) && out.contains("sched-random: "), "bad input {bad:?}: {code:?} {out}");
    }
    // Run i is seeded with S + i; the first failure reports its seed.
    let (code, out) =
        tool(&["hunt", "-n", "3", "--chaos", "--seed", "41", "--", sh, "sh", "-c", &format!("{probe}; exit 1")])?;
    ensure!(
        code == Some(1)
            && out.contains("3 of 3 runs failed under SCHED_RANDOM (chaos mode)")
            && out.contains("run 1 (exit status 1, seed 41)")
            && out.contains("| 0: SCHED_RANDOM (8) chaos")
            && out.contains("| 41\n"),
        "hunt --chaos --seed 41: {code:?} {out}"
    );
    let (code, out) = tool(&["hunt", "-n", "3", "--chaos", "--seed", "5", "-j", "2", "/bin/true"])?;
    ensure!(code == Some(2) && out.contains("--seed"), "hunt --seed with 2 jobs: {code:?} {out}");
    Ok("run --chaos --seed --slice MIN-MAX applied and shown by get; bad ranges and --seed without --chaos exit 2; hunt seeds run 1 with S and reports it".into())
}

/// Lengths of the bursts of CPU a spinner gets until `stop`, in ns: from its
/// first clock reading after being switched in to its last before being
/// switched out. A gap in its readings counts only with an involuntary
/// context switch, so interrupts and host stalls do not end a burst.
fn bursts(stop: &AtomicBool) -> Vec<u64> {
    const GAP: u64 = 50 * US;
    let mut v = Vec::with_capacity(8192);
    let mut start = sys::now_ns();
    let mut last = start;
    let mut switches = sys::thread_switches().1;
    let mut first = true;
    while !stop.load(Ordering::Relaxed) {
        let now = sys::now_ns();
        if now - last > GAP {
            let s = sys::thread_switches().1;
            if s != switches {
                switches = s;
                // The first burst began before the measurement did.
                if !first && v.len() < v.capacity() {
                    v.push(last - start);
                }
                first = false;
                start = now;
            }
        }
        last = now;
    }
    v
}

/// Runs two SCHED_RANDOM spinners set up by `setup` on the last CPU for
/// `secs` and returns the lengths of all their bursts, sorted.
fn burst_lengths(setup: fn() -> sys::SysResult, secs: f64) -> Result<Vec<u64>, String> {
    let cpu = workers::last_cpu();
    let stop = Arc::new(AtomicBool::new(false));
    let go = Arc::new(Barrier::new(3));
    let mut handles = Vec::new();
    for _ in 0..2 {
        let (stop, go) = (stop.clone(), go.clone());
        handles.push(std::thread::spawn(move || {
            let ok = sys::set_affinity(0, 1 << cpu).is_ok() && setup().is_ok();
            go.wait();
            if ok {
                Ok(bursts(&stop))
            } else {
                Err("spinner setup failed".to_string())
            }
        }));
    }
    let r = workers::as_controller(1, || {
        go.wait();
        std::thread::sleep(Duration::from_secs_f64(secs));
        stop.store(true, Ordering::Relaxed);
    });
    stop.store(true, Ordering::Relaxed);
    let mut all = Vec::new();
    for h in handles {
        all.extend(h.join().map_err(|_| "spinner panicked".to_string())??);
    }
    r?;
    all.sort_unstable();
    Ok(all)
}

fn quantile(v: &[u64], q: f64) -> u64 {
    v.get(((v.len() as f64 - 1.0) * q) as usize).copied().unwrap_or(0)
}

/// Random slice lengths: two chaos-mode tasks with the default minimum (10
/// us, the shortest) and 4 ms slices get bursts far shorter than the 4 ms
/// slices of the control, and far more varied than any fixed slice gives
/// (a fixed slice L with repeated picks gives L, 2L, 3L, ...: a 90th
/// percentile about 4x the 10th).
fn slices_vary() -> TestResult {
    let chaos = burst_lengths(|| set_random(0, true, 0, 4 * MS), 1.5)?;
    let control = burst_lengths(|| set_random(0, false, 0, 4 * MS), 1.5)?;
    let ms = |ns: u64| ns as f64 / MS as f64;
    let (c10, c50, c90) = (quantile(&chaos, 0.1), quantile(&chaos, 0.5), quantile(&chaos, 0.9));
    let (f10, f50, f90) = (quantile(&control, 0.1), quantile(&control, 0.5), quantile(&control, 0.9));
    let detail = format!(
        "bursts (10th/50th/90th percentile): chaos 10us-4ms {:.2}/{:.2}/{:.2} ms of {}, fixed 4 ms {:.2}/{:.2}/{:.2} ms of {}",
        ms(c10),
        ms(c50),
        ms(c90),
        chaos.len(),
        ms(f10),
        ms(f50),
        ms(f90),
        control.len()
    );
    ensure!(chaos.len() >= 100 && control.len() >= 40, "too few bursts to judge: {detail}");
    // The control's median, not its low end: a vCPU that the host stalls
    // right after a switch-in cuts the burst its task can see (10th
    // percentile 2.7 ms of 4 ms slices under stress-ng on the host).
    ensure!(f50 >= 3 * MS, "the control's slices are not 4 ms: {detail}");
    ensure!(c10 * 3 <= f10, "chaos-mode slices are not shorter than the slice: {detail}");
    ensure!(c90 >= 6 * c10, "chaos-mode slices do not vary (a fixed slice gives about 4x): {detail}");
    Ok(detail)
}

/// One wakeup experiment on the last CPU: `n` spinners and a sleeper W,
/// each SCHED_RANDOM with a fixed 5 ms slice, all in chaos mode or none. W
/// waits on a futex; once it has slept 1.5-2.5 ms, whichever spinner runs
/// wakes it (a wakeup on the CPU itself: a timer would fire on another CPU
/// of a nohz_full one and wake W through an IPI, late). Every task logs
/// when it takes the CPU over from another, and the waker when its wake
/// call returns. Returns, for each of `samples` wakeups, who ran just
/// after it: 0 for W, 1 for the waker (nobody else took the CPU before its
/// call returned), 2.. for the other spinners by id. No time window: a
/// switch may take as long as the machine needs.
fn wakeup_outcomes(chaos: bool, n: usize, samples: usize) -> Result<Vec<usize>, String> {
    let cpu = workers::last_cpu();
    let log: Arc<Vec<AtomicU64>> = Arc::new((0..1 << 16).map(|_| AtomicU64::new(0)).collect());
    // wakes[k]: when and by whom W's k-th sleep was ended (time << 4 | id).
    let wakes: Arc<Vec<AtomicU64>> = Arc::new((0..samples).map(|_| AtomicU64::new(0)).collect());
    // woke[k]: when the waker's wake call for that sleep returned.
    let woke: Arc<Vec<AtomicU64>> = Arc::new((0..samples).map(|_| AtomicU64::new(0)).collect());
    let (next, round) = (Arc::new(AtomicUsize::new(0)), Arc::new(AtomicUsize::new(0)));
    let owner = Arc::new(AtomicUsize::new(usize::MAX));
    let (asleep, due) = (Arc::new(AtomicU32::new(0)), Arc::new(AtomicU64::new(u64::MAX)));
    let stop = Arc::new(AtomicBool::new(false));
    let go = Arc::new(Barrier::new(n + 2));
    // Records that task `id` has the CPU, if it did not have it already.
    fn took_over(id: usize, owner: &AtomicUsize, next: &AtomicUsize, log: &[AtomicU64]) {
        if owner.load(Ordering::Relaxed) != id {
            owner.store(id, Ordering::Relaxed);
            let k = next.fetch_add(1, Ordering::Relaxed);
            if let Some(slot) = log.get(k) {
                slot.store(sys::now_ns() << 4 | id as u64, Ordering::Relaxed);
            }
        }
    }
    let setup = move || sys::set_affinity(0, 1 << cpu).is_ok() && set_random(0, chaos, 5 * MS, 5 * MS).is_ok();
    let mut spinners = Vec::new();
    for id in 0..n {
        let (log, next, owner, stop, go) = (log.clone(), next.clone(), owner.clone(), stop.clone(), go.clone());
        let (asleep, due, wakes, round) = (asleep.clone(), due.clone(), wakes.clone(), round.clone());
        let woke = woke.clone();
        spinners.push(std::thread::spawn(move || {
            let ok = setup();
            go.wait();
            while ok && !stop.load(Ordering::Relaxed) {
                took_over(id, &owner, &next, &log);
                if asleep.load(Ordering::Acquire) == 1
                    && sys::now_ns() >= due.load(Ordering::Relaxed)
                    && asleep.compare_exchange(1, 0, Ordering::AcqRel, Ordering::Relaxed).is_ok()
                {
                    // W moves on to the next round as soon as it runs.
                    let k = round.load(Ordering::Relaxed);
                    if let Some(w) = wakes.get(k) {
                        w.store(sys::now_ns() << 4 | id as u64, Ordering::Relaxed);
                    }
                    let _ = sys::futex(&asleep, sys::FUTEX_WAKE, 1);
                    if let Some(w) = woke.get(k) {
                        w.store(sys::now_ns(), Ordering::Relaxed);
                    }
                }
            }
            ok
        }));
    }
    let (log2, next2, owner2, go2, wakes2) = (log.clone(), next.clone(), owner.clone(), go.clone(), wakes.clone());
    let sleeper = std::thread::spawn(move || -> Result<Vec<bool>, String> {
        let ok = setup();
        go2.wait();
        ensure!(ok, "sleeper setup failed");
        // slept[k]: W really blocked in its k-th wait (not woken before it).
        let mut slept = Vec::with_capacity(samples);
        let mut x = sys::now_ns() | 1;
        for k in 0..samples {
            took_over(n, &owner2, &next2, &log2);
            x ^= x << 13;
            x ^= x >> 7;
            x ^= x << 17;
            round.store(k, Ordering::Relaxed);
            due.store(sys::now_ns() + 1_500 * US + x % MS, Ordering::Relaxed);
            asleep.store(1, Ordering::Release);
            let mut blocked = false;
            while asleep.load(Ordering::Acquire) == 1 {
                blocked |= sys::futex(&asleep, sys::FUTEX_WAIT, 1) == Ok(0);
            }
            slept.push(blocked && wakes2[k].load(Ordering::Relaxed) != 0);
        }
        Ok(slept)
    });
    let slept = workers::as_controller(1, || {
        go.wait();
        let d = sleeper.join();
        stop.store(true, Ordering::Relaxed);
        d
    });
    stop.store(true, Ordering::Relaxed);
    let spun = spinners.into_iter().all(|h| h.join().unwrap_or(false));
    let slept = slept?.map_err(|_| "sleeper panicked".to_string())??;
    ensure!(spun, "spinner setup failed");
    let used = next.load(Ordering::Relaxed).min(log.len());
    let mut events: Vec<(u64, usize)> =
        log[..used].iter().map(|e| e.load(Ordering::Relaxed)).map(|e| (e >> 4, (e & 15) as usize)).collect();
    events.sort_unstable();
    let mut out = Vec::new();
    for (k, _) in slept.iter().enumerate().filter(|(_, &s)| s) {
        let w = wakes[k].load(Ordering::Relaxed);
        let (t, waker, back) = (w >> 4, (w & 15) as usize, woke[k].load(Ordering::Relaxed));
        if back == 0 {
            continue;
        }
        let i = events.partition_point(|e| e.0 <= t);
        let chosen = match events.get(i) {
            Some(&(at, id)) if at < back => id,
            _ => waker,
        };
        out.push(match chosen {
            c if c == n => 0,
            c if c == waker => 1,
            c => 2 + (0..n).filter(|&o| o != waker).position(|o| o == c).unwrap_or(0),
        });
    }
    Ok(out)
}

/// Wakeups as decision points: with chaos mode, who runs right after a
/// wakeup is uniform among the sleeper, the running task and the other
/// runnable tasks (chi-square); without it, the running task goes on.
fn wakeup_uniform() -> TestResult {
    const N: usize = 3;
    let tally = |v: &[usize]| {
        let mut c = vec![0u64; N + 1];
        for &o in v {
            c[o] += 1;
        }
        c
    };
    let chaos = tally(&wakeup_outcomes(true, N, 400)?);
    let control = tally(&wakeup_outcomes(false, N, 150)?);
    let (total, ctotal) = (chaos.iter().sum::<u64>(), control.iter().sum::<u64>());
    let chi2 = workers::chi_square(&chaos);
    let crit = workers::chi_square_critical_0_001(N);
    let detail = format!(
        "after a wakeup [woken, waker (running), other spinners]: chaos {chaos:?} of {total} (chi2 {chi2:.2}, crit {crit}), without chaos {control:?} of {ctotal}"
    );
    ensure!(total >= 300 && ctotal >= 100, "too few wakeups to judge: {detail}");
    ensure!(chi2 <= crit, "the draw at a wakeup is not uniform: {detail}");
    ensure!(control[1] * 10 >= ctotal * 6, "without chaos mode a wakeup should not change the running task: {detail}");
    Ok(detail)
}

/// One `sched_random_decision` event: (seq, why, nr, index).
type Decision = (u64, String, u32, u32);

fn parse_decisions(trace: &str, cpu: usize) -> Vec<Decision> {
    let cpu_field = format!("cpu={cpu} ");
    trace
        .lines()
        .filter_map(|l| l.split_once("sched_random_decision: ").map(|(_, r)| r))
        .filter(|r| r.starts_with(&cpu_field))
        .filter_map(|r| {
            let field = |k: &str| r.split_whitespace().find_map(|f| f.strip_prefix(k));
            Some((
                field("seq=")?.parse().ok()?,
                field("why=")?.to_string(),
                field("nr=")?.parse().ok()?,
                field("index=")?.parse().ok()?,
            ))
        })
        .collect()
}

/// A fixed seed gives the same decisions for the same scheduling events:
/// three tasks yield to each other on one CPU; after each write of the
/// seed the CPU's decisions restart at seq 1, and two runs with the same
/// seed draw the same index at every decision where their events agree, a
/// run with another seed different ones.
fn seed_reproduces() -> TestResult {
    const LEN: usize = 200;
    let ev = "/sys/kernel/tracing/events/sched_random/sched_random_decision/enable";
    let en = std::fs::read_to_string(ev).map_err(|e| format!("{ev}: {e}"))?;
    ensure!(
        en.trim() == "1",
        "the decision tracepoint is off (boot with trace_event=sched_random:sched_random_decision)"
    );
    let cpu = workers::last_cpu();
    let trace = format!("/sys/kernel/tracing/per_cpu/cpu{cpu}/trace");
    let stop = Arc::new(AtomicBool::new(false));
    // Paused, the yielders park: no decisions while the trace is read (a
    // writer that laps the reader loses events in the middle).
    let paused = Arc::new(AtomicBool::new(true));
    let parked = Arc::new(AtomicUsize::new(0));
    let yields: Arc<Vec<AtomicU64>> = Arc::new((0..3).map(|_| AtomicU64::new(0)).collect());
    let mut yielders = Vec::new();
    for i in 0..3 {
        let (stop, paused, parked, yields) = (stop.clone(), paused.clone(), parked.clone(), yields.clone());
        yielders.push(std::thread::spawn(move || {
            let ok = sys::set_affinity(0, 1 << cpu).is_ok() && sys::sched_setscheduler(0, SCHED_RANDOM, 0).is_ok();
            while ok && !stop.load(Ordering::Relaxed) {
                if paused.load(Ordering::Acquire) {
                    parked.fetch_add(1, Ordering::AcqRel);
                    while paused.load(Ordering::Acquire) && !stop.load(Ordering::Relaxed) {
                        std::thread::park();
                    }
                    parked.fetch_sub(1, Ordering::AcqRel);
                    continue;
                }
                // A little work between yields keeps the trace small.
                let t = sys::now_ns();
                while sys::now_ns() - t < 20_000 {}
                sys::sched_yield();
                yields[i].fetch_add(1, Ordering::Relaxed);
            }
            ok
        }));
    }
    let threads: Vec<std::thread::Thread> = yielders.iter().map(|h| h.thread().clone()).collect();
    let seed = sys::now_ns() | 1;
    let runs = workers::as_controller(1, || -> Result<Vec<Vec<Decision>>, String> {
        let wait = |what: &str, cond: &dyn Fn() -> bool| -> Result<(), String> {
            let t0 = sys::now_ns();
            while !cond() {
                ensure!(sys::now_ns() - t0 < 5_000_000_000, "the yielders did not {what} within 5 s");
                std::thread::sleep(Duration::from_millis(1));
            }
            Ok(())
        };
        let mut runs = Vec::new();
        for s in [seed, seed, seed + 2] {
            // All three yield on the CPU before the seed is written.
            let base: Vec<u64> = yields.iter().map(|y| y.load(Ordering::Relaxed)).collect();
            paused.store(false, Ordering::Release);
            threads.iter().for_each(|t| t.unpark());
            wait("all yield", &|| yields.iter().zip(&base).all(|(y, b)| y.load(Ordering::Relaxed) >= b + 50))?;
            std::fs::write(&trace, "").map_err(|e| format!("clear {trace}: {e}"))?;
            std::fs::write(sys::SEED_SYSCTL, format!("{s}\n")).map_err(|e| format!("{}: {e}", sys::SEED_SYSCTL))?;
            // Every yield is a decision among the three: wait for enough of
            // them, however slowly the machine runs.
            let seeded: u64 = yields.iter().map(|y| y.load(Ordering::Relaxed)).sum();
            let enough = seeded + (LEN + LEN / 2) as u64;
            wait("yield after seeding", &|| yields.iter().map(|y| y.load(Ordering::Relaxed)).sum::<u64>() >= enough)?;
            paused.store(true, Ordering::Release);
            wait("park", &|| parked.load(Ordering::Acquire) == 3)?;
            let text = std::fs::read_to_string(&trace).map_err(|e| format!("{trace}: {e}"))?;
            let d = parse_decisions(&text, cpu);
            // The decisions since the seed was written start at seq 1. A
            // draw among one task takes nothing from the stream: only the
            // others are compared.
            let from =
                d.iter().rposition(|x| x.0 == 1).ok_or(format!("no seq=1 decision on CPU {cpu} after seeding"))?;
            let gap = d[from..].iter().enumerate().find(|(i, x)| x.0 != (*i + 1) as u64);
            ensure!(
                gap.is_none(),
                "CPU {cpu}'s decisions after seeding are not numbered 1, 2, 3, ...: {:?} at position {:?} of {}",
                gap.map(|g| g.1),
                gap.map(|g| g.0),
                d.len() - from
            );
            runs.push(d[from..].iter().filter(|x| x.2 >= 2).cloned().collect());
        }
        Ok(runs)
    });
    stop.store(true, Ordering::Relaxed);
    threads.iter().for_each(|t| t.unpark());
    let ok = yielders.into_iter().all(|h| h.join().unwrap_or(false));
    let _ = std::fs::write(sys::SEED_SYSCTL, "0\n");
    let runs = runs??;
    ensure!(ok, "yielder setup failed");
    for r in &runs {
        ensure!(r.len() >= LEN, "{} decisions among two tasks or more after seeding (want {LEN})", r.len());
    }
    // Each decision among two tasks or more takes one draw from the CPU's
    // stream, so the k-th of them used the k-th draw in every run. Compare
    // the draws where the scheduling events agree (the same kind of
    // decision among as many tasks): a preemption by another class changes
    // that decision, not the position of the ones after it.
    let pairs = |b: &[Decision]| -> Vec<(u32, u32)> {
        runs[0].iter().zip(b).take(LEN).filter(|(x, y)| (&x.1, x.2) == (&y.1, y.2)).map(|(x, y)| (x.3, y.3)).collect()
    };
    let (p_same, p_other) = (pairs(&runs[1]), pairs(&runs[2]));
    let (same, other) = (p_same.len(), p_other.len());
    let differ = |p: &[(u32, u32)]| p.iter().filter(|(x, y)| x != y).count();
    let (d_same, d_other) = (differ(&p_same), differ(&p_other));
    let head =
        |r: &[Decision]| r.iter().take(4).map(|d| format!("{}:{}/{}:{}", d.0, d.1, d.2, d.3)).collect::<Vec<_>>();
    let detail = format!(
        "CPU {cpu}, seed {seed}: {same} of {LEN} decisions with the same events, {d_same} indices differ; seed {}: {d_other} of {other} differ (first decisions, seq:why/nr:index: {:?} {:?} {:?})",
        seed + 2,
        head(&runs[0]),
        head(&runs[1]),
        head(&runs[2])
    );
    ensure!(same >= LEN / 2 && other >= LEN / 2, "the runs' events differ too often to compare: {detail}");
    ensure!(d_same == 0, "the same seed gave other decisions: {detail}");
    ensure!(d_other * 5 >= other, "another seed gave (nearly) the same decisions: {detail}");
    Ok(detail)
}

/// Yields of a spinner that switched to no other task, and all its yields,
/// over `window` on one CPU: a spinner that yields every 100 us of CPU, a
/// plain spinner, and two sleepers woken by one timer interrupt every
/// millisecond (they sleep until the same deadlines), all in chaos mode if
/// `chaos`. The spinner's involuntary switches (getrusage) tell whether a
/// yield let another task run; one always may, the plain spinner.
fn ignored_yields(chaos: bool, window: Duration) -> Result<(u64, u64), String> {
    let cpu = workers::last_cpu();
    let stop = Arc::new(AtomicBool::new(false));
    let start = Arc::new(Barrier::new(5));
    let setup = move |chaos: bool| -> Result<(), String> {
        sys::set_affinity(0, 1 << cpu).map_err(err("affinity"))?;
        set_random(0, chaos, 0, 0).map_err(err("SCHED_RANDOM"))?;
        Ok(())
    };
    let yielder = {
        let (stop, start) = (stop.clone(), start.clone());
        std::thread::spawn(move || -> Result<(u64, u64), String> {
            let r = setup(chaos);
            start.wait();
            r?;
            let (mut yields, mut ignored) = (0u64, 0u64);
            while !stop.load(Ordering::Relaxed) {
                let t0 = sys::thread_cpu_ns();
                while sys::thread_cpu_ns().saturating_sub(t0) < 100 * US {
                    std::hint::spin_loop();
                }
                let before = sys::thread_switches();
                sys::sched_yield();
                yields += 1;
                if sys::thread_switches() == before {
                    ignored += 1;
                }
            }
            Ok((yields, ignored))
        })
    };
    let spinner = {
        let (stop, start) = (stop.clone(), start.clone());
        std::thread::spawn(move || -> Result<(u64, u64), String> {
            let r = setup(chaos);
            start.wait();
            r?;
            while !stop.load(Ordering::Relaxed) {
                std::hint::spin_loop();
            }
            Ok((0, 0))
        })
    };
    let base = sys::now_ns();
    let sleepers: Vec<_> = (0..2)
        .map(|_| {
            let (stop, start) = (stop.clone(), start.clone());
            std::thread::spawn(move || -> Result<(u64, u64), String> {
                let r = setup(chaos);
                start.wait();
                r?;
                let mut deadline = base;
                while !stop.load(Ordering::Relaxed) {
                    deadline += MS;
                    let _ = sys::sleep_until_ns(deadline);
                }
                Ok((0, 0))
            })
        })
        .collect();
    let r = workers::as_controller(1, || {
        start.wait();
        std::thread::sleep(window);
        stop.store(true, Ordering::Relaxed);
    });
    stop.store(true, Ordering::Relaxed);
    let mut out = yielder.join().map_err(|_| "yielder panicked".to_string())?;
    for t in std::iter::once(spinner).chain(sleepers) {
        let got = t.join().map_err(|_| "thread panicked".to_string())?;
        if out.is_ok() {
            out = got.map(|_| out.clone().unwrap_or_default());
        }
    }
    r?;
    out
}

/// Review of round 2: a chaos-mode wakeup decision that kept the running
/// task left it as the next pick's choice; a pick that returned the
/// running task again started no slice, so the choice outlived it, and
/// every sched_yield() of that task until its slice ended picked it once
/// more. A yield must always let another runnable task run. Control: the
/// same tasks without chaos mode (no wakeup decisions).
fn yield_after_wakeup_decision() -> TestResult {
    let window = Duration::from_secs(2);
    let (cyields, cignored) = ignored_yields(false, window)?;
    let (yields, ignored) = ignored_yields(true, window)?;
    let detail = format!(
        "yields that switched to no other task over {} s: chaos mode {ignored} of {yields}, without chaos mode (control) {cignored} of {cyields}",
        window.as_secs()
    );
    // Without chaos mode a yield hands the CPU to the spinner for a whole
    // 4 ms slice: 90 to 160 yields in 2 s under TCG.
    ensure!(cyields >= 40 && yields >= 100, "inconclusive: too few yields: {detail}");
    ensure!(cignored == 0, "inconclusive: yields were ignored without chaos mode too: {detail}");
    // The stale wakeup decision kept 18 of 483 yields (3.7 %). One race
    // is left: a tick that ends the yielder's slice between its yield and
    // the pick begins a new slice, which drops the yield mark (1 of 543 in
    // CI's rehearsal of 07eec4e); until the pick consumes the mark instead,
    // up to 1 % is let through.
    ensure!(ignored * 100 <= yields, "a yield kept the CPU while another task was runnable: {detail}");
    Ok(detail)
}
