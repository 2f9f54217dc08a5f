/**
 * String instructions (SDM vol. 2): MOVS, CMPS, STOS, LODS, SCAS, INS, OUTS,
 * with and without REP/REPE/REPNE.
 *
 * Source is seg:(E)SI with `i.seg` (DS unless overridden), destination is
 * always ES:(E)DI. The address size picks SI/DI/CX (wrapping at 64 KiB) or
 * ESI/EDI/ECX; DF picks the direction.
 *
 * A repeated instruction is a loop of single iterations, each of which
 * leaves the registers as the architecture defines them after that
 * iteration, so a fault in the middle restarts the instruction with the
 * completed iterations accounted for (the interpreter resets EIP to the
 * instruction on a fault). The loop keeps (E)SI/(E)DI/(E)CX in locals and
 * stores them in a `finally`, which runs on a fault as well. After
 * `MAX_ITERATIONS` elements an unfinished instruction sets EIP back to
 * itself and returns, so interrupts are taken between the chunks and it
 * resumes on the next step.
 *
 * `rep movs` and `rep stos` with DF = 0 and 32-bit addressing copy or fill
 * page by page straight in RAM (`fastMovs`, `fastStos`), with the same
 * result as the element-by-element definition.
 */
import { type Cpu, EAX, ECX, EDI, EDX, ES, ESI } from "../cpu.js";
import { DF, lazySub } from "../flags.js";
import { type Insn, Pfx } from "../insn.js";
import { checkIoPermission } from "../io.js";
import { mask, sizeOf } from "../operands.js";
import { define, type Handler, type HandlerTable } from "./table.js";

/** Elements one step may process before the instruction yields (and resumes). */
export const MAX_ITERATIONS = 65536;

const CR0_PG = 0x80000000;

/** (E)SI/(E)DI/(E)CX by address size, unsigned. */
function getA(cpu: Cpu, r: number, a32: boolean): number {
  return a32 ? cpu.regs[r] >>> 0 : cpu.regs16[r << 1];
}

/** Store (E)SI/(E)DI/(E)CX by address size (16-bit keeps the upper half). */
function setA(cpu: Cpu, r: number, a32: boolean, v: number): void {
  if (a32) cpu.regs[r] = v;
  else cpu.regs16[r << 1] = v;
}

/** Any of F3/F2: MOVS, STOS, LODS, INS and OUTS repeat on either, as QEMU and hardware do. */
function hasRep(i: Insn): boolean {
  return (i.prefixes & (Pfx.REP | Pfx.REPNE)) !== 0;
}

/**
 * How many whole elements of `size` from offset `off` in `seg` fit in the
 * segment and in the current page, up to `max`; 0 when the next element
 * must go the slow way (limit fault, page-straddling element).
 */
function elementsInPage(cpu: Cpu, seg: number, off: number, size: number, max: number): number {
  if (off < cpu.segLo[seg]) return 0;
  const inSeg = Math.floor((cpu.segHi[seg] - off + 1) / size);
  const lin = (cpu.segBase[seg] + off) >>> 0;
  const inPage = ((0x1000 - (lin & 0xfff)) / size) | 0;
  return Math.min(max, inSeg, inPage);
}

/** Physical address for `lin` by the current paging mode. */
function phys(cpu: Cpu, lin: number, write: boolean): number {
  return cpu.cr0 & CR0_PG ? cpu.walker.translate(lin, write) : lin;
}

// --- MOVS ------------------------------------------------------------------

function movs(cpu: Cpu, i: Insn): void {
  const size = sizeOf(i);
  const a32 = i.adsize === 4;
  const seg = i.seg;
  if (!hasRep(i)) {
    const si = getA(cpu, ESI, a32);
    const di = getA(cpu, EDI, a32);
    cpu.write(ES, di, size, cpu.read(seg, si, size));
    const step = cpu.flags & DF ? -size : size;
    setA(cpu, ESI, a32, si + step);
    setA(cpu, EDI, a32, di + step);
    return;
  }
  let count = getA(cpu, ECX, a32);
  if (count === 0) return;
  if (a32 && !(cpu.flags & DF)) {
    count = fastMovs(cpu, seg, size, count);
    if (count === 0) return;
  } else {
    count = slowMovs(cpu, seg, size, a32, count);
    if (count === 0) return;
  }
  cpu.eip = i.eip; // resume on the next step
}

