// SPDX-License-Identifier: GPL-2.0
//! `sched-random hunt`: run a test program many times under a scheduling
//! policy and report how often it fails, the first failing run's output,
//! and the failure rate with a 95 % confidence interval. It is what a user
//! points at a flaky test.

use srsys::{self as sys, SCHED_FIFO, SCHED_OTHER, SCHED_RANDOM};
use std::io::{IsTerminal, Read, Write};
use std::os::unix::process::{CommandExt, ExitStatusExt};
use std::process::{Command, Stdio};
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::Mutex;
use std::time::{Duration, Instant};

const SIGKILL: i32 = 9;

pub const USAGE: &str = "\
usage: sched-random hunt [-n RUNS] [--policy random|other|fifo] [--cpus LIST]
                         [--chaos [--sync-points[=RATE]]] [--seed S]
                         [--slice TIME|MIN-MAX] [--jobs J] [--timeout SECS] [--bug-exit N]
                         [--dry-run] [--] COMMAND [ARG...]
       sched-random hunt --help

Runs COMMAND RUNS times (default 100), J at a time (default 1), each under
the policy (default random; fifo runs at priority 1), optionally pinned to
the CPUs in LIST (e.g. 0 or 0-3), with its own SCHED_RANDOM time slice
if --slice is given (100us to 100ms, e.g. 250us). --chaos runs it in
SCHED_RANDOM's chaos mode (slices drawn between MIN, default 10us, and
the slice; wakeups are decision points; see sched-random --help).
--sync-points[=RATE] (with --chaos) preloads the sync-points library
into COMMAND: a yield with probability RATE (default 0.5) around its
pthread and semaphore calls and at each thread's start and end (see
sched-random run --help).

With --chaos and one job at a time, run i (from 0) runs right after
kernel.sched_random_seed is set to S + i (S: --seed, or drawn at random;
without --seed and write access to the sysctl, runs are not seeded), and
a failure is reported with its seed: `hunt -n 1 --chaos --seed SEED`
runs it again with the same decisions for the same scheduling events
(interrupts and timing still vary, so it may pass).

A run fails when it exits non-zero, is killed by a signal, or is still
running after SECS seconds (default 10; it is then killed). With
--bug-exit N, only exit status N is the bug being hunted: other exits,
signals and timeouts (a test's setup error, its own watchdog) are
reported apart and counted neither as failures nor in the rate. Each run
is a process group of its own, killed with whatever it forked when the
run ends. Prints the failures by kind and by exit status or signal, the
first failing run's output, and the failure rate with its 95 % (Wilson)
interval. Exits 1 if any run failed, 0 if none did, 2 on a usage or
setup error. --dry-run checks the options, prints what the hunt would
do and exits 0 without running anything.";

/// What `hunt` was asked to do.
#[derive(Debug, PartialEq)]
pub struct Options {
    /// --help: print the usage, nothing else.
    pub help: bool,
    /// --dry-run: check the options and say what would run.
    pub dry_run: bool,
    pub runs: usize,
    pub policy: u32,
    pub cpus: Option<u64>,
    pub slice: Option<crate::Slice>,
    pub chaos: bool,
    pub seed: Option<u64>,
    pub jobs: usize,
    pub timeout: Duration,
    pub bug_exit: Option<i32>,
    /// --sync-points[=RATE]: the rate.
    pub sync_points: Option<String>,
    pub cmd: Vec<String>,
}

fn value<'a>(args: &'a [String], i: usize, opt: &str) -> Result<&'a str, String> {
    args.get(i + 1).map(|s| s.as_str()).ok_or(format!("hunt: {opt} needs a value"))
}

fn number(v: &str, opt: &str, min: u64, max: u64) -> Result<u64, String> {
    match v.parse::<u64>() {
        Ok(n) if (min..=max).contains(&n) => Ok(n),
        _ => Err(format!("hunt: {opt} takes a number from {min} to {max}, not '{v}'")),
    }
}

