#!/usr/bin/env python3
# SPDX-License-Identifier: BSD-3-Clause
"""Write the seed corpus of every fuzz target into fuzz/corpus/<target>/.

Seeds are built from the formats (emu_vtd.h, emu_smmuv3.h, ifd_uapi.h, DESIGN.md) and
the harnesses' input layouts (the comment at the top of each fuzz_*.c): valid entries
of each kind, a few refused ones, short operation streams that fill and overflow the
queues, devargs of every key, maps lines of every shape, and fault-path scenarios
(groups, PRG reuse, duplicated LASTs, overflow, unbind, service stop). Deterministic:
run it again after changing a harness's input layout.
usage: gen_corpus.py [OUTDIR]   (default: fuzz/corpus next to this script)
"""
import os
import struct
import sys

OUT = sys.argv[1] if len(sys.argv) > 1 else os.path.join(os.path.dirname(os.path.abspath(__file__)), "corpus")
seeds = {}


def add(target, name, data):
    if isinstance(data, str):
        data = data.encode()
    seeds.setdefault(target, []).append((name, data))


def q(*vals):
    return b"".join(struct.pack("<Q", v & (2**64 - 1)) for v in vals)


# ---- VT-d (emu_vtd.h) ----
def vtd_prq(rid=0x10, pasid=5, pv=True, read=True, write=False, last=True, prg=3,
            addr=0x7f0000001000, exe=False, priv=False, pdp=False, pd=(0, 0)):
    q0 = 1 | (pv << 8) | (pdp << 9) | (rid << 16) | (pasid << 32) | (exe << 52) | (priv << 53)
    q1 = read | (write << 1) | (last << 2) | (prg << 3) | (addr & ~0xfff)
    return q(q0, q1, pd[0], pd[1])


def vtd_pgrp(rid=0x10, pasid=5, pv=True, code=0, prg=3, pdp=False, pd=(0, 0)):
    q0 = 0x9 | (pv << 4) | (pdp << 5) | (code << 12) | (rid << 16) | (pasid << 32)
    return q(q0, (1 << 2) | (prg << 3), pd[0], pd[1])


def vtd_frcd(addr=0x7f0000002000, sid=0x10, fr=0x71, pv=5, pp=True, read=True):
    return q(addr & ~0xfff, sid | (pp << 31) | (fr << 32) | (pv << 40) | (read << 62) | (1 << 63))


add("emu_vtd", "prq-read-last", b"\x01" + vtd_prq())
add("emu_vtd", "prq-write-exec-priv", b"\x01" + vtd_prq(write=True, exe=True, priv=True, last=False))
add("emu_vtd", "prq-private-data", b"\x01" + vtd_prq(pdp=True, pd=(0x1122334455667788, 0x99)))
add("emu_vtd", "prq-no-pasid", b"\x01" + vtd_prq(pv=False, pasid=0))
add("emu_vtd", "prq-stop-marker", b"\x01" + vtd_prq(read=False))
add("emu_vtd", "prq-bad-type", b"\x01" + q(0x02 | (0x10 << 16), 0x7, 0, 0))
add("emu_vtd", "prq-fields", b"\x02\x01\x05\x10\x00\x05\x00\x00\x00\x03\x00" + q(0x7f0000003000))
add("emu_vtd", "prq-generic", b"\x03\x00\x03\x03\x05\x00\x00\x00\x03\x00\x10\x00" + q(0x7f0000004000))
add("emu_vtd", "pgrp-success", b"\x04" + vtd_pgrp())
add("emu_vtd", "pgrp-invalid-pd", b"\x04" + vtd_pgrp(code=1, pdp=True, pd=(7, 8)))
add("emu_vtd", "pgrp-failure-nopasid", b"\x04" + vtd_pgrp(code=0xf, pv=False, pasid=0))
add("emu_vtd", "pgrp-generic", b"\x05\x00\x01\x10\x00\x05\x00\x00\x00\x03\x00\x01")
add("emu_vtd", "frcd-translation", b"\x06" + vtd_frcd())
add("emu_vtd", "frcd-nowrite", b"\x06" + vtd_frcd(fr=0x85, read=False))
add("emu_vtd", "frcd-generic", b"\x07\x01\x03\x00\x05\x00\x00\x00\x02" + q(0x7f0000005000) + b"\x00\x10\x00\x00")
# model: depths (PRQ 128, FRQ 1, IQ 128), then ops (see fuzz_model.c: op % 12)
pr = b"\x00\x03\x01" + b"\x05\x00\x00\x00" + b"\x03\x00" + b"\x10\x00" + q(0x7f0000006000)
add("emu_vtd", "model-write-read", b"\x00\x00\x00\x00" + b"\x00" + pr + b"\x05\x08" + b"\x0b\x08")
add("emu_vtd", "model-storm-overflow", b"\x00\x00\x00\x00" + b"\x03" + pr + b"\xff" + b"\x05\x30" * 4 + b"\x00" + pr + b"\x05\x30")
add("emu_vtd", "model-forced-overflow", b"\x00\x00\x00\x00" + b"\x04" + b"\x00" + pr + b"\x05\x08")
add("emu_vtd", "model-raw-events", b"\x00\x00\x00\x00" + b"\x07" + vtd_frcd() + b"\x07" + vtd_frcd(fr=0x59) + b"\x08\x08")
add("emu_vtd", "model-responses", b"\x00\x00\x00\x00" + b"\x09\x02" + b"\x00\x01\x10\x00\x05\x00\x00\x00\x03\x00\x00" * 3 + b"\x0a" + vtd_pgrp(code=3) + b"\x0b\x10")

