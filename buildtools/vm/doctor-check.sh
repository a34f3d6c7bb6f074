#!/usr/bin/env bash
# SPDX-License-Identifier: BSD-3-Clause
# VM tier check: sva-doctor inside the guest gives the verdicts a machine with
# /dev/iommu, an Intel VT-d in scalable mode (QEMU's intel-iommu, x-scalable-mode=on,
# intel_iommu=on,sm_on) and QEMU's edu device on vfio-pci should get. Each check is one
# case; the last line is sva-test's summary format, counted by results.py.
# usage: doctor-check.sh CLONE BUILD_DIR       (run by guest-init.sh)
set -uo pipefail

top=$1 build=$2
doctor=$top/$build/app/sva-doctor/sva-doctor
bdf=${SVA_EDU_BDF:-}
pass=0 fail=0 skip=0
out=$(mktemp) sum=$(mktemp)

check() { # NAME, then a command that succeeds when the check holds
	local name=$1
	shift
	if "$@"; then
		pass=$((pass + 1)); echo " + TestCase : $name succeeded"
	else
		fail=$((fail + 1)); echo " + TestCase : $name failed"
	fi
}
has() { grep -qF -- "$1" "$out" || { echo "    missing line: $1"; return 1; }; }
has_re() { grep -qE -- "$1" "$out" || { echo "    no line matches: $1"; return 1; }; }

if [ -z "$bdf" ]; then
	echo "sva-test: 0 passed, 0 failed, 1 skipped"
	echo "    skipped: no edu device in this guest (QEMU without -device edu)"
	exit 0
fi
"$doctor" >"$out" 2>&1
rc=$?
"$doctor" --summary >"$sum" 2>&1
echo "---- sva-doctor (exit $rc) ----"
cat "$out"
echo "---- sva-doctor --summary ----"
cat "$sum"
echo "----"

# The emu default runs here: exit 0.
check doctor_exit_status test "$rc" -eq 0
check doctor_dev_iommu has_re '^\[ OK \] .*/dev/iommu'
# The unit line against the register itself, decoded here with the VT-d spec's bit
# positions (11.4.3 ECAP_REG: SMTS 43, PASID 40, PRS 29): QEMU 7.2's scalable-mode model
# has no page requests, so that unit cannot deliver faults.
ecap=$(cat /sys/class/iommu/dmar0/intel-iommu/ecap)
yn() { [ "$1" -eq 1 ] && echo yes || echo no; }
smts=$(yn $(( (0x$ecap >> 43) & 1 ))) pasid=$(yn $(( (0x$ecap >> 40) & 1 )))
prs=$(yn $(( (0x$ecap >> 29) & 1 )))
check doctor_vtd_ecap_is_scalable test "$smts" = yes
check doctor_vtd_scalable has_re "^\[(INFO| OK )\] IOMMU unit: dmar0 \(Intel VT-d\): scalable mode $smts \(ecap SMTS bit 43 $([ "$smts" = yes ] && echo set || echo clear)"
check doctor_vtd_pasid_prs has_re "^\[(INFO| OK )\] IOMMU unit: dmar0 \(Intel VT-d\): .*PASID $pasid .*page requests $prs \(ecap PRS bit 29"
if [ "$prs" = no ]; then
	check doctor_vtd_verdict has_re '^\[INFO\] IOMMU unit: dmar0 .*: cannot deliver I/O page faults$'
fi
# edu is bound to vfio-pci and has a cdev; it has no PRI/ATS/PASID capability.
check doctor_edu_pci_line has_re "^\[[A-Z ]{4}\] pci: $bdf \[1234:11e8 .*driver vfio-pci.*IOMMU dmar0: PASID no, PRI no, ATS no"
check doctor_edu_no_faults has_re "^\[WARN\] I/O page faults: $bdf \[1234:11e8 .*behind dmar0 \(Intel VT-d\): no faults: device has no PRI.* — fix: pinned mode"
# The verdict: iommufd works (pinned mode), no faults for this device.
check doctor_summary_edu_pinned_only grep -q "^$bdf iommufd: pinned-only (device has no PRI" "$sum"
check doctor_summary_one_line test "$(wc -l <"$sum")" -eq 1
rm -f "$out" "$sum"
echo "sva-test: $pass passed, $fail failed, $skip skipped"
[ "$fail" -eq 0 ]
