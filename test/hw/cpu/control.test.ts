import assert from "node:assert/strict";
import { test } from "node:test";
import { ATTR_CODE_RX, ATTR_DB, CS, EBX, ECX, ESP } from "../../../src/hw/cpu/cpu.js";
import { Vec } from "../../../src/hw/cpu/fault.js";
import { CF, IF, OF, ZF } from "../../../src/hw/cpu/flags.js";
import { expectFault, sysFlat as flat, peek16, peek32, poke, poke16, poke32, sysReal as real, step } from "../../support/cpu-env.js";

test("real mode: call rel16 pushes the 16-bit return IP and ret pops it", () => {
  const env = real([0xe8, 0x03, 0x00, 0, 0, 0, 0xc3]); // call +3; ...; ret at 6
  step(env);
  assert.equal(env.cpu.eip, 6);
  assert.equal(env.cpu.regs[ESP], 0x1ffe);
  assert.equal(peek16(env, 0x1ffe), 3);
  step(env);
  assert.equal(env.cpu.eip, 3);
  assert.equal(env.cpu.regs[ESP], 0x2000);
});

test("32-bit code: call with a 16-bit operand size pushes 2 bytes and masks EIP to 16 bits", () => {
  // 66 E8 00 00 at 0x11000: next EIP 0x11004, target (0x11004 + 0) & 0xFFFF = 0x1004.
  const env = flat([]);
  poke(env, 0x11000, [0x66, 0xe8, 0x00, 0x00]);
  env.cpu.eip = 0x11000;
  step(env);
  assert.equal(env.cpu.eip, 0x1004);
  assert.equal(env.cpu.regs[ESP], 0x7ffe);
  assert.equal(peek16(env, 0x7ffe), 0x1004);
  assert.equal(peek16(env, 0x7ffc), 0); // nothing more was pushed
  // 66 C3: a 16-bit ret pops 2 bytes.
  poke(env, 0x1004, [0x66, 0xc3]);
  poke16(env, 0x7ffe, 0x2222);
  step(env);
  assert.equal(env.cpu.eip, 0x2222);
  assert.equal(env.cpu.regs[ESP], 0x8000);
});

test("ret imm16 releases the parameters after the return address", () => {
  const env = flat([0xc2, 0x08, 0x00]);
  poke32(env, 0x8000, 0x3000);
  step(env);
  assert.equal(env.cpu.eip, 0x3000);
  assert.equal(env.cpu.regs[ESP], 0x800c);
});

test("loop with a 16-bit address size counts in CX only", () => {
  const env = flat([0x67, 0xe2, 0xfd]); // loop $ (a32 code, a16 prefix)
  env.cpu.regs[ECX] = 0x00010001;
  step(env);
  assert.equal(env.cpu.regs[ECX], 0x00010000); // CX 1 → 0: falls through
  assert.equal(env.cpu.eip, 0x1003);
  env.cpu.eip = 0x1000;
  step(env);
  assert.equal(env.cpu.regs[ECX], 0x0001ffff); // CX 0 → FFFF: branches
  assert.equal(env.cpu.eip, 0x1000);
});

test("loop with a 32-bit address size counts in ECX", () => {
  const env = flat([0xe2, 0xfe]);
  env.cpu.regs[ECX] = 0x00010000;
  step(env);
  assert.equal(env.cpu.regs[ECX], 0xffff);
  assert.equal(env.cpu.eip, 0x1000);
});

test("loope / loopne test ZF as well as the count", () => {
  const env = flat([0xe1, 0x10, 0xe0, 0x10]);
  env.cpu.regs[ECX] = 5;
  env.cpu.setEflags(0); // ZF clear: loope falls through
  step(env);
  assert.equal(env.cpu.eip, 0x1002);
  assert.equal(env.cpu.regs[ECX], 4);
  step(env); // loopne with ZF clear branches
  assert.equal(env.cpu.eip, 0x1014);
  assert.equal(env.cpu.regs[ECX], 3);
});

test("jcxz / jecxz pick the count register by address size", () => {
  const env = flat([0xe3, 0x05]);
  env.cpu.regs[ECX] = 0x10000;
  step(env);
  assert.equal(env.cpu.eip, 0x1002); // ECX ≠ 0
  poke(env, 0x1002, [0x67, 0xe3, 0x05]);
  step(env);
  assert.equal(env.cpu.eip, 0x100a); // CX = 0
});

