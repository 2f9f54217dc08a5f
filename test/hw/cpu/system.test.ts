import assert from "node:assert/strict";
import { test } from "node:test";
import {
  ATTR_DATA_RW,
  ATTR_P,
  CR0_PE,
  CR0_PG,
  CR0_TS,
  CR4_DE,
  CR4_TSD,
  CS,
  DS,
  EAX,
  EBX,
  ECX,
  EDX,
  ESP,
  LDTR,
  SS,
  TR,
} from "../../../src/hw/cpu/cpu.js";
import { Vec } from "../../../src/hw/cpu/fault.js";
import { IF, IOPL, ZF } from "../../../src/hw/cpu/flags.js";
import {
  type Env,
  expectFault,
  sysFlat as flat,
  flatCode,
  flatData,
  peek16,
  peek32,
  poke,
  poke32,
  sysReal as real,
  seg,
  setGdt,
  step,
} from "../../support/cpu-env.js";

function ascii(...dwords: number[]): string {
  let s = "";
  for (const d of dwords) for (let k = 0; k < 4; k++) s += String.fromCharCode((d >>> (8 * k)) & 0xff);
  return s;
}

// --- CPUID, TSC, MSRs ------------------------------------------------------

test("cpuid leaf 0: max leaf 1 and GenuineIntel in EBX, EDX, ECX", () => {
  const env = flat([0x0f, 0xa2]);
  step(env);
  assert.equal(env.cpu.regs[EAX], 1);
  assert.equal(env.cpu.regs[EBX] >>> 0, 0x756e6547);
  assert.equal(env.cpu.regs[EDX] >>> 0, 0x49656e69);
  assert.equal(env.cpu.regs[ECX] >>> 0, 0x6c65746e);
  assert.equal(ascii(env.cpu.regs[EBX], env.cpu.regs[EDX], env.cpu.regs[ECX]), "GenuineIntel");
});

test("cpuid leaf 1: family 6 model 3 stepping 3, i686 features, APIC only when the machine has one", () => {
  const env = flat([0x0f, 0xa2, 0x0f, 0xa2]);
  env.cpu.regs[EAX] = 1;
  step(env);
  assert.equal(env.cpu.regs[EAX], 0x633);
  // FPU DE PSE TSC MSR CX8 SEP PGE CMOV; no PAE (6), MCE (7), APIC (9), MTRR (12), MMX, FXSR, SSE.
  assert.equal(env.cpu.regs[EDX], 0xa93d);
  assert.equal(env.cpu.regs[ECX], 0);
  env.cpu.cpuidApic = true;
  env.cpu.regs[EAX] = 1;
  step(env);
  assert.equal(env.cpu.regs[EDX], 0xa93d | 0x200);
});

test("cpuid: brand string and out-of-range leaves", () => {
  const env = flat([0x0f, 0xa2]);
  const run = (leaf: number): number[] => {
    env.cpu.eip = 0x1000;
    env.cpu.regs[EAX] = leaf;
    step(env);
    return [EAX, EBX, ECX, EDX].map((r) => env.cpu.regs[r] >>> 0);
  };
  assert.equal(run(0x80000000)[0], 0x80000004);
  const brand = [0x80000002, 0x80000003, 0x80000004].map((l) => ascii(...run(l))).join("");
  assert.equal(brand, `popek virtual IA-32 CPU${"\0".repeat(25)}`);
  const leaf1 = run(1);
  assert.deepEqual(run(2), leaf1);
  assert.deepEqual(run(0x80000005), leaf1);
});

test("rdtsc returns the cycles executed so far, as 64 bits", () => {
  const env = flat([0x01, 0xc0, 0x01, 0xc0, 0x01, 0xc0, 0x0f, 0x31]);
  for (let k = 0; k < 4; k++) step(env);
  assert.equal(env.cpu.regs[EAX], 3);
  assert.equal(env.cpu.regs[EDX], 0);
  env.cpu.eip = 0x1006;
  env.cpu.cycles = 0x123456789;
  step(env);
  assert.equal(env.cpu.regs[EAX], 0x23456789);
  assert.equal(env.cpu.regs[EDX], 1);
});

