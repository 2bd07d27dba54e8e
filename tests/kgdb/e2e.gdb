# End-to-end kgdb session, run by scripts/test (debug.kgdb_*) as
#   scripts/debugger -batch -x tests/kgdb/e2e.gdb
# against a debuggee booted with kgdbwait whose init runs the demo (which
# calls mycall(2, 3, &sum), then runs SCHED_RANDOM tasks). Each step echoes
# a marker that the harness looks for, next to gdb's own output.
set confirm off
set width 0
set print pretty off

echo E2E: attached\n
break rust_mycall
continue
echo E2E: mycall-hit\n
info args
bt
echo E2E: lx-ps\n
lx-ps
echo E2E: lx-dmesg\n
lx-dmesg
echo E2E: lx-dmesg-end\n
delete

# The SCHED_RANDOM pick, once a CPU has two or more random tasks queued.
break random_rq_pick if (*rrq).nr_queued >= 2
continue
echo E2E: pick-hit\n
info args
finish
set $picked = (struct task_struct *)$
printf "E2E: picked pid=%d policy=%d cpu=%d comm=%s\n", $picked->pid, $picked->policy, $picked->thread_info.cpu, $picked->comm
printf "E2E: this cpu=%d\n", $lx_current().thread_info.cpu
delete
echo E2E: detach\n
detach
