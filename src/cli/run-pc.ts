/**
 * `popek run` for whole PCs: a Linux kernel (`popek run linux`, or
 * `--kernel/--initrd/--append` as in QEMU) on the ISA platform with COM1 as
 * the console, a Multiboot kernel (`--kernel` given a multiboot image, as
 * QEMU's `-kernel` takes one: `--append` is its command line and
 * `--initrd a,b` its modules), or a ROM image at the reset vector
 * (`--bios`, as QEMU's `-bios`) with the debug console on stdout.
 *
 * The console: COM1's output goes to stdout. On a terminal, input is raw
 * and typed keys go to COM1; Ctrl-A X quits, as in QEMU. When stdin is not
 * a terminal it is read to its end before the machine starts and fed to
 * COM1 as the guest reads it, so a scripted run is deterministic.
 */
import { readFileSync } from "node:fs";
import { profileByName } from "../hw/cost/profiles.js";
import { createEngine, type EngineKind } from "../hw/cpu/engine.js";
import { Pc } from "../hw/machine/pc.js";
import { ImageError } from "../loaders/errors.js";
import { bootLinux } from "../vmm/native/linux.js";
import { bootMultiboot, isMultiboot } from "../vmm/native/multiboot.js";
import { runPc } from "../vmm/native/pc-loop.js";
import { HostError } from "../vmm/native/run.js";
import { type ExitStatusMode, guestExitStatus, Status } from "../vmm/native/status.js";

export interface PcRunRequest {
  kernel?: string;
  initrd?: string;
  /** The kernel command line (undefined: Linux gets `linuxAppend`, a multiboot kernel an empty line). */
  append?: string;
  /** The default command line for a Linux kernel. */
  linuxAppend: string;
  bios?: string;
  memMiB: number;
  maxInstructions: number;
  /** RTC start, seconds since the epoch (default: the host clock). */
  rtcStart?: number;
  apic: boolean;
  /** Cost profile name (see src/hw/cost). */
  profile: string;
  /** What executes guest code. */
  engine: EngineKind;
  /** How a write to the debug-exit port becomes the exit status. */
  exitStatus: ExitStatusMode;
  write: (bytes: Uint8Array) => void;
  say: (line: string) => void;
}

function readFile(path: string, what: string): Uint8Array {
  let data: Buffer;
  try {
    data = readFileSync(path);
  } catch (e) {
    throw new ImageError(`cannot read ${what} ${path}: ${(e as NodeJS.ErrnoException).code ?? String(e)}`);
  }
  if (data.length === 0) throw new ImageError(`${what} ${path} is empty`);
  return new Uint8Array(data);
}