/** Element-by-element MOVS; returns the count left (0 when done). */
function slowMovs(cpu: Cpu, seg: number, size: number, a32: boolean, count: number): number {
  const step = cpu.flags & DF ? -size : size;
  const amask = a32 ? 0xffffffff : 0xffff;
  let si = getA(cpu, ESI, a32);
  let di = getA(cpu, EDI, a32);
  let n = 0;
  try {
    while (count !== 0 && n < MAX_ITERATIONS) {
      cpu.write(ES, di, size, cpu.read(seg, si, size));
      si = ((si + step) & amask) >>> 0;
      di = ((di + step) & amask) >>> 0;
      count--;
      n++;
    }
  } finally {
    setA(cpu, ESI, a32, si);
    setA(cpu, EDI, a32, di);
    setA(cpu, ECX, a32, count);
  }
  return count;
}

/**
 * Forward `rep movs` with 32-bit addressing: whole page-bounded runs in RAM
 * are copied directly; anything else (MMIO, limit or page boundaries
 * inside an element, faults) takes one element through the normal path.
 */
function fastMovs(cpu: Cpu, seg: number, size: number, count: number): number {
  const ram = cpu.bus.ram;
  let si = cpu.regs[ESI] >>> 0;
  let di = cpu.regs[EDI] >>> 0;
  let done = 0;
  const readable = (cpu.segRW[seg] & 1) !== 0;
  const writable = (cpu.segRW[ES] & 2) !== 0;
  try {
    while (count !== 0 && done < MAX_ITERATIONS) {
      const want = Math.min(count, MAX_ITERATIONS - done);
      let n = readable && writable ? elementsInPage(cpu, seg, si, size, want) : 0;
      if (n > 0) n = elementsInPage(cpu, ES, di, size, n);
      let s = 0;
      let d = 0;
      const len = n * size;
      if (n > 0) {
        // Translate the source first: its fault comes first in program order.
        s = phys(cpu, (cpu.segBase[seg] + si) >>> 0, false);
        d = phys(cpu, (cpu.segBase[ES] + di) >>> 0, true);
        if (!cpu.isRam(s, len) || !cpu.isRam(d, len)) n = 0;
      }
      if (n === 0) {
        // One element the ordinary way (faults, MMIO, straddling elements).
        cpu.write(ES, di, size, cpu.read(seg, si, size));
        si = (si + size) >>> 0;
        di = (di + size) >>> 0;
        count--;
        done++;
        continue;
      }
      cpu.ramWritten(d, len);
      if (d <= s || d >= s + len) {
        // No destination byte is read after it is written: a block move is exact.
        ram.copyWithin(d, s, s + len);
      } else if (size === 1) {
        // Forward overlap: x86 moves element by element, replicating the pattern.
        for (let k = 0; k < len; k++) ram[d + k] = ram[s + k];
      } else {
        for (let k = 0; k < len; k += size) {
          const b0 = ram[s + k];
          const b1 = ram[s + k + 1];
          if (size === 4) {
            const b2 = ram[s + k + 2];
            const b3 = ram[s + k + 3];
            ram[d + k + 2] = b2;
            ram[d + k + 3] = b3;
          }
          ram[d + k] = b0;
          ram[d + k + 1] = b1;
        }
      }
      si = (si + len) >>> 0;
      di = (di + len) >>> 0;
      count -= n;
      done += n;
    }
  } finally {
    cpu.regs[ESI] = si;
    cpu.regs[EDI] = di;
    cpu.regs[ECX] = count;
  }
  return count;
}

