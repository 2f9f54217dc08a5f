/**
 * Compiled regions chain to one another inside WebAssembly (jit/wasm/chain.ts):
 * a call into another page and the return from it go on in compiled code
 * without the dispatcher. A store over the called code must still be seen:
 * the chain to the old code is dropped with it.
 */
import assert from "node:assert/strict";
import { test } from "node:test";
import { RamBus } from "../../../src/hw/cpu/bus.js";
import { Cpu } from "../../../src/hw/cpu/cpu.js";
import type { Engine } from "../../../src/hw/cpu/engine.js";
import { Interpreter } from "../../../src/hw/cpu/interpreter.js";
import { BlockEngine, type JitStats } from "../../../src/hw/cpu/jit/engine.js";
import { CHAIN_ENTRIES, chainSlot } from "../../../src/hw/cpu/jit/wasm/chain.js";
import { bytes32 } from "../../support/cpu-env.js";

const ITERATIONS = 2000;

/**
 *   0x1000: mov ecx, 2000
 *   loop:   call 0x2000          ; another page
 *           add ebx, eax
 *           cmp ecx, 1000
 *           jne skip
 *           mov dword [0x2001], 2 ; the called code now loads 2
 *   skip:   dec ecx
 *           jnz loop
 *           hlt
 *   0x2000: mov eax, 1
 *           ret
 */
function load(ram: Uint8Array): void {
  const main = [
    [0xb9, ITERATIONS & 0xff, ITERATIONS >> 8, 0, 0],
    [0xe8, ...bytes32(0x2000 - 0x100a)],
    [0x01, 0xc3],
    [0x81, 0xf9, 0xe8, 0x03, 0x00, 0x00],
    [0x75, 0x0a],
    [0xc7, 0x05, 0x01, 0x20, 0x00, 0x00, 0x02, 0x00, 0x00, 0x00],
    [0x49],
    [0x75, 0xe4],
    [0xf4],
  ].flat();
  ram.set(main, 0x1000);
  ram.set([0xb8, 0x01, 0x00, 0x00, 0x00, 0xc3], 0x2000);
}

function run(makeEngine: (cpu: Cpu) => Engine): { state: string; stats?: JitStats } {
  const bus = new RamBus(1 << 20);
  load(bus.ram);
  const cpu = new Cpu(bus);
  cpu.enterFlat32(0x1000);
  cpu.regs[4] = 0x8000;
  const engine = makeEngine(cpu);
  const exit = engine.run(1_000_000);
  assert.equal(exit.kind, "halted");
  const state = JSON.stringify({ regs: [...cpu.regs], eip: cpu.eip, cycles: cpu.cycles, instructions: cpu.instructions });
  return { state, stats: engine instanceof BlockEngine ? engine.stats : undefined };
}

test("regions chain across pages inside WebAssembly, and a store over chained code is seen", () => {
  const reference = run((cpu) => new Interpreter(cpu));
  // 1001 iterations load 1 (the store comes after the add of its own iteration), 999 load 2.
  assert.equal(JSON.parse(reference.state).regs[3], 1001 + 2 * 999);
  const wasm = run((cpu) => new BlockEngine(cpu, { hot: 1, backend: "wasm" }));
  const js = run((cpu) => new BlockEngine(cpu, { hot: 1, backend: "js" }));
  assert.equal(wasm.state, reference.state);
  assert.equal(js.state, reference.state);
  // Each iteration leaves its page twice (the call, the return). JavaScript regions leave through
  // the engine's follow every time; WebAssembly regions chain, save around the store.
  assert.ok((js.stats?.follows ?? 0) >= 2 * ITERATIONS - 100, `js follows: ${js.stats?.follows}`);
  assert.ok((wasm.stats?.follows ?? Number.POSITIVE_INFINITY) < 100, `wasm follows: ${wasm.stats?.follows}`);
  assert.ok((wasm.stats?.pagesInvalidated ?? 0) >= 1);
});

test("the chain cache spreads block addresses over its slots", () => {
  // The old hash, phys ^ phys >> 11, gave these pairs (hot kernel blocks in fork+exec) one slot.
  for (const [a, b] of [
    [0x6266920, 0x62269a0],
    [0x60f75b0, 0x62770b0],
    [0x6263840, 0x6063c40],
  ]) {
    assert.notEqual(chainSlot(a), chainSlot(b));
  }
  // 20,000 block starts of 16 MiB of code: about as many distinct slots as random ones would take
  // (2^17 · (1 − e^(−20000/2^17)) ≈ 18,600).
  const slots = new Set<number>();
  for (let k = 0; k < 20000; k++) slots.add(chainSlot(0x1000000 + ((k * 839) % (1 << 24))));
  assert.ok(slots.size > 18000, `${slots.size} slots`);
  assert.ok(slots.size < CHAIN_ENTRIES);
});
