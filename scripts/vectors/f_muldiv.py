"""Multiply and divide: MUL IMUL DIV IDIV (F6/F7 /4-/7), IMUL Gv,Ev (0F AF),
IMUL Gv,Ev,Iz (69) and IMUL Gv,Ev,Ib (6B) (SDM vol. 2).

Undefined per the SDM: MUL/IMUL leave SF ZF AF PF undefined (CF and OF are
defined); DIV/IDIV leave all six undefined. #DE (vector 0) on a zero divisor
or a quotient that does not fit; a faulting instruction changes nothing, so
exception vectors compare every flag.

Not generated: 32-bit IDIV of EDX:EAX = 8000000000000000h by -1 (QEMU
divides on the host and Unicorn dies with SIGFPE); the neighbouring
overflow cases are generated instead.
"""

from __future__ import annotations

from builder import AF, ARITH, EAX, EDX, PF, SF, SIZE_MASK, ZF, Case, pick
from forms import add, e_operand, g_reg, rm_variants

FAM = "muldiv"
MUL_UNDEF = SF | ZF | AF | PF


def signed(v: int, bits: int) -> int:
    v &= (1 << bits) - 1
    return v - (1 << bits) if v >> (bits - 1) else v


def set_dividend(c: Case, size: int, v: int) -> None:
    bits = 16 * size
    v &= (1 << bits) - 1
    if size == 1:
        c.set_reg(EAX, 2, v)
    else:
        c.set_reg(EAX, size, v & SIZE_MASK[size])
        c.set_reg(EDX, size, v >> (8 * size))


def div_operands(c: Case, size: int, signed_div: bool) -> tuple[int, int]:
    """(dividend, divisor) as unsigned bit patterns; mostly non-faulting."""
    rng = c.rng
    n = 8 * size
    r = rng.random()
    if r < 0.1:
        return rng.getrandbits(2 * n), 0
    if r < 0.2:
        return rng.getrandbits(2 * n), pick(rng, size)
    if signed_div:
        if r < 0.25:
            if size == 4:
                # QEMU computes the 64-bit INT_MIN / -1 on the host, which kills
                # Unicorn with SIGFPE; use neighbours that overflow the same way.
                return rng.choice([(1 << 63, 1), ((1 << 63) + 1, (1 << 32) - 1)])
            return 1 << (2 * n - 1), (1 << n) - 1  # most negative / -1: #DE
        d = signed(pick(rng, size), n) or 1
        for _ in range(8):
            q = rng.randrange(-(1 << (n - 1)), 1 << (n - 1))
            if rng.random() < 0.2:
                q = rng.choice([-(1 << (n - 1)), (1 << (n - 1)) - 1, 0, -1, 1])
            rem = rng.randrange(abs(d))
            x = q * d
            # The remainder takes the dividend's sign.
            x = x + rem if x > 0 or (x == 0 and rng.random() < 0.5) else x - rem
            qq = abs(x) // abs(d) * (1 if (x >= 0) == (d > 0) else -1)
            if -(1 << (n - 1)) <= qq < (1 << (n - 1)) and -(1 << (2 * n - 1)) <= x < (1 << (2 * n - 1)):
                return x & ((1 << 2 * n) - 1), d & SIZE_MASK[size]
        return 0, d & SIZE_MASK[size]
    d = pick(rng, size) or 1
    q = rng.getrandbits(n) if rng.random() < 0.8 else rng.choice([0, 1, (1 << n) - 1])
    return q * d + rng.randrange(d), d


def mul1(c: Case, reg_field: int, size: int, adsize: int | None) -> None:
    """F6/F7 /4../7: the implicit accumulator with the r/m operand."""
    c.opsize(size)
    c.emit(0xF6 if size == 1 else 0xF7)
    avoid = (EAX, EDX)
    if reg_field < 6:
        c.set_reg(EAX, size, pick(c.rng, size))
        e = e_operand(c, reg_field, size, adsize, write=False, avoid=avoid if adsize else ())
        e.set(pick(c.rng, size))
        c.undefined(MUL_UNDEF)
        return
    dividend, divisor = div_operands(c, size, reg_field == 7)
    if adsize is None:
        # Keep the divisor out of AX/DX (AL/AH for byte division).
        rm = c.rng.choice([1, 2, 3, 5, 6, 7] if size == 1 else [1, 3, 4, 5, 6, 7])
        e = e_operand(c, reg_field, size, None, rm=rm)
    else:
        e = e_operand(c, reg_field, size, adsize, write=False, avoid=avoid)
    set_dividend(c, size, dividend)
    e.set(divisor)
    c.undefined(ARITH)


def imul2(c: Case, op: list[int], size: int, adsize: int | None, imm: int) -> None:
    c.opsize(size)
    c.emit(*op)
    g = g_reg(c, size)
    c.set_reg(g, size, pick(c.rng, size))
    e = e_operand(c, g, size, adsize, write=False)
    e.set(pick(c.rng, size))
    if imm:
        c.imm(pick(c.rng, imm), imm)
    c.undefined(MUL_UNDEF)


def register() -> None:
    for rf, mn in ((4, "mul"), (5, "imul"), (6, "div"), (7, "idiv")):
        exc = (0,) if rf >= 6 else ()
        n = 40 if rf >= 6 else 30
        for mode, _, a, s in rm_variants(sizes=(1,)):
            add(f"{mn}_Eb{s}", FAM, mode, lambda c, rf=rf, a=a: mul1(c, rf, 1, a), n, allow_exc=exc)
        for mode, size, a, s in rm_variants():
            add(f"{mn}_Ev{s}", FAM, mode, lambda c, rf=rf, z=size, a=a: mul1(c, rf, z, a), n, allow_exc=exc)
    for mode, size, a, s in rm_variants():
        add(f"imul_Gv,Ev{s}", FAM, mode, lambda c, z=size, a=a: imul2(c, [0x0F, 0xAF], z, a, 0), 30)
        add(f"imul_Gv,Ev,Iz{s}", FAM, mode, lambda c, z=size, a=a: imul2(c, [0x69], z, a, z), 30)
        add(f"imul_Gv,Ev,Ib{s}", FAM, mode, lambda c, z=size, a=a: imul2(c, [0x6B], z, a, 1), 30)
