"""Stack instructions: PUSH/POP r, PUSH imm, PUSH/POP Ev (incl. ESP-based
addresses), PUSH/POP Sreg, PUSHA/POPA, PUSHF/POPF, ENTER, LEAVE (SDM vol. 2).

The stack segment has its own base (0x30000), so a push through the wrong
segment is caught. In 16-bit code SS.B = 0: the stack pointer is SP and the
upper half of ESP is random and must survive.

POP Ev with an ESP-based address computes the address after ESP has been
incremented; PUSH Ev [esp+d] reads before the decrement.

PUSH Sreg with a 32-bit operand: Intel documents that recent processors
write only the low word of the dword slot; QEMU writes the zero-extended
selector. The upper two bytes are masked. POP Sreg is generated in real
mode only (a protected-mode pop is a descriptor load).

ENTER: the stack size picks BP or EBP as the frame pointer written at the
end (current SDM pseudocode, "IF StackSize = 32 THEN EBP <- FrameTemp ELSE
BP <- FrameTemp"), which QEMU follows; Bochs writes all of EBP. With a
32-bit operand on a 16-bit stack the upper half of EBP is therefore kept.

POPF: TF is kept clear in the popped image (a single-step trap would
follow the instruction). In real mode and at CPL 0 every other flag
(IOPL, NT, AC, ID, IF included) is writable; VIP, VIF, VM and RF are not.
"""

from __future__ import annotations

from builder import AC, ARITH, DF, EBP, ESP, ID, IF, IOPL, NT, SEG_BASE, SS, TF, Case, pick, put
from forms import MODES, add, e_operand, osz, rm_variants

FAM = "stack"
REG32 = ["eax", "ecx", "edx", "ebx", "esp", "ebp", "esi", "edi"]
SREG_PUSH = [("es", [0x06]), ("cs", [0x0E]), ("ss", [0x16]), ("ds", [0x1E]), ("fs", [0x0F, 0xA0]), ("gs", [0x0F, 0xA8])]
SREG_POP = [("es", [0x07]), ("ss", [0x17]), ("ds", [0x1F]), ("fs", [0x0F, 0xA1]), ("gs", [0x0F, 0xA9])]


def slot(c: Case, sp: int, delta: int) -> int:
    """Linear address of the stack slot at SP + delta."""
    mask = 0xFFFFFFFF if c.big else 0xFFFF
    return SEG_BASE[SS] + ((sp + delta) & mask)


def push_r(c: Case, op: int, size: int) -> None:
    c.stack()
    c.opsize(size)
    c.emit(op)


def push_imm(c: Case, op: int, size: int) -> None:
    c.stack()
    c.opsize(size)
    c.emit(op)
    c.imm(pick(c.rng, 1 if op == 0x6A else size), 1 if op == 0x6A else size)


def push_pop_e(c: Case, op: int, rf: int, size: int, adsize: int | None) -> None:
    c.stack()
    c.opsize(size)
    c.emit(op)
    e = e_operand(c, rf, size, adsize, write=op == 0x8F)
    e.set(pick(c.rng, size))


def esp_based(c: Case, op: int, rf: int, size: int) -> None:
    """PUSH/POP [esp+disp8] with 32-bit addressing."""
    sp = c.stack()
    if not c.big:
        c.regs[ESP] = sp  # the address uses all of ESP: keep it inside the segment
    c.opsize(size)
    c.adsize(4)
    c.emit(op, 0x44 | (rf << 3), 0x24, c.rng.randrange(-64, 64))
    c.pick_seg(SS, write=op == 0x8F)


def push_sreg(c: Case, op: list[int], size: int) -> None:
    sp = c.stack()
    c.opsize(size)
    c.emit(*op)
    if size == 4:
        c.mem_skip.append((slot(c, sp, -2), 2))


def pop_sreg(c: Case, op: list[int], size: int) -> None:
    c.stack()
    c.opsize(size)
    c.emit(*op)