// --- STOS ------------------------------------------------------------------

function stos(cpu: Cpu, i: Insn): void {
  const size = sizeOf(i);
  const a32 = i.adsize === 4;
  const v = cpu.getReg(EAX, size);
  if (!hasRep(i)) {
    const di = getA(cpu, EDI, a32);
    cpu.write(ES, di, size, v);
    setA(cpu, EDI, a32, di + (cpu.flags & DF ? -size : size));
    return;
  }
  let count = getA(cpu, ECX, a32);
  if (count === 0) return;
  if (a32 && !(cpu.flags & DF)) count = fastStos(cpu, size, v, count);
  else count = slowStos(cpu, size, v, a32, count);
  if (count !== 0) cpu.eip = i.eip;
}

function slowStos(cpu: Cpu, size: number, v: number, a32: boolean, count: number): number {
  const step = cpu.flags & DF ? -size : size;
  const amask = a32 ? 0xffffffff : 0xffff;
  let di = getA(cpu, EDI, a32);
  let n = 0;
  try {
    while (count !== 0 && n < MAX_ITERATIONS) {
      cpu.write(ES, di, size, v);
      di = ((di + step) & amask) >>> 0;
      count--;
      n++;
    }
  } finally {
    setA(cpu, EDI, a32, di);
    setA(cpu, ECX, a32, count);
  }
  return count;
}

/** Forward `rep stos` with 32-bit addressing, filling page-bounded RAM runs directly. */
function fastStos(cpu: Cpu, size: number, v: number, count: number): number {
  const ram = cpu.bus.ram;
  const writable = (cpu.segRW[ES] & 2) !== 0;
  // A value whose bytes are all equal (zeroing, the usual case) is a plain fill.
  const b0 = v & 0xff;
  const uniform = size === 1 || (size === 2 ? v === b0 * 0x101 : v === b0 * 0x1010101);
  let di = cpu.regs[EDI] >>> 0;
  let done = 0;
  try {
    while (count !== 0 && done < MAX_ITERATIONS) {
      let n = writable ? elementsInPage(cpu, ES, di, size, Math.min(count, MAX_ITERATIONS - done)) : 0;
      const len = n * size;
      let d = 0;
      if (n > 0) {
        d = phys(cpu, (cpu.segBase[ES] + di) >>> 0, true);
        if (!cpu.isRam(d, len)) n = 0;
      }
      if (n === 0) {
        cpu.write(ES, di, size, v);
        di = (di + size) >>> 0;
        count--;
        done++;
        continue;
      }
      cpu.ramWritten(d, len);
      if (uniform) ram.fill(b0, d, d + len);
      else {
        // Store one element, then double the filled run until it covers `len`.
        ram[d] = v;
        ram[d + 1] = v >> 8;
        if (size === 4) {
          ram[d + 2] = v >> 16;
          ram[d + 3] = v >> 24;
        }
        for (let w = size; w < len; w *= 2) ram.copyWithin(d + w, d, d + Math.min(w, len - w));
      }
      di = (di + len) >>> 0;
      count -= n;
      done += n;
    }
  } finally {
    cpu.regs[EDI] = di;
    cpu.regs[ECX] = count;
  }
  return count;
}

// --- LODS ------------------------------------------------------------------

function lods(cpu: Cpu, i: Insn): void {
  const size = sizeOf(i);
  const a32 = i.adsize === 4;
  const seg = i.seg;
  const step = cpu.flags & DF ? -size : size;
  if (!hasRep(i)) {
    const si = getA(cpu, ESI, a32);
    cpu.setReg(EAX, size, cpu.read(seg, si, size));
    setA(cpu, ESI, a32, si + step);
    return;
  }
  let count = getA(cpu, ECX, a32);
  if (count === 0) return;
  const amask = a32 ? 0xffffffff : 0xffff;
  let si = getA(cpu, ESI, a32);
  let n = 0;
  try {
    while (count !== 0 && n < MAX_ITERATIONS) {
      cpu.setReg(EAX, size, cpu.read(seg, si, size));
      si = ((si + step) & amask) >>> 0;
      count--;
      n++;
    }
  } finally {
    setA(cpu, ESI, a32, si);
    setA(cpu, ECX, a32, count);
  }
  if (count !== 0) cpu.eip = i.eip;
}

