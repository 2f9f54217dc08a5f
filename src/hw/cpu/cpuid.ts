/**
 * CPUID (SDM vol. 2, "CPUID—CPU Identification"): an honest i686 without
 * SSE. Every feature bit we report is one the emulator implements; the
 * APIC bit follows `cpu.cpuidApic`, which the machine sets when it has a
 * local APIC.
 */
import { type Cpu, EAX, EBX, ECX, EDX } from "./cpu.js";

/** Highest basic leaf. */
const MAX_BASIC = 1;
/** Highest extended leaf (the brand string ends at 0x80000004). */
const MAX_EXTENDED = 0x80000004;

/** Family 6, model 3, stepping 3: the value EDX holds after reset too. */
export const CPUID_SIGNATURE = 0x633;

/** CPUID.1:EDX feature bits. */
export const FEAT_FPU = 1 << 0;
export const FEAT_DE = 1 << 2;
export const FEAT_PSE = 1 << 3;
export const FEAT_TSC = 1 << 4;
export const FEAT_MSR = 1 << 5;
export const FEAT_CX8 = 1 << 8;
export const FEAT_APIC = 1 << 9;
export const FEAT_SEP = 1 << 11;
export const FEAT_PGE = 1 << 13;
export const FEAT_CMOV = 1 << 15;

/** What leaf 1 reports in EDX (APIC added when the machine has one). */
export const FEATURES_EDX = FEAT_FPU | FEAT_DE | FEAT_PSE | FEAT_TSC | FEAT_MSR | FEAT_CX8 | FEAT_SEP | FEAT_PGE | FEAT_CMOV;

/** Four ASCII characters as the little-endian dword CPUID returns them in. */
function dword(s: string, at: number): number {
  let v = 0;
  for (let k = 3; k >= 0; k--) v = (v << 8) | (at + k < s.length ? s.charCodeAt(at + k) : 0);
  return v >>> 0;
}

const VENDOR = "GenuineIntel";
const BRAND = "popek virtual IA-32 CPU";
/** The 48-byte, NUL-padded brand string as twelve dwords (leaves 0x80000002–4, EAX EBX ECX EDX each). */
const BRAND_DWORDS = Array.from({ length: 12 }, (_, k) => dword(BRAND, k * 4));

function set(cpu: Cpu, a: number, b: number, c: number, d: number): void {
  cpu.regs[EAX] = a;
  cpu.regs[EBX] = b;
  cpu.regs[ECX] = c;
  cpu.regs[EDX] = d;
}

/** Execute CPUID with the leaf in EAX (ECX is not used: no leaf of ours has sub-leaves). */
export function cpuid(cpu: Cpu): void {
  let leaf = cpu.regs[EAX] >>> 0;
  // An out-of-range leaf, basic or extended, answers as the highest basic
  // leaf does (SDM: "If a value entered for CPUID.EAX is higher than the
  // maximum input value for basic or extended function ... the data for
  // the highest basic information leaf is returned").
  if ((leaf > MAX_BASIC && leaf < 0x80000000) || leaf > MAX_EXTENDED) leaf = MAX_BASIC;
  switch (leaf) {
    case 0:
      // The vendor string is in EBX, EDX, ECX order.
      set(cpu, MAX_BASIC, dword(VENDOR, 0), dword(VENDOR, 8), dword(VENDOR, 4));
      return;
    case 1:
      set(cpu, CPUID_SIGNATURE, 0, 0, FEATURES_EDX | (cpu.cpuidApic ? FEAT_APIC : 0));
      return;
    case 0x80000000:
      set(cpu, MAX_EXTENDED, 0, 0, 0);
      return;
    case 0x80000001:
      set(cpu, 0, 0, 0, 0);
      return;
    default: {
      const k = (leaf - 0x80000002) * 4;
      set(cpu, BRAND_DWORDS[k], BRAND_DWORDS[k + 1], BRAND_DWORDS[k + 2], BRAND_DWORDS[k + 3]);
    }
  }
}
