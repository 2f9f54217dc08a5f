/**
 * The engines `npm run bench` compares. Each Linux run is a child process
 * with the guest's COM1 on its stdout: popek's CLI (block compiler or
 * interpreter), v86 from npm in a Node process of ours (v86-child.ts), or
 * qemu-system-i386 with TCG. Flat guests run in this process, on popek
 * only.
 */
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import type { EngineKind } from "../src/hw/cpu/engine.js";
import { runFlat } from "../src/vmm/native/run.js";
import { type HostProbe, QEMU, SEABIOS_FILES } from "./host.js";

/** A command line to spawn. */
export interface Launch {
  readonly command: string;
  readonly args: readonly string[];
}

/** What a Linux run boots. */
export interface LinuxFiles {
  readonly kernel: string;
  readonly initrd: string;
  readonly append: string;
  readonly memMiB: number;
}

/** One in-process run of a flat guest. */
export interface FlatRun {
  readonly seconds: number;
  readonly instructions: number;
  readonly output: string;
}

export interface Engine {
  readonly description: string;
  /** Seconds one Linux run may take before it is reported as failed. */
  readonly timeoutS: number;
  /** The child process that boots the guest with COM1 on stdout (absent: no Linux runs). */
  linux?(guest: LinuxFiles, host: HostProbe): Launch;
  /** Runs a flat guest in this process (absent: the engine does not run flat workloads). */
  flat?(image: Uint8Array): FlatRun;
}

/** The guest's files, command line and memory, as the popek and v86 launchers both take them. */
function guestArgs(g: LinuxFiles): string[] {
  return ["--kernel", g.kernel, "--initrd", g.initrd, "--append", g.append, "--mem", String(g.memMiB)];
}

/** `popek run` for a Linux guest; `--engine` only where popek has it (before the block compiler it has one engine). */
function popekLinux(engine: EngineKind) {
  return (g: LinuxFiles, host: HostProbe): Launch => ({
    command: process.execPath,
    args: [
      ...host.nodeFlags,
      join(host.root, "bin", "popek.js"),
      "run",
      ...guestArgs(g),
      ...(host.popekEngineFlag ? ["--engine", engine] : []),
    ],
  });
}

/** A flat guest on the native monitor, in this process, as `popek run --engine KIND image.bin` runs it. */
function popekFlat(engine: EngineKind) {
  return (image: Uint8Array): FlatRun => {
    let output = "";
    const start = process.hrtime.bigint();
    const r = runFlat({
      engine,
      image,
      load: 0x100000,
      entry: 0x100000,
      real: false,
      ramBytes: 16 << 20,
      maxInstructions: Number.POSITIVE_INFINITY,
      exitStatus: "raw",
      intercept: [],
      output: (b) => {
        output += Buffer.from(b).toString("latin1");
      },
    });
    const seconds = Number(process.hrtime.bigint() - start) / 1e9;
    if (r.kind !== "exit" || r.status !== 0) throw new Error(`the guest did not exit cleanly: ${r.reason}`);
    return { seconds, instructions: r.instructions, output };
  };
}

/**
 * QEMU's `-M isapc` starts a 486, which Debian's 686 kernel refuses.
 * pentium2 is the P6 nearest popek's (family 6, CMOV, no SSE); without its
 * local APIC, because SeaBIOS would then describe an I/O APIC in its MP
 * table that isapc does not have, and the kernel faults setting it up.
 */
export const QEMU_CPU = "pentium2,-apic";

export const ENGINES: Record<string, Engine> = {
  popek: {
    description: "popek's block compiler under the native monitor (popek run --engine jit)",
    // ≈20 s to the boot marker, ≈30 s to the end of forkexec, on a shared 2-core machine.
    timeoutS: 10 * 60,
    linux: popekLinux("jit"),
    flat: popekFlat("jit"),
  },
  "popek-js": {
    description: "popek's block compiler generating JavaScript instead of WebAssembly (popek run --engine jit-js)",
    timeoutS: 10 * 60,
    linux: popekLinux("jit-js"),
    flat: popekFlat("jit-js"),
  },
  "popek-interp": {
    description: "popek's reference interpreter under the native monitor (popek run --engine interp)",
    // ≈150 s to the boot marker on a shared 2-core machine.
    timeoutS: 15 * 60,
    linux: popekLinux("interp"),
    flat: popekFlat("interp"),
  },
  v86: {
    description: "v86 from npm (its x86-to-wasm JIT) in a Node process, Debian's SeaBIOS",
    timeoutS: 120,
    linux: (g, host) => ({
      command: process.execPath,
      args: [
        ...host.nodeFlags,
        fileURLToPath(new URL("./v86-child.js", import.meta.url)),
        "--v86",
        host.v86 ?? "",
        "--bios",
        join(host.seabios.dir, SEABIOS_FILES.bios),
        "--vgabios",
        join(host.seabios.dir, SEABIOS_FILES.vgabios),
        ...guestArgs(g),
      ],
    }),
  },
  qemu: {
    description: `${QEMU} -M isapc, TCG, serial on stdio`,
    timeoutS: 120,
    linux: (g) => ({
      command: QEMU,
      args: [
        "-M",
        "isapc",
        "-accel",
        "tcg",
        "-cpu",
        QEMU_CPU,
        "-m",
        String(g.memMiB),
        "-kernel",
        g.kernel,
        "-initrd",
        g.initrd,
        "-append",
        g.append,
        "-nographic",
        "-no-reboot",
      ],
    }),
  },
};
