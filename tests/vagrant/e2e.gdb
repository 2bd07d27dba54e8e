# End-to-end kgdb session inside the Vagrant debugger VM, run by
# scripts/vagrant-e2e as
#   /sr/gdb-on-ttyS1.sh -batch -x /sr/e2e.gdb
# once the debuggee VM stopped in kgdb (SysRq-G from tests/vagrant/run-demo.sh,
# which then runs the demo: mycall(2, 3, &sum), then SCHED_RANDOM tasks).
# Each step echoes a marker that the harness looks for, next to gdb's own
# output. See tests/kgdb/e2e.gdb for why each step is done this way.
set confirm off
set width 0
set print pretty off

echo E2E: attached\n
# Stopped by SysRq-G once booted: kernel text is read-only, so breakpoints
# can be planted and removed.
break mycall::mycall
continue
echo E2E: mycall-hit\n
info args
bt
# The lx-* helpers look up C symbols: not from a Rust frame.
set language c
echo E2E: lx-ps\n
lx-ps
echo E2E: lx-ps-end\n
set language auto
delete

# The SCHED_RANDOM pick: random_rq_start_slice(rrq, p), called with the task
# random_rq_pick() chose, on its entry instruction (arguments in rdi, rsi),
# only for picks among two or more queued tasks once picking is under way.
set language c
break *random_rq_start_slice if ((struct random_rq *)$rdi)->nr_queued >= 2 && ((struct random_rq *)$rdi)->nr_picks >= 10
continue
echo E2E: pick-hit\n
bt 6
set $picked = (struct task_struct *)$rsi
set $rrq = (struct random_rq *)$rdi
printf "E2E: picked pid=%d policy=%d cpu=%d comm=%s\n", $picked->pid, $picked->policy, $picked->thread_info.cpu, $picked->comm
# The picking CPU from the caller's rq (cheaper over this line than
# $lx_current(), which took 110 s here).
frame 1
set $this_cpu = rq->cpu
frame 0
printf "E2E: this cpu=%d queued=%u picks=%llu\n", $this_cpu, $rrq->nr_queued, $rrq->nr_picks
delete
echo E2E: detach\n
detach
