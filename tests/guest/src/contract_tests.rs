// SPDX-License-Identifier: GPL-2.0
//! What `kernel/sched/core.c`, the balancers, NO_HZ_FULL, PI, cgroups and
//! cpufreq expect of a scheduling class, tested on SCHED_RANDOM with a
//! SCHED_OTHER or SCHED_FIFO control in the same run where the environment
//! can move the number. Each test names the defect it guards against.

use crate::sched_tests::{err, set_slice};
use crate::workers::{self, Crew, WorkerSpec};
use crate::{ensure, Test, TestResult};
use srsys::{self as sys, EPERM, SCHED_FIFO, SCHED_OTHER, SCHED_RANDOM};
use std::sync::atomic::{AtomicBool, AtomicU32, Ordering};
use std::sync::Arc;
use std::time::{Duration, Instant};

pub fn tests() -> Vec<Test> {
    vec![
        Test { name: "contract.stranded_behind_fifo", run: || crate::retry_once(stranded_behind_fifo) },
        Test { name: "contract.class_change_under_fair_server", run: class_change_under_fair_server },
        Test { name: "contract.class_order_tickless", run: class_order_tickless },
        Test { name: "contract.spread_after_widening", run: spread_after_widening },
        Test { name: "contract.moved_behind_fifo", run: || crate::retry_once(moved_behind_fifo) },
        Test { name: "contract.help_from_one_wakeup", run: help_from_one_wakeup },
        Test { name: "contract.tick_ends_slices", run: tick_ends_slices },
        Test { name: "contract.short_slice_ends_on_time", run: || crate::retry_once(short_slice_ends_on_time) },
        Test { name: "contract.slice_shortened_while_running", run: slice_shortened_while_running },
        Test { name: "contract.slice_kept_across_affinity_toggle", run: slice_kept_affinity },
        Test { name: "contract.slice_kept_across_nice_toggle", run: slice_kept_nice },
        Test { name: "contract.utilization_signal", run: utilization_signal },
        Test { name: "contract.pi_random_waiter", run: pi_random_waiter },
        Test { name: "contract.setattr_nice", run: setattr_nice },
        Test { name: "contract.sysrq_n_normalizes", run: sysrq_n_normalizes },
        Test { name: "contract.rlimit_rttime", run: rlimit_rttime },
        Test { name: "contract.hotplug_churn", run: hotplug_churn },
        Test { name: "contract.cgroup_freeze", run: cgroup_freeze },
        Test { name: "contract.cgroup_weight_not_applied", run: cgroup_weight_not_applied },
        Test { name: "contract.cpuset_partition", run: cpuset_partition },
    ]
}

fn secs(ns: u64) -> f64 {
    ns as f64 / 1e9
}

/// Runtime (ns) of thread `tid` of this process, from its CPU clock: up to
/// date even for a lone task on a tickless CPU, whose schedstat runtime
/// may be a second old (a spinner moved to a nohz_full CPU once showed
/// 68 % of a window it had run through).
pub(crate) fn runtime(tid: i32) -> u64 {
    sys::thread_cputime_ns(tid).unwrap_or(0)
}

/// The share of the next `window` (the caller sleeps through it) that
/// thread `tid` of this process runs.
fn share_over(tid: i32, window: Duration) -> f64 {
    let (r0, t0) = (runtime(tid), Instant::now());
    std::thread::sleep(window);
    runtime(tid).saturating_sub(r0) as f64 / t0.elapsed().as_nanos() as f64
}

/// A SCHED_FIFO 10 thread pinned to `cpu` that spins until `stop`.
pub(crate) fn fifo_hog(cpu: usize, stop: Arc<AtomicBool>) -> std::thread::JoinHandle<Result<(), String>> {
    std::thread::spawn(move || {
        sys::set_affinity(0, 1 << cpu).map_err(err("hog affinity"))?;
        sys::sched_setscheduler(0, SCHED_FIFO, 10).map_err(err("hog SCHED_FIFO"))?;
        while !stop.load(Ordering::Relaxed) {
            std::hint::spin_loop();
        }
        let _ = sys::sched_setscheduler(0, SCHED_OTHER, 0);
        Ok(())
    })
}

/// Share of a window a spinner of `policy` gets when it is queued on the
/// last CPU behind a SCHED_FIFO hog while every other CPU may run it.
fn stranded_share(policy: u32) -> Result<f64, String> {
    let cpu = workers::last_cpu();
    let crew = Crew::start(&[WorkerSpec { policy, prio: 0, mask: 1 << cpu, record: false }])?;
    let tid = crew.tids()[0];
    let stop = Arc::new(AtomicBool::new(false));
    let r = workers::as_controller(1, || -> Result<f64, String> {
        crew.go();
        std::thread::sleep(Duration::from_millis(100));
        let hog = fifo_hog(cpu, stop.clone());
        std::thread::sleep(Duration::from_millis(100));
        // Now allowed everywhere, but queued behind the hog.
        sys::set_affinity(tid, sys::online_mask()).map_err(err("widen"))?;
        std::thread::sleep(Duration::from_millis(300));
        let share = share_over(tid, Duration::from_millis(1500));
        stop.store(true, Ordering::Relaxed);
        hog.join().map_err(|_| "hog panicked".to_string())??;
        Ok(share)
    })?;
    stop.store(true, Ordering::Relaxed);
    crew.finish();
    r
}

/// Defect 1: a task stranded behind a higher class with idle CPUs.
fn stranded_behind_fifo() -> TestResult {
    let random = stranded_share(SCHED_RANDOM)?;
    let other = stranded_share(SCHED_OTHER)?;
    let detail = format!(
        "spinner queued behind a SCHED_FIFO hog, then allowed on every CPU: SCHED_RANDOM got {:.1}% of 1.5 s, SCHED_OTHER (control) {:.1}%",
        100.0 * random,
        100.0 * other
    );
    // The control: a fair task is pulled at once. If it is not, the
    // environment (a stalled host), not the class, decides the figure.
    // Not where CPUs are nohz_full: the fair balancer leaves those out of
    // idle balancing, and the control got 42-62 % on the hardened kernel.
    ensure!(
        !workers::nohz_full_cpus().is_empty() || other >= 0.70,
        "inconclusive: the SCHED_OTHER control also stayed behind the hog: {detail}"
    );
    ensure!(random >= 0.70, "the SCHED_RANDOM task stayed behind the hog: {detail}");
    Ok(detail)
}

/// Defects 1 and 9: 8 CPU-bound tasks started on one CPU, then allowed on
/// every CPU, must fill the CPUs at once (no tick, no lost kick needed).
fn spread_after_widening() -> TestResult {
    let ncpu = sys::online_cpus().len();
    let n = 2 * ncpu;
    let first = workers::last_cpu();
    let specs: Vec<WorkerSpec> =
        (0..n).map(|_| WorkerSpec { policy: SCHED_RANDOM, prio: 0, mask: 1 << first, record: false }).collect();
    let crew = Crew::start(&specs)?;
    let tids = crew.tids();
    let r = workers::as_controller(1, || -> Result<(f64, f64, Vec<f64>), String> {
        crew.go();
        std::thread::sleep(Duration::from_millis(200));
        // From the moment of widening: no settling time is granted.
        let (b0, j0) = workers::cpu_jiffies();
        let r0: Vec<u64> = tids.iter().map(|&t| runtime(t)).collect();
        for &t in &tids {
            sys::set_affinity(t, sys::online_mask()).map_err(err("widen"))?;
        }
        std::thread::sleep(Duration::from_millis(250));
        let (bq, jq) = workers::cpu_jiffies();
        std::thread::sleep(Duration::from_millis(1750));
        let (b1, j1) = workers::cpu_jiffies();
        let got = tids.iter().zip(&r0).map(|(&t, &r)| secs(runtime(t).saturating_sub(r))).collect();
        let busy_first = (bq - b0) as f64 / (jq - j0).max(1) as f64;
        Ok(((b1 - b0) as f64 / (j1 - j0).max(1) as f64, busy_first, got))
    })?;
    crew.finish();
    let (busy, busy_first, got) = r?;
    let fair = ncpu as f64 * 2.0 / n as f64;
    let min = got.iter().cloned().fold(f64::INFINITY, f64::min);
    let detail = format!(
        "{n} tasks started on CPU {first}, then allowed on {ncpu} CPUs: CPUs {:.1}% busy in the first 250 ms after the widening, {:.1}% over its first 2 s, per task {:?} s (fair {fair:.2})",
        100.0 * busy_first,
        100.0 * busy,
        got.iter().map(|g| (g * 100.0).round() / 100.0).collect::<Vec<_>>()
    );
    // One CPU of 4 busy until a tick or a balance would give 25 %.
    ensure!(busy_first >= 0.75, "the tasks did not spread at once: {detail}");
    ensure!(busy >= 0.90, "CPUs idle while tasks wait: {detail}");
    ensure!(min >= 0.4 * fair, "a task got under 40% of its fair share: {detail}");
    Ok(detail)
}

/// The smallest share of a 300 ms window that a spinner of `policy` gets,
/// over `trials` moves by core itself onto a CPU where a SCHED_FIFO hog
/// runs while another CPU it may use is idle; and a stall report of the
/// worst trial if it got under half. Each trial pins the spinner to the
/// controller's CPU 0, then allows it CPUs 1 (the hog's) and 3 (idle) only:
/// its CPU is no longer allowed, so core moves it with move_queued_task()
/// (the path of the migration stopper and of hotplug too) to the CPU that
/// cpumask_any_and_distribute() hands out, the first allowed one after
/// the CPU it last handed out on this CPU: 1, after 0.
fn moved_share(policy: u32, trials: usize) -> Result<(f64, String), String> {
    let (home, hog_cpu, idle_cpu) = (0usize, 1usize, 3usize);
    let crew = Crew::start(&[WorkerSpec { policy, prio: 0, mask: 1 << home, record: false }])?;
    let tid = crew.tids()[0];
    let stop = Arc::new(AtomicBool::new(false));
    let r = workers::as_controller(1 << home, || -> Result<(f64, String), String> {
        crew.go();
        let hog = fifo_hog(hog_cpu, stop.clone());
        std::thread::sleep(Duration::from_millis(100));
        let (mut min, mut report) = (f64::INFINITY, String::new());
        for _ in 0..trials {
            sys::set_affinity(tid, 1 << home).map_err(err("home"))?;
            std::thread::sleep(Duration::from_millis(50));
            sys::set_affinity(tid, (1 << hog_cpu) | (1 << idle_cpu)).map_err(err("move"))?;
            std::thread::sleep(Duration::from_millis(50));
            let share = share_over(tid, Duration::from_millis(300));
            if share < min {
                min = share;
                if share < 0.5 {
                    report = stall_report(&[tid]);
                }
            }
        }
        stop.store(true, Ordering::Relaxed);
        hog.join().map_err(|_| "hog panicked".to_string())??;
        Ok((min, report))
    })?;
    stop.store(true, Ordering::Relaxed);
    crew.finish();
    r
}

