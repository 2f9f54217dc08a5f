"""Bit instructions: BT BTS BTR BTC (register offset and imm8), BSF BSR,
SETcc, BSWAP (SDM vol. 2).

BT*: CF is the selected bit, ZF is unaffected (checked), OF SF AF PF are
undefined. With a memory operand and a register bit offset the offset is a
signed 16/32-bit number: the byte address is EA + (offset SAR 3, rounded
down to the operand size), so large and negative offsets reach far from the
ModRM address; the generator picks the final address inside the data
segment and solves the ModRM address backwards. With 16-bit addressing the
sum wraps at 64 KiB (as QEMU does and as 16-bit address arithmetic does).
The imm8 form takes the offset modulo the operand width.

BSF/BSR: ZF is defined, CF OF SF AF PF undefined. With a zero source the
destination is "undefined" per Intel; QEMU (and AMD's documentation) leave
it unchanged. The destination stays checked (the vectors then require the
unchanged value).

BSWAP with a 16-bit operand: the result is undefined (SDM). QEMU swaps all
32 bits (ignoring the operand size); real processors are reported to clear
the low word and keep the high word. The whole register is masked.
"""

from __future__ import annotations

from builder import AF, ARITH, CF, OF, PF, SF, SIZE_MASK, Case, pick, put
from forms import CC, MODES, add, e_operand, g_reg, osz, rm_variants

FAM = "bits"
BT_UNDEF = OF | SF | AF | PF


def bit_offset(c: Case, size: int) -> int:
    """A signed bit offset, as the register's unsigned bit pattern."""
    rng = c.rng
    n = 8 * size
    r = rng.random()
    if r < 0.3:
        v = rng.randrange(n)
    elif r < 0.55:
        v = rng.randrange(-0x400, 0x400)
    elif r < 0.8:
        v = rng.randrange(-(1 << 17), 1 << 17) if size == 4 else rng.randrange(-0x7FFF, 0x8000)
    else:
        v = rng.randrange(-(1 << (n - 1)), 1 << (n - 1))
    return v & SIZE_MASK[size]


def bt_reg(c: Case, op: int, size: int, adsize: int | None) -> None:
    c.opsize(size)
    c.emit(0x0F, op)
    write = op != 0xA3
    if adsize is None:
        g = g_reg(c, size)
        c.set_reg(g, size, bit_offset(c, size))
        e = e_operand(c, g, size, None)
        e.set(pick(c.rng, size))
    else:
        rng = c.rng
        g = g_reg(c, size)
        off = bit_offset(c, size)
        soff = off - (1 << (8 * size)) if off >> (8 * size - 1) else off
        delta = (soff >> 5) * 4 if size == 4 else (soff >> 4) * 2
        final = c.target(size)
        wrap = 0xFFFFFFFF if adsize == 4 else 0xFFFF
        ea = (final - delta) & wrap
        e = e_operand(c, g, size, adsize, write=write, avoid=(g,), off=ea)
        if e.off != ea:
            # The solver had to nudge an unaligned target; keep it consistent.
            ea = e.off
        c.set_reg(g, size, off)
        c.plant_int(c.seg_base(e.seg) + ((ea + delta) & wrap), pick(rng, size), size)
    c.undefined(BT_UNDEF)


def bt_imm(c: Case, reg_field: int, size: int, adsize: int | None) -> None:
    c.opsize(size)
    c.emit(0x0F, 0xBA)
    e = e_operand(c, reg_field, size, adsize, write=reg_field != 4)
    e.set(pick(c.rng, size))
    c.imm(c.rng.randrange(256) if c.rng.random() < 0.3 else c.rng.randrange(8 * size), 1)
    c.undefined(BT_UNDEF)


def scan_source(c: Case, size: int) -> int:
    rng = c.rng
    r = rng.random()
    if r < 0.15:
        return 0
    if r < 0.4:
        return 1 << rng.randrange(8 * size)
    if r < 0.6:
        v = rng.getrandbits(8 * size)
        return v & ~((1 << rng.randrange(8 * size)) - 1) if rng.random() < 0.5 else v & ((2 << rng.randrange(8 * size)) - 1)
    return pick(rng, size)


def bscan(c: Case, op: int, size: int, adsize: int | None) -> None:
    c.opsize(size)
    c.emit(0x0F, op)
    g = g_reg(c, size)
    c.set_reg(g, size, pick(c.rng, size))
    e = e_operand(c, g, size, adsize, write=False)
    e.set(scan_source(c, size))
    c.undefined(CF | OF | SF | AF | PF)


def setcc(c: Case, cc: int, adsize: int | None) -> None:
    c.eflags = 0x2 | (c.rng.getrandbits(12) & ARITH)
    c.emit(0x0F, 0x90 + cc)
    # The ModRM reg field is ignored by SETcc (SDM vol. 2, SETcc).
    e = e_operand(c, c.rng.randrange(8), 1, adsize)
    e.set(c.rng.getrandbits(8))


def bswap(c: Case, r: int, size: int) -> None:
    c.opsize(size)
    c.emit(0x0F, 0xC8 + r)
    c.regs[r] = put(c.regs[r], 4, pick(c.rng, 4))
    if size == 2:
        c.regs_mask[r] = 0


def register() -> None:
    for mn, op in (("bt", 0xA3), ("bts", 0xAB), ("btr", 0xB3), ("btc", 0xBB)):
        for mode, size, a, s in rm_variants():
            add(f"{mn}_Ev,Gv{s}", FAM, mode, lambda c, op=op, z=size, a=a: bt_reg(c, op, z, a), 36)
    for rf, mn in ((4, "bt"), (5, "bts"), (6, "btr"), (7, "btc")):
        for mode, size, a, s in rm_variants():
            add(f"{mn}_Ev,Ib{s}", FAM, mode, lambda c, rf=rf, z=size, a=a: bt_imm(c, rf, z, a), 24)
    for mn, op in (("bsf", 0xBC), ("bsr", 0xBD)):
        for mode, size, a, s in rm_variants():
            add(f"{mn}_Gv,Ev{s}", FAM, mode, lambda c, op=op, z=size, a=a: bscan(c, op, z, a), 36)
    for cc in range(16):
        for mode, _, a, s in rm_variants(sizes=(1,)):
            add(f"set{CC[cc]}_Eb{s}", FAM, mode, lambda c, cc=cc, a=a: setcc(c, cc, a), 20)
    for mode in MODES:
        for size in (2, 4):
            for r in range(8):
                add(f"bswap_r{r}/m{mode}/{osz(size)}", FAM, mode, lambda c, r=r, z=size: bswap(c, r, z), 8)
