#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-2.0
#
# Debuggee VM: install the kernel packages the debugger built and boot them
# with kgdb on the second serial port (ttyS1), the console staying on
# ttyS0. Idempotent.
set -euo pipefail
debs=/vagrant/out/debs
if ! compgen -G "$debs/linux-image-*.deb" >/dev/null; then
	echo "no kernel packages in $debs yet: run 'vagrant up debugger' first" >&2
	exit 1
fi
dpkg -i "$debs"/linux-image-*.deb
args='console=ttyS0,115200 kgdboc=ttyS1,115200 nokaslr'
if ! grep -q "kgdboc=ttyS1" /etc/default/grub; then
	sed -i "s|^GRUB_CMDLINE_LINUX=\"\\(.*\\)\"|GRUB_CMDLINE_LINUX=\"\\1 $args\"|" /etc/default/grub
fi
update-grub
echo "kernel installed; 'vagrant reload debuggee' boots it with $args"