// --- CMPS and SCAS -----------------------------------------------------------

/**
 * CMPS: compare seg:(E)SI with ES:(E)DI (flags of source − destination).
 * REPE repeats while equal, REPNE while different; either stops when the
 * count reaches zero. The flags of the last completed comparison are set,
 * also when a later iteration faults.
 */
function cmps(cpu: Cpu, i: Insn): void {
  const size = sizeOf(i);
  const a32 = i.adsize === 4;
  const seg = i.seg;
  const step = cpu.flags & DF ? -size : size;
  const amask = a32 ? 0xffffffff : 0xffff;
  const prefixes = i.prefixes;
  let si = getA(cpu, ESI, a32);
  let di = getA(cpu, EDI, a32);
  if (!(prefixes & (Pfx.REP | Pfx.REPNE))) {
    const a = cpu.read(seg, si, size);
    const b = cpu.read(ES, di, size);
    setA(cpu, ESI, a32, si + step);
    setA(cpu, EDI, a32, di + step);
    lazySub(cpu, a, b, mask(a - b, size), size);
    return;
  }
  let count = getA(cpu, ECX, a32);
  if (count === 0) return;
  const whileEqual = (prefixes & Pfx.REP) !== 0;
  let a = 0;
  let b = 0;
  let n = 0;
  let stopped = false;
  try {
    while (count !== 0 && n < MAX_ITERATIONS) {
      const x = cpu.read(seg, si, size);
      const y = cpu.read(ES, di, size);
      a = x;
      b = y;
      si = ((si + step) & amask) >>> 0;
      di = ((di + step) & amask) >>> 0;
      count--;
      n++;
      if ((x === y) !== whileEqual) {
        stopped = true;
        break;
      }
    }
  } finally {
    setA(cpu, ESI, a32, si);
    setA(cpu, EDI, a32, di);
    setA(cpu, ECX, a32, count);
    if (n > 0) lazySub(cpu, a, b, mask(a - b, size), size);
  }
  if (!stopped && count !== 0) cpu.eip = i.eip;
}

/** SCAS: compare the accumulator with ES:(E)DI (flags of accumulator − memory). */
function scas(cpu: Cpu, i: Insn): void {
  const size = sizeOf(i);
  const a32 = i.adsize === 4;
  const step = cpu.flags & DF ? -size : size;
  const amask = a32 ? 0xffffffff : 0xffff;
  const prefixes = i.prefixes;
  const acc = cpu.getReg(EAX, size);
  let di = getA(cpu, EDI, a32);
  if (!(prefixes & (Pfx.REP | Pfx.REPNE))) {
    const b = cpu.read(ES, di, size);
    setA(cpu, EDI, a32, di + step);
    lazySub(cpu, acc, b, mask(acc - b, size), size);
    return;
  }
  let count = getA(cpu, ECX, a32);
  if (count === 0) return;
  const whileEqual = (prefixes & Pfx.REP) !== 0;
  let b = 0;
  let n = 0;
  let stopped = false;
  try {
    while (count !== 0 && n < MAX_ITERATIONS) {
      const y = cpu.read(ES, di, size);
      b = y;
      di = ((di + step) & amask) >>> 0;
      count--;
      n++;
      if ((acc === y) !== whileEqual) {
        stopped = true;
        break;
      }
    }
  } finally {
    setA(cpu, EDI, a32, di);
    setA(cpu, ECX, a32, count);
    if (n > 0) lazySub(cpu, acc, b, mask(acc - b, size), size);
  }
  if (!stopped && count !== 0) cpu.eip = i.eip;
}

// --- INS and OUTS --------------------------------------------------------------

