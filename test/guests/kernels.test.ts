/**
 * The bare-metal test kernels (guests/tests) under popek, compared byte for
 * byte with the reference transcripts produced by qemu-system-i386 (or, where
 * QEMU is known to deviate from the manual, by Bochs): see
 * guests/tests/README.md and scripts/qemu-transcript.sh.
 */
import assert from "node:assert/strict";
import { existsSync, readdirSync, readFileSync } from "node:fs";
import { join } from "node:path";
import { test } from "node:test";
import { createEngine, ENGINE_KINDS, type EngineKind } from "../../src/hw/cpu/engine.js";
import { BlockEngine } from "../../src/hw/cpu/jit/engine.js";
import { Pc } from "../../src/hw/machine/pc.js";

const DIR = "guests/tests";
const BUDGET = 200_000_000;

/** QEMU's exit status for the same ending: isa-debug-exit gives (v << 1) | 1, a triple fault with -no-reboot 0. */
interface KernelRun {
  transcript: string;
  status: number;
  why: string;
  cycles: number;
  instructions: number;
}

/** The engines of the CLI, and the block engine with threaded blocks only. */
type KernelEngine = EngineKind | "threaded";
const KERNEL_ENGINES: KernelEngine[] = [...ENGINE_KINDS, "threaded"];

function runKernel(rom: Uint8Array, kind: KernelEngine): KernelRun {
  const out: Uint8Array[] = [];
  const pc = new Pc({ ramBytes: 16 << 20, rom, debugOutput: (b) => out.push(b) });
  // The kernels are small: the compiler compiles early, so that they run compiled.
  const engine =
    kind === "interp"
      ? createEngine(pc.cpu, kind)
      : kind === "threaded"
        ? new BlockEngine(pc.cpu, { hot: Number.POSITIVE_INFINITY })
        : new BlockEngine(pc.cpu, { hot: 4, backend: kind === "jit" ? "wasm" : "js" });
  let status = -1;
  let why = "instruction budget exhausted";
  for (let left = BUDGET; left > 0; left -= 1_000_000) {
    const exit = engine.run(1_000_000);
    if (exit.kind === "budget") continue;
    if (exit.kind === "stop") {
      status = ((exit.status << 1) | 1) & 0xff;
      why = exit.why;
    } else if (exit.kind === "shutdown") {
      status = 0;
      why = exit.why;
    } else why = `exit ${exit.kind}`;
    break;
  }
  pc.console.flush();
  const { cycles, instructions } = pc.cpu;
  return { transcript: Buffer.concat(out).toString("latin1"), status, why, cycles, instructions };
}

const names = existsSync(DIR)
  ? readdirSync(DIR)
      .filter((f) => f.endsWith(".asm"))
      .map((f) => f.slice(0, -4))
      .sort()
  : [];

test("there are test kernels to run", () => {
  assert.ok(names.length > 0, `no kernels in ${DIR}`);
});

for (const name of names) {
  test(`test kernel ${name}: transcript and exit status equal the reference on every engine, with the same cycles`, () => {
    const rom = new Uint8Array(readFileSync(join(DIR, "build", `${name}.bin`)));
    const expected = readFileSync(join(DIR, "expected", `${name}.txt`), "latin1");
    const expectedStatus = Number(readFileSync(join(DIR, "expected", `${name}.status`), "utf8").trim());
    const runs = KERNEL_ENGINES.map((kind) => ({ kind, r: runKernel(rom, kind) }));
    for (const { kind, r } of runs) {
      assert.equal(r.transcript, expected, `${name} on ${kind}: transcript differs (ended: ${r.why})`);
      assert.equal(r.status, expectedStatus, `${name} on ${kind}: ended with ${r.why}`);
    }
    // The engines charge the same cycles for the same execution (issue 6).
    const [a, ...others] = runs;
    for (const b of others) {
      assert.equal(b.r.instructions, a.r.instructions, `${name}: instructions ${a.kind} vs ${b.kind}`);
      assert.equal(b.r.cycles, a.r.cycles, `${name}: cycles ${a.kind} vs ${b.kind}`);
    }
  });
}
