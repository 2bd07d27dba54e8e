#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-2.0
#
# Debugger VM, as root: gdb (with Python, for the kernel's lx-* commands),
# and the vagrant user allowed to open /dev/ttyS1. The kernel, its
# vmlinux, vmlinux-gdb.py and sources come from the host in /sr (see
# scripts/vagrant-e2e); nothing is built here. Idempotent.
set -euo pipefail
if ! command -v gdb >/dev/null; then
	apt-get update -qq
	DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends gdb python3 >/dev/null
fi
adduser --quiet vagrant dialout
[ -f /sr/vmlinux ] || echo "debugger: no /sr/vmlinux yet: stage it on the host (scripts/vagrant-e2e)" >&2
echo "debugger: $(gdb --version | head -n 1); /dev/ttyS1 $(stat -c '%G %a' /dev/ttyS1); run /sr/gdb-on-ttyS1.sh"