test("rdtsc under CR4.TSD faults outside ring 0", () => {
  const env = flat([0x0f, 0x31]);
  env.cpu.cr4 = CR4_TSD;
  step(env);
  env.cpu.eip = 0x1000;
  env.cpu.cpl = 3;
  expectFault(env, Vec.GP, 0);
});

test("wrmsr to the TSC moves the counter, rdmsr reads SYSENTER_CS back, unknown MSRs #GP", () => {
  // wrmsr (ECX=0x10, EDX:EAX = 1:0); rdtsc
  const env = flat([0x0f, 0x30, 0x0f, 0x31]);
  env.cpu.regs[ECX] = 0x10;
  env.cpu.regs[EDX] = 1;
  env.cpu.regs[EAX] = 0;
  step(env);
  step(env);
  assert.equal(env.cpu.regs[EDX], 1);
  // The counter runs on from the written value: by the RDTSC only the WRMSR's own cost (a system instruction) has passed.
  assert.equal(env.cpu.regs[EAX], env.cpu.cost.instructions.system);
  poke(env, 0x1004, [0x0f, 0x30, 0x0f, 0x32, 0x0f, 0x32]);
  env.cpu.regs[ECX] = 0x174;
  env.cpu.regs[EAX] = 0x12345;
  env.cpu.regs[EDX] = 0;
  step(env);
  env.cpu.regs[EAX] = 0;
  step(env);
  assert.equal(env.cpu.regs[EAX], 0x2345); // SYSENTER_CS is 16 bits
  env.cpu.regs[ECX] = 0x2ff; // IA32_MTRR_DEF_TYPE: no MTRRs on this processor
  expectFault(env, Vec.GP, 0);
  env.cpu.cpl = 3;
  env.cpu.regs[ECX] = 0x10;
  expectFault(env, Vec.GP, 0);
});

test("BIOS_SIGN_ID reads 0; the P6 counters read back what was written, 40 bits wide", () => {
  // wrmsr; rdmsr
  const env = flat([0x0f, 0x30, 0x0f, 0x32, 0x0f, 0x30, 0x0f, 0x32]);
  env.cpu.regs[ECX] = 0x8b;
  env.cpu.regs[EAX] = 0;
  env.cpu.regs[EDX] = 0;
  step(env);
  env.cpu.regs[EDX] = 0x55;
  step(env);
  assert.equal(env.cpu.regs[EDX], 0, "no microcode revision");
  env.cpu.regs[ECX] = 0xc1; // PERFCTR0
  env.cpu.regs[EAX] = 0xdeadbeef;
  env.cpu.regs[EDX] = 0x1234;
  step(env);
  env.cpu.regs[EAX] = 0;
  env.cpu.regs[EDX] = 0;
  step(env);
  assert.equal(env.cpu.regs[EAX] >>> 0, 0xdeadbeef);
  assert.equal(env.cpu.regs[EDX], 0x34);
});

test("rdpmc reads PERFCTR0/1 at CPL 0 or with CR4.PCE; else, or for counter 2, #GP(0)", () => {
  const env = flat([0x0f, 0x33]);
  env.cpu.perfMsrs[2] = 0x1234; // PERFCTR1 low
  env.cpu.perfMsrs[3] = 0x56;
  env.cpu.regs[ECX] = 1;
  step(env);
  assert.equal(env.cpu.regs[EAX], 0x1234);
  assert.equal(env.cpu.regs[EDX], 0x56);
  env.cpu.eip = 0x1000;
  env.cpu.regs[ECX] = 2;
  expectFault(env, Vec.GP, 0);
  env.cpu.regs[ECX] = 0;
  env.cpu.cpl = 3;
  expectFault(env, Vec.GP, 0);
  env.cpu.cr4 |= 0x100; // PCE
  step(env);
  assert.equal(env.cpu.regs[EAX], 0);
});