/// Parses the arguments after `hunt`.
pub fn parse(args: &[String]) -> Result<Options, String> {
    let mut o = Options {
        help: false,
        dry_run: false,
        runs: 100,
        policy: SCHED_RANDOM,
        cpus: None,
        slice: None,
        chaos: false,
        seed: None,
        jobs: 1,
        timeout: Duration::from_secs(10),
        bug_exit: None,
        sync_points: None,
        cmd: Vec::new(),
    };
    let mut i = 0;
    while i < args.len() {
        let a = args[i].as_str();
        match a {
            "--help" | "-h" => {
                o.help = true;
                return Ok(o);
            }
            "--chaos" => {
                o.chaos = true;
                i += 1;
                continue;
            }
            "--dry-run" => {
                o.dry_run = true;
                i += 1;
                continue;
            }
            _ if a.starts_with("--sync-points") => {
                o.sync_points = Some(crate::parse_sync_rate(a).map_err(|e| format!("hunt: {e}"))?);
                i += 1;
                continue;
            }
            _ => {}
        }
        match a {
            "-n" | "--runs" => o.runs = number(value(args, i, a)?, a, 1, 1_000_000)? as usize,
            "-j" | "--jobs" => o.jobs = number(value(args, i, a)?, a, 1, 256)? as usize,
            "--timeout" => o.timeout = Duration::from_secs(number(value(args, i, a)?, a, 1, 86_400)?),
            "--policy" => {
                o.policy = match value(args, i, a)? {
                    "random" => SCHED_RANDOM,
                    "other" => SCHED_OTHER,
                    "fifo" => SCHED_FIFO,
                    p => return Err(format!("hunt: unknown policy '{p}' (random, other or fifo)")),
                }
            }
            "--cpus" => {
                let v = value(args, i, a)?;
                let well_formed = !v.is_empty() && v.chars().all(|c| c.is_ascii_digit() || c == ',' || c == '-');
                let cpus = if well_formed { sys::parse_cpulist(v) } else { Vec::new() };
                if cpus.is_empty() || cpus.iter().any(|&c| c >= 64) {
                    return Err(format!("hunt: --cpus takes a list of CPUs 0-63 such as 0 or 0-3, not '{v}'"));
                }
                o.cpus = Some(cpus.iter().fold(0u64, |m, &c| m | 1 << c));
            }
            "--slice" => {
                let v = crate::parse_slice(value(args, i, a)?);
                o.slice = Some(v.map_err(|e| format!("hunt: --slice: {e}"))?);
            }
            "--seed" => o.seed = Some(number(value(args, i, a)?, a, 0, u64::MAX)?),
            "--bug-exit" => o.bug_exit = Some(number(value(args, i, a)?, a, 1, 255)? as i32),
            "--" => {
                i += 1;
                break;
            }
            _ if a.starts_with('-') => return Err(format!("hunt: unknown option '{a}'")),
            _ => break,
        }
        i += 2;
    }
    o.cmd = args[i..].to_vec();
    if o.cmd.is_empty() {
        return Err("hunt: expected a COMMAND".into());
    }
    if (o.slice.is_some() || o.chaos) && o.policy != SCHED_RANDOM {
        return Err("hunt: --slice and --chaos are for --policy random".into());
    }
    if o.sync_points.is_some() && !o.chaos {
        return Err("hunt: --sync-points acts in chaos mode only: add --chaos".into());
    }
    if o.seed.is_some() && !(o.chaos && o.jobs == 1) {
        return Err("hunt: --seed is for --chaos with one job at a time".into());
    }
    // Checked here rather than in each run's child.
    if o.policy == SCHED_RANDOM {
        crate::random_attr(o.slice.unwrap_or_default(), o.chaos).map_err(|e| format!("hunt: {e}"))?;
    }
    Ok(o)
}

