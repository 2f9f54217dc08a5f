/**
 * The processor object keeps one hidden class while it runs. V8 changes an
 * object's class the first time a field that has held only small integers
 * holds another number, and throws away every optimised function that
 * touches the object; a kernel's addresses, CR0 with PG set and the cycle
 * and instruction counts all pass 2^31 in the middle of a boot. The Cpu
 * widens those fields when it is made (cpu.ts `widenToDouble`).
 *
 * V8's own test functions (%HaveSameMap) need a flag, so the check runs
 * in a child process.
 */
import assert from "node:assert/strict";
import { spawnSync } from "node:child_process";
import { test } from "node:test";

const CPU = new URL("../../../src/hw/cpu/cpu.js", import.meta.url).href;
const BUS = new URL("../../../src/hw/cpu/bus.js", import.meta.url).href;

test("storing kernel addresses and large counts into a processor leaves its hidden class as it was", () => {
  const script = `
    const { Cpu } = await import(${JSON.stringify(CPU)});
    const { RamBus } = await import(${JSON.stringify(BUS)});
    const before = new Cpu(new RamBus(1 << 20));
    const cpu = new Cpu(new RamBus(1 << 20));
    cpu.eip = 0xc1000000;
    cpu.cr0 = 0x80000011;
    cpu.cr2 = 0xbffff000;
    cpu.gdtBase = 0xc1800000;
    cpu.idtBase = 0xc1801000;
    cpu.sysenterEsp = 0xc1802000;
    cpu.sysenterEip = 0xc1001000;
    cpu.lzDst = 0xffffffff;
    cpu.lzSrc = 0x80000000;
    cpu.lzRes = 0xfffffffe;
    cpu.cycles = 2 ** 40;
    cpu.instructions = 2 ** 33;
    console.log(JSON.stringify({ same: %HaveSameMap(before, cpu) }));
  `;
  const r = spawnSync(process.execPath, ["--allow-natives-syntax", "--input-type=module", "-e", script], { encoding: "utf8" });
  assert.equal(r.status, 0, r.stderr);
  assert.deepEqual(JSON.parse(r.stdout.trim()), { same: true });
});
