// SPDX-License-Identifier: GPL-2.0
//! The original article's experiment, done properly: N CPU-bound tasks on
//! one CPU under a policy, each recording when it ran. Shared by the
//! fairness and randomness tests and by the demo.

use crate::workers::{self, Crew, WorkerSpec};
use srsys as sys;
use std::time::Duration;

pub struct Experiment {
    pub policy: u32,
    pub n: usize,
    pub seconds: f64,
    /// Share of the CPU time the N tasks got, per task.
    pub shares: Vec<f64>,
    /// Timeslices per task (schedstat switch-ins).
    pub slices: Vec<u64>,
    /// Chi-square of the slice counts against equal counts (N - 1 dof).
    pub chi2_slices: f64,
    /// successors[a][b]: runs of b right after a run of a.
    pub successors: Vec<Vec<u64>>,
    /// Chi-square of each task's successors against "any other task equally
    /// likely", summed over tasks (N (N - 2) dof); round robin makes it huge.
    pub chi2_successors: f64,
    /// Distinct successors per task (round robin: 1).
    pub distinct_successors: Vec<usize>,
}

pub fn run(policy: u32, n: usize, seconds: f64) -> Result<Experiment, String> {
    let cpu = workers::last_cpu();
    let specs: Vec<WorkerSpec> = (0..n).map(|_| WorkerSpec { policy, prio: 0, mask: 1 << cpu, record: true }).collect();
    let crew = Crew::start(&specs)?;
    let (before, after) = workers::as_controller(1, || {
        crew.go();
        let before = crew.schedstats();
        std::thread::sleep(Duration::from_secs_f64(seconds));
        let after = crew.schedstats();
        (before, after)
    })?;
    let runs = crew.finish();

    let runtime: Vec<u64> = before.iter().zip(&after).map(|(b, a)| a.0.saturating_sub(b.0)).collect();
    let slices: Vec<u64> = before.iter().zip(&after).map(|(b, a)| a.1.saturating_sub(b.1)).collect();
    let total: u64 = runtime.iter().sum();
    if total == 0 {
        return Err("the tasks got no CPU time".into());
    }
    let shares = runtime.iter().map(|&r| r as f64 / total as f64).collect();
    let seq = workers::timeline(&runs);
    let successors = workers::successors(&seq, n);
    let mut chi2_successors = 0.0;
    let mut distinct_successors = Vec::new();
    for (a, row) in successors.iter().enumerate() {
        let others: Vec<u64> = row.iter().enumerate().filter(|&(b, _)| b != a).map(|(_, &c)| c).collect();
        chi2_successors += workers::chi_square(&others);
        distinct_successors.push(others.iter().filter(|&&c| c > 0).count());
    }
    Ok(Experiment {
        policy,
        n,
        seconds,
        shares,
        chi2_slices: workers::chi_square(&slices),
        slices,
        successors,
        chi2_successors,
        distinct_successors,
    })
}

impl Experiment {
    pub fn table(&self) -> String {
        let mut s = format!(
            "{} x {} CPU-bound tasks on one CPU, {:.0} s:\n  task  share   slices  successors (runs of task b right after this one)\n",
            self.n,
            sys::policy_name(self.policy),
            self.seconds
        );
        for i in 0..self.n {
            s += &format!(
                "  {:>4}  {:>5.1}%  {:>6}  {:?}\n",
                i,
                100.0 * self.shares[i],
                self.slices[i],
                self.successors[i]
            );
        }
        let dof = self.n * (self.n - 2);
        s += &format!(
            "  chi-square of slice counts {:.2} ({} dof, critical {:.2} at alpha 0.001)\n",
            self.chi2_slices,
            self.n - 1,
            workers::chi_square_critical_0_001(self.n - 1)
        );
        s += &format!(
            "  randomness: chi-square of successors {:.2} ({} dof; 0 = every other task equally likely next, round robin = {})",
            self.chi2_successors,
            dof,
            "large"
        );
        s
    }
}
