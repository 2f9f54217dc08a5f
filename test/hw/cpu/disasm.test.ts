import assert from "node:assert/strict";
import { test } from "node:test";
import { decode } from "../../../src/hw/cpu/decoder.js";
import { disassemble } from "../../../src/hw/cpu/disasm.js";
import { CpuFault } from "../../../src/hw/cpu/fault.js";
import { Insn } from "../../../src/hw/cpu/insn.js";

function dis(bytes: number[], big = true, eip = 0x1000): string {
  const code = { fetch8: (a: number) => bytes[a - eip] };
  return disassemble(decode(code, eip, big, new Insn()));
}

test("disassembles register and memory forms in Intel syntax", () => {
  assert.equal(dis([0x01, 0xd8]), "add eax, ebx");
  assert.equal(dis([0x66, 0x01, 0xd8]), "add ax, bx");
  assert.equal(dis([0x8b, 0x44, 0x8e, 0x10]), "mov eax, [esi+ecx*4+0x10]");
  assert.equal(dis([0x83, 0x6d, 0xfc, 0xff]), "sub dword [ebp-0x4], 0xffffffff");
  assert.equal(dis([0x26, 0x88, 0x07]), "mov es:[edi], al");
  assert.equal(dis([0x8b, 0x00], false), "mov ax, [bx+si]");
  assert.equal(dis([0xc6, 0x06, 0x34, 0x12, 0x05], false), "mov byte [0x1234], 0x5");
});

test("disassembles branches to absolute targets and implicit operands", () => {
  assert.equal(dis([0x75, 0xfe]), "jne 0x1000");
  assert.equal(dis([0xe8, 0x00, 0x01, 0x00, 0x00]), "call 0x1105");
  assert.equal(dis([0xf3, 0xa5]), "rep movsd");
  assert.equal(dis([0xf3, 0xa6]), "repe cmpsb");
  assert.equal(dis([0xd3, 0xe0]), "shl eax, cl");
  assert.equal(dis([0xee]), "out dx, al");
  assert.equal(dis([0x0f, 0x22, 0xd8]), "mov cr3, eax");
  assert.equal(dis([0xea, 0x00, 0x10, 0x00, 0x00, 0x08, 0x00]), "jmpf 0x8:0x1000");
  assert.equal(dis([0x0f, 0x0b]), "ud2");
  assert.equal(dis([0x0f, 0xff]), "(bad) 0f ff");
});

test("LOCK is #UD unless the instruction is lockable with a memory destination", () => {
  const decodes = (bytes: number[]) => () => decode({ fetch8: (a: number) => bytes[a] }, 0, true, new Insn());
  assert.doesNotThrow(decodes([0xf0, 0x01, 0x03])); // lock add [ebx], eax
  assert.doesNotThrow(decodes([0xf0, 0x0f, 0xc7, 0x0e])); // lock cmpxchg8b [esi]
  assert.throws(decodes([0xf0, 0x01, 0xc3]), (e: unknown) => e instanceof CpuFault && e.vector === 6); // register destination
  assert.throws(decodes([0xf0, 0x39, 0x03]), (e: unknown) => e instanceof CpuFault && e.vector === 6); // cmp
  assert.throws(decodes([0xf0, 0x83, 0x3b, 0x01]), (e: unknown) => e instanceof CpuFault && e.vector === 6); // cmp via group 1
  assert.throws(decodes([0xf0, 0x90]), (e: unknown) => e instanceof CpuFault && e.vector === 6); // nop
});
