import assert from "node:assert/strict";
import { test } from "node:test";
import { cyclesToTicks, ticksToCycles } from "../../../src/hw/devices/device.js";

test("cycle/tick conversion is exact far past 2^53 / tickHz", () => {
  const cpu = 3_800_000_000;
  const pit = 1_193_182;
  // One hour of guest time: 1.368e13 cycles, 4295455200 PIT ticks exactly.
  assert.equal(cyclesToTicks(cpu * 3600, cpu, pit), pit * 3600);
  assert.equal(cyclesToTicks(cpu * 3600 - 1, cpu, pit), pit * 3600 - 1);
  // A 1 GHz timer against a 3.8 GHz CPU (reduced ratio 5:19).
  assert.equal(cyclesToTicks(19, cpu, 1e9), 5);
  assert.equal(cyclesToTicks(18, cpu, 1e9), 4);
  // ticksToCycles is the least cycle count reaching the tick.
  for (const t of [1, 2, 3, 1000, 123456789]) {
    const c = ticksToCycles(t, cpu, pit);
    assert.equal(cyclesToTicks(c, cpu, pit), t);
    assert.equal(cyclesToTicks(c - 1, cpu, pit), t - 1);
  }
});
