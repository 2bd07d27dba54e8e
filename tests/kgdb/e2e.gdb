# End-to-end kgdb session, run by scripts/test (debug.kgdb_*) as
#   scripts/debugger -batch -x tests/kgdb/e2e.gdb
# against a debuggee booted with kgdbwait whose init runs the demo (which
# calls mycall(2, 3, &sum), then runs SCHED_RANDOM tasks). Each step echoes
# a marker that the harness looks for, next to gdb's own output.
set confirm off
set width 0
set print pretty off

echo E2E: attached\n
# Set no breakpoint while stopped by kgdbwait: kernel text is still
# writable then, kgdb plants it with a plain write, and after the kernel
# makes its text read-only it cannot remove it ("BP remove failed"). The
# guest's init breaks in with SysRq-G once booted.
continue
echo E2E: sysrq-stop\n
break mycall::mycall
continue
echo E2E: mycall-hit\n
info args
bt
# The lx-* helpers look up C symbols: not from a Rust frame.
set language c
echo E2E: lx-ps\n
lx-ps
echo E2E: lx-dmesg\n
lx-dmesg
echo E2E: lx-dmesg-end\n
set language auto
delete

# The SCHED_RANDOM pick. random_rq_start_slice(rrq, p) is called by
# set_next_task_random() with the task random_rq_pick() just chose: break on
# its entry instruction, where the arguments are still in rdi and rsi (past
# it they are optimised out). Only CPUs that run SCHED_RANDOM tasks get
# there (the demo pins its four to one CPU): a breakpoint that other CPUs
# keep hitting can leave a stale int3 trap pending when gdb detaches, and
# kgdb then stops the machine for a debugger that is gone.
# The condition skips the calls from sched_setscheduler() while the demo's
# tasks enter SCHED_RANDOM: only picks among two or more queued tasks, once
# picking is under way.
set language c
break *random_rq_start_slice if ((struct random_rq *)$rdi)->nr_queued >= 2 && ((struct random_rq *)$rdi)->nr_picks >= 10
continue
echo E2E: pick-hit\n
bt 6
set $picked = (struct task_struct *)$rsi
set $rrq = (struct random_rq *)$rdi
printf "E2E: picked pid=%d policy=%d cpu=%d comm=%s\n", $picked->pid, $picked->policy, $picked->thread_info.cpu, $picked->comm
printf "E2E: this cpu=%d queued=%u picks=%llu\n", $lx_current().thread_info.cpu, $rrq->nr_queued, $rrq->nr_picks
delete
echo E2E: detach\n
detach
