/**
 * The native monitor for flat binaries: put the image in RAM, point the
 * processor at it and let the interpreter run until the guest stops the
 * machine, halts, shuts down, raises an intercepted exception or uses up
 * its instruction budget. The guest owns the machine; the monitor only
 * watches the exits.
 *
 * Every way a run can end is a `RunResult` with its own exit status
 * (status.ts), including the monitor's own failures: `runFlat` never throws.
 */
import type { ExitReason } from "../../hw/cpu/cpu.js";
import { CS } from "../../hw/cpu/cpu.js";
import { createEngine, type EngineKind } from "../../hw/cpu/engine.js";
import type { CpuFault } from "../../hw/cpu/fault.js";
import type { OutputSink } from "../../hw/machine/debugcon.js";
import { FlatMachine } from "../../hw/machine/flat.js";
import { hex, placementError } from "./image.js";
import { type ExitStatusMode, guestExitStatus, Status } from "./status.js";

export interface RunConfig {
  /** The flat binary. */
  readonly image: Uint8Array;
  /** Name of the image in messages (its path). */
  readonly name?: string;
  /** Physical load address. */
  readonly load: number;
  /** First instruction: linear address in flat 32-bit mode, offset in segment 0 in real mode. */
  readonly entry: number;
  /** Start in 16-bit real mode at 0000:entry instead of flat 32-bit protected mode. */
  readonly real: boolean;
  /** RAM size in bytes. */
  readonly ramBytes: number;
  /** Stop after this many retired instructions (Infinity: no limit). */
  readonly maxInstructions: number;
  /** How a write to port 0xF4 becomes the exit status. */
  readonly exitStatus: ExitStatusMode;
  /** Exception vectors that stop the run instead of being delivered to the guest. */
  readonly intercept: readonly number[];
  /** Where the debug console's bytes go. */
  readonly output: OutputSink;
  /** Which engine executes the guest (default: the block compiler). */
  readonly engine?: EngineKind;
}

export type RunKind =
  | "exit" // the guest wrote to port 0xF4
  | "halted"
  | "shutdown"
  | "exception"
  | "budget"
  | "bad-image"
  | "bad-config"
  | "host-error"
  | "internal-error";

export interface RunResult {
  readonly kind: RunKind;
  /** The process exit status for this ending. */
  readonly status: number;
  /** One line for the user, without the "popek:" prefix. */
  readonly reason: string;
  readonly instructions: number;
  readonly cycles: number;
  /** For "internal-error": what was thrown (the CLI shows its stack on request). */
  readonly error?: unknown;
}

/** An error of the host side (output, resources) that ends the run; the sink throws it. */
export class HostError extends Error {}

/** Instructions per call into the interpreter: output is flushed between chunks. */
const CHUNK = 1 << 20;

/** The stack pointer a guest starts with: just below its image. */
function initialStack(load: number): number {
  return load;
}

/** Check a configuration before anything runs; a message for the user, or null. */
export function configError(c: RunConfig): { kind: RunKind; status: number; reason: string } | null {
  const image = placementError(c.name ?? "image", c.image.length, c.load, c.ramBytes);
  if (image) return { kind: "bad-image", status: Status.BAD_IMAGE, reason: image };
  if (c.real && c.entry > 0xffff) {
    return {
      kind: "bad-config",
      status: Status.USAGE,
      reason: `real mode starts at 0000:entry, so the entry must be at most 0xffff (got ${hex(c.entry)})`,
    };
  }
  return null;
}

