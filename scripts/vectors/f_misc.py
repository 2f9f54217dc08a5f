"""Miscellaneous: invalid opcodes (#UD, vector 6), BOUND (#BR, vector 5), ARPL,
the NOP family (90, PAUSE, 0F 1F /0, hint NOPs 0F 19..1E, prefetch-class
0F 0D / 0F 18 with a memory operand), FWAIT.

#UD cases are limited to encodings where an i686 and QEMU agree. Not
generated because QEMU (Unicorn 2.0.1, default CPU model) differs:
0F 05 (SYSCALL), 0F 38/3A (SSSE3+ escapes), 0F 0D and 0F 18 with mod = 3
(#UD in QEMU), C4/C5 mod = 3 in 32-bit code (VEX), C6/C7 /7 (XABORT,
XBEGIN), 8F /1../7 (executed as POP), LOCK on non-lockable instructions.

ARPL is #UD in real mode; in protected mode it adjusts the destination's
RPL and sets ZF (other flags unchanged).
"""

from __future__ import annotations

from builder import SIZE_MASK, Case, pick
from forms import MODES, add, e_operand, g_reg, osz, rm_variants

FAM = "misc"

# (name, opcode bytes, ModRM: True = register form, False = memory form,
# None = any or no ModRM, modes)
UD = [
    ("ud2", [0x0F, 0x0B], False, MODES),
    ("ud1", [0x0F, 0xB9], None, MODES),
    ("ud0", [0x0F, 0xFF], None, MODES),
    ("0f04", [0x0F, 0x04], False, MODES),
    ("0f0a", [0x0F, 0x0A], False, MODES),
    ("0f24", [0x0F, 0x24], None, MODES),
    ("0f26", [0x0F, 0x26], None, MODES),
    ("0f36", [0x0F, 0x36], False, MODES),
    ("0f39", [0x0F, 0x39], False, MODES),
    ("0fa6", [0x0F, 0xA6], None, MODES),
    ("0fa7", [0x0F, 0xA7], None, MODES),
    ("0fb8", [0x0F, 0xB8], None, MODES),
    ("lea_reg", [0x8D], True, MODES),
    ("bound_reg", [0x62], True, MODES),
    ("les_reg", [0xC4], True, (16,)),
    ("lds_reg", [0xC5], True, (16,)),
    ("cmpxchg8b_reg", [0x0F, 0xC7], True, MODES),
]


def ud(c: Case, op: list[int], mod3: bool | None, reg: int | None = None) -> None:
    c.emit(*op)
    if mod3 is not None or reg is not None:
        r = c.rng.randrange(8) if reg is None else reg
        mod = c.rng.randrange(4) if mod3 is None else 3 if mod3 else c.rng.randrange(3)
        c.emit(mod << 6 | r << 3 | c.rng.randrange(8), *c.rng.randbytes(4))
    c.expect_exc = 6


def bound(c: Case, size: int, adsize: int) -> None:
    c.opsize(size)
    c.emit(0x62)
    g = g_reg(c, size)
    e = e_operand(c, g, 2 * size, adsize, write=False, avoid=(g,))
    rng = c.rng
    n = 8 * size
    lo = rng.randrange(-(1 << (n - 1)), 1 << (n - 1))
    hi = rng.randrange(lo, 1 << (n - 1)) if rng.random() < 0.9 else rng.randrange(-(1 << (n - 1)), 1 << (n - 1))
    r = rng.random()
    if r < 0.6 and lo <= hi:
        v = rng.randrange(lo, hi + 1)
    elif r < 0.7:
        v = rng.choice([lo, hi])
    else:
        v = rng.randrange(-(1 << (n - 1)), 1 << (n - 1))
    c.set_reg(g, size, v & SIZE_MASK[size])
    c.plant_int(e.lin, (lo & SIZE_MASK[size]) | ((hi & SIZE_MASK[size]) << n), 2 * size)