/// Review of 2026-12-05: a task that core moves (an affinity change, the
/// migration stopper, hotplug: move_queued_task(), ENQUEUE_MIGRATED) onto a
/// CPU that runs a SCHED_FIFO hog waits there while an allowed CPU is idle,
/// unless the class pushes it on arrival.
fn moved_behind_fifo() -> TestResult {
    const TRIALS: usize = 4;
    if !(0..4).all(|c| sys::online_cpus().contains(&c)) {
        return crate::skip(format!("needs CPUs 0-3 online, has {:?}", sys::online_cpus()));
    }
    let (random, report) = moved_share(SCHED_RANDOM, TRIALS)?;
    let (other, _) = moved_share(SCHED_OTHER, TRIALS)?;
    let detail = format!(
        "spinner moved by core onto a SCHED_FIFO hog's CPU with an allowed CPU idle, {TRIALS} times: smallest share of 300 ms SCHED_RANDOM {:.1}%, SCHED_OTHER (control) {:.1}%",
        100.0 * random,
        100.0 * other
    );
    // The control gates only where the fair balancer may use the idle
    // CPU: a nohz_full CPU 3 is left out of idle balancing (control 0 %
    // on the hardened kernel).
    ensure!(
        workers::nohz_full_cpus().contains(&3) || other >= 0.5,
        "inconclusive: the SCHED_OTHER control also stayed behind the hog: {detail}"
    );
    ensure!(random >= 0.5, "the SCHED_RANDOM task stayed behind the hog: {detail} {report}");
    Ok(detail)
}

/// State letter (R, S, D, ...) of thread `tid` of this process.
fn thread_state(tid: i32) -> Option<char> {
    let s = std::fs::read_to_string(format!("/proc/self/task/{tid}/stat")).ok()?;
    s[s.rfind(')')? + 1..].trim_start().chars().next()
}

/// Returns once thread `tid` of this process sleeps (an error after 2 s),
/// calling `pause` between looks.
fn until_asleep(tid: i32, pause: impl Fn()) -> Result<(), String> {
    let t0 = Instant::now();
    while thread_state(tid) != Some('S') {
        if t0.elapsed() > Duration::from_secs(2) {
            return Err(format!("thread {tid} did not go to sleep (state {:?})", thread_state(tid)));
        }
        pause();
    }
    Ok(())
}

/// Spins for `d` (a SCHED_FIFO thread that must keep its CPU busy).
fn spin_for(d: Duration) {
    let t0 = Instant::now();
    while t0.elapsed() < d {
        std::hint::spin_loop();
    }
}

/// The shares of a 500 ms window that `n` (1 or 2) waiting SCHED_RANDOM
/// spinners get after one wakeup, in one interrupts-off region, gives each
/// of their CPUs a second SCHED_RANDOM task while an idle CPU could run
/// them; see [`help_from_one_wakeup`]. Spinner i waits on CPU busy[i] behind
/// a SCHED_FIFO hog and may also run on idle[i]: CPU 3, and CPU 0, which
/// the controller leaves idle while it sleeps.
fn shares_after_one_wakeup(n: usize) -> Result<(Vec<f64>, String), String> {
    const WINDOW: Duration = Duration::from_millis(500);
    let (busy, idle) = ([1usize, 2], [3usize, 0]);
    let (rd, mut wr) = sys::pipe().map_err(err("pipe"))?;
    let rd = Arc::new(rd);
    // One poller per busy CPU, pinned there. The wakeup takes the newest
    // poller first, so CPU 2's polls first: CPU 1 then gets its second
    // task first, and the old single kick slot lost the kick it made.
    let mut waiters = Vec::new();
    for i in (0..n).rev() {
        let (rd, cpu) = (rd.clone(), busy[i]);
        let (tx, rx) = std::sync::mpsc::channel();
        waiters.push(std::thread::spawn(move || -> Result<(), String> {
            sys::set_affinity(0, 1 << cpu).map_err(err("poller affinity"))?;
            sys::sched_setscheduler(0, SCHED_RANDOM, 0).map_err(err("poller SCHED_RANDOM"))?;
            let _ = tx.send(sys::gettid());
            sys::poll_in(&*rd, 20_000).map_err(err("poll"))?;
            Ok(())
        }));
        let tid = rx.recv().map_err(err("poller start"))?;
        until_asleep(tid, || std::thread::sleep(Duration::from_millis(1)))?;
    }
    let specs: Vec<WorkerSpec> =
        busy[..n].iter().map(|&c| WorkerSpec { policy: SCHED_RANDOM, prio: 0, mask: 1 << c, record: false }).collect();
    let crew = Crew::start(&specs)?;
    let tids = crew.tids();
    let (stop, fire) = (Arc::new(AtomicBool::new(false)), Arc::new(AtomicBool::new(false)));
    let controller = sys::gettid();
    let r = workers::as_controller(1, || -> Result<(Vec<f64>, String), String> {
        crew.go();
        // The hog of CPU 1 makes the wakeup: it writes to the pipe, in its
        // own time, and measures the window, so that no task of the test
        // wakes on an idle CPU meanwhile.
        let writer = {
            let (stop, fire, tids) = (stop.clone(), fire.clone(), tids.clone());
            std::thread::spawn(move || -> Result<(Vec<f64>, String), String> {
                sys::set_affinity(0, 1 << busy[0]).map_err(err("hog affinity"))?;
                sys::sched_setscheduler(0, SCHED_FIFO, 10).map_err(err("hog SCHED_FIFO"))?;
                while !fire.load(Ordering::Relaxed) {
                    std::hint::spin_loop();
                }
                // The controller's CPU must be idle, not only its task
                // asleep, and /proc cannot show that: 20 ms more.
                until_asleep(controller, std::hint::spin_loop)?;
                spin_for(Duration::from_millis(20));
                std::io::Write::write_all(&mut wr, b"w").map_err(err("pipe write"))?;
                let (r0, t0) = (tids.iter().map(|&t| runtime(t)).collect::<Vec<_>>(), Instant::now());
                spin_for(WINDOW);
                let dt = t0.elapsed().as_nanos() as f64;
                let shares: Vec<f64> =
                    tids.iter().zip(&r0).map(|(&t, &r)| runtime(t).saturating_sub(r) as f64 / dt).collect();
                // Where a task that did not run was, while it still is.
                let report = if shares.iter().any(|&s| s < 0.5) { stall_report(&tids) } else { String::new() };
                while !stop.load(Ordering::Relaxed) {
                    std::hint::spin_loop();
                }
                let _ = sys::sched_setscheduler(0, SCHED_OTHER, 0);
                Ok((shares, report))
            })
        };
        let hog = (n > 1).then(|| fifo_hog(busy[1], stop.clone()));
        std::thread::sleep(Duration::from_millis(100));
        // Now also allowed on an idle CPU, but queued behind the hogs.
        for (i, &t) in tids.iter().enumerate() {
            sys::set_affinity(t, 1 << busy[i] | 1 << idle[i]).map_err(err("widen"))?;
        }
        std::thread::sleep(Duration::from_millis(200));
        fire.store(true, Ordering::Relaxed);
        std::thread::sleep(WINDOW + Duration::from_millis(300));
        stop.store(true, Ordering::Relaxed);
        let shares = writer.join().map_err(|_| "writer panicked".to_string())?;
        if let Some(h) = hog {
            h.join().map_err(|_| "hog panicked".to_string())??;
        }
        shares
    });
    stop.store(true, Ordering::Relaxed);
    crew.finish();
    for w in waiters {
        w.join().map_err(|_| "poller panicked".to_string())??;
    }
    r?
}

/// Defect 9: one wakeup that gives two busy CPUs a second SCHED_RANDOM task
/// each, while idle CPUs could run their waiting tasks, must get both
/// moving. The old class kicked an idle CPU from one irq_work slot per CPU,
/// which a second kick overwrote, and 6.12's __schedule(SM_IDLE) does not
/// even pick on a kicked CPU whose queue is empty, so it pulled nothing:
/// the spinners stayed behind their hogs. The push that replaced the kick
/// missed too, about 1 run in 6, in the control with one poller: its scan
/// for an idle CPU redrew its random start at every step and could stop
/// before the idle CPU, and a CPU that had just run a fair task counted the
/// fair server as a deadline task and neither took a push nor pulled.
fn help_from_one_wakeup() -> TestResult {
    if !(0..4).all(|c| sys::online_cpus().contains(&c)) {
        return crate::skip(format!("needs CPUs 0-3 online, has {:?}", sys::online_cpus()));
    }
    let (one, report1) = shares_after_one_wakeup(1)?;
    let (two, report2) = shares_after_one_wakeup(2)?;
    let pct = |v: &[f64]| v.iter().map(|s| format!("{:.0}%", 100.0 * s)).collect::<Vec<_>>().join(" and ");
    let detail = format!(
        "spinners waiting behind SCHED_FIFO hogs on CPUs 1 (may use idle CPU 3) and 2 (may use idle CPU 0), then one pipe write wakes a SCHED_RANDOM poller onto each hog's CPU: the spinners got {} of 500 ms (control, one poller: {})",
        pct(&two),
        pct(&one)
    );
    ensure!(
        one.iter().chain(&two).all(|&s| s >= 0.5),
        "a spinner stayed behind a hog with an idle CPU: {detail}; {report1}{report2}"
    );
    Ok(detail)
}

