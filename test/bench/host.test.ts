import assert from "node:assert/strict";
import { readFileSync } from "node:fs";
import { test } from "node:test";
import { type HostProbe, shebangNodeFlags, skipReasons } from "../../bench/host.js";

const ALL: HostProbe = {
  root: "/repo",
  guest: { kernel: "vmlinuz", initrd: "initramfs.cpio.gz" },
  qemu: true,
  seabios: { dir: "/seabios", found: true },
  v86: "/repo/node_modules/v86",
  popekRuns: true,
  popekEngineFlag: true,
  nodeFlags: [],
};
const ENGINES = ["popek", "popek-js", "popek-interp", "v86", "qemu"];
const LINUX = [
  { name: "linux-boot", kind: "linux" as const },
  { name: "forkexec", kind: "linux" as const },
];
const FLAT = [{ name: "cpu-loop", kind: "flat" as const }];

test("nothing is skipped when every prerequisite is there", () => {
  assert.deepEqual(skipReasons(ALL, ENGINES, [...LINUX, ...FLAT]), {});
});

test("no fetched guest: both Linux workloads are skipped with the command that fetches it", () => {
  const r = skipReasons({ ...ALL, guest: null }, ENGINES, [...LINUX, ...FLAT]);
  assert.deepEqual(Object.keys(r), ["linux-boot", "forkexec"]);
  assert.match(r["linux-boot"], /npx popek guest fetch linux/);
});

test("each missing tool skips its engine with what to install", () => {
  assert.match(
    skipReasons({ ...ALL, qemu: false }, ENGINES, LINUX).qemu,
    /qemu-system-i386 is not installed.*apt-get install qemu-system-x86/,
  );
  assert.match(skipReasons({ ...ALL, v86: null }, ENGINES, LINUX).v86, /v86 package is not installed: run `npm install`/);
  assert.match(
    skipReasons({ ...ALL, seabios: { dir: "/nowhere", found: false } }, ENGINES, LINUX).v86,
    /SeaBIOS \(bios.bin, vgabios-stdvga.bin\) is not in \/nowhere.*apt-get install seabios/,
  );
  const noJit = skipReasons({ ...ALL, popekEngineFlag: false }, ENGINES, LINUX);
  assert.deepEqual(Object.keys(noJit), ["popek", "popek-js"]);
  assert.match(noJit.popek, /no --engine option/);
});

test("popek engines are skipped when popek's CLI does not run", () => {
  const r = skipReasons({ ...ALL, popekRuns: false, popekEngineFlag: false }, ENGINES, [...LINUX, ...FLAT]);
  assert.deepEqual(Object.keys(r), ["popek", "popek-js", "popek-interp"]);
  assert.match(r["popek-interp"], /build popek first/);
});

test("tools only the Linux workloads need are not asked for by cpu-loop alone", () => {
  assert.deepEqual(skipReasons({ ...ALL, guest: null, qemu: false, v86: null }, ENGINES, FLAT), {});
});

test("the Node options of the CLI's first line are read as the benchmark passes them", () => {
  assert.deepEqual(shebangNodeFlags("#!/usr/bin/env -S node --v8-pool-size=1 --stack-size=2000\nimport x;"), [
    "--v8-pool-size=1",
    "--stack-size=2000",
  ]);
  assert.deepEqual(shebangNodeFlags("#!/usr/bin/env node\n"), []);
  assert.deepEqual(shebangNodeFlags("// no shebang\n"), []);
  // The CLI as it is: one V8 worker thread (bin/popek.js says why).
  const bin = readFileSync(new URL("../../../bin/popek.js", import.meta.url), "utf8");
  assert.deepEqual(shebangNodeFlags(bin), ["--v8-pool-size=1"]);
});
