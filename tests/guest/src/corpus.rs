// SPDX-License-Identifier: GPL-2.0
//! The bug corpus benchmark: every program of the corpus (tests/corpus/*.c,
//! one known concurrency bug each) is run RUNS times by `sched-random hunt`
//! under each scheduling mode, and the failed runs are counted. Prints one
//! `BENCH|corpus_failures|MODE|PROGRAM|k|k|k|failed of RUNS runs|1` line
//! per program and mode (the benchmark's CSV format: metric, variant,
//! parameter, median, min, max, unit, repetitions), and one
//! `BENCH|corpus_exposed|MODE|all|n|n|n|programs failed at least once|1`
//! line per mode.
//!
//! Two builds of the corpus: the static one (/corpus in the initramfs, or
//! `SR_CORPUS_DIR`), and, when `SR_CORPUS_DYN_DIR` names a directory, the
//! same programs linked dynamically against the host's libc (run through
//! scripts/run-in's guest, where the host's / is the root), with more
//! modes: chaos mode with the sync-points library (`hunt --chaos
//! --sync-points`: a yield, that is a fresh uniform draw, around pthread
//! calls and at thread start and end), and the noise controls, the same
//! library and the same points under SCHED_OTHER with each decision a
//! plain sched_yield() or a short sleep (`SR_SYNC_POINTS_NOISE`), which
//! need the library's path in `SR_SYNC_POINTS_LIB`. `SR_SCHED_RANDOM` is
//! the sched-random to run (default /bin/sched-random).
//!
//! Then the timeline: every program run `SR_CORPUS_TIMELINE_RUNS` (default
//! [`TIMELINE_RUNS`]) more times under each mode with `CORPUS_TIMELINE=1`
//! (tests/corpus/corpus.h), which makes it report when its two threads
//! lived and how long their racy code lasted. Per program and mode:
//! `corpus_timeline_racy` (us from a thread's first window to the end of
//! its last, the longer of the two), `corpus_timeline_apart` (us from the
//! end of the first thread to finish to the start of the other; negative
//! when their lives overlapped) and `corpus_timeline_overlap` (runs in
//! which they overlapped). A bug that needs a preemption inside a window,
//! or the two threads at once, can only show in a run whose threads'
//! lives overlapped. In the modes with the library, the same runs also
//! give `corpus_sync_points` and `corpus_sync_yields`: the decision points
//! a run met and the yields (or sleeps) it made (`SR_SYNC_POINTS_STATS`).
//! `SR_CORPUS_MODES=PREFIX,...` runs only the modes whose names start so.

use crate::bench::Figure;
use std::process::Command;

/// One mode: how `hunt` runs each program.
struct Mode {
    name: &'static str,
    /// `hunt --policy`.
    policy: &'static str,
    /// `hunt --cpus`: pinned to CPU 0, or free on all CPUs.
    cpus: Option<&'static str>,
    /// Chaos mode (`--chaos`, default range: 10 us to the 4 ms slice).
    chaos: bool,
    /// The dynamically linked build.
    dynamic: bool,
    /// `--sync-points` (chaos mode).
    sync: bool,
    /// The noise control: the library with `SR_SYNC_POINTS_NOISE`.
    noise: Option<&'static str>,
}

const fn mode(name: &'static str, policy: &'static str, pinned: bool, chaos: bool) -> Mode {
    Mode { name, policy, cpus: if pinned { Some("0") } else { None }, chaos, dynamic: false, sync: false, noise: None }
}

const fn dynamic(m: Mode, sync: bool, noise: Option<&'static str>) -> Mode {
    Mode { dynamic: true, sync, noise, ..m }
}