/// Defect 2: on a tickless (nohz_full) CPU, slices must still end.
fn tick_ends_slices() -> TestResult {
    let nohz = workers::nohz_full_cpus();
    let Some(&cpu) = nohz.last() else {
        return crate::skip("no nohz_full CPU on this kernel's command line");
    };
    let specs = workers::random_on(2, cpu);
    let crew = Crew::start(&specs)?;
    let (before, after) = workers::as_controller(1, || {
        crew.go();
        std::thread::sleep(Duration::from_millis(100));
        let before = crew.schedstats();
        std::thread::sleep(Duration::from_secs(2));
        (before, crew.schedstats())
    })?;
    crew.finish();
    let slices: Vec<u64> = before.iter().zip(&after).map(|(b, a)| a.1 - b.1).collect();
    let ran: Vec<f64> = before.iter().zip(&after).map(|(b, a)| secs(a.0 - b.0)).collect();
    let total_run: f64 = ran.iter().sum();
    // 4 ms slices ending at a 4 ms tick, and with two tasks a pick repeats
    // the running one half the time: about 8-12 ms per switch-in (14.5 ms
    // measured on a busy host). A stopped tick gives about 1000 ms.
    let per_slice_ms = 1000.0 * total_run / slices.iter().sum::<u64>().max(1) as f64;
    let detail = format!(
        "2 tasks on nohz_full CPU {cpu}: slices {slices:?}, runtime {:?} s of 2 s, {per_slice_ms:.1} ms per slice (sysctl 4 ms)",
        ran.iter().map(|r| (r * 100.0).round() / 100.0).collect::<Vec<_>>()
    );
    // The load ran: the two tasks own the CPU, so together about 2 s, and
    // each was switched in.
    ensure!(total_run >= 1.0, "the tasks hardly ran: {detail}");
    ensure!(slices.iter().all(|&n| n > 0), "a task was never switched in: {detail}");
    ensure!(per_slice_ms <= 40.0, "slices last far longer than 4 ms: {detail}");
    Ok(detail)
}

/// Milliseconds of CPU per switch-in of a crew's tasks over `window`.
fn ms_per_switch_in(crew: &Crew, window: Duration) -> f64 {
    let before = crew.schedstats();
    std::thread::sleep(window);
    let after = crew.schedstats();
    let run: u64 = before.iter().zip(&after).map(|(b, a)| a.0 - b.0).sum();
    let n: u64 = before.iter().zip(&after).map(|(b, a)| a.1 - b.1).sum();
    run as f64 / 1e6 / n.max(1) as f64
}

/// A slice shorter than a tick ends on time (hrtick), not at the next
/// 4 ms tick: two tasks with 100 us slices on one CPU, then the same two
/// with the default slice as the control, in the same run.
fn short_slice_ends_on_time() -> TestResult {
    let cpu = workers::last_cpu();
    let specs = workers::random_on(2, cpu);
    let crew = Crew::start(&specs)?;
    let tids = crew.tids();
    let r = workers::as_controller(1, || -> Result<(f64, f64), String> {
        crew.go();
        for &t in &tids {
            set_slice(t, 100_000).map_err(err("100 us slice"))?;
        }
        std::thread::sleep(Duration::from_millis(100));
        let short = ms_per_switch_in(&crew, Duration::from_secs(1));
        for &t in &tids {
            set_slice(t, 0).map_err(err("default slice"))?;
        }
        std::thread::sleep(Duration::from_millis(100));
        Ok((short, ms_per_switch_in(&crew, Duration::from_secs(1))))
    })?;
    crew.finish();
    let (short, default) = r?;
    // With two tasks a pick repeats the running one half the time: about
    // two slices per switch-in, 0.2 ms against 8 ms on a quiet host. A busy
    // host stalls vCPUs while their task is charged and inflates both
    // figures alike (1.6 ms against 14.4 ms under stress-ng), so the short
    // slice is judged against the control of the same run: slices that
    // only ended at the tick would give the two the same figure.
    let detail = format!(
        "2 tasks on CPU {cpu}: {short:.3} ms of CPU per switch-in with 100 us slices, {default:.2} ms with the 4 ms default"
    );
    ensure!(default >= 3.0, "the control does not tell slices apart: {detail}");
    ensure!(
        short <= default / 4.0,
        "100 us slices are not ended before the tick (a quarter of the control's figure at most): {detail}"
    );
    Ok(detail)
}

/// CPU time (ms) that a SCHED_RANDOM spinner runs from a point of its
/// slice until it is switched out, `rounds` times, next to a plain
/// SCHED_RANDOM spinner on one CPU. With `shorten`, the spinner runs with
/// the default slice and sets its own slice to 200 us once it notices it
/// was switched in (a gap in its clock), then measures; otherwise its slice
/// is 200 us throughout and it measures from the same point (the control).
/// Returns the median and the mean.
fn run_after_shortening(shorten: bool, rounds: usize) -> Result<(f64, f64), String> {
    const SHORT: u64 = 200_000;
    let cpu = workers::last_cpu();
    let crew = Crew::start(&workers::random_on(1, cpu))?;
    let r = workers::as_controller(1, || -> Result<Vec<f64>, String> {
        crew.go();
        std::thread::spawn(move || -> Result<Vec<f64>, String> {
            sys::set_affinity(0, 1 << cpu).map_err(err("affinity"))?;
            sys::sched_setscheduler(0, SCHED_RANDOM, 0).map_err(err("SCHED_RANDOM"))?;
            let mut got = Vec::new();
            let mut last = Instant::now();
            // Waits for a switch-in (a gap of 100 us in the clock), then
            // returns the CPU clock at that point.
            let switched_in = |last: &mut Instant| loop {
                let now = Instant::now();
                let gap = now.duration_since(*last);
                *last = now;
                if gap > Duration::from_micros(100) {
                    return;
                }
            };
            if !shorten {
                set_slice(0, SHORT).map_err(err("200 us slice"))?;
            }
            let t_end = Instant::now() + Duration::from_secs(20);
            while got.len() < rounds && Instant::now() < t_end {
                switched_in(&mut last);
                if shorten {
                    set_slice(0, SHORT).map_err(err("200 us slice"))?;
                }
                let c0 = sys::thread_cpu_ns();
                last = Instant::now();
                switched_in(&mut last);
                got.push(sys::thread_cpu_ns().saturating_sub(c0) as f64 / 1e6);
                if shorten {
                    set_slice(0, 0).map_err(err("default slice"))?;
                }
            }
            let _ = sys::sched_setscheduler(0, SCHED_OTHER, 0);
            Ok(got)
        })
        .join()
        .map_err(|_| "spinner panicked".to_string())?
    })?;
    crew.finish();
    let mut v = r?;
    ensure!(v.len() >= rounds / 2, "only {} switch-ins in 20 s", v.len());
    v.sort_by(|a, b| a.total_cmp(b));
    Ok((v[v.len() / 2], v.iter().sum::<f64>() / v.len() as f64))
}

/// Review of round 2: a slice shortened by sched_setattr() while its task
/// runs ended at the next tick (up to 4 ms later), since a restore of the
/// running task armed no hrtick. A task switched in with the 4 ms default
/// sets its own slice to 200 us and must be switched out about as soon as
/// a task that had that slice from the start (the control, same run): with
/// two tasks a pick repeats the running one half the time, about 0.4 ms.
fn slice_shortened_while_running() -> TestResult {
    const ROUNDS: usize = 40;
    let (cmed, cmean) = run_after_shortening(false, ROUNDS)?;
    let (med, mean) = run_after_shortening(true, ROUNDS)?;
    let detail = format!(
        "CPU time until switched out, {ROUNDS} rounds: after shortening its slice to 200 us while running median {med:.2} ms (mean {mean:.2}); with 200 us from the start (control) median {cmed:.2} ms (mean {cmean:.2})"
    );
    ensure!(cmed <= 2.0, "inconclusive: the control's 200 us slices do not end before the 4 ms tick: {detail}");
    ensure!(med <= 2.0 * cmed + 0.2, "the shortened slice ran on to the tick: {detail}");
    Ok(detail)
}

/// Runs a SCHED_RANDOM task on the last CPU next to a plain SCHED_RANDOM
/// spinner; the task, in a child process, calls `toggle` in a loop (with
/// privileges dropped first when `unprivileged`) until the parent kills it
/// after the 2 s window. Returns the two runtimes over that window.
fn toggler_vs_peer(
    toggle: fn(usize, usize, u64) -> bool,
    unprivileged: bool,
    spare: usize,
) -> Result<(f64, f64), String> {
    let cpu = workers::last_cpu();
    // Only a bound in case the parent dies: the child must outlive the
    // window however slowly a busy host starts the crew (a fixed 4 s from
    // the fork once ended before the window began: "toggler 0.00 s").
    let deadline = sys::now_ns() + 120_000_000_000;
    let child = sys::fork().map_err(err("fork"))? as i32;
    if child == 0 {
        // Raw system calls only: this is a fork of a multithreaded process.
        if sys::set_affinity(0, 1 << cpu).is_err() || sys::sched_setscheduler(0, SCHED_RANDOM, 0).is_err() {
            sys::exit(3);
        }
        if unprivileged && sys::drop_privileges(65534, 65534).is_err() {
            sys::exit(4);
        }
        let mut i = 0u64;
        while sys::now_ns() < deadline {
            if !toggle(cpu, spare, i) {
                sys::exit(5);
            }
            i += 1;
        }
        sys::exit(0);
    }
    let crew = Crew::start(&[WorkerSpec { policy: SCHED_RANDOM, prio: 0, mask: 1 << cpu, record: false }])?;
    let peer = crew.tids()[0];
    let r = workers::as_controller(1, || {
        crew.go();
        std::thread::sleep(Duration::from_millis(500));
        let a0 = sys::schedstat(child, child).map(|s| s.0).unwrap_or(0);
        let b0 = runtime(peer);
        std::thread::sleep(Duration::from_secs(2));
        let a1 = sys::schedstat(child, child).map(|s| s.0).unwrap_or(0);
        (secs(a1.wrapping_sub(a0)), secs(runtime(peer).saturating_sub(b0)))
    });
    // SIGKILL, after the window; still toggling then, as it must be.
    let _ = sys::kill(child, 9);
    crew.finish();
    let status = sys::waitpid(child).map_err(err("waitpid"))?;
    let code = sys::exit_code(status);
    ensure!(
        sys::term_signal(status) == Some(9),
        "toggling child ended before the window did, with exit code {code:?} (3: setup, 4: drop privileges, 5: toggle failed)"
    );
    r
}

fn toggle_affinity(cpu: usize, spare: usize, i: u64) -> bool {
    let mask = if i.is_multiple_of(2) { (1 << cpu) | (1 << spare) } else { 1 << cpu };
    sys::set_affinity(0, mask).is_ok()
}

fn toggle_nice(_cpu: usize, _spare: usize, i: u64) -> bool {
    sys::set_nice(0, (i % 2) as i32).is_ok()
}

fn no_toggle(_cpu: usize, _spare: usize, _i: u64) -> bool {
    std::hint::spin_loop();
    true
}

