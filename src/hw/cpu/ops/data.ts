/**
 * Data movement (SDM vol. 2): MOV in all its forms (registers, memory,
 * moffs, immediates, segment registers), LEA, XCHG, XADD, CMPXCHG,
 * CMPXCHG8B, CMOVcc, SETcc, MOVZX/MOVSX, the sign extensions CBW/CWD, XLAT,
 * LAHF/SAHF, the flag bit instructions (CMC CLC STC CLD STD), far-pointer
 * loads (LES LDS LSS LFS LGS), BOUND, INC/DEC Eb (group 4), and the NOP
 * forms that carry a ModRM operand.
 */
import { type Cpu, CS, DS, EAX, EBX, ECX, EDX, ES, FS, GS, SS } from "../cpu.js";
import { CpuFault, ud, Vec } from "../fault.js";
import { AF, CF, DF, getCF, lazyAdd, lazySub, PF, SF, setFlags, testCC, ZF } from "../flags.js";
import type { Insn } from "../insn.js";
import { ea, mask, readE, sext, writeE } from "../operands.js";
import { loadSegment } from "../segments.js";
import { incDec } from "./alu.js";
import { define, type HandlerTable } from "./table.js";

/** LAHF/SAHF move these five flags (SDM vol. 2, "SAHF"). */
const AH_FLAGS = SF | ZF | AF | PF | CF;

/** MOV Sreg,Ew: CS cannot be loaded this way, and reg 6–7 name no register (#UD). */
function movToSeg(cpu: Cpu, i: Insn): void {
  const seg = i.reg;
  if (seg === CS || seg > GS) throw ud();
  const sel = readE(cpu, i, 2);
  loadSegment(cpu, seg, sel);
  // A load of SS holds off interrupts for one instruction so that the
  // following load of ESP completes the stack switch (SDM vol. 3, 6.8.3).
  if (seg === SS) cpu.inhibitInterrupts = true;
}

/** MOV Ew,Sreg: a 32-bit register destination gets the selector zero-extended (P6+); memory always 16 bits. */
function movFromSeg(cpu: Cpu, i: Insn): void {
  if (i.reg > GS) throw ud();
  const sel = cpu.segSel[i.reg];
  if (i.mod === 3) cpu.setReg(i.rm, i.opsize, sel);
  else cpu.write16(i.seg, ea(cpu, i), sel);
}

/** XCHG E,G of `size` bytes (memory forms are always locked; nothing to model). */
function xchg(cpu: Cpu, i: Insn, size: number): void {
  const g = cpu.getReg(i.reg, size);
  if (i.mod === 3) {
    cpu.setReg(i.reg, size, cpu.getReg(i.rm, size));
    cpu.setReg(i.rm, size, g);
    return;
  }
  const off = ea(cpu, i);
  cpu.probeWrite(i.seg, off, size);
  const v = cpu.read(i.seg, off, size);
  cpu.write(i.seg, off, size, g);
  cpu.setReg(i.reg, size, v);
}

/** XADD E,G: TEMP = E + G; G = E; E = TEMP (so with E and G the same register it holds the sum). */
function xadd(cpu: Cpu, i: Insn, size: number): void {
  const src = cpu.getReg(i.reg, size);
  let dst: number;
  let sum: number;
  if (i.mod === 3) {
    dst = cpu.getReg(i.rm, size);
    sum = mask(dst + src, size);
    cpu.setReg(i.reg, size, dst);
    cpu.setReg(i.rm, size, sum);
  } else {
    const off = ea(cpu, i);
    cpu.probeWrite(i.seg, off, size);
    dst = cpu.read(i.seg, off, size);
    sum = mask(dst + src, size);
    cpu.write(i.seg, off, size, sum);
    cpu.setReg(i.reg, size, dst);
  }
  lazyAdd(cpu, dst, src, sum, size);
}

