import assert from "node:assert/strict";
import { test } from "node:test";
import { ENGINES, QEMU_CPU } from "../../bench/engines.js";
import type { HostProbe } from "../../bench/host.js";
import { LINUX_MEM_MIB, WORKLOADS } from "../../bench/workloads.js";
import { DEFAULT_APPEND, FORKEXEC_DONE, FORKEXEC_SCRIPT, FORKEXEC_START, guestPrograms } from "../../src/guests/linux.js";

const HOST: HostProbe = {
  root: "/repo",
  guest: { kernel: "/g/vmlinuz", initrd: "/g/initrd" },
  qemu: true,
  seabios: { dir: "/seabios", found: true },
  v86: "/repo/node_modules/v86",
  popekRuns: true,
  popekEngineFlag: true,
  nodeFlags: ["--v8-pool-size=1"],
};
const FILES = { kernel: "/g/vmlinuz", initrd: "/g/initrd", append: DEFAULT_APPEND, memMiB: LINUX_MEM_MIB };

test("linux-boot is timed to the boot marker, forkexec between its two lines", () => {
  const boot = WORKLOADS["linux-boot"];
  const fe = WORKLOADS.forkexec;
  assert.ok(boot.kind === "linux" && fe.kind === "linux");
  assert.equal(boot.append, DEFAULT_APPEND);
  assert.equal(boot.seconds([8.5]), 8.5);
  assert.equal(fe.append, `${DEFAULT_APPEND} popek_run=/bin/forkexec`);
  assert.deepEqual(fe.markers, [FORKEXEC_START, FORKEXEC_DONE]);
  assert.equal(fe.seconds([10, 14.25]), 4.25);
});

test("/bin/forkexec runs /bin/true by path 200 times between its lines, and is packed", () => {
  assert.match(FORKEXEC_SCRIPT, /^#!\/bin\/sh\n/);
  assert.match(FORKEXEC_SCRIPT, /n=\$\{1:-200\}/);
  assert.match(FORKEXEC_SCRIPT, /\n {2}\/bin\/true\n/);
  assert.ok(FORKEXEC_SCRIPT.indexOf(FORKEXEC_START) < FORKEXEC_SCRIPT.indexOf(FORKEXEC_DONE));
  const packed = guestPrograms().find((e) => e.path === "bin/forkexec");
  assert.ok(packed?.data && packed.mode === 0o100755);
  assert.equal(new TextDecoder().decode(packed.data), FORKEXEC_SCRIPT);
});

test("every engine boots the same kernel, initrd, command line and RAM size", () => {
  for (const [name, e] of Object.entries(ENGINES)) {
    const l = e.linux?.(FILES, HOST);
    assert.ok(l, name);
    for (const v of ["/g/vmlinuz", "/g/initrd", DEFAULT_APPEND, "128"]) assert.ok(l.args.includes(v), `${name} gets ${v}`);
  }
});

test("popek passes --engine only when popek run has it", () => {
  const args = (e: string, flag: boolean) => ENGINES[e].linux?.(FILES, { ...HOST, popekEngineFlag: flag }).args.join(" ") ?? "";
  assert.match(args("popek", true), /--engine jit$/);
  assert.match(args("popek-interp", true), /--engine interp$/);
  assert.doesNotMatch(args("popek-interp", false), /--engine/);
});

test("popek's CLI and v86's child run in Node with the same options, before the script", () => {
  for (const name of ["popek", "popek-interp", "v86"]) {
    const l = ENGINES[name].linux?.(FILES, HOST);
    assert.equal(l?.command, process.execPath, name);
    assert.equal(l?.args[0], "--v8-pool-size=1", name);
    assert.match(l?.args[1] ?? "", /(popek|v86-child)\.js$/, name);
  }
});

test("qemu: isapc with TCG, a P6 without an APIC, serial on stdio, no reboot", () => {
  const l = ENGINES.qemu.linux?.(FILES, HOST);
  assert.equal(l?.command, "qemu-system-i386");
  const a = l?.args.join(" ") ?? "";
  for (const want of ["-M isapc", "-accel tcg", `-cpu ${QEMU_CPU}`, "-m 128", "-nographic", "-no-reboot"])
    assert.ok(a.includes(want), want);
});

test("cpu-loop runs on the popek engines only, and its checksum check rejects other output", () => {
  const w = WORKLOADS["cpu-loop"];
  assert.ok(w.kind === "flat");
  assert.deepEqual(
    Object.keys(ENGINES).filter((e) => ENGINES[e].flat),
    ["popek", "popek-js", "popek-interp"],
  );
  w.check("0123abcd\n");
  assert.throws(() => w.check("oops"), /8-digit checksum/);
});
