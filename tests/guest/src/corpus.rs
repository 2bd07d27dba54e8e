// SPDX-License-Identifier: GPL-2.0
//! The bug corpus benchmark: every program of /corpus (tests/corpus/*.c, one
//! known concurrency bug each) is run RUNS times by `sched-random hunt`
//! under each scheduling mode, and the failed runs are counted. Prints one
//! `BENCH|corpus_failures|MODE|PROGRAM|k|k|k|failed of RUNS runs|1` line
//! per program and mode (the benchmark's CSV format: metric, variant,
//! parameter, median, min, max, unit, repetitions), and one
//! `BENCH|corpus_exposed|MODE|all|n|n|n|programs failed at least once|1`
//! line per mode.
//!
//! Then the timeline: every program run [`TIMELINE_RUNS`] more times under
//! each mode with `CORPUS_TIMELINE=1` (tests/corpus/corpus.h), which makes it
//! report when its two threads lived and how long their racy code lasted.
//! Per program and mode: `corpus_timeline_racy` (us from a thread's first
//! window to the end of its last, the longer of the two), `corpus_timeline_apart`
//! (us from the end of the first thread to finish to the start of the
//! other; negative when their lives overlapped) and `corpus_timeline_overlap`
//! (runs in which they overlapped). A bug that needs a preemption inside a
//! window, or the two threads at once, can only show in a run whose
//! threads' lives overlapped.

use crate::bench::Figure;
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
    // Only a program's own bug counts (exit 1; tests/corpus/corpus.h): not
    // its watchdog (exit 3, unless its bug is a hang) nor a setup error.
    let mut args = vec!["hunt", "-n", &runs_s, "--policy", policy, "--timeout", "10", "--bug-exit", "1"];
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
    for (mode, policy, cpus, chaos) in MODES {
        for p in &progs {
            for l in timeline(p, policy, cpus, chaos, mode)? {
                println!("{l}");
                out.push(l);
            }
        }
    }
    Ok(out)
}

/// Runs of each program per mode for the timeline.
pub const TIMELINE_RUNS: u32 = 20;

/// One run's timeline: the report line `timeline N B F S E ...` (ns since
/// the program started; see tests/corpus/corpus.h) as (began, finished,
/// first window, last window end) per thread, -1 for none.
fn parse_timeline(stderr: &str) -> Option<Vec<[i64; 4]>> {
    let l = stderr.lines().find_map(|l| l.strip_prefix("timeline "))?;
    let v: Vec<i64> = l.split_whitespace().map(str::parse).collect::<Result<_, _>>().ok()?;
    let (n, rest) = v.split_first()?;
    let n = usize::try_from(*n).ok()?;
    (rest.len() == 4 * n).then(|| rest.chunks_exact(4).map(|c| [c[0], c[1], c[2], c[3]]).collect())
}

/// The timeline of `prog` under one mode: [`TIMELINE_RUNS`] runs, started
/// as `hunt` starts them (`sched-random run [--chaos]` for SCHED_RANDOM,
/// `taskset -c CPUS` when pinned). Runs whose threads did not both finish
/// (the bug showed in a way that ended a thread early, or a deadlock) do
/// not count.
fn timeline(prog: &str, policy: &str, cpus: Option<&str>, chaos: bool, mode: &str) -> Result<Vec<String>, String> {
    let path = format!("{CORPUS}/{prog}");
    let mut argv: Vec<&str> = Vec::new();
    if policy == "random" {
        argv.extend(["/bin/sched-random", "run"]);
        if chaos {
            argv.push("--chaos");
        }
        argv.push("--");
    }
    if let Some(c) = cpus {
        argv.extend(["taskset", "-c", c]);
    }
    argv.push(&path);
    let (mut racy, mut apart) = (Vec::new(), Vec::new());
    let mut overlapped = 0;
    for _ in 0..TIMELINE_RUNS {
        let o = Command::new(argv[0])
            .args(&argv[1..])
            .env("CORPUS_TIMELINE", "1")
            .output()
            .map_err(|e| format!("{argv:?}: {e}"))?;
        let Some(t) = parse_timeline(&String::from_utf8_lossy(&o.stderr)) else {
            continue;
        };
        let [a, b] = match t.as_slice() {
            [a, b, ..] if a[0] >= 0 && a[1] >= 0 && b[0] >= 0 && b[1] >= 0 => [a, b],
            _ => continue,
        };
        let gap = a[0].max(b[0]) - a[1].min(b[1]);
        apart.push(gap as f64 / 1e3);
        if gap < 0 {
            overlapped += 1;
        }
        let r = t.iter().filter(|x| x[2] >= 0 && x[3] >= x[2]).map(|x| x[3] - x[2]).max();
        if let Some(r) = r {
            racy.push(r as f64 / 1e3);
        }
    }
    let n = apart.len();
    let fig = |metric, samples, unit| Figure { metric, variant: mode.into(), param: prog.into(), samples, unit };
    let mut out = Vec::new();
    if !racy.is_empty() {
        out.push(fig("corpus_timeline_racy", racy, "us of racy code per thread").line());
    }
    if n > 0 {
        out.push(fig("corpus_timeline_apart", apart, "us between the two threads' lives").line());
        out.push(format!(
            "BENCH|corpus_timeline_overlap|{mode}|{prog}|{overlapped}|{overlapped}|{overlapped}|runs whose threads overlapped|{n}"
        ));
    }
    Ok(out)
}