test("sysenter and sysexit derive flat segments from SYSENTER_CS", () => {
  const env = flat([0x0f, 0x34]);
  env.cpu.sysenterCs = 0x10;
  env.cpu.sysenterEsp = 0x9000;
  env.cpu.sysenterEip = 0x5000;
  env.cpu.cpl = 3;
  env.cpu.setEflags(IF);
  step(env);
  assert.equal(env.cpu.cpl, 0);
  assert.equal(env.cpu.segSel[CS], 0x10);
  assert.equal(env.cpu.segSel[SS], 0x18);
  assert.equal(env.cpu.segLimit[CS], 0xffffffff);
  assert.equal(env.cpu.regs[ESP], 0x9000);
  assert.equal(env.cpu.eip, 0x5000);
  assert.equal(env.cpu.eflags & IF, 0);
  poke(env, 0x5000, [0x0f, 0x35]);
  env.cpu.regs[ECX] = 0x7000;
  env.cpu.regs[EDX] = 0x1234;
  step(env);
  assert.equal(env.cpu.cpl, 3);
  assert.equal(env.cpu.segSel[CS], 0x23);
  assert.equal(env.cpu.segSel[SS], 0x2b);
  assert.equal((env.cpu.segAttr[CS] >>> 5) & 3, 3);
  assert.equal(env.cpu.regs[ESP], 0x7000);
  assert.equal(env.cpu.eip, 0x1234);
  // SYSEXIT from ring 3, SYSENTER with SYSENTER_CS = 0 or in real mode: #GP(0).
  poke(env, 0x1234, [0x0f, 0x35]);
  expectFault(env, Vec.GP, 0);
  env.cpu.sysenterCs = 0;
  poke(env, 0x1234, [0x0f, 0x34]);
  expectFault(env, Vec.GP, 0);
  const r = real([0x0f, 0x34]);
  r.cpu.sysenterCs = 0x10;
  expectFault(r, Vec.GP, 0);
});

// --- HLT, CLI/STI, I/O ---------------------------------------------------------

test("hlt halts at CPL 0 and is #GP elsewhere", () => {
  const env = flat([0xf4]);
  env.cpu.setEflags(IF);
  step(env);
  assert.equal(env.cpu.halted, true);
  assert.deepEqual(env.it.step(), { kind: "hlt" });
  env.cpu.setEflags(0);
  assert.deepEqual(env.it.step(), { kind: "halted" });
  const u = flat([0xf4]);
  u.cpu.cpl = 3;
  expectFault(u, Vec.GP, 0);
});

test("cli/sti need CPL <= IOPL; sti shadows one instruction only when it sets IF", () => {
  const env = flat([0xfa, 0xfb, 0xfb]);
  env.cpu.cpl = 3;
  env.cpu.setEflags(IF);
  expectFault(env, Vec.GP, 0);
  env.cpu.setEflags(IF | IOPL);
  step(env);
  assert.equal(env.cpu.eflags & IF, 0);
  step(env);
  assert.equal(env.cpu.eflags & IF, IF);
  assert.equal(env.cpu.inhibitInterrupts, true);
  env.cpu.inhibitInterrupts = false;
  step(env); // IF already set: no shadow
  assert.equal(env.cpu.inhibitInterrupts, false);
});

test("in/out move AL/AX/EAX through the bus; protected mode checks the I/O permission", () => {
  const env = flat([0xe4, 0x60, 0x66, 0xed, 0xee, 0xe7, 0x80]);
  const writes: [number, number, number][] = [];
  env.bus.ioReadHandler = (port, size) => (port === 0x60 ? 0xab : size === 2 ? 0x1234 : 0);
  env.bus.ioWriteHandler = (port, size, v) => writes.push([port, size, v]);
  env.cpu.regs[EAX] = 0x11223300;
  env.cpu.regs[EDX] = 0x3f8;
  step(env);
  assert.equal(env.cpu.regs[EAX], 0x112233ab);
  step(env);
  assert.equal(env.cpu.regs[EAX], 0x11221234);
  step(env);
  step(env);
  assert.deepEqual(writes, [
    [0x3f8, 1, 0x34],
    [0x80, 4, 0x11221234],
  ]);
  // CPL 3, IOPL 0, no TSS with a bitmap: #GP(0).
  env.cpu.eip = 0x1000;
  env.cpu.cpl = 3;
  env.cpu.setSegCache(TR, 0, 0, 0x20, ATTR_P | 0xb); // too short to hold a bitmap
  expectFault(env, Vec.GP, 0);
});

