/**
 * Stack semantics (ops/stack.ts), with values worked out by hand from the
 * SDM's operation sections.
 */
import assert from "node:assert/strict";
import { test } from "node:test";
import { ATTR_DB, ATTR_P, ATTR_S, type Cpu, CR4_VME, DS, EAX, EBP, EBX, ECX, EDI, EDX, ESI, ESP, SS } from "../../../src/hw/cpu/cpu.js";
import { AC, CF, IF, IOPL, RF, TF, VIF, VM, ZF } from "../../../src/hw/cpu/flags.js";
import { fault, flat, rd16, rd32, real, step, u, wr32 } from "../../support/cpu-env.js";

test("push esp pushes the value before the decrement", () => {
  const m = flat([0x54, 0x66, 0x54]);
  step(m);
  assert.equal(rd32(m.ram, 0x7ffc), 0x8000);
  assert.equal(m.cpu.regs[ESP], 0x7ffc);
  step(m); // push sp (16-bit)
  assert.equal(rd16(m.ram, 0x7ffa), 0x7ffc);
  assert.equal(m.cpu.regs[ESP], 0x7ffa);
});

test("pop esp loads the popped value", () => {
  const m = flat([0x5c]);
  wr32(m.ram, 0x8000, 0x12345678);
  step(m);
  assert.equal(m.cpu.regs[ESP], 0x12345678);
});

test("pop r32 and push r16 round trip", () => {
  const m = flat([0x53, 0x59, 0x66, 0x52, 0x66, 0x5e]); // push ebx ; pop ecx ; push dx ; pop si
  m.cpu.regs[EBX] = 0xcafebabe | 0;
  m.cpu.regs[EDX] = 0x11112222;
  m.cpu.regs[ESI] = 0x33334444;
  step(m, 4);
  assert.equal(u(m.cpu.regs[ECX]), 0xcafebabe);
  assert.equal(u(m.cpu.regs[ESI]), 0x33332222);
  assert.equal(m.cpu.regs[ESP], 0x8000);
});

test("pop [esp+4] addresses with ESP already incremented", () => {
  const m = flat([0x8f, 0x44, 0x24, 0x04]);
  wr32(m.ram, 0x8000, 0xaabbccdd);
  wr32(m.ram, 0x8004, 0x11111111);
  wr32(m.ram, 0x8008, 0x22222222);
  step(m);
  assert.equal(m.cpu.regs[ESP], 0x8004);
  assert.equal(rd32(m.ram, 0x8008), 0xaabbccdd);
  assert.equal(rd32(m.ram, 0x8004), 0x11111111);
});

test("pop Ev: a faulting store leaves ESP unchanged; /1 is #UD; pop esp via 8F C4", () => {
  const m = flat([0x8f, 0x03]); // pop [ebx] with DS unusable
  m.cpu.setSegCache(DS, 0, 0, 0, 0);
  assert.equal(fault(m).vector, 13);
  assert.equal(m.cpu.regs[ESP], 0x8000);
  assert.equal(fault(flat([0x8f, 0xc8])).vector, 6);
  const p = flat([0x8f, 0xc4]);
  wr32(p.ram, 0x8000, 0x4444);
  step(p);
  assert.equal(p.cpu.regs[ESP], 0x4444);
});

test("push imm: Ib sign-extended at both operand sizes, Iz as is", () => {
  const m = flat([0x6a, 0xff, 0x66, 0x6a, 0x80, 0x68, 0x78, 0x56, 0x34, 0x12]);
  step(m);
  assert.equal(rd32(m.ram, 0x7ffc), 0xffffffff);
  step(m);
  assert.equal(rd16(m.ram, 0x7ffa), 0xff80);
  assert.equal(m.cpu.regs[ESP], 0x7ffa);
  step(m);
  assert.equal(rd32(m.ram, 0x7ff6), 0x12345678);
});

test("push ds with 32-bit operand size writes the selector zero-extended (as QEMU)", () => {
  const m = flat([0x1e, 0x0f, 0xa8]); // push ds ; push gs
  wr32(m.ram, 0x7ffc, 0xaaaaaaaa);
  step(m, 2);
  assert.equal(rd32(m.ram, 0x7ffc), 0x00000010);
  assert.equal(rd32(m.ram, 0x7ff8), 0x00000010);
  assert.equal(m.cpu.regs[ESP], 0x7ff8);
});

test("pop ds / pop ss in real mode; pop ss sets the interrupt shadow", () => {
  const m = real([0x1f, 0x17]);
  m.ram.set([0x34, 0x12, 0x78, 0x56], 0x8000);
  step(m);
  assert.equal(m.cpu.segSel[DS], 0x1234);
  assert.equal(m.cpu.segBase[DS], 0x12340);
  assert.equal(m.cpu.inhibitInterrupts, false);
  step(m);
  assert.equal(m.cpu.segSel[SS], 0x5678);
  assert.equal(m.cpu.regs[ESP], 0x8004);
  assert.equal(m.cpu.inhibitInterrupts, true);
});

