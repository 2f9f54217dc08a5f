"""Case builder: encodes one test instruction and chooses its initial state.

A `Case` collects the instruction bytes (prefixes in random order, opcode,
ModRM/SIB/displacement, immediates), the initial registers and flags, bytes
planted in memory, and the masks that say which parts of the result are
architecturally defined. The emulator run (emu.py) fills in the rest of
memory and the expected results.

Memory layout shared by the generator and the test harness (linear
addresses; RAM is 2 MiB, zero outside the recorded windows):

    0x00000-0x0ffff  CS (base 0): code at 0x1000 (control-flow forms also use
                     0xfff0 in 16-bit code and 0x10fff8 in 32-bit code)
    0x10000-0x1ffff  DS          0x70000-0x7ffff  FS
    0x30000-0x3ffff  ES          0x90000-0x9ffff  GS
    0x50000-0x5ffff  SS

Each data segment has its own base, so using the wrong segment (a missed
override, BP-based addressing not defaulting to SS, a string destination
not in ES) reads or writes a different address and is caught. In 16-bit
code the selectors are base >> 4 (real mode); in 32-bit code they are GDT
selectors of flat 4 GiB segments with those bases. Every data offset stays
below 0x10000 so no access crosses a segment's 64 KiB block (real mode
limits; QEMU does not check limits at all, so the generator must avoid
them). The 64 KiB blocks between the segments are never accessed: an
offset that overflowed 0xffff lands there and the generator rejects the
case.
"""

from __future__ import annotations

import random

EAX, ECX, EDX, EBX, ESP, EBP, ESI, EDI = range(8)
ES, CS, SS, DS, FS, GS = range(6)
SEG_PREFIX = [0x26, 0x2E, 0x36, 0x3E, 0x64, 0x65]
SEG_NAMES = ["es", "cs", "ss", "ds", "fs", "gs"]

# Segment bases (linear) and selectors, per mode.
SEG_BASE = [0x30000, 0x0, 0x50000, 0x10000, 0x70000, 0x90000]
SEL16 = [b >> 4 for b in SEG_BASE]
SEL32 = [0x18, 0x08, 0x20, 0x10, 0x28, 0x30]

CODE_ADDR = 0x1000

# EFLAGS bits.
CF, PF, AF, ZF, SF, TF, IF, DF, OF = 0x1, 0x4, 0x10, 0x40, 0x80, 0x100, 0x200, 0x400, 0x800
IOPL, NT, RF, VM, AC, VIF, VIP, ID = 0x3000, 0x4000, 0x10000, 0x20000, 0x40000, 0x80000, 0x100000, 0x200000
ARITH = CF | PF | AF | ZF | SF | OF
# Every EFLAGS bit the harness compares by default (RF and VM are never
# touched by the instructions under test and Unicorn does not model RF).
ALL_FLAGS = ARITH | TF | IF | DF | IOPL | NT | AC | VIF | VIP | ID

SIZE_MASK = {1: 0xFF, 2: 0xFFFF, 4: 0xFFFFFFFF}
SIZE_SIGN = {1: 0x80, 2: 0x8000, 4: 0x80000000}

# Data offsets inside a segment: clear of the code at CS:0x1000 and of the
# 64 KiB end.
OFF_LO = 0x2000
OFF_HI = 0xFFE0


class GenError(Exception):
    """The random draw produced an unusable case; the caller retries."""


def edge_values(size: int) -> list[int]:
    m = SIZE_MASK[size]
    s = SIZE_SIGN[size]
    return [0, 1, 2, m, m - 1, s - 1, s, s + 1, s >> 1, 0x55555555 & m, 0xAAAAAAAA & m]


def pick(rng: random.Random, size: int, edge: float = 0.35) -> int:
    """An operand value of `size` bytes: an edge case or random (small values sometimes)."""
    r = rng.random()
    if r < edge:
        return rng.choice(edge_values(size))
    if r < edge + 0.1:
        return rng.randrange(0, 17)
    return rng.getrandbits(8 * size)


def put(full: int, size: int, v: int, high8: bool = False) -> int:
    """Replace the low `size` bytes of a 32-bit register value (or bits 8-15)."""
    if high8:
        return (full & ~0xFF00) | ((v & 0xFF) << 8)
    m = SIZE_MASK[size]
    return (full & ~m & 0xFFFFFFFF) | (v & m)