def pusha(c: Case, op: int, size: int) -> None:
    c.stack()
    c.opsize(size)
    c.emit(op)


def pushf(c: Case, size: int) -> None:
    c.stack()
    c.eflags = 0x2 | (c.rng.getrandbits(22) & (ARITH | DF | IF | IOPL | NT | AC | ID))
    c.opsize(size)
    c.emit(0x9C)


def popf(c: Case, size: int) -> None:
    sp = c.stack()
    c.eflags = 0x2 | (c.rng.getrandbits(22) & (ARITH | DF | IF | IOPL | NT | AC | ID))
    c.opsize(size)
    c.emit(0x9D)
    c.plant_int(slot(c, sp, 0), c.rng.getrandbits(8 * size) & ~TF, size)


def enter(c: Case, size: int) -> None:
    c.stack(lo=0x3000)
    rng = c.rng
    bp = rng.randrange(0x2100, 0xFE00)
    c.regs[EBP] = bp if c.big else put(c.regs[EBP], 2, bp)
    c.opsize(size)
    r = rng.random()
    level = 0 if r < 0.35 else 1 if r < 0.55 else rng.randrange(2, 6) if r < 0.9 else rng.randrange(32, 40)
    frame = rng.choice([0, 2, 4, 8, 0x10, 0x20]) if rng.random() < 0.4 else rng.randrange(0, 0x1000)
    c.emit(0xC8)
    c.imm(frame, 2)
    c.imm(level, 1)


def leave(c: Case, size: int) -> None:
    c.stack()
    bp = c.rng.randrange(0x2000, 0xFE00)
    c.regs[EBP] = bp if c.big else put(c.regs[EBP], 2, bp)
    c.opsize(size)
    c.emit(0xC9)


def register() -> None:
    for mode in MODES:
        for size in (2, 4):
            o = f"/m{mode}/{osz(size)}"
            for r in range(8):
                add(f"push_{REG32[r]}{o}", FAM, mode, lambda c, r=r, z=size: push_r(c, 0x50 + r, z), 10)
                add(f"pop_{REG32[r]}{o}", FAM, mode, lambda c, r=r, z=size: push_r(c, 0x58 + r, z), 10)
            add(f"push_Iz{o}", FAM, mode, lambda c, z=size: push_imm(c, 0x68, z), 16)
            add(f"push_Ib{o}", FAM, mode, lambda c, z=size: push_imm(c, 0x6A, z), 16)
            add(f"push_Ev_esp{o}", FAM, mode, lambda c, z=size: esp_based(c, 0xFF, 6, z), 16)
            add(f"pop_Ev_esp{o}", FAM, mode, lambda c, z=size: esp_based(c, 0x8F, 0, z), 16)
            for name, op in SREG_PUSH:
                add(f"push_{name}{o}", FAM, mode, lambda c, op=op, z=size: push_sreg(c, op, z), 8)
            if mode == 16:
                for name, op in SREG_POP:
                    add(f"pop_{name}{o}", FAM, mode, lambda c, op=op, z=size: pop_sreg(c, op, z), 10)
            add(f"pusha{o}", FAM, mode, lambda c, z=size: pusha(c, 0x60, z), 20)
            add(f"popa{o}", FAM, mode, lambda c, z=size: pusha(c, 0x61, z), 20)
            add(f"pushf{o}", FAM, mode, lambda c, z=size: pushf(c, z), 20)
            add(f"popf{o}", FAM, mode, lambda c, z=size: popf(c, z), 40)
            add(f"enter{o}", FAM, mode, lambda c, z=size: enter(c, z), 60)
            add(f"leave{o}", FAM, mode, lambda c, z=size: leave(c, z), 24)
    for mode, size, a, s in rm_variants():
        add(f"push_Ev{s}", FAM, mode, lambda c, z=size, a=a: push_pop_e(c, 0xFF, 6, z, a), 12)
        add(f"pop_Ev{s}", FAM, mode, lambda c, z=size, a=a: push_pop_e(c, 0x8F, 0, z, a), 12)