// --- control registers -------------------------------------------------------

/** Identity-map the first 4 MiB with a page directory at 0x20000 and a table at 0x21000. */
function identityPaging(env: Env): void {
  poke32(env, 0x20000, 0x21000 | 7);
  for (let p = 0; p < 1024; p++) poke32(env, 0x21000 + p * 4, (p << 12) | 7);
}

test("mov cr3 flushes stale translations; invlpg drops one page", () => {
  // add eax,[0x5000]; add eax,[0x5000]; mov cr3,ebx; add eax,[0x5000]; invlpg [0x5000]; add eax,[0x5000]
  const load = [0x03, 0x05, 0x00, 0x50, 0x00, 0x00];
  const env = flat([...load, ...load, 0x0f, 0x22, 0xdb, ...load, 0x0f, 0x01, 0x3d, 0x00, 0x50, 0x00, 0x00, ...load]);
  identityPaging(env);
  poke32(env, 0x5000, 1);
  poke32(env, 0x6000, 0x100);
  poke32(env, 0x7000, 0x10000);
  env.cpu.cr3 = 0x20000;
  env.cpu.cr0 |= CR0_PG;
  env.cpu.regs[EBX] = 0x20000;
  step(env);
  assert.equal(env.cpu.regs[EAX], 1);
  poke32(env, 0x21000 + 5 * 4, 0x6000 | 7); // remap page 5 without telling the TLB
  step(env);
  assert.equal(env.cpu.regs[EAX], 2); // stale entry still used
  step(env); // mov cr3, ebx
  assert.equal(env.cpu.cr3, 0x20000);
  step(env);
  assert.equal(env.cpu.regs[EAX], 0x102);
  poke32(env, 0x21000 + 5 * 4, 0x7000 | 7);
  step(env); // invlpg
  step(env);
  assert.equal(env.cpu.regs[EAX], 0x10102);
});

test("mov cr0: PG without PE is #GP(0); CR1 is #UD; mod is ignored", () => {
  const env = real([0x0f, 0x22, 0xc0]);
  env.cpu.regs[EAX] = CR0_PG | 0x10;
  expectFault(env, Vec.GP, 0);
  poke(env, 0x1000, [0x0f, 0x20, 0xc8]); // mov eax, cr1
  expectFault(env, Vec.UD);
  // 0F 20 00 has mod=0 but is still "mov eax, cr0", three bytes long.
  poke(env, 0x1000, [0x0f, 0x20, 0x00]);
  env.cpu.regs[EAX] = 0;
  step(env);
  assert.equal(env.cpu.regs[EAX], env.cpu.cr0);
  assert.equal(env.cpu.eip, 3);
});

test("mov cr4 refuses PAE and VME, accepts PSE/PGE", () => {
  const env = flat([0x0f, 0x22, 0xe0]);
  env.cpu.regs[EAX] = 0x20; // PAE
  expectFault(env, Vec.GP, 0);
  env.cpu.regs[EAX] = 0x1; // VME
  expectFault(env, Vec.GP, 0);
  env.cpu.regs[EAX] = 0x90;
  step(env);
  assert.equal(env.cpu.cr4, 0x90);
});

test("mov from cr0 outside ring 0 is #GP(0)", () => {
  const env = flat([0x0f, 0x20, 0xc0]);
  env.cpu.cpl = 3;
  expectFault(env, Vec.GP, 0);
});

