// SPDX-License-Identifier: GPL-2.0
//! `srtest`: the guest side of the sched-random suite.
//!
//! `srtest run [FILTER]` runs the tests FILTER selects (see `selected()`),
//! each in a child process of its own (`srtest one NAME`), and prints one
//! `PASS name (ms): detail`, `FAIL name (ms): reason` or `SKIP name (ms):
//! why` line per test, then `srtest: N passed, N failed, N skipped`. A test
//! that panics, dies by a signal or outlives `TEST_TIMEOUT` is a FAIL with
//! what its process left on stderr, and the tests after it still run. With
//! `SRTEST_RESULTS=PATH` in the environment the result lines also go to
//! PATH (the guest's ttyS2: a channel of their own, which no kernel message
//! can interleave); the host harness compares them with `srtest list FILTER`.
//! `srtest demo` prints the demo. `srtest bench` and `srtest corpus [RUNS]` print
//! benchmark lines (see bench.rs, corpus.rs).

mod balance_tests;
mod bench;
mod chaos_tests;
mod contract_tests;
mod corpus;
mod experiment;
mod mycall_tests;
mod sched_tests;
mod workers;

use srsys as sys;

use std::io::Write;
use std::os::unix::process::{CommandExt, ExitStatusExt};
use std::process::{Command, ExitCode, Stdio};
use std::time::{Duration, Instant};

/// Why a test did not pass: it failed, or it could not run here (its
/// precondition is missing). A skip is reported as such, never as a pass;
/// the host harness fails a skip that the flavour's configuration says
/// should have run.
#[derive(Debug, Clone, PartialEq)]
pub enum NotPassed {
    Fail(String),
    Skip(String),
}

impl From<String> for NotPassed {
    fn from(s: String) -> Self {
        NotPassed::Fail(s)
    }
}

impl From<&str> for NotPassed {
    fn from(s: &str) -> Self {
        NotPassed::Fail(s.to_string())
    }
}

impl From<NotPassed> for String {
    fn from(n: NotPassed) -> Self {
        match n {
            NotPassed::Fail(s) => s,
            NotPassed::Skip(s) => format!("skipped: {s}"),
        }
    }
}

/// What a test returns: a short detail with the figures it measured, or why
/// it failed or was skipped.
pub type TestResult = Result<String, NotPassed>;

/// The test cannot run here: `why` names the missing precondition.
pub fn skip(why: impl Into<String>) -> TestResult {
    Err(NotPassed::Skip(why.into()))
}

/// How long one test may take before it is killed and failed.
const TEST_TIMEOUT: Duration = Duration::from_secs(400);

pub struct Test {
    pub name: &'static str,
    pub run: fn() -> TestResult,
}

/// Runs a statistical test once more if it fails, for an environment too
/// noisy to judge (a shared host stalls vCPUs): passes only if the second
/// run passes, and then reports both runs. Never passes silently; a skip
/// is not retried.
pub fn retry_once(f: fn() -> TestResult) -> TestResult {
    match f() {
        Err(NotPassed::Fail(first)) => match f() {
            Ok(d) => Ok(format!("{d} [second run; the first failed: {first}]")),
            Err(NotPassed::Fail(second)) => Err(format!("{second} [also failed before: {first}]").into()),
            Err(NotPassed::Skip(why)) => {
                Err(format!("skipped on the second run ({why}) after a failure: {first}").into())
            }
        },
        r => r,
    }
}

/// Fails the test with a formatted message unless `cond` holds.
#[macro_export]
macro_rules! ensure {
    ($cond:expr, $($msg:tt)+) => {
        // `!(a <= b)` on floats is meant: NaN fails the check.
        #[allow(clippy::neg_cmp_op_on_partial_ord)]
        if !$cond {
            return Err(format!($($msg)+).into());
        }
    };
}

fn all_tests() -> Vec<Test> {
    let mut v = Vec::new();
    v.extend(mycall_tests::tests());
    v.extend(sched_tests::tests());
    v.extend(contract_tests::tests());
    v.extend(balance_tests::tests());
    v.extend(chaos_tests::tests());
    v.push(Test { name: "bench.smoke", run: bench_smoke });
    v.push(Test { name: "up.mycall_enosys", run: mycall_tests::enosys_without_config });
    v.push(Test { name: "up.one_cpu", run: up_one_cpu });
    v
}

