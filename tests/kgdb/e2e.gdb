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

# The SCHED_RANDOM pick (Rust), once a CPU has two or more random tasks
# queued. The breakpoint is on the entry instruction and the condition reads
# the first argument register: past the entry, rrq is optimised out.
set language c
break *random_rq_pick if ((struct random_rq *)$rdi)->nr_queued >= 2
continue
echo E2E: pick-hit\n
bt 3
# Run this CPU to the return address (on top of the stack at the entry
# instruction) and take the picked task from the return register. Other CPUs
# pass the same call site with other classes' picks: hence "thread".
eval "tbreak *0x%lx thread %d", *(unsigned long *)$rsp, $_thread
continue
set $picked = (struct task_struct *)$rax
printf "E2E: picked pid=%d policy=%d cpu=%d comm=%s\n", $picked->pid, $picked->policy, $picked->thread_info.cpu, $picked->comm
printf "E2E: this cpu=%d\n", $lx_current().thread_info.cpu
delete
echo E2E: detach\n
detach
