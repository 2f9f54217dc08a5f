"""Runs one case on Unicorn (QEMU's x86 core) and records the outcome.

One `Emu` per processor mode and kind is reused for every case: memory is
2 MiB at linear 0, zero except the code and the windows of the current
case, and those bytes are cleared again after the run.

Two kinds: a probing Emu has memory hooks that record every data access,
so the caller can grow the case's memory windows until every byte the
instruction touches was initialised (see gen.py); a clean Emu has no
memory hooks and produces the recorded outcome. Unicorn 2.0.1's memory
hooks corrupt TCG temporaries: with them installed, SHL/SHR/SAR by CL and
SHLD/SHRD on a memory operand compute CF and OF wrongly about half the
time (measured against the register forms and the SDM), so results are
never taken from a hooked run.
"""

from __future__ import annotations

import struct

from unicorn import (
    UC_ARCH_X86,
    UC_ERR_FETCH_UNMAPPED,
    UC_ERR_INSN_INVALID,
    UC_HOOK_INTR,
    UC_HOOK_MEM_READ,
    UC_HOOK_MEM_WRITE,
    UC_MEM_WRITE,
    UC_MODE_16,
    UC_MODE_32,
    Uc,
    UcError,
)
from unicorn.x86_const import (
    UC_X86_REG_CS,
    UC_X86_REG_DS,
    UC_X86_REG_EAX,
    UC_X86_REG_EBP,
    UC_X86_REG_EBX,
    UC_X86_REG_ECX,
    UC_X86_REG_EDI,
    UC_X86_REG_EDX,
    UC_X86_REG_EFLAGS,
    UC_X86_REG_EIP,
    UC_X86_REG_ES,
    UC_X86_REG_ESI,
    UC_X86_REG_ESP,
    UC_X86_REG_FS,
    UC_X86_REG_GDTR,
    UC_X86_REG_GS,
    UC_X86_REG_SS,
)

from builder import SEG_BASE, SEL16, SEL32

RAM = 0x200000
REGS = [UC_X86_REG_EAX, UC_X86_REG_ECX, UC_X86_REG_EDX, UC_X86_REG_EBX, UC_X86_REG_ESP, UC_X86_REG_EBP, UC_X86_REG_ESI, UC_X86_REG_EDI]
SEGS = [UC_X86_REG_ES, UC_X86_REG_CS, UC_X86_REG_SS, UC_X86_REG_DS, UC_X86_REG_FS, UC_X86_REG_GS]
GDT_ADDR = 0x800  # Unicorn-side only: the instructions under test never read it
FNINIT_ADDR = 0x1800  # FNINIT runs here before x87 cases (the test harness does the same)


def _desc(base: int, limit: int, access: int, flags: int) -> bytes:
    return struct.pack("<HHBBBB", limit & 0xFFFF, base & 0xFFFF, (base >> 16) & 0xFF, access, ((limit >> 16) & 0xF) | (flags << 4), base >> 24)


class Outcome:
    def __init__(self) -> None:
        self.regs: list[int] = []
        self.eip = 0
        self.eflags = 0
        self.segs: list[int] = []
        self.exc: int | None = None
        self.reads: list[tuple[int, int]] = []
        self.writes: list[tuple[int, int]] = []
        self.written: dict[int, int] = {}
        self.error: str | None = None