test("clearing CR0.PE keeps the segment caches (unreal mode)", () => {
  // mov cr0, eax (PE=1); [load a 4 GiB DS]; mov cr0, ebx (PE=0); add eax, [ebx] with a 32-bit address
  const env = real([0x0f, 0x22, 0xc0, 0x0f, 0x22, 0xc3, 0x67, 0x66, 0x03, 0x03]);
  env.cpu.regs[EAX] = env.cpu.cr0 | CR0_PE;
  step(env);
  assert.equal(env.cpu.cr0 & CR0_PE, CR0_PE);
  assert.equal(env.cpu.segBase[CS], 0x1000); // CS cache kept across the switch
  env.cpu.setSegCache(DS, 0x10, 0, 0xffffffff, ATTR_DATA_RW | 0xc00);
  env.cpu.regs[EBX] = env.cpu.cr0 & ~CR0_PE;
  step(env);
  assert.equal(env.cpu.cr0 & CR0_PE, 0);
  assert.equal(env.cpu.segLimit[DS], 0xffffffff);
  assert.equal(env.cpu.segRW[DS], 3);
  env.cpu.regs[EBX] = 0x100000;
  env.cpu.regs[EAX] = 0;
  poke32(env, 0x100000, 0x5a5a);
  step(env);
  assert.equal(env.cpu.regs[EAX], 0x5a5a); // beyond 64 KiB through the kept 4 GiB limit
});

test("lmsw sets PE but cannot clear it; smsw gives all of CR0 to a 32-bit register", () => {
  const env = real([0x0f, 0x01, 0xf0, 0x0f, 0x01, 0xf0, 0x66, 0x0f, 0x01, 0xe1, 0x0f, 0x01, 0xe2]);
  env.cpu.regs[EAX] = 0x1;
  step(env);
  assert.equal(env.cpu.cr0 & CR0_PE, CR0_PE);
  env.cpu.regs[EAX] = 0x8; // TS, PE=0
  step(env);
  assert.equal(env.cpu.cr0 & (CR0_PE | CR0_TS), CR0_PE | CR0_TS);
  env.cpu.regs[ECX] = 0;
  env.cpu.regs[EDX] = 0x77770000;
  step(env); // smsw ecx (32-bit)
  assert.equal(env.cpu.regs[ECX] >>> 0, env.cpu.cr0);
  step(env); // smsw dx (16-bit): the upper half stays
  assert.equal(env.cpu.regs[EDX] >>> 0, 0x77770000 | (env.cpu.cr0 & 0xffff));
});

test("clts clears TS; debug register moves and their aliases", () => {
  const env = flat([0x0f, 0x06, 0x0f, 0x23, 0xe0, 0x0f, 0x21, 0xf1, 0x0f, 0x21, 0xe1]);
  env.cpu.cr0 |= CR0_TS;
  step(env);
  assert.equal(env.cpu.cr0 & CR0_TS, 0);
  env.cpu.regs[EAX] = 0x1;
  step(env); // mov dr4, eax → DR6 (reserved bits read as 1)
  assert.equal(env.cpu.dr[6], 0xffff0ff1);
  step(env); // mov ecx, dr6
  assert.equal(env.cpu.regs[ECX] >>> 0, 0xffff0ff1);
  env.cpu.cr4 = CR4_DE;
  expectFault(env, Vec.UD); // mov ecx, dr4 with CR4.DE
});

// --- descriptor tables -----------------------------------------------------------

