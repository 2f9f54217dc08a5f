import assert from "node:assert/strict";
import { test } from "node:test";
import { CR0_TS, CS, DS, EAX, EBX, ES, ESP, FS, GS, SS, TR } from "../../../src/hw/cpu/cpu.js";
import { Vec } from "../../../src/hw/cpu/fault.js";
import { CF, IF, IOPL, NT, VM } from "../../../src/hw/cpu/flags.js";
import { loadCache, readDescriptor } from "../../../src/hw/cpu/segments.js";
import {
  callGate,
  type Env,
  expectFault,
  flatCode,
  flatData,
  makeEnv,
  peek16,
  peek32,
  poke,
  poke16,
  poke32,
  SYSTEM_RAM,
  seg,
  setGdt,
  step,
} from "../../support/cpu-env.js";

const GDT = 0x800;
const TSS1 = 0x3000;
const TSS2 = 0x3100;
const IDT = 0x600;

/**
 * Protected mode with a hand-built GDT:
 *   08 code DPL0, 10 data DPL0, 18 code DPL3, 20 data DPL3,
 *   28 TSS (TR, busy) at 0x3000 with SS0:ESP0 = 10:9000,
 *   30 32-bit call gate DPL3 → 08:5000 copying 2 dwords,
 *   38 conforming code DPL0, 40 not-present code,
 *   48 16-bit call gate DPL3 → 08:5100 copying 1 word,
 *   50 available TSS at 0x3100, 58 task gate DPL3 → 50.
 */
function protectedEnv(): Env {
  const env = makeEnv({ ramSize: SYSTEM_RAM });
  const cpu = env.cpu;
  cpu.enterFlat32(0x1000);
  setGdt(env, GDT, [
    [0, 0],
    flatCode(0),
    flatData(0),
    flatCode(3),
    flatData(3),
    seg(TSS1, 0x67, 0xb, 0, { s: 0 }),
    callGate(0x08, 0x5000, 3, 2),
    flatCode(0, true),
    seg(0, 0xfffff, 0xa, 0, { p: 0, flags: 0xc }),
    callGate(0x08, 0x5100, 3, 1, 0x4),
    seg(TSS2, 0x67, 0x9, 0, { s: 0 }),
    [0x00500000, 0x0000e500],
  ]);
  poke32(env, TSS1 + 4, 0x9000); // ESP0
  poke16(env, TSS1 + 8, 0x10); // SS0
  loadCache(cpu, TR, 0x28, readDescriptor(cpu, 0x28));
  cpu.regs[ESP] = 0x8000;
  return env;
}

function load(env: Env, s: number, sel: number): void {
  loadCache(env.cpu, s, sel, readDescriptor(env.cpu, sel));
}

/** Switch the environment to ring 3: CS 1B, SS/DS/ES/FS/GS 23, ESP 7000. */
function ring3(env: Env): void {
  load(env, CS, 0x1b);
  for (const s of [SS, DS, ES, FS, GS]) load(env, s, 0x23);
  env.cpu.cpl = 3;
  env.cpu.regs[ESP] = 0x7000;
}

test("call through a 32-bit call gate from ring 3 to ring 0 switches stacks and copies 2 parameters; retf 8 returns", () => {
  const env = protectedEnv();
  ring3(env);
  const cpu = env.cpu;
  poke(env, 0x1000, [0x9a, 0x00, 0x00, 0x00, 0x00, 0x33, 0x00]); // call 0033:00000000
  poke32(env, 0x7000, 0x11111111);
  poke32(env, 0x7004, 0x22222222);
  step(env);
  assert.equal(cpu.cpl, 0);
  assert.equal(cpu.segSel[CS], 0x08);
  assert.equal(cpu.eip, 0x5000);
  assert.equal(cpu.segSel[SS], 0x10);
  assert.equal(cpu.regs[ESP], 0x9000 - 24);
  assert.deepEqual(
    [0, 4, 8, 12, 16, 20].map((k) => peek32(env, 0x8fe8 + k)),
    [0x1007, 0x1b, 0x11111111, 0x22222222, 0x7000, 0x23],
  );

  // The kernel loads its own DS; RETF to ring 3 must not leave it usable there.
  load(env, DS, 0x10);
  poke(env, 0x5000, [0xca, 0x08, 0x00]); // retf 8
  step(env);
  assert.equal(cpu.cpl, 3);
  assert.equal(cpu.segSel[CS], 0x1b);
  assert.equal(cpu.eip, 0x1007);
  assert.equal(cpu.segSel[SS], 0x23);
  assert.equal(cpu.regs[ESP], 0x7008);
  assert.equal(cpu.segSel[DS], 0);
  assert.equal(cpu.segSel[ES], 0x23);
  // A DS access in ring 3 now faults.
  poke(env, 0x1007, [0x03, 0x05, 0x00, 0x60, 0x00, 0x00]);
  expectFault(env, Vec.GP, 0);
});