test("jcc rel8 and rel32 follow the condition", () => {
  // cmp eax, eax (ZF=1); je +4; (skipped) ; jne far ahead (not taken); jz rel32 +0x100
  const env = flat([0x39, 0xc0, 0x74, 0x04, 0, 0, 0, 0, 0x0f, 0x85, 0, 1, 0, 0, 0x0f, 0x84, 0x00, 0x01, 0, 0]);
  step(env);
  step(env);
  assert.equal(env.cpu.eip, 0x1008);
  step(env);
  assert.equal(env.cpu.eip, 0x100e);
  step(env);
  assert.equal(env.cpu.eip, 0x1114);
});

test("jb tests CF, jo tests OF", () => {
  const env = flat([0x72, 0x10, 0x70, 0x10]);
  env.cpu.setEflags(OF);
  step(env);
  assert.equal(env.cpu.eip, 0x1002);
  step(env);
  assert.equal(env.cpu.eip, 0x1014);
  env.cpu.eip = 0x1000;
  env.cpu.setEflags(CF);
  step(env);
  assert.equal(env.cpu.eip, 0x1012);
});

test("a near jump past the CS limit raises #GP(0) and leaves EIP on the jump", () => {
  const env = flat([0xe9, 0x00, 0x20, 0x00, 0x00]); // jmp +0x2000 → 0x3005
  env.cpu.setSegCache(CS, 0x08, 0, 0x1fff, ATTR_CODE_RX | ATTR_DB);
  expectFault(env, Vec.GP, 0);
  assert.equal(env.cpu.eip, 0x1000);
});

test("group 5: call and jmp near indirect, push, inc and dec of memory", () => {
  const env = flat([
    0xff,
    0x15,
    0x00,
    0x30,
    0x00,
    0x00, // call [0x3000]
  ]);
  poke32(env, 0x3000, 0x2000);
  step(env);
  assert.equal(env.cpu.eip, 0x2000);
  assert.equal(peek32(env, 0x7ffc), 0x1006);
  poke(env, 0x2000, [0xff, 0xe3]); // jmp ebx
  env.cpu.regs[EBX] = 0x2100;
  step(env);
  assert.equal(env.cpu.eip, 0x2100);
  poke(env, 0x2100, [0xff, 0x35, 0x00, 0x30, 0x00, 0x00, 0xff, 0x05, 0x04, 0x30, 0x00, 0x00, 0xff, 0x0d, 0x08, 0x30, 0x00, 0x00]);
  poke32(env, 0x3004, 0xffffffff);
  poke32(env, 0x3008, 1);
  env.cpu.setEflags(CF);
  step(env); // push dword [0x3000]
  assert.equal(env.cpu.regs[ESP], 0x7ff8);
  assert.equal(peek32(env, 0x7ff8), 0x2000);
  step(env); // inc dword [0x3004]: wraps to 0, ZF=1, CF kept
  assert.equal(peek32(env, 0x3004), 0);
  assert.equal(env.cpu.eflags & (ZF | CF), ZF | CF);
  step(env); // dec dword [0x3008]
  assert.equal(peek32(env, 0x3008), 0);
});

test("group 5 /7 and a register far pointer are #UD", () => {
  const env = flat([0xff, 0xf8]);
  expectFault(env, Vec.UD);
  poke(env, 0x1000, [0xff, 0xd8]); // callf eax
  expectFault(env, Vec.UD);
});

test("real mode: far jmp loads CS with base selector × 16", () => {
  const env = real([0xea, 0x34, 0x12, 0x00, 0x20]);
  step(env);
  assert.equal(env.cpu.segSel[CS], 0x2000);
  assert.equal(env.cpu.segBase[CS], 0x20000);
  assert.equal(env.cpu.eip, 0x1234);
});

test("real mode: far call pushes CS then IP, retf returns", () => {
  const env = real([0x9a, 0x00, 0x00, 0x00, 0x30]); // call 3000:0000
  poke(env, 0x30000, [0xcb]);
  step(env);
  assert.equal(env.cpu.segSel[CS], 0x3000);
  assert.equal(env.cpu.eip, 0);
  assert.equal(env.cpu.regs[ESP], 0x1ffc);
  assert.equal(peek16(env, 0x1ffe), 0x100);
  assert.equal(peek16(env, 0x1ffc), 5);
  step(env);
  assert.equal(env.cpu.segSel[CS], 0x100);
  assert.equal(env.cpu.eip, 5);
  assert.equal(env.cpu.regs[ESP], 0x2000);
});