# ---- SMMUv3 (emu_smmuv3.h) ----
def smmu_pri(sid=0x10, ssid=5, ssv=True, read=True, write=False, last=True, prg=3, addr=0x7f0000001000, priv=False, exe=False):
    d0 = sid | (ssid << 32) | (priv << 58) | (exe << 59) | (read << 60) | (write << 61) | (last << 62) | (ssv << 63)
    return q(d0, prg | (addr & ~0xfff))


def smmu_evt(eid=0x10, sid=0x10, ssid=5, ssv=True, rnw=True, cls=2, addr=0x7f0000002000, stall=False, stag=0):
    if eid in (0x08, 0x0a):
        return q(eid | (ssv << 11) | (ssid << 12) | (sid << 32), 0, 0, 0)
    d1 = stag | (stall << 31) | (rnw << 35) | (cls << 40)
    return q(eid | (ssv << 11) | (ssid << 12) | (sid << 32), d1, addr, 0)


def smmu_resp(sid=0x10, ssid=5, ssv=True, prg=3, resp=2):
    return q(0x41 | (ssv << 11) | (ssid << 12) | (sid << 32), prg | (resp << 12))


add("emu_smmuv3", "pri-read-last", b"\x01" + smmu_pri())
add("emu_smmuv3", "pri-write-priv-exec", b"\x01" + smmu_pri(write=True, priv=True, exe=True, last=False))
add("emu_smmuv3", "pri-no-ssv", b"\x01" + smmu_pri(ssv=False, ssid=0))
add("emu_smmuv3", "pri-stop-marker", b"\x01" + smmu_pri(read=False))
add("emu_smmuv3", "pri-generic", b"\x02\x00\x03\x03\x05\x00\x00\x00\x03\x00\x10\x00" + q(0x7f0000004000))
add("emu_smmuv3", "evt-translation", b"\x03" + smmu_evt())
add("emu_smmuv3", "evt-permission-stall", b"\x03" + smmu_evt(eid=0x13, rnw=False, stall=True, stag=7))
add("emu_smmuv3", "evt-bad-cd", b"\x03" + smmu_evt(eid=0x0a))
add("emu_smmuv3", "evt-generic", b"\x04\x04\x03\x00\x05\x00\x00\x00\x02" + q(0x7f0000005000) + b"\x00\x10\x00\x00")
add("emu_smmuv3", "cmd-pri-resp", b"\x05" + smmu_resp())
add("emu_smmuv3", "cmd-pri-resp-deny", b"\x05" + smmu_resp(resp=0, ssv=False, ssid=0))
add("emu_smmuv3", "cmd-resume", b"\x06" + q(0x44 | (1 << 12) | (0x10 << 32), 7))
add("emu_smmuv3", "resp-generic", b"\x07\x00\x01\x10\x00\x05\x00\x00\x00\x03\x00\x02")
add("emu_smmuv3", "model-write-read", b"\x00\x02\x02\x02" + b"\x00" + pr + b"\x05\x08" + b"\x0b\x08")
add("emu_smmuv3", "model-overflow-join", b"\x00\x00\x00\x00" + b"\x03" + pr + b"\x04" + b"\x05\x01" + b"\x00" + pr + b"\x00" + pr + b"\x05\x08")
add("emu_smmuv3", "model-events", b"\x00\x00\x00\x00" + b"\x07" + smmu_evt() + b"\x07" + smmu_evt(eid=0x08) + b"\x08\x08")
add("emu_smmuv3", "model-responses", b"\x00\x01\x01\x01" + b"\x09\x03" + b"\x00\x01\x10\x00\x05\x00\x00\x00\x03\x00\x00" * 4 + b"\x0a" + smmu_resp(resp=3) + b"\x0b\x10")


