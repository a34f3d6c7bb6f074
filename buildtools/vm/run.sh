#!/usr/bin/env bash
# SPDX-License-Identifier: BSD-3-Clause
# The VM tier: boot the guest kernel (kernel.sh) under QEMU/TCG with an emulated Intel
# VT-d in scalable mode and QEMU's edu PCI device, the host's root shared read-only
# over 9p, and run sva-test suites (or check scripts of this folder) inside it.
#
# usage: run.sh [--shell] [--build DIR] [--timeout S] [--json FILE] [--kernel-lookup-only]
#               [SUITE...]
#   --shell               an interactive guest shell on this terminal instead of suites
#   --build DIR           the build directory whose sva-test runs (default build)
#   --timeout S           the whole guest run, seconds (default 600); a guest still running
#                         then is killed and every suite it did not finish counts as failed
#   --json FILE           write {"passed","failed","skipped","failures","seconds"} there
#   --kernel-lookup-only  never build the kernel: no cached image is a skip
#   --list                print the default suites, one a line
# With no SUITE: the tier's default list ($DEFAULT_SUITES).
# Exit: 0 nothing failed (skips included), 1 a failure.
set -euo pipefail

here=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
top=$(cd "$here/../.." && pwd)
DEFAULT_SUITES="iommufd_kernel_autotest iommufd_nested_autotest vfio_cdev_autotest doctor-check.sh iommufd_autotest
iopf_autotest emu_dev_autotest emu_vtd_autotest emu_smmuv3_autotest sva_bind_autotest
sva_teardown_autotest sva_pinned_autotest"

shell=0 build=build timeout=600 json= lookup_only=0 suites=()
while [ $# -gt 0 ]; do
	case $1 in
	--shell) shell=1 ;;
	--build) build=$2; shift ;;
	--timeout) timeout=$2; shift ;;
	--json) json=$2; shift ;;
	--kernel-lookup-only) lookup_only=1 ;;
	--list) echo $DEFAULT_SUITES | tr ' ' '\n'; exit 0 ;;
	-h|--help) sed -n '3,18p' "$0" | sed 's/^# \{0,1\}//'; exit 0 ;;
	-*) echo "run.sh: unknown option $1" >&2; exit 2 ;;
	*) suites+=("$1") ;;
	esac
	shift
done
[ ${#suites[@]} -gt 0 ] || read -r -a suites <<<"$(echo $DEFAULT_SUITES)"
say() { printf '[svapoll] vm: %s\n' "$*"; }

# One skipped case with the reason: never a failure for what this machine lacks.
skip_tier() {
	say "skipped: $*"
	[ -z "$json" ] || python3 "$here/results.py" --skip "$*" >"$json"
	echo "vm: 0 passed, 0 failed, 1 skipped"
	exit 0
}

qemu=$(command -v qemu-system-x86_64 || true)
[ -n "$qemu" ] || skip_tier "qemu-system-x86_64 is not installed (Debian package qemu-system-x86)"
if [ "$lookup_only" -eq 1 ]; then
	kernel=$("$here/kernel.sh" --lookup) || skip_tier "no cached guest kernel (./svapoll vm builds one)"
else
	rc=0
	kernel=$("$here/kernel.sh") || rc=$?
	case $rc in
	0) ;;
	2) skip_tier "the guest kernel source cannot be had here (see the lines above)" ;;
	*) say "the guest kernel build failed"; [ -z "$json" ] ||
		python3 "$here/results.py" --fail "guest kernel build" >"$json"
	   echo "vm: 0 passed, 1 failed, 0 skipped"; exit 1 ;;
	esac
fi
[ "$shell" -eq 1 ] || [ -x "$top/$build/app/test/sva-test" ] ||
	{ say "no $top/$build/app/test/sva-test: build first"; exit 1; }

list=$(IFS=,; echo "${suites[*]}")
append="console=ttyS0 root=hostroot rootfstype=9p rootflags=trans=virtio,version=9p2000.L,msize=1048576"
append+=" ro init=$here/guest-init.sh intel_iommu=on,sm_on panic=-1 quiet loglevel=4"
# no_timer_check: under TCG on a loaded host the IO-APIC timer check can fail and panic
# ("timer doesn't work through Interrupt-remapped IO-APIC"); the guest needs no such check
append+=" no_timer_check"
append+=" svapoll.top=$top svapoll.build=$build svapoll.suites=$list"
append+=" svapoll.mode=$([ "$shell" -eq 1 ] && echo shell || echo test)"
qemu_args=(-accel tcg -cpu max -smp 2 -m 2G -machine q35 -nographic -no-reboot
	-device intel-iommu,x-scalable-mode=on -device edu
	-virtfs local,path=/,mount_tag=hostroot,security_model=none,readonly=on,multidevs=remap
	-kernel "$kernel" -append "$append")

if [ "$shell" -eq 1 ]; then
	say "booting $(basename "$(dirname "$kernel")") with a shell (Ctrl-A X quits QEMU)"
	exec "$qemu" "${qemu_args[@]}"
fi

logdir=$top/$build/vm
mkdir -p "$logdir"
log=$logdir/console.log
say "booting $(basename "$(dirname "$kernel")") under QEMU/TCG: ${suites[*]} (console: $log)"
start=$(date +%s)
# Progress: one line per suite as the guest reports it.
(timeout -k 5 "$timeout" "$qemu" "${qemu_args[@]}" </dev/null >"$log" 2>&1; echo $? >"$log.rc") &
qpid=$!
seen=0
while kill -0 "$qpid" 2>/dev/null; do
	sleep 1
	n=$(grep -c '^@@svapoll-vm end ' "$log" 2>/dev/null || true)
	while [ "$seen" -lt "${n:-0}" ]; do
		seen=$((seen + 1))
		line=$(grep '^@@svapoll-vm end ' "$log" | sed -n "${seen}p" | tr -d '\r')
		say "  ${line#@@svapoll-vm end } ($(( $(date +%s) - start )) s)"
	done
done
wait "$qpid" || true
secs=$(( $(date +%s) - start ))
args=(--log "$log" --seconds "$secs" --qemu-rc "$(cat "$log.rc" 2>/dev/null || echo 255)")
[ -z "$json" ] || args+=(--json "$json")
python3 "$here/results.py" "${args[@]}" "${suites[@]}"