/**
 * CMPXCHG E,G: flags as CMP accumulator,E. Equal: E = G. Different: the
 * accumulator gets E, and a memory E is written back with its own value
 * (the i486+ locked cycle always writes), so a read-only page faults even
 * when the comparison fails.
 */
function cmpxchg(cpu: Cpu, i: Insn, size: number): void {
  const acc = cpu.getReg(EAX, size);
  const src = cpu.getReg(i.reg, size);
  let dst: number;
  if (i.mod === 3) {
    dst = cpu.getReg(i.rm, size);
    if (dst === acc) cpu.setReg(i.rm, size, src);
    else cpu.setReg(EAX, size, dst);
  } else {
    const off = ea(cpu, i);
    cpu.probeWrite(i.seg, off, size);
    dst = cpu.read(i.seg, off, size);
    cpu.write(i.seg, off, size, dst === acc ? src : dst);
    if (dst !== acc) cpu.setReg(EAX, size, dst);
  }
  lazySub(cpu, acc, dst, mask(acc - dst, size), size);
}

/** CMPXCHG8B m64 (0F C7 /1): compare EDX:EAX with m64; only ZF changes. */
function cmpxchg8b(cpu: Cpu, i: Insn): void {
  if (i.reg !== 1 || i.mod === 3) throw ud();
  const off = ea(cpu, i);
  cpu.probeWrite(i.seg, off, 8);
  const lo = cpu.read32(i.seg, off);
  const hi = cpu.read32(i.seg, off + 4);
  const equal = lo === cpu.regs[EAX] >>> 0 && hi === cpu.regs[EDX] >>> 0;
  if (equal) {
    cpu.write32(i.seg, off, cpu.regs[EBX]);
    cpu.write32(i.seg, off + 4, cpu.regs[ECX]);
  } else {
    // The destination is written back with its old value (SDM vol. 2, "CMPXCHG8B").
    cpu.write32(i.seg, off, lo);
    cpu.write32(i.seg, off + 4, hi);
    cpu.regs[EAX] = lo;
    cpu.regs[EDX] = hi;
  }
  setFlags(cpu, ZF, equal ? ZF : 0);
}

/**
 * LES/LDS/LSS/LFS/LGS Gz,Mp: the offset (operand size) then the selector.
 * The segment register is loaded (with every protection check) before the
 * general register is written, so a faulting load changes nothing.
 */
function loadFar(cpu: Cpu, i: Insn, seg: number): void {
  if (i.mod === 3) throw ud();
  const off = ea(cpu, i);
  const size = i.opsize;
  const offset = cpu.read(i.seg, off, size);
  const sel = cpu.read16(i.seg, off + size);
  loadSegment(cpu, seg, sel);
  cpu.setReg(i.reg, size, offset);
  // MOV SS and POP SS hold off interrupts for one instruction; QEMU does the
  // same for LSS (its translator ends the block with the shadow set).
  if (seg === SS) cpu.inhibitInterrupts = true;
}

/** BOUND Gv,Ma: #BR unless lower <= index <= upper, all signed. */
function bound(cpu: Cpu, i: Insn): void {
  if (i.mod === 3) throw ud();
  const size = i.opsize;
  const off = ea(cpu, i);
  const lower = sext(cpu.read(i.seg, off, size), size);
  const upper = sext(cpu.read(i.seg, off + size, size), size);
  const index = sext(cpu.getReg(i.reg, size), size);
  if (index < lower || index > upper) throw new CpuFault(Vec.BR);
}

/** Group 4: FE /0 INC Eb, /1 DEC Eb. */
function group4(cpu: Cpu, i: Insn): void {
  if (i.reg > 1) throw ud();
  const dec = i.reg === 1;
  if (i.mod === 3) {
    cpu.setReg(i.rm, 1, incDec(cpu, cpu.getReg(i.rm, 1), 1, dec));
    return;
  }
  const off = ea(cpu, i);
  cpu.probeWrite(i.seg, off, 1);
  const v = cpu.read8(i.seg, off);
  // The store cannot fault after the probe, so setting the flags first is safe.
  cpu.write8(i.seg, off, incDec(cpu, v, 1, dec));
}

