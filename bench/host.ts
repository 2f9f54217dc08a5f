/**
 * What this host has of the benchmark's prerequisites — the fetched Linux
 * guest, qemu-system-i386, SeaBIOS, the v86 package, popek's `--engine`
 * option — and the one-line message for each that is missing. `probeHost`
 * looks; `skipReasons` is pure, so the messages are tested without a host.
 */
import { spawnSync } from "node:child_process";
import { existsSync, readFileSync } from "node:fs";
import { createRequire } from "node:module";
import { dirname, join } from "node:path";
import { findLinuxGuest, guestCacheDir } from "../src/guests/linux.js";

/** Where Debian's `seabios` package puts its images (POPEK_SEABIOS_DIR overrides). */
export const DEFAULT_SEABIOS_DIR = "/usr/share/seabios";
export const SEABIOS_FILES = { bios: "bios.bin", vgabios: "vgabios-stdvga.bin" } as const;
export const QEMU = "qemu-system-i386";

export interface HostProbe {
  /** The repository root. */
  readonly root: string;
  readonly guest: { readonly kernel: string; readonly initrd: string } | null;
  /** qemu-system-i386 runs. */
  readonly qemu: boolean;
  readonly seabios: { readonly dir: string; readonly found: boolean };
  /** The v86 package folder, or null when it is not installed. */
  readonly v86: string | null;
  /** `popek run --help` works (the CLI is built). */
  readonly popekRuns: boolean;
  /** `popek run` takes `--engine jit|interp` (the block compiler is built in). */
  readonly popekEngineFlag: boolean;
  /**
   * The Node options on the first line of bin/popek.js (what `npx popek`
   * runs with): the benchmark gives them to every engine it runs in Node,
   * popek's CLI and v86's child alike, so that both see the same runtime.
   */
  readonly nodeFlags: readonly string[];
}

/** The options after `node` in a `#!/usr/bin/env -S node ...` line (none for any other first line). */
export function shebangNodeFlags(script: string): string[] {
  const first = script.split("\n", 1)[0];
  const m = /^#!\S*env\s+(?:-S\s+)?node((?:\s+--\S+)*)\s*$/.exec(first);
  return m ? m[1].trim().split(/\s+/).filter(Boolean) : [];
}

export function probeHost(root: string): HostProbe {
  const guest = findLinuxGuest(guestCacheDir(root));
  const qemu = spawnSync(QEMU, ["--version"], { stdio: "ignore" });
  const dir = process.env.POPEK_SEABIOS_DIR || DEFAULT_SEABIOS_DIR;
  const seabiosFound = Object.values(SEABIOS_FILES).every((f) => existsSync(join(dir, f)));
  let v86: string | null = null;
  try {
    v86 = dirname(createRequire(join(root, "package.json")).resolve("v86/package.json"));
  } catch {
    // Not installed: reported by skipReasons.
  }
  const bin = join(root, "bin", "popek.js");
  const help = spawnSync(process.execPath, [bin, "run", "--help"], { encoding: "utf8", cwd: root });
  let nodeFlags: string[] = [];
  try {
    nodeFlags = shebangNodeFlags(readFileSync(bin, "utf8"));
  } catch {
    // No CLI: reported by skipReasons (popekRuns).
  }
  return {
    root,
    guest: guest ? { kernel: guest.kernel, initrd: guest.initrd } : null,
    qemu: !qemu.error && qemu.status === 0,
    seabios: { dir, found: seabiosFound },
    v86,
    popekRuns: !help.error && help.status === 0,
    popekEngineFlag: /--engine\b/.test(help.stdout ?? ""),
    nodeFlags,
  };
}

/** The message for each selected engine or workload that cannot run here (none: all can). */
export function skipReasons(
  host: HostProbe,
  engines: readonly string[],
  workloads: readonly { name: string; kind: "linux" | "flat" }[],
): Record<string, string> {
  const out: Record<string, string> = {};
  const linux = workloads.filter((w) => w.kind === "linux").map((w) => w.name);
  if (linux.length && !host.guest) {
    const msg = "the Linux guest is not fetched, or was packed before /bin/forkexec: run `npx popek guest fetch linux`";
    for (const w of linux) out[w] = msg;
  }
  const needsLinux = linux.length > 0 && host.guest !== null;
  for (const e of engines) {
    if (e.startsWith("popek") && !host.popekRuns) out[e] = "`node bin/popek.js run --help` fails: build popek first (`npx tsc -p .`)";
    else if ((e === "popek" || e === "popek-js") && !host.popekEngineFlag)
      out[e] = "`popek run` has no --engine option yet (no block compiler in this build); popek-interp runs without it";
    if (e === "qemu" && needsLinux && !host.qemu) out[e] = `${QEMU} is not installed: install it (Debian: apt-get install qemu-system-x86)`;
    if (e === "v86" && needsLinux && !host.v86) out[e] = "the v86 package is not installed: run `npm install` (v86 is a devDependency)";
    else if (e === "v86" && needsLinux && !host.seabios.found)
      out[e] =
        `SeaBIOS (${SEABIOS_FILES.bios}, ${SEABIOS_FILES.vgabios}) is not in ${host.seabios.dir}: ` +
        "install it (Debian: apt-get install seabios) or set POPEK_SEABIOS_DIR";
  }
  return out;
}
