/**
 * Robustness: random bytes executed as code, in real mode and in 32-bit
 * protected mode with a random GDT/IDT, must never throw a JavaScript
 * exception out of the engine. Whatever the guest does — write anywhere,
 * load any selector, fault inside a fault, triple-fault — the run ends with
 * an exit reason and the processor state stays well-formed.
 */
import assert from "node:assert/strict";
import { test } from "node:test";
import { RamBus } from "../../../src/hw/cpu/bus.js";
import { ATTR_CODE_RX, ATTR_DB, Cpu, CS } from "../../../src/hw/cpu/cpu.js";
import type { Engine } from "../../../src/hw/cpu/engine.js";
import { Interpreter } from "../../../src/hw/cpu/interpreter.js";
import { BlockEngine } from "../../../src/hw/cpu/jit/engine.js";
import { rng } from "../../support/cpu-env.js";

type MakeEngine = (cpu: Cpu) => Engine;
const interpreter: MakeEngine = (cpu) => new Interpreter(cpu);
/**
 * The block compiler (each back end) compiling everything at once, so that
 * random code runs compiled; and the block engine never compiling, so that
 * it runs as threaded blocks.
 */
const compilers: [string, MakeEngine][] = [
  ["wasm", (cpu) => new BlockEngine(cpu, { hot: 0, backend: "wasm" })],
  ["js", (cpu) => new BlockEngine(cpu, { hot: 0, backend: "js" })],
  ["threaded", (cpu) => new BlockEngine(cpu, { hot: Number.POSITIVE_INFINITY })],
];

/** `limitedCs`: protected mode with a CS limit a little past EIP, so that branches leave the segment. */
function fuzz(seed: number, protectedMode: boolean, makeEngine = interpreter, limitedCs = false): { kinds: Set<string>; state: string } {
  const next = rng(seed);
  const bus = new RamBus(1 << 20);
  const ram = bus.ram;
  for (let i = 0; i < ram.length; i += 4) {
    const v = next();
    ram[i] = v;
    ram[i + 1] = v >>> 8;
    ram[i + 2] = v >>> 16;
    ram[i + 3] = v >>> 24;
  }
  const cpu = new Cpu(bus);
  const engine = makeEngine(cpu);
  const kinds = new Set<string>();
  if (protectedMode) {
    cpu.enterFlat32(next() & 0xfffff);
    cpu.gdtBase = next() & 0xff000;
    cpu.gdtLimit = next() & 0xffff;
    cpu.idtBase = next() & 0xff000;
    cpu.idtLimit = next() & 0x7ff;
    if (limitedCs) cpu.setSegCache(CS, cpu.segSel[CS], 0, Math.min(0xfffff, cpu.eip + (next() & 0x1ffff)) | 0xfff, ATTR_CODE_RX | ATTR_DB);
  } else {
    cpu.enterReal16(next() & 0xffff, next() & 0xffff);
  }
  for (let r = 0; r < 8; r++) cpu.regs[r] = next();
  for (let round = 0; round < 40; round++) {
    const exit = engine.run(500);
    kinds.add(exit.kind);
    if (exit.kind === "shutdown" || exit.kind === "halted" || exit.kind === "stop") break;
    if (exit.kind === "hlt") cpu.halted = false;
  }
  assert.ok(Number.isInteger(cpu.eip) && cpu.eip >= 0 && cpu.eip <= 0xffffffff, `eip ${cpu.eip}`);
  assert.ok(cpu.cpl >= 0 && cpu.cpl <= 3);
  let hash = 0;
  for (let i = 0; i < ram.length; i++) hash = (Math.imul(hash, 31) + ram[i]) | 0;
  const state = JSON.stringify({
    regs: [...cpu.regs],
    eip: cpu.eip,
    eflags: cpu.eflags,
    sel: [...cpu.segSel],
    cpl: cpu.cpl,
    cycles: cpu.cycles,
    instructions: cpu.instructions,
    kinds: [...kinds],
    ram: hash,
  });
  return { kinds, state };
}

test("random code never throws out of the interpreter (real and protected mode)", () => {
  const seen = new Set<string>();
  for (let seed = 1; seed <= 150; seed++) {
    for (const pm of [false, true]) {
      try {
        for (const k of fuzz(seed * 2 + (pm ? 1 : 0), pm).kinds) seen.add(k);
      } catch (e) {
        assert.fail(`seed ${seed} (${pm ? "protected" : "real"} mode): the engine threw ${e instanceof Error ? e.stack : String(e)}`);
      }
    }
  }
  // The cases reach more than one kind of ending (the test exercises real faults and shutdowns).
  assert.ok(seen.has("shutdown"), `endings seen: ${[...seen].join(", ")}`);
  assert.ok(seen.size >= 2, `endings seen: ${[...seen].join(", ")}`);
});

test("random code: the block compiler (both back ends) ends in exactly the interpreter's state, cycles and memory", () => {
  for (let seed = 1; seed <= 150; seed++) {
    for (const pm of [false, true]) {
      const s = seed * 2 + (pm ? 1 : 0);
      const a = fuzz(s, pm, interpreter).state;
      for (const [backend, compiler] of compilers) {
        const b = fuzz(s, pm, compiler).state;
        assert.equal(b, a, `seed ${seed} (${pm ? "protected" : "real"} mode) on ${backend}`);
      }
    }
  }
});

test("random code under a CS limit: branches out of the segment fault on the block compiler as on the interpreter", () => {
  for (let seed = 1; seed <= 100; seed++) {
    const a = fuzz(seed, true, interpreter, true).state;
    for (const [backend, compiler] of compilers) {
      assert.equal(fuzz(seed, true, compiler, true).state, a, `seed ${seed} on ${backend}`);
    }
  }
});