# ---- iommufd records (ifd_uapi.h: struct iommu_hwpt_pgfault, 40 bytes) ----
def pgfault(flags=3, dev=1, pasid=5, grpid=3, perm=1, addr=0x7f0000001000, cookie=1, length=0):
    return struct.pack("<IIIIIIQII", flags, dev, pasid, grpid, perm, 0, addr, length, cookie)


add("ifd_record", "one-group", b"\x00" + pgfault(flags=1) + pgfault(flags=3))
add("ifd_record", "two-groups", b"\x00" + pgfault(cookie=1) + pgfault(flags=1, cookie=2) + pgfault(cookie=2))
add("ifd_record", "broken-last", b"\x01" + pgfault(flags=3, cookie=1) + pgfault(flags=1, cookie=1) + pgfault(flags=1, cookie=2))
add("ifd_record", "kernel-flags-lowbits", b"\x00" + pgfault(flags=0x7, addr=0x7f0000001234, perm=0x31))
add("ifd_record", "no-pasid", b"\x00" + pgfault(flags=2, pasid=9))
add("ifd_record", "responses", b"\x02" + struct.pack("<IB", 1, 0) + struct.pack("<IB", 2, 1) + struct.pack("<IB", 3, 0xf) + struct.pack("<IBI", 4, 0x80, 7))

# ---- devargs (emu_iommu.c, emu_dev.c, emu_inject.c keys) ----
for name, text in [
        ("vtd", ",model=vtd"),
        ("smmuv3", ",model=smmuv3,pasid_bits=16,prq_depth=256,evtq_depth=64"),
        ("walk-pri", ",walk=pagemap,pri=off,pasid_table=no"),
        ("inject", ",inject_drop_every=3,inject_dup_ppm=1000,inject_corrupt_every=5,inject_overflow_every=7,inject_stop_every=9,inject_seed=0x2a,dev_delay_us=0"),
        ("named-devs", ",name=fz,numa=0\nrid=0x10,mode=full,wq_depth=8\nrid=0x20,prg_window=4,timeout_ms=10,pr_depth=2"),
        ("dup-rid", "\nrid=0x10\nrid=0x10"),
        ("bad-key", ",model=vtd,bogus=1"),
        ("bad-value", ",pasid_bits=21,prq_depth=100"),
        ("dup-key", ",model=vtd,model=smmuv3"),
        ("list", ",model=[vtd,smmuv3]"),
        ("not-emu", "x,model=vtd"),
        ("hex-neg", ",prq_depth=0x800,inject_seed=-1"),
]:
    add("devargs", name, text)

