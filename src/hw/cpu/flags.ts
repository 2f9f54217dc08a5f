/**
 * EFLAGS and lazy condition codes.
 *
 * Most instructions that set the arithmetic flags are followed by another
 * that overwrites them before anybody looks, so we record the operation and
 * its operands (`lzOp`, `lzDst`, `lzSrc`, `lzRes`, `lzSize`) and compute a
 * flag only when it is read. `cpu.lazy` says which of the six arithmetic
 * flags must be computed this way; the others live in `cpu.flags` as they
 * are. An instruction that defines flags in its own way (shifts, multiply,
 * BCD...) stores them eagerly with `setFlags`, or records a LOGIC result for
 * SF/ZF/PF and stores the rest.
 *
 * Operand values are kept unsigned and masked to the operand size.
 */
import type { Cpu } from "./cpu.js";

export const CF = 0x0001;
export const PF = 0x0004;
export const AF = 0x0010;
export const ZF = 0x0040;
export const SF = 0x0080;
export const TF = 0x0100;
export const IF = 0x0200;
export const DF = 0x0400;
export const OF = 0x0800;
export const IOPL = 0x3000;
export const NT = 0x4000;
export const RF = 0x10000;
export const VM = 0x20000;
export const AC = 0x40000;
export const VIF = 0x80000;
export const VIP = 0x100000;
export const ID = 0x200000;

/** The six status flags. */
export const ARITH = CF | PF | AF | ZF | SF | OF;
/** Bit 1 always reads as 1. */
export const FIXED1 = 0x0002;

/** Lazy operation kinds. */
export const enum Lz {
  /** dst + src + cin */
  ADD = 0,
  /** dst - src - cin */
  SUB = 1,
  /** result only: CF = OF = AF = 0 */
  LOGIC = 2,
}

/** Mask and sign bit by operand size in bytes (index 1, 2, 4). */
export const SIZE_MASK = [0, 0xff, 0xffff, 0, 0xffffffff];
export const SIZE_SIGN = [0, 0x80, 0x8000, 0, 0x80000000];

const PARITY = new Uint8Array(256);
for (let i = 0; i < 256; i++) {
  let bits = 0;
  for (let b = i; b; b >>= 1) bits += b & 1;
  PARITY[i] = bits & 1 ? 0 : PF;
}

export function getCF(cpu: Cpu): boolean {
  if (!(cpu.lazy & CF)) return (cpu.flags & CF) !== 0;
  switch (cpu.lzOp) {
    case Lz.ADD:
      return cpu.lzDst + cpu.lzSrc + cpu.lzCin > SIZE_MASK[cpu.lzSize];
    case Lz.SUB:
      return cpu.lzDst < cpu.lzSrc + cpu.lzCin;
    default:
      return false;
  }
}

export function getOF(cpu: Cpu): boolean {
  if (!(cpu.lazy & OF)) return (cpu.flags & OF) !== 0;
  const sign = SIZE_SIGN[cpu.lzSize];
  switch (cpu.lzOp) {
    case Lz.ADD:
      return ((cpu.lzDst ^ cpu.lzRes) & (cpu.lzSrc ^ cpu.lzRes) & sign) !== 0;
    case Lz.SUB:
      return ((cpu.lzDst ^ cpu.lzSrc) & (cpu.lzDst ^ cpu.lzRes) & sign) !== 0;
    default:
      return false;
  }
}

export function getAF(cpu: Cpu): boolean {
  if (!(cpu.lazy & AF)) return (cpu.flags & AF) !== 0;
  if (cpu.lzOp === Lz.LOGIC) return false;
  return ((cpu.lzDst ^ cpu.lzSrc ^ cpu.lzRes) & 0x10) !== 0;
}

export function getZF(cpu: Cpu): boolean {
  if (!(cpu.lazy & ZF)) return (cpu.flags & ZF) !== 0;
  return cpu.lzRes === 0;
}

export function getSF(cpu: Cpu): boolean {
  if (!(cpu.lazy & SF)) return (cpu.flags & SF) !== 0;
  return (cpu.lzRes & SIZE_SIGN[cpu.lzSize]) !== 0;
}

export function getPF(cpu: Cpu): boolean {
  if (!(cpu.lazy & PF)) return (cpu.flags & PF) !== 0;
  return PARITY[cpu.lzRes & 0xff] !== 0;
}

/** Parity flag value (PF or 0) of the low byte of `value`. */
export function parity(value: number): number {
  return PARITY[value & 0xff];
}

