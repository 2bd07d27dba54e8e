// SPDX-License-Identifier: GPL-2.0
//! `sched-random`: run a command under SCHED_RANDOM (policy 8), in chaos
//! mode if asked, move tasks in and out of it, read or set the time slice,
//! and hunt for the runs of a test that fail. `chrt` cannot set a policy it
//! does not know; this can (so can `schedtool -M 8`).

use srsys::{self as sys, Errno, SCHED_OTHER, SCHED_RANDOM, SCHED_RESET_ON_FORK};
use std::os::unix::process::CommandExt;
use std::process::{Command, ExitCode};

mod hunt;

const SLICE: &str = "/proc/sys/kernel/sched_random_timeslice_ms";

const USAGE: &str = "\
usage: sched-random run [--reset-on-fork] [--chaos [--seed S]]
                        [--slice TIME|MIN-MAX] [--] COMMAND [ARG...]
       sched-random set PID...          move tasks to SCHED_RANDOM
       sched-random unset PID...        move tasks back to SCHED_OTHER
       sched-random get PID...          print each task's policy
       sched-random slice [MS]          print or set the time slice (ms)
       sched-random hunt [OPTIONS] [--] COMMAND [ARG...]
                                        run a test many times, count failures
                                        (sched-random hunt --help)
       sched-random --help

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

fn run(args: &[String]) -> Result<(), String> {
    let mut policy = SCHED_RANDOM;
    let mut slice = None;
    let (mut chaos, mut seed) = (false, None);
    let mut i = 0;
    while i < args.len() {
        match args[i].as_str() {
            "--reset-on-fork" => policy |= SCHED_RESET_ON_FORK,
            "--chaos" => chaos = true,
            "--slice" => {
                let v = args.get(i + 1).ok_or("run: --slice needs a value")?;
                slice = Some(parse_slice(v)?);
                i += 1;
            }
            "--seed" => {
                let v = args.get(i + 1).ok_or("run: --seed needs a value")?;
                seed = Some(v.parse::<u64>().map_err(|_| format!("run: --seed takes a number, not '{v}'"))?);
                i += 1;
            }
            "--" => {
                i += 1;
                break;
            }
            a if a.starts_with('-') => return Err(format!("unknown option '{a}'")),
            _ => break,
        }
        i += 1;
    }
    let cmd = args.get(i).ok_or("run: expected a COMMAND")?;
    if seed.is_some() && !chaos {
        return Err("run: --seed is for --chaos".into());
    }
    if let Some(s) = seed {
        set_seed(s)?;
    }
    if slice.is_none() && !chaos {
        sys::sched_setscheduler(0, policy, 0).map_err(|e| explain(e, "sched_setscheduler"))?;
    } else {
        let mut a = random_attr(slice.unwrap_or_default(), chaos)?;
        a.sched_nice = sys::get_nice(0).unwrap_or(0);
        if policy & SCHED_RESET_ON_FORK != 0 {
            a.sched_flags |= sys::SCHED_FLAG_RESET_ON_FORK;
        }
        sys::sched_setattr(0, &a).map_err(|e| match e {
            sys::EINVAL => format!(
                "sched_setattr: {e}: a slice is 100us to 100ms, a chaos minimum 10us to the slice (or the kernel predates them)"
            ),
            sys::EPERM if chaos => format!("sched_setattr: {e}: chaos mode needs CAP_SYS_NICE"),
            _ => explain(e, "sched_setattr"),
        })?;
    }
    let err = Command::new(cmd).args(&args[i + 1..]).exec();
    Err(format!("{cmd}: {err}"))
}

fn cmd(args: &[String]) -> Result<(), String> {
    let (verb, rest) = args.split_first().ok_or("expected a command")?;
    match verb.as_str() {
        "run" => run(rest),
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

fn main() -> ExitCode {
    let args: Vec<String> = std::env::args().skip(1).collect();
    if args.first().map(String::as_str) == Some("hunt") {
        return hunt_main(&args[1..]);
    }
    if args.is_empty() || args[0] == "--help" || args[0] == "-h" {
        println!("{USAGE}");
        return if args.is_empty() { ExitCode::from(2) } else { ExitCode::SUCCESS };
    }
    match cmd(&args) {
        Ok(()) => ExitCode::SUCCESS,
        Err(e) => {
            eprintln!("sched-random: {e}");
            eprintln!("Try 'sched-random --help'.");
            ExitCode::from(2)
        }
    }
}

/// `hunt` has its own exit codes: 1 means a run failed, not a usage error.
fn hunt_main(args: &[String]) -> ExitCode {
    if args.first().is_some_and(|a| a == "--help" || a == "-h") {
        println!("{}", hunt::USAGE);
        return ExitCode::SUCCESS;
    }
    match hunt::parse(args).and_then(|o| hunt::hunt(&o)) {
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
    use super::{parse_duration, parse_slice, random_attr, Slice};

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
