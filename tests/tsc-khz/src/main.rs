// SPDX-License-Identifier: GPL-2.0
//! Prints the host's TSC rate in kHz, for `tsc_early_khz=` on a guest
//! kernel.
//!
//! Under QEMU's TCG a guest's `rdtsc` reads the host's TSC, so the guest's
//! TSC runs at the host's rate. A guest kernel without ACPI has no HPET and
//! no PM timer: if its PIT calibration fails, as it does when the host is
//! busy, it marks the TSC unstable and keeps time with jiffies (no
//! high-resolution timers). `scripts/lib.sh` gives such a guest the rate
//! measured here instead.
//!
//! The rate is the TSC's advance over 200 ms of `CLOCK_MONOTONIC`, each
//! end read between two clock reads, the closest pair of 200. Three
//! measurements must agree within 0.1 %, or the program fails (exit 1)
//! and the guest calibrates by itself. Exit 2: the CPU has no TSC that
//! runs at a constant rate.

use std::process::ExitCode;
use std::time::{Duration, Instant};

/// One reading of the TSC and of the clock at the same moment.
struct Reading {
    at: Instant,
    tsc: u64,
}

fn rdtsc() -> u64 {
    // SAFETY: RDTSC only reads the time-stamp counter; every x86_64 CPU
    // has it, and the kernel lets user space run it unless the task chose
    // otherwise (PR_SET_TSC), which this program does not.
    unsafe { core::arch::x86_64::_rdtsc() }
}

/// The reading whose two clock reads were closest together, of `tries`
/// (at least one).
fn reading(tries: u32) -> Reading {
    let mut best: Option<(Duration, Reading)> = None;
    for _ in 0..tries.max(1) {
        let before = Instant::now();
        let tsc = rdtsc();
        let width = before.elapsed();
        if best.as_ref().is_none_or(|(w, _)| width < *w) {
            best = Some((width, Reading { at: before.checked_add(width / 2).unwrap_or(before), tsc }));
        }
    }
    best.map_or_else(|| Reading { at: Instant::now(), tsc: rdtsc() }, |(_, r)| r)
}

/// The TSC's rate over `window`, in kHz.
fn measure(window: Duration) -> f64 {
    let start = reading(200);
    std::thread::sleep(window);
    let end = reading(200);
    let ns = end.at.duration_since(start.at).as_nanos() as f64;
    end.tsc.wrapping_sub(start.tsc) as f64 * 1e6 / ns
}

/// Whether /proc/cpuinfo says the TSC runs at a constant rate in every
/// CPU state.
fn constant_tsc() -> bool {
    std::fs::read_to_string("/proc/cpuinfo").is_ok_and(|s| {
        s.lines().find(|l| l.starts_with("flags")).is_some_and(|l| {
            let flags: Vec<&str> = l.split_whitespace().collect();
            flags.contains(&"constant_tsc") && flags.contains(&"nonstop_tsc")
        })
    })
}

/// The median of three rates, if they agree within 0.1 %.
fn agreed(mut rates: [f64; 3]) -> Option<f64> {
    rates.sort_by(f64::total_cmp);
    let median = rates[1];
    (median > 0.0 && (rates[2] - rates[0]) / median <= 1e-3).then_some(median)
}

fn main() -> ExitCode {
    if !constant_tsc() {
        eprintln!("tsc-khz: no constant_tsc and nonstop_tsc in /proc/cpuinfo");
        return ExitCode::from(2);
    }
    let rates = [(); 3].map(|()| measure(Duration::from_millis(200)));
    match agreed(rates) {
        Some(khz) => {
            println!("{}", khz.round() as u64);
            ExitCode::SUCCESS
        }
        None => {
            eprintln!("tsc-khz: three measurements disagree: {rates:.0?} kHz");
            ExitCode::FAILURE
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn agreement() {
        assert_eq!(agreed([2_300_000.0, 2_300_100.0, 2_299_900.0]), Some(2_300_000.0));
        assert_eq!(agreed([2_300_000.0, 2_310_000.0, 2_300_100.0]), None);
        assert_eq!(agreed([0.0, 0.0, 0.0]), None);
    }

    #[test]
    fn measures_a_plausible_rate() {
        if constant_tsc() {
            let khz = measure(Duration::from_millis(50));
            assert!((100_000.0..10_000_000.0).contains(&khz), "{khz} kHz");
        }
    }
}
