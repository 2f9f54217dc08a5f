/**
 * The `popek` command line. `popek run <image>` runs a flat binary on the
 * flat machine under the native monitor; its exit status says how the run
 * ended (vmm/native/status.ts, README "Exit statuses").
 *
 * Everything the user sees on failure is one line on stderr starting with
 * "popek:"; an unexpected exception is reported the same way, never as a
 * stack trace (set POPEK_DEBUG=1 to see the stack).
 */
import { readFileSync, writeSync } from "node:fs";
import { Command, CommanderError, Option } from "commander";
import { DEFAULT_APPEND, fetchLinuxGuest, findLinuxGuest, guestCacheDir } from "../guests/linux.js";
import { PROFILES } from "../hw/cost/profiles.js";
import { ENGINE_KINDS, type EngineKind } from "../hw/cpu/engine.js";
import { MIB } from "../hw/machine/flat.js";
import { ImageError, readImage } from "../vmm/native/image.js";
import { HostError, type RunResult, runFlat } from "../vmm/native/run.js";
import { EXIT_STATUS_MODES, type ExitStatusMode, Status } from "../vmm/native/status.js";
import { benchForkwait } from "./bench-forkwait.js";
import { benchNano, MODES } from "./bench-nano.js";
import { parseExceptions, parseInteger } from "./parse.js";
import { runPcCommand } from "./run-pc.js";

/** RAM limit: the flat machine maps RAM from 0 and later machines keep the top GiB of the 4 GiB space for MMIO. */
const MAX_MEM_MIB = 3072;

const EXIT_HELP = `
Exit status:
  v & 0xff               the guest wrote v to port 0xF4 (--exit-status raw, the default)
  ((v << 1) | 1) & 0xff  the same under --exit-status qemu, as QEMU's isa-debug-exit
${[
  [Status.USAGE, "bad command line"],
  [Status.HALTED, "guest halted (HLT with interrupts off, or waiting for an interrupt with no source)"],
  [Status.SHUTDOWN, "triple fault (shutdown)"],
  [Status.EXCEPTION, "exception intercepted (--intercept)"],
  [Status.BUDGET, "instruction budget reached (--max-instructions)"],
  [Status.BAD_IMAGE, "image missing, unreadable, empty or too large"],
  [Status.HOST_ERROR, "host error (e.g. stdout closed)"],
  [Status.INTERNAL_ERROR, "internal error in popek"],
]
  .map(([s, what]) => `  ${String(s).padEnd(23)}${what}`)
  .join("\n")}

Port 0xE9 is the debug console (bytes written go to stdout); port 0xF4 is the
debug exit. A one-line summary (exit reason, instructions, cycles) goes to stderr.`;

interface RunOptions {
  engine: EngineKind;
  kernel?: string;
  initrd?: string;
  append?: string;
  bios?: string;
  apic: boolean;
  profile: string;
  rtcStart?: number;
  load?: number;
  entry?: number;
  real?: boolean;
  mem?: number;
  maxInstructions?: number;
  exitStatus: ExitStatusMode;
  intercept?: number[];
}

function version(): string {
  // dist/src/cli/main.js and src/cli/main.ts are both three levels below the package root.
  const pkg = JSON.parse(readFileSync(new URL("../../../package.json", import.meta.url), "utf8")) as { version: string };
  return pkg.version;
}