# ---- /proc/self/maps lines ----
for name, text in [
        ("anon-heap-stack", "55d0c0a00000-55d0c0a21000 rw-p 00000000 00:00 0                          [heap]\n"
         "7ffd1c1e0000-7ffd1c201000 rw-p 00000000 00:00 0                          [stack]\n"
         "7f3a40000000-7f3a40600000 rw-p 00000000 00:00 0 \n"),
        ("file-lib", "7f3a4a000000-7f3a4a028000 r--p 00000000 fe:01 1311234                    /usr/lib/x86_64-linux-gnu/libc.so.6\n"
         "7f3a4a028000-7f3a4a19d000 r-xp 00028000 fe:01 1311234                    /usr/lib/x86_64-linux-gnu/libc.so.6\n"),
        ("hugetlb", "7f3a00000000-7f3a00400000 rw-s 00000000 00:10 12345                      /dev/hugepages/rtemap_0 (deleted)\n"
         "7f3a00400000-7f3a00800000 rw-p 00000000 00:0f 54321                      /anon_hugepage (deleted)\n"),
        ("vsyscall-la57", "ffffffffff600000-ffffffffff601000 --xp 00000000 00:00 0                  [vsyscall]\n"
         "1000000000000-1000000200000 rw-p 00000000 00:00 0 \n"),
        ("short-perms", "1000-2000 r 0 00:00 0\n3000-4000 rw 0 00:00 0 [heap]\n"),
        ("unsorted-empty", "5000-6000 rw-p 0 00:00 0\n1000-2000 r--p 0 00:00 0\n7000-7000 rw-p 0 00:00 0\n"),
        ("garbage", "not a maps line\n-\n12-\n"),
]:
    add("maps", name, text)

# ---- fault path (fuzz_iopf_path.c: conf 2 bytes, bonds byte, ops: op % 16) ----
def req(stream=0, prg=0, page=0, perm=0, last=False):
    # s < 0x80: stream index; g < 0x80: prg % 8; p < 0x80: rw page p; f: perm 1 + f % 3, 0x40 LAST
    return bytes([0, stream, prg, page, perm | (0x40 if last else 0)])


POLL1, POLLN = b"\x08", b"\x09"
conf = b"\x03\x00"  # burst 4, bond_burst_pages 1, no deadline
allbonds = b"\x00"
add("iopf_path", "one-group", conf + allbonds + req(0, 1, 0) + req(0, 1, 1, 1, True) + POLL1)
add("iopf_path", "interleaved", conf + allbonds + req(0, 1, 0) + req(1, 1, 2) + req(2, 2, 3) + req(0, 1, 4, 2, True) + req(1, 1, 5, 0, True) + req(2, 2, 6, 1, True) + POLLN)
add("iopf_path", "prg-reuse", conf + allbonds + req(0, 3, 0, 0, True) + POLL1 + req(0, 3, 1, 1, True) + POLL1 + req(0, 3, 2, 2, True) + POLLN)
add("iopf_path", "dup-last", conf + allbonds + req(0, 2, 0, 0, True) + req(0, 2, 0, 0, True) + POLL1 + POLL1)
add("iopf_path", "deferred-dup", b"\x00\x00" + allbonds + req(0, 1, 0, 0, True) + req(0, 2, 1, 0, True) + req(0, 3, 2, 0, True) + POLL1 + req(0, 3, 2, 0, True) + POLL1 + POLL1)
add("iopf_path", "overflow-partial", conf + allbonds + req(0, 4, 0) + b"\x06" + req(0, 4, 1, 0, True) + POLLN)
add("iopf_path", "stop-markers", conf + allbonds + bytes([0, 0, 5, 0, 0xc0]) + bytes([0, 2, 5, 0, 0xc0]) + POLLN)
add("iopf_path", "bad-requesters", conf + allbonds + req(3, 1, 0, 0, True) + req(4, 1, 0, 0, True) + req(5, 1, 0, 0, True) + req(6, 1, 0, 0, True) + req(7, 1, 0, 0, True) + POLLN)
add("iopf_path", "bad-pages", conf + allbonds + bytes([0, 0, 1, 0x90, 0x81]) + bytes([0, 0, 2, 0xa0, 0xc1]) + bytes([0, 0, 3, 0xb0, 0xc2]) + bytes([0, 0, 4, 0xc0, 0xc1]) + POLLN)
add("iopf_path", "unbind-reuse", conf + allbonds + req(0, 1, 0) + b"\x0b\x10" + req(0, 1, 1, 0, True) + POLLN)
add("iopf_path", "back-pressure-unbind", conf + allbonds + b"\x0a\x01" + req(0, 1, 0, 0, True) + req(0, 2, 1, 0, True) + req(0, 3, 2, 0, True) + POLL1 + b"\x0b\x10" + b"\x0a\x00" + POLLN)
add("iopf_path", "service-stop", conf + allbonds + req(1, 1, 0) + req(1, 2, 1, 0, True) + b"\x0d\x03" + req(1, 1, 2, 0, True) + POLLN)
add("iopf_path", "deadline", b"\x03\x02" + allbonds + req(0, 1, 0) + POLL1 + req(0, 1, 1, 0, True) + POLL1)
add("iopf_path", "driver-refuses", conf + allbonds + b"\x0f\x03" + req(0, 1, 0, 0, True) + POLLN + b"\x0e\x02")
add("iopf_path", "events-auto-invalid", conf + b"\x80\x01\x02\x00" + b"\x07\x00\x07\x01" + req(0, 1, 0, 0, True) + req(1, 1, 0, 0, True) + POLLN)