test("16-bit stack wraps at 64 KiB and keeps the upper half of ESP", () => {
  const m = real([0x50]); // push ax with SP = 0
  m.cpu.regs[ESP] = 0x00120000;
  m.cpu.regs[EAX] = 0xbeef;
  step(m);
  assert.equal(u(m.cpu.regs[ESP]), 0x0012fffe);
  assert.equal(rd16(m.ram, 0xfffe), 0xbeef);
});

test("pusha stores the original ESP; popa skips it", () => {
  const m = flat([0x60, 0x61]);
  for (let r = 0; r < 8; r++) if (r !== ESP) m.cpu.regs[r] = 0x100 * (r + 1);
  step(m);
  assert.equal(m.cpu.regs[ESP], 0x8000 - 32);
  // Order from the top: EAX ECX EDX EBX ESP EBP ESI EDI.
  assert.equal(rd32(m.ram, 0x7ffc), 0x100);
  assert.equal(rd32(m.ram, 0x7ff0), 0x400);
  assert.equal(rd32(m.ram, 0x7fec), 0x8000);
  assert.equal(rd32(m.ram, 0x7fe0), 0x800);
  wr32(m.ram, 0x7fec, 0x5555); // popa must ignore this slot
  for (let r = 0; r < 8; r++) if (r !== ESP) m.cpu.regs[r] = 0;
  step(m);
  assert.equal(m.cpu.regs[ESP], 0x8000);
  assert.equal(m.cpu.regs[EAX], 0x100);
  assert.equal(m.cpu.regs[EBP], 0x600);
  assert.equal(m.cpu.regs[EDI], 0x800);
});

test("pusha faulting part way leaves ESP untouched", () => {
  const m = flat([0x60]);
  // Expand-down stack: valid offsets 0x7ff1..0xffffffff, so the fourth store (at 0x7ff0) faults.
  m.cpu.setSegCache(SS, 0x10, 0, 0x7ff0, ATTR_P | ATTR_S | 0x7 | ATTR_DB);
  const f = fault(m);
  assert.equal(f.vector, 12);
  assert.equal(m.cpu.regs[ESP], 0x8000);
});

test("pushf clears VM and RF in the image; 16-bit pushf is the low word", () => {
  const m = flat([0x9c, 0x66, 0x9c]);
  m.cpu.setEflags(RF | AC | CF | 0x2);
  step(m);
  assert.equal(rd32(m.ram, 0x7ffc), AC | CF | 0x2);
  step(m);
  assert.equal(rd16(m.ram, 0x7ffa), CF | 0x2);
});

function popfAt(cpl: number, iopl: number, value: number, opsize16 = false): Cpu {
  const m = flat(opsize16 ? [0x66, 0x9d] : [0x9d]);
  m.cpu.cpl = cpl;
  m.cpu.setEflags(IF | (iopl << 12) | 0x2);
  if (opsize16) m.ram.set([value & 0xff, (value >> 8) & 0xff], 0x8000);
  else wr32(m.ram, 0x8000, value);
  step(m);
  assert.equal(m.cpu.regs[ESP], opsize16 ? 0x8002 : 0x8004);
  return m.cpu;
}

test("popf at CPL 3 with IOPL 0 changes neither IF nor IOPL, silently", () => {
  const cpu = popfAt(3, 0, IOPL | CF | ZF | 0x2);
  assert.equal(cpu.eflags & (IF | IOPL | CF | ZF), IF | CF | ZF);
});

test("popf at CPL 3 with IOPL 3 changes IF but not IOPL", () => {
  const cpu = popfAt(3, 3, CF | 0x2);
  assert.equal(cpu.eflags & (IF | IOPL | CF), IOPL | CF);
});

test("popf at CPL 0 changes IF and IOPL; never VM or RF", () => {
  const cpu = popfAt(0, 0, IOPL | VM | RF | TF | 0x2);
  assert.equal(cpu.eflags & (IF | IOPL | VM | RF | TF), IOPL | TF);
});

test("16-bit popf leaves the upper flags (AC) alone", () => {
  const m = flat([0x66, 0x9d]);
  m.cpu.setEflags(AC | IF | 0x2);
  m.ram.set([0x01, 0x00], 0x8000); // CF only: IF cleared (CPL 0)
  step(m);
  assert.equal(m.cpu.eflags, AC | CF | 0x2);
});