function program(setStatus: (s: number) => void): Command {
  const cmd = new Command("popek")
    .description("An IA-32 virtual machine monitor: runs x86 guests on a simulated machine")
    .version(version(), "-V, --version", "print popek's version")
    .exitOverride()
    .configureOutput({ outputError: (str, write) => write(`popek: ${str.replace(/^error: /, "")}`) });

  cmd
    .command("run")
    .description("run a guest: `linux` (the fetched Debian guest), a kernel (--kernel), a ROM (--bios), or a flat binary image")
    .argument("[image]", "a flat binary (raw x86 code, no headers), or `linux`")
    .option("--kernel <image>", "boot a Linux bzImage (32-bit boot protocol) or a Multiboot kernel on the PC platform, console on COM1")
    .option("--initrd <file>", "initial ramdisk for a Linux --kernel; for a Multiboot kernel, modules: file[,file...]")
    .option("--append <cmdline>", `kernel command line (default for Linux "${DEFAULT_APPEND}", for Multiboot empty)`)
    .option("--bios <rom>", "run a ROM image at the reset vector (like qemu -bios), debug console on stdout")
    .option("--no-apic", "no local APIC on the PC platform")
    .addOption(
      new Option("--engine <kind>", "what executes guest code: jit = the block compiler, interp = the reference interpreter")
        .choices(ENGINE_KINDS)
        .default("jit"),
    )
    .addOption(
      new Option("--profile <name>", "cost profile: cycles per instruction class and event")
        .choices(Object.keys(PROFILES))
        .default("p4-2006"),
    )
    .option("--rtc-start <seconds>", "RTC time at power-on, seconds since 1970 (default: the host clock)", (v) =>
      parseInteger(v, 0, 2 ** 40),
    )
    .option("--load <addr>", "physical load address (default 0x100000; 0x7c00 with --real)", (v) => parseInteger(v, 0, 0xffffffff))
    .option("--entry <addr>", "entry point (default: the load address)", (v) => parseInteger(v, 0, 0xffffffff))
    .option("--real", "start in 16-bit real mode at 0000:entry instead of flat 32-bit protected mode")
    .option("--mem <MiB>", `RAM size in MiB (1-${MAX_MEM_MIB}; default 16, 128 for Linux)`, (v) => parseInteger(v, 1, MAX_MEM_MIB))
    .option("--max-instructions <n>", "stop after n instructions (default: no limit)", (v) => parseInteger(v, 1, Number.MAX_SAFE_INTEGER))
    .addOption(
      new Option("--exit-status <mode>", "how a write of v to port 0xF4 becomes the exit status: raw = v & 0xff, qemu = (v << 1) | 1")
        .choices(EXIT_STATUS_MODES)
        .default("raw"),
    )
    .option(
      "--intercept <exceptions>",
      "stop when the guest raises one of these exceptions instead of delivering it (comma-separated: ud,gp,pf,... or vector numbers, or all)",
      parseExceptions,
    )
    .addHelpText("after", EXIT_HELP)
    .action(async (image: string | undefined, opts: RunOptions) => setStatus(await runCommand(image, opts)));

  const bench = cmd.command("bench").description("the paper's benchmarks");
  bench
    .command("nano")
    .description("the nanobenchmark kernel (Figure 4 of Adams & Agesen): cycles per operation")
    .addOption(new Option("--mode <mode>", "which monitor runs the guest").choices(MODES).default("native"))
    .addOption(new Option("--profile <name>", "cost profile").choices(Object.keys(PROFILES)).default("p4-2006"))
    .option("--json <file>", "also write the results as JSON")
    .option("--svg <file>", "also write an SVG chart beside the paper's figures")
    .action(async (opts: { mode: string; profile: string; json?: string; svg?: string }) =>
      setStatus(await benchNano({ ...opts, say, print: (line) => writeStdout(new TextEncoder().encode(`${line}\n`)) })),
    );

  bench
    .command("forkwait")
    .description("fork+waitpid pairs inside the Linux guest (the paper's forkwait), timed in guest cycles")
    .addOption(new Option("--mode <mode>", "which monitor runs the guest").choices(MODES).default("native"))
    .addOption(new Option("--profile <name>", "cost profile").choices(Object.keys(PROFILES)).default("p4-2006"))
    .option("--iterations <n>", "fork+waitpid pairs (the paper: 40,000)", (v) => parseInteger(v, 1, 10_000_000), 40000)
    .option("--json <file>", "also write the results as JSON")
    .action(async (opts: { mode: string; profile: string; iterations: number; json?: string }) =>
      setStatus(await benchForkwait({ ...opts, say, print: (line) => writeStdout(new TextEncoder().encode(`${line}\n`)) })),
    );

  const guest = cmd.command("guest").description("guest images");
  guest
    .command("fetch")
    .description("download Debian's i386 kernel and busybox with apt and pack the Linux guest's initramfs")
    .argument("<name>", "which guest: linux")
    .action((name: string) => setStatus(fetchCommand(name)));
  return cmd;
}

function fetchCommand(name: string): number {
  if (name !== "linux") {
    say(`unknown guest "${name}": the one guest to fetch is "linux"`);
    return Status.USAGE;
  }
  try {
    const g = fetchLinuxGuest(guestCacheDir(), (line) => say(line));
    say(`linux guest ready: kernel ${g.versions.kernel}, busybox ${g.versions.busybox} (${guestCacheDir()})`);
    return 0;
  } catch (e) {
    say(`cannot fetch the linux guest: ${e instanceof Error ? e.message.split("\n")[0] : String(e)}`);
    return Status.HOST_ERROR;
  }
}

