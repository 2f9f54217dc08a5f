"""The forms table: every instruction form the conformance vectors cover.

A form is one encoding of one instruction in one processor mode with one
operand size, address size and operand kind (register or memory), e.g.
"add_Ev,Gv/m32/o16/a16". Its builder fills a `Case` (builder.py) with the
instruction bytes and a random initial state from the case's own seeded
generator, and says which results are architecturally undefined (per the
Intel SDM vol. 2 instruction pages):

    c.undefined(FLAGS)        flags the SDM leaves undefined for this case
    c.regs_mask[r] = m        only the bits in m of register r are defined
    c.mem_skip += [(a, n)]    n bytes at linear a are undefined after the run

Where Unicorn (QEMU) disagrees with the SDM for something DEFINED, the
form is either not generated or only that detail is masked, and the case
is listed here (search for "QEMU:").

Disagreements between Unicorn 2.0.1 (QEMU) and the SDM found while
building the table. Each is handled where the form is defined:

  * LOCK NEG m (f_alu): QEMU computes SF and PF from the operand instead of
    the result; those two flags are masked for LOCK NEG.
  * LOCK (f_alu): Intel raises #UD for LOCK on a non-lockable instruction
    (MOV, CMP, BT, string ops...) or with a register destination; QEMU runs
    LOCK MOV/CMP/BT/..., LOCK XOR r,r (31 /r), LOCK XCHG r,r and LOCK XADD
    r,r, and LOCK BTS/BTR/BTC r,r abort Unicorn. Not generated; the
    lockable memory forms and the register forms where both raise #UD are.
  * RET imm16 (f_control): QEMU sign-extends the immediate; with a 32-bit
    stack pointer only immediates below 0x8000 are generated.
  * FCOM/FCOMP/FCOMPP with a quiet NaN (f_x87): QEMU leaves IE clear, the
    SDM raises #IA (IE) for any NaN; the exception flags, ES and B in the
    FNSTSW AX result are masked for compare vectors.
  * BSWAP r16 (f_bits): undefined result; QEMU swaps all 32 bits. The
    register is masked.
  * PUSH Sreg with a 32-bit operand (f_stack): QEMU writes the zero-extended
    dword, the SDM allows a 16-bit write; the upper two bytes are masked.
  * F6/F7 /1, the undocumented TEST alias (f_alu): QEMU raises #UD. Not
    generated.
  * 8F /1../7 (f_misc): QEMU executes POP; an i686 raises #UD. Not generated.
  * 0F 0D and 0F 18 with mod = 3 (f_misc): QEMU raises #UD, popek treats
    0F 0D and 0F 18..1F as NOP Ev. Only memory forms generated.
  * C4/C5 mod = 3 in 32-bit code (VEX), C6/C7 /7 (XABORT/XBEGIN), 0F 05,
    0F 38/3A (f_misc): defined for QEMU, #UD on an i686. Not generated.
  * 32-bit IDIV of 8000000000000000h by -1 (f_muldiv): Unicorn dies with a
    host SIGFPE. Neighbouring overflow cases are generated instead.
  * FF /3 and FF /5 with mod = 3 abort Unicorn ("tcg fatal error"); far
    transfers are out of scope anyway.
  * QEMU checks no segment limits and lets protected-mode code write
    through a CS override: the generator keeps every access inside the
    segments' 64 KiB blocks and never writes through CS in 32-bit code.

Unicorn (not QEMU) problems worked around in emu.py/gen.py: memory hooks
corrupt TCG temporaries (results come from a hook-free run), the interrupt
hook leaves QEMU's "exception in flight" state behind (a saved context is
restored before every case), instruction counting counts REP iterations
(repeated string instructions run until EIP leaves them).
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field

from builder import ARITH, SEG_BASE, Case


@dataclass
class Form:
    id: str
    family: str
    mode: int
    build: Callable[[Case], None]
    count: int
    # Exceptions the instruction may legitimately raise (anything else is
    # reported as a generator problem).
    allow_exc: frozenset[int] = field(default_factory=frozenset)


FORMS: list[Form] = []

# Per-family multipliers on the per-form counts written in the family modules
# (tuned so the whole set is ~117k vectors and stays under ~15 MB compressed).
FAMILY_SCALE = {"alu": 2.0, "shift": 2.0, "muldiv": 2.5, "bcd": 1.0, "bits": 2.0, "data": 2.0, "stack": 3.0, "control": 2.5, "string": 3.0, "x87": 1.5, "misc": 1.5}


def add(id: str, family: str, mode: int, build: Callable[[Case], None], count: int, allow_exc=()) -> None:
    n = max(1, round(count * FAMILY_SCALE.get(family, 1.0)))
    FORMS.append(Form(id, family, mode, build, n, frozenset(allow_exc)))


MODES = (16, 32)
ALU = ["add", "or", "adc", "sbb", "and", "sub", "xor", "cmp"]
CC = ["o", "no", "b", "ae", "e", "ne", "be", "a", "s", "ns", "p", "np", "l", "ge", "le", "g"]
LOGIC = {1, 4, 6}  # or, and, xor: AF undefined


def osz(size: int) -> str:
    return f"o{size * 8}"


def rm_variants(sizes=(2, 4), modes=MODES, mem=True, reg=True):
    """(mode, size, adsize or None, id suffix) for an E operand."""
    for mode in modes:
        for size in sizes:
            s = f"/m{mode}" + (f"/{osz(size)}" if size != 1 else "")
            if reg:
                yield mode, size, None, s + "/reg"
            if mem:
                for a in (2, 4):
                    yield mode, size, a, s + f"/a{a * 8}"


# --- operand helpers ---------------------------------------------------------


class E:
    """Where the ModRM r/m operand of a case lives."""

    def __init__(self, c: Case, size: int, reg: int | None = None, seg: int = 0, off: int = 0):
        self.c = c
        self.size = size
        self.reg = reg
        self.seg = seg
        self.off = off

    @property
    def lin(self) -> int:
        return SEG_BASE[self.seg] + self.off

    def set(self, v: int) -> None:
        if self.reg is not None:
            self.c.set_reg(self.reg, self.size, v)
        else:
            self.c.plant_int(self.lin, v, self.size)


def e_operand(
    c: Case,
    reg_field: int,
    size: int,
    adsize: int | None,
    write: bool = True,
    avoid=(),
    off: int | None = None,
    any_offset: bool = False,
    rm: int | None = None,
) -> E:
    """Emit ModRM for an r/m operand (register when adsize is None)."""
    if adsize is None:
        if rm is None:
            choices = [r for r in range(8) if r not in avoid and (size == 1 or r not in c.reserved)]
            if size == 1:
                choices = [r for r in range(8) if (r & 3) not in avoid and (r & 3) not in c.reserved]
            rm = c.rng.choice(choices)
        c.modrm_reg(reg_field, rm)
        return E(c, size, reg=rm)
    seg, o = c.modrm_mem(reg_field, size, adsize, write=write, avoid=set(avoid), off=off, any_offset=any_offset)
    return E(c, size, seg=seg, off=o)


def g_reg(c: Case, size: int, avoid=()) -> int:
    if size == 1:
        return c.rng.choice([r for r in range(8) if (r & 3) not in avoid and (r & 3) not in c.reserved])
    return c.rng.choice([r for r in range(8) if r not in avoid and r not in c.reserved])


def random_flags(c: Case, extra: int = 0) -> None:
    c.eflags = 0x2 | (c.rng.getrandbits(22) & (ARITH | extra))







def all_forms() -> list[Form]:
    """Build the table once (family modules register their forms through `add`)."""
    if not FORMS:
        import f_alu
        import f_bcd
        import f_bits
        import f_control
        import f_data
        import f_misc
        import f_muldiv
        import f_shift
        import f_stack
        import f_string
        import f_x87

        for m in (f_alu, f_shift, f_muldiv, f_bcd, f_bits, f_data, f_stack, f_control, f_string, f_x87, f_misc):
            m.register()
        seen: set[str] = set()
        dup = {f.id for f in FORMS if f.id in seen or seen.add(f.id)}
        if dup:
            raise RuntimeError(f"duplicate form ids: {sorted(dup)[:5]}")
    return FORMS
