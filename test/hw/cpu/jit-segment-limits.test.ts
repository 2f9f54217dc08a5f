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
import { BLOCK_ENGINES } from "../../support/block-engines.js";

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

/**
 * Code compiled while DS, ES and SS are flat (Mode.FLAT) takes their base
 * as 0. A POP DS inside such a region that loads a segment with another
 * base (here whole, base 0x10000) must end the region, so that the next
 * access adds the base.
 */
const SEGMENT_LOAD = [
  "b9 c8 00 00 00", // 0x1000: mov ecx, 200
  "a1 00 20 00 00", // loop:   mov eax, [0x2000]
  "01 05 00 30 00 00", //       add [0x3000], eax
  "49", //                      dec ecx
  "75 f2", //                   jnz loop
  "6a 18", //                   push 0x18
  "1f", //                      pop ds
  "bb 00 20 00 00", //          mov ebx, 0x2000
  "8b 03", //                   mov eax, [ebx]           ; 0x12000 now
  "89 83 04 10 00 00", //       mov [ebx+0x1004], eax    ; 0x13004
  "f4", //                      hlt
];

/** The same with MOV AX, 0x18; MOV DS, AX (which goes on to the next instruction too) for PUSH 0x18; POP DS. */
const MOV_LOAD = [...SEGMENT_LOAD.slice(0, 5), "66 b8 18 00", "8e d8", ...SEGMENT_LOAD.slice(7)];

function runSegmentLoad(
  makeEngine: (cpu: Cpu) => Engine,
  code: readonly string[] = SEGMENT_LOAD,
): { sum: number; moved: number; instructions: number } {
  const bus = new RamBus(1 << 20);
  // GDT at 0x800: null, code 0x08, flat data 0x10, and 0x18: data based at 0x10000 with a 4 GiB limit.
  const gdt = "0000000000000000 ffff0000009acf00 ffff00000092cf00 ffff00000192cf00";
  bus.ram.set(Buffer.from(gdt.replaceAll(" ", ""), "hex"), 0x800);
  bus.ram.set(Buffer.from(code.join("").replaceAll(" ", ""), "hex"), 0x1000);
  const view = new DataView(bus.ram.buffer);
  view.setUint32(0x2000, 5, true);
  view.setUint32(0x12000, 0x777, true);
  const cpu = new Cpu(bus);
  cpu.enterFlat32(0x1000);
  cpu.gdtBase = 0x800;
  cpu.gdtLimit = 0x1f;
  cpu.regs[4] = 0x9000; // ESP
  assert.equal(cpu.flat, true);
  makeEngine(cpu).run(10_000);
  return { sum: view.getUint32(0x3000, true), moved: view.getUint32(0x13004, true), instructions: cpu.instructions };
}

test("code compiled for flat segments ends when DS gets a base", () => {
  for (const code of [SEGMENT_LOAD, MOV_LOAD]) {
    const reference = runSegmentLoad((cpu) => new Interpreter(cpu), code);
    assert.deepEqual(reference, { sum: 1000, moved: 0x777, instructions: 807 });
    for (const [name, engine] of BLOCK_ENGINES) assert.deepEqual(runSegmentLoad(engine, code), reference, name);
  }
});