/** Compute every lazy flag into `cpu.flags`. */
export function materialize(cpu: Cpu): void {
  const lazy = cpu.lazy;
  if (!lazy) return;
  let f = cpu.flags & ~lazy;
  if (lazy & CF && getCF(cpu)) f |= CF;
  if (lazy & PF && getPF(cpu)) f |= PF;
  if (lazy & AF && getAF(cpu)) f |= AF;
  if (lazy & ZF && getZF(cpu)) f |= ZF;
  if (lazy & SF && getSF(cpu)) f |= SF;
  if (lazy & OF && getOF(cpu)) f |= OF;
  cpu.flags = f;
  cpu.lazy = 0;
}

/** Record dst + src + cin (result already masked) for all six flags. */
export function lazyAdd(cpu: Cpu, dst: number, src: number, res: number, size: number, cin = 0): void {
  cpu.lzOp = Lz.ADD;
  cpu.lzDst = dst;
  cpu.lzSrc = src;
  cpu.lzRes = res;
  cpu.lzCin = cin;
  cpu.lzSize = size;
  cpu.lazy = ARITH;
}

/** Record dst - src - cin (result already masked) for all six flags. */
export function lazySub(cpu: Cpu, dst: number, src: number, res: number, size: number, cin = 0): void {
  cpu.lzOp = Lz.SUB;
  cpu.lzDst = dst;
  cpu.lzSrc = src;
  cpu.lzRes = res;
  cpu.lzCin = cin;
  cpu.lzSize = size;
  cpu.lazy = ARITH;
}

/** INC/DEC: like ADD/SUB of 1, but CF keeps its value. */
export function lazyIncDec(cpu: Cpu, dst: number, res: number, size: number, dec: boolean): void {
  if (cpu.lazy & CF) {
    // Freeze the current CF before the lazy state is replaced.
    cpu.flags = getCF(cpu) ? cpu.flags | CF : cpu.flags & ~CF;
  }
  cpu.lzOp = dec ? Lz.SUB : Lz.ADD;
  cpu.lzDst = dst;
  cpu.lzSrc = 1;
  cpu.lzRes = res;
  cpu.lzCin = 0;
  cpu.lzSize = size;
  cpu.lazy = ARITH & ~CF;
}

/** Logical result: SF, ZF, PF from the result; CF, OF, AF cleared. */
export function lazyLogic(cpu: Cpu, res: number, size: number): void {
  cpu.lzOp = Lz.LOGIC;
  cpu.lzDst = 0;
  cpu.lzSrc = 0;
  cpu.lzRes = res;
  cpu.lzCin = 0;
  cpu.lzSize = size;
  cpu.lazy = ARITH;
}

/**
 * SF, ZF, PF from `res`; CF, OF and AF given explicitly (as flag bits in
 * `bits`, for the flags named in `mask`). Flags outside `mask` and outside
 * SF/ZF/PF keep their current value.
 */
export function setResultFlags(cpu: Cpu, res: number, size: number, mask: number, bits: number): void {
  const keep = ~(mask | SF | ZF | PF) & ARITH;
  if (cpu.lazy & keep) {
    // Freeze the flags this instruction leaves alone.
    const old = cpu.lazy;
    cpu.lazy = old & keep;
    materialize(cpu);
    cpu.lazy = 0;
  }
  cpu.flags = (cpu.flags & ~mask) | (bits & mask);
  cpu.lzOp = Lz.LOGIC;
  cpu.lzRes = res;
  cpu.lzSize = size;
  cpu.lazy = SF | ZF | PF;
}

/** Store the flags named in `mask` from `bits`, eagerly. */
export function setFlags(cpu: Cpu, mask: number, bits: number): void {
  if (cpu.lazy & mask) {
    // Materialize everything first: the lazy state may be needed for the
    // flags outside `mask`, and dropping only some bits keeps it valid.
    materialize(cpu);
  }
  cpu.flags = (cpu.flags & ~mask) | (bits & mask);
}

/** Full EFLAGS value. */
export function readEflags(cpu: Cpu): number {
  materialize(cpu);
  return (cpu.flags | FIXED1) >>> 0;
}

/** Condition code `cc` (the low nibble of Jcc/SETcc/CMOVcc). */
export function testCC(cpu: Cpu, cc: number): boolean {
  let r: boolean;
  switch (cc >> 1) {
    case 0:
      r = getOF(cpu);
      break;
    case 1:
      r = getCF(cpu);
      break;
    case 2:
      r = getZF(cpu);
      break;
    case 3:
      r = getCF(cpu) || getZF(cpu);
      break;
    case 4:
      r = getSF(cpu);
      break;
    case 5:
      r = getPF(cpu);
      break;
    case 6:
      r = getSF(cpu) !== getOF(cpu);
      break;
    default:
      r = getZF(cpu) || getSF(cpu) !== getOF(cpu);
      break;
  }
  return cc & 1 ? !r : r;
}