/** NOP Ev: the operand is decoded but never accessed. */
const nop = (): void => {};

export function installData(t: HandlerTable): void {
  // MOV E,G / G,E
  define(t, 0x88, (cpu, i) => writeE(cpu, i, 1, cpu.getReg(i.reg, 1)));
  define(t, 0x89, (cpu, i) => writeE(cpu, i, i.opsize, cpu.getReg(i.reg, i.opsize)));
  define(t, 0x8a, (cpu, i) => cpu.setReg(i.reg, 1, readE(cpu, i, 1)));
  define(t, 0x8b, (cpu, i) => cpu.setReg(i.reg, i.opsize, readE(cpu, i, i.opsize)));
  define(t, 0x8c, movFromSeg);
  define(t, 0x8e, movToSeg);

  // MOV with a moffs: the decoder leaves the offset in `disp` with no base or
  // index, so `ea` yields it (wrapped to the address size).
  define(t, 0xa0, (cpu, i) => cpu.setReg(EAX, 1, cpu.read8(i.seg, ea(cpu, i))));
  define(t, 0xa1, (cpu, i) => cpu.setReg(EAX, i.opsize, cpu.read(i.seg, ea(cpu, i), i.opsize)));
  define(t, 0xa2, (cpu, i) => cpu.write8(i.seg, ea(cpu, i), cpu.getReg(EAX, 1)));
  define(t, 0xa3, (cpu, i) => cpu.write(i.seg, ea(cpu, i), i.opsize, cpu.getReg(EAX, i.opsize)));

  // MOV r,imm
  for (let r = 0; r < 8; r++) {
    define(t, 0xb0 + r, (cpu, i) => cpu.setReg(r, 1, i.imm));
    define(t, 0xb8 + r, (cpu, i) => cpu.setReg(r, i.opsize, i.imm));
  }

  // Group 11: C6 /0 MOV Eb,Ib; C7 /0 MOV Ev,Iz.
  define(t, 0xc6, (cpu, i) => {
    if (i.reg !== 0) throw ud();
    writeE(cpu, i, 1, i.imm);
  });
  define(t, 0xc7, (cpu, i) => {
    if (i.reg !== 0) throw ud();
    writeE(cpu, i, i.opsize, i.imm);
  });

  // LEA: the offset computed at the address size, truncated to the operand size.
  define(t, 0x8d, (cpu, i) => {
    if (i.mod === 3) throw ud();
    cpu.setReg(i.reg, i.opsize, ea(cpu, i));
  });

  // XCHG
  define(t, 0x86, (cpu, i) => xchg(cpu, i, 1));
  define(t, 0x87, (cpu, i) => xchg(cpu, i, i.opsize));
  define(t, 0x90, nop); // also PAUSE (F3 90)
  for (let r = 1; r < 8; r++) {
    define(t, 0x90 + r, (cpu, i) => {
      const s = i.opsize;
      const a = cpu.getReg(EAX, s);
      cpu.setReg(EAX, s, cpu.getReg(r, s));
      cpu.setReg(r, s, a);
    });
  }

  // CBW/CWDE, CWD/CDQ
  define(t, 0x98, (cpu, i) => {
    if (i.opsize === 4) cpu.regs[EAX] = sext(cpu.regs16[EAX << 1], 2);
    else cpu.regs16[EAX << 1] = sext(cpu.regs8[0], 1);
  });
  define(t, 0x99, (cpu, i) => {
    if (i.opsize === 4) cpu.regs[EDX] = cpu.regs[EAX] >> 31;
    else cpu.regs16[EDX << 1] = cpu.regs16[EAX << 1] & 0x8000 ? 0xffff : 0;
  });

  // XLAT: AL = seg:[(E)BX + AL], the sum wrapped at the address size.
  define(t, 0xd7, (cpu, i) => {
    const al = cpu.regs8[0];
    const off = i.adsize === 4 ? (cpu.regs[EBX] + al) >>> 0 : (cpu.regs16[EBX << 1] + al) & 0xffff;
    cpu.regs8[0] = cpu.read8(i.seg, off);
  });

  // SAHF / LAHF (AH is byte 1 of EAX).
  define(t, 0x9e, (cpu) => setFlags(cpu, AH_FLAGS, cpu.regs8[1]));
  define(t, 0x9f, (cpu) => {
    cpu.regs8[1] = cpu.eflags & 0xff;
  });

  // Flag bit instructions.
  define(t, 0xf5, (cpu) => setFlags(cpu, CF, getCF(cpu) ? 0 : CF));
  define(t, 0xf8, (cpu) => setFlags(cpu, CF, 0));
  define(t, 0xf9, (cpu) => setFlags(cpu, CF, CF));
  define(t, 0xfc, (cpu) => {
    cpu.flags &= ~DF;
  });
  define(t, 0xfd, (cpu) => {
    cpu.flags |= DF;
  });

  // Far-pointer loads.
  define(t, 0xc4, (cpu, i) => loadFar(cpu, i, ES));
  define(t, 0xc5, (cpu, i) => loadFar(cpu, i, DS));
  define(t, 0x1b2, (cpu, i) => loadFar(cpu, i, SS));
  define(t, 0x1b4, (cpu, i) => loadFar(cpu, i, FS));
  define(t, 0x1b5, (cpu, i) => loadFar(cpu, i, GS));

  define(t, 0x62, bound);
  define(t, 0xfe, group4);

  for (let c = 0; c < 16; c++) {
    // SETcc Eb (the reg field is ignored).
    define(t, 0x190 + c, (cpu, i) => writeE(cpu, i, 1, testCC(cpu, c) ? 1 : 0));
    // CMOVcc Gv,Ev: the source is read (and may fault) whatever the
    // condition; a false condition leaves the destination untouched.
    define(t, 0x140 + c, (cpu, i) => {
      const v = readE(cpu, i, i.opsize);
      if (testCC(cpu, c)) cpu.setReg(i.reg, i.opsize, v);
    });
  }

  // MOVZX / MOVSX
  define(t, 0x1b6, (cpu, i) => cpu.setReg(i.reg, i.opsize, readE(cpu, i, 1)));
  define(t, 0x1b7, (cpu, i) => cpu.setReg(i.reg, i.opsize, readE(cpu, i, 2)));
  define(t, 0x1be, (cpu, i) => cpu.setReg(i.reg, i.opsize, mask(sext(readE(cpu, i, 1), 1), i.opsize)));
  define(t, 0x1bf, (cpu, i) => cpu.setReg(i.reg, i.opsize, mask(sext(readE(cpu, i, 2), 2), i.opsize)));

  define(t, 0x1c0, (cpu, i) => xadd(cpu, i, 1));
  define(t, 0x1c1, (cpu, i) => xadd(cpu, i, i.opsize));
  define(t, 0x1b0, (cpu, i) => cmpxchg(cpu, i, 1));
  define(t, 0x1b1, (cpu, i) => cmpxchg(cpu, i, i.opsize));
  define(t, 0x1c7, cmpxchg8b);

  // Multi-byte NOP and the hint space 0F 18–0F 1F (SDM vol. 3, "Reserved NOP").
  // As QEMU does (our conformance oracle), the prefetch encodings that need a
  // memory operand, 0F 18 /0–/3 and 0F 0D, are #UD in their register form.
  define(t, 0x10d, (_cpu, i) => {
    if (i.mod === 3) throw ud();
  });
  define(t, 0x118, (_cpu, i) => {
    if (i.mod === 3 && i.reg < 4) throw ud();
  });
  for (let op = 0x119; op <= 0x11f; op++) define(t, op, nop);
}
