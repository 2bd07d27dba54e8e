// SPDX-License-Identifier: GPL-2.0
//! `sched-random`: run a command under SCHED_RANDOM (policy 8), in chaos
//! mode if asked, move tasks in and out of it, read or set the time slice,
//! and hunt for the runs of a test that fail. `chrt` cannot set a policy it
//! does not know; this can (so can `schedtool -M 8`).

use srsys::{self as sys, Errno, SCHED_FIFO, SCHED_OTHER, SCHED_RANDOM, SCHED_RESET_ON_FORK};
use std::os::unix::process::CommandExt;
use std::process::{Command, ExitCode};

mod hunt;

const SLICE: &str = "/proc/sys/kernel/sched_random_timeslice_ms";

const USAGE: &str = "\
usage: sched-random run [--policy random|other|fifo] [--reset-on-fork]
                        [--chaos [--seed S] [--sync-points[=RATE]]]
                        [--slice TIME|MIN-MAX] [--] COMMAND [ARG...]
       sched-random set PID...          move tasks to SCHED_RANDOM
       sched-random unset PID...        move tasks back to SCHED_OTHER
       sched-random get PID...          print each task's policy
       sched-random slice [MS]          print or set the time slice (ms)
       sched-random hunt [OPTIONS] [--] COMMAND [ARG...]
                                        run a test many times, count failures
       sched-random --help
       sched-random SUBCOMMAND --help   that subcommand's own usage

Entering SCHED_RANDOM needs CAP_SYS_NICE. PIDs are thread ids, as for
sched_setscheduler(2); 0 is the caller. --slice gives COMMAND its own time
slice (sched_attr.sched_runtime): 100us to 100ms, e.g. 250us or 2ms; a
slice longer than the current one needs CAP_SYS_NICE too.

--chaos runs COMMAND (and what it forks, unless --reset-on-fork) in chaos
mode (SCHED_FLAG_RANDOM_CHAOS, needs CAP_SYS_NICE): each slice is drawn
between MIN (default 10us, the shortest) and the slice, every octave equally likely, and
each wakeup is a uniform draw among the runnable tasks of its CPU. --seed S
first writes S to kernel.sched_random_seed, which seeds the decisions of
every CPU, for every SCHED_RANDOM task (0: from the CRNG).";

const RUN_USAGE: &str = "\
usage: sched-random run [--policy random|other|fifo] [--reset-on-fork]
                        [--chaos [--seed S] [--sync-points[=RATE]]]
                        [--slice TIME|MIN-MAX] [--] COMMAND [ARG...]

Runs COMMAND in this process (exec) under the policy: random (the default,
SCHED_RANDOM), other (SCHED_OTHER) or fifo (SCHED_FIFO at priority 1);
what it forks inherits the policy unless --reset-on-fork. Entering
SCHED_RANDOM or SCHED_FIFO needs CAP_SYS_NICE.

--slice TIME gives COMMAND its own SCHED_RANDOM time slice
(sched_attr.sched_runtime): 100us to 100ms, e.g. 250us or 2ms.
--chaos runs it in chaos mode (SCHED_FLAG_RANDOM_CHAOS): each slice is
drawn between MIN (default 10us) and the slice, every octave equally
likely (--slice MIN-MAX sets both), and each wakeup is a uniform draw
among the runnable tasks of its CPU. --seed S first writes S to
kernel.sched_random_seed (0: seeded from the CRNG). --slice and --chaos
are for --policy random.

--sync-points[=RATE] (with --chaos) runs COMMAND with LD_PRELOAD of the
sync-points library (libsr-sync-points.so), which yields with probability
RATE (0 to 1, default 0.5) around its pthread mutex, rwlock, condvar,
semaphore, create, join and sched_yield calls and at each thread's start
and end: scheduling decisions where threads synchronise (dynamically
linked programs only). The library is $SR_SYNC_POINTS_LIB, else found
next to this program (../lib/sched-random/, or the build tree's
out/sync-points/), else in /usr/local/lib/sched-random/ or
/usr/lib/sched-random/.