fn slice_kept(toggle: fn(usize, usize, u64) -> bool, unprivileged: bool, what: &str) -> TestResult {
    let ncpu = sys::online_cpus().len();
    ensure!(ncpu >= 3, "needs 3 CPUs, have {ncpu}");
    // The reported setup: the toggled mask adds a second, online CPU.
    let spare = sys::online_cpus()[ncpu - 2];
    let (c_a, c_b) = toggler_vs_peer(no_toggle, unprivileged, spare)?;
    let (t_a, t_b) = toggler_vs_peer(toggle, unprivileged, spare)?;
    let share = t_a / (t_a + t_b).max(1e-9);
    let detail = format!(
        "{what}: toggler {t_a:.2} s vs peer {t_b:.2} s ({:.1}%); control without toggling {c_a:.2} / {c_b:.2} s",
        100.0 * share
    );
    ensure!(t_a + t_b > 1.0, "the two tasks got too little CPU to judge: {detail}");
    // Equal shares, as in the control: about 500 slices in 2 s keep a fair
    // share within a few points; 15 points is far outside that.
    ensure!((0.35..=0.65).contains(&share), "toggling moved the shares away from equal: {detail}");
    Ok(detail)
}

/// Defect 3: an unprivileged task must not renew its slice by changing its
/// own affinity.
fn slice_kept_affinity() -> TestResult {
    slice_kept(toggle_affinity, true, "unprivileged, affinity toggled {cpu} <-> {cpu, another cpu}")
}

/// Defect 3: nor by changing its nice value (as root, both directions).
fn slice_kept_nice() -> TestResult {
    slice_kept(toggle_nice, false, "root, nice toggled 0 <-> 1")
}

/// The `random_rq[cpu]` section of sched/debug as (field, value) pairs.
pub(crate) fn random_rq_fields(cpu: usize) -> Result<Vec<(String, String)>, String> {
    let debug = std::fs::read_to_string("/sys/kernel/debug/sched/debug").map_err(err("sched/debug"))?;
    let section = debug
        .split(&format!("random_rq[{cpu}]:"))
        .nth(1)
        .ok_or_else(|| format!("no random_rq[{cpu}] in sched/debug"))?;
    Ok(section
        .lines()
        .skip(1)
        .take_while(|l| l.trim_start().starts_with('.'))
        .filter_map(|l| {
            let (k, v) = l.split_once(':')?;
            Some((k.trim().trim_start_matches('.').to_string(), v.trim().to_string()))
        })
        .collect())
}

pub(crate) fn field(fields: &[(String, String)], name: &str) -> Result<u64, String> {
    fields
        .iter()
        .find(|(k, _)| k == name)
        .and_then(|(_, v)| v.parse().ok())
        .ok_or_else(|| format!("no .{name} in random_rq: {fields:?}"))
}

/// Name/value pairs of a `random_rq[N]` section of sched/debug.
type Fields = Vec<(String, String)>;

/// Defect 4: the class feeds a PELT signal that capacity (and cpufreq,
/// through effective_cpu_util()) use, and uclamp requests count.
///
/// The hog runs on a ticking CPU other than the controller's CPU 0: a
/// CPU's capacity is recomputed by its own periodic balance, from its tick,
/// and a nohz_full CPU with one task stops its tick (as with one SCHED_FIFO
/// task), which leaves the capacity of whenever that last ran (588 of 1024
/// in one run on the hardened kernel).
fn utilization_signal() -> TestResult {
    let cpus = sys::online_cpus();
    let nohz = workers::nohz_full_cpus();
    // CPU 0 is the controller's.
    let busy = workers::last_ticking_cpu();
    // The idle CPU ticks as well: an idle nohz_full CPU is left out of the
    // idle balancer that decays blocked averages, and keeps what earlier
    // tests left there (util_avg 455 in one hardened suite). That may be
    // the controller's CPU 0, whose controller is SCHED_FIFO.
    let quiet = cpus.iter().rev().copied().find(|&c| c != busy && !nohz.contains(&c)).unwrap_or(0);
    let crew = Crew::start(&[WorkerSpec { policy: SCHED_RANDOM, prio: 0, mask: 1 << busy, record: false }])?;
    let tid = crew.tids()[0];
    let r = workers::as_controller(1, || -> Result<(Fields, Fields, Option<u64>), String> {
        crew.go();
        std::thread::sleep(Duration::from_millis(1500));
        let b = random_rq_fields(busy)?;
        let q = random_rq_fields(quiet)?;
        // uclamp, where the kernel has it (CONFIG_UCLAMP_TASK: its sysctl
        // exists): a minimum on the task must show in its CPU's clamp while
        // it is queued there, and the class's debug file must show it.
        let mut clamp = None;
        if std::path::Path::new("/proc/sys/kernel/sched_util_clamp_min").exists() {
            let mut attr = sys::SchedAttr::new(SCHED_RANDOM, 0);
            attr.sched_flags = 0x20 | 0x08 | 0x10; // UTIL_CLAMP_MIN | KEEP_POLICY | KEEP_PARAMS
            attr.sched_util_min = 600;
            sys::sched_setattr(tid, &attr).map_err(err("sched_setattr(util_min 600)"))?;
            std::thread::sleep(Duration::from_millis(50));
            clamp = Some(field(&random_rq_fields(busy)?, "uclamp_min")?);
        }
        Ok((b, q, clamp))
    })?;
    crew.finish();
    let (b, q, clamp) = r?;
    let (bu, bc) = (field(&b, "util_avg")?, field(&b, "cpu_capacity")?);
    let (qu, qc) = (field(&q, "util_avg")?, field(&q, "cpu_capacity")?);
    let detail = format!(
        "after 1.5 s of a SCHED_RANDOM hog: CPU {busy}{} util_avg {bu}, capacity {bc}; idle CPU {quiet}: util_avg {qu}, capacity {qc}; uclamp.min of the busy CPU with a 600 request: {}",
        if nohz.is_empty() { "" } else { " (ticking)" },
        clamp.map(|c| c.to_string()).unwrap_or_else(|| "n/a (no CONFIG_UCLAMP_TASK)".into())
    );
    ensure!(bu >= 700, "the busy CPU's SCHED_RANDOM utilization is low: {detail}");
    ensure!(qu <= 100, "an idle CPU shows SCHED_RANDOM utilization: {detail}");
    ensure!(bc * 2 <= qc, "the fair class still sees the busy CPU's full capacity: {detail}");
    if let Some(c) = clamp {
        ensure!(c >= 600, "the task's uclamp.min does not reach its CPU: {detail}");
    }
    Ok(detail)
}

/// How long a waiter of `waiter_policy` on another CPU waits for a PI futex
/// held by a SCHED_OTHER owner that shares its CPU with a SCHED_RANDOM hog
/// and needs 30 ms of CPU time to release it; and how much CPU time the
/// hog had from its start (100 ms before the wait) to the wait's end.
fn pi_wait(waiter_policy: u32) -> Result<(Duration, Duration), String> {
    let cpus = sys::online_cpus();
    let (cpu, other) = (cpus[cpus.len() - 1], cpus[cpus.len() - 2]);
    let lock = Arc::new(AtomicU32::new(0));
    let locked = Arc::new(AtomicBool::new(false));
    let waiting = Arc::new(AtomicBool::new(false));
    let (l2, lk2, w2) = (lock.clone(), locked.clone(), waiting.clone());
    let owner = std::thread::spawn(move || -> Result<(), String> {
        sys::set_affinity(0, 1 << cpu).map_err(err("owner affinity"))?;
        sys::futex(&l2, sys::FUTEX_LOCK_PI, 0).map_err(err("owner lock"))?;
        lk2.store(true, Ordering::SeqCst);
        while !w2.load(Ordering::SeqCst) {
            std::hint::spin_loop();
        }
        let c0 = sys::thread_cpu_ns();
        while sys::thread_cpu_ns() - c0 < 30_000_000 {
            std::hint::spin_loop();
        }
        sys::futex(&l2, sys::FUTEX_UNLOCK_PI, 0).map_err(err("owner unlock"))?;
        Ok(())
    });
    while !locked.load(Ordering::SeqCst) {
        std::thread::yield_now();
    }
    let crew = Crew::start(&[WorkerSpec { policy: SCHED_RANDOM, prio: 0, mask: 1 << cpu, record: false }])?;
    let hog = crew.tids()[0];
    let hog0 = runtime(hog);
    crew.go();
    std::thread::sleep(Duration::from_millis(100));
    let waiter = std::thread::spawn(move || -> Result<Duration, String> {
        sys::set_affinity(0, 1 << other).map_err(err("waiter affinity"))?;
        sys::sched_setscheduler(0, waiter_policy, if waiter_policy == SCHED_FIFO { 10 } else { 0 })
            .map_err(err("waiter policy"))?;
        let t0 = Instant::now();
        waiting.store(true, Ordering::SeqCst);
        sys::futex(&lock, sys::FUTEX_LOCK_PI, 0).map_err(err("waiter lock"))?;
        let waited = t0.elapsed();
        sys::futex(&lock, sys::FUTEX_UNLOCK_PI, 0).map_err(err("waiter unlock"))?;
        let _ = sys::sched_setscheduler(0, SCHED_OTHER, 0);
        Ok(waited)
    });
    let waited = waiter.join().map_err(|_| "waiter panicked".to_string());
    let hog_ran = Duration::from_nanos(runtime(hog).saturating_sub(hog0));
    // Stop the hog first: the deboosted owner is a fair task behind it and
    // would need the fair server's share just to exit (minutes on a
    // nohz_full CPU of the hardened kernel).
    crew.finish();
    owner.join().map_err(|_| "owner panicked".to_string())??;
    Ok((waited??, hog_ran))
}

/// Defect 5: a SCHED_RANDOM waiter lifts a fair owner into its class.
fn pi_random_waiter() -> TestResult {
    let (random, hog_r) = pi_wait(SCHED_RANDOM)?;
    let (fifo, hog_f) = pi_wait(SCHED_FIFO)?;
    let detail = format!(
        "owner needs 30 ms of CPU next to a SCHED_RANDOM hog: a SCHED_RANDOM waiter waited {} ms (the hog ran {} ms), a SCHED_FIFO waiter {} ms (control; the hog ran {} ms)",
        random.as_millis(),
        hog_r.as_millis(),
        fifo.as_millis(),
        hog_f.as_millis()
    );
    // The load ran: the hog had the CPU alone for 100 ms before the wait.
    ensure!(hog_r >= Duration::from_millis(50) && hog_f >= Duration::from_millis(50), "the hog hardly ran: {detail}");
    // The control: a SCHED_FIFO waiter boosts the owner over the hog at
    // once (30 ms). If it did not, the host stalled the guest.
    ensure!(fifo < Duration::from_millis(400), "inconclusive: the SCHED_FIFO control waited as long: {detail}");
    // Lifted into SCHED_RANDOM, the owner shares the CPU with the hog
    // (about 60 ms); left in the fair class, it waits for the fair server.
    ensure!(random < Duration::from_millis(400), "the owner was not lifted: {detail}");
    Ok(detail)
}