/// The modes compared, static build first.
const MODES: [Mode; 14] = [
    mode("SCHED_OTHER pinned", "other", true, false),
    mode("SCHED_OTHER free", "other", false, false),
    mode("SCHED_RANDOM pinned", "random", true, false),
    mode("SCHED_RANDOM free", "random", false, false),
    mode("SCHED_RANDOM chaos pinned", "random", true, true),
    mode("SCHED_RANDOM chaos free", "random", false, true),
    dynamic(mode("dyn SCHED_OTHER pinned", "other", true, false), false, None),
    dynamic(mode("dyn SCHED_OTHER free", "other", false, false), false, None),
    dynamic(mode("dyn chaos + sync points pinned", "random", true, true), true, None),
    dynamic(mode("dyn chaos + sync points free", "random", false, true), true, None),
    dynamic(mode("dyn SCHED_OTHER + yield noise pinned", "other", true, false), false, Some("yield")),
    dynamic(mode("dyn SCHED_OTHER + yield noise free", "other", false, false), false, Some("yield")),
    dynamic(mode("dyn SCHED_OTHER + sleep noise pinned", "other", true, false), false, Some("sleep")),
    dynamic(mode("dyn SCHED_OTHER + sleep noise free", "other", false, false), false, Some("sleep")),
];

/// Where things are (see the module's comment).
struct Setup {
    corpus: String,
    corpus_dyn: Option<String>,
    sched_random: String,
    sync_lib: Option<String>,
    timeline_runs: u32,
    only: Vec<String>,
}

impl Setup {
    fn from_env() -> Result<Setup, String> {
        let var = |k: &str| std::env::var(k).ok().filter(|v| !v.is_empty());
        let s = Setup {
            corpus: var("SR_CORPUS_DIR").unwrap_or_else(|| "/corpus".into()),
            corpus_dyn: var("SR_CORPUS_DYN_DIR"),
            sched_random: var("SR_SCHED_RANDOM").unwrap_or_else(|| "/bin/sched-random".into()),
            sync_lib: var("SR_SYNC_POINTS_LIB"),
            timeline_runs: match var("SR_CORPUS_TIMELINE_RUNS") {
                None => TIMELINE_RUNS,
                Some(v) => v.parse().map_err(|_| format!("SR_CORPUS_TIMELINE_RUNS='{v}' is not a number"))?,
            },
            only: var("SR_CORPUS_MODES").map(|v| v.split(',').map(String::from).collect()).unwrap_or_default(),
        };
        if s.corpus_dyn.is_some() && s.sync_lib.is_none() {
            return Err("SR_CORPUS_DYN_DIR needs SR_SYNC_POINTS_LIB (the noise controls preload it)".into());
        }
        Ok(s)
    }

    fn dir(&self, m: &Mode) -> &str {
        if m.dynamic {
            self.corpus_dyn.as_deref().unwrap_or(&self.corpus)
        } else {
            &self.corpus
        }
    }

    /// The environment a run of `m` gets on top of the caller's.
    fn env(&self, m: &Mode) -> Vec<(&'static str, String)> {
        match (m.noise, &self.sync_lib) {
            (Some(n), Some(lib)) => vec![("LD_PRELOAD", lib.clone()), ("SR_SYNC_POINTS_NOISE", n.into())],
            _ => Vec::new(),
        }
    }

    /// The modes this setup runs: the dynamic ones only with their build,
    /// and only those whose name starts with one of `SR_CORPUS_MODES`
    /// (comma-separated prefixes, e.g. `dyn ` for the dynamic build), if set.
    fn modes(&self) -> impl Iterator<Item = &'static Mode> + '_ {
        MODES.iter().filter(|m| {
            (!m.dynamic || self.corpus_dyn.is_some())
                && (self.only.is_empty() || self.only.iter().any(|p| m.name.starts_with(p.as_str())))
        })
    }
}

/// The corpus programs, sorted by name.
fn programs(dir: &str) -> Result<Vec<String>, String> {
    let mut v: Vec<String> = std::fs::read_dir(dir)
        .map_err(|e| format!("{dir}: {e}"))?
        .filter_map(|e| e.ok().map(|e| e.file_name().to_string_lossy().into_owned()))
        .collect();
    v.sort();
    Ok(v)
}