/// The UP kernel: one CPU, whatever QEMU offers.
fn up_one_cpu() -> TestResult {
    let cpus = sys::online_cpus();
    ensure!(cpus == vec![0], "online CPUs {cpus:?} on a CONFIG_SMP=n kernel");
    Ok("CONFIG_SMP=n kernel: CPU 0 only".into())
}

/// Does the test `name` run under `filter`, a comma-separated list of
/// terms? A term `-x` excludes the tests whose name contains x; any other
/// term includes them (no include term: every test). Tests named `up.*`
/// only run when an include term names them.
fn selected(name: &str, filter: &str) -> bool {
    let terms: Vec<&str> = filter.split(',').filter(|t| !t.is_empty()).collect();
    if terms.iter().any(|t| t.strip_prefix('-').is_some_and(|x| name.contains(x))) {
        return false;
    }
    let includes: Vec<&str> = terms.iter().filter(|t| !t.starts_with('-')).copied().collect();
    if includes.is_empty() {
        return !name.starts_with("up.");
    }
    includes.iter().any(|t| name.contains(t) && (!name.starts_with("up.") || t.starts_with("up.")))
}

/// `srtest one NAME`: runs that one test in this process and prints its
/// result line; exits 0 unless it failed.
fn run_one(name: &str) -> ExitCode {
    let Some(t) = all_tests().into_iter().find(|t| t.name == name) else {
        eprintln!("srtest: no test named '{name}'");
        return ExitCode::from(2);
    };
    let t0 = sys::now_ns();
    let r = (t.run)();
    let ms = (sys::now_ns() - t0) / 1_000_000;
    let (line, code) = match r {
        Ok(detail) => (format!("PASS {name} ({ms} ms): {detail}"), 0),
        Err(NotPassed::Skip(why)) => (format!("SKIP {name} ({ms} ms): {why}"), 0),
        Err(NotPassed::Fail(why)) => (format!("FAIL {name} ({ms} ms): {why}"), 1),
    };
    // One line, whatever the detail holds.
    println!("{}", line.replace(['\n', '\r'], " "));
    ExitCode::from(code)
}

/// Runs test `name` in a child process (`srtest one NAME`, a process group
/// of its own, killed with whatever it forked once it ends) and returns its
/// result line: the child's own, or a FAIL that says how the child ended
/// without one (a panic, a signal, the timeout).
fn run_isolated(name: &str) -> String {
    let t0 = Instant::now();
    let exe = std::env::current_exe().unwrap_or_else(|_| "/proc/self/exe".into());
    let mut cmd = Command::new(exe);
    cmd.args(["one", name]).stdin(Stdio::null()).stdout(Stdio::piped()).stderr(Stdio::piped());
    cmd.process_group(0);
    let mut child = match cmd.spawn() {
        Ok(c) => c,
        Err(e) => return format!("FAIL {name} (0 ms): cannot start its process: {e}"),
    };
    let pgid = child.id() as i32;
    let out = sys::drain(child.stdout.take());
    let err = sys::drain(child.stderr.take());
    let status = loop {
        match child.try_wait() {
            Ok(Some(s)) => break Some(s),
            Ok(None) if t0.elapsed() >= TEST_TIMEOUT => {
                let _ = sys::kill(-pgid, 9);
                let _ = child.wait();
                break None;
            }
            // A poll for the timeout, not a synchronisation.
            Ok(None) => std::thread::sleep(Duration::from_millis(20)),
            Err(e) => {
                let _ = sys::kill(-pgid, 9);
                return format!("FAIL {name} (0 ms): waiting for its process: {e}");
            }
        }
    };
    // Whatever the test left behind would hold its pipes open.
    let _ = sys::kill(-pgid, 9);
    let ms = t0.elapsed().as_millis();
    let out = String::from_utf8_lossy(&out.join().unwrap_or_default()).into_owned();
    let err = String::from_utf8_lossy(&err.join().unwrap_or_default()).into_owned();
    let mut result = None;
    for l in out.lines() {
        let is_result = ["PASS ", "FAIL ", "SKIP "]
            .iter()
            .any(|k| l.strip_prefix(k).is_some_and(|r| r.split(' ').next() == Some(name)));
        if is_result && result.is_none() {
            result = Some(l.to_string());
        } else {
            // The test's own diagnostics, on the console.
            println!("  {name}: {l}");
        }
    }
    // A panic's own two lines ("panicked at FILE:LINE:" and the message),
    // else the last three lines.
    let lines: Vec<&str> = err.lines().filter(|l| !l.trim().is_empty()).collect();
    let stderr_tail = match lines.iter().position(|l| l.contains("panicked at")) {
        Some(i) => lines[i..(i + 2).min(lines.len())].join(" "),
        None => lines[lines.len().saturating_sub(3)..].join(" | "),
    };
    let how = match status {
        None => format!("killed after the {} s timeout", TEST_TIMEOUT.as_secs()),
        Some(s) => match (s.code(), s.signal()) {
            (Some(c), _) => format!("exited with status {c}"),
            (None, Some(sig)) => format!("killed by signal {sig}"),
            _ => "ended".to_string(),
        },
    };
    let clean = matches!(status.map(|s| s.code()), Some(Some(0 | 1)));
    match result {
        Some(r) if clean => r,
        Some(r) => format!("FAIL {name} ({ms} ms): its process {how} after reporting '{r}'; stderr: {stderr_tail}"),
        None => format!("FAIL {name} ({ms} ms): its process {how} without a result; stderr: {stderr_tail}"),
    }
}