export function runFlat(config: RunConfig): RunResult {
  const bad = configError(config);
  if (bad) return { ...bad, instructions: 0, cycles: 0 };

  let machine: FlatMachine | null = null;
  try {
    machine = new FlatMachine({ ramBytes: config.ramBytes, output: config.output });
    machine.load(config.image, config.load);
    if (config.real) machine.startReal16(config.entry, initialStack(config.load));
    else machine.startFlat32(config.entry, initialStack(config.load));
    return execute(machine, config);
  } catch (e) {
    const cpu = machine?.cpu;
    const counts = { instructions: cpu?.instructions ?? 0, cycles: cpu?.cycles ?? 0 };
    try {
      machine?.console.flush();
    } catch {
      // The output is already failing; the error below says why the run ended.
    }
    if (e instanceof HostError) return { kind: "host-error", status: Status.HOST_ERROR, reason: `host error: ${e.message}`, ...counts };
    if (e instanceof RangeError && /allocat|Array buffer/i.test(e.message)) {
      return { kind: "host-error", status: Status.HOST_ERROR, reason: `host error: cannot allocate guest RAM: ${e.message}`, ...counts };
    }
    const where = cpu ? ` at ${location(cpu.segSel[CS], cpu.eip, cpu.realMode)}` : "";
    const what = e instanceof Error ? `${e.name}: ${e.message}` : String(e);
    return {
      kind: "internal-error",
      status: Status.INTERNAL_ERROR,
      reason: `internal error: ${what} (guest${where})`,
      ...counts,
      error: e,
    };
  }
}

/** The engine's loop; returns when the guest's run ends. */
function execute(machine: FlatMachine, config: RunConfig): RunResult {
  const cpu = machine.cpu;
  const it = createEngine(cpu, config.engine ?? "jit");

  // Watch every exception on its way to the guest: remember where the last
  // one started (a triple fault is reported with its first cause), and take
  // the vectors the user asked to intercept.
  const taken = new Uint8Array(32);
  for (const v of config.intercept) taken[v] = 1;
  let lastFault: { fault: CpuFault; where: string } | null = null;
  cpu.interceptException = (fault) => {
    lastFault = { fault, where: location(cpu.segSel[CS], cpu.eip, cpu.realMode) };
    return taken[fault.vector] === 1;
  };

  for (;;) {
    const left = config.maxInstructions - cpu.instructions;
    if (left <= 0) {
      machine.console.flush();
      return end(
        cpu,
        "budget",
        Status.BUDGET,
        `instruction budget reached: ${config.maxInstructions} instructions (--max-instructions), guest at ${here(cpu)}`,
      );
    }
    const exit: ExitReason = it.run(Math.min(CHUNK, left));
    machine.console.flush();
    switch (exit.kind) {
      case "budget":
        continue;
      case "stop":
        return end(
          cpu,
          "exit",
          guestExitStatus(exit.status, config.exitStatus),
          `guest exit: ${exit.why}, status ${guestExitStatus(exit.status, config.exitStatus)} (--exit-status ${config.exitStatus})`,
        );
      case "halted":
        return end(cpu, "halted", Status.HALTED, `guest halted: HLT with interrupts disabled, at ${here(cpu)}`);
      case "hlt":
        return end(
          cpu,
          "halted",
          Status.HALTED,
          `guest halted: HLT waiting for an interrupt, but this machine has no interrupt source, at ${here(cpu)}`,
        );
      case "shutdown": {
        const first = lastFault as { fault: CpuFault; where: string } | null;
        const cause = first ? `${first.fault} at ${first.where} could not be delivered: ` : "";
        return end(cpu, "shutdown", Status.SHUTDOWN, `shutdown: ${cause}${exit.why}`);
      }
      case "exception":
        return end(cpu, "exception", Status.EXCEPTION, `exception intercepted: ${exit.fault} at ${here(cpu)} (--intercept)`);
      default:
        return assertNever(exit);
    }
  }
}

function end(cpu: FlatMachine["cpu"], kind: RunKind, status: number, reason: string): RunResult {
  return { kind, status, reason, instructions: cpu.instructions, cycles: cpu.cycles };
}

function here(cpu: FlatMachine["cpu"]): string {
  return location(cpu.segSel[CS], cpu.eip, cpu.realMode);
}

/** cs:eip as the manuals write it: 4 hex digits of selector, 4 (real mode) or 8 of offset. */
export function location(cs: number, eip: number, real: boolean): string {
  const off = (eip >>> 0).toString(16).padStart(real ? 4 : 8, "0");
  return `${cs.toString(16).padStart(4, "0")}:${off}`;
}

function assertNever(x: never): never {
  throw new Error(`unhandled exit ${JSON.stringify(x)}`);
}