Exit status: COMMAND's; 127 if COMMAND was not found, 126 if it could
not be executed, 2 on a usage error or when the policy cannot be set.";

const SET_USAGE: &str = "\
usage: sched-random set PID...

Moves each task (a thread id, as for sched_setscheduler(2); 0 is the
caller) to SCHED_RANDOM with the kernel's time slice. Needs CAP_SYS_NICE.
Exits 2 at the first task that cannot be moved.";

const UNSET_USAGE: &str = "\
usage: sched-random unset PID...

Moves each task (a thread id; 0 is the caller) back to SCHED_OTHER.
Exits 2 at the first task that cannot be moved.";

const GET_USAGE: &str = "\
usage: sched-random get PID...

Prints each task's policy (a thread id; 0 is the caller), e.g.
  0: SCHED_RANDOM (8) slice 250 us chaos min 10 us
with, for a SCHED_RANDOM task, its own time slice if it has one, and
'chaos' (with its shortest slice if set) in chaos mode; 'reset-on-fork'
follows the number when that flag is set.";

const SLICE_USAGE: &str = "\
usage: sched-random slice [MS]

Prints the SCHED_RANDOM time slice that tasks without their own get
(kernel.sched_random_timeslice_ms), or sets it to MS milliseconds
(1 to 1000; writing it needs root).";

/// The usage of subcommand `verb`, if there is such a subcommand.
pub fn usage_of(verb: &str) -> Option<&'static str> {
    Some(match verb {
        "run" => RUN_USAGE,
        "set" => SET_USAGE,
        "unset" => UNSET_USAGE,
        "get" => GET_USAGE,
        "slice" => SLICE_USAGE,
        "hunt" => hunt::USAGE,
        _ => return None,
    })
}

fn is_help(a: &str) -> bool {
    a == "--help" || a == "-h"
}

/// The slice options: `--slice TIME`, or `--slice MIN-MAX` in chaos mode;
/// 0 is the kernel's default for either bound.
#[derive(Debug, Clone, Copy, Default, PartialEq)]
pub struct Slice {
    pub min: u64,
    pub max: u64,
}

/// Parses `TIME` or `MIN-MAX` (e.g. `2ms` or `100us-4ms`).
pub fn parse_slice(s: &str) -> Result<Slice, String> {
    match s.split_once('-') {
        None => Ok(Slice { min: 0, max: parse_duration(s)? }),
        Some((a, b)) => {
            let (min, max) = (parse_duration(a)?, parse_duration(b)?);
            if min > max {
                return Err(format!("'{s}': the shortest slice is longer than the longest"));
            }
            Ok(Slice { min, max })
        }
    }
}

/// The sched_attr that puts a task in SCHED_RANDOM with `slice`, in chaos
/// mode if `chaos` (a range needs chaos mode).
pub fn random_attr(slice: Slice, chaos: bool) -> Result<sys::SchedAttr, String> {
    if slice.min != 0 && !chaos {
        return Err("a slice range MIN-MAX is for --chaos".into());
    }
    let mut a = sys::SchedAttr::new(SCHED_RANDOM, 0);
    a.sched_runtime = slice.max;
    a.sched_period = slice.min;
    if chaos {
        a.sched_flags |= sys::SCHED_FLAG_RANDOM_CHAOS;
    }
    Ok(a)
}

/// Seeds every CPU's SCHED_RANDOM decision stream.
pub fn set_seed(seed: u64) -> Result<(), String> {
    std::fs::write(sys::SEED_SYSCTL, format!("{seed}\n"))
        .map_err(|e| format!("{}: {e} (writing it needs root; kernels before chaos mode lack it)", sys::SEED_SYSCTL))
}

fn parse_pids(args: &[String]) -> Result<Vec<i32>, String> {
    if args.is_empty() {
        return Err("expected at least one PID".into());
    }
    args.iter().map(|a| a.parse::<i32>().map_err(|_| format!("'{a}' is not a PID"))).collect()
}