fn run(filter: &str) -> ExitCode {
    let mut results = std::env::var_os("SRTEST_RESULTS")
        .and_then(|p| std::fs::OpenOptions::new().append(true).create(true).open(p).ok());
    let mut emit = |line: &str| {
        println!("{line}");
        if let Some(f) = results.as_mut() {
            let _ = writeln!(f, "{line}");
        }
    };
    let (mut passed, mut failed, mut skipped) = (0, 0, 0);
    for t in all_tests().into_iter().filter(|t| selected(t.name, filter)) {
        let line = run_isolated(t.name);
        match &line[..4] {
            "PASS" => passed += 1,
            "SKIP" => skipped += 1,
            _ => failed += 1,
        }
        emit(&line);
    }
    emit(&format!("srtest: {passed} passed, {failed} failed, {skipped} skipped"));
    if failed == 0 {
        ExitCode::SUCCESS
    } else {
        ExitCode::FAILURE
    }
}

/// The benchmark with tiny sizes, so that it cannot rot: every figure must
/// come out finite, timings positive, counts not negative (how fast is not
/// judged here), and the timed mycall() must succeed (bench::syscalls).
fn bench_smoke() -> TestResult {
    let figs = bench::run(&bench::SMOKE)?;
    let metrics = [
        "syscall",
        "pipe_roundtrip",
        "pick_cost",
        "wakeup_latency_p99",
        "share_spread",
        "tick_cost",
        "place_cost",
        "wakeup_migrations",
        "hackbench_threads",
        "hackbench_threads_ctxt",
        "hackbench_threads_idle",
        "hackbench_threads_wait",
        "hackbench_threads_tlb",
        "hackbench_processes",
        "hackbench_processes_ctxt",
        "hackbench_processes_idle",
        "hackbench_processes_wait",
        "hackbench_processes_tlb",
    ];
    for m in metrics {
        ensure!(figs.iter().any(|f| f.metric == m), "no {m} figure");
    }
    for f in &figs {
        let m = f.median();
        ensure!(m.is_finite() && m >= 0.0 && !f.samples.is_empty(), "bad figure: {}", f.line());
        // A time (ns, us, ms, s in its unit) must be positive: 0 means the
        // timed work did not happen.
        ensure!(!is_timing(f) || m > 0.0, "a timing of 0: {}", f.line());
    }
    let timings = figs.iter().filter(|f| is_timing(f)).count();
    Ok(format!("{} figures, all finite, {timings} timings positive, mycall() succeeded", figs.len()))
}

/// A figure that times work (not a wait, which may be 0).
fn is_timing(f: &bench::Figure) -> bool {
    (["ns", "us", "ms"].iter().any(|u| f.unit.starts_with(u)) || f.unit == "s") && !f.unit.contains("waited")
}