class Case:
    """One test case under construction."""

    def __init__(self, rng: random.Random, mode: int):
        self.rng = rng
        self.mode = mode
        self.regs = [rng.getrandbits(32) for _ in range(8)]
        self.eflags = 0x2 | (rng.getrandbits(12) & ARITH)
        self.prefixes: list[int] = []
        self.body = bytearray()
        self.plant: dict[int, int] = {}
        self.flags_mask = ALL_FLAGS
        self.regs_mask = [0xFFFFFFFF] * 8
        self.mem_skip: list[tuple[int, int]] = []
        self.steps = 1
        self.rep = False
        self.control = False
        self.fpu = False
        self.expect_exc: int | None = None
        self.code_addr = CODE_ADDR
        self.reserved: set[int] = set()
        self.stack_ok = False

    # --- sizes and prefixes ---------------------------------------------

    @property
    def big(self) -> bool:
        return self.mode == 32

    def opsize(self, size: int) -> None:
        """Request operand size 2 or 4 (adds 66 when it is not the default)."""
        if size in (2, 4) and (size == 4) != self.big:
            self.prefixes.append(0x66)

    def adsize(self, size: int) -> None:
        if (size == 4) != self.big:
            self.prefixes.append(0x67)

    def prefix(self, *b: int) -> None:
        self.prefixes.extend(b)

    def emit(self, *b: int) -> None:
        self.body.extend(x & 0xFF for x in b)

    def imm(self, v: int, size: int) -> None:
        self.body.extend((v & SIZE_MASK[size]).to_bytes(size, "little"))

    def code(self) -> bytes:
        p = list(self.prefixes)
        self.rng.shuffle(p)
        return bytes(p) + bytes(self.body)

    # --- registers ------------------------------------------------------

    def set_reg(self, r: int, size: int, v: int) -> None:
        """Write `size` bytes of register `r` (size 1 uses the AL..BH encoding)."""
        if size == 1:
            self.regs[r & 3] = put(self.regs[r & 3], 1, v, high8=r >= 4)
        else:
            self.regs[r] = put(self.regs[r], size, v)

    def set_flags(self, bits: int, mask: int = ARITH) -> None:
        self.eflags = (self.eflags & ~mask) | (bits & mask) | 0x2

    def undefined(self, flags: int) -> None:
        """Mark flags as architecturally undefined for this case."""
        self.flags_mask &= ~flags

    def seg_base(self, seg: int) -> int:
        return SEG_BASE[seg]

    def plant_bytes(self, lin: int, data: bytes) -> None:
        for k, b in enumerate(data):
            self.plant[lin + k] = b

    def plant_int(self, lin: int, v: int, size: int) -> None:
        self.plant_bytes(lin, (v & ((1 << (8 * size)) - 1)).to_bytes(size, "little"))

    def stack(self, lo: int = 0x2000, hi: int = 0xFE00) -> int:
        """Put the stack pointer somewhere in SS and return it (SP in 16-bit code)."""
        self.stack_ok = True
        sp = self.rng.randrange(lo, hi)
        if self.rng.random() < 0.5:
            sp &= ~3
        if self.big:
            self.regs[ESP] = sp
        else:
            self.regs[ESP] = put(self.regs[ESP], 2, sp)
        self.reserved.add(ESP)
        return sp

    # --- operands ---------------------------------------------------------

    def modrm_reg(self, reg: int, rm: int) -> None:
        self.emit(0xC0 | (reg << 3) | rm)

    def pick_seg(self, default: int, write: bool, override: float = 0.3) -> int:
        """Maybe add a segment-override prefix; return the segment used."""
        if self.rng.random() >= override:
            return default
        choices = [ES, CS, SS, DS, FS, GS]
        if write and self.big:
            # A write through CS faults in protected mode (code segments are
            # not writable); QEMU does not check, so never generate it.
            choices.remove(CS)
        seg = self.rng.choice(choices)
        self.prefixes.append(SEG_PREFIX[seg])
        return seg

    def target(self, size: int) -> int:
        r = self.rng.random()
        if r < 0.05:
            return OFF_LO
        if r < 0.1:
            return OFF_HI - size
        return self.rng.randrange(OFF_LO, OFF_HI - size)

    def modrm_mem(
        self,
        reg: int,
        size: int,
        adsize: int,
        write: bool = False,
        avoid: set[int] | None = None,
        off: int | None = None,
        any_offset: bool = False,
        override: float = 0.3,
        no_seg_override: bool = False,
    ) -> tuple[int, int]:
        """
        Emit a ModRM memory operand of `adsize` addressing and choose the
        base/index registers so that the effective address is `off` (random
        in the data range if None). Returns (segment, offset); the linear
        address is SEG_BASE[seg] + offset.
        """
        rng = self.rng
        avoid = set(avoid or ()) | self.reserved
        self.adsize(adsize)
        if adsize == 4:
            seg, o = self._mem32(reg, size, avoid, off, any_offset)
        else:
            seg, o = self._mem16(reg, size, avoid, off, any_offset)
        if not no_seg_override:
            seg = self.pick_seg(seg, write, override)
        return seg, o

    def _mem32(self, reg: int, size: int, avoid: set[int], off: int | None, any_offset: bool) -> tuple[int, int]:
        rng = self.rng
        t = off if off is not None else (rng.getrandbits(32) if any_offset else self.target(size))
        t &= 0xFFFFFFFF
        usable = [r for r in range(8) if r not in avoid]
        index_ok = [r for r in usable if r != ESP]
        kind = rng.choice(["disp", "base", "base", "sib", "sib", "sib", "index"])
        if not usable:
            kind = "disp"
        if kind in ("sib", "index") and not index_ok:
            kind = "base"
        mod = rng.choice([0, 1, 2])
        disp = 0
        if kind == "disp":
            self.emit((reg << 3) | 5)
            self.imm(t, 4)
            return DS, t
        if kind == "index":
            # SIB with no base: [index*scale + disp32].
            idx = rng.choice(index_ok)
            scale = rng.randrange(4)
            disp = rng.getrandbits(32) if rng.random() < 0.7 else rng.randrange(-128, 128) & 0xFFFFFFFF
            self.emit((reg << 3) | 4, (scale << 6) | (idx << 3) | 5)
            self.imm(disp, 4)
            x = (t - disp) & 0xFFFFFFFF
            if scale == 0:
                self.regs[idx] = x
            else:
                # index << scale == x (mod 2^32): x must be a multiple of 1 << scale.
                low = x & ((1 << scale) - 1)
                if low:
                    t = (t - low) & 0xFFFFFFFF
                    x -= low
                self.regs[idx] = ((x >> scale) | (rng.getrandbits(scale) << (32 - scale))) & 0xFFFFFFFF
            return DS, t
        base = rng.choice(usable)
        if kind == "base" and base == ESP:
            kind = "sib"  # [esp] needs a SIB byte anyway
        if mod == 0 and base == EBP:
            mod = 1  # mod 0 with base EBP means disp32 without a base
        if mod == 1:
            disp = rng.randrange(-128, 128)
        elif mod == 2:
            disp = rng.getrandbits(32) if rng.random() < 0.5 else rng.randrange(-0x8000, 0x8000)
        defseg = SS if base in (ESP, EBP) else DS
        if kind == "base":
            self.emit((mod << 6) | (reg << 3) | base)
            idx = -1
            scale = 0
        else:
            idx = rng.choice(index_ok + [ESP]) if rng.random() < 0.9 else 4  # index 4 = none
            if idx == ESP:
                idx = -1
            scale = rng.randrange(4)
            self.emit((mod << 6) | (reg << 3) | 4, (scale << 6) | ((idx if idx >= 0 else 4) << 3) | base)
        if mod == 1:
            self.imm(disp, 1)
        elif mod == 2:
            self.imm(disp, 4)
        x = (t - disp) & 0xFFFFFFFF
        if idx < 0:
            self.regs[base] = x
        elif idx == base:
            if scale == 0:
                if x & 1:
                    t = (t - 1) & 0xFFFFFFFF
                    x = (x - 1) & 0xFFFFFFFF
                self.regs[base] = ((x >> 1) | (rng.getrandbits(1) << 31)) & 0xFFFFFFFF
            else:
                inv = pow(1 + (1 << scale), -1, 1 << 32)
                self.regs[base] = (x * inv) & 0xFFFFFFFF
        else:
            iv = pick(rng, 4) if rng.random() < 0.5 else rng.randrange(0, 0x1000)
            self.regs[idx] = iv
            self.regs[base] = (x - (iv << scale)) & 0xFFFFFFFF
        return defseg, t

    def _mem16(self, reg: int, size: int, avoid: set[int], off: int | None, any_offset: bool) -> tuple[int, int]:
        rng = self.rng
        t = off if off is not None else (rng.getrandbits(16) if any_offset else self.target(size))
        t &= 0xFFFF
        # rm -> (base, index) in BX BP SI DI terms.
        table = [(EBX, ESI), (EBX, EDI), (EBP, ESI), (EBP, EDI), (ESI, -1), (EDI, -1), (EBP, -1), (EBX, -1)]
        rms = [rm for rm in range(8) if table[rm][0] not in avoid and table[rm][1] not in avoid]
        mod = rng.choice([0, 1, 2])
        if not rms or (mod == 0 and rng.random() < 0.12):
            self.emit((reg << 3) | 6)
            self.imm(t, 2)
            return DS, t
        rm = rng.choice(rms)
        if mod == 0 and rm == 6:
            mod = 1
        disp = 0
        if mod == 1:
            disp = rng.randrange(-128, 128)
        elif mod == 2:
            disp = rng.getrandbits(16)
        self.emit((mod << 6) | (reg << 3) | rm)
        if mod == 1:
            self.imm(disp, 1)
        elif mod == 2:
            self.imm(disp, 2)
        base, idx = table[rm]
        x = (t - disp) & 0xFFFF
        if idx >= 0:
            iv = rng.getrandbits(16)
            self.regs[idx] = put(self.regs[idx], 2, iv)
            x = (x - iv) & 0xFFFF
        self.regs[base] = put(self.regs[base], 2, x)
        return (SS if base == EBP else DS), t

    # --- result ---------------------------------------------------------------

    def linear(self, seg: int, off: int) -> int:
        return SEG_BASE[seg] + off