test("call through a 16-bit call gate pushes words and copies 1 parameter", () => {
  const env = protectedEnv();
  ring3(env);
  poke(env, 0x1000, [0x9a, 0x00, 0x00, 0x00, 0x00, 0x4b, 0x00]);
  poke32(env, 0x7000, 0x33334444);
  step(env);
  assert.equal(env.cpu.cpl, 0);
  assert.equal(env.cpu.eip, 0x5100);
  assert.equal(env.cpu.regs[ESP], 0x9000 - 10);
  assert.deepEqual(
    [0, 2, 4, 6, 8].map((k) => peek16(env, 0x8ff6 + k)),
    [0x1007, 0x1b, 0x4444, 0x7000, 0x23],
  );
});

test("far call and retf to a code segment at the same privilege", () => {
  const env = protectedEnv();
  poke(env, 0x1000, [0x9a, 0x00, 0x20, 0x00, 0x00, 0x08, 0x00]);
  poke(env, 0x2000, [0xcb]);
  step(env);
  assert.equal(env.cpu.eip, 0x2000);
  assert.equal(env.cpu.regs[ESP], 0x7ff8);
  assert.equal(peek32(env, 0x7ff8), 0x1007);
  assert.equal(peek32(env, 0x7ffc), 0x08);
  step(env);
  assert.equal(env.cpu.eip, 0x1007);
  assert.equal(env.cpu.segSel[CS], 0x08);
  assert.equal(env.cpu.regs[ESP], 0x8000);
});

test("jmp to a conforming segment keeps CPL 3; to a ring 0 non-conforming segment it is #GP(sel)", () => {
  const env = protectedEnv();
  ring3(env);
  poke(env, 0x1000, [0xea, 0x00, 0x20, 0x00, 0x00, 0x38, 0x00]);
  step(env);
  assert.equal(env.cpu.cpl, 3);
  assert.equal(env.cpu.segSel[CS], 0x3b);
  assert.equal(env.cpu.eip, 0x2000);
  poke(env, 0x2000, [0xea, 0x00, 0x30, 0x00, 0x00, 0x08, 0x00]);
  expectFault(env, Vec.GP, 0x08);
  assert.equal(env.cpu.segSel[CS], 0x3b); // nothing changed
  // JMP through a call gate cannot raise the privilege either.
  poke(env, 0x2000, [0xea, 0x00, 0x00, 0x00, 0x00, 0x33, 0x00]);
  expectFault(env, Vec.GP, 0x08);
});

test("far call to a not-present segment is #NP(sel); to a null selector #GP(0)", () => {
  const env = protectedEnv();
  poke(env, 0x1000, [0x9a, 0x00, 0x00, 0x00, 0x00, 0x40, 0x00]);
  expectFault(env, Vec.NP, 0x40);
  assert.equal(env.cpu.regs[ESP], 0x8000);
  poke(env, 0x1000, [0x9a, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00]);
  expectFault(env, Vec.GP, 0);
});

test("iret to ring 3 loads SS:ESP, nulls DPL 0 data segments; IOPL and IF follow the privilege rules", () => {
  const env = protectedEnv();
  const cpu = env.cpu;
  load(env, ES, 0x23);
  poke(env, 0x1000, [0xcf]);
  [0x1234, 0x1b, IF | IOPL | CF | 2, 0x7000, 0x23].forEach((v, k) => {
    poke32(env, 0x8000 + k * 4, v);
  });
  step(env);
  assert.equal(cpu.cpl, 3);
  assert.equal(cpu.segSel[CS], 0x1b);
  assert.equal(cpu.eip, 0x1234);
  assert.equal(cpu.segSel[SS], 0x23);
  assert.equal(cpu.regs[ESP], 0x7000);
  assert.equal(cpu.eflags, IF | IOPL | CF | 2);
  assert.equal(cpu.segSel[DS], 0);
  assert.equal(cpu.segSel[ES], 0x23);

  // Ring 3 with IOPL 3: IF follows the frame, IOPL does not.
  poke(env, 0x1234, [0xcf]);
  [0x1300, 0x1b, 2].forEach((v, k) => {
    poke32(env, 0x7000 + k * 4, v);
  });
  step(env);
  assert.equal(cpu.eip, 0x1300);
  assert.equal(cpu.eflags, IOPL | 2);

  // Ring 3 with IOPL 0: neither IF nor IOPL changes.
  cpu.setEflags(IF);
  poke(env, 0x1300, [0xcf]);
  [0x1400, 0x1b, IOPL | 2].forEach((v, k) => {
    poke32(env, 0x700c + k * 4, v);
  });
  step(env);
  assert.equal(cpu.eip, 0x1400);
  assert.equal(cpu.eflags, IF | 2);
});

