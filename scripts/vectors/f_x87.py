"""A modest set of x87 vectors for simple, exact operations (SDM vol. 1 ch. 8,
vol. 2 FLD/FST/FILD/FIST/FADD/.../FCOM/FNSTSW/FXCH/FCHS/FABS).

Each vector is a short sequence (field "steps") that starts from the FPU
state after FNINIT (which is also the state of a freshly reset Cpu) and
ends by storing results to memory or AX: the FPU's internal registers are
never compared, only what reaches memory and AX. Arithmetic operands are
small integers, halves and powers of two so every result is exact (no
rounding question between the 80-bit format and anything else). Loads and
stores of random float32/float64 values (incl. zeros and infinities) and
FIADD..FIDIVR with m16/m32 integers, FIST of halves (round to nearest even) and of out-of-range values (the
integer indefinite) are included; FNSTSW exposes C0-C3, TOP and the
exception flags.

QEMU: FCOM/FCOMP/FCOMPP with a quiet NaN leave IE clear (the SDM sets it
for any NaN); the exception-flag byte and B of FNSTSW AX are masked in the
compare vectors.

Every instruction of a sequence carries its own prefixes; all memory
operands are [base + disp8] off one base register.
"""

from __future__ import annotations

import struct

from builder import EAX, EBP, SEG_BASE, SEG_PREFIX, SS, Case, put
from forms import MODES, add

FAM = "x87"


class Seq:
    """Builds an instruction sequence whose memory operands are [base + 8*slot]."""

    def __init__(self, c: Case):
        self.c = c
        rng = c.rng
        c.fpu = True
        self.a32 = rng.random() < (0.8 if c.big else 0.3)
        self.pfx = [0x67] if self.a32 != c.big else []
        if self.a32:
            self.base = rng.choice([0, 1, 2, 3, 5, 6, 7])
            self.rm = self.base
            self.defseg = SS if self.base == EBP else 3
        else:
            self.rm = rng.choice([4, 5, 6, 7])  # [si] [di] [bp] [bx] + disp8
            self.base = {4: 6, 5: 7, 6: EBP, 7: 3}[self.rm]
            self.defseg = SS if self.rm == 6 else 3
        self.off = rng.randrange(0x2000, 0xFF00)
        c.regs[self.base] = self.off if self.a32 else put(c.regs[self.base], 2, self.off)
        c.reserved.add(self.base)
        self.n = 0

    def mem(self, opcode: int, reg: int, slot: int) -> int:
        """Emit `opcode /reg [base + 8*slot]`; return the operand's linear address."""
        c = self.c
        seg = self.defseg
        pfx = list(self.pfx)
        if c.rng.random() < 0.2:
            seg = c.rng.choice([0, 2, 3, 4, 5])
            pfx.append(SEG_PREFIX[seg])
        c.rng.shuffle(pfx)
        c.emit(*pfx, opcode, 0x40 | (reg << 3) | self.rm, 8 * slot)
        self.n += 1
        return SEG_BASE[seg] + self.off + 8 * slot

    def op(self, *b: int) -> None:
        self.c.emit(*b)
        self.n += 1

    def done(self) -> None:
        self.c.steps = self.n


def f32(v: float) -> bytes:
    return struct.pack("<f", v)


def f64(v: float) -> bytes:
    return struct.pack("<d", v)


def exact(c: Case) -> float:
    rng = c.rng
    r = rng.random()
    if r < 0.35:
        return float(rng.randrange(-1000, 1001))
    if r < 0.55:
        return rng.randrange(-400, 401) / 2
    if r < 0.7:
        return rng.randrange(-400, 401) / 4
    if r < 0.85:
        return rng.choice([1.0, -1.0]) * 2.0 ** rng.randrange(-20, 21)
    if r < 0.93:
        return rng.choice([0.0, -0.0, 1.0, -1.0])
    return float(rng.randrange(-(1 << 24), 1 << 24))


def any32(c: Case) -> bytes:
    rng = c.rng
    r = rng.random()
    if r < 0.1:
        return rng.choice([f32(0.0), f32(-0.0), f32(float("inf")), f32(float("-inf")), bytes.fromhex("0000c07f")])
    if r < 0.5:
        return f32(exact(c))
    e = rng.randrange(1, 255)
    return ((rng.getrandbits(1) << 31) | (e << 23) | rng.getrandbits(23)).to_bytes(4, "little")


def any64(c: Case) -> bytes:
    rng = c.rng
    r = rng.random()
    if r < 0.1:
        return rng.choice([f64(0.0), f64(-0.0), f64(float("inf")), f64(float("-inf")), bytes.fromhex("000000000000f87f")])
    if r < 0.5:
        return f64(exact(c))
    e = rng.randrange(1023 - 120, 1023 + 120)  # inside float32 range, for the m64 -> m32 stores
    return ((rng.getrandbits(1) << 63) | (e << 52) | rng.getrandbits(52)).to_bytes(8, "little")