/// `bench [--smoke | --scale]`: every figure, or with tiny sizes, or only
/// the figures that scripts/bench compares across CPU counts.
fn bench_cmd(opt: Option<&str>) -> ExitCode {
    let r = match opt {
        Some("--smoke") => bench::run(&bench::SMOKE),
        Some("--scale") => {
            let mut figs = Vec::new();
            bench::scale(&bench::FULL, &mut figs).map(|_| figs)
        }
        Some("--pipe") => {
            // The pipe round trips alone, 9 repetitions: a quick look at
            // the wakeup and switch path (scripts/run-in can run it).
            let mut figs = Vec::new();
            bench::context_switch(&bench::Sizes { reps: 9, ..bench::FULL }, &mut figs).map(|_| figs)
        }
        _ => bench::run(&bench::FULL),
    };
    match r {
        Ok(figs) => {
            for f in figs {
                println!("{}", f.line());
            }
            ExitCode::SUCCESS
        }
        Err(e) => {
            println!("BENCH-ERROR {e}");
            ExitCode::FAILURE
        }
    }
}

/// The bug corpus under every mode (see corpus.rs), RUNS (default 100) runs
/// per program and mode.
fn corpus_cmd(runs: Option<&str>) -> ExitCode {
    let runs = match runs.map(str::parse::<u32>) {
        None => 100,
        Some(Ok(n)) if n > 0 => n,
        _ => {
            println!("BENCH-ERROR srtest corpus: RUNS must be a positive number");
            return ExitCode::from(2);
        }
    };
    match corpus::run(runs) {
        Ok(_) => ExitCode::SUCCESS,
        Err(e) => {
            println!("BENCH-ERROR {e}");
            ExitCode::FAILURE
        }
    }
}

fn demo() -> ExitCode {
    let release = std::fs::read_to_string("/proc/sys/kernel/osrelease").unwrap_or_default();
    println!("demo: kernel {}", release.trim());
    println!("demo: {} CPUs online", sys::online_cpus().len());
    let mut sum: i32 = 0;
    let ret = sys::mycall_raw(2, 3, &mut sum as *mut i32 as usize);
    match ret {
        Ok(r) => println!("demo: mycall(2, 3, &sum) = {r}, sum = {sum}"),
        Err(e) => println!("demo: mycall(2, 3, &sum) failed: {e}"),
    }
    // The original article's experiment: CPU-bound tasks on one CPU that
    // record when they ran, under SCHED_RANDOM and under SCHED_OTHER.
    for policy in [sys::SCHED_RANDOM, sys::SCHED_OTHER] {
        match experiment::run(policy, 4, 3.0) {
            Ok(e) => {
                for line in e.table().lines() {
                    println!("demo: {line}");
                }
            }
            Err(e) => println!("demo: {} experiment failed: {e}", sys::policy_name(policy)),
        }
    }
    ExitCode::SUCCESS
}

fn main() -> ExitCode {
    let args: Vec<String> = std::env::args().collect();
    match args.get(1).map(String::as_str) {
        Some("run") => run(args.get(2).map(String::as_str).unwrap_or("")),
        Some("one") if args.len() == 3 => run_one(&args[2]),
        Some("demo") => demo(),
        Some("bench") => bench_cmd(args.get(2).map(String::as_str)),
        Some("corpus") => corpus_cmd(args.get(2).map(String::as_str)),
        Some("list") => {
            let filter = args.get(2).map(String::as_str).unwrap_or("");
            for t in all_tests().into_iter().filter(|t| selected(t.name, filter)) {
                println!("{}", t.name);
            }
            ExitCode::SUCCESS
        }
        _ => {
            eprintln!("usage: srtest run [FILTER] | one NAME | demo | bench [--smoke | --scale | --pipe] | corpus [RUNS] | list [FILTER]");
            ExitCode::from(2)
        }
    }
}

#[cfg(test)]
mod tests {
    use super::selected;

    #[test]
    fn filter_terms() {
        assert!(selected("sched.yield", ""));
        assert!(!selected("up.one_cpu", ""));
        assert!(selected("up.one_cpu", "up.,sched.abi"));
        assert!(!selected("up.one_cpu", "one_cpu"));
        assert!(selected("sched.abi_eperm", "sched.abi,-contract"));
        assert!(!selected("contract.cgroup_freeze", "-contract.cgroup"));
        assert!(selected("contract.pi_random_waiter", "-contract.cgroup"));
    }
}
