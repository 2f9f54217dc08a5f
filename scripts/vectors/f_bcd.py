"""BCD adjustments: DAA DAS AAA AAS AAM AAD (SDM vol. 2).

Undefined per the SDM: DAA/DAS leave OF undefined; AAA/AAS leave OF SF ZF
PF undefined; AAM/AAD leave OF AF CF undefined. AAM with a zero immediate
raises #DE.
"""

from __future__ import annotations

from builder import AF, CF, EAX, OF, PF, SF, ZF, Case
from forms import MODES, add, random_flags

FAM = "bcd"


def adjust(c: Case, op: int, undef: int, imm: bool) -> None:
    random_flags(c)
    c.set_reg(EAX, 2, c.rng.getrandbits(16))
    c.emit(op)
    if imm:
        r = c.rng.random()
        c.imm(10 if r < 0.5 else 0 if r < 0.58 else c.rng.randrange(1, 256), 1)
    c.undefined(undef)


def register() -> None:
    for mode in MODES:
        for mn, op, undef in (("daa", 0x27, OF), ("das", 0x2F, OF), ("aaa", 0x37, OF | SF | ZF | PF), ("aas", 0x3F, OF | SF | ZF | PF)):
            add(f"{mn}/m{mode}", FAM, mode, lambda c, op=op, u=undef: adjust(c, op, u, False), 600)
        add(f"aam_Ib/m{mode}", FAM, mode, lambda c: adjust(c, 0xD4, OF | AF | CF, True), 300, allow_exc=(0,))
        add(f"aad_Ib/m{mode}", FAM, mode, lambda c: adjust(c, 0xD5, OF | AF | CF, True), 300)