def load(s: Seq, slot: int, data: bytes) -> None:
    """fld m32/m64 from `slot`, with `data` planted there."""
    lin = s.mem(0xD9 if len(data) == 4 else 0xDD, 0, slot)
    s.c.plant_bytes(lin, data)


def store_pop(s: Seq, slot: int, size: int) -> None:
    s.mem(0xD9 if size == 4 else 0xDD, 3, slot)


def roundtrip(c: Case, src: int, dst: int) -> None:
    s = Seq(c)
    load(s, 0, any32(c) if src == 4 else any64(c))
    store_pop(s, 1, dst)
    s.done()


def fild(c: Case, size: int) -> None:
    s = Seq(c)
    v = c.rng.choice([0, 1, -1, 0x7FFF, -0x8000, 0x7FFFFFFF, -0x80000000]) if c.rng.random() < 0.3 else c.rng.getrandbits(8 * size)
    lin = s.mem(0xDF if size == 2 else 0xDB, 0, 0)
    c.plant_int(lin, v, size)
    store_pop(s, 1, 8)
    s.done()


def fist(c: Case, size: int, pop: bool) -> None:
    s = Seq(c)
    rng = c.rng
    r = rng.random()
    lim = 1 << (8 * size - 1)
    if r < 0.4:
        v = float(rng.randrange(-lim, lim))
    elif r < 0.7:
        v = rng.randrange(-2000, 2000) + 0.5  # ties: round to even
    elif r < 0.85:
        v = exact(c)
    else:
        v = rng.choice([float(lim), float(-lim - 1), 1e12, -1e12, float("inf"), float("nan")])
    load(s, 0, f64(v))
    s.mem(0xDF if size == 2 else 0xDB, 3 if pop else 2, 1)
    if not pop:
        store_pop(s, 2, 8)
    s.done()


ARITH_REG = {"add": 0, "mul": 1, "sub": 4, "subr": 5, "div": 6, "divr": 7}


def operands(c: Case, name: str) -> tuple[float, float]:
    a, b = exact(c), exact(c)
    if name in ("div", "divr"):
        b = b or 2.0
        q = c.rng.choice([float(c.rng.randrange(-64, 65)), c.rng.randrange(-64, 65) / 2, 0.25])
        a = b * q  # st0 / b = q exactly
        if name == "divr":
            a, b = b, a  # b / st0 = q
            if a == 0:
                a = 1.0
    return a, b


def arith_mem(c: Case, name: str, size: int) -> None:
    s = Seq(c)
    a, b = operands(c, name)
    load(s, 0, f64(a))
    lin = s.mem(0xD8 if size == 4 else 0xDC, ARITH_REG[name], 1)
    c.plant_bytes(lin, f32(b) if size == 4 else f64(b))
    store_pop(s, 2, 8)
    s.done()


def arith_int(c: Case, name: str, size: int) -> None:
    """FIADD/FIMUL/... m32int (DA /r) or m16int (DE /r): st0 = st0 op integer."""
    s = Seq(c)
    rng = c.rng
    b = rng.randrange(-300, 301) or 3
    if name == "div":
        a = b * (rng.randrange(-64, 65) / rng.choice([1, 2, 4]))  # st0 / b exact
    elif name == "divr":
        a = b / (rng.choice([1, -1]) * 2.0 ** rng.randrange(-2, 6))  # b / st0 exact
    else:
        a = exact(c)
    load(s, 0, f64(a))
    lin = s.mem(0xDA if size == 4 else 0xDE, ARITH_REG[name], 1)
    c.plant_int(lin, b, size)
    store_pop(s, 2, 8)
    s.done()


def arith_reg(c: Case, name: str, form: str) -> None:
    """st0 = st0 op st1 (D8 /r), or st1 = st1 op st0 and pop (DE /r')."""
    s = Seq(c)
    a, b = operands(c, name)
    # Arrange for the operation to compute a op b in both forms.
    first, second = (b, a) if form == "st0" else (a, b)
    load(s, 0, f64(first))
    load(s, 1, f64(second))
    r = ARITH_REG[name]
    if form == "st0":
        s.op(0xD8, 0xC0 | (r << 3) | 1)
        store_pop(s, 2, 8)
        store_pop(s, 3, 8)
    else:
        # DE C0+i family: faddp/fmulp, and fsubp/fsubrp/fdivp/fdivrp whose
        # encodings swap r and r^1 relative to D8 (SDM vol. 2, opcode map).
        r2 = r ^ 1 if r >= 4 else r
        s.op(0xDE, 0xC0 | (r2 << 3) | 1)
        store_pop(s, 2, 8)
    s.done()