def arpl(c: Case, adsize: int | None) -> None:
    c.emit(0x63)
    g = g_reg(c, 2)
    c.set_reg(g, 2, pick(c.rng, 2))
    e = e_operand(c, g, 2, adsize)
    e.set(pick(c.rng, 2))
    if c.mode == 16:
        c.expect_exc = 6


def nop_e(c: Case, op: list[int], reg: int | None, size: int, adsize: int | None) -> None:
    c.opsize(size)
    c.emit(*op)
    e_operand(c, c.rng.randrange(8) if reg is None else reg, size, adsize, write=False)


def plain(c: Case, b: list[int]) -> None:
    c.emit(*b)


def register() -> None:
    for name, op, mod3, modes in UD:
        for mode in modes:
            add(f"ud_{name}/m{mode}", FAM, mode, lambda c, op=op, m=mod3: ud(c, op, m), 8, allow_exc=(6,))
    for mode in MODES:
        for r in range(2, 8):
            add(f"ud_fe/{r}/m{mode}", FAM, mode, lambda c, r=r: ud(c, [0xFE], None, r), 4, allow_exc=(6,))
        add(f"ud_ff/7/m{mode}", FAM, mode, lambda c: ud(c, [0xFF], None, 7), 4, allow_exc=(6,))
        for r in range(1, 7):
            add(f"ud_c6/{r}/m{mode}", FAM, mode, lambda c, r=r: ud(c, [0xC6], None, r), 3, allow_exc=(6,))
            add(f"ud_c7/{r}/m{mode}", FAM, mode, lambda c, r=r: ud(c, [0xC7], None, r), 3, allow_exc=(6,))
        for r in range(4):
            add(f"ud_0fba/{r}/m{mode}", FAM, mode, lambda c, r=r: ud(c, [0x0F, 0xBA], None, r), 3, allow_exc=(6,))
        for r in (0, 2, 3, 4, 5, 6, 7):
            add(f"ud_0fc7/{r}/m{mode}", FAM, mode, lambda c, r=r: ud(c, [0x0F, 0xC7], False, r), 3, allow_exc=(6,))
        for size in (2, 4):
            for a in (2, 4):
                add(f"bound/m{mode}/{osz(size)}/a{a * 8}", FAM, mode, lambda c, z=size, a=a: bound(c, z, a), 30, allow_exc=(5,))
        add(f"nop/m{mode}", FAM, mode, lambda c: plain(c, [0x90]), 6)
        add(f"nop_66/m{mode}", FAM, mode, lambda c: plain(c, [0x66, 0x90]), 6)
        add(f"pause/m{mode}", FAM, mode, lambda c: plain(c, [0xF3, 0x90]), 6)
        add(f"fwait/m{mode}", FAM, mode, lambda c: (setattr(c, "fpu", True), plain(c, [0x9B])), 6)
    for mode, _, a, s in rm_variants(sizes=(2,)):
        add(f"arpl_Ew,Gw{s}", FAM, mode, lambda c, a=a: arpl(c, a), 24, allow_exc=(6,))
    for mode, size, a, s in rm_variants():
        add(f"nop_0f1f/0_Ev{s}", FAM, mode, lambda c, z=size, a=a: nop_e(c, [0x0F, 0x1F], 0, z, a), 6)
        for k in range(0x19, 0x1F):
            add(f"hint_nop_0f{k:02x}_Ev{s}", FAM, mode, lambda c, k=k, z=size, a=a: nop_e(c, [0x0F, k], None, z, a), 3)
        if a is not None:
            add(f"nop_0f0d_M{s}", FAM, mode, lambda c, z=size, a=a: nop_e(c, [0x0F, 0x0D], None, z, a), 4)
            add(f"nop_0f18_M{s}", FAM, mode, lambda c, z=size, a=a: nop_e(c, [0x0F, 0x18], None, z, a), 4)
