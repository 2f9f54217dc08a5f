/**
 * The threaded tier's packed instructions (packed.ts): every field the
 * decoder fills survives packing, for every instruction random bytes decode
 * to, in both code sizes.
 */
import assert from "node:assert/strict";
import { test } from "node:test";
import { PROFILES } from "../../../src/hw/cost/profiles.js";
import { decode } from "../../../src/hw/cpu/decoder.js";
import { CpuFault } from "../../../src/hw/cpu/fault.js";
import { Insn } from "../../../src/hw/cpu/insn.js";
import { PackedStore, unpackInsn, WORDS } from "../../../src/hw/cpu/jit/packed.js";
import { rng } from "../../support/cpu-env.js";

const FIELDS = [
  "len",
  "op",
  "big",
  "opsize",
  "adsize",
  "prefixes",
  "mod",
  "reg",
  "rm",
  "seg",
  "base",
  "index",
  "scale",
  "disp",
  "imm",
  "imm2",
  "cycles",
] as const;

test("packing keeps every decoded field, for 20,000 random instructions in each code size", () => {
  const next = rng(0x5eed);
  const bytes = new Uint8Array(16);
  const fetch = { fetch8: (eip: number) => bytes[eip & 15] };
  const store = new PackedStore();
  const out = new Insn();
  let packed = 0;
  for (const big of [false, true]) {
    for (let n = 0; n < 20_000; n++) {
      for (let k = 0; k < 16; k++) bytes[k] = next() & 0xff;
      const i = new Insn();
      try {
        decode(fetch, 0, big, i);
      } catch (e) {
        if (e instanceof CpuFault) continue;
        throw e;
      }
      i.cycles = next() & 0xffff;
      const at = store.pack([i, i]);
      for (const base of [at, at + WORDS]) {
        unpackInsn(store.words, base, out);
        for (const f of FIELDS) assert.equal(out[f], i[f], `${f} of ${[...bytes].map((b) => b.toString(16)).join(" ")}`);
      }
      packed++;
    }
  }
  assert.ok(packed > 30_000, `only ${packed} instructions decoded`);
});

test("a block that does not fit in the current chunk goes into a new one; the old chunk stays whole", () => {
  const store = new PackedStore();
  const i = new Insn();
  i.len = 3;
  const first = store.words;
  let last = -1;
  for (let n = 0; store.words === first; n++) {
    i.imm = n;
    const at = store.pack([i]);
    if (store.words === first) last = at;
    else assert.equal(at, 0);
  }
  assert.equal(last, Math.floor(first.length / WORDS) * WORDS - WORDS);
  const out = new Insn();
  unpackInsn(first, last, out);
  assert.equal(out.imm, last / WORDS);
  unpackInsn(store.words, 0, out);
  assert.equal(out.imm, last / WORDS + 1);
});

test("every cost profile charges whole, non-negative cycles, which a packed instruction holds", () => {
  for (const p of Object.values(PROFILES)) {
    for (const [name, cycles] of [...Object.entries(p.instructions), ...Object.entries(p.events)] as [string, number][]) {
      assert.ok(Number.isInteger(cycles) && cycles >= 0, `${p.name}: ${name} costs ${cycles}`);
    }
  }
  const i = new Insn();
  i.cycles = 2.5;
  assert.throws(() => new PackedStore().pack([i]), /out of range/);
});
