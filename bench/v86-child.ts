/**
 * The v86 side of `npm run bench`: a Node process that boots a Linux
 * bzImage in v86 (the npm package, with its wasm JIT) and copies the
 * guest's COM1 bytes to stdout, where the bench watches for markers, until
 * it is killed. Runs as its own process so its peak memory is its own.
 *
 *   node dist/bench/v86-child.js --v86 DIR --bios F --vgabios F --kernel F --initrd F --append S --mem MiB
 */
import { readFileSync } from "node:fs";
import { join } from "node:path";
import { pathToFileURL } from "node:url";
import { parseArgs } from "node:util";

/** The little of v86's API this uses (see the package's v86.d.ts). */
interface V86Instance {
  add_listener(event: "serial0-output-byte", listener: (byte: number) => void): void;
}
type V86Constructor = new (options: Record<string, unknown>) => V86Instance;

/** How long a partial console line may wait before it is written anyway (ms). */
const FLUSH_MS = 20;

function image(path: string): { buffer: ArrayBuffer } {
  const b = readFileSync(path);
  return { buffer: b.buffer.slice(b.byteOffset, b.byteOffset + b.length) as ArrayBuffer };
}

async function main(): Promise<void> {
  const { values: o } = parseArgs({
    options: {
      v86: { type: "string" },
      bios: { type: "string" },
      vgabios: { type: "string" },
      kernel: { type: "string" },
      initrd: { type: "string" },
      append: { type: "string", default: "" },
      mem: { type: "string", default: "128" },
    },
  });
  for (const k of ["v86", "bios", "vgabios", "kernel", "initrd"] as const) if (!o[k]) throw new Error(`--${k} is required`);
  const dir = o.v86 as string;
  const pkg = JSON.parse(readFileSync(join(dir, "package.json"), "utf8")) as { main?: string };
  const lib = (await import(pathToFileURL(join(dir, pkg.main ?? "build/libv86.mjs")).href)) as { V86: V86Constructor };
  // stdout carries only guest bytes: v86's own messages go to stderr.
  console.log = console.info = console.debug = console.warn = console.error;

  let line: number[] = [];
  let timer: NodeJS.Timeout | undefined;
  const flush = () => {
    clearTimeout(timer);
    timer = undefined;
    if (line.length) process.stdout.write(Buffer.from(line));
    line = [];
  };
  const emulator = new lib.V86({
    wasm_path: join(dir, "build", "v86.wasm"),
    memory_size: Number(o.mem) << 20,
    vga_memory_size: 8 << 20,
    bios: image(o.bios as string),
    vga_bios: image(o.vgabios as string),
    bzimage: image(o.kernel as string),
    initrd: image(o.initrd as string),
    cmdline: o.append,
    autostart: true,
    disable_keyboard: true,
    disable_mouse: true,
    disable_speaker: true,
  });
  emulator.add_listener("serial0-output-byte", (byte) => {
    line.push(byte);
    // Whole lines go out at once, so a marker is seen the moment its line ends.
    if (byte === 10) flush();
    else timer ??= setTimeout(flush, FLUSH_MS);
  });
}

main().catch((e: unknown) => {
  process.stderr.write(`v86-child: ${e instanceof Error ? e.message : String(e)}\n`);
  process.exit(1);
});
