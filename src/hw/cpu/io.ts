/**
 * I/O permission (SDM vol. 1, 19.5): in protected mode with CPL > IOPL, and
 * always in virtual-8086 mode, every byte of the port range must have a
 * clear bit in the TSS I/O permission bitmap, or the access raises #GP(0).
 */
import { type Cpu, TR } from "./cpu.js";
import { CpuFault, Vec } from "./fault.js";
import { VM } from "./flags.js";
import { readSys8, readSys16 } from "./segments.js";

/** Throws #GP(0) unless the current privilege may access `size` ports from `port`. */
export function checkIoPermission(cpu: Cpu, port: number, size: number): void {
  if (cpu.realMode) return;
  const iopl = (cpu.flags >>> 12) & 3;
  if (!(cpu.flags & VM) && cpu.cpl <= iopl) return;
  // Only a 32-bit TSS has a bitmap; its offset is the word at 0x66.
  const tss32 = (cpu.segAttr[TR] & 0xf) === 0x9 || (cpu.segAttr[TR] & 0xf) === 0xb;
  const limit = cpu.segLimit[TR];
  if (!tss32 || limit < 0x67) throw new CpuFault(Vec.GP, 0);
  const mapBase = readSys16(cpu, cpu.segBase[TR] + 0x66);
  const first = mapBase + (port >>> 3);
  // The processor reads two bytes so a range may straddle a byte boundary.
  if (first + 1 > limit) throw new CpuFault(Vec.GP, 0);
  const bits = readSys8(cpu, cpu.segBase[TR] + first) | (readSys8(cpu, cpu.segBase[TR] + first + 1) << 8);
  const want = ((1 << size) - 1) << (port & 7);
  if (bits & want) throw new CpuFault(Vec.GP, 0);
}
