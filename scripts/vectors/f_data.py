"""Data movement: MOV in all forms (incl. moffs and segment registers), LEA,
XCHG, CBW/CWDE, CWD/CDQ, MOVZX/MOVSX, CMOVcc, XADD, CMPXCHG, CMPXCHG8B,
XLAT, LDS/LES/LSS/LFS/LGS (SDM vol. 2). No flag is undefined here: XADD
and CMPXCHG set the flags as ADD and CMP do, CMPXCHG8B sets only ZF.

Segment-register loads (MOV Sreg, LxS) are generated in 16-bit (real-mode)
code only, where a selector is just base >> 4; in protected mode they are
descriptor loads, tested with the system instructions. Reading a segment
register (MOV Ew,Sw) is generated in both modes. MOV Sreg with reg = CS or
6/7, and MOV Ew,Sw with reg 6/7, raise #UD.
"""

from __future__ import annotations

from builder import CS, EAX, EBX, EDX, SEG_BASE, Case, pick, put
from forms import CC, MODES, add, e_operand, g_reg, osz, rm_variants

FAM = "data"
REG32 = ["eax", "ecx", "edx", "ebx", "esp", "ebp", "esi", "edi"]


def mov_eg(c: Case, op: int, size: int, adsize: int | None, write_e: bool) -> None:
    c.opsize(size)
    c.emit(op)
    g = g_reg(c, size)
    c.set_reg(g, size, pick(c.rng, size))
    e = e_operand(c, g, size, adsize, write=write_e)
    e.set(pick(c.rng, size))


def mov_ei(c: Case, size: int, adsize: int | None) -> None:
    c.opsize(size)
    c.emit(0xC6 if size == 1 else 0xC7)
    e = e_operand(c, 0, size, adsize)
    e.set(pick(c.rng, size))
    c.imm(pick(c.rng, size), size)


def mov_ri(c: Case, r: int, size: int) -> None:
    c.opsize(size)
    c.emit((0xB0 if size == 1 else 0xB8) + r)
    c.imm(pick(c.rng, size), size)


def mov_moffs(c: Case, op: int, size: int, adsize: int) -> None:
    c.opsize(size)
    c.adsize(adsize)
    c.emit(op)
    off = c.target(size)
    c.imm(off, adsize)
    seg = c.pick_seg(3, write=op >= 0xA2)
    c.plant_int(SEG_BASE[seg] + off, pick(c.rng, size), size)
    c.set_reg(EAX, size, pick(c.rng, size))


def mov_from_sreg(c: Case, sreg: int, size: int, adsize: int | None) -> None:
    c.opsize(size)
    c.emit(0x8C)
    e = e_operand(c, sreg, 2, adsize)
    e.set(pick(c.rng, 2))
    if sreg > 5:
        c.expect_exc = 6


def mov_to_sreg(c: Case, sreg: int, adsize: int | None) -> None:
    c.emit(0x8E)
    e = e_operand(c, sreg, 2, adsize, write=False)
    e.set(c.rng.getrandbits(16))
    if sreg == CS or sreg > 5:
        c.expect_exc = 6


def lea(c: Case, size: int, adsize: int) -> None:
    c.opsize(size)
    c.emit(0x8D)
    g = g_reg(c, size)
    e_operand(c, g, size, adsize, any_offset=True)


def xchg_eg(c: Case, size: int, adsize: int | None) -> None:
    mov_eg(c, 0x86 if size == 1 else 0x87, size, adsize, True)


def xchg_acc(c: Case, r: int, size: int) -> None:
    c.opsize(size)
    c.emit(0x90 + r)


def conv(c: Case, op: int, size: int) -> None:
    c.opsize(size)
    c.emit(op)
    c.set_reg(EAX, size, pick(c.rng, size))


def movx(c: Case, op: int, size: int, src: int, adsize: int | None) -> None:
    c.opsize(size)
    c.emit(0x0F, op)
    g = g_reg(c, size)
    e = e_operand(c, g, src, adsize, write=False)
    e.set(pick(c.rng, src))


