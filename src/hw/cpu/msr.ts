/**
 * Model-specific registers (SDM vol. 4): the few an i686 guest needs. Any
 * other index raises #GP(0), as the processor does for an MSR it lacks.
 * RDMSR/WRMSR take the index in ECX and the value in EDX:EAX.
 */
import { type Cpu, CR4_PCE, EAX, ECX, EDX } from "./cpu.js";
import { CpuFault, Vec } from "./fault.js";

export const MSR_TSC = 0x10;
export const MSR_APIC_BASE = 0x1b;
export const MSR_SYSENTER_CS = 0x174;
export const MSR_SYSENTER_ESP = 0x175;
export const MSR_SYSENTER_EIP = 0x176;
/** IA32_BIOS_SIGN_ID: the microcode revision (EDX) after a write of 0 and CPUID; we have none, so 0. */
export const MSR_BIOS_SIGN_ID = 0x8b;
/** P6-family performance counters PERFCTR0/1 and their event selects EVNTSEL0/1. */
export const MSR_PERFCTR0 = 0xc1;
export const MSR_PERFCTR1 = 0xc2;
export const MSR_EVNTSEL0 = 0x186;
export const MSR_EVNTSEL1 = 0x187;

/**
 * The P6 performance-monitoring MSRs hold what software writes (counters are
 * 40 bits wide) but count nothing: popek models no hardware events. Linux
 * probes them on a family-6 processor and only needs them to read back.
 */
function perfIndex(msr: number): number {
  return msr === MSR_PERFCTR0 ? 0 : msr === MSR_PERFCTR1 ? 1 : msr === MSR_EVNTSEL0 ? 2 : msr === MSR_EVNTSEL1 ? 3 : -1;
}

const TWO32 = 4294967296;

/** RDMSR: EDX:EAX ← MSR[ECX]. The caller has checked CPL 0. */
export function rdmsr(cpu: Cpu): void {
  let lo: number;
  let hi = 0;
  switch (cpu.regs[ECX] >>> 0) {
    case MSR_TSC: {
      const tsc = cpu.tsc;
      lo = tsc >>> 0;
      hi = Math.floor(tsc / TWO32) >>> 0;
      break;
    }
    case MSR_APIC_BASE:
      lo = cpu.apicBase;
      break;
    case MSR_SYSENTER_CS:
      lo = cpu.sysenterCs;
      break;
    case MSR_SYSENTER_ESP:
      lo = cpu.sysenterEsp;
      break;
    case MSR_SYSENTER_EIP:
      lo = cpu.sysenterEip;
      break;
    case MSR_BIOS_SIGN_ID:
      lo = 0;
      break;
    default: {
      const k = perfIndex(cpu.regs[ECX] >>> 0);
      if (k < 0) throw new CpuFault(Vec.GP, 0);
      lo = cpu.perfMsrs[k * 2];
      hi = cpu.perfMsrs[k * 2 + 1];
    }
  }
  cpu.regs[EAX] = lo;
  cpu.regs[EDX] = hi;
}

/** WRMSR: MSR[ECX] ← EDX:EAX. The caller has checked CPL 0. */
export function wrmsr(cpu: Cpu): void {
  const lo = cpu.regs[EAX] >>> 0;
  const hi = cpu.regs[EDX] >>> 0;
  switch (cpu.regs[ECX] >>> 0) {
    case MSR_TSC:
      // The counter keeps running from the written value.
      cpu.tscOffset = hi * TWO32 + lo - cpu.cycles;
      return;
    case MSR_APIC_BASE:
      // Bits 12–31 base, 11 global enable, 8 BSP (read-only); the rest reserved.
      if (hi !== 0 || lo & 0x6ff) throw new CpuFault(Vec.GP, 0);
      cpu.apicBase = ((lo & 0xfffff800) | (cpu.apicBase & 0x100)) >>> 0;
      return;
    case MSR_SYSENTER_CS:
      cpu.sysenterCs = lo & 0xffff;
      return;
    case MSR_SYSENTER_ESP:
      cpu.sysenterEsp = lo;
      return;
    case MSR_SYSENTER_EIP:
      cpu.sysenterEip = lo;
      return;
    case MSR_BIOS_SIGN_ID:
      return;
    default: {
      const k = perfIndex(cpu.regs[ECX] >>> 0);
      if (k < 0) throw new CpuFault(Vec.GP, 0);
      cpu.perfMsrs[k * 2] = lo;
      cpu.perfMsrs[k * 2 + 1] = k < 2 ? hi & 0xff : hi; // counters are 40 bits
    }
  }
}

/**
 * RDPMC: EDX:EAX ← performance counter ECX (0 or 1 on a P6). Allowed at
 * CPL 0, or at any CPL with CR4.PCE; otherwise, or for another counter,
 * #GP(0). The counters hold what WRMSR put there (they count nothing).
 */
export function rdpmc(cpu: Cpu): void {
  const n = cpu.regs[ECX] >>> 0;
  if ((cpu.cpl !== 0 && !(cpu.cr4 & CR4_PCE) && !cpu.realMode) || n > 1) throw new CpuFault(Vec.GP, 0);
  cpu.regs[EAX] = cpu.perfMsrs[n * 2];
  cpu.regs[EDX] = cpu.perfMsrs[n * 2 + 1];
}