/// proc(5) field 18 (priority) of thread `tid` of this process.
fn proc_prio(tid: i32) -> i64 {
    sys::stat_field(sys::getpid(), tid, 18).unwrap_or(-1000)
}

/// Defect 8: sched_setattr()'s nice applies to SCHED_RANDOM as to
/// SCHED_NORMAL, including a same-policy call and the nice rlimit.
fn setattr_nice() -> TestResult {
    let tid = sys::gettid();
    let mut seen = Vec::new();
    let mut check = |policy: u32, nice: i32| -> Result<(), String> {
        let mut attr = sys::SchedAttr::new(policy, 0);
        attr.sched_nice = nice;
        sys::sched_setattr(0, &attr).map_err(|e| format!("sched_setattr({policy}, nice {nice}): {e}"))?;
        let got =
            (sys::get_nice(0).unwrap_or(99), sys::sched_getattr(0).map(|a| a.sched_nice).unwrap_or(99), proc_prio(tid));
        seen.push(format!("{policy}/{nice}: nice {} getattr {} prio {}", got.0, got.1, got.2));
        ensure!(got == (nice, nice, 20 + nice as i64), "after sched_setattr(policy {policy}, nice {nice}): nice {}, sched_getattr nice {}, proc priority {} (want {nice}, {nice}, {})", got.0, got.1, got.2, 20 + nice);
        Ok(())
    };
    let r = (|| -> Result<(), String> {
        sys::set_nice(0, 7).map_err(err("setpriority 7"))?;
        check(SCHED_RANDOM, 0)?; // entering the class with a new nice
        check(SCHED_RANDOM, 5)?; // same policy, new nice
        check(SCHED_RANDOM, -3)?;
        check(SCHED_OTHER, 4)?; // control
        Ok(())
    })();
    let _ = sys::sched_setscheduler(0, SCHED_OTHER, 0);
    let _ = sys::set_nice(0, 0);
    r?;
    // The nice rlimit: an unprivileged SCHED_RANDOM task cannot lower its
    // nice through sched_setattr(), as a SCHED_NORMAL one cannot.
    let pid = sys::fork().map_err(err("fork"))? as i32;
    if pid == 0 {
        let mut attr = sys::SchedAttr::new(SCHED_RANDOM, 0);
        attr.sched_nice = 5;
        if sys::sched_setattr(0, &attr).is_err() || sys::drop_privileges(65534, 65534).is_err() {
            sys::exit(3);
        }
        attr.sched_nice = 2;
        sys::exit(match sys::sched_setattr(0, &attr) {
            Err(EPERM) => 0,
            Ok(_) => 1,
            Err(_) => 2,
        });
    }
    let code = sys::waitpid(pid).ok().and_then(sys::exit_code);
    ensure!(
        code == Some(0),
        "unprivileged nice 5 -> 2 by sched_setattr: child exit {code:?} (1: allowed, 2: wrong errno)"
    );
    Ok(format!("{}; unprivileged lowering refused (EPERM)", seen.join(", ")))
}

const CG: &str = "/sys/fs/cgroup";

/// Mounts cgroup v2 (once) and enables the cpu and cpuset controllers.
fn cgroup2() -> Result<(), String> {
    if !std::path::Path::new(&format!("{CG}/cgroup.controllers")).exists() {
        let _ = std::fs::create_dir_all(CG);
        let st = std::process::Command::new("/bin/mount")
            .args(["-t", "cgroup2", "none", CG])
            .status()
            .map_err(err("mount"))?;
        ensure!(st.success(), "mount -t cgroup2 failed: this kernel has no cgroup v2");
    }
    let controllers = std::fs::read_to_string(format!("{CG}/cgroup.controllers")).unwrap_or_default();
    for c in ["cpu", "cpuset"] {
        ensure!(controllers.split_whitespace().any(|x| x == c), "no {c} controller: {controllers}");
    }
    std::fs::write(format!("{CG}/cgroup.subtree_control"), "+cpu +cpuset").map_err(err("subtree_control"))?;
    Ok(())
}

fn cg_write(group: &str, file: &str, v: &str) -> Result<(), String> {
    std::fs::write(format!("{CG}/{group}/{file}"), v).map_err(|e| format!("{group}/{file} <- {v}: {e}"))
}

/// `n` child processes, SCHED_RANDOM, spinning until killed.
struct Spinners(Vec<i32>);

impl Spinners {
    fn start(n: usize) -> Result<Spinners, String> {
        let mut pids = Vec::new();
        for _ in 0..n {
            let pid = sys::fork().map_err(err("fork"))? as i32;
            if pid == 0 {
                if sys::sched_setscheduler(0, SCHED_RANDOM, 0).is_err() {
                    sys::exit(3);
                }
                loop {
                    std::hint::spin_loop();
                }
            }
            pids.push(pid);
        }
        Ok(Spinners(pids))
    }

    /// Runtime (ns) of each, from /proc/<pid>/schedstat.
    fn runtimes(&self) -> Vec<u64> {
        self.0.iter().map(|&p| sys::schedstat(p, p).map(|s| s.0).unwrap_or(0)).collect()
    }

    /// The CPU each last ran on (proc(5) field 39).
    fn cpus(&self) -> Vec<i64> {
        self.0.iter().map(|&p| sys::stat_field(p, p, 39).unwrap_or(-1)).collect()
    }
}

impl Drop for Spinners {
    fn drop(&mut self) {
        // All killed first: one that a running peer starves (a fair task in
        // a group of low weight) dies only once it runs.
        for &p in &self.0 {
            let _ = sys::kill(p, 9);
        }
        for &p in &self.0 {
            let _ = sys::waitpid(p);
        }
    }
}

/// A child process pinned to `cpu` under `policy`, spinning until killed.
fn pinned_spinner(cpu: usize, policy: u32) -> Result<i32, String> {
    let pid = sys::fork().map_err(err("fork"))? as i32;
    if pid == 0 {
        if sys::set_affinity(0, 1 << cpu).is_err() || sys::sched_setscheduler(0, policy, 0).is_err() {
            sys::exit(3);
        }
        loop {
            std::hint::spin_loop();
        }
    }
    Ok(pid)
}

/// Intended behaviour, documented in sched-random.rst ("Safeguards"): the
/// cgroup CPU weight (`cpu.weight`) orders fair tasks only and does not
/// apply to SCHED_RANDOM tasks, as it does not to RT tasks. Two groups,
/// `cpu.weight` 1 and 10000: two SCHED_OTHER spinners, one in each, share
/// one ticking CPU (the control: the weights must split them), two
/// SCHED_RANDOM spinners, one in each, share another (they must share it
/// evenly). (`cpu.max` needs CONFIG_CFS_BANDWIDTH, which no flavour has.)
fn cgroup_weight_not_applied() -> TestResult {
    cgroup2()?;
    let groups = [("srlight", "1"), ("srheavy", "10000")];
    for (g, w) in groups {
        let _ = std::fs::create_dir(format!("{CG}/{g}"));
        cg_write(g, "cpu.weight", w)?;
    }
    let nohz = workers::nohz_full_cpus();
    let ticking: Vec<usize> = sys::online_cpus().into_iter().filter(|c| !nohz.contains(c)).collect();
    ensure!(ticking.len() >= 2, "needs two ticking CPUs, has {ticking:?}");
    let ctl_cpu = *sys::online_cpus().last().unwrap_or(&0);
    let (fair_cpu, random_cpu) = (ticking[0], ticking[1]);
    let pids = [
        pinned_spinner(random_cpu, SCHED_RANDOM)?,
        pinned_spinner(random_cpu, SCHED_RANDOM)?,
        pinned_spinner(fair_cpu, SCHED_OTHER)?,
        pinned_spinner(fair_cpu, SCHED_OTHER)?,
    ];
    let guard = Spinners(pids.to_vec());
    let r = workers::as_controller(1 << ctl_cpu, || -> Result<Vec<f64>, String> {
        for (i, p) in pids.iter().enumerate() {
            cg_write(groups[i % 2].0, "cgroup.procs", &p.to_string())?;
        }
        std::thread::sleep(Duration::from_millis(300));
        let r0 = guard.runtimes();
        std::thread::sleep(Duration::from_secs(1));
        let r1 = guard.runtimes();
        let d: Vec<f64> = r0.iter().zip(&r1).map(|(a, b)| b.saturating_sub(*a) as f64).collect();
        // The light group's share of each pair's CPU time.
        Ok(vec![d[0] / (d[0] + d[1]).max(1.0), d[2] / (d[2] + d[3]).max(1.0)])
    })?;
    drop(guard);
    for (g, _) in groups {
        let _ = std::fs::remove_dir(format!("{CG}/{g}"));
    }
    let shares = r?;
    let detail = format!(
        "the cpu.weight 1 group's share against cpu.weight 10000 over 1 s: SCHED_RANDOM pair on CPU {random_cpu} {:.1}%, SCHED_OTHER pair (control) on CPU {fair_cpu} {:.1}%",
        100.0 * shares[0],
        100.0 * shares[1]
    );
    ensure!(shares[1] <= 0.05, "inconclusive: cpu.weight did not split the SCHED_OTHER control: {detail}");
    // Weights applied would give the light task 0.01 %. Uniform picks of
    // 4 ms slices over 1 s give 50 % +- 3; 52-68 % were measured (see the
    // note of 2026-12-08), hence the wide bound.
    ensure!(
        (0.2..=0.8).contains(&shares[0]),
        "cpu.weight changed the SCHED_RANDOM tasks' shares, which the documentation says it does not: {detail}"
    );
    Ok(detail)
}