test("iret cannot return to a more privileged level", () => {
  const env = protectedEnv();
  ring3(env);
  poke(env, 0x1000, [0xcf]);
  [0x2000, 0x08, 2].forEach((v, k) => {
    poke32(env, 0x7000 + k * 4, v);
  });
  expectFault(env, Vec.GP, 0x08);
});

test("iret to virtual-8086 mode and an INT from it back through the IDT", () => {
  const env = protectedEnv();
  const cpu = env.cpu;
  // IDT vector 0x80: 32-bit interrupt gate DPL 3 → 08:5000.
  poke32(env, IDT + 0x80 * 8, (0x08 << 16) | 0x5000);
  poke32(env, IDT + 0x80 * 8 + 4, 0x0000ee00);
  cpu.idtBase = IDT;
  cpu.idtLimit = 0x7ff;
  poke(env, 0x1000, [0xcf]);
  [0x0010, 0x2000, VM | IF | IOPL | 2, 0x0ffe, 0x3000, 0x4000, 0x5000, 0x6000, 0x7000].forEach((v, k) => {
    poke32(env, 0x8000 + k * 4, v);
  });
  step(env);
  assert.equal(cpu.v86Mode, true);
  assert.equal(cpu.cpl, 3);
  assert.equal(cpu.segBase[CS], 0x20000);
  assert.equal(cpu.eip, 0x10);
  assert.equal(cpu.segBase[SS], 0x30000);
  assert.equal(cpu.regs[ESP], 0x0ffe);
  assert.deepEqual(
    [ES, DS, FS, GS].map((s) => cpu.segBase[s]),
    [0x40000, 0x50000, 0x60000, 0x70000],
  );

  poke(env, 0x20010, [0xcd, 0x80]);
  poke(env, 0x5000, [0xcf]);
  step(env); // int 0x80 from v86 mode: to ring 0 on the TSS stack
  assert.equal(cpu.v86Mode, false);
  assert.equal(cpu.cpl, 0);
  assert.equal(cpu.eip, 0x5000);
  assert.equal(cpu.regs[ESP], 0x9000 - 36);
  assert.equal(cpu.segSel[DS], 0);
  step(env); // iret back into v86 mode
  assert.equal(cpu.v86Mode, true);
  assert.equal(cpu.eip, 0x12);
  assert.equal(cpu.segBase[DS], 0x50000);
  assert.equal(cpu.regs[ESP], 0x0ffe);
});

test("v86 mode: int n needs IOPL 3", () => {
  const env = protectedEnv();
  poke(env, 0x1000, [0xcf]);
  [0x0010, 0x2000, VM | 2, 0x0ffe, 0x3000, 0, 0, 0, 0].forEach((v, k) => {
    poke32(env, 0x8000 + k * 4, v);
  });
  step(env);
  poke(env, 0x20010, [0xcd, 0x80]);
  expectFault(env, Vec.GP, 0);
});

/** TSS 2: a ring 0 task at 08:6000 with EAX = AAAA and its stack at 10:6800. */
function prepareTask2(env: Env): void {
  poke32(env, TSS2 + 0x20, 0x6000);
  poke32(env, TSS2 + 0x24, 0x2);
  poke32(env, TSS2 + 0x28, 0xaaaa);
  poke32(env, TSS2 + 0x28 + 4 * 4, 0x6800);
  const segs = [0x10, 0x08, 0x10, 0x10, 0, 0];
  segs.forEach((s, k) => {
    poke16(env, TSS2 + 0x48 + k * 4, s);
  });
}

