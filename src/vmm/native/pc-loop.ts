/**
 * The PC's run loop: the processor runs in slices that end at the next
 * device event, devices are brought up to the processor's time between
 * slices, and a halted processor skips ahead to the next event instead of
 * spinning (so an idle guest costs no host time). Guest time is the cycle
 * counter; wall-clock time never enters, so a run is deterministic for a
 * given input.
 *
 * The loop is asynchronous only to let the host deliver console input and
 * flush output: it yields to the event loop every few milliseconds of host
 * time, which changes nothing the guest can observe.
 */
import type { ExitReason } from "../../hw/cpu/cpu.js";
import type { Engine } from "../../hw/cpu/engine.js";
import type { Pc } from "../../hw/machine/pc.js";

/** Longest slice between device ticks (instructions). */
const SLICE = 1 << 16;
/** Host milliseconds between yields to the event loop. */
const YIELD_MS = 20;

export interface PcRunOptions {
  /** Stop after this many instructions (Infinity: no limit). */
  maxInstructions: number;
  /** Called between slices (flush output, feed input). */
  poll?: () => void;
  /** False when no more console input can ever arrive (then an idle machine with no timer is done). */
  inputOpen?: () => boolean;
}

export async function runPc(pc: Pc, engine: Engine, opts: PcRunOptions): Promise<ExitReason> {
  const cpu = pc.cpu;
  engine.interrupts = pc.interrupts;
  let lastYield = performance.now();
  for (;;) {
    const next = pc.tick();
    opts.poll?.();
    if (cpu.instructions >= opts.maxInstructions) return { kind: "budget" };
    const untilEvent = next === Number.POSITIVE_INFINITY ? SLICE : Math.max(1, Math.min(SLICE, next - cpu.cycles));
    const budget = Math.min(untilEvent, opts.maxInstructions - cpu.instructions);
    const exit = engine.run(budget);
    if (exit.kind === "hlt") {
      // Waiting for an interrupt: jump to the next device event.
      if (next !== Number.POSITIVE_INFINITY) {
        if (next > cpu.cycles) cpu.cycles = next;
      } else if (!(opts.inputOpen?.() ?? false)) {
        return { kind: "halted" };
      } else await new Promise((resolve) => setTimeout(resolve, 2)); // wait for console input
    } else if (exit.kind !== "budget") {
      return exit;
    }
    if (performance.now() - lastYield > YIELD_MS) {
      await idle();
      lastYield = performance.now();
    }
  }
}

function idle(): Promise<void> {
  return new Promise((resolve) => setImmediate(resolve));
}