/// What a hunt with these options would do, in one line (--dry-run).
pub fn plan(o: &Options) -> String {
    let mut s = format!(
        "would run {:?} {} times under {}{}",
        o.cmd,
        o.runs,
        sys::policy_name(o.policy),
        if o.chaos { " (chaos mode)" } else { "" }
    );
    if let Some(r) = &o.sync_points {
        s += &format!(", sync points at rate {r}");
    }
    if let Some(sl) = o.slice {
        s += &format!(", slice {}-{} ns", sl.min, sl.max);
    }
    match o.cpus {
        Some(m) => s += &format!(", pinned to CPU mask {m:#x}"),
        None => s += ", on all allowed CPUs",
    }
    s += &format!(", {} at a time, timeout {} s", o.jobs, o.timeout.as_secs());
    if let Some(seed) = o.seed {
        s += &format!(", seeds from {seed}");
    }
    if let Some(b) = o.bug_exit {
        s += &format!(", the bug is exit status {b}");
    }
    s
}

/// The 95 % Wilson score interval of a proportion of `k` in `n` (n > 0).
pub fn wilson(k: usize, n: usize) -> (f64, f64) {
    let (k, n, z) = (k as f64, n.max(1) as f64, 1.96f64);
    let p = k / n;
    let d = 1.0 + z * z / n;
    let c = (p + z * z / (2.0 * n)) / d;
    let h = z * (p * (1.0 - p) / n + z * z / (4.0 * n * n)).sqrt() / d;
    ((c - h).max(0.0), (c + h).min(1.0))
}

/// How one run ended.
#[derive(Debug, Clone, Copy, PartialEq)]
pub enum Outcome {
    Passed,
    Exit(i32),
    Signal(i32),
    Timeout,
}

struct Failure {
    run: usize,
    seed: Option<u64>,
    outcome: Outcome,
    output: Vec<u8>,
}

/// Runs the command once, with every CPU's decision stream seeded from
/// `seed` first if given; returns how it ended and what it printed.
fn run_once(o: &Options, seed: Option<u64>, env: &[(String, String)]) -> Result<(Outcome, Vec<u8>), String> {
    let (policy, cpus) = (o.policy, o.cpus);
    let attr = if policy == SCHED_RANDOM {
        crate::random_attr(o.slice.unwrap_or_default(), o.chaos)?
    } else {
        sys::SchedAttr::new(policy, if policy == SCHED_FIFO { 1 } else { 0 })
    };
    if let Some(s) = seed {
        crate::set_seed(s).map_err(|e| format!("hunt: {e}"))?;
    }
    let mut cmd = Command::new(&o.cmd[0]);
    cmd.args(&o.cmd[1..]).envs(env.iter().cloned()).stdin(Stdio::null()).stdout(Stdio::piped()).stderr(Stdio::piped());
    // The closure runs in the child between fork and exec: raw system
    // calls only (sched_setaffinity, getpriority, sched_setattr), and `attr`
    // was built before the fork.
    // SAFETY: async-signal-safe calls only; nothing allocated, no lock taken.
    unsafe {
        cmd.pre_exec(move || {
            if let Some(m) = cpus {
                sys::set_affinity(0, m).map_err(|e| std::io::Error::from_raw_os_error(e.0))?;
            }
            let mut attr = attr;
            attr.sched_nice = sys::get_nice(0).unwrap_or(0);
            sys::sched_setattr(0, &attr).map_err(|e| std::io::Error::from_raw_os_error(e.0))?;
            Ok(())
        });
    }
    // Its own process group, so that the whole run (the children it
    // forked included) can be killed on a timeout and once it is over.
    cmd.process_group(0);
    let mut child =
        cmd.spawn().map_err(|e| format!("hunt: cannot start {} under {}: {e}", o.cmd[0], sys::policy_name(policy)))?;
    let out = sys::drain(child.stdout.take());
    let err = sys::drain(child.stderr.take());
    let start = Instant::now();
    let status = loop {
        match child.try_wait() {
            Ok(Some(s)) => break Some(s),
            Ok(None) if start.elapsed() >= o.timeout => {
                let _ = sys::kill(-(child.id() as i32), SIGKILL);
                let _ = child.wait();
                break None;
            }
            Ok(None) => std::thread::sleep(Duration::from_millis(2)),
            Err(e) => return Err(format!("hunt: waiting for {}: {e}", o.cmd[0])),
        }
    };
    // Whatever the run left behind would hold its output pipes open.
    let _ = sys::kill(-(child.id() as i32), SIGKILL);
    let mut output = out.join().unwrap_or_default();
    output.extend(err.join().unwrap_or_default());
    let outcome = match status {
        None => Outcome::Timeout,
        Some(s) => match (s.code(), s.signal()) {
            (Some(0), _) => Outcome::Passed,
            (Some(c), _) => Outcome::Exit(c),
            (None, Some(sig)) => Outcome::Signal(sig),
            (None, None) => Outcome::Exit(-1),
        },
    };
    Ok((outcome, output))
}

