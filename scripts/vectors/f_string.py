"""String instructions: MOVS CMPS STOS LODS SCAS, byte/word/dword, without
prefix, with REP (F3) and, for CMPS/SCAS, REPE (F3) and REPNE (F2), in both
directions, with 16- and 32-bit addressing and source segment overrides
(SDM vol. 2; the destination is always ES:DI/EDI).

Counts are small (0..9). With 16-bit addressing only CX/SI/DI are used and
the upper halves of ECX/ESI/EDI are random (they must survive); SI/DI may
wrap at 64 KiB. CMPS/SCAS data is planted so that REPE/REPNE stop at a
random element rather than always at the first.

A repeated string instruction is one instruction: the harness steps until
EIP leaves it (field "rep": true), and Unicorn is run until EIP reaches the
next instruction (QEMU counts each iteration as an instruction).
"""

from __future__ import annotations

from builder import DF, EAX, ECX, EDI, ESI, SEG_BASE, Case, pick, put
from forms import MODES, add, osz

FAM = "string"
OPS = {"movs": 0xA4, "cmps": 0xA6, "stos": 0xAA, "lods": 0xAC, "scas": 0xAE}


def string(c: Case, name: str, size: int, rep: int, adsize: int) -> None:
    rng = c.rng
    c.eflags |= DF if rng.random() < 0.5 else 0
    down = bool(c.eflags & DF)
    c.opsize(size)
    c.adsize(adsize)
    if rep:
        c.prefix(rep)
        c.rep = True
    c.emit(OPS[name] + (0 if size == 1 else 1))
    uses_src = name in ("movs", "cmps", "lods")
    src_seg = c.pick_seg(3, write=False) if uses_src else 3
    count = rng.choice([0, 1, 2, 3]) if rng.random() < 0.4 else rng.randrange(0, 10)
    n = count if rep else 1
    wrap16 = adsize == 2 and rng.random() < 0.1

    def offset() -> int:
        if wrap16:
            # Cross the 64 KiB wrap-around during the run.
            return (rng.randrange(0, 3) * size) if down else (0x10000 - size * rng.randrange(1, 4))
        span = size * (n + 1)
        return rng.randrange(0x2000 + span, 0xFF00 - span)

    si, di = offset(), offset()
    if adsize == 2:
        c.regs[ESI] = put(c.regs[ESI], 2, si)
        c.regs[EDI] = put(c.regs[EDI], 2, di)
        c.regs[ECX] = put(c.regs[ECX], 2, count)
        if c.big and rng.random() < 0.3:
            c.regs[ECX] |= 0x10000  # only CX counts
    else:
        c.regs[ESI], c.regs[EDI], c.regs[ECX] = si, di, count
    if name in ("cmps", "scas"):
        acc = pick(rng, size)
        c.set_reg(EAX, size, acc)
        plant_compare(c, name, size, rep, n, si, di, src_seg, down, adsize, acc)
    elif name == "stos" or name == "lods":
        c.set_reg(EAX, size, pick(rng, size))


def element(c: Case, seg: int, off: int, k: int, size: int, down: bool, adsize: int) -> int:
    step = -size if down else size
    mask = 0xFFFF if adsize == 2 else 0xFFFFFFFF
    return SEG_BASE[seg] + ((off + k * step) & mask)


def plant_compare(c: Case, name: str, size: int, rep: int, n: int, si: int, di: int, seg: int, down: bool, adsize: int, acc: int) -> None:
    """Make REPE run through equal elements (or REPNE through unequal ones) up to a random stop."""
    rng = c.rng
    stop = rng.randrange(0, n + 1) if n else 0
    for k in range(n):
        equal = (k < stop) == (rep != 0xF2)
        if k >= stop and rep and k > stop:
            break
        dst_val = rng.getrandbits(8 * size)
        if name == "scas":
            v = acc if equal else (acc ^ (1 << rng.randrange(8 * size)))
            c.plant_int(element(c, 0, di, k, size, down, adsize), v, size)
        else:
            src_val = dst_val if equal else dst_val ^ (1 << rng.randrange(8 * size))
            c.plant_int(element(c, seg, si, k, size, down, adsize), src_val, size)
            c.plant_int(element(c, 0, di, k, size, down, adsize), dst_val, size)


def register() -> None:
    for mode in MODES:
        for name in OPS:
            reps = [0, 0xF3] + ([0xF2] if name in ("cmps", "scas") else [])
            for rep in reps:
                for size in (1, 2, 4):
                    for a in (2, 4):
                        pfx = {0: "", 0xF3: "rep_" if name not in ("cmps", "scas") else "repe_", 0xF2: "repne_"}[rep]
                        add(
                            f"{pfx}{name}/m{mode}/{osz(size)}/a{a * 8}",
                            FAM,
                            mode,
                            lambda c, nm=name, z=size, r=rep, a=a: string(c, nm, z, r, a),
                            30 if rep else 20,
                        )
