// SPDX-License-Identifier: GPL-2.0
//! `sched-random SUBCOMMAND --help` prints that subcommand's own usage on
//! stdout and exits 0, for every subcommand, without touching the kernel;
//! a bad option still exits 2.

use std::process::Command;

const BIN: &str = env!("CARGO_BIN_EXE_sched-random");

fn sr(args: &[&str]) -> (i32, String, String) {
    let out = Command::new(BIN).args(args).output().expect("cannot run sched-random");
    (
        out.status.code().unwrap_or(-1),
        String::from_utf8_lossy(&out.stdout).into_owned(),
        String::from_utf8_lossy(&out.stderr).into_owned(),
    )
}

#[test]
fn every_subcommand_help_exits_0_with_its_usage() {
    for verb in ["run", "set", "unset", "get", "slice", "hunt"] {
        for help in ["--help", "-h"] {
            let (rc, out, err) = sr(&[verb, help]);
            assert_eq!(rc, 0, "sched-random {verb} {help}: exit {rc}, stderr {err}");
            assert!(out.starts_with(&format!("usage: sched-random {verb}")), "sched-random {verb} {help}: {out}");
            assert!(err.is_empty(), "sched-random {verb} {help}: stderr {err}");
        }
    }
    let (rc, out, _) = sr(&["--help"]);
    assert_eq!(rc, 0);
    assert!(out.contains("SUBCOMMAND --help"), "{out}");
    // --help among the options, before COMMAND.
    for args in [&["run", "--chaos", "--help"][..], &["hunt", "-n", "5", "--help"], &["get", "0", "--help"]] {
        let (rc, out, _) = sr(args);
        assert_eq!(rc, 0, "{args:?}");
        assert!(out.starts_with(&format!("usage: sched-random {}", args[0])), "{args:?}: {out}");
    }
}

#[test]
fn bad_options_exit_2_and_point_at_the_subcommand_help() {
    for verb in ["run", "hunt"] {
        let (rc, _, err) = sr(&[verb, "--bogus", "true"]);
        assert_eq!(rc, 2, "{verb} --bogus: {err}");
        assert!(err.contains("unknown option '--bogus'"), "{err}");
        assert!(err.contains(&format!("sched-random {verb} --help")), "{err}");
    }
    let (rc, _, err) = sr(&["get", "x"]);
    assert_eq!(rc, 2);
    assert!(err.contains("sched-random get --help"), "{err}");
}

#[test]
fn hunt_dry_run_runs_nothing() {
    let (rc, out, err) = sr(&["hunt", "--dry-run", "-n", "3", "--", "/nonexistent/prog", "--help"]);
    assert_eq!(rc, 0, "{err}");
    assert!(out.starts_with("would run [\"/nonexistent/prog\", \"--help\"] 3 times under SCHED_RANDOM"), "{out}");
}
