// SPDX-License-Identifier: GPL-2.0
//! The bug corpus benchmark: every program of /corpus (tests/corpus/*.c, one
//! known concurrency bug each) is run RUNS times by `sched-random hunt`
//! under each scheduling mode, and the failed runs are counted. Prints one
//! `BENCH|corpus_failures|MODE|PROGRAM|k|k|k|failed of RUNS runs|1` line
//! per program and mode (the benchmark's CSV format: metric, variant,
//! parameter, median, min, max, unit, repetitions), and one
//! `BENCH|corpus_exposed|MODE|all|n|n|n|programs failed at least once|1`
//! line per mode.

use std::process::Command;

const CORPUS: &str = "/corpus";

/// The modes compared: policy for `hunt --policy`, CPUs for `--cpus`, and
/// chaos mode (`--chaos`, default range: 10 us to the 4 ms slice).
const MODES: [(&str, &str, Option<&str>, bool); 6] = [
    ("SCHED_OTHER pinned", "other", Some("0"), false),
    ("SCHED_OTHER free", "other", None, false),
    ("SCHED_RANDOM pinned", "random", Some("0"), false),
    ("SCHED_RANDOM free", "random", None, false),
    ("SCHED_RANDOM chaos pinned", "random", Some("0"), true),
    ("SCHED_RANDOM chaos free", "random", None, true),
];

/// The corpus programs, sorted by name.
pub fn programs() -> Result<Vec<String>, String> {
    let mut v: Vec<String> = std::fs::read_dir(CORPUS)
        .map_err(|e| format!("{CORPUS}: {e}"))?
        .filter_map(|e| e.ok().map(|e| e.file_name().to_string_lossy().into_owned()))
        .collect();
    v.sort();
    Ok(v)
}

/// Runs `sched-random hunt` once; returns how many of `runs` failed.
pub fn hunt(prog: &str, policy: &str, cpus: Option<&str>, chaos: bool, runs: u32) -> Result<u32, String> {
    let runs_s = runs.to_string();
    let mut args = vec!["hunt", "-n", &runs_s, "--policy", policy, "--timeout", "10"];
    if let Some(c) = cpus {
        args.extend(["--cpus", c]);
    }
    if chaos {
        args.push("--chaos");
    }
    let path = format!("{CORPUS}/{prog}");
    args.extend(["--", &path]);
    let o = Command::new("/bin/sched-random").args(&args).output().map_err(|e| format!("sched-random hunt: {e}"))?;
    let out = String::from_utf8_lossy(&o.stdout);
    if !matches!(o.status.code(), Some(0) | Some(1)) {
        return Err(format!("hunt {args:?}: {:?} {out} {}", o.status, String::from_utf8_lossy(&o.stderr)));
    }
    // "<cmd>: K of N runs failed under ..."
    out.lines()
        .next()
        .and_then(|l| l.split(": ").nth(1))
        .and_then(|l| l.split_whitespace().next())
        .and_then(|k| k.parse().ok())
        .ok_or(format!("hunt {args:?}: no count in {out}"))
}

fn line(metric: &str, mode: &str, param: &str, n: u32, unit: &str) -> String {
    format!("BENCH|{metric}|{mode}|{param}|{n}|{n}|{n}|{unit}|1")
}

/// Runs the corpus under every mode, `runs` times per program; prints each
/// line as soon as it is measured and returns them all.
pub fn run(runs: u32) -> Result<Vec<String>, String> {
    let progs = programs()?;
    let mut out = Vec::new();
    for (mode, policy, cpus, chaos) in MODES {
        let mut exposed = 0;
        for p in &progs {
            let k = hunt(p, policy, cpus, chaos, runs)?;
            if k > 0 {
                exposed += 1;
            }
            out.push(line("corpus_failures", mode, p, k, &format!("failed of {runs} runs")));
            println!("{}", out[out.len() - 1]);
        }
        out.push(line("corpus_exposed", mode, "all", exposed, "programs failed at least once"));
        println!("{}", out[out.len() - 1]);
    }
    Ok(out)
}
