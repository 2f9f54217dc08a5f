/**
 * The reference side of the test-kernel comparison: the committed kernel
 * images rebuild from their sources, and qemu-system-i386 still prints the
 * committed transcripts for them. (kernels.test.ts holds popek to the same
 * transcripts.) CI installs nasm and qemu-system-x86, so both run there.
 */
import assert from "node:assert/strict";
import { spawnSync } from "node:child_process";
import { test } from "node:test";

const have = (cmd: string, arg: string) => spawnSync(cmd, [arg], { encoding: "utf8" }).status === 0;
const noNasm = have("nasm", "-v") ? false : "nasm is not installed (apt-get install nasm)";
const noQemu = have("qemu-system-i386", "--version") ? false : "qemu-system-i386 is not installed (apt-get install qemu-system-x86)";
for (const why of [noNasm, noQemu]) if (why) console.log(`# skipping a reference check: ${why}`);

test("test kernel images rebuild byte for byte from guests/tests/*.asm", { skip: noNasm }, () => {
  const r = spawnSync("bash", ["scripts/build-tests.sh", "--check"], { encoding: "utf8" });
  assert.equal(r.status, 0, `${r.stdout}${r.stderr}`);
});

test("qemu-system-i386 prints the committed transcripts for every test kernel", { skip: noQemu }, () => {
  const r = spawnSync("bash", ["scripts/qemu-transcript.sh", "--check"], { encoding: "utf8", timeout: 600_000 });
  assert.equal(r.status, 0, `${r.stdout}${r.stderr}`);
  assert.match(r.stdout + r.stderr, /kernels match their committed transcripts/);
});