def cmov(c: Case, cc: int, size: int, adsize: int | None) -> None:
    c.opsize(size)
    c.emit(0x0F, 0x40 + cc)
    g = g_reg(c, size)
    e = e_operand(c, g, size, adsize, write=False)
    e.set(pick(c.rng, size))


def xadd(c: Case, size: int, adsize: int | None) -> None:
    c.opsize(size)
    c.emit(0x0F, 0xC0 if size == 1 else 0xC1)
    g = g_reg(c, size)
    c.set_reg(g, size, pick(c.rng, size))
    e = e_operand(c, g, size, adsize)
    e.set(pick(c.rng, size))


def cmpxchg(c: Case, size: int, adsize: int | None) -> None:
    c.opsize(size)
    c.emit(0x0F, 0xB0 if size == 1 else 0xB1)
    g = g_reg(c, size)
    c.set_reg(g, size, pick(c.rng, size))
    e = e_operand(c, g, size, adsize)
    v = pick(c.rng, size)
    c.set_reg(EAX, size, v if c.rng.random() < 0.5 else pick(c.rng, size))
    if e.reg is not None and (e.reg & 3 if size == 1 else e.reg) == EAX:
        return  # cmpxchg with the accumulator itself: always equal
    e.set(v)


def cmpxchg8b(c: Case, size: int, adsize: int) -> None:
    c.opsize(size)  # the operand size is ignored: always 64 bits
    c.emit(0x0F, 0xC7)
    e = e_operand(c, 1, 8, adsize)
    if c.rng.random() < 0.5:
        v = (c.regs[EDX] << 32) | c.regs[EAX]
    else:
        v = c.rng.getrandbits(64)
        if c.rng.random() < 0.3:
            v = (v & ~0xFFFFFFFF) | c.regs[EAX]
    c.plant_int(e.lin, v, 8)


def xlat(c: Case, adsize: int) -> None:
    c.adsize(adsize)
    c.emit(0xD7)
    off = c.target(0x100)
    al = c.rng.getrandbits(8)
    c.set_reg(EAX, 1, al)
    c.regs[EBX] = put(c.regs[EBX], 2, off) if adsize == 2 else off
    seg = c.pick_seg(3, write=False)
    c.plant_int(SEG_BASE[seg] + off + al, c.rng.getrandbits(8), 1)


def lxs(c: Case, op: list[int], size: int, adsize: int | None) -> None:
    c.opsize(size)
    c.emit(*op)
    g = g_reg(c, size)
    e = e_operand(c, g, size + 2, adsize, write=False)
    if adsize is None:
        c.expect_exc = 6
    else:
        c.plant_int(e.lin, c.rng.getrandbits(8 * size + 16), size + 2)


