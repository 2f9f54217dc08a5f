"""Near control transfers: Jcc rel8/rel16/rel32, JMP rel8/rel, CALL rel,
JMP/CALL Ev, RET, RET Iw, LOOP/LOOPE/LOOPNE, JCXZ/JECXZ (SDM vol. 2).

With a 16-bit operand size EIP is truncated to 16 bits after the transfer,
even in 32-bit code; LOOP/JCXZ count in CX or ECX by the ADDRESS size. To
make truncation and 64 KiB wrap-around visible, some cases put the code
near the top of a 64 KiB block (0xfff0 in 16-bit code, 0x10fff8 in 32-bit
code) instead of 0x1000.

In 16-bit (real-mode) code a transfer beyond the CS limit (0xffff) is #GP
on Intel but not checked by QEMU, so with a 32-bit operand size the
generator keeps targets below 0x10000. In 32-bit code targets are random
anywhere in the 4 GiB space (Unicorn then stops with "fetch unmapped"
after the instruction completed, which the generator accepts for these
forms).

QEMU: RET imm16 sign-extends the immediate; with a 32-bit stack pointer
only immediates below 0x8000 are generated (see `ret`).
"""

from __future__ import annotations

from builder import ARITH, ECX, SEG_BASE, SS, Case, pick, put
from forms import CC, MODES, add, e_operand, osz, rm_variants

FAM = "control"


def place(c: Case) -> None:
    c.control = True
    c.eflags = 0x2 | (c.rng.getrandbits(12) & ARITH)
    if c.rng.random() < 0.3:
        c.code_addr = 0x10FFF8 if c.big else 0xFFF0


def next_ip(c: Case, extra: int) -> int:
    """EIP after the instruction being built, once `extra` more bytes are emitted."""
    return c.code_addr + len(c.prefixes) + len(c.body) + extra


def rel(c: Case, size: int, opsize: int) -> None:
    """Emit a relative displacement of `size` bytes with a legal target."""
    rng = c.rng
    if size == 1:
        d = rng.randrange(-128, 128)
    elif size == 2:
        d = rng.getrandbits(16) if rng.random() < 0.6 else rng.randrange(-0x100, 0x100) & 0xFFFF
    else:
        d = rng.getrandbits(32) if rng.random() < 0.5 else rng.randrange(-0x10000, 0x10000) & 0xFFFFFFFF
    if not c.big and opsize == 4:
        # Real mode: the 32-bit target must stay inside the 64 KiB code segment.
        nxt = next_ip(c, size)
        lo, hi = -nxt, 0xFFFF - nxt
        if size == 1:
            lo, hi = max(lo, -128), min(hi, 127)
            d = rng.randrange(lo, hi + 1)
        else:
            d = rng.randrange(lo, hi + 1) & 0xFFFFFFFF
    c.imm(d, size)


def jcc(c: Case, cc: int, long: bool, size: int) -> None:
    place(c)
    c.opsize(size)
    if long:
        c.emit(0x0F, 0x80 + cc)
        rel(c, size, size)
    else:
        c.emit(0x70 + cc)
        rel(c, 1, size)


def jmp_call_rel(c: Case, op: int, size: int) -> None:
    place(c)
    if op == 0xE8:
        c.stack()
    c.opsize(size)
    c.emit(op)
    rel(c, 1 if op == 0xEB else size, size)


def target_value(c: Case, size: int) -> int:
    if not c.big and size == 4:
        return c.rng.getrandbits(16)  # real mode: inside the CS limit
    return pick(c.rng, size) if c.rng.random() < 0.3 else c.rng.getrandbits(8 * size)


def jmp_call_e(c: Case, rf: int, size: int, adsize: int | None) -> None:
    place(c)
    if rf == 2:
        c.stack()
    c.opsize(size)
    c.emit(0xFF)
    e = e_operand(c, rf, size, adsize, write=False)
    if e.reg is not None:
        c.regs[e.reg] = put(c.regs[e.reg], size, target_value(c, size))
        if not c.big and size == 4:
            c.regs[e.reg] &= 0xFFFF
    else:
        e.set(target_value(c, size))


def ret(c: Case, imm: bool, size: int) -> None:
    place(c)
    sp = c.stack()
    c.opsize(size)
    c.emit(0xC2 if imm else 0xC3)
    if imm:
        n = pick(c.rng, 2) if c.rng.random() < 0.3 else c.rng.randrange(0, 0x100)
        if c.big:
            # QEMU: RET imm16 sign-extends the immediate (Unicorn 2.0.1), the
            # SDM adds it as an unsigned byte count. The two agree only below
            # 0x8000 with a 32-bit stack pointer; with SP the sum wraps at
            # 64 KiB and any value agrees.
            n &= 0x7FFF
        c.imm(n, 2)
    c.plant_int(SEG_BASE[SS] + sp, target_value(c, size), size)


def loop(c: Case, op: int, adsize: int, size: int) -> None:
    place(c)
    c.adsize(adsize)
    c.opsize(size)
    c.emit(op)
    v = c.rng.choice([0, 1, 2, 3, 0x10000, 0x10001, 0xFFFF, 0xFFFFFFFF]) if c.rng.random() < 0.6 else pick(c.rng, 4)
    c.regs[ECX] = v
    rel(c, 1, size)


def register() -> None:
    for mode in MODES:
        for size in (2, 4):
            o = f"/m{mode}/{osz(size)}"
            for cc in range(16):
                add(f"j{CC[cc]}_rel8{o}", FAM, mode, lambda c, cc=cc, z=size: jcc(c, cc, False, z), 12)
                add(f"j{CC[cc]}_rel{o}", FAM, mode, lambda c, cc=cc, z=size: jcc(c, cc, True, z), 12)
            add(f"jmp_rel8{o}", FAM, mode, lambda c, z=size: jmp_call_rel(c, 0xEB, z), 24)
            add(f"jmp_rel{o}", FAM, mode, lambda c, z=size: jmp_call_rel(c, 0xE9, z), 24)
            add(f"call_rel{o}", FAM, mode, lambda c, z=size: jmp_call_rel(c, 0xE8, z), 32)
            add(f"ret{o}", FAM, mode, lambda c, z=size: ret(c, False, z), 24)
            add(f"ret_Iw{o}", FAM, mode, lambda c, z=size: ret(c, True, z), 24)
            for a in (2, 4):
                for mn, op in (("loopne", 0xE0), ("loope", 0xE1), ("loop", 0xE2), ("jcxz", 0xE3)):
                    add(f"{mn}{o}/a{a * 8}", FAM, mode, lambda c, op=op, a=a, z=size: loop(c, op, a, z), 20)
    for mode, size, a, s in rm_variants():
        add(f"jmp_Ev{s}", FAM, mode, lambda c, z=size, a=a: jmp_call_e(c, 4, z, a), 16)
        add(f"call_Ev{s}", FAM, mode, lambda c, z=size, a=a: jmp_call_e(c, 2, z, a), 16)
