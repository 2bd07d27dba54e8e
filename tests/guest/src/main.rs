// SPDX-License-Identifier: GPL-2.0
//! `srtest`: the guest side of the sched-random suite.
//!
//! `srtest run [FILTER]` runs the tests whose name contains FILTER and prints
//! one `PASS name: detail` or `FAIL name: reason` line per test, then
//! `srtest: N passed, N failed`; the host harness counts these lines.
//! `srtest demo` prints the demo. `srtest list` lists the tests.

mod bench;
mod experiment;
mod mycall_tests;
mod sched_tests;
mod workers;

use srsys as sys;

use std::process::ExitCode;

/// What a test returns: a short detail with the figures it measured, or why
/// it failed.
pub type TestResult = Result<String, String>;

pub struct Test {
    pub name: &'static str,
    pub run: fn() -> TestResult,
}

/// Fails the test with a formatted message unless `cond` holds.
#[macro_export]
macro_rules! ensure {
    ($cond:expr, $($msg:tt)+) => {
        if !$cond {
            return Err(format!($($msg)+));
        }
    };
}

fn all_tests() -> Vec<Test> {
    let mut v = Vec::new();
    v.extend(mycall_tests::tests());
    v.extend(sched_tests::tests());
    v.push(Test { name: "bench.smoke", run: bench_smoke });
    v
}

fn run(filter: &str) -> ExitCode {
    let (mut passed, mut failed) = (0, 0);
    for t in all_tests().into_iter().filter(|t| t.name.contains(filter)) {
        let t0 = sys::now_ns();
        let r = (t.run)();
        let ms = (sys::now_ns() - t0) / 1_000_000;
        match r {
            Ok(detail) => {
                passed += 1;
                println!("PASS {} ({ms} ms): {detail}", t.name);
            }
            Err(why) => {
                failed += 1;
                println!("FAIL {} ({ms} ms): {why}", t.name);
            }
        }
    }
    println!("srtest: {passed} passed, {failed} failed");
    if failed == 0 {
        ExitCode::SUCCESS
    } else {
        ExitCode::FAILURE
    }
}

/// The benchmark with tiny sizes, so that it cannot rot: every figure must
/// come out finite and positive (timings are not judged here).
fn bench_smoke() -> TestResult {
    let figs = bench::run(&bench::SMOKE)?;
    let metrics = ["syscall", "pipe_roundtrip", "pick_cost", "messaging_40_threads", "wakeup_latency_p99", "share_spread"];
    for m in metrics {
        ensure!(figs.iter().any(|f| f.metric == m), "no {m} figure");
    }
    for f in &figs {
        let m = f.median();
        ensure!(m.is_finite() && m >= 0.0 && !f.samples.is_empty(), "bad figure: {}", f.line());
    }
    Ok(format!("{} figures, all finite", figs.len()))
}

fn bench_cmd(smoke: bool) -> ExitCode {
    match bench::run(if smoke { &bench::SMOKE } else { &bench::FULL }) {
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
        Some("demo") => demo(),
        Some("bench") => bench_cmd(args.get(2).map(String::as_str) == Some("--smoke")),
        Some("list") => {
            for t in all_tests() {
                println!("{}", t.name);
            }
            ExitCode::SUCCESS
        }
        _ => {
            eprintln!("usage: srtest run [FILTER] | demo | bench [--smoke] | list");
            ExitCode::from(2)
        }
    }
}