test("real mode: call far [mem] with a 32-bit operand size pushes dwords", () => {
  const env = real([0x66, 0xff, 0x1e, 0x00, 0x05]); // call far dword [0x500]
  poke32(env, 0x500, 0x10);
  poke16(env, 0x504, 0x4000);
  step(env);
  assert.equal(env.cpu.segBase[CS], 0x40000);
  assert.equal(env.cpu.eip, 0x10);
  assert.equal(env.cpu.regs[ESP], 0x1ff8);
  assert.equal(peek32(env, 0x1ff8), 5);
  assert.equal(peek32(env, 0x1ffc), 0x100);
});

test("real mode: int goes through the IVT and iret comes back", () => {
  const env = real([0xcd, 0x21]);
  poke16(env, 0x21 * 4, 0x0200); // IP
  poke16(env, 0x21 * 4 + 2, 0x0050); // CS → linear 0x700
  poke(env, 0x700, [0xcf]);
  env.cpu.setEflags(IF | CF);
  step(env);
  assert.equal(env.cpu.segSel[CS], 0x50);
  assert.equal(env.cpu.eip, 0x200);
  assert.equal(env.cpu.regs[ESP], 0x1ffa);
  assert.equal(peek16(env, 0x1ffa), 2); // return IP
  assert.equal(peek16(env, 0x1ffc), 0x100); // return CS
  assert.equal(peek16(env, 0x1ffe), IF | CF | 2); // FLAGS
  assert.equal(env.cpu.eflags & IF, 0);
  step(env);
  assert.equal(env.cpu.segSel[CS], 0x100);
  assert.equal(env.cpu.eip, 2);
  assert.equal(env.cpu.regs[ESP], 0x2000);
  assert.equal(env.cpu.eflags & (IF | CF), IF | CF);
});

test("real mode: iret with a 32-bit operand size keeps VM and loads IOPL", () => {
  const env = real([0x66, 0xcf]);
  poke32(env, 0x2000, 0x1234);
  poke32(env, 0x2004, 0x0200);
  poke32(env, 0x2008, 0x3000 | 0x40000 | 0x20000 | 0x1); // IOPL 3, AC, VM (ignored), CF
  env.cpu.regs[ESP] = 0x2000;
  step(env);
  assert.equal(env.cpu.eip, 0x1234);
  assert.equal(env.cpu.segBase[CS], 0x2000);
  assert.equal(env.cpu.eflags, 0x3000 | 0x40000 | 0x1 | 2);
  assert.equal(env.cpu.regs[ESP], 0x200c);
});

test("int3 and into (with OF) deliver through the IVT; into without OF does nothing", () => {
  const env = real([0xce, 0xcc]);
  poke16(env, 3 * 4, 0x10);
  poke16(env, 4 * 4, 0x20);
  step(env);
  assert.equal(env.cpu.eip, 1); // OF clear
  step(env);
  assert.equal(env.cpu.eip, 0x10);
  assert.equal(env.cpu.segSel[CS], 0);
  assert.equal(peek16(env, env.cpu.regs[ESP]), 2);
  env.cpu.enterReal16(0x100, 0, 0);
  env.cpu.eip = 0;
  env.cpu.setEflags(OF);
  step(env);
  assert.equal(env.cpu.eip, 0x20);
});

test("int1 raises #DB as a trap with EIP after the instruction", () => {
  const env = real([0xf1]);
  const r = env.it.step();
  assert.ok(r && r.kind === "exception");
  assert.equal(r.fault.vector, Vec.DB);
  assert.equal(r.fault.trap, true);
  assert.equal(env.cpu.eip, 1);
});

test("a 16-bit jmp in 32-bit code wraps its target", () => {
  const env = flat([0x66, 0xe9, 0xf0, 0xff]); // jmp -16 with 16-bit operand: (0x1004 - 16) & 0xFFFF
  step(env);
  assert.equal(env.cpu.eip, 0x0ff4);
});