test("lgdt/sgdt: a 16-bit operand size loads a 24-bit base; sgdt stores all 32 bits", () => {
  const env = flat([
    0x0f,
    0x01,
    0x15,
    0x00,
    0x30,
    0x00,
    0x00, // lgdt [0x3000]
    0x0f,
    0x01,
    0x05,
    0x00,
    0x40,
    0x00,
    0x00, // sgdt [0x4000]
    0x66,
    0x0f,
    0x01,
    0x15,
    0x00,
    0x30,
    0x00,
    0x00, // o16 lgdt [0x3000]
    0x66,
    0x0f,
    0x01,
    0x05,
    0x10,
    0x40,
    0x00,
    0x00, // o16 sgdt [0x4010]
  ]);
  poke(env, 0x3000, [0x34, 0x12, 0xdd, 0xcc, 0xbb, 0xaa]);
  step(env);
  assert.equal(env.cpu.gdtLimit, 0x1234);
  assert.equal(env.cpu.gdtBase, 0xaabbccdd);
  step(env);
  assert.equal(peek16(env, 0x4000), 0x1234);
  assert.equal(peek32(env, 0x4002), 0xaabbccdd);
  step(env);
  assert.equal(env.cpu.gdtBase, 0x00bbccdd);
  step(env);
  assert.equal(peek32(env, 0x4012), 0x00bbccdd);
});

test("lidt in real mode and register forms of group 7 / lgdt outside ring 0", () => {
  const env = real([0x0f, 0x01, 0x1e, 0x00, 0x05, 0x0f, 0x01, 0xd0]);
  poke(env, 0x500, [0xff, 0x03, 0x00, 0x10, 0x02, 0x99]);
  step(env);
  assert.equal(env.cpu.idtLimit, 0x3ff);
  assert.equal(env.cpu.idtBase, 0x021000);
  expectFault(env, Vec.UD); // 0F 01 D0: register form of lgdt
  const u = flat([0x0f, 0x01, 0x15, 0x00, 0x30, 0x00, 0x00]);
  u.cpu.cpl = 3;
  expectFault(u, Vec.GP, 0);
});

/** A GDT for the selector tests, at 0x800. */
function gdtEnv(code: number[]): Env {
  const env = flat(code);
  setGdt(env, 0x800, [
    [0, 0],
    flatCode(0), // 0x08
    flatData(0), // 0x10
    flatCode(3), // 0x18
    flatData(3), // 0x20
    seg(0x3000, 0x67, 0x9, 0, { s: 0 }), // 0x28 available 32-bit TSS
    seg(0x4000, 0x2f, 0x2, 0, { s: 0 }), // 0x30 LDT
    seg(0x10000, 0x3, 0x2, 3, { flags: 0x8 }), // 0x38 data, G=1: limit 0x3FFF
    seg(0, 0xffff, 0x8, 0, { p: 0 }), // 0x40 not-present execute-only code
    [0x00080000, 0x0000ec00], // 0x48 call gate DPL 3
    seg(0, 0xfffff, 0xe, 0, { flags: 0xc }), // 0x50 conforming code DPL 0
  ]);
  return env;
}

test("ltr marks the TSS busy and loads TR; str reads it back", () => {
  const env = gdtEnv([0x0f, 0x00, 0xd8, 0x0f, 0x00, 0xc9, 0x0f, 0x00, 0xd8]);
  env.cpu.regs[EAX] = 0x28;
  step(env);
  assert.equal(env.cpu.segSel[TR], 0x28);
  assert.equal(env.cpu.segBase[TR], 0x3000);
  assert.equal(env.cpu.segAttr[TR] & 0xf, 0xb);
  assert.equal(env.bus.ram[0x800 + 0x28 + 5] & 0xf, 0xb); // busy in the GDT
  env.cpu.regs[ECX] = -1;
  step(env);
  assert.equal(env.cpu.regs[ECX], 0x28);
  expectFault(env, Vec.GP, 0x28); // a busy TSS cannot be loaded again
});

test("lldt / sldt, and group 6 in real mode is #UD", () => {
  const env = gdtEnv([0x0f, 0x00, 0xd0, 0x0f, 0x00, 0xc3, 0x0f, 0x00, 0xd0]);
  env.cpu.regs[EAX] = 0x30;
  step(env);
  assert.equal(env.cpu.segBase[LDTR], 0x4000);
  assert.equal(env.cpu.segLimit[LDTR], 0x2f);
  step(env);
  assert.equal(env.cpu.regs[EBX], 0x30);
  env.cpu.regs[EAX] = 0x10; // a data segment is not an LDT
  expectFault(env, Vec.GP, 0x10);
  expectFault(real([0x0f, 0x00, 0xc0]), Vec.UD);
});

