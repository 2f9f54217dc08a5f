/**
 * System instructions (SDM vol. 2): port I/O, HLT, CLI/STI, CPUID, the
 * time-stamp counter, MSRs, SYSENTER/SYSEXIT, control and debug register
 * moves, CLTS, cache control and the always-invalid UD2/RSM. The
 * descriptor-table instructions (0F 00, 0F 01, LAR, LSL, ARPL) are in
 * systables.ts.
 */
import type { AccessSize } from "../bus.js";
import { ATTR_DB, ATTR_G, ATTR_P, ATTR_S, type Cpu, CR0_TS, CR4_TSD, CS, EAX, ECX, EDX, ESP, SS } from "../cpu.js";
import { cpuid } from "../cpuid.js";
import { readCr, readDr, writeCr, writeDr } from "../ctrlregs.js";
import { CpuFault, Vec } from "../fault.js";
import { IF, RF, VM } from "../flags.js";
import type { Insn } from "../insn.js";
import { checkIoPermission } from "../io.js";
import { rdmsr, rdpmc, wrmsr } from "../msr.js";
import { installSystemTables } from "./systables.js";
import { define, type HandlerTable } from "./table.js";

const gp0 = (): CpuFault => new CpuFault(Vec.GP, 0);
const ud = (): CpuFault => new CpuFault(Vec.UD);

/** Privileged instructions need CPL 0 (real mode is CPL 0, virtual-8086 mode CPL 3). */
function requireCpl0(cpu: Cpu): void {
  if (cpu.cpl !== 0) throw gp0();
}

function portIn(cpu: Cpu, port: number, size: number): void {
  checkIoPermission(cpu, port, size);
  cpu.setReg(EAX, size, cpu.ioRead(port, size as AccessSize));
}

function portOut(cpu: Cpu, port: number, size: number): void {
  checkIoPermission(cpu, port, size);
  cpu.ioWrite(port, size as AccessSize, cpu.getReg(EAX, size));
}

/**
 * CLI/STI are IOPL-sensitive: in protected mode they need CPL <= IOPL, in
 * virtual-8086 mode IOPL 3 (there is no VME to fall back on).
 */
function checkIfChange(cpu: Cpu): void {
  if (cpu.realMode) return;
  const iopl = (cpu.flags >>> 12) & 3;
  if (cpu.v86Mode ? iopl !== 3 : cpu.cpl > iopl) throw gp0();
}

const TWO32 = 4294967296;

function rdtsc(cpu: Cpu): void {
  if (cpu.cr4 & CR4_TSD && cpu.cpl !== 0) throw gp0();
  const tsc = cpu.tsc;
  cpu.regs[EAX] = tsc >>> 0;
  cpu.regs[EDX] = Math.floor(tsc / TWO32) >>> 0;
}

/** Flat 4 GiB segment attributes for SYSENTER/SYSEXIT at privilege `dpl`. */
const FLAT = ATTR_P | ATTR_S | ATTR_DB | ATTR_G;
const FLAT_CODE = FLAT | 0xb; // execute/read, accessed
const FLAT_DATA = FLAT | 0x3; // read/write, accessed

/**
 * SYSENTER (SDM vol. 2): to CPL 0 with CS and SS derived from
 * IA32_SYSENTER_CS (SS = CS + 8), flat, without reading descriptors.
 */
function sysenter(cpu: Cpu): void {
  const cs = cpu.sysenterCs & 0xfffc;
  if (cpu.realMode || cs === 0) throw gp0();
  cpu.flags &= ~(VM | IF | RF);
  cpu.cpl = 0;
  cpu.setSegCache(CS, cs, 0, 0xffffffff, FLAT_CODE);
  cpu.setSegCache(SS, (cs + 8) & 0xfffc, 0, 0xffffffff, FLAT_DATA);
  cpu.regs[ESP] = cpu.sysenterEsp;
  cpu.eip = cpu.sysenterEip >>> 0;
}

