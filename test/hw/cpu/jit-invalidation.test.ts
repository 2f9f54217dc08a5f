/**
 * Code that stores into its own instructions, under the block engine in
 * each tier: every way the dispatcher finds a site (its page's array, the
 * cache of recent sites, the successor links of a threaded block) must
 * forget the site when its page is written.
 */
import assert from "node:assert/strict";
import { test } from "node:test";
import { EAX, ECX } from "../../../src/hw/cpu/cpu.js";
import { BlockEngine } from "../../../src/hw/cpu/jit/engine.js";
import { prepare } from "../../support/cpu-env.js";

const tiers: [string, number][] = [
  ["threaded blocks only", Number.POSITIVE_INFINITY],
  ["compiled at once", 0],
  ["compiled after 5 runs", 5],
];

for (const [name, hot] of tiers) {
  test(`self-modifying loop, ${name}: each pass runs the immediate the pass before stored`, () => {
    // loop: mov eax, imm32 (at 0x1000); inc byte [0x1001]; dec ecx; jnz loop; hlt
    const { cpu } = prepare([0xb8, 0x10, 0, 0, 0, 0xfe, 0x05, 0x01, 0x10, 0, 0, 0x49, 0x75, 0xf2, 0xf4]);
    const engine = new BlockEngine(cpu, { hot, backend: "wasm" });
    cpu.regs[ECX] = 40;
    cpu.flags |= 0x200;
    const exit = engine.run(1000);
    assert.equal(exit.kind, "hlt");
    assert.equal(cpu.regs[EAX], 0x10 + 39);
    assert.equal(cpu.instructions, 40 * 4 + 1);
  });
}
