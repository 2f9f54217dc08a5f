"""ALU family: the eight ALU operations in all encodings, INC/DEC, TEST,
NOT/NEG, LOCK forms and the flag instructions (SDM vol. 2: ADD...XOR, INC,
DEC, TEST, NOT, NEG, LOCK, CLC/STC/CMC/CLD/STD/CLI/STI, LAHF/SAHF).

Undefined flags: AF after AND/OR/XOR/TEST. Everything else is defined.
SALC (D6) is undocumented but present on every IA-32 processor: AL = CF ? FF : 00.
"""

from __future__ import annotations

from builder import AF, DF, EAX, IF, OF, PF, SF, Case, pick
from forms import ALU, LOGIC, MODES, add, e_operand, g_reg, osz, random_flags, rm_variants

FAM = "alu"
REG32 = ["eax", "ecx", "edx", "ebx", "esp", "ebp", "esi", "edi"]


def eg(c: Case, op: int, size: int, adsize: int | None, write: bool, undef: int) -> None:
    """op E,G or op G,E: both operands random."""
    c.opsize(size)
    c.emit(op)
    g = g_reg(c, size)
    c.set_reg(g, size, pick(c.rng, size))
    e = e_operand(c, g, size, adsize, write=write)
    e.set(pick(c.rng, size))
    c.undefined(undef)


def acc_imm(c: Case, op: int, size: int, undef: int) -> None:
    c.opsize(size)
    c.emit(op)
    c.set_reg(EAX, size, pick(c.rng, size))
    c.imm(pick(c.rng, size), size)
    c.undefined(undef)


def grp(c: Case, op: int, reg_field: int, size: int, adsize: int | None, imm: int, write: bool, undef: int) -> None:
    """Group opcodes: op E(,imm) with the operation in ModRM.reg."""
    c.opsize(size)
    c.emit(op)
    e = e_operand(c, reg_field, size, adsize, write=write)
    e.set(pick(c.rng, size))
    if imm:
        c.imm(pick(c.rng, imm), imm)
    c.undefined(undef)


def incdec_r(c: Case, op: int, size: int) -> None:
    c.opsize(size)
    c.emit(op)
    c.set_reg(op & 7, size, pick(c.rng, size))


def locked(c: Case, op: list[int], reg_field: int | None, adsize: int | None, imm: int, undef: int) -> None:
    size = 1 if op[-1] in (0x80, 0xFE) else 4
    c.prefix(0xF0)
    c.opsize(size)
    c.emit(*op)
    rf = reg_field
    if rf is None:
        rf = g_reg(c, size)
        # A BTS/BTR/BTC bit offset stays small: the memory operand is the
        # focus here (bit offsets are covered by the bits family).
        c.set_reg(rf, size, c.rng.randrange(32) if op[0] == 0x0F and op[1] in (0xAB, 0xB3, 0xBB) else pick(c.rng, size))
    e = e_operand(c, rf, size, adsize, avoid=(rf,) if op[0] == 0x0F else ())
    e.set(pick(c.rng, size))
    if imm:
        c.imm(pick(c.rng, imm), imm)
    if adsize is None:
        c.expect_exc = 6  # LOCK with a register destination: #UD
    c.undefined(undef)


BT_UNDEF = OF | SF | AF | PF