test("lar / lsl: access rights and byte-granular limits, ZF on success only", () => {
  // lar eax, bx; lsl ecx, bx
  const env = gdtEnv([0x0f, 0x02, 0xc3, 0x0f, 0x03, 0xcb]);
  const both = (sel: number, cpl = 0) => {
    env.cpu.eip = 0x1000;
    env.cpu.cpl = cpl;
    env.cpu.regs[EBX] = sel;
    env.cpu.regs[EAX] = -1;
    env.cpu.regs[ECX] = -1;
    step(env);
    const larZ = (env.cpu.eflags & ZF) !== 0;
    step(env);
    const lslZ = (env.cpu.eflags & ZF) !== 0;
    return { larZ, lslZ, ar: env.cpu.regs[EAX] >>> 0, limit: env.cpu.regs[ECX] >>> 0 };
  };
  assert.deepEqual(both(0x38), { larZ: true, lslZ: true, ar: 0x0080f200, limit: 0x3fff });
  assert.deepEqual(both(0x1b, 0), { larZ: true, lslZ: true, ar: 0x00c0fa00, limit: 0xffffffff });
  // TSS: LAR and LSL both accept it; a call gate only LAR (no limit).
  assert.deepEqual(both(0x28), { larZ: true, lslZ: true, ar: 0x00008900, limit: 0x67 });
  assert.deepEqual(both(0x48), { larZ: true, lslZ: false, ar: 0x0000ec00, limit: 0xffffffff });
  // A DPL 0 data segment from ring 3 fails; the conforming code segment does not.
  assert.deepEqual(both(0x10, 3), { larZ: false, lslZ: false, ar: 0xffffffff, limit: 0xffffffff });
  assert.equal(both(0x50, 3).larZ, true);
  // Null and out-of-table selectors just clear ZF.
  assert.equal(both(0).larZ, false);
  assert.equal(both(0x400).lslZ, false);
});

test("verr / verw", () => {
  // verr ax; verw ax
  const env = gdtEnv([0x0f, 0x00, 0xe0, 0x0f, 0x00, 0xe8]);
  const check = (sel: number, cpl: number) => {
    env.cpu.eip = 0x1000;
    env.cpu.cpl = cpl;
    env.cpu.regs[EAX] = sel;
    step(env);
    const r = (env.cpu.eflags & ZF) !== 0;
    step(env);
    return [r, (env.cpu.eflags & ZF) !== 0];
  };
  assert.deepEqual(check(0x10, 0), [true, true]);
  assert.deepEqual(check(0x10, 3), [false, false]);
  assert.deepEqual(check(0x08, 0), [true, false]); // readable code: not writable
  assert.deepEqual(check(0x40, 0), [false, false]); // execute-only (presence is not checked)
  assert.deepEqual(check(0x28, 0), [false, false]); // system segment
});

test("arpl raises the RPL and sets ZF, else clears ZF; #UD in real mode", () => {
  const env = gdtEnv([0x63, 0xd8, 0x63, 0xd8]); // arpl ax, bx
  env.cpu.regs[EAX] = 0x12340010;
  env.cpu.regs[EBX] = 0x3;
  step(env);
  assert.equal(env.cpu.regs[EAX], 0x12340013);
  assert.equal(env.cpu.eflags & ZF, ZF);
  step(env);
  assert.equal(env.cpu.regs[EAX], 0x12340013);
  assert.equal(env.cpu.eflags & ZF, 0);
  expectFault(real([0x63, 0xd8]), Vec.UD);
});

test("ud2 and rsm are #UD", () => {
  expectFault(flat([0x0f, 0x0b]), Vec.UD);
  expectFault(flat([0x0f, 0xaa]), Vec.UD);
});