def register() -> None:
    for mode, size, a, s in rm_variants(sizes=(1, 2, 4)):
        t = f"{s}{'/o8' if size == 1 else ''}"
        add(f"mov_E,G{t}", FAM, mode, lambda c, z=size, a=a: mov_eg(c, 0x88 if z == 1 else 0x89, z, a, True), 14)
        add(f"mov_G,E{t}", FAM, mode, lambda c, z=size, a=a: mov_eg(c, 0x8A if z == 1 else 0x8B, z, a, False), 14)
        add(f"mov_E,I{t}", FAM, mode, lambda c, z=size, a=a: mov_ei(c, z, a), 12)
        add(f"xchg_E,G{t}", FAM, mode, lambda c, z=size, a=a: xchg_eg(c, z, a), 14)
        add(f"xadd_E,G{t}", FAM, mode, lambda c, z=size, a=a: xadd(c, z, a), 14)
        add(f"cmpxchg_E,G{t}", FAM, mode, lambda c, z=size, a=a: cmpxchg(c, z, a), 18)
    for mode in MODES:
        for r in range(8):
            add(f"mov_r{r},Ib/m{mode}", FAM, mode, lambda c, r=r: mov_ri(c, r, 1), 6)
            for size in (2, 4):
                add(f"mov_{REG32[r]},Iv/m{mode}/{osz(size)}", FAM, mode, lambda c, r=r, z=size: mov_ri(c, r, z), 6)
                if r:
                    add(f"xchg_{REG32[r]},eAX/m{mode}/{osz(size)}", FAM, mode, lambda c, r=r, z=size: xchg_acc(c, r, z), 6)
        for size in (1, 2, 4):
            for a in (2, 4):
                for op, mn in ((0xA0, "mov_AL,Ob"), (0xA2, "mov_Ob,AL")):
                    opc = op if size == 1 else op + 1
                    nm = mn if size == 1 else mn.replace("AL", "eAX").replace("Ob", "Ov")
                    add(f"{nm}/m{mode}/{osz(size)}/a{a * 8}", FAM, mode, lambda c, o=opc, z=size, a=a: mov_moffs(c, o, z, a), 12)
        for size in (2, 4):
            add(f"cbw/m{mode}/{osz(size)}", FAM, mode, lambda c, z=size: conv(c, 0x98, z), 20)
            add(f"cwd/m{mode}/{osz(size)}", FAM, mode, lambda c, z=size: conv(c, 0x99, z), 20)
            for a in (2, 4):
                add(f"lea/m{mode}/{osz(size)}/a{a * 8}", FAM, mode, lambda c, z=size, a=a: lea(c, z, a), 40)
                add(f"cmpxchg8b/m{mode}/{osz(size)}/a{a * 8}", FAM, mode, lambda c, z=size, a=a: cmpxchg8b(c, z, a), 24)
            add(f"xlat/m{mode}/a{size * 8}", FAM, mode, lambda c, a=size: xlat(c, a), 20)
    for mode, size, a, s in rm_variants():
        add(f"movzx_Gv,Eb{s}", FAM, mode, lambda c, z=size, a=a: movx(c, 0xB6, z, 1, a), 12)
        add(f"movzx_Gv,Ew{s}", FAM, mode, lambda c, z=size, a=a: movx(c, 0xB7, z, 2, a), 12)
        add(f"movsx_Gv,Eb{s}", FAM, mode, lambda c, z=size, a=a: movx(c, 0xBE, z, 1, a), 12)
        add(f"movsx_Gv,Ew{s}", FAM, mode, lambda c, z=size, a=a: movx(c, 0xBF, z, 2, a), 12)
        for cc in range(16):
            add(f"cmov{CC[cc]}_Gv,Ev{s}", FAM, mode, lambda c, cc=cc, z=size, a=a: cmov(c, cc, z, a), 8)
    # Segment registers.
    for mode, size, a, s in rm_variants():
        if a is not None and size == 4:
            continue  # the memory form always stores 16 bits: one operand size is enough
        for sreg in range(8):
            add(f"mov_Ew,Sw{sreg}{s}", FAM, mode, lambda c, r=sreg, z=size, a=a: mov_from_sreg(c, r, z, a), 6, allow_exc=(6,))
    for _, _, a, s in rm_variants(sizes=(2,), modes=(16,)):
        for sreg in range(8):
            add(f"mov_Sw{sreg},Ew{s}", FAM, 16, lambda c, r=sreg, a=a: mov_to_sreg(c, r, a), 10, allow_exc=(6,))
    for mn, op in (("les", [0xC4]), ("lds", [0xC5]), ("lss", [0x0F, 0xB2]), ("lfs", [0x0F, 0xB4]), ("lgs", [0x0F, 0xB5])):
        for _, size, a, s in rm_variants(modes=(16,)):
            add(f"{mn}_Gv,Mp{s}", FAM, 16, lambda c, o=op, z=size, a=a: lxs(c, o, z, a), 12 if a else 4, allow_exc=(6,))