/// cgroup v2 freezer on SCHED_RANDOM tasks: frozen tasks stop, thawed ones
/// run again, and they stay SCHED_RANDOM.
fn cgroup_freeze() -> TestResult {
    cgroup2()?;
    let group = "srfreeze";
    let _ = std::fs::create_dir(format!("{CG}/{group}"));
    let r = workers::as_controller(1, || -> Result<String, String> {
        let sp = Spinners::start(4)?;
        for p in &sp.0 {
            cg_write(group, "cgroup.procs", &p.to_string())?;
        }
        std::thread::sleep(Duration::from_millis(200));
        cg_write(group, "cgroup.freeze", "1")?;
        let t0 = Instant::now();
        while !std::fs::read_to_string(format!("{CG}/{group}/cgroup.events")).unwrap_or_default().contains("frozen 1") {
            ensure!(t0.elapsed() < Duration::from_secs(5), "the group did not report frozen within 5 s");
            std::thread::sleep(Duration::from_millis(10));
        }
        let froze_ms = t0.elapsed().as_millis();
        let p0 = sp.runtimes();
        std::thread::sleep(Duration::from_millis(300));
        let p1 = sp.runtimes();
        cg_write(group, "cgroup.freeze", "0")?;
        std::thread::sleep(Duration::from_millis(300));
        let p2 = sp.runtimes();
        let policies: Vec<_> = sp.0.iter().map(|&p| sys::sched_getscheduler(p)).collect();
        ensure!(p0 == p1, "frozen SCHED_RANDOM tasks ran: runtime {p0:?} -> {p1:?}");
        ensure!(p1.iter().zip(&p2).all(|(a, b)| b > a), "thawed tasks did not run: {p1:?} -> {p2:?}");
        ensure!(policies.iter().all(|p| *p == Ok(SCHED_RANDOM)), "policies after freeze/thaw: {policies:?}");
        Ok(format!("4 busy SCHED_RANDOM tasks frozen in {froze_ms} ms, no runtime for 0.3 s, all running after thaw, still SCHED_RANDOM"))
    });
    let _ = std::fs::remove_dir(format!("{CG}/{group}"));
    Ok(r??)
}

/// A cpuset partition (its own root domain): SCHED_RANDOM tasks inside use
/// both of its CPUs and never leave it; tasks outside never enter it.
fn cpuset_partition() -> TestResult {
    cgroup2()?;
    let cpus = sys::online_cpus();
    ensure!(cpus.len() >= 4, "needs 4 CPUs");
    let (a, b) = (cpus[cpus.len() - 2] as i64, cpus[cpus.len() - 1] as i64);
    let group = "srpart";
    let _ = std::fs::create_dir(format!("{CG}/{group}"));
    let r = workers::as_controller(1, || -> Result<String, String> {
        cg_write(group, "cpuset.cpus", &format!("{a}-{b}"))?;
        cg_write(group, "cpuset.cpus.partition", "root")?;
        let state = std::fs::read_to_string(format!("{CG}/{group}/cpuset.cpus.partition")).unwrap_or_default();
        ensure!(state.trim() == "root", "partition state '{}'", state.trim());
        let inside = Spinners::start(4)?;
        for p in &inside.0 {
            cg_write(group, "cgroup.procs", &p.to_string())?;
        }
        let outside = Spinners::start(2)?;
        std::thread::sleep(Duration::from_millis(300));
        let mut seen = std::collections::BTreeSet::new();
        let mut leaks = 0;
        let t0 = Instant::now();
        while t0.elapsed() < Duration::from_secs(1) {
            for c in inside.cpus() {
                seen.insert(c);
                leaks += (c != a && c != b) as u32;
            }
            leaks += outside.cpus().iter().filter(|&&c| c == a || c == b).count() as u32;
            std::thread::sleep(Duration::from_millis(20));
        }
        ensure!(leaks == 0, "{leaks} samples of a task on the wrong side of the partition (inside ran on {seen:?})");
        ensure!(seen.contains(&a) && seen.contains(&b), "tasks in the partition used CPUs {seen:?}, want {a} and {b}");
        Ok(format!("partition {a}-{b} (own root domain): 4 SCHED_RANDOM tasks inside ran on {seen:?}, 2 outside never entered, 0 leaks in 1 s"))
    });
    let _ = cg_write(group, "cpuset.cpus.partition", "member");
    let _ = std::fs::remove_dir(format!("{CG}/{group}"));
    Ok(r??)
}

/// A `key=value` of the kernel command line, parsed.
fn cmdline_value<T: std::str::FromStr>(key: &str) -> Option<T> {
    let cmdline = std::fs::read_to_string("/proc/cmdline").unwrap_or_default();
    cmdline.split_whitespace().find_map(|a| a.strip_prefix(key)?.strip_prefix('=')?.parse().ok())
}

/// For a task that made no progress: its state, CPU and allowed CPUs as
/// /proc shows them, and every CPU's `nr_running` and SCHED_RANDOM queue
/// as sched/debug shows them, on one line.
fn stall_report(tids: &[i32]) -> String {
    let mut out = String::new();
    for &t in tids {
        let status = std::fs::read_to_string(format!("/proc/self/task/{t}/status")).unwrap_or_default();
        let line = |key: &str| status.lines().find_map(|l| l.strip_prefix(key)).unwrap_or("?").trim().to_string();
        let cpu = sys::stat_field(sys::getpid(), t, 39).map_or("?".to_string(), |c| c.to_string());
        out.push_str(&format!("[tid {t} state {} cpu {cpu} allowed {}] ", line("State:"), line("Cpus_allowed_list:")));
    }
    if let Ok(debug) = std::fs::read_to_string("/sys/kernel/debug/sched/debug") {
        for l in debug.lines() {
            let t = l.trim();
            if t.starts_with("cpu#")
                || t.starts_with(".nr_running")
                || t.starts_with("random_rq[")
                || t.starts_with(".nr_queued")
                || t.starts_with(".overloaded")
                || t.starts_with("dl_rq[")
                || t.starts_with(".dl_nr_running")
                || t.starts_with(">")
                || t.chars().next().is_some_and(|c| c.is_ascii_digit())
            {
                out.push_str(t.split_whitespace().collect::<Vec<_>>().join(" ").as_str());
                out.push_str("; ");
            }
        }
    }
    out
}

/// Defect 7: CPU hotplug while busy tasks' affinities change at random
/// (some to a single CPU). The kernel's own checks are the assertions:
/// "Dying CPU not properly vacated", dl_server bandwidth warnings and
/// lockdep reports fail the run through the console scan; every 10 cycles
/// and at the end, with all CPUs online and every task allowed on all of
/// them, no task may be stranded: each must run within 1.3 s, and every
/// task keeps its policy (this replaced sched.cpu_hotplug, 5 rounds of
/// the same without the affinity changes). A task that
/// only took over 300 ms is reported in the detail (under TCG a vCPU the
/// host does not run for a while stalls even the task it is running:
/// once, under a host build, two CPUs' current tasks showed no progress
/// for 300 ms and all ran within the next second). The number of
/// cycles is `srhotplug=N` (default 10: a cycle takes 3.6 s under TCG) and
/// the spinners' policy
/// `srhotplug_policy=fifo|other` (default SCHED_RANDOM), for controls.
fn hotplug_churn() -> TestResult {
    let cycles: usize = cmdline_value("srhotplug").unwrap_or(10);
    let policy = match cmdline_value::<String>("srhotplug_policy").as_deref() {
        Some("fifo") => SCHED_FIFO,
        Some("other") => SCHED_OTHER,
        _ => SCHED_RANDOM,
    };
    let cpus = sys::online_cpus();
    ensure!(cpus.len() >= 2, "needs 2 CPUs");
    let all = sys::online_mask();
    let prio = if policy == SCHED_FIFO { 1 } else { 0 };
    let specs: Vec<WorkerSpec> = (0..8).map(|_| WorkerSpec { policy, prio, mask: 0, record: false }).collect();
    let crew = Crew::start(&specs)?;
    let tids = crew.tids();
    let t0 = Instant::now();
    let r = workers::as_controller(1, || -> Result<(usize, u64, Vec<String>), String> {
        crew.go();
        let mut x: u64 = 0x2545_f491_4f6c_dd1d;
        let mut next = || {
            x ^= x << 13;
            x ^= x >> 7;
            x ^= x << 17;
            x
        };
        // Every 10 cycles and at the end: all CPUs back, every task
        // allowed everywhere, none stranded (no progress in 1.3 s).
        let late = std::cell::RefCell::new(Vec::new());
        let check = |when: usize| -> Result<(), String> {
            for &t in &tids {
                let _ = sys::set_affinity(t, all);
            }
            let p0: Vec<u64> = crew.workers.iter().map(|w| w.progress.load(Ordering::Relaxed)).collect();
            std::thread::sleep(Duration::from_millis(300));
            let stalled: Vec<usize> =
                (0..tids.len()).filter(|&i| crew.workers[i].progress.load(Ordering::Relaxed) == p0[i]).collect();
            if stalled.is_empty() || policy == SCHED_FIFO {
                return Ok(());
            }
            let diag = stall_report(&stalled.iter().map(|&i| tids[i]).collect::<Vec<_>>());
            // Still stuck a second later, or only late?
            let p1: Vec<u64> = stalled.iter().map(|&i| crew.workers[i].progress.load(Ordering::Relaxed)).collect();
            std::thread::sleep(Duration::from_millis(1000));
            let stuck = stalled
                .iter()
                .zip(&p1)
                .filter(|(&i, &p)| crew.workers[i].progress.load(Ordering::Relaxed) == p)
                .count();
            if stuck == 0 {
                late.borrow_mut().push(format!("{} after cycle {when}", stalled.len()));
                return Ok(());
            }
            Err(format!(
                "after cycle {when}: {stuck} tasks stranded, no progress in 1.3 s ({} without any in the first 300 ms): {diag}",
                stalled.len()
            ))
        };
        let mut changes = 0u64;
        for cycle in 1..=cycles {
            for &cpu in &cpus[1..] {
                // Random masks among the online CPUs, a quarter of them a
                // single CPU; failures (a mask of offline CPUs) are fine.
                for &t in &tids {
                    let online = sys::online_mask();
                    let m = if next() % 4 == 0 { 1u64 << (next() % 64) } else { next() } & online;
                    if m != 0 && sys::set_affinity(t, m).is_ok() {
                        changes += 1;
                    }
                }
                std::fs::write(format!("/sys/devices/system/cpu/cpu{cpu}/online"), "0")
                    .map_err(|e| format!("offline cpu{cpu}: {e}"))?;
            }
            for &cpu in &cpus[1..] {
                std::fs::write(format!("/sys/devices/system/cpu/cpu{cpu}/online"), "1")
                    .map_err(|e| format!("online cpu{cpu}: {e}"))?;
            }
            if cycle % 10 == 0 && cycle != cycles {
                check(cycle)?;
            }
        }
        check(cycles)?;
        Ok((cycles, changes, late.take()))
    });
    for &cpu in &cpus[1..] {
        let _ = std::fs::write(format!("/sys/devices/system/cpu/cpu{cpu}/online"), "1");
    }
    let policies: Vec<_> = tids.iter().map(|&t| sys::sched_getscheduler(t)).collect();
    crew.finish();
    let (n, changes, late) = r??;
    ensure!(sys::online_cpus() == cpus, "CPUs online at the end: {:?}", sys::online_cpus());
    ensure!(policies.iter().all(|p| *p == Ok(policy)), "policies after the churn: {policies:?}");
    let late = if late.is_empty() { "none".to_string() } else { late.join(", ") };
    Ok(format!(
        "{n} cycles of CPUs 1-{} offline/online under 8 busy {} tasks with {changes} random affinity changes, in {:.1} s; none stranded; tasks without progress for 300 ms (all ran within 1.3 s): {late}",
        cpus.len() - 1,
        sys::policy_name(policy),
        t0.elapsed().as_secs_f64()
    ))
}

