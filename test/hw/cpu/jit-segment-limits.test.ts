/**
 * Compiled code skips the limit checks only of segments whose every offset
 * is valid (Cpu.segWhole); a segment with a smaller limit is still checked,
 * and an access past it faults exactly where the interpreter's does.
 */
import assert from "node:assert/strict";
import { test } from "node:test";
import { RamBus } from "../../../src/hw/cpu/bus.js";
import { ATTR_P, ATTR_S, Cpu, DS } from "../../../src/hw/cpu/cpu.js";
import type { Engine } from "../../../src/hw/cpu/engine.js";
import { Interpreter } from "../../../src/hw/cpu/interpreter.js";
import { BlockEngine } from "../../../src/hw/cpu/jit/engine.js";

const DATA_RW = ATTR_P | ATTR_S | 0x3;
const DATA_RO = ATTR_P | ATTR_S | 0x1;

test("segWhole marks the segments whose every offset may be read or written", () => {
  const cpu = new Cpu(new RamBus(1 << 20));
  cpu.enterFlat32(0x1000); // protected mode: types count
  cpu.setSegCache(DS, 0x10, 0, 0xffffffff, DATA_RW);
  assert.equal(cpu.segWhole[DS], 3);
  cpu.setSegCache(DS, 0x10, 0, 0xffffffff, DATA_RO);
  assert.equal(cpu.segWhole[DS], 1);
  cpu.setSegCache(DS, 0x10, 2, 0xffffffff, DATA_RW); // a base that is not 4-aligned
  assert.equal(cpu.segWhole[DS], 0);
  cpu.setSegCache(DS, 0x10, 0, 0xfffff, DATA_RW);
  assert.equal(cpu.segWhole[DS], 0);
});

/**
 *   0x1000: mov ebx, 0xff0
 *   loop:   mov eax, [ebx]
 *           add ebx, 4
 *           jmp loop
 * with DS limited to 0xfff: the load at 0x1000 faults (#GP, and with no IDT the machine shuts down).
 */
function run(makeEngine: (cpu: Cpu) => Engine): string {
  const bus = new RamBus(1 << 20);
  bus.ram.set([0xbb, 0xf0, 0x0f, 0x00, 0x00, 0x8b, 0x03, 0x83, 0xc3, 0x04, 0xeb, 0xf9], 0x1000);
  const cpu = new Cpu(bus);
  cpu.enterFlat32(0x1000);
  cpu.setSegCache(DS, 0x10, 0, 0xfff, DATA_RW);
  const exit = makeEngine(cpu).run(100_000);
  return JSON.stringify({ exit: exit.kind, ebx: cpu.regs[3], instructions: cpu.instructions });
}

test("compiled code checks the limit of a segment that is not whole", () => {
  const reference = run((cpu) => new Interpreter(cpu));
  assert.equal(JSON.parse(reference).ebx, 0x1000);
  assert.notEqual(JSON.parse(reference).exit, "budget");
  assert.equal(
    run((cpu) => new BlockEngine(cpu, { hot: 1, backend: "wasm" })),
    reference,
  );
  assert.equal(
    run((cpu) => new BlockEngine(cpu, { hot: 1, backend: "js" })),
    reference,
  );
});