/** SYSEXIT: back to CPL 3 with CS = SYSENTER_CS + 16, SS = + 24, EIP = EDX, ESP = ECX. */
function sysexit(cpu: Cpu): void {
  const base = cpu.sysenterCs & 0xfffc;
  if (cpu.realMode || base === 0 || cpu.cpl !== 0) throw gp0();
  cpu.cpl = 3;
  cpu.setSegCache(CS, ((base + 16) & 0xfffc) | 3, 0, 0xffffffff, FLAT_CODE | (3 << 5));
  cpu.setSegCache(SS, ((base + 24) & 0xfffc) | 3, 0, 0xffffffff, FLAT_DATA | (3 << 5));
  cpu.regs[ESP] = cpu.regs[ECX];
  cpu.eip = cpu.regs[EDX] >>> 0;
}

/** CR1 and CR5–7 do not exist: #UD before the privilege check. */
function checkCrIndex(n: number): void {
  if (n === 1 || n > 4) throw ud();
}

export function installSystem(t: HandlerTable): void {
  define(t, 0xe4, (cpu, i) => portIn(cpu, i.imm, 1));
  define(t, 0xe5, (cpu, i) => portIn(cpu, i.imm, i.opsize));
  define(t, 0xec, (cpu) => portIn(cpu, cpu.regs16[EDX << 1], 1));
  define(t, 0xed, (cpu, i) => portIn(cpu, cpu.regs16[EDX << 1], i.opsize));
  define(t, 0xe6, (cpu, i) => portOut(cpu, i.imm, 1));
  define(t, 0xe7, (cpu, i) => portOut(cpu, i.imm, i.opsize));
  define(t, 0xee, (cpu) => portOut(cpu, cpu.regs16[EDX << 1], 1));
  define(t, 0xef, (cpu, i) => portOut(cpu, cpu.regs16[EDX << 1], i.opsize));

  define(t, 0xf4, (cpu) => {
    requireCpl0(cpu);
    cpu.halted = true;
  });
  define(t, 0xfa, (cpu) => {
    checkIfChange(cpu);
    cpu.flags &= ~IF;
  });
  // STI: interrupts stay blocked until after the next instruction, but
  // only when it actually enables them.
  define(t, 0xfb, (cpu) => {
    checkIfChange(cpu);
    if (!(cpu.flags & IF)) {
      cpu.flags |= IF;
      cpu.inhibitInterrupts = true;
    }
  });

  define(t, 0x1a2, cpuid);
  define(t, 0x131, rdtsc);
  define(t, 0x132, (cpu) => {
    requireCpl0(cpu);
    rdmsr(cpu);
  });
  define(t, 0x130, (cpu) => {
    requireCpl0(cpu);
    wrmsr(cpu);
  });
  define(t, 0x133, rdpmc);
  define(t, 0x134, sysenter);
  define(t, 0x135, sysexit);

  define(t, 0x106, (cpu) => {
    requireCpl0(cpu);
    cpu.cr0 &= ~CR0_TS;
  });
  // INVD / WBINVD: we have no caches to write back.
  define(t, 0x108, requireCpl0);
  define(t, 0x109, requireCpl0);
  define(t, 0x10b, () => {
    throw ud();
  });
  define(t, 0x1aa, () => {
    throw ud();
  });

  // MOV to and from control and debug registers: the ModRM mod field is
  // ignored, r/m always names a general register.
  define(t, 0x120, (cpu: Cpu, i: Insn) => {
    checkCrIndex(i.reg);
    requireCpl0(cpu);
    cpu.regs[i.rm] = readCr(cpu, i.reg);
  });
  define(t, 0x122, (cpu: Cpu, i: Insn) => {
    checkCrIndex(i.reg);
    requireCpl0(cpu);
    writeCr(cpu, i.reg, cpu.regs[i.rm]);
  });
  define(t, 0x121, (cpu: Cpu, i: Insn) => {
    requireCpl0(cpu);
    cpu.regs[i.rm] = readDr(cpu, i.reg);
  });
  define(t, 0x123, (cpu: Cpu, i: Insn) => {
    requireCpl0(cpu);
    writeDr(cpu, i.reg, cpu.regs[i.rm]);
  });

  installSystemTables(t);
}