test("popf/pushf in virtual-8086 mode with IOPL < 3 raise #GP(0) and leave ESP", () => {
  for (const op of [0x9c, 0x9d]) {
    const m = flat([op]);
    m.cpu.setEflags(VM | 0x2);
    m.cpu.cpl = 3;
    const f = fault(m);
    assert.equal(f.vector, 13);
    assert.equal(f.errorCode, 0);
    assert.equal(m.cpu.regs[ESP], 0x8000);
  }
});

test("virtual-8086 mode with CR4.VME: 16-bit pushf/popf use VIF in place of IF", () => {
  // pushf (16) ; popf (16) ; popf (16)
  const m = flat([0x66, 0x9c, 0x66, 0x9d, 0x66, 0x9d]);
  m.cpu.cr4 |= CR4_VME;
  m.cpu.cpl = 3;
  m.cpu.setEflags(VM | VIF | CF | 0x2);
  step(m);
  assert.equal(rd16(m.ram, 0x7ffe), IOPL | IF | CF | 0x2);
  // Pop a FLAGS image with IF clear and ZF set: VIF follows IF, the real IF stays 0.
  m.ram.set([ZF | 0x2, 0], 0x7ffe);
  step(m);
  assert.equal(m.cpu.eflags, VM | ZF | 0x2);
  assert.equal(m.cpu.regs[ESP], 0x8000);
  // An image with TF set faults.
  m.ram.set([0x02, TF >> 8], 0x8000);
  assert.equal(fault(m).vector, 13);
  assert.equal(m.cpu.regs[ESP], 0x8000);
});

test("enter with nesting level 2 copies the outer frame pointer", () => {
  const m = flat([0xc8, 0x10, 0x00, 0x02]); // enter 0x10, 2
  m.cpu.regs[EBP] = 0x9000;
  wr32(m.ram, 0x8ffc, 0xcafebabe);
  step(m);
  assert.equal(rd32(m.ram, 0x7ffc), 0x9000); // old EBP
  assert.equal(rd32(m.ram, 0x7ff8), 0xcafebabe); // copied from [EBP-4]
  assert.equal(rd32(m.ram, 0x7ff4), 0x7ffc); // the new frame pointer
  assert.equal(m.cpu.regs[EBP], 0x7ffc);
  assert.equal(m.cpu.regs[ESP], 0x7ff4 - 0x10);
});

test("enter 16-bit with level 1 in real mode, then leave", () => {
  const m = real([0xc8, 0x04, 0x00, 0x01, 0xc9]);
  m.cpu.regs[ESP] = 0x00050100;
  m.cpu.regs[EBP] = 0x00060200;
  step(m);
  assert.equal(rd16(m.ram, 0xfe), 0x0200);
  assert.equal(rd16(m.ram, 0xfc), 0x00fe);
  assert.equal(u(m.cpu.regs[EBP]), 0x000600fe);
  assert.equal(u(m.cpu.regs[ESP]), 0x000500f8);
  step(m);
  assert.equal(u(m.cpu.regs[ESP]), 0x00050100);
  assert.equal(u(m.cpu.regs[EBP]), 0x00060200);
});

test("enter level 0 and leave in 32-bit", () => {
  const m = flat([0xc8, 0x08, 0x00, 0x00, 0xc9]);
  m.cpu.regs[EBP] = 0x1234;
  step(m);
  assert.equal(m.cpu.regs[EBP], 0x7ffc);
  assert.equal(m.cpu.regs[ESP], 0x7ff4);
  step(m);
  assert.equal(m.cpu.regs[EBP], 0x1234);
  assert.equal(m.cpu.regs[ESP], 0x8000);
});

test("enter that faults leaves EBP and ESP untouched", () => {
  const m = flat([0xc8, 0x00, 0x00, 0x03]); // enter 0, 3
  m.cpu.setSegCache(SS, 0x10, 0, 0x7ff0, ATTR_P | ATTR_S | 0x7 | ATTR_DB); // offsets < 0x7ff1 fault
  m.cpu.regs[EBP] = 0x9000;
  const f = fault(m);
  assert.equal(f.vector, 12);
  assert.equal(m.cpu.regs[ESP], 0x8000);
  assert.equal(m.cpu.regs[EBP], 0x9000);
});

test("leave reads before it writes: a fault keeps ESP", () => {
  const m = flat([0xc9]);
  m.cpu.regs[EBP] = 0x100; // below the expand-down limit
  m.cpu.setSegCache(SS, 0x10, 0, 0x7ff0, ATTR_P | ATTR_S | 0x7 | ATTR_DB);
  assert.equal(fault(m).vector, 12);
  assert.equal(m.cpu.regs[ESP], 0x8000);
  assert.equal(m.cpu.regs[EBP], 0x100);
});