test("jmp to a TSS switches tasks: state saved, new state loaded, busy bits moved", () => {
  const env = protectedEnv();
  const cpu = env.cpu;
  prepareTask2(env);
  poke(env, 0x1000, [0xea, 0x00, 0x00, 0x00, 0x00, 0x50, 0x00]);
  cpu.regs[EAX] = 0x1111;
  cpu.regs[EBX] = 0x2222;
  step(env);
  assert.equal(cpu.segSel[TR], 0x50);
  assert.equal(cpu.eip, 0x6000);
  assert.equal(cpu.regs[EAX], 0xaaaa);
  assert.equal(cpu.regs[ESP], 0x6800);
  assert.equal(cpu.segSel[CS], 0x08);
  assert.equal(cpu.cr0 & CR0_TS, CR0_TS);
  assert.equal(peek32(env, TSS1 + 0x20), 0x1007); // saved EIP
  assert.equal(peek32(env, TSS1 + 0x28), 0x1111); // saved EAX
  assert.equal(peek32(env, TSS1 + 0x28 + 12), 0x2222); // saved EBX
  assert.equal(peek16(env, TSS1 + 0x48 + 4), 0x08); // saved CS
  assert.equal(env.bus.ram[GDT + 0x28 + 5] & 0xf, 0x9); // old TSS no longer busy
  assert.equal(env.bus.ram[GDT + 0x50 + 5] & 0xf, 0xb); // new TSS busy
  assert.equal(cpu.eflags & NT, 0);
});

test("call through a task gate nests the task; iret with NT returns to the caller", () => {
  const env = protectedEnv();
  const cpu = env.cpu;
  prepareTask2(env);
  poke(env, 0x1000, [0x9a, 0x00, 0x00, 0x00, 0x00, 0x58, 0x00]);
  poke(env, 0x6000, [0xcf]);
  cpu.regs[EAX] = 0x1111;
  step(env);
  assert.equal(cpu.segSel[TR], 0x50);
  assert.equal(cpu.eflags & NT, NT);
  assert.equal(peek16(env, TSS2), 0x28); // back link
  assert.equal(env.bus.ram[GDT + 0x28 + 5] & 0xf, 0xb); // caller stays busy
  step(env); // iret: task return
  assert.equal(cpu.segSel[TR], 0x28);
  assert.equal(cpu.eip, 0x1007);
  assert.equal(cpu.regs[EAX], 0x1111);
  assert.equal(cpu.regs[ESP], 0x8000);
  assert.equal(env.bus.ram[GDT + 0x50 + 5] & 0xf, 0x9); // returned-from task available again
  assert.equal(peek32(env, TSS2 + 0x20), 0x6001); // its EIP was saved after the iret
  // A busy TSS cannot be jumped to.
  poke(env, 0x1007, [0xea, 0x00, 0x00, 0x00, 0x00, 0x28, 0x00]);
  expectFault(env, Vec.GP, 0x28);
});

test("a page fault on the inner stack leaves the caller's state and memory untouched", () => {
  const env = protectedEnv();
  const cpu = env.cpu;
  ring3(env);
  // Identity paging, user-accessible, except the page of the ring 0 stack (0x8000–0x8FFF).
  poke32(env, 0x20000, 0x21000 | 7);
  for (let p = 0; p < 1024; p++) poke32(env, 0x21000 + p * 4, p === 8 ? 0 : (p << 12) | 7);
  cpu.cr3 = 0x20000;
  cpu.cr0 |= 0x80000000;
  poke(env, 0x1000, [0x9a, 0x00, 0x00, 0x00, 0x00, 0x33, 0x00]);
  poke32(env, 0x7000, 0x11111111);
  expectFault(env, Vec.PF, 2); // supervisor write to a not-present page
  assert.equal(cpu.cr2, 0x8ffc);
  assert.equal(cpu.cpl, 3);
  assert.equal(cpu.segSel[CS], 0x1b);
  assert.equal(cpu.segSel[SS], 0x23);
  assert.equal(cpu.regs[ESP], 0x7000);
  assert.equal(cpu.eip, 0x1000);
});

test("a TSS with the T flag raises #DB in the new task", () => {
  const env = protectedEnv();
  prepareTask2(env);
  poke16(env, TSS2 + 0x64, 1);
  poke(env, 0x1000, [0xea, 0x00, 0x00, 0x00, 0x00, 0x50, 0x00]);
  const r = env.it.step();
  assert.ok(r && r.kind === "exception");
  assert.equal(r.fault.vector, Vec.DB);
  assert.equal(env.cpu.segSel[TR], 0x50);
  assert.equal(env.cpu.eip, 0x6000); // not rewound into the old task
  assert.equal(env.cpu.dr[6] & 0x8000, 0x8000);
});
