/**
 * Hardware breakpoints (SDM vol. 3, 17.2–17.3): DR0–DR3 with the enables,
 * R/W and LEN fields of DR7. Instruction breakpoints are faults checked
 * before an instruction starts (suppressed by EFLAGS.RF); data breakpoints
 * are traps reported after the instruction that touched the watched bytes.
 * I/O breakpoints (R/W = 10 with CR4.DE) are not modelled.
 *
 * The checks cost nothing while DR7 enables no breakpoint: the memory path
 * tests one boolean (`cpu.dataBreakpoints`), the engine another
 * (`cpu.insnBreakpoints`).
 */
import type { Cpu } from "./cpu.js";

/** Recompute the armed breakpoints after a write to DR0–DR3 or DR7 (or a task switch). */
export function updateBreakpoints(cpu: Cpu): void {
  const dr7 = cpu.dr[7];
  let insn = false;
  let data = false;
  for (let n = 0; n < 4; n++) {
    if (!((dr7 >>> (n * 2)) & 3)) continue;
    const rw = (dr7 >>> (16 + n * 4)) & 3;
    if (rw === 0) insn = true;
    else if (rw !== 2) data = true;
  }
  cpu.insnBreakpoints = insn;
  cpu.dataBreakpoints = data;
}

/** DR6 B0–B3 bits of the instruction breakpoints matching linear address `lin`. */
export function instructionBreakpointHits(cpu: Cpu, lin: number): number {
  const dr7 = cpu.dr[7];
  let hits = 0;
  for (let n = 0; n < 4; n++) {
    if (!((dr7 >>> (n * 2)) & 3)) continue;
    if (((dr7 >>> (16 + n * 4)) & 3) !== 0) continue;
    if (cpu.dr[n] >>> 0 === lin >>> 0) hits |= 1 << n;
  }
  return hits;
}

/**
 * Record in `cpu.pendingDataHits` the data breakpoints an access of `size`
 * bytes at `lin` triggers. R/W = 01 watches writes, 11 reads and writes; the
 * watched range is LEN+1 bytes at DRn aligned down to that length.
 */
export function checkDataBreakpoints(cpu: Cpu, lin: number, size: number, write: boolean): void {
  const dr7 = cpu.dr[7];
  for (let n = 0; n < 4; n++) {
    if (!((dr7 >>> (n * 2)) & 3)) continue;
    const rw = (dr7 >>> (16 + n * 4)) & 3;
    if (rw === 0 || rw === 2 || (rw === 1 && !write)) continue;
    const len = ((dr7 >>> (18 + n * 4)) & 3) + 1; // 1, 2, (3 = 8 bytes: undefined on i686), 4
    const bytes = len === 3 ? 8 : len;
    const start = (cpu.dr[n] & ~(bytes - 1)) >>> 0;
    if (lin < start + bytes && start < lin + size) cpu.pendingDataHits |= 1 << n;
  }
}

const RF = 0x10000;
const TF = 0x100;
const DR6_BS = 0x4000;
const OP_IRET = 0xcf;
const OP_STI = 0xfb;

/**
 * The debug trap, if any, that follows an instruction which began with
 * EFLAGS `startFlags`: single-step (TF at the start), data breakpoints hit
 * during it. Also retires RF, which suppresses instruction breakpoints for
 * exactly one instruction (an IRET that loads RF=1 keeps it for the next).
 * A MOV/POP SS (an interrupt shadow other than STI's) holds the single-step
 * trap back until after the following instruction (SDM vol. 3, 6.8.3).
 */
export function debugTrapAfter(cpu: Cpu, startFlags: number, op: number): boolean {
  if (startFlags & RF && op !== OP_IRET) cpu.flags &= ~RF;
  let bits = cpu.pendingDataHits;
  cpu.pendingDataHits = 0;
  if (startFlags & TF && !(cpu.inhibitInterrupts && op !== OP_STI)) bits |= DR6_BS;
  if (!bits) return false;
  cpu.dr[6] |= bits;
  return true;
}
