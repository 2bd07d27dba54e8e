#!/bin/sh
# SPDX-License-Identifier: GPL-2.0
# On the Vagrant debuggee, as root, detached from the ssh session that
# starts it (scripts/vagrant-e2e): stop in kgdb (SysRq-G) so that the
# debugger VM's gdb can attach over ttyS1, then, once gdb continues, run
# the demo (mycall(2, 3, &sum), then SCHED_RANDOM tasks). The output goes
# to /var/tmp/sr-demo.log, ending with "SR-END rc=N".
log=/var/tmp/sr-demo.log
echo "SR-BEGIN $(uname -r)" >"$log"
sleep 2
echo g >/proc/sysrq-trigger
/sr/bin/srtest demo >>"$log" 2>&1
echo "SR-END rc=$?" >>"$log"