/**
 * INS: port DX → ES:(E)DI. Each iteration checks the I/O permission, then
 * probes the destination for writability, and only then reads the port:
 * a port read can have side effects (a FIFO pops), so it must not happen
 * for an element whose store would fault. After the probe the store cannot
 * fault. A device that asks the machine to stop ends the chunk so the
 * request is seen between iterations.
 */
function ins(cpu: Cpu, i: Insn): void {
  const size = sizeOf(i) as 1 | 2 | 4;
  const a32 = i.adsize === 4;
  const port = cpu.regs16[EDX << 1];
  const step = cpu.flags & DF ? -size : size;
  const amask = a32 ? 0xffffffff : 0xffff;
  const rep = hasRep(i);
  let count = rep ? getA(cpu, ECX, a32) : 1;
  if (count === 0) return;
  let di = getA(cpu, EDI, a32);
  let n = 0;
  try {
    while (count !== 0 && n < MAX_ITERATIONS) {
      checkIoPermission(cpu, port, size);
      cpu.probeWrite(ES, di, size);
      cpu.write(ES, di, size, cpu.ioRead(port, size));
      di = ((di + step) & amask) >>> 0;
      count--;
      n++;
      if (cpu.stopRequest) break;
    }
  } finally {
    setA(cpu, EDI, a32, di);
    if (rep) setA(cpu, ECX, a32, count);
  }
  if (rep && count !== 0) cpu.eip = i.eip;
}

/** OUTS: seg:(E)SI → port DX; permission is checked before the memory read. */
function outs(cpu: Cpu, i: Insn): void {
  const size = sizeOf(i) as 1 | 2 | 4;
  const a32 = i.adsize === 4;
  const seg = i.seg;
  const port = cpu.regs16[EDX << 1];
  const step = cpu.flags & DF ? -size : size;
  const amask = a32 ? 0xffffffff : 0xffff;
  const rep = hasRep(i);
  let count = rep ? getA(cpu, ECX, a32) : 1;
  if (count === 0) return;
  let si = getA(cpu, ESI, a32);
  let n = 0;
  try {
    while (count !== 0 && n < MAX_ITERATIONS) {
      checkIoPermission(cpu, port, size);
      cpu.ioWrite(port, size, cpu.read(seg, si, size));
      si = ((si + step) & amask) >>> 0;
      count--;
      n++;
      if (cpu.stopRequest) break;
    }
  } finally {
    setA(cpu, ESI, a32, si);
    if (rep) setA(cpu, ECX, a32, count);
  }
  if (rep && count !== 0) cpu.eip = i.eip;
}

/**
 * A repeated string instruction costs one element per element it processes
 * (cost class stringElement): the decoded instruction's own cycles pay for
 * the first of each step, this charges the rest. ECX says how many were
 * done, including a CMPS/SCAS that stopped on its condition. A fault
 * charges nothing here (the exception's cost is charged where it is raised).
 */
function perElement(h: Handler): Handler {
  return (cpu, i) => {
    if (!hasRep(i)) {
      h(cpu, i);
      return;
    }
    const a32 = i.adsize === 4;
    const before = getA(cpu, ECX, a32);
    h(cpu, i);
    const done = a32 ? (before - getA(cpu, ECX, a32)) >>> 0 : (before - getA(cpu, ECX, a32)) & 0xffff;
    if (done > 1) cpu.cycles += (done - 1) * cpu.cost.instructions.stringElement;
  };
}

export function installString(t: HandlerTable): void {
  const string = (op: number, h: Handler): void => define(t, op, perElement(h));
  string(0xa4, movs);
  string(0xa5, movs);
  string(0xa6, cmps);
  string(0xa7, cmps);
  string(0xaa, stos);
  string(0xab, stos);
  string(0xac, lods);
  string(0xad, lods);
  string(0xae, scas);
  string(0xaf, scas);
  string(0x6c, ins);
  string(0x6d, ins);
  string(0x6e, outs);
  string(0x6f, outs);
}
