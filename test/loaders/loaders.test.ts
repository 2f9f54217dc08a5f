import assert from "node:assert/strict";
import { test } from "node:test";
import { BOOT_PARAMS_ADDR, CMDLINE_ADDR, loadBzImage, parseSetupHeader } from "../../src/loaders/bzimage.js";
import { ImageError } from "../../src/loaders/errors.js";
import { le16, le32, put16, put32 } from "../../src/loaders/guest-memory.js";
import { isMultiboot, loadMultiboot, MULTIBOOT_MAGIC } from "../../src/loaders/multiboot.js";

const MiB = 1 << 20;

/** A minimal bzImage: 4 setup sectors after the boot sector, then a small "kernel". */
function fakeBzImage(): Uint8Array {
  const img = new Uint8Array(5 * 512 + 1024);
  img[0x1f1] = 4;
  put16(img, 0x1fe, 0xaa55);
  img[0x200] = 0xeb;
  img[0x201] = 0x6a; // jump over a header ending at 0x26c
  put32(img, 0x202, 0x53726448);
  put16(img, 0x206, 0x020f);
  img[0x211] = 0x01; // LOADED_HIGH
  put32(img, 0x214, 0x100000);
  put32(img, 0x22c, 0x7fffffff);
  put32(img, 0x230, 0x1000000);
  img[0x234] = 1;
  put32(img, 0x238, 2047);
  put32(img, 0x258, 0x1000000);
  put32(img, 0x260, 0x200000);
  img.fill(0xcc, 5 * 512);
  return img;
}

test("bzImage: kernel at 1 MiB, zero page with header, command line, initrd high, e820", () => {
  const ram = new Uint8Array(64 * MiB);
  const initrd = new Uint8Array(10000).fill(7);
  const r = loadBzImage({ ram }, fakeBzImage(), "console=ttyS0", initrd);
  assert.equal(r.entry, 0x100000);
  assert.equal(ram[0x100000], 0xcc);
  assert.equal(r.end, 0x1000000 + 0x200000); // decompresses at pref_address
  const bp = BOOT_PARAMS_ADDR;
  assert.equal(le32(ram, bp + 0x202), 0x53726448);
  assert.equal(le32(ram, bp + 0x228), CMDLINE_ADDR);
  assert.equal(new TextDecoder().decode(ram.subarray(CMDLINE_ADDR, CMDLINE_ADDR + 13)), "console=ttyS0");
  assert.equal(ram[CMDLINE_ADDR + 13], 0);
  assert.equal(r.initrd?.addr, 64 * MiB - 12288);
  assert.equal(le32(ram, bp + 0x218), 64 * MiB - 12288);
  assert.equal(le32(ram, bp + 0x21c), 10000);
  assert.equal(ram[bp + 0x1e8], 4);
  // Fourth e820 entry: RAM from 1 MiB to the end.
  assert.equal(le32(ram, bp + 0x2d0 + 60), 0x100000);
  assert.equal(le32(ram, bp + 0x2d0 + 68), 63 * MiB);
  assert.equal(le32(ram, bp + 0x2d0 + 76), 1);
});

test("bzImage: malformed images get one clear line", () => {
  assert.throws(() => parseSetupHeader(new Uint8Array(100)), /too short/);
  const noSig = fakeBzImage();
  noSig[0x1fe] = 0;
  assert.throws(() => parseSetupHeader(noSig), /0xAA55/);
  const old = fakeBzImage();
  put16(old, 0x206, 0x0204);
  assert.throws(() => parseSetupHeader(old), /2\.04 is too old/);
  const truncated = fakeBzImage().subarray(0, 0x400);
  assert.throws(() => parseSetupHeader(truncated), /truncated/);
  assert.throws(
    () => loadBzImage({ ram: new Uint8Array(8 * MiB) }, fakeBzImage(), "", null),
    (e: unknown) => e instanceof ImageError && /--mem/.test(e.message),
  );
});