/** `popek run`: returns the exit status. */
async function runCommand(path: string | undefined, opts: RunOptions): Promise<number> {
  if (path === "linux" && !opts.kernel) {
    const g = findLinuxGuest();
    if (!g) {
      say("the linux guest is not fetched yet: run `npx popek guest fetch linux` first");
      return Status.BAD_IMAGE;
    }
    opts.kernel = g.kernel;
    opts.initrd ??= g.initrd;
  } else if (path !== undefined && (opts.kernel || opts.bios)) {
    say(`give either an image (${path}) or --kernel/--bios, not both`);
    return Status.USAGE;
  }
  if (opts.kernel || opts.bios) {
    return runPcCommand({
      kernel: opts.kernel,
      initrd: opts.initrd,
      append: opts.append,
      linuxAppend: DEFAULT_APPEND,
      bios: opts.bios,
      memMiB: opts.mem ?? (opts.kernel ? 128 : 16),
      maxInstructions: opts.maxInstructions ?? Number.POSITIVE_INFINITY,
      rtcStart: opts.rtcStart,
      apic: opts.apic,
      profile: opts.profile,
      engine: opts.engine,
      exitStatus: opts.exitStatus,
      write: writeStdout,
      say,
    });
  }
  if (path === undefined) {
    say("nothing to run: give an image, `linux`, --kernel or --bios (see popek run --help)");
    return Status.USAGE;
  }
  const real = opts.real === true;
  const load = opts.load ?? (real ? 0x7c00 : 0x100000);
  const ramBytes = (opts.mem ?? 16) * MIB;
  let image: Uint8Array;
  try {
    image = readImage(path, load, ramBytes);
  } catch (e) {
    if (!(e instanceof ImageError)) throw e;
    say(e.message);
    return Status.BAD_IMAGE;
  }
  const result = runFlat({
    image,
    name: path,
    load,
    entry: opts.entry ?? load,
    real,
    ramBytes,
    maxInstructions: opts.maxInstructions ?? Number.POSITIVE_INFINITY,
    exitStatus: opts.exitStatus,
    intercept: opts.intercept ?? [],
    output: writeStdout,
    engine: opts.engine,
  });
  report(result);
  return result.status;
}

function report(r: RunResult): void {
  if (r.kind === "bad-image" || r.kind === "bad-config") {
    say(r.reason);
    return;
  }
  say(`${r.reason}; ${r.instructions} instructions, ${r.cycles} cycles`);
  if (r.kind === "internal-error" && process.env.POPEK_DEBUG && r.error instanceof Error) writeErr(`${r.error.stack}\n`);
}

/** One line on stderr. */
function say(line: string): void {
  writeErr(`popek: ${line}\n`);
}

function writeErr(text: string): void {
  try {
    writeSync(2, text);
  } catch {
    // Nowhere left to report to.
  }
}

const pause = new Int32Array(new SharedArrayBuffer(4));

/**
 * The debug console's sink: synchronous writes to stdout, so output appears
 * as the guest produces it and is complete when the run ends.
 */
function writeStdout(bytes: Uint8Array): void {
  let done = 0;
  while (done < bytes.length) {
    try {
      done += writeSync(1, bytes, done, bytes.length - done);
    } catch (e) {
      const code = (e as NodeJS.ErrnoException).code;
      // A non-blocking pipe that is full: wait a moment for the reader.
      if (code === "EAGAIN") Atomics.wait(pause, 0, 0, 1);
      else throw new HostError(`cannot write the guest's console output to stdout (${code ?? String(e)})`);
    }
  }
}

/** Run the command line `argv` (as in process.argv); resolves to the exit status. */
export async function main(argv: readonly string[]): Promise<number> {
  let status = 0;
  try {
    await program((s) => {
      status = s;
    }).parseAsync(argv as string[]);
    return status;
  } catch (e) {
    if (e instanceof CommanderError) {
      // Help and version exit 0; every other parse error has been printed already.
      return e.exitCode === 0 ? 0 : Status.USAGE;
    }
    const what = e instanceof Error ? `${e.name}: ${e.message}` : String(e);
    say(`internal error: ${what}`);
    if (process.env.POPEK_DEBUG && e instanceof Error) writeErr(`${e.stack}\n`);
    return Status.INTERNAL_ERROR;
  }
}