fn progress(done: usize, total: usize, failed: usize, tty: bool) {
    let width = 40;
    let fill = done * width / total.max(1);
    let line = format!("[{}{}] {done}/{total} runs, {failed} failed", "#".repeat(fill), ".".repeat(width - fill));
    let mut e = std::io::stderr().lock();
    if tty {
        let _ = write!(e, "\r{line}");
        if done == total {
            let _ = writeln!(e);
        }
    } else if done == total || done.is_multiple_of((total / 10).max(1)) {
        let _ = writeln!(e, "{line}");
    }
}

/// A seed from the kernel's random pool, for a hunt without --seed.
fn random_seed() -> Result<u64, String> {
    let mut b = [0u8; 8];
    std::fs::File::open("/dev/urandom")
        .and_then(|mut f| f.read_exact(&mut b))
        .map_err(|e| format!("hunt: /dev/urandom: {e}"))?;
    Ok(u64::from_ne_bytes(b))
}

/// The seed of run `run` (from 0): `base + run`, never 0 (which means "from
/// the CRNG" to the kernel).
pub fn run_seed(base: u64, run: usize) -> u64 {
    match base.wrapping_add(run as u64) {
        0 => 1,
        s => s,
    }
}

/// Runs the hunt; Ok(true) if a run failed.
pub fn hunt(o: &Options) -> Result<bool, String> {
    let env = match &o.sync_points {
        Some(rate) => crate::sync_points_env(rate).map_err(|e| format!("hunt: {e}"))?,
        None => Vec::new(),
    };
    // Seeds only mean something while one run at a time uses the streams.
    let base = match (o.chaos && o.jobs == 1, o.seed) {
        (false, _) => None,
        (true, Some(s)) => Some(s),
        // Without --seed, seeding is a bonus: a caller with CAP_SYS_NICE
        // but no write access to the sysctl still hunts, unseeded.
        (true, None) => {
            let s = random_seed()?;
            match crate::set_seed(s) {
                Ok(()) => Some(s),
                Err(e) => {
                    eprintln!("sched-random: hunt: runs not seeded: {e}");
                    None
                }
            }
        }
    };
    let next = AtomicUsize::new(0);
    let done = AtomicUsize::new(0);
    let failures: Mutex<Vec<Failure>> = Mutex::new(Vec::new());
    let setup_error: Mutex<Option<String>> = Mutex::new(None);
    let tty = std::io::stderr().is_terminal();
    let t0 = Instant::now();
    std::thread::scope(|s| {
        for _ in 0..o.jobs.min(o.runs) {
            s.spawn(|| loop {
                let run = next.fetch_add(1, Ordering::Relaxed);
                if run >= o.runs {
                    return;
                }
                let seed = base.map(|b| run_seed(b, run));
                match run_once(o, seed, &env) {
                    Ok((Outcome::Passed, _)) => {}
                    Ok((outcome, output)) => {
                        if let Ok(mut f) = failures.lock() {
                            f.push(Failure { run: run + 1, seed, outcome, output });
                        }
                    }
                    Err(e) => {
                        if let Ok(mut se) = setup_error.lock() {
                            se.get_or_insert(e);
                        }
                        next.store(o.runs, Ordering::Relaxed);
                        return;
                    }
                }
                let d = done.fetch_add(1, Ordering::Relaxed) + 1;
                let nf = failures.lock().map(|f| f.len()).unwrap_or(0);
                progress(d, o.runs, nf, tty);
            });
        }
    });
    if let Some(e) = setup_error.into_inner().ok().flatten() {
        return Err(e);
    }
    let mut f = failures.into_inner().unwrap_or_default();
    f.sort_by_key(|x| x.run);
    let n = o.runs;
    // Every way a run ended other than passing, with its count.
    let mut kinds: Vec<(String, usize)> = Vec::new();
    for x in &f {
        let k = match x.outcome {
            Outcome::Exit(c) => format!("status {c}"),
            Outcome::Signal(s) => format!("signal {s}"),
            Outcome::Timeout => "timeout".to_string(),
            Outcome::Passed => continue,
        };
        match kinds.iter_mut().find(|(n, _)| *n == k) {
            Some(e) => e.1 += 1,
            None => kinds.push((k, 1)),
        }
    }
    kinds.sort();
    // With --bug-exit, the other failures are reported, then set aside.
    let other = match o.bug_exit {
        Some(b) => {
            let (bug, other): (Vec<Failure>, Vec<Failure>) = f.into_iter().partition(|x| x.outcome == Outcome::Exit(b));
            f = bug;
            other
        }
        None => Vec::new(),
    };
    let count = |pred: fn(&Outcome) -> bool| f.iter().chain(&other).filter(|x| pred(&x.outcome)).count();
    let (lo, hi) = wilson(f.len(), n);
    let where_ = match o.cpus {
        Some(m) => format!("pinned to CPU mask {m:#x}"),
        None => "on all allowed CPUs".to_string(),
    };
    println!(
        "{}: {} of {n} runs failed under {}{} {where_}, {} at a time, in {:.1} s",
        o.cmd.join(" "),
        f.len(),
        sys::policy_name(o.policy),
        match (o.chaos, &o.sync_points) {
            (true, Some(r)) => format!(" (chaos mode, sync points at rate {r})"),
            (true, None) => " (chaos mode)".to_string(),
            _ => String::new(),
        },
        o.jobs,
        t0.elapsed().as_secs_f64()
    );
    println!(
        "  non-zero exit {}, killed by a signal {}, timed out ({} s) {}",
        count(|x| matches!(x, Outcome::Exit(_))),
        count(|x| matches!(x, Outcome::Signal(_))),
        o.timeout.as_secs(),
        count(|x| matches!(x, Outcome::Timeout))
    );
    if !kinds.is_empty() {
        let k: Vec<String> = kinds.iter().map(|(k, n)| format!("{k}: {n}")).collect();
        println!("  by how they ended: {}", k.join(", "));
    }
    if let Some(b) = o.bug_exit {
        println!(
            "  the bug (exit status {b}): {} runs; other failures, not counted: {} (setup errors, watchdogs, crashes, timeouts)",
            f.len(),
            other.len()
        );
    }
    println!(
        "  failure rate {:.1} % (95 % interval {:.1} - {:.1} %)",
        100.0 * f.len() as f64 / n as f64,
        100.0 * lo,
        100.0 * hi
    );
    if let Some(first) = f.first() {
        let how = match first.outcome {
            Outcome::Exit(c) => format!("exit status {c}"),
            Outcome::Signal(s) => format!("signal {s}"),
            Outcome::Timeout => "timeout".to_string(),
            Outcome::Passed => "passed".to_string(),
        };
        let seed = match first.seed {
            Some(s) => format!(", seed {s}"),
            None => String::new(),
        };
        println!("  first failure: run {} ({how}{seed}); its output:", first.run);
        let text = String::from_utf8_lossy(&first.output);
        for line in text.lines().take(20) {
            println!("    | {line}");
        }
    }
    Ok(!f.is_empty())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn args(s: &str) -> Vec<String> {
        s.split_whitespace().map(String::from).collect()
    }

    #[test]
    fn parses_options_and_command() {
        let o = parse(&args("--slice 250us prog")).unwrap();
        assert_eq!(o.slice, Some(crate::Slice { min: 0, max: 250_000 }));
        let o = parse(&args("--chaos --seed 7 --slice 100us-2ms prog")).unwrap();
        assert!(o.chaos);
        assert_eq!(o.seed, Some(7));
        assert_eq!(o.slice, Some(crate::Slice { min: 100_000, max: 2_000_000 }));
        assert_eq!(run_seed(7, 2), 9);
        assert_eq!(run_seed(u64::MAX, 1), 1);
        let o = parse(&args("--bug-exit 1 prog")).unwrap();
        assert_eq!(o.bug_exit, Some(1));
        let o = parse(&args("--chaos --sync-points prog")).unwrap();
        assert_eq!(o.sync_points.as_deref(), Some("0.5"));
        let o = parse(&args("--sync-points=0.25 --chaos prog")).unwrap();
        assert_eq!(o.sync_points.as_deref(), Some("0.25"));
        assert!(plan(&o).contains("sync points at rate 0.25"), "{}", plan(&o));
        let o = parse(&args("-n 30 --policy other --cpus 0-1 -j 2 --timeout 3 -- prog -n 5")).unwrap();
        assert_eq!(o.runs, 30);
        assert_eq!(o.policy, SCHED_OTHER);
        assert_eq!(o.cpus, Some(0b11));
        assert_eq!(o.jobs, 2);
        assert_eq!(o.timeout, Duration::from_secs(3));
        assert_eq!(o.cmd, args("prog -n 5"));
        let d = parse(&args("prog")).unwrap();
        assert_eq!((d.runs, d.policy, d.cpus, d.jobs), (100, SCHED_RANDOM, None, 1));
    }

    #[test]
    fn help_and_dry_run() {
        assert!(parse(&args("--help")).unwrap().help);
        assert!(parse(&args("-n 5 -h")).unwrap().help);
        assert!(parse(&args("--chaos --help prog")).unwrap().help);
        // COMMAND's own --help is COMMAND's.
        let o = parse(&args("-- prog --help")).unwrap();
        assert!(!o.help);
        assert_eq!(o.cmd, args("prog --help"));
        assert!(!parse(&args("prog --help")).unwrap().help);
        let o = parse(&args("--dry-run -n 5 --chaos --bug-exit 1 prog x")).unwrap();
        assert!(o.dry_run && o.chaos);
        assert_eq!((o.runs, o.bug_exit), (5, Some(1)));
        let p = plan(&o);
        assert!(p.contains("5 times under SCHED_RANDOM (chaos mode)"), "{p}");
        assert!(p.contains("exit status 1"), "{p}");
        assert!(parse(&args("--dry-run --bogus prog")).is_err());
    }

    #[test]
    fn rejects_bad_input() {
        for bad in [
            "",
            "-n",
            "-n 0 prog",
            "-n x prog",
            "--policy rr prog",
            "--cpus 64 prog",
            "--cpus x prog",
            "--slice 5 prog",
            "--policy other --slice 1ms prog",
            "--policy other --chaos prog",
            "--slice 100us-1ms prog",
            "--seed 3 prog",
            "--chaos --seed 3 -j 2 prog",
            "--chaos --seed x prog",
            "--bogus prog",
            "-j 0 prog",
            "--bug-exit 0 prog",
            "--bug-exit 256 prog",
            "--sync-points prog",
            "--chaos --sync-points=2 prog",
            "--chaos --sync-points=x prog",
            "--chaos --sync-pointsx prog",
            "--policy other --sync-points prog",
        ] {
            assert!(parse(&args(bad)).is_err(), "accepted '{bad}'");
        }
    }

    #[test]
    fn wilson_interval() {
        let (lo, hi) = wilson(0, 100);
        assert_eq!(lo, 0.0);
        assert!((hi - 0.037).abs() < 0.001, "{hi}");
        let (lo, hi) = wilson(50, 100);
        assert!((lo - 0.404).abs() < 0.001 && (hi - 0.596).abs() < 0.001, "{lo} {hi}");
        let (lo, hi) = wilson(100, 100);
        assert!((lo - 0.963).abs() < 0.001 && (hi - 1.0).abs() < 1e-9, "{lo} {hi}");
    }
}