function multibootHeader(img: Uint8Array, off: number, flags: number): void {
  put32(img, off, MULTIBOOT_MAGIC);
  put32(img, off + 4, flags);
  put32(img, off + 8, (-(MULTIBOOT_MAGIC + flags) >>> 0) & 0xffffffff);
}

test("multiboot a.out kludge: loads by header addresses, zeroes bss, builds info", () => {
  const img = new Uint8Array(64).fill(0x90);
  multibootHeader(img, 0, 0x10003);
  put32(img, 12, 0x100000); // header_addr
  put32(img, 16, 0x100000); // load_addr
  put32(img, 20, 0x100040); // load_end_addr
  put32(img, 24, 0x100100); // bss_end_addr
  put32(img, 28, 0x100020); // entry
  const ram = new Uint8Array(16 * MiB).fill(0xee, 0x100000, 0x100200);
  assert.ok(isMultiboot(img));
  const r = loadMultiboot({ ram }, img, "test arg", [{ data: new Uint8Array([1, 2, 3]), cmdline: "mod1" }]);
  assert.equal(r.entry, 0x100020);
  assert.equal(ram[0x100020], 0x90);
  assert.equal(ram[0x1000ff], 0);
  assert.equal(ram[0x100100], 0xee);
  const info = r.info;
  assert.equal(le32(ram, info) & 0x4f, 0x4d); // mem, cmdline, mods, mmap
  assert.equal(le32(ram, info + 4), 640);
  assert.equal(le32(ram, info + 8), 15 * 1024);
  const cmd = le32(ram, info + 16);
  assert.equal(new TextDecoder().decode(ram.subarray(cmd, cmd + 9)), "test arg\0");
  assert.equal(le32(ram, info + 20), 1);
  const mods = le32(ram, info + 24);
  assert.equal(le32(ram, mods), 0x101000);
  assert.equal(le32(ram, mods + 4), 0x101003);
  assert.deepEqual([...ram.subarray(0x101000, 0x101003)], [1, 2, 3]);
  assert.equal(le32(ram, info + 44), 4 * 24);
});

test("multiboot ELF: loads PT_LOAD segments at their physical addresses", () => {
  const img = new Uint8Array(0x200);
  img.set([0x7f, 0x45, 0x4c, 0x46, 1, 1, 1]);
  put16(img, 16, 2); // ET_EXEC
  put16(img, 18, 3); // EM_386
  put32(img, 24, 0x200010); // entry
  put32(img, 28, 52); // phoff
  put16(img, 42, 32);
  put16(img, 44, 1);
  put32(img, 52, 1); // PT_LOAD
  put32(img, 56, 0x100); // offset
  put32(img, 64, 0x200000); // paddr
  put32(img, 68, 0x20); // filesz
  put32(img, 72, 0x80); // memsz
  multibootHeader(img, 0x100, 0x3);
  img.fill(0xab, 0x10c, 0x120);
  const ram = new Uint8Array(16 * MiB).fill(0xee);
  const r = loadMultiboot({ ram }, img, "");
  assert.equal(r.entry, 0x200010);
  assert.equal(le32(ram, 0x200000), MULTIBOOT_MAGIC);
  assert.equal(ram[0x20001f], 0xab);
  assert.equal(ram[0x200020], 0);
  assert.equal(ram[0x200080], 0xee);
  assert.equal(r.end, 0x200080);
  assert.equal(le16(ram, r.info), 0x45); // mem, cmdline, mmap: no modules
});

test("multiboot: errors are one clear line", () => {
  assert.throws(() => loadMultiboot({ ram: new Uint8Array(MiB) }, new Uint8Array(64), ""), /no multiboot header/);
  const img = new Uint8Array(64);
  multibootHeader(img, 0, 0x3);
  assert.throws(() => loadMultiboot({ ram: new Uint8Array(4 * MiB) }, img, ""), /neither ELF nor/);
});