# Lockable instructions (SDM vol. 2, LOCK): name, opcode, ModRM.reg (None: a
# random G register), immediate size, undefined flags, and whether the
# register-destination form (#UD on Intel) is generated. QEMU disagrees on
# the register forms it executes instead of raising #UD: LOCK XOR r,r (31),
# LOCK XCHG r,r, LOCK XADD r,r; and LOCK BTS/BTR/BTC r,r abort Unicorn 2.0.1
# ("tcg fatal error"). Those register forms are not generated.
LOCK_OPS = [
    ("add", [0x01], None, 0, 0, True),
    ("or", [0x09], None, 0, AF, True),
    ("adc", [0x11], None, 0, 0, True),
    ("sbb", [0x19], None, 0, 0, True),
    ("and", [0x21], None, 0, AF, True),
    ("sub", [0x29], None, 0, 0, True),
    ("xor", [0x31], None, 0, AF, False),
    ("add_81", [0x81], 0, 4, 0, True),
    ("sub_83", [0x83], 5, 1, 0, True),
    ("xor_80", [0x80], 6, 1, AF, True),
    ("not", [0xF7], 2, 0, 0, True),
    # QEMU: LOCK NEG m computes SF and PF from the operand instead of the
    # result (plain NEG is right); only those two flags are masked.
    ("neg", [0xF7], 3, 0, SF | PF, True),
    ("inc", [0xFF], 0, 0, 0, True),
    ("dec", [0xFF], 1, 0, 0, True),
    ("incb", [0xFE], 0, 0, 0, True),
    ("xchg", [0x87], None, 0, 0, False),
    ("xadd", [0x0F, 0xC1], None, 0, 0, False),
    ("cmpxchg", [0x0F, 0xB1], None, 0, 0, True),
    ("bts", [0x0F, 0xAB], None, 0, BT_UNDEF, False),
    ("btr", [0x0F, 0xB3], None, 0, BT_UNDEF, False),
    ("btc", [0x0F, 0xBB], None, 0, BT_UNDEF, False),
    ("bts_ba", [0x0F, 0xBA], 5, 1, BT_UNDEF, False),
]