class Emu:
    def __init__(self, mode: int, hooks: bool):
        self.mode = mode
        uc = Uc(UC_ARCH_X86, UC_MODE_16 if mode == 16 else UC_MODE_32)
        uc.mem_map(0, RAM)
        self.uc = uc
        self.sels = SEL16 if mode == 16 else SEL32
        if mode == 32:
            gdt = bytearray(8 * 8)
            gdt[8:16] = _desc(0, 0xFFFFF, 0x9B, 0xC)  # 0x08: flat code
            for seg, sel in enumerate(SEL32):
                if seg != 1:
                    gdt[sel : sel + 8] = _desc(SEG_BASE[seg], 0xFFFFF, 0x93, 0xC)
            uc.mem_write(GDT_ADDR, bytes(gdt))
            uc.reg_write(UC_X86_REG_GDTR, (0, GDT_ADDR, len(gdt) - 1, 0))
            uc.reg_write(UC_X86_REG_CS, SEL32[1])
        uc.mem_write(FNINIT_ADDR, bytes([0xDB, 0xE3]))  # fninit
        self.acc: list[tuple[bool, int, int]] = []
        self.intr: list[int] = []
        if hooks:
            uc.hook_add(UC_HOOK_MEM_READ | UC_HOOK_MEM_WRITE, self._on_mem)
        uc.hook_add(UC_HOOK_INTR, self._on_intr)
        self.dirty: list[tuple[int, int]] = []
        self.load_segs()
        # Every case starts from this CPU context. Besides making cases
        # independent, it matters after an exception: Unicorn's interrupt
        # hook skips delivery, so QEMU still remembers the exception "in
        # flight" and would turn the next contributory fault into #DF.
        self.ctx = uc.context_save()

    def _on_mem(self, uc, access, addr, size, value, data) -> None:
        self.acc.append((access == UC_MEM_WRITE, addr, size))

    def _on_intr(self, uc, intno, data) -> None:
        self.intr.append(intno)
        uc.emu_stop()

    def load_segs(self) -> None:
        uc = self.uc
        for seg, reg in enumerate(SEGS):
            if seg == 1:
                continue  # CS stays 0 / 0x08 (Unicorn cannot reload CS base in real mode)
            uc.reg_write(reg, self.sels[seg])

    def run(
        self,
        code: bytes,
        code_addr: int,
        regs: list[int],
        eflags: int,
        mem: dict[int, int],
        steps: int,
        rep: bool,
        fpu: bool,
        watch: list[int] | None = None,
    ) -> Outcome:
        """Run one case. `watch`: addresses whose final bytes go into `written` (clean runs)."""
        uc = self.uc
        # Clear what the previous case left behind.
        for addr, n in self.dirty:
            uc.mem_write(addr, bytes(n))
        self.dirty = []
        uc.context_restore(self.ctx)
        uc.mem_write(code_addr, code)
        uc.ctl_remove_cache(code_addr, code_addr + len(code) + 16)
        self.dirty.append((code_addr, len(code)))
        for addr, data in runs(mem):
            uc.mem_write(addr, data)
            self.dirty.append((addr, len(data)))
        self.load_segs()
        if fpu:
            uc.emu_start(FNINIT_ADDR, FNINIT_ADDR + 2, count=1)
        for r, v in zip(REGS, regs):
            uc.reg_write(r, v)
        uc.reg_write(UC_X86_REG_EFLAGS, eflags)
        self.acc = []
        self.intr = []
        out = Outcome()
        try:
            if rep:
                # A repeated string instruction is one instruction, but QEMU
                # counts each iteration: run until EIP leaves it instead.
                uc.emu_start(code_addr, code_addr + len(code), count=1000)
            else:
                uc.emu_start(code_addr, code_addr + len(code), count=steps)
        except UcError as e:
            if e.errno == UC_ERR_INSN_INVALID and not self.intr:
                out.exc = 6
            elif e.errno == UC_ERR_FETCH_UNMAPPED:
                out.error = "fetch-unmapped"
            else:
                out.error = str(e)
        if self.intr:
            out.exc = self.intr[0]
        out.regs = [uc.reg_read(r) & 0xFFFFFFFF for r in REGS]
        out.eip = uc.reg_read(UC_X86_REG_EIP) & 0xFFFFFFFF
        out.eflags = uc.reg_read(UC_X86_REG_EFLAGS) & 0xFFFFFFFF
        out.segs = [uc.reg_read(r) & 0xFFFF for r in SEGS]
        for w, addr, size in self.acc:
            (out.writes if w else out.reads).append((addr, size))
        for addr, size in out.writes:
            try:
                data = uc.mem_read(addr, size)
            except UcError:
                out.error = f"write to unmapped {addr:#x}"
                continue
            self.dirty.append((addr, size))
            for k in range(size):
                out.written[addr + k] = data[k]
        if watch:
            for addr, data in runs({a: 0 for a in watch}):
                final = uc.mem_read(addr, len(data))
                for k in range(len(data)):
                    out.written[addr + k] = final[k]
        return out


def runs(mem: dict[int, int]) -> list[tuple[int, bytes]]:
    """Group a byte map into (address, bytes) runs of consecutive addresses."""
    out: list[tuple[int, bytes]] = []
    cur_addr = -2
    cur = bytearray()
    for a in sorted(mem):
        if a != cur_addr + len(cur):
            if cur:
                out.append((cur_addr, bytes(cur)))
            cur_addr = a
            cur = bytearray()
        cur.append(mem[a])
    if cur:
        out.append((cur_addr, bytes(cur)))
    return out
