"""Shift family: ROL ROR RCL RCR SHL SHR SAL(=SHL, /6) SAR by 1, CL and imm8,
and SHLD/SHRD by CL and imm8 (SDM vol. 2, "SAL/SAR/SHL/SHR", "RCL/RCR/ROL/ROR",
"SHLD", "SHRD").

The count is masked to 5 bits (`mc` below). Undefined per the SDM:
  * every shift/rotate: with mc = 0 nothing changes (flags are DEFINED as
    unchanged and stay checked);
  * SHL/SHR/SAR: AF undefined when mc != 0; OF undefined when mc != 1;
    CF undefined for SHL/SHR when mc >= operand width (8 or 16 bits);
  * ROL/ROR/RCL/RCR: OF undefined when mc != 1 (SF ZF AF PF are unaffected);
  * SHLD/SHRD: AF undefined when mc != 0, OF undefined when mc != 1; when
    mc > operand width (16-bit forms, counts 17..31) the destination and all
    six flags are undefined, so the destination is masked too.
"""

from __future__ import annotations

from builder import AF, ARITH, CF, ECX, OF, Case, pick
from forms import add, e_operand, g_reg, rm_variants

FAM = "shift"
SHIFT = ["rol", "ror", "rcl", "rcr", "shl", "shr", "sal", "sar"]


def pick_count(c: Case, width: int) -> int:
    r = c.rng.random()
    if r < 0.45:
        return c.rng.choice([0, 1, 1, 2, 3, width - 1, width, width + 1, 9, 17, 31, 32, 33, 63, 255])
    if r < 0.85:
        return c.rng.randrange(0, 32)
    return c.rng.randrange(0, 256)


def shift_undef(op: int, width: int, count: int) -> int:
    mc = count & 0x1F
    if mc == 0:
        return 0
    u = 0
    if mc != 1:
        u |= OF
    if op >= 4:  # shl shr sal sar
        u |= AF
        if op in (4, 5, 6) and mc >= width:
            u |= CF
    return u


def shift(c: Case, opcode: int, op: int, size: int, adsize: int | None, how: str) -> None:
    width = 8 * size
    c.opsize(size)
    c.emit(opcode)
    if how == "cl":
        c.reserved.add(ECX)
    e = e_operand(c, op, size, adsize)
    e.set(pick(c.rng, size))
    count = pick_count(c, width)
    if how == "ib":
        c.imm(count, 1)
    elif how == "cl":
        c.regs[ECX] = (c.regs[ECX] & ~0xFF) | count
    else:
        count = 1
    c.undefined(shift_undef(op, width, count))


def shiftd(c: Case, opcode: int, size: int, adsize: int | None, how: str) -> None:
    width = 8 * size
    c.opsize(size)
    c.emit(0x0F, opcode)
    if how == "cl":
        c.reserved.add(ECX)
    g = g_reg(c, size)
    c.set_reg(g, size, pick(c.rng, size))
    e = e_operand(c, g, size, adsize)
    e.set(pick(c.rng, size))
    count = pick_count(c, width)
    if how == "ib":
        c.imm(count, 1)
    else:
        c.regs[ECX] = (c.regs[ECX] & ~0xFF) | count
    mc = count & 0x1F
    if mc == 0:
        return
    if mc > width:
        c.undefined(ARITH)
        if e.reg is not None:
            c.regs_mask[e.reg] = 0xFFFF0000  # the 16-bit result is undefined
        else:
            c.mem_skip.append((e.lin, size))
        return
    c.undefined(AF | (OF if mc != 1 else 0))


def register() -> None:
    for op, mn in enumerate(SHIFT):
        for how, ob, ov in (("1", 0xD0, 0xD1), ("cl", 0xD2, 0xD3), ("ib", 0xC0, 0xC1)):
            for mode, _, a, s in rm_variants(sizes=(1,)):
                add(f"{mn}_Eb,{how}{s}", FAM, mode, lambda c, o=ob, op=op, a=a, h=how: shift(c, o, op, 1, a, h), 28 if how != "1" else 12)
            for mode, size, a, s in rm_variants():
                add(f"{mn}_Ev,{how}{s}", FAM, mode, lambda c, o=ov, op=op, n=size, a=a, h=how: shift(c, o, op, n, a, h), 28 if how != "1" else 12)
    for mn, ib, cl in (("shld", 0xA4, 0xA5), ("shrd", 0xAC, 0xAD)):
        for how, opc in (("ib", ib), ("cl", cl)):
            for mode, size, a, s in rm_variants():
                add(f"{mn}_Ev,Gv,{how}{s}", FAM, mode, lambda c, o=opc, n=size, a=a, h=how: shiftd(c, o, n, a, h), 40)