fn explain(e: Errno, what: &str) -> String {
    match e {
        sys::EPERM => format!("{what}: {e}: entering SCHED_RANDOM needs CAP_SYS_NICE"),
        sys::EINVAL => format!("{what}: {e}: the kernel has no SCHED_RANDOM (CONFIG_SCHED_CLASS_RANDOM)?"),
        sys::ESRCH => format!("{what}: {e}: no such task"),
        _ => format!("{what}: {e}"),
    }
}

/// A duration such as `250us`, `2ms` or `100000ns`, in nanoseconds.
pub fn parse_duration(s: &str) -> Result<u64, String> {
    let (num, unit) = s.split_at(s.find(|c: char| !c.is_ascii_digit()).unwrap_or(s.len()));
    let scale = match unit {
        "ns" => 1,
        "us" => 1_000,
        "ms" => 1_000_000,
        "s" => 1_000_000_000,
        _ => return Err(format!("'{s}' is not a duration (a number with ns, us, ms or s)")),
    };
    num.parse::<u64>()
        .ok()
        .and_then(|n| n.checked_mul(scale))
        .ok_or(format!("'{s}' is not a duration (a number with ns, us, ms or s)"))
}

/// What `run` was asked to do.
#[derive(Debug, PartialEq)]
pub struct RunOptions {
    pub help: bool,
    pub policy: u32,
    pub reset_on_fork: bool,
    pub chaos: bool,
    pub seed: Option<u64>,
    pub slice: Option<Slice>,
    /// --sync-points[=RATE]: the rate, as given (checked: 0 to 1).
    pub sync_points: Option<String>,
    pub cmd: Vec<String>,
}

/// The library `--sync-points` preloads.
pub const SYNC_POINTS_LIB: &str = "libsr-sync-points.so";

/// Checks `--sync-points[=RATE]`'s rate (0 to 1; default 0.5); returns it
/// as the library's SR_SYNC_POINTS_RATE.
pub fn parse_sync_rate(opt: &str) -> Result<String, String> {
    let Some(r) = opt.strip_prefix("--sync-points") else {
        return Err(format!("'{opt}' is not --sync-points"));
    };
    let r = match r.strip_prefix('=') {
        None if r.is_empty() => return Ok("0.5".into()),
        Some(r) => r,
        None => return Err(format!("unknown option '{opt}'")),
    };
    match r.parse::<f64>() {
        Ok(v) if (0.0..=1.0).contains(&v) && !r.contains(['e', 'E', 'n', 'N', 'i', 'I']) => Ok(r.into()),
        _ => Err(format!("--sync-points takes a rate from 0 to 1, not '{r}'")),
    }
}

/// Where the sync-points library is: $SR_SYNC_POINTS_LIB, else next to
/// this program (an install's ../lib/sched-random/, the build tree's
/// out/sync-points/ from out/cargo/TARGET/release/), else the usual
/// library directories.
pub fn find_sync_points_lib() -> Result<String, String> {
    if let Some(p) = std::env::var_os("SR_SYNC_POINTS_LIB") {
        let p = p.to_string_lossy().into_owned();
        return if std::path::Path::new(&p).is_file() {
            Ok(p)
        } else {
            Err(format!("--sync-points: SR_SYNC_POINTS_LIB={p}: no such file"))
        };
    }
    let mut tried = Vec::new();
    if let Some(dir) = std::env::current_exe().ok().and_then(|e| e.parent().map(|d| d.to_path_buf())) {
        tried.push(dir.join("../lib/sched-random").join(SYNC_POINTS_LIB));
        tried.push(dir.join("../../../sync-points").join(SYNC_POINTS_LIB));
    }
    for d in ["/usr/local/lib/sched-random", "/usr/lib/sched-random"] {
        tried.push(std::path::Path::new(d).join(SYNC_POINTS_LIB));
    }
    for t in &tried {
        if t.is_file() {
            // A clean path for LD_PRELOAD (no "..": the loader takes it as is, but a reader may not).
            return Ok(std::fs::canonicalize(t).unwrap_or(t.clone()).to_string_lossy().into_owned());
        }
    }
    let t: Vec<String> = tried.iter().map(|t| t.display().to_string()).collect();
    Err(format!(
        "--sync-points: no {SYNC_POINTS_LIB} (tried {}; set SR_SYNC_POINTS_LIB, or build it with scripts/run-in --sync-points)",
        t.join(", ")
    ))
}