def register() -> None:
    for k, mn in enumerate(ALU):
        write = k != 7  # CMP only reads
        undef = AF if k in LOGIC else 0
        for mode, _, a, s in rm_variants(sizes=(1,)):
            add(f"{mn}_Eb,Gb{s}", FAM, mode, lambda c, k=k, a=a, w=write, u=undef: eg(c, 8 * k, 1, a, w, u), 14)
            add(f"{mn}_Gb,Eb{s}", FAM, mode, lambda c, k=k, a=a, u=undef: eg(c, 8 * k + 2, 1, a, False, u), 14)
        for mode, size, a, s in rm_variants():
            add(f"{mn}_Ev,Gv{s}", FAM, mode, lambda c, k=k, n=size, a=a, w=write, u=undef: eg(c, 8 * k + 1, n, a, w, u), 14)
            add(f"{mn}_Gv,Ev{s}", FAM, mode, lambda c, k=k, n=size, a=a, u=undef: eg(c, 8 * k + 3, n, a, False, u), 14)
        for mode in MODES:
            add(f"{mn}_AL,Ib/m{mode}", FAM, mode, lambda c, k=k, u=undef: acc_imm(c, 8 * k + 4, 1, u), 24)
            for size in (2, 4):
                add(f"{mn}_eAX,Iz/m{mode}/{osz(size)}", FAM, mode, lambda c, k=k, n=size, u=undef: acc_imm(c, 8 * k + 5, n, u), 24)
        # Group 1: 80 Eb,Ib; 81 Ev,Iz; 82 Eb,Ib (alias of 80); 83 Ev,Ib (sign-extended).
        for op in (0x80, 0x82):
            for mode, _, a, s in rm_variants(sizes=(1,)):
                add(f"{mn}_{op:02x}_Eb,Ib{s}", FAM, mode, lambda c, op=op, k=k, a=a, w=write, u=undef: grp(c, op, k, 1, a, 1, w, u), 10)
        for op, isz in ((0x81, 0), (0x83, 1)):
            for mode, size, a, s in rm_variants():
                name = f"{mn}_{op:02x}_Ev,{'Iz' if op == 0x81 else 'Ib'}{s}"
                add(name, FAM, mode, lambda c, op=op, k=k, n=size, a=a, i=isz, w=write, u=undef: grp(c, op, k, n, a, i or n, w, u), 10)

    # INC/DEC r16/r32 (40-4F): CF is preserved.
    for r in range(8):
        for dec in (0, 1):
            op = 0x40 + 8 * dec + r
            for mode in MODES:
                for size in (2, 4):
                    add(f"{'dec' if dec else 'inc'}_{REG32[r]}/m{mode}/{osz(size)}", FAM, mode, lambda c, op=op, n=size: incdec_r(c, op, n), 10)

    # Groups 3, 4, 5: TEST (F6/F7 /0), NOT, NEG, INC, DEC. F6/F7 /1 is an
    # undocumented alias of TEST on Intel and AMD parts (the SDM leaves the
    # slot blank); QEMU raises #UD for it, so it is not generated.
    unary = [
        ("inc", 0xFE, 0xFF, 0, 0, True, 0),
        ("dec", 0xFE, 0xFF, 1, 0, True, 0),
        ("test_imm", 0xF6, 0xF7, 0, 1, False, AF),
        ("not", 0xF6, 0xF7, 2, 0, True, 0),
        ("neg", 0xF6, 0xF7, 3, 0, True, 0),
    ]
    for name, opb, opv, rf, imm, write, undef in unary:
        for mode, _, a, s in rm_variants(sizes=(1,)):
            add(f"{name}_Eb{s}", FAM, mode, lambda c, o=opb, rf=rf, a=a, i=imm, w=write, u=undef: grp(c, o, rf, 1, a, i, w, u), 12)
        for mode, size, a, s in rm_variants():
            add(f"{name}_Ev{s}", FAM, mode, lambda c, o=opv, rf=rf, n=size, a=a, i=imm, w=write, u=undef: grp(c, o, rf, n, a, i * n, w, u), 12)

    # TEST E,G (84/85) and TEST AL/eAX,imm (A8/A9).
    for mode, size, a, s in rm_variants(sizes=(1, 2, 4)):
        op = 0x84 if size == 1 else 0x85
        add(f"test_E,G{s}{'/o8' if size == 1 else ''}", FAM, mode, lambda c, op=op, n=size, a=a: eg(c, op, n, a, False, AF), 14)
    for mode in MODES:
        for size in (1, 2, 4):
            add(f"test_acc,imm/m{mode}/{osz(size)}", FAM, mode, lambda c, n=size: acc_imm(c, 0xA8 if n == 1 else 0xA9, n, AF), 16)

    # LOCK: lockable read-modify-write forms with a memory destination run
    # normally; with a register destination they raise #UD. (QEMU also
    # accepts LOCK on non-lockable instructions, where Intel raises #UD:
    # those are not generated.)
    for name, op, rf, imm, undef, reg_form in LOCK_OPS:
        for mode in MODES:
            for a in (None, 2, 4) if reg_form else (2, 4):
                s = "reg" if a is None else f"a{a * 8}"
                add(
                    f"lock_{name}/m{mode}/{s}",
                    FAM,
                    mode,
                    lambda c, op=op, rf=rf, a=a, i=imm, u=undef: locked(c, op, rf, a, i, u),
                    8 if a else 4,
                    allow_exc=(6,),
                )

    # Flag instructions; CLD/STD/CLI/STI start from a random DF/IF.
    for name, op, extra in [
        ("clc", 0xF8, 0),
        ("stc", 0xF9, 0),
        ("cmc", 0xF5, 0),
        ("cld", 0xFC, DF),
        ("std", 0xFD, DF),
        ("cli", 0xFA, IF),
        ("sti", 0xFB, IF),
        ("lahf", 0x9F, 0),
        ("sahf", 0x9E, 0),
        ("salc", 0xD6, 0),
    ]:
        for mode in MODES:
            add(f"{name}/m{mode}", FAM, mode, lambda c, op=op, x=extra: flag_insn(c, op, x), 24)


def flag_insn(c: Case, op: int, extra: int) -> None:
    random_flags(c, extra)
    c.emit(op)
