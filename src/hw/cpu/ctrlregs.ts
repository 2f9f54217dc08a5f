/**
 * Control and debug register writes (SDM vol. 3, 2.5 and 17.2) with the
 * side effects the rest of the processor depends on: TLB flushes, the
 * real/protected mode switch, and the reserved-bit faults. MOV CRn, LMSW,
 * CLTS and the task switch all write CR0 through `writeCr0`.
 */

import {
  type Cpu,
  CR0_AM,
  CR0_CD,
  CR0_EM,
  CR0_ET,
  CR0_MP,
  CR0_NE,
  CR0_NW,
  CR0_PE,
  CR0_PG,
  CR0_TS,
  CR0_WP,
  CR4_DE,
  CR4_MCE,
  CR4_PAE,
  CR4_PCE,
  CR4_PGE,
  CR4_PSE,
  CR4_TSD,
  GS,
} from "./cpu.js";
import { updateBreakpoints } from "./debug.js";
import { CpuFault, Vec } from "./fault.js";

/** The CR0 bits an i686 implements; writes to the others are ignored. */
const CR0_BITS = CR0_PE | CR0_MP | CR0_EM | CR0_TS | CR0_ET | CR0_NE | CR0_WP | CR0_AM | CR0_NW | CR0_CD | CR0_PG;
/** CR4 bits we implement; setting any other (VME, PVI, PAE, OSFXSR...) is #GP(0). */
export const CR4_SUPPORTED = CR4_TSD | CR4_DE | CR4_PSE | CR4_MCE | CR4_PGE | CR4_PCE;

/** DR6 bits that always read as 1 on a P6 (4–11, 16–31), DR7 bit 10. */
const DR6_FIXED1 = 0xffff0ff0;
const DR7_FIXED1 = 0x400;
/** DR7.GD: general detect, DR6.BD its status bit. */
const DR7_GD = 0x2000;
const DR6_BD = 0x2000;

/** Load CR0, faulting on the combinations the SDM forbids (#GP(0)). */
export function writeCr0(cpu: Cpu, value: number): void {
  const v = ((value & CR0_BITS) | CR0_ET) >>> 0;
  if (v & CR0_PG && !(v & CR0_PE)) throw new CpuFault(Vec.GP, 0);
  if (v & CR0_NW && !(v & CR0_CD)) throw new CpuFault(Vec.GP, 0);
  const old = cpu.cr0;
  cpu.cr0 = v;
  const changed = old ^ v;
  if (changed & CR0_PE) {
    // ES, CS, SS, DS, FS, GS. The hidden segment caches survive the mode switch (that is what
    // "unreal mode" relies on); only the access rights derived from the
    // mode must be recomputed, since real mode ignores segment types.
    for (let s = 0; s <= GS; s++) cpu.setSegCache(s, cpu.segSel[s], cpu.segBase[s], cpu.segLimit[s], cpu.segAttr[s]);
    if (!(v & CR0_PE)) cpu.cpl = 0;
  }
  if (changed & (CR0_PG | CR0_WP | CR0_PE)) cpu.walker.flush();
}

/** Load CR3: the page directory base; non-global TLB entries go. */
export function writeCr3(cpu: Cpu, value: number): void {
  cpu.cr3 = value >>> 0;
  cpu.walker.flushNonGlobal();
  cpu.cycles += cpu.cost.events.cr3Load;
}

/** Load CR4; bits we do not implement raise #GP(0). */
export function writeCr4(cpu: Cpu, value: number): void {
  const v = value >>> 0;
  if (v & ~CR4_SUPPORTED) throw new CpuFault(Vec.GP, 0);
  const changed = cpu.cr4 ^ v;
  cpu.cr4 = v;
  if (changed & (CR4_PSE | CR4_PGE | CR4_PAE)) cpu.walker.flush();
}

/** MOV r32, CRn. CR1 and CR5–7 do not exist (#UD). */
export function readCr(cpu: Cpu, n: number): number {
  switch (n) {
    case 0:
      return cpu.cr0;
    case 2:
      return cpu.cr2;
    case 3:
      return cpu.cr3;
    case 4:
      return cpu.cr4;
    default:
      throw new CpuFault(Vec.UD);
  }
}

/** MOV CRn, r32. */
export function writeCr(cpu: Cpu, n: number, value: number): void {
  switch (n) {
    case 0:
      writeCr0(cpu, value);
      return;
    case 2:
      cpu.cr2 = value >>> 0;
      return;
    case 3:
      writeCr3(cpu, value);
      return;
    case 4:
      writeCr4(cpu, value);
      return;
    default:
      throw new CpuFault(Vec.UD);
  }
}

/**
 * The debug register a MOV DRn names: DR4/DR5 alias DR6/DR7 unless CR4.DE,
 * which makes them #UD. DR7.GD turns the access into a #DB fault with
 * DR6.BD set and GD cleared, so a debugger can guard its registers.
 */
function debugIndex(cpu: Cpu, n: number): number {
  if (n === 4 || n === 5) {
    if (cpu.cr4 & CR4_DE) throw new CpuFault(Vec.UD);
    n += 2;
  }
  if (cpu.dr[7] & DR7_GD) {
    cpu.dr[6] |= DR6_BD;
    cpu.dr[7] &= ~DR7_GD;
    throw new CpuFault(Vec.DB);
  }
  return n;
}

export function readDr(cpu: Cpu, n: number): number {
  return cpu.dr[debugIndex(cpu, n)];
}

export function writeDr(cpu: Cpu, n: number, value: number): void {
  const r = debugIndex(cpu, n);
  if (r === 6) cpu.dr[6] = value | DR6_FIXED1;
  else if (r === 7)
    cpu.dr[7] = (value | DR7_FIXED1) & ~0xd800; // bits 11, 12, 14, 15 reserved 0
  else cpu.dr[r] = value;
  if (r !== 6) updateBreakpoints(cpu);
}
