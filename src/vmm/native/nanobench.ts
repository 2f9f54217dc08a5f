/**
 * The nanobenchmark kernel (guests/nanobench) on the PC platform under the
 * native monitor: boot it as a multiboot kernel, run it to its exit, and
 * parse the lines it prints on COM1.
 */
import type { CostProfile } from "../../hw/cost/profile.js";
import { createEngine, type EngineKind } from "../../hw/cpu/engine.js";
import { Pc } from "../../hw/machine/pc.js";
import { bootMultiboot } from "./multiboot.js";
import { runPc } from "./pc-loop.js";

/** The seven operations, in the order the kernel runs them (Figure 4's, with tprwr for cr8wr). */
export const NANOBENCH_NAMES = ["syscall", "in", "tprwr", "call/ret", "pgfault", "divzero", "ptemod"] as const;

export interface NanobenchResult {
  results: Record<string, { cycles: number; iterations: number }>;
  /** What the kernel printed on COM1 and on the debug console. */
  serial: string;
  debug: string;
  /** How the run ended: "stop" (debug-exit port), or another exit kind. */
  exit: string;
  /** The value written to the debug-exit port, or -1. */
  status: number;
  /** What one ISA port access costs under the profile. */
  ioCycles: number;
  cycles: number;
  instructions: number;
}

const LINE = /^nanobench (\S+) cycles=(\d+) iterations=(\d+)$/;

export async function runNanobench(
  image: Uint8Array,
  profile: CostProfile,
  apic = true,
  engine: EngineKind = "jit",
): Promise<NanobenchResult> {
  let serial = "";
  let debug = "";
  const pc = new Pc({
    ramBytes: 32 << 20,
    profile,
    debugOutput: (b) => {
      debug += Buffer.from(b).toString("latin1");
    },
    isa: {
      serialOutput: (b) => {
        serial += String.fromCharCode(b);
      },
      rtcStart: 0,
      apic,
    },
  });
  bootMultiboot(pc, image, "");
  const exit = await runPc(pc, createEngine(pc.cpu, engine), { maxInstructions: 100_000_000 });
  pc.console.flush();
  const results: NanobenchResult["results"] = {};
  for (const line of serial.split(/\r?\n/)) {
    const m = LINE.exec(line);
    if (m) results[m[1]] = { cycles: Number(m[2]), iterations: Number(m[3]) };
  }
  const status = exit.kind === "stop" ? exit.status : -1;
  return {
    results,
    serial,
    debug,
    exit: exit.kind,
    status,
    ioCycles: pc.cpu.ioCycles,
    cycles: pc.cpu.cycles,
    instructions: pc.cpu.instructions,
  };
}