/// The environment `--sync-points` adds to COMMAND's: LD_PRELOAD (the
/// library first, then what the caller preloads) and SR_SYNC_POINTS_RATE.
pub fn sync_points_env(rate: &str) -> Result<Vec<(String, String)>, String> {
    let lib = find_sync_points_lib()?;
    let preload = match std::env::var("LD_PRELOAD") {
        Ok(p) if !p.is_empty() => format!("{lib}:{p}"),
        _ => lib,
    };
    Ok(vec![("LD_PRELOAD".into(), preload), ("SR_SYNC_POINTS_RATE".into(), rate.into())])
}

/// Parses a policy name for `--policy`.
pub fn parse_policy(p: &str) -> Result<u32, String> {
    match p {
        "random" => Ok(SCHED_RANDOM),
        "other" => Ok(SCHED_OTHER),
        "fifo" => Ok(SCHED_FIFO),
        _ => Err(format!("unknown policy '{p}' (random, other or fifo)")),
    }
}

/// Parses the arguments after `run`; `--help` before COMMAND stops there.
pub fn parse_run(args: &[String]) -> Result<RunOptions, String> {
    let mut o = RunOptions {
        help: false,
        policy: SCHED_RANDOM,
        reset_on_fork: false,
        chaos: false,
        seed: None,
        slice: None,
        sync_points: None,
        cmd: Vec::new(),
    };
    let mut i = 0;
    while i < args.len() {
        match args[i].as_str() {
            a if is_help(a) => {
                o.help = true;
                return Ok(o);
            }
            a if a.starts_with("--sync-points") => {
                o.sync_points = Some(parse_sync_rate(a).map_err(|e| format!("run: {e}"))?)
            }
            "--reset-on-fork" => o.reset_on_fork = true,
            "--chaos" => o.chaos = true,
            "--policy" => {
                let v = args.get(i + 1).ok_or("run: --policy needs a value")?;
                o.policy = parse_policy(v).map_err(|e| format!("run: {e}"))?;
                i += 1;
            }
            "--slice" => {
                let v = args.get(i + 1).ok_or("run: --slice needs a value")?;
                o.slice = Some(parse_slice(v)?);
                i += 1;
            }
            "--seed" => {
                let v = args.get(i + 1).ok_or("run: --seed needs a value")?;
                o.seed = Some(v.parse::<u64>().map_err(|_| format!("run: --seed takes a number, not '{v}'"))?);
                i += 1;
            }
            "--" => {
                i += 1;
                break;
            }
            a if a.starts_with('-') => return Err(format!("run: unknown option '{a}'")),
            _ => break,
        }
        i += 1;
    }
    o.cmd = args[i..].to_vec();
    if o.cmd.is_empty() {
        return Err("run: expected a COMMAND".into());
    }
    if o.seed.is_some() && !o.chaos {
        return Err("run: --seed is for --chaos".into());
    }
    if o.sync_points.is_some() && !o.chaos {
        return Err("run: --sync-points acts in chaos mode only: add --chaos".into());
    }
    if (o.chaos || o.slice.is_some()) && o.policy != SCHED_RANDOM {
        return Err("run: --slice and --chaos are for --policy random".into());
    }
    if o.policy == SCHED_RANDOM {
        random_attr(o.slice.unwrap_or_default(), o.chaos).map_err(|e| format!("run: {e}"))?;
    }
    Ok(o)
}