/// What [`switch_under_server`] measured.
struct ServerSwitch {
    /// The SCHED_FIFO 10 hog's share of the 3 s after the switch.
    hog: f64,
    /// Wakeups of a SCHED_OTHER sleeper (every 100 ms) on that CPU then.
    wakeups: u32,
    /// The switching task's share then.
    switched: f64,
}

/// A SCHED_OTHER spinner pinned to `cpu` behind a SCHED_FIFO 10 hog runs
/// only when the fair server runs it; once it has run there it switches
/// itself to `to` (SCHED_FIFO 1 or SCHED_RANDOM; SCHED_OTHER: no switch,
/// the control). Measures the 3 s after the switch.
fn switch_under_server(cpu: usize, to: u32) -> Result<ServerSwitch, String> {
    let stop = Arc::new(AtomicBool::new(false));
    let switched = Arc::new(AtomicBool::new(false));
    let wakeups = Arc::new(AtomicU32::new(0));
    let (tx, rx) = std::sync::mpsc::channel();
    workers::as_controller(1, || -> Result<ServerSwitch, String> {
        let hog = fifo_hog(cpu, stop.clone());
        std::thread::sleep(Duration::from_millis(50));
        let (st, sw, tx2) = (stop.clone(), switched.clone(), tx.clone());
        let spinner = std::thread::spawn(move || -> Result<(), String> {
            let _ = tx2.send(sys::gettid());
            // Not the controller's SCHED_FIFO 50, which threads inherit.
            sys::sched_setscheduler(0, SCHED_OTHER, 0).map_err(err("spinner SCHED_OTHER"))?;
            sys::set_affinity(0, 1 << cpu).map_err(err("spinner affinity"))?;
            // Running on the hog's CPU now: only the fair server runs it.
            let c0 = sys::thread_cpu_ns();
            while sys::thread_cpu_ns() - c0 < 2_000_000 {
                std::hint::spin_loop();
            }
            // Said before the call: with the hole closed the call itself
            // ends with a preemption, and a SCHED_FIFO 1 task then waits
            // behind the hog.
            sw.store(true, Ordering::SeqCst);
            if to != SCHED_OTHER {
                sys::sched_setscheduler(0, to, if to == SCHED_FIFO { 1 } else { 0 }).map_err(err("switch"))?;
            }
            while !st.load(Ordering::Relaxed) {
                std::hint::spin_loop();
            }
            let _ = sys::sched_setscheduler(0, SCHED_OTHER, 0);
            Ok(())
        });
        let spin_tid = rx.recv().map_err(err("spinner start"))?;
        let (st, wk) = (stop.clone(), wakeups.clone());
        let sleeper = std::thread::spawn(move || -> Result<(), String> {
            sys::sched_setscheduler(0, SCHED_OTHER, 0).map_err(err("sleeper SCHED_OTHER"))?;
            sys::set_affinity(0, 1 << cpu).map_err(err("sleeper affinity"))?;
            while !st.load(Ordering::Relaxed) {
                std::thread::sleep(Duration::from_millis(100));
                wk.fetch_add(1, Ordering::Relaxed);
            }
            Ok(())
        });
        // The fair server runs the spinner within about a second.
        let t0 = Instant::now();
        while !switched.load(Ordering::SeqCst) && t0.elapsed() < Duration::from_secs(5) {
            std::thread::sleep(Duration::from_millis(5));
        }
        let hog_tid = hog_tid_of(cpu);
        let r = if !switched.load(Ordering::SeqCst) {
            let fs: Vec<String> = random_rq_fields(cpu)
                .unwrap_or_default()
                .into_iter()
                .filter(|(k, _)| k.starts_with("fair_server"))
                .map(|(k, v)| format!("{k} {v}"))
                .collect();
            // The root cfs_rq of that CPU, from sched/debug.
            let cfs: String = std::fs::read_to_string("/sys/kernel/debug/sched/debug")
                .unwrap_or_default()
                .split(&format!("cfs_rq[{cpu}]:"))
                .nth(1)
                .map(|sec| {
                    sec.lines()
                        .skip(1)
                        .take_while(|l| l.trim_start().starts_with('.'))
                        .filter(|l| l.contains("nr_") || l.contains("delayed"))
                        .map(|l| l.split_whitespace().collect::<Vec<_>>().join(" "))
                        .collect::<Vec<_>>()
                        .join(", ")
                })
                .unwrap_or_default();
            let st = std::fs::read_to_string(format!("/proc/self/task/{spin_tid}/stat")).unwrap_or_default();
            let wchan = std::fs::read_to_string(format!("/proc/self/task/{spin_tid}/wchan")).unwrap_or_default();
            let stack = std::fs::read_to_string(format!("/proc/self/task/{spin_tid}/stack")).unwrap_or_default();
            Err(format!(
                "switching to {}: the spinner never ran under the fair server in 5 s (CPU {cpu}: {}; state = active, throttled, defer_armed, defer_running, queued, timer; cfs_rq: {cfs}; spinner stat {}, wchan {wchan}, stack {})",
                sys::policy_name(to),
                fs.join(", "),
                st.trim(),
                stack.replace('\n', " | ")
            ))
        } else {
            let (h0, s0, w0, t0) =
                (runtime(hog_tid), runtime(spin_tid), wakeups.load(Ordering::Relaxed), Instant::now());
            std::thread::sleep(Duration::from_secs(3));
            let wall = t0.elapsed().as_nanos() as f64;
            Ok(ServerSwitch {
                hog: runtime(hog_tid).saturating_sub(h0) as f64 / wall,
                wakeups: wakeups.load(Ordering::Relaxed) - w0,
                switched: runtime(spin_tid).saturating_sub(s0) as f64 / wall,
            })
        };
        stop.store(true, Ordering::Relaxed);
        hog.join().map_err(|_| "hog panicked".to_string())??;
        spinner.join().map_err(|_| "spinner panicked".to_string())??;
        sleeper.join().map_err(|_| "sleeper panicked".to_string())??;
        r
    })?
}

/// The thread of this process that runs SCHED_FIFO 10 pinned to `cpu`
/// (the hog of [`fifo_hog`]), or 0.
fn hog_tid_of(cpu: usize) -> i32 {
    let Ok(dir) = std::fs::read_dir("/proc/self/task") else { return 0 };
    dir.filter_map(|e| e.ok()?.file_name().to_str()?.parse::<i32>().ok())
        .find(|&t| sys::sched_getscheduler(t) == Ok(SCHED_FIFO) && sys::get_affinity(t) == Ok(1 << cpu))
        .unwrap_or(0)
}

/// Issue 30, item 1: a fair task that the fair server runs (it was starved
/// by a SCHED_FIFO hog on its CPU) switches itself to SCHED_FIFO 1 (no
/// SCHED_RANDOM code involved) or to SCHED_RANDOM. In 6.12.117 nothing
/// reschedules the CPU then: the server stays queued and is never charged,
/// so the task keeps the CPU, the higher-priority hog starves and the
/// fair server no longer serves a SCHED_OTHER sleeper there.
fn class_change_under_fair_server() -> TestResult {
    let show = |m: &ServerSwitch| {
        format!("hog {:.0}%, switched task {:.0}%, sleeper woke {}x", 100.0 * m.hog, 100.0 * m.switched, m.wakeups)
    };
    // A ticking CPU, and a tickless one where the kernel has them.
    let mut cpus = vec![(workers::last_ticking_cpu(), "ticking")];
    if let Some(&c) = workers::nohz_full_cpus().last() {
        cpus.push((c, "nohz_full"));
    }
    let mut details = Vec::new();
    for (cpu, kind) in cpus {
        let control = switch_under_server(cpu, SCHED_OTHER)?;
        let fifo = switch_under_server(cpu, SCHED_FIFO)?;
        let random = switch_under_server(cpu, SCHED_RANDOM)?;
        let detail = format!(
            "{kind} CPU {cpu}, the 3 s after a fair task run by the fair server behind a SCHED_FIFO 10 hog switched itself to SCHED_FIFO 1: {}; to SCHED_RANDOM: {}; control, no switch: {}",
            show(&fifo),
            show(&random),
            show(&control)
        );
        // The control: without a switch the hog keeps most of the CPU and
        // the fair server serves the spinner (5-14 %). Its sleeper shares
        // the server with the spinner and woke 1-3 times in 3 s.
        ensure!(control.hog >= 0.6 && control.switched > 0.01, "inconclusive: the control did not behave: {detail}");
        // The deferred fair server runs fair tasks about once a period
        // (1 s), for 50 ms: after the switch it serves the sleeper alone,
        // which wakes every 100 ms (17-19 times in 3 s).
        for (what, m) in [("SCHED_FIFO 1", &fifo), ("SCHED_RANDOM", &random)] {
            ensure!(m.hog >= 0.6, "the SCHED_FIFO hog starved after a switch to {what}: {detail}");
            ensure!(m.wakeups >= 2, "the fair server stopped serving a sleeper after a switch to {what}: {detail}");
        }
        details.push(detail);
    }
    Ok(details.join("; "))
}