export async function runPcCommand(req: PcRunRequest): Promise<number> {
  let out: number[] = [];
  const flush = () => {
    if (out.length) {
      req.write(Uint8Array.from(out));
      out = [];
    }
  };
  let pc: Pc;
  const linux = req.kernel !== undefined;
  let multiboot = false;
  try {
    pc = new Pc({
      profile: profileByName(req.profile),
      ramBytes: req.memMiB << 20,
      rom: req.bios ? readFile(req.bios, "ROM image") : undefined,
      debugOutput: (b) => {
        flush();
        req.write(b);
      },
      isa: linux ? { serialOutput: (b) => out.push(b), rtcStart: req.rtcStart ?? Date.now() / 1000, apic: req.apic } : undefined,
    });
    if (linux) {
      const kernel = readFile(req.kernel as string, "kernel");
      multiboot = isMultiboot(kernel);
      if (multiboot) {
        // Multiboot modules: each file's path is its command line, as QEMU gives them.
        const paths = req.initrd ? req.initrd.split(",").filter((p) => p !== "") : [];
        const modules = paths.map((p) => ({ data: readFile(p, "module"), cmdline: p }));
        bootMultiboot(pc, kernel, req.append ?? "", modules);
      } else {
        const initrd = req.initrd ? readFile(req.initrd, "initrd") : null;
        bootLinux(pc, kernel, initrd, req.append ?? req.linuxAppend);
      }
    }
  } catch (e) {
    if (e instanceof ImageError) {
      req.say(e.message);
      return Status.BAD_IMAGE;
    }
    throw e;
  }

  const console = attachConsole(pc);
  const cpu = pc.cpu;
  const engine = createEngine(cpu, req.engine);
  let exit: Awaited<ReturnType<typeof runPc>>;
  const stats = (): string => {
    const seconds = cpu.cycles / cpu.cost.hz;
    return `${cpu.instructions} instructions, ${cpu.cycles} cycles (${seconds.toFixed(3)} s of guest time on ${cpu.cost.name})`;
  };
  try {
    try {
      exit = await runPc(pc, engine, {
        maxInstructions: req.maxInstructions,
        poll: () => {
          flush();
          pc.console.flush();
          console.feed();
        },
        inputOpen: () => console.open,
      });
    } finally {
      console.close();
      flush();
      pc.console.flush();
    }
  } catch (e) {
    // The console's output failed (a reader that went away: EPIPE), as for a flat image (run.ts).
    if (!(e instanceof HostError)) throw e;
    req.say(`host error: ${e.message}; ${stats()}`);
    return Status.HOST_ERROR;
  }
  if (console.quit) {
    req.say(`quit (Ctrl-A X); ${stats()}`);
    return 0;
  }
  switch (exit.kind) {
    case "halted":
      // Linux ends `poweroff -f` on a machine without ACPI in HLT with interrupts off.
      req.say(`guest halted; ${stats()}`);
      return linux && !multiboot ? 0 : Status.HALTED;
    case "stop":
      req.say(`${exit.why}; ${stats()}`);
      return pc.resetRequested ? 0 : guestExitStatus(exit.status, req.exitStatus);
    case "shutdown":
      req.say(`${exit.why}; ${stats()}`);
      return Status.SHUTDOWN;
    case "budget":
      req.say(`instruction budget reached; ${stats()}`);
      return Status.BUDGET;
    case "exception":
      req.say(`exception intercepted: ${exit.fault}; ${stats()}`);
      return Status.EXCEPTION;
    default:
      req.say(`stopped: ${exit.kind}; ${stats()}`);
      return Status.HALTED;
  }
}

interface Console {
  readonly open: boolean;
  readonly quit: boolean;
  feed(): void;
  close(): void;
}

/** Wire the host terminal (or piped stdin) to COM1. */
function attachConsole(pc: Pc): Console {
  const uart = pc.com1;
  const stdin = process.stdin;
  if (!uart) return { open: false, quit: false, feed() {}, close() {} };
  if (!stdin.isTTY) {
    // Scripted input: all of it, up front, fed as the guest drains the FIFO.
    let data: Buffer = Buffer.alloc(0);
    try {
      data = readFileSync(0);
    } catch {
      // No stdin at all.
    }
    if (data.length) uart.receive(data);
    return { open: false, quit: false, feed() {}, close() {} };
  }
  const state = { open: true, quit: false, escape: false };
  const pending: number[] = [];
  const onData = (chunk: Buffer) => {
    for (const b of chunk) {
      if (state.escape) {
        state.escape = false;
        if (b === 0x78 || b === 0x58) {
          // Ctrl-A X: quit.
          state.quit = true;
          pc.cpu.stopRequest = { kind: "stop", status: 0, why: "quit" };
          return;
        }
        if (b !== 0x01) pending.push(0x01);
        pending.push(b);
      } else if (b === 0x01) state.escape = true;
      else pending.push(b);
    }
  };
  stdin.setRawMode(true);
  stdin.on("data", onData);
  stdin.resume();
  return {
    get open() {
      return state.open;
    },
    get quit() {
      return state.quit;
    },
    feed() {
      if (pending.length) uart.receive(pending.splice(0));
    },
    close() {
      state.open = false;
      stdin.off("data", onData);
      stdin.setRawMode(false);
      stdin.pause();
    },
  };
}
