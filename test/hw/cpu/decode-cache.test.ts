import assert from "node:assert/strict";
import { test } from "node:test";
import { EAX, ECX } from "../../../src/hw/cpu/cpu.js";
import { bytes32, prepare } from "../../support/cpu-env.js";

test("self-modifying code: a store into a decoded instruction is seen the next time it runs", () => {
  // loop: mov eax, imm32 (at 0x1000); inc byte [0x1001]; dec ecx; jnz loop; hlt
  const { cpu, it: engine } = prepare([0xb8, 0x10, 0, 0, 0, 0xfe, 0x05, 0x01, 0x10, 0, 0, 0x49, 0x75, 0xf2, 0xf4]);
  cpu.regs[ECX] = 3;
  cpu.flags |= 0x200;
  const exit = engine.run(100);
  assert.equal(exit.kind, "hlt");
  // The immediate was 0x10, 0x11, 0x12 on the three passes.
  assert.equal(cpu.regs[EAX], 0x12);
});

test("a rep stos over decoded code (the bulk path) drops the stale decodes", () => {
  // mov eax, 1 / then the loop body overwrites its own first instruction with nops via rep stosb.
  // 0x1000: mov eax, 1 ; 0x1005: inc ebx ; 0x1006: mov edi, 0x1000 ; mov ecx, 5 ; mov al, 0x90 ; rep stosb ; jmp 0x1000
  const { cpu, it: engine } = prepare([
    0xb8, 0x01, 0, 0, 0, 0x43, 0xbf, 0x00, 0x10, 0, 0, 0xb9, 0x05, 0, 0, 0, 0xb0, 0x90, 0xf3, 0xaa, 0xeb, 0xea,
  ]);
  // Pass 1: 7 instructions, the stos turns `mov eax, 1` into five nops. Pass 2: 5 nops + 6 = 11.
  // Instruction 19 is then the first nop of pass 3. With stale decodes, pass 2 would be 7
  // instructions and instruction 19 would be pass 3's `mov al` with EBX = 3.
  engine.run(7 + 11 + 1);
  assert.equal(cpu.regs[3], 2, "inc ebx ran twice");
  assert.equal(cpu.eip, 0x1001, "executing the nops");
});

test("a long store over a page with few decodes drops them (the cache walks the page's decodes, not the offsets)", () => {
  // 0x1000: mov eax, 1 ; inc ebx ; jmp 0x2000      (three decodes on the page)
  // 0x2000: mov edi, 0x1000 ; mov ecx, 64 ; mov al, 0x90 ; rep stosb ; jmp 0x1000
  // 0x1040: hlt (past the 64 nops the store leaves)
  const env = prepare([0xb8, 0x01, 0, 0, 0, 0x43, 0xe9, ...bytes32(0x2000 - 0x100b)]);
  env.ram.set([0xbf, 0x00, 0x10, 0, 0, 0xb9, 0x40, 0, 0, 0, 0xb0, 0x90, 0xf3, 0xaa, 0xe9, ...bytes32(0x1000 - 0x2013)], 0x2000);
  env.ram[0x1040] = 0xf4;
  const exit = env.it.run(1000);
  assert.equal(exit.kind, "halted");
  // With the old decodes kept, the second pass would run `inc ebx` again, and loop.
  assert.equal(env.cpu.regs[3], 1, "inc ebx ran once");
  assert.equal(env.cpu.eip, 0x1041);
  assert.equal(env.cpu.instructions, 3 + 5 + 64 + 1);
});