def compare(c: Case, how: str) -> None:
    s = Seq(c)
    rng = c.rng
    a = exact(c)
    r = rng.random()
    b = a if r < 0.3 else float("nan") if r < 0.36 else exact(c)
    if how in ("m32", "m64", "m64p"):
        load(s, 0, f64(a))
        size = 4 if how == "m32" else 8
        lin = s.mem(0xD8 if size == 4 else 0xDC, 3 if how == "m64p" else 2, 1)
        c.plant_bytes(lin, f32(b) if size == 4 else f64(b))
    else:
        load(s, 0, f64(b))
        load(s, 1, f64(a))
        s.op(0xDE, 0xD9)  # fcompp
    s.op(0xDF, 0xE0)  # fnstsw ax
    # QEMU: FCOM with a quiet NaN does not set IE (the SDM raises #IA for any
    # NaN; Unicorn 2.0.1's x87 keeps few exception flags). The exception
    # flags, ES and B are masked; C0 C2 C3 and TOP stay checked.
    c.regs_mask[EAX] = 0xFFFF7F00
    s.done()


def unary(c: Case, ops: list[int]) -> None:
    s = Seq(c)
    load(s, 0, any64(c))
    s.op(*ops)
    store_pop(s, 1, 8)
    s.done()


def const(c: Case, op: int) -> None:
    s = Seq(c)
    s.op(0xD9, op)
    store_pop(s, 0, 8)
    s.done()


def xch(c: Case) -> None:
    s = Seq(c)
    load(s, 0, any64(c))
    load(s, 1, any64(c))
    s.op(0xD9, 0xC9)
    store_pop(s, 2, 8)
    store_pop(s, 3, 8)
    s.done()


def status(c: Case, how: str) -> None:
    s = Seq(c)
    load(s, 0, any64(c))
    if how == "fst":
        s.mem(0xDD, 2, 1)  # fst m64 (no pop)
        s.op(0xDF, 0xE0)
    elif how == "m16":
        s.mem(0xDD, 7, 1)  # fnstsw m16
    else:
        s.mem(0xD9, 7, 1)  # fnstcw m16
    s.done()


def register() -> None:
    for mode in MODES:
        m = f"/m{mode}"
        k = 1 if mode == 32 else 0.5
        n = lambda x: max(4, int(x * k))  # noqa: E731
        for src in (4, 8):
            for dst in (4, 8):
                add(f"fld_m{src * 8}_fstp_m{dst * 8}{m}", FAM, mode, lambda c, s=src, d=dst: roundtrip(c, s, d), n(60))
        for size in (2, 4):
            add(f"fild_m{size * 8}_fstp_m64{m}", FAM, mode, lambda c, z=size: fild(c, z), n(50))
            add(f"fistp_m{size * 8}{m}", FAM, mode, lambda c, z=size: fist(c, z, True), n(60))
            add(f"fist_m{size * 8}{m}", FAM, mode, lambda c, z=size: fist(c, z, False), n(30))
        for name in ARITH_REG:
            for size in (4, 8):
                add(f"f{name}_m{size * 8}{m}", FAM, mode, lambda c, nm=name, z=size: arith_mem(c, nm, z), n(40))
            for size in (2, 4):
                add(f"fi{name}_m{size * 8}int{m}", FAM, mode, lambda c, nm=name, z=size: arith_int(c, nm, z), n(16))
            add(f"f{name}_st0,st1{m}", FAM, mode, lambda c, nm=name: arith_reg(c, nm, "st0"), n(30))
            add(f"f{name}p_st1,st0{m}", FAM, mode, lambda c, nm=name: arith_reg(c, nm, "p"), n(30))
        for how in ("m32", "m64", "m64p", "compp"):
            nm = {"m32": "fcom_m32", "m64": "fcom_m64", "m64p": "fcomp_m64", "compp": "fcompp"}[how]
            add(f"{nm}_fnstsw{m}", FAM, mode, lambda c, h=how: compare(c, h), n(50))
        add(f"fchs{m}", FAM, mode, lambda c: unary(c, [0xD9, 0xE0]), n(30))
        add(f"fabs{m}", FAM, mode, lambda c: unary(c, [0xD9, 0xE1]), n(30))
        add(f"fld1{m}", FAM, mode, lambda c: const(c, 0xE8), 4)
        add(f"fldz{m}", FAM, mode, lambda c: const(c, 0xEE), 4)
        add(f"fxch{m}", FAM, mode, xch, n(30))
        add(f"fst_m64_fnstsw{m}", FAM, mode, lambda c: status(c, "fst"), n(20))
        add(f"fnstsw_m16{m}", FAM, mode, lambda c: status(c, "m16"), n(10))
        add(f"fnstcw_m16{m}", FAM, mode, lambda c: status(c, "cw"), n(10))