# ---- nested walkers (fuzz_nested_walk.c): header, words, walks ----
def nw(mode, aw, s1fmt, root, words, walks, absent=0, ro=0):
    b = bytes([mode, aw, s1fmt]) + struct.pack("<HHQ", absent, ro, root) + bytes([len(words)])
    for gpa, val in words:
        b += struct.pack("<HQ", gpa // 8, val & (2**64 - 1))
    for va, acc, ssid in walks:
        b += struct.pack("<QBI", va & (2**64 - 1), acc, ssid)
    return b


R, W, X, P = 1, 2, 4, 8
# VT-d: PML4 0x1000 -> PDPT 0x2000 -> PD 0x3000 -> PT 0x4000 (P R/W U/S), PT[5] -> 0x5000
VTD = [(0x1000, 0x2007), (0x2000, 0x3007), (0x3000, 0x4007), (0x4000 + 40, 0x5007)]
VTD_WALKS = [(0x5abc, R, 0), (0x5000, W, 0), (0x5000, X | R, 0), (0x5000, P | W, 0)]
add("nested_walk", "vtd-4k", nw(0x04, 48, 0, 0x1000, VTD, VTD_WALKS))
add("nested_walk", "vtd-large", nw(0x04, 48, 0, 0x1000, VTD + [(0x3008, 0x40000087), (0x2008, 0x80000087)],
                                   [(0x212345, W, 0), (0x43456789, R, 0), (0x400000, X, 0)]))
add("nested_walk", "vtd-loop", nw(0x00, 48, 0, 0x1000, [(0x1000, 0x1007)], [(0x123, R, 0), (0x123, W, 0)]))
add("nested_walk", "vtd-reserved", nw(0x00, 39, 0, 0x1000, VTD[:3] + [(0x4000 + 40, 0x8000000007), (0x3008, 0x40002087)],
                                      [(0x5000, R, 0), (0x200000, R, 0)]))
add("nested_walk", "vtd-absent", nw(0x00, 48, 0, 0x1000, VTD, VTD_WALKS, absent=1 << 3, ro=1 << 4))
add("nested_walk", "vtd-outside", nw(0x00, 48, 0, 0x1000, [(0x1000, 0x2007), (0x2000, 0x40000007)], VTD_WALKS))
add("nested_walk", "vtd-races", nw(0x06, 48, 0, 0x1000, VTD, VTD_WALKS))
add("nested_walk", "vtd-perm", nw(0x0c, 48, 0, 0x1000, [(0x1000, 0x2007), (0x2000, 0x8000000000003007), (0x3000, 0x4005), (0x4000 + 40, 0x5003)],
                                  [(0x5000, R, 0), (0x5000, W, 0), (0x5000, X | R, 0), (0x5000, P | W, 0), (0x5000, P | R, 0), (0x0000800000000000, R, 0)]))

# SMMUv3: CD (IHI0070 5.4: T0SZ 16, EPD1, V, IPS 48, AA64) with TTB0 0x2000; L0 0x2000 ->
# L1 0x3000 -> L2 0x4000 -> L3 0x5000; L3[1] page 0x40000000 AF AP 0b01; a 1G and a 2M block
CD0 = 0x00000205c0000010
S1 = [(0x2000, 0x3003), (0x3000, 0x4003), (0x3008, 0x80000441), (0x4000, 0x5003), (0x4008, 0x00e00441), (0x5008, 0x40000443)]
S1_WALKS = [(0x1abc, R, 2), (0x1000, W, 2), (0x40345678, R, 2), (0x2abcde, X | R, 2), (0x1000, P | R, 2), (0x1000, R, 1), (0x1000, R, 5)]
add("nested_walk", "smmu-linear", nw(0x01, 2, 0, 0x1000, [(0x1080, CD0), (0x1088, 0x2000)] + S1, S1_WALKS))
add("nested_walk", "smmu-2lvl", nw(0x01, 8, 1, 0x1000, [(0x1008, 0x6001), (0x6180, CD0), (0x6188, 0x2000)] + S1,
                                   [(0x1abc, R, 70), (0x1000, W, 70), (0x1000, R, 130), (0x1000, R, 300)]))
add("nested_walk", "smmu-2lvl-64k", nw(0x01, 12, 2, 0x1000, [(0x1008, 0x0001), (0x140, CD0), (0x148, 0x2000)] + S1,
                                       [(0x1abc, R, 0x405), (0x1000, R, 0x5)]))
add("nested_walk", "smmu-ha", nw(0x01, 0, 0, 0x1000, [(0x1000, CD0 | (1 << 43)), (0x1008, 0x2000)] + S1[:5] + [(0x5008, 0x400000c3)],
                                 [(0x1000, W, 0), (0x1000, R, 0), (0x1000, R, 0)]))
add("nested_walk", "smmu-no-af", nw(0x01, 0, 0, 0x1000, [(0x1000, CD0), (0x1008, 0x2000)] + S1[:5] + [(0x5008, 0x400000c3)],
                                    [(0x1000, R, 0)], ro=1 << 5))
add("nested_walk", "smmu-loop", nw(0x01, 0, 0, 0x1000, [(0x1000, CD0), (0x1008, 0x2000), (0x2000, 0x2403)], [(0x123, R, 0), (0x123, P | R, 0)]))
add("nested_walk", "smmu-bad-cd", nw(0x01, 2, 0, 0x1000, [(0x1000, CD0 & ~(1 << 41)), (0x1040, CD0 | (1 << 6)), (0x1080, (CD0 & ~0x3f) | 40),
                                                          (0x10c0, CD0 | (1 << 42))], [(0x1000, R, 0), (0x1000, R, 1), (0x1000, R, 2), (0x1000, R, 3)]))
add("nested_walk", "smmu-outside", nw(0x01, 0, 0, 0x1000, [(0x1000, CD0), (0x1008, 0x100000), (0x2000, 0x7fff003)], [(0x1000, R, 0)]))
add("nested_walk", "smmu-races", nw(0x03, 2, 0, 0x1000, [(0x1080, CD0 | (1 << 43)), (0x1088, 0x2000)] + S1[:5] + [(0x5008, 0x40000043)], S1_WALKS))

for target, items in seeds.items():
    d = os.path.join(OUT, target)
    os.makedirs(d, exist_ok=True)
    for name, data in items:
        with open(os.path.join(d, name), "wb") as f:
            f.write(data)
print(" ".join(f"{t}:{len(v)}" for t, v in seeds.items()))