/// Runs `sched-random hunt` once; returns how many of `runs` failed.
fn hunt(setup: &Setup, m: &Mode, prog: &str, runs: u32) -> Result<u32, String> {
    let runs_s = runs.to_string();
    // Only a program's own bug counts (exit 1; tests/corpus/corpus.h): not
    // its watchdog (exit 3, unless its bug is a hang) nor a setup error.
    let mut args = vec!["hunt", "-n", &runs_s, "--policy", m.policy, "--timeout", "10", "--bug-exit", "1"];
    if let Some(c) = m.cpus {
        args.extend(["--cpus", c]);
    }
    if m.chaos {
        args.push("--chaos");
    }
    if m.sync {
        args.push("--sync-points");
    }
    let path = format!("{}/{prog}", setup.dir(m));
    args.extend(["--", &path]);
    let o = Command::new(&setup.sched_random)
        .args(&args)
        .envs(setup.env(m))
        .output()
        .map_err(|e| format!("{} hunt: {e}", setup.sched_random))?;
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
    let setup = Setup::from_env()?;
    let progs = programs(&setup.corpus)?;
    if let Some(d) = &setup.corpus_dyn {
        if programs(d)? != progs {
            return Err(format!("{d} and {} hold different programs", setup.corpus));
        }
    }
    let mut out = Vec::new();
    for m in setup.modes() {
        let mode = m.name;
        let mut exposed = 0;
        for p in &progs {
            let k = hunt(&setup, m, p, runs)?;
            if k > 0 {
                exposed += 1;
            }
            out.push(line("corpus_failures", mode, p, k, &format!("failed of {runs} runs")));
            println!("{}", out[out.len() - 1]);
        }
        out.push(line("corpus_exposed", mode, "all", exposed, "programs failed at least once"));
        println!("{}", out[out.len() - 1]);
    }
    for m in setup.modes() {
        for p in &progs {
            for l in timeline(&setup, m, p)? {
                println!("{l}");
                out.push(l);
            }
        }
    }
    Ok(out)
}

/// Runs of each program per mode for the timeline, by default.
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

/// The sync-points library's report (`SR_SYNC_POINTS_STATS`): decision
/// points and yields (or sleeps) of the run's process.
fn parse_stats(stderr: &str) -> Option<(u64, u64)> {
    let l = stderr.lines().find_map(|l| l.strip_prefix("sync-points: pid "))?;
    let w: Vec<&str> = l.split_whitespace().collect();
    // "N: P decision points in T threads, Y yields"
    Some((w.get(1)?.parse().ok()?, w.get(7)?.parse().ok()?))
}

/// The timeline of `prog` under one mode: the runs, started as `hunt`
/// starts them (`sched-random run [--chaos [--sync-points]]` for
/// SCHED_RANDOM, `taskset -c CPUS` when pinned, the mode's environment).
/// Runs whose threads did not both finish (the bug showed in a way that
/// ended a thread early, or a deadlock) do not count.
fn timeline(setup: &Setup, m: &Mode, prog: &str) -> Result<Vec<String>, String> {
    let path = format!("{}/{prog}", setup.dir(m));
    let mut argv: Vec<&str> = Vec::new();
    if m.policy == "random" {
        argv.extend([setup.sched_random.as_str(), "run"]);
        if m.chaos {
            argv.push("--chaos");
        }
        if m.sync {
            argv.push("--sync-points");
        }
        argv.push("--");
    }
    if let Some(c) = m.cpus {
        argv.extend(["taskset", "-c", c]);
    }
    argv.push(&path);
    let library = m.sync || m.noise.is_some();
    let (mut racy, mut apart, mut points, mut yields) = (Vec::new(), Vec::new(), Vec::new(), Vec::new());
    let mut overlapped = 0;
    for _ in 0..setup.timeline_runs {
        let mut c = Command::new(argv[0]);
        c.args(&argv[1..]).envs(setup.env(m)).env("CORPUS_TIMELINE", "1");
        if library {
            c.env("SR_SYNC_POINTS_STATS", "1");
        }
        let o = c.output().map_err(|e| format!("{argv:?}: {e}"))?;
        let stderr = String::from_utf8_lossy(&o.stderr);
        if let Some((p, y)) = parse_stats(&stderr) {
            points.push(p as f64);
            yields.push(y as f64);
        }
        let Some(t) = parse_timeline(&stderr) else {
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
    let mode = m.name;
    let fig = |metric, samples, unit| Figure { metric, variant: mode.into(), param: prog.into(), samples, unit };
    let mut out = Vec::new();
    if !points.is_empty() {
        out.push(fig("corpus_sync_points", points, "decision points per run").line());
        out.push(fig("corpus_sync_yields", yields, "yields (sleeps) per run").line());
    }
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
