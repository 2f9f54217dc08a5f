/**
 * `popek bench forkwait`: the paper's process-creation benchmark. Boots the
 * Linux guest with `popek_run="forkwait N"` and times the loop in guest
 * cycles between the program's "forkwait: start" and "forkwait: N
 * iterations" lines, as the monitor sees them leave COM1 (exact and
 * deterministic: no guest-side clock is involved).
 */
import { readFileSync, writeFileSync } from "node:fs";
import { DEFAULT_APPEND, findLinuxGuest } from "../guests/linux.js";
import { profileByName } from "../hw/cost/profiles.js";
import { createEngine } from "../hw/cpu/engine.js";
import { Pc } from "../hw/machine/pc.js";
import { bootLinux } from "../vmm/native/linux.js";
import { runPc } from "../vmm/native/pc-loop.js";
import { Status } from "../vmm/native/status.js";

/** The paper's forkwait (40,000 pairs) on its P4: native, software VMM, hardware VMM (seconds). */
export const PAPER_FORKWAIT_S = { native: 6.0, software: 36.9, hardware: 106.4 };

export interface BenchForkwaitOptions {
  mode: string;
  profile: string;
  iterations: number;
  json?: string;
  say: (line: string) => void;
  print: (line: string) => void;
}

export async function benchForkwait(o: BenchForkwaitOptions): Promise<number> {
  if (o.mode !== "native") {
    o.say(`mode "${o.mode}" is not available yet: only --mode native runs today`);
    return Status.USAGE;
  }
  const guest = findLinuxGuest();
  if (!guest) {
    o.say("the linux guest (with forkwait) is not fetched: run `npx popek guest fetch linux` first");
    return Status.BAD_IMAGE;
  }
  const profile = profileByName(o.profile);
  let line = "";
  let start = -1;
  let end = -1;
  const pc = new Pc({
    ramBytes: 128 << 20,
    profile,
    debugOutput: () => {},
    isa: {
      serialOutput: (b) => {
        if (b !== 10) {
          line += String.fromCharCode(b);
          return;
        }
        if (line.startsWith("forkwait: start")) start = pc.cpu.cycles;
        else if (/^forkwait: \d+ iterations/.test(line)) end = pc.cpu.cycles;
        line = "";
      },
      rtcStart: 1700000000,
      apic: true,
    },
  });
  const t0 = performance.now();
  bootLinux(
    pc,
    new Uint8Array(readFileSync(guest.kernel)),
    new Uint8Array(readFileSync(guest.initrd)),
    `${DEFAULT_APPEND} popek_run="forkwait ${o.iterations}"`,
  );
  const exit = await runPc(pc, createEngine(pc.cpu, "jit"), { maxInstructions: Number.POSITIVE_INFINITY });
  const wall = (performance.now() - t0) / 1000;
  if (start < 0 || end < 0) {
    o.say(`forkwait did not complete (the guest ended with ${exit.kind})`);
    return Status.HALTED;
  }
  const cycles = end - start;
  const seconds = cycles / profile.hz;
  const paperPerPair = PAPER_FORKWAIT_S.native / 40000;
  o.print(`forkwait, mode ${o.mode}, profile ${profile.name}: ${o.iterations} fork+waitpid pairs`);
  o.print(`  guest cycles      ${cycles}`);
  o.print(
    `  virtual seconds   ${seconds.toFixed(4)} (${((seconds / o.iterations) * 1e6).toFixed(1)} µs per pair; paper native ${(paperPerPair * 1e6).toFixed(0)} µs per pair, ${PAPER_FORKWAIT_S.native} s for 40,000)`,
  );
  o.print(`  wall time         ${wall.toFixed(1)} s for the whole run (boot included)`);
  if (o.json) {
    writeFileSync(
      o.json,
      `${JSON.stringify({ profile: profile.name, mode: o.mode, iterations: o.iterations, cycles, virtual_s: seconds, wall_s: wall }, null, 2)}\n`,
    );
  }
  return 0;
}
