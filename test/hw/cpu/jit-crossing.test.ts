/**
 * An instruction that crosses into the next page, in a hot loop. Compiled
 * code steps it where it is (src/hw/cpu/jit/crossing.ts): decoded through
 * the page tables each time, so a change of the next page's mapping shows
 * at once, and a fault in its fetch goes back to the interpreter.
 *
 * The code (nasm, bits 32, org 0x8fe0), linear page 8 in frame 0x50:
 *   mov ebx, 50
 *   xor edx, edx
 *   xor eax, eax
 *   jmp top
 *   (nops to 0x8ff9)
 * top:
 *   and eax, 15
 *   mov ecx, [eax*4 + 0x2000]  ; at 0x8ffc: 8b 0c 85 | 00 20 00 00 on page 9
 *   add edx, ecx
 *   inc eax
 *   dec ebx
 *   jnz top
 *   hlt
 *
 * Linear page 9 maps to frame A, whose displacement bytes say 0x2000, or to
 * frame B, where they say 0x3000, or to nothing.
 */
import assert from "node:assert/strict";
import { test } from "node:test";
import { RamBus } from "../../../src/hw/cpu/bus.js";
import { Cpu, CR0_PG } from "../../../src/hw/cpu/cpu.js";
import type { Engine } from "../../../src/hw/cpu/engine.js";
import { Interpreter } from "../../../src/hw/cpu/interpreter.js";
import { BLOCK_ENGINES } from "../../support/block-engines.js";

const CODE = Buffer.from("bb3200000031d231c0eb0e909090909090909090909090909083e00f8b0c850020000001ca404b75f0f4", "hex");
const ORG = 0x8fe0;
const PD = 0x200000;
const PT = 0x201000;
const FRAME8 = 0x50;
const FRAME_A = 0x30;
const FRAME_B = 0x60;

/**
 * The same loop entered at the crossing instruction too: after an odd
 * index it jumps from page 9 straight back to 0x8ffc, a block start that
 * is nothing but the crossing instruction.
 *   top: and eax, 15
 *   mid: mov ecx, [eax*4 + 0x2000]   ; at 0x8ffc
 *        add edx, ecx / inc eax / dec ebx / jz done
 *        test al, 1 / jnz mid / jmp top
 *   done: hlt
 */
const ENTERED = Buffer.from("bb3200000031d231c0eb0e909090909090909090909090909083e00f8b0c850020000001ca404b7406a80175efebeaf4", "hex");

function run(makeEngine: (cpu: Cpu) => Engine, code = CODE): string {
  const bus = new RamBus(4 << 20);
  const view = new DataView(bus.ram.buffer, bus.ram.byteOffset);
  view.setUint32(PD, PT | 0x23, true);
  const map = (page: number, frame: number | null) => view.setUint32(PT + 4 * page, frame === null ? 0 : (frame << 12) | 0x63, true);
  for (let n = 0; n < 1024; n++) map(n, n === 8 ? FRAME8 : n === 9 ? FRAME_A : n);
  const page8 = code.subarray(0, 0x1000 - (ORG & 0xfff));
  const page9 = code.subarray(page8.length);
  bus.ram.set(page8, (FRAME8 << 12) | (ORG & 0xfff));
  bus.ram.set(page9, FRAME_A << 12);
  bus.ram.set(page9, FRAME_B << 12);
  bus.ram[(FRAME_B << 12) + 0] = 0x30; // the displacement's second byte: 0x3000
  // The tables: dword k at 0x2000 is 0x100 + k, at 0x3000 0x10000 · (k + 1).
  for (let k = 0; k < 16; k++) {
    view.setUint32(0x2000 + 4 * k, 0x100 + k, true);
    view.setUint32(0x3000 + 4 * k, 0x10000 * (k + 1), true);
  }
  const cpu = new Cpu(bus);
  cpu.enterFlat32(ORG);
  cpu.cr3 = PD;
  cpu.cr0 |= CR0_PG;
  const engine = makeEngine(cpu);
  const passes: string[] = [];
  for (const [frame, budget, patch] of [
    [FRAME_A, 100_000],
    [FRAME_A, 100_000],
    // In runs of 13 steps, which must each take 13 (the step counts as one).
    [FRAME_A, 13],
    // Frame A, its displacement byte changed in place after the first 100 steps, with no change
    // of mapping (the step keeps what it decoded while the bytes stay the same): 0x3000 from
    // then on, as in frame B.
    [FRAME_A, 100, 0x30],
    [FRAME_B, 100_000],
    [null, 100_000],
  ] as [number | null, number, number?][]) {
    bus.ram[FRAME_A << 12] = 0x20;
    map(9, frame);
    cpu.walker.flush();
    cpu.halted = false;
    cpu.eip = ORG;
    const counts: number[] = [];
    let exit = engine.run(budget);
    for (; exit.kind === "budget"; exit = engine.run(budget)) {
      counts.push(cpu.instructions);
      if (patch !== undefined) bus.ram[FRAME_A << 12] = patch;
    }
    const state = { exit: exit.kind, eip: cpu.eip, regs: [...cpu.regs], cycles: cpu.cycles, instructions: cpu.instructions };
    passes.push(JSON.stringify({ ...state, counts }));
  }
  return passes.join("\n");
}

test("an instruction crossing into the next page, in compiled code: each pass as the interpreter runs it", () => {
  const reference = run((cpu) => new Interpreter(cpu));
  const [a, , chunks, patched, b, none] = reference.split("\n").map((line) => JSON.parse(line));
  assert.equal(chunks.counts.length, Math.floor(305 / 13));
  // 50 iterations over 16 entries: three full rounds (3 · (16 · 0x100 + 120)) and 0x100 + 0 … 0x100 + 1.
  assert.equal(a.exit, "halted");
  assert.equal(a.regs[2], 3 * (16 * 0x100 + 120) + 0x100 + 0x101);
  // With page 9 in frame B the displacement is 0x3000: 3 · 0x10000 · 136 + 0x10000 · (1 + 2).
  assert.equal(b.regs[2], 3 * 0x10000 * 136 + 0x10000 * 3);
  // Without page 9 the fetch faults, with no IDT to take it.
  assert.equal(none.exit, "shutdown");
  // Part of the sum over the table at 0x2000, the rest over the one at 0x3000.
  assert.ok(patched.regs[2] > a.regs[2] && patched.regs[2] < b.regs[2], `${patched.regs[2]}`);
  for (const [name, engine] of BLOCK_ENGINES) assert.equal(run(engine), reference, name);
});

test("a jump straight to the crossing instruction, in compiled code: each pass as the interpreter runs it", () => {
  const reference = run((cpu) => new Interpreter(cpu), ENTERED);
  const [a, , , , b, none] = reference.split("\n").map((line) => JSON.parse(line));
  // Worked out apart (a Python model of the loop): the sums over the tables at 0x2000 and 0x3000.
  assert.equal(a.regs[2], 0x3369);
  assert.equal(b.regs[2], 0x19b0000);
  assert.equal(none.exit, "shutdown");
  for (const [name, engine] of BLOCK_ENGINES) assert.equal(run(engine, ENTERED), reference, name);
});