/// How `run` failed: before COMMAND (a usage or setup error, exit 2), or
/// at its exec (127 if not found, 126 otherwise, as env(1) and chrt(1)).
#[derive(Debug, PartialEq)]
pub enum RunError {
    Usage(String),
    Exec(String, u8),
}

/// The exit status for a failed exec of COMMAND.
pub fn exec_status(e: &std::io::Error) -> u8 {
    if e.kind() == std::io::ErrorKind::NotFound {
        127
    } else {
        126
    }
}

fn run(o: &RunOptions) -> Result<(), RunError> {
    let reset = if o.reset_on_fork { SCHED_RESET_ON_FORK } else { 0 };
    // The library first: a missing one is a usage error, before any policy.
    let env = match &o.sync_points {
        Some(rate) => sync_points_env(rate).map_err(|e| RunError::Usage(format!("run: {e}")))?,
        None => Vec::new(),
    };
    if let Some(s) = o.seed {
        set_seed(s).map_err(RunError::Usage)?;
    }
    if o.policy != SCHED_RANDOM {
        let prio = if o.policy == SCHED_FIFO { 1 } else { 0 };
        sys::sched_setscheduler(0, o.policy | reset, prio)
            .map_err(|e| RunError::Usage(explain(e, "sched_setscheduler")))?;
    } else if o.slice.is_none() && !o.chaos {
        sys::sched_setscheduler(0, o.policy | reset, 0)
            .map_err(|e| RunError::Usage(explain(e, "sched_setscheduler")))?;
    } else {
        let mut a = random_attr(o.slice.unwrap_or_default(), o.chaos).map_err(RunError::Usage)?;
        a.sched_nice = sys::get_nice(0).unwrap_or(0);
        if o.reset_on_fork {
            a.sched_flags |= sys::SCHED_FLAG_RESET_ON_FORK;
        }
        sys::sched_setattr(0, &a).map_err(|e| {
            RunError::Usage(match e {
                sys::EINVAL => format!(
                    "sched_setattr: {e}: a slice is 100us to 100ms, a chaos minimum 10us to the slice (or the kernel predates them)"
                ),
                sys::EPERM if o.chaos => format!("sched_setattr: {e}: chaos mode needs CAP_SYS_NICE"),
                _ => explain(e, "sched_setattr"),
            })
        })?;
    }
    let err = Command::new(&o.cmd[0]).args(&o.cmd[1..]).envs(env).exec();
    Err(RunError::Exec(format!("run: {}: {err}", o.cmd[0]), exec_status(&err)))
}

fn cmd(args: &[String]) -> Result<(), String> {
    let (verb, rest) = args.split_first().ok_or("expected a command")?;
    match verb.as_str() {
        "set" | "unset" => {
            let policy = if verb == "set" { SCHED_RANDOM } else { SCHED_OTHER };
            for pid in parse_pids(rest)? {
                sys::sched_setscheduler(pid, policy, 0).map_err(|e| explain(e, &format!("pid {pid}")))?;
            }
            Ok(())
        }
        "get" => {
            for pid in parse_pids(rest)? {
                let p = sys::sched_getscheduler(pid).map_err(|e| explain(e, &format!("pid {pid}")))?;
                let reset = if p & SCHED_RESET_ON_FORK != 0 { " reset-on-fork" } else { "" };
                let slice = match sys::sched_getattr(pid) {
                    Ok(a) if p & !SCHED_RESET_ON_FORK == SCHED_RANDOM => {
                        let mut s = String::new();
                        if a.sched_runtime != 0 {
                            s += &format!(" slice {} us", a.sched_runtime / 1_000);
                        }
                        if a.sched_flags & sys::SCHED_FLAG_RANDOM_CHAOS != 0 {
                            s += " chaos";
                            if a.sched_period != 0 {
                                s += &format!(" min {} us", a.sched_period / 1_000);
                            }
                        }
                        s
                    }
                    _ => String::new(),
                };
                println!("{pid}: {} ({}){reset}{slice}", sys::policy_name(p), p & !SCHED_RESET_ON_FORK);
            }
            Ok(())
        }
        "slice" => match rest {
            [] => {
                let v = std::fs::read_to_string(SLICE).map_err(|e| format!("{SLICE}: {e}"))?;
                println!("{} ms", v.trim());
                Ok(())
            }
            [ms] => {
                let n: u32 = ms.parse().map_err(|_| format!("'{ms}' is not a number of milliseconds"))?;
                std::fs::write(SLICE, format!("{n}\n")).map_err(|e| format!("{SLICE}: {e} (valid: 1..1000)"))
            }
            _ => Err("slice: expected at most one value".into()),
        },
        other => Err(format!("unknown command '{other}'")),
    }
}