/// Issue 30, item 2: SysRq-N ("nice-all-RT-tasks"), the administrator's
/// last resort, returns SCHED_RANDOM tasks to SCHED_NORMAL as it does
/// SCHED_FIFO ones (the control). Two spinners, on two CPUs.
fn sysrq_n_normalizes() -> TestResult {
    let cpus = sys::online_cpus();
    let stop = Arc::new(AtomicBool::new(false));
    let (tx, rx) = std::sync::mpsc::channel();
    let mut threads = Vec::new();
    for (i, (policy, prio)) in [(SCHED_RANDOM, 0), (SCHED_FIFO, 10)].into_iter().enumerate() {
        let (st, tx) = (stop.clone(), tx.clone());
        let cpu = cpus[cpus.len() - 1 - i % cpus.len()];
        threads.push(std::thread::spawn(move || -> Result<(), String> {
            sys::set_affinity(0, 1 << cpu).map_err(err("affinity"))?;
            let mut attr = sys::SchedAttr::new(policy, prio);
            attr.sched_nice = -5;
            sys::sched_setattr(0, &attr).map_err(err("policy"))?;
            let _ = tx.send((i, sys::gettid()));
            while !st.load(Ordering::Relaxed) {
                std::hint::spin_loop();
            }
            Ok(())
        }));
    }
    let mut started: Vec<(usize, i32)> =
        (0..2).map(|_| rx.recv_timeout(Duration::from_secs(5))).collect::<Result<_, _>>().map_err(err("start"))?;
    // In the order of the spinners (SCHED_RANDOM, SCHED_FIFO), not of their start.
    started.sort_unstable();
    let tids: Vec<i32> = started.into_iter().map(|(_, t)| t).collect();
    let before: Vec<_> = tids.iter().map(|&t| sys::sched_getscheduler(t)).collect();
    let r = std::fs::write("/proc/sysrq-trigger", "n").map_err(err("/proc/sysrq-trigger"));
    let after: Vec<_> = tids.iter().map(|&t| (sys::sched_getscheduler(t), sys::get_nice(t))).collect();
    stop.store(true, Ordering::Relaxed);
    for t in threads {
        t.join().map_err(|_| "spinner panicked".to_string())??;
    }
    r?;
    let detail = format!(
        "before SysRq-N: SCHED_RANDOM spinner {:?}, SCHED_FIFO spinner (control) {:?}; after (policy, nice): {after:?}",
        before[0], before[1]
    );
    ensure!(before == vec![Ok(SCHED_RANDOM), Ok(SCHED_FIFO)], "setup: {detail}");
    ensure!(
        after[1] == (Ok(SCHED_OTHER), Ok(0)),
        "inconclusive: SysRq-N did not normalize the SCHED_FIFO control: {detail}"
    );
    ensure!(after[0] == (Ok(SCHED_OTHER), Ok(0)), "SysRq-N left the SCHED_RANDOM task in its class: {detail}");
    Ok(detail)
}

/// How a child that spins under `policy` with RLIMIT_RTTIME soft 200 ms,
/// hard 400 ms ended: (signal, seconds). `ignore` ignores SIGXCPU, so that
/// the hard limit's SIGKILL ends it. Killed after 5 s otherwise.
fn rttime_end(policy: u32, ignore: bool) -> Result<(Option<i32>, f64), String> {
    let cpu = workers::last_ticking_cpu();
    let t0 = Instant::now();
    let pid = sys::fork().map_err(err("fork"))? as i32;
    if pid == 0 {
        let ok = sys::set_affinity(0, 1 << cpu).is_ok()
            && sys::set_rlimit(sys::RLIMIT_RTTIME, 200_000, 400_000).is_ok()
            && (!ignore || sys::ignore_signal(24).is_ok())
            && sys::sched_setscheduler(0, policy, if policy == SCHED_FIFO { 1 } else { 0 }).is_ok();
        if !ok {
            sys::exit(3);
        }
        loop {
            std::hint::spin_loop();
        }
    }
    let done = Arc::new(AtomicBool::new(false));
    let d2 = done.clone();
    let guard = std::thread::spawn(move || {
        let t = Instant::now();
        while !d2.load(Ordering::Relaxed) && t.elapsed() < Duration::from_secs(5) {
            std::thread::sleep(Duration::from_millis(10));
        }
        if !d2.load(Ordering::Relaxed) {
            let _ = sys::kill(pid, 9);
        }
    });
    let status = sys::waitpid(pid).map_err(err("waitpid"));
    let secs = t0.elapsed().as_secs_f64();
    done.store(true, Ordering::Relaxed);
    let _ = guard.join();
    let status = status?;
    if sys::exit_code(status) == Some(3) {
        return Err("the child could not set its limit or policy".into());
    }
    Ok((sys::term_signal(status), secs))
}

/// Issue 30, item 2: RLIMIT_RTTIME limits a SCHED_RANDOM task's CPU time
/// without blocking as it does a SCHED_FIFO task's (the control): SIGXCPU
/// at the soft limit, SIGKILL at the hard one.
fn rlimit_rttime() -> TestResult {
    let f_soft = rttime_end(SCHED_FIFO, false)?;
    let f_hard = rttime_end(SCHED_FIFO, true)?;
    let r_soft = rttime_end(SCHED_RANDOM, false)?;
    let r_hard = rttime_end(SCHED_RANDOM, true)?;
    let show = |(s, t): (Option<i32>, f64)| format!("signal {s:?} after {t:.2} s");
    let detail = format!(
        "RLIMIT_RTTIME 200 ms soft, 400 ms hard, spinning: SCHED_RANDOM {} (SIGXCPU ignored: {}); SCHED_FIFO (control) {} ({})",
        show(r_soft),
        show(r_hard),
        show(f_soft),
        show(f_hard)
    );
    // Killed by the limit, well before the 5 s guard.
    let by_limit = |(s, t): (Option<i32>, f64), sig: i32| s == Some(sig) && t < 4.0;
    ensure!(
        by_limit(f_soft, 24) && by_limit(f_hard, 9),
        "inconclusive: the SCHED_FIFO control was not stopped by its limit: {detail}"
    );
    ensure!(by_limit(r_soft, 24), "no SIGXCPU at the soft limit: {detail}");
    ensure!(by_limit(r_hard, 9), "no SIGKILL at the hard limit: {detail}");
    Ok(detail)
}

/// Shares of `window` that each of a crew's workers gets, measured by a
/// controller (SCHED_FIFO 50) on `ctl_mask`; `widen` lets worker 1 run on
/// every CPU once the crew runs.
fn crew_shares(specs: &[WorkerSpec], ctl_mask: u64, window: Duration, widen: bool) -> Result<Vec<f64>, String> {
    let crew = Crew::start(specs)?;
    let tids = crew.tids();
    let r = workers::as_controller(ctl_mask, || -> Result<Vec<f64>, String> {
        crew.go();
        if widen {
            sys::set_affinity(tids[1], sys::online_mask()).map_err(err("widen"))?;
        }
        std::thread::sleep(Duration::from_millis(200));
        let (r0, t0) = (tids.iter().map(|&t| runtime(t)).collect::<Vec<_>>(), Instant::now());
        std::thread::sleep(window);
        let wall = t0.elapsed().as_nanos() as f64;
        Ok(tids.iter().zip(&r0).map(|(&t, &r)| runtime(t).saturating_sub(r) as f64 / wall).collect())
    })?;
    crew.finish();
    r
}

/// Issue 30, item 4: the class order holds on a tickless (nohz_full) CPU
/// where the kernel has one (else on a ticking CPU), with workers that
/// start as SCHED_OTHER and switch themselves, as programs do:
/// - SCHED_FIFO above SCHED_RANDOM: a FIFO and a SCHED_RANDOM spinner;
/// - SCHED_RANDOM above SCHED_OTHER at least as RT is: the share a
///   SCHED_OTHER spinner gets next to a SCHED_RANDOM spinner, against the
///   share it gets next to a SCHED_FIFO one (the fair server's, plus
///   whatever 6.12 gives fair tasks on a tickless CPU);
/// - the fair balancer sees a CPU taken by SCHED_RANDOM as one taken by
///   RT: a SCHED_OTHER spinner that shares CPU 0 with a hog may move to
///   the idle CPUs; its share next to a SCHED_RANDOM hog against its
///   share next to a SCHED_FIFO hog.
fn class_order_tickless() -> TestResult {
    let nohz = workers::nohz_full_cpus();
    let (cpu, kind) = match nohz.last() {
        Some(&c) => (c, "nohz_full"),
        None => (workers::last_cpu(), "ticking"),
    };
    let on = |policy: u32, prio: i32, mask: u64| WorkerSpec { policy, prio, mask, record: false };
    let pct = |v: f64| format!("{:.0}%", 100.0 * v);
    let order =
        crew_shares(&[on(SCHED_FIFO, 10, 1 << cpu), on(SCHED_RANDOM, 0, 1 << cpu)], 1, Duration::from_secs(2), false)?;
    let fair_rnd =
        crew_shares(&[on(SCHED_RANDOM, 0, 1 << cpu), on(SCHED_OTHER, 0, 1 << cpu)], 1, Duration::from_secs(3), false)?;
    let fair_fifo =
        crew_shares(&[on(SCHED_FIFO, 10, 1 << cpu), on(SCHED_OTHER, 0, 1 << cpu)], 1, Duration::from_secs(3), false)?;
    let last = 1u64 << workers::last_cpu();
    let moved_rnd = crew_shares(&[on(SCHED_RANDOM, 0, 1), on(SCHED_OTHER, 0, 1)], last, Duration::from_secs(3), true)?;
    let moved_fifo = crew_shares(&[on(SCHED_FIFO, 10, 1), on(SCHED_OTHER, 0, 1)], last, Duration::from_secs(3), true)?;
    let detail = format!(
        "{kind} CPU {cpu}: SCHED_FIFO {} vs SCHED_RANDOM {} of 2 s; SCHED_OTHER next to SCHED_RANDOM {} (SCHED_RANDOM {}) vs next to SCHED_FIFO {} (control) of 3 s; SCHED_OTHER sharing CPU 0 with a hog, other CPUs allowed: {} next to SCHED_RANDOM vs {} next to SCHED_FIFO (control)",
        pct(order[0]),
        pct(order[1]),
        pct(fair_rnd[1]),
        pct(fair_rnd[0]),
        pct(fair_fifo[1]),
        pct(moved_rnd[1]),
        pct(moved_fifo[1])
    );
    ensure!(order[0] >= 0.85 && order[1] <= 0.10, "SCHED_RANDOM was not below SCHED_FIFO: {detail}");
    ensure!(
        fair_rnd[1] <= fair_fifo[1] + 0.10,
        "SCHED_OTHER got more next to SCHED_RANDOM than next to SCHED_FIFO: {detail}"
    );
    ensure!(moved_fifo[1] >= 0.4, "inconclusive: the fair task did not leave the SCHED_FIFO hog's CPU: {detail}");
    ensure!(
        moved_rnd[1] >= 0.5 * moved_fifo[1],
        "the fair balancer left a fair task behind a SCHED_RANDOM hog: {detail}"
    );
    Ok(detail)
}
