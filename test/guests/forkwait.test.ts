/**
 * guests/forkwait/forkwait.bin, the fork+waitpid benchmark packed into the
 * Linux guest as /bin/forkwait: its ELF headers are what the kernel's
 * binfmt_elf needs to load it, and, where the host runs i386 executables
 * (x86 Linux with IA32 emulation), it does what forkwait.asm says.
 */
import assert from "node:assert/strict";
import { spawnSync } from "node:child_process";
import { chmodSync, copyFileSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { after, test } from "node:test";
import { fileURLToPath } from "node:url";
import { findLinuxGuest, guestPrograms, INITRAMFS_VERSION } from "../../src/guests/linux.js";

const root = fileURLToPath(new URL("../../..", import.meta.url));
const binary = join(root, "guests/forkwait/forkwait.bin");
const elf = readFileSync(binary);
const view = new DataView(elf.buffer, elf.byteOffset, elf.byteLength);

const PT_LOAD = 1;
const PF_X = 1;

interface Segment {
  type: number;
  offset: number;
  vaddr: number;
  filesz: number;
  memsz: number;
  flags: number;
}

function segments(): Segment[] {
  const phoff = view.getUint32(28, true);
  const phentsize = view.getUint16(42, true);
  const phnum = view.getUint16(44, true);
  const out: Segment[] = [];
  for (let k = 0; k < phnum; k++) {
    const p = phoff + k * phentsize;
    out.push({
      type: view.getUint32(p, true),
      offset: view.getUint32(p + 4, true),
      vaddr: view.getUint32(p + 8, true),
      filesz: view.getUint32(p + 16, true),
      memsz: view.getUint32(p + 20, true),
      flags: view.getUint32(p + 24, true),
    });
  }
  return out;
}

test("forkwait is a 32-bit little-endian i386 executable (System V ABI ELF header)", () => {
  assert.deepEqual([...elf.subarray(0, 4)], [0x7f, 0x45, 0x4c, 0x46], "ELF magic");
  assert.equal(elf[4], 1, "EI_CLASS = ELFCLASS32");
  assert.equal(elf[5], 1, "EI_DATA = ELFDATA2LSB");
  assert.equal(elf[6], 1, "EI_VERSION = EV_CURRENT");
  assert.equal(view.getUint16(16, true), 2, "e_type = ET_EXEC");
  assert.equal(view.getUint16(18, true), 3, "e_machine = EM_386");
  assert.equal(view.getUint32(20, true), 1, "e_version");
  assert.equal(view.getUint16(40, true), 52, "e_ehsize");
  assert.equal(view.getUint16(42, true), 32, "e_phentsize");
});

test("forkwait's entry point is in an executable PT_LOAD segment that lies inside the file", () => {
  const entry = view.getUint32(24, true);
  const loads = segments().filter((s) => s.type === PT_LOAD);
  assert.ok(loads.length >= 1, "at least one PT_LOAD");
  for (const s of loads) {
    assert.ok(s.offset + s.filesz <= elf.length, "segment bytes are in the file");
    assert.ok(s.memsz >= s.filesz, "p_memsz >= p_filesz");
    assert.equal(s.vaddr % 0x1000, s.offset % 0x1000, "p_vaddr and p_offset agree modulo the page size");
  }
  const code = loads.find((s) => entry >= s.vaddr && entry < s.vaddr + s.filesz);
  assert.ok(code, `entry 0x${entry.toString(16)} is inside a loaded segment`);
  assert.ok(code.flags & PF_X, "the entry's segment is executable");
  // The first instruction is `mov ebp, 40000` (B8+r id), the default N of Adams & Agesen.
  const at = code.offset + (entry - code.vaddr);
  assert.deepEqual([...elf.subarray(at, at + 5)], [0xbd, 0x40, 0x9c, 0x00, 0x00]);
});

test("the Linux guest's initramfs gets the committed forkwait as /bin/forkwait", () => {
  const programs = guestPrograms(root);
  const fw = programs.find((e) => e.path === "bin/forkwait");
  assert.ok(fw, "bin/forkwait is packed");
  assert.equal(fw.mode, 0o100755);
  assert.ok(fw.data && Buffer.from(fw.data).equals(elf));
});

test("a guest packed before forkwait (no initramfs version) is not reported as fetched", () => {
  const dir = mkdtempSync(join(tmpdir(), "popek-guest-"));
  try {
    for (const f of ["vmlinuz", "initramfs.cpio.gz"]) writeFileSync(join(dir, f), "x");
    const manifest = (initramfs?: number) =>
      writeFileSync(
        join(dir, "guest.json"),
        JSON.stringify({
          kernel: join(dir, "vmlinuz"),
          initrd: join(dir, "initramfs.cpio.gz"),
          versions: { kernel: "k", busybox: "b" },
          initramfs,
        }),
      );
    manifest(undefined);
    assert.equal(findLinuxGuest(dir), null);
    manifest(INITRAMFS_VERSION - 1);
    assert.equal(findLinuxGuest(dir), null);
    manifest(INITRAMFS_VERSION);
    assert.equal(findLinuxGuest(dir)?.initramfs, INITRAMFS_VERSION);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});

// Run it on the host when the host can: copied with the executable bit set,
// since a checkout may not keep it.
const work = mkdtempSync(join(tmpdir(), "popek-forkwait-"));
const exe = join(work, "forkwait");
after(() => rmSync(work, { recursive: true, force: true }));
copyFileSync(binary, exe);
chmodSync(exe, 0o755);
// execve of an i386 ELF fails with ENOEXEC on a host without IA32 emulation,
// and then libuv's execvp hands the file to /bin/sh as a script: so the probe
// counts as "ran" only if forkwait itself spoke (or died of a signal).
const probe = spawnSync(exe, ["0"], { encoding: "utf8" });
const ran = probe.signal !== null || probe.stdout.startsWith("forkwait:") || probe.stderr.startsWith("forkwait:");
const cannotRun = ran
  ? false
  : `the host cannot execute i386 ELF programs (no IA32 emulation: execve gives ENOEXEC, ${
      probe.error ? String(probe.error) : "and /bin/sh then read it as a script"
    }); forkwait runs only in the Linux guest`;
if (cannotRun) console.log(`# skipping forkwait on the host: ${cannotRun}`);

test("on the host, forkwait 100 forks and reaps 100 children and prints its two lines", { skip: cannotRun }, () => {
  const r = spawnSync(exe, ["100"], { encoding: "utf8" });
  assert.equal(r.error, undefined);
  assert.equal(r.status, 0, r.stderr);
  assert.equal(r.stdout, "forkwait: start\nforkwait: 100 iterations\n");
  assert.equal(r.stderr, "");
  const zero = spawnSync(exe, ["0"], { encoding: "utf8" });
  assert.equal(zero.stdout, "forkwait: start\nforkwait: 0 iterations\n");
  const bad = spawnSync(exe, ["12x"], { encoding: "utf8" });
  assert.equal(bad.status, 2);
  assert.equal(bad.stdout, "");
  assert.match(bad.stderr, /usage/);
});