/// Prints a usage text: a reader that goes away early (`| head`) is no
/// error worth a panic.
fn say(text: &str) {
    use std::io::Write;
    let _ = writeln!(std::io::stdout(), "{text}");
}

fn main() -> ExitCode {
    let args: Vec<String> = std::env::args().skip(1).collect();
    let Some((verb, rest)) = args.split_first() else {
        say(USAGE);
        return ExitCode::from(2);
    };
    if is_help(verb) {
        say(USAGE);
        return ExitCode::SUCCESS;
    }
    match verb.as_str() {
        "hunt" => return hunt_main(rest),
        "run" => return run_main(rest),
        _ => {}
    }
    // set, unset, get and slice take no options: --help anywhere asks for help.
    if let Some(u) = usage_of(verb).filter(|_| rest.iter().any(|a| is_help(a))) {
        say(u);
        return ExitCode::SUCCESS;
    }
    match cmd(&args) {
        Ok(()) => ExitCode::SUCCESS,
        Err(e) => {
            eprintln!("sched-random: {e}");
            match usage_of(verb) {
                Some(_) => eprintln!("Try 'sched-random {verb} --help'."),
                None => eprintln!("Try 'sched-random --help'."),
            }
            ExitCode::from(2)
        }
    }
}

fn run_main(args: &[String]) -> ExitCode {
    let e = match parse_run(args) {
        Ok(o) if o.help => {
            say(RUN_USAGE);
            return ExitCode::SUCCESS;
        }
        Ok(o) => match run(&o) {
            Ok(()) => return ExitCode::SUCCESS,
            Err(e) => e,
        },
        Err(e) => RunError::Usage(e),
    };
    match e {
        RunError::Usage(e) => {
            eprintln!("sched-random: {e}");
            eprintln!("Try 'sched-random run --help'.");
            ExitCode::from(2)
        }
        RunError::Exec(e, status) => {
            eprintln!("sched-random: {e}");
            ExitCode::from(status)
        }
    }
}

/// `hunt` has its own exit codes: 1 means a run failed, not a usage error.
fn hunt_main(args: &[String]) -> ExitCode {
    let result = hunt::parse(args).and_then(|o| {
        if o.help {
            say(hunt::USAGE);
            Ok(false)
        } else if o.dry_run {
            say(&hunt::plan(&o));
            Ok(false)
        } else {
            hunt::hunt(&o)
        }
    });
    match result {
        Ok(false) => ExitCode::SUCCESS,
        Ok(true) => ExitCode::from(1),
        Err(e) => {
            eprintln!("sched-random: {e}");
            eprintln!("Try 'sched-random hunt --help'.");
            ExitCode::from(2)
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn args(s: &str) -> Vec<String> {
        s.split_whitespace().map(String::from).collect()
    }

    #[test]
    fn every_subcommand_has_its_own_usage() {
        for verb in ["run", "set", "unset", "get", "slice", "hunt"] {
            let u = usage_of(verb).unwrap_or_else(|| panic!("no usage for {verb}"));
            assert!(u.starts_with(&format!("usage: sched-random {verb}")), "{verb}: {u}");
        }
        assert_eq!(usage_of("bogus"), None);
    }

    #[test]
    fn run_options() {
        assert!(parse_run(&args("--help")).unwrap().help);
        assert!(parse_run(&args("--chaos -h")).unwrap().help);
        // After COMMAND, --help is COMMAND's.
        let o = parse_run(&args("prog --help")).unwrap();
        assert!(!o.help);
        assert_eq!(o.cmd, args("prog --help"));
        let o = parse_run(&args("-- --help")).unwrap();
        assert_eq!((o.help, o.cmd), (false, args("--help")));
        let o = parse_run(&args("--policy fifo --reset-on-fork -- prog a b")).unwrap();
        assert_eq!((o.policy, o.reset_on_fork, o.chaos), (SCHED_FIFO, true, false));
        assert_eq!(o.cmd, args("prog a b"));
        let o = parse_run(&args("--chaos --sync-points prog")).unwrap();
        assert_eq!(o.sync_points.as_deref(), Some("0.5"));
        let o = parse_run(&args("--chaos --sync-points=1 prog")).unwrap();
        assert_eq!(o.sync_points.as_deref(), Some("1"));
        let o = parse_run(&args("--chaos --seed 5 --slice 100us-2ms prog")).unwrap();
        assert_eq!((o.policy, o.chaos, o.seed), (SCHED_RANDOM, true, Some(5)));
        assert_eq!(o.slice, Some(Slice { min: 100_000, max: 2_000_000 }));
        assert_eq!(parse_run(&args("--policy other prog")).unwrap().policy, SCHED_OTHER);
        for bad in [
            "",
            "--",
            "--chaos",
            "--bogus prog",
            "--policy",
            "--policy rr prog",
            "--policy other --chaos prog",
            "--policy fifo --slice 1ms prog",
            "--seed 3 prog",
            "--chaos --seed x prog",
            "--slice 100us-1ms prog",
            "--sync-points prog",
            "--chaos --sync-points=1.5 prog",
            "--chaos --sync-points= prog",
            "--chaos --sync-points=nan prog",
            "--chaos --sync-pointsy prog",
        ] {
            assert!(parse_run(&args(bad)).is_err(), "accepted '{bad}'");
        }
    }

    #[test]
    fn exec_failures_are_127_and_126() {
        use std::io::{Error, ErrorKind};
        assert_eq!(exec_status(&Error::from(ErrorKind::NotFound)), 127);
        assert_eq!(exec_status(&Error::from(ErrorKind::PermissionDenied)), 126);
    }

    #[test]
    fn slices() {
        assert_eq!(parse_slice("2ms"), Ok(Slice { min: 0, max: 2_000_000 }));
        assert_eq!(parse_slice("100us-4ms"), Ok(Slice { min: 100_000, max: 4_000_000 }));
        for bad in ["", "4ms-100us", "1ms-", "-1ms", "1ms-2ms-3ms"] {
            assert!(parse_slice(bad).is_err(), "accepted '{bad}'");
        }
        let a = random_attr(Slice { min: 200_000, max: 1_000_000 }, true).unwrap();
        assert_eq!((a.sched_period, a.sched_runtime), (200_000, 1_000_000));
        assert_eq!(a.sched_flags, srsys::SCHED_FLAG_RANDOM_CHAOS);
        assert!(random_attr(Slice { min: 200_000, max: 1_000_000 }, false).is_err());
        assert_eq!(random_attr(Slice::default(), false).unwrap().sched_flags, 0);
    }

    #[test]
    fn durations() {
        assert_eq!(parse_duration("250us"), Ok(250_000));
        assert_eq!(parse_duration("2ms"), Ok(2_000_000));
        assert_eq!(parse_duration("100000ns"), Ok(100_000));
        assert_eq!(parse_duration("1s"), Ok(1_000_000_000));
        for bad in ["", "5", "ms", "1.5ms", "-1ms", "99999999999999999999s", "2 ms"] {
            assert!(parse_duration(bad).is_err(), "accepted '{bad}'");
        }
    }
}
