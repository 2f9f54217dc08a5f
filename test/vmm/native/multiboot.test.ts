// Booting a Multiboot kernel on the PC: the machine state the Multiboot
// specification (0.6.96, section 3.2 "Machine state") promises, checked on
// the processor right after boot and by a tiny kernel that reports what it
// finds.
import assert from "node:assert/strict";
import { test } from "node:test";
import { ATTR_DB, ATTR_G, CR0_PE, CR0_PG, CS, DS, EAX, EBX, ES, FS, GS, SS } from "../../../src/hw/cpu/cpu.js";
import { IF, VM } from "../../../src/hw/cpu/flags.js";
import { Interpreter } from "../../../src/hw/cpu/interpreter.js";
import { Pc } from "../../../src/hw/machine/pc.js";
import { ImageError } from "../../../src/loaders/errors.js";
import { le32 } from "../../../src/loaders/guest-memory.js";
import { bootMultiboot, isMultiboot } from "../../../src/vmm/native/multiboot.js";
import { runPc } from "../../../src/vmm/native/pc-loop.js";

/**
 * nasm -f bin of this source (a.out kludge, loaded at 0x200000):
 *
 *   org 0x200000
 *   hdr:    dd 0x1badb002, 0x00010000, -(0x1badb002 + 0x00010000), hdr, hdr, load_end, bss_end, start
 *   start:  mov [0x300000], eax        ; the boot loader's magic
 *           mov [0x300004], ebx        ; the information structure
 *           mov ecx, [ebx + 16]        ; its cmdline field: print the string on port 0xE9
 *   .l:     mov al, [ecx]
 *           test al, al
 *           jz .d
 *           out 0xe9, al
 *           inc ecx
 *           jmp .l
 *   .d:     mov dx, 0x18               ; reload DS, SS and CS from the GDT the loader left
 *           mov ds, dx
 *           mov ss, dx
 *           jmp 0x10:.far
 *   .far:   mov eax, [bss_end - 4]     ; bss: zeroed by the loader
 *           mov [0x300008], eax
 *           mov al, 0x2a
 *           out 0xf4, al
 *           hlt
 *   load_end:
 *           times 12 db 0              ; in the file, but past load_end_addr: not loaded
 *   bss_end:
 */
const KERNEL_HEX =
  "02b0ad1b00000100fe4f51e40000200000002000570020006300200020002000a300003000891d040030008b4b108a0184c07405e6e941" +
  "ebf566ba18008eda8ed2ea480020001000a15f002000a308003000b02ae6f4f4000000000000000000000000";

function kernel(): Uint8Array {
  const image = Uint8Array.from(Buffer.from(KERNEL_HEX, "hex"));
  // The bytes past load_end_addr must not reach memory: make them visible if they do.
  image.fill(0xee, 0x57);
  return image;
}

function pc(out: number[]): Pc {
  return new Pc({
    ramBytes: 16 << 20,
    debugOutput: (b) => out.push(...b),
    isa: { serialOutput: () => {}, rtcStart: 0, apic: true },
  });
}

test("the test kernel is a multiboot image, and is not one with a broken checksum", () => {
  assert.equal(isMultiboot(kernel()), true);
  const broken = kernel();
  broken[8] ^= 1; // checksum
  assert.equal(isMultiboot(broken), false);
});

test("bootMultiboot leaves the processor in the Multiboot machine state", () => {
  const m = pc([]);
  const cpu = m.cpu;
  const load = bootMultiboot(m, kernel(), "console=ttyS0 x");
  assert.equal(load.entry, 0x200020);
  assert.equal(cpu.eip, 0x200020);
  assert.equal(cpu.regs[EAX], 0x2badb002);
  assert.equal(cpu.regs[EBX], load.info);
  assert.equal(cpu.cr0 & CR0_PE, CR0_PE, "protected mode");
  assert.equal(cpu.cr0 & CR0_PG, 0, "paging off");
  assert.equal(cpu.eflags & IF, 0, "interrupts off");
  assert.equal(cpu.eflags & VM, 0);
  assert.equal(cpu.cpl, 0);
  for (const s of [CS, DS, ES, FS, GS, SS]) {
    assert.equal(cpu.segBase[s], 0, `segment ${s} base`);
    assert.equal(cpu.segLimit[s], 0xffffffff, `segment ${s} limit`);
    assert.equal(cpu.segAttr[s] & (ATTR_DB | ATTR_G), ATTR_DB | ATTR_G, `segment ${s} 32-bit, 4 KiB granular`);
  }
  assert.equal(cpu.segSel[CS], 0x10);
  assert.equal(cpu.segAttr[CS] & 0x1f, 0x1b, "CS: code, execute/read, accessed");
  assert.equal(cpu.segAttr[SS] & 0x1f, 0x13, "SS: data, read/write, accessed");
  // The GDT behind the selectors is in guest memory with the same flat descriptors.
  const ram = m.bus.ram;
  assert.equal(cpu.gdtLimit, 0x1f);
  assert.deepEqual([le32(ram, cpu.gdtBase + 0x10), le32(ram, cpu.gdtBase + 0x14)], [0x0000ffff, 0x00cf9b00]);
  assert.deepEqual([le32(ram, cpu.gdtBase + 0x18), le32(ram, cpu.gdtBase + 0x1c)], [0x0000ffff, 0x00cf9300]);
  // Information structure: flags say mem_*, cmdline and mmap are valid (bits 0, 2, 6).
  assert.equal(le32(ram, load.info) & 0x45, 0x45);
  assert.equal(le32(ram, load.info + 4), 640);
  assert.equal(le32(ram, load.info + 8), 15 * 1024);
});

test("a multiboot kernel runs: it finds the magic, the info structure and its command line, and the GDT reloads", async () => {
  const out: number[] = [];
  const m = pc(out);
  m.bus.ram.fill(0x55, 0x200057, 0x200063); // bss: the loader must zero it
  const load = bootMultiboot(m, kernel(), "hello multiboot");
  const exit = await runPc(m, new Interpreter(m.cpu), { maxInstructions: 10_000 });
  m.console.flush();
  assert.deepEqual(exit.kind === "stop" ? exit.status : exit.kind, 0x2a);
  assert.equal(Buffer.from(out).toString("latin1"), "hello multiboot");
  const ram = m.bus.ram;
  assert.equal(le32(ram, 0x300000), 0x2badb002);
  assert.equal(le32(ram, 0x300004), load.info);
  assert.equal(le32(ram, 0x300008), 0, "bss zeroed");
  assert.equal(ram[0x200057], 0, "bytes past load_end_addr are not loaded");
  assert.equal(m.cpu.segSel[CS], 0x10);
  assert.equal(m.cpu.segSel[SS], 0x18);
});

test("modules are placed page-aligned after the kernel and listed in the information structure", () => {
  const m = pc([]);
  const mod = Uint8Array.from([1, 2, 3, 4, 5]);
  const load = bootMultiboot(m, kernel(), "", [{ data: mod, cmdline: "mod.bin arg" }]);
  const ram = m.bus.ram;
  assert.equal(le32(ram, load.info) & 0x8, 0x8, "mods_* valid");
  assert.equal(le32(ram, load.info + 20), 1);
  const list = le32(ram, load.info + 24);
  const start = le32(ram, list);
  assert.equal(start, 0x201000);
  assert.equal(le32(ram, list + 4), 0x201005);
  assert.deepEqual([...ram.subarray(start, start + 5)], [1, 2, 3, 4, 5]);
  const str = le32(ram, list + 8);
  assert.equal(Buffer.from(ram.subarray(str, str + 11)).toString("latin1"), "mod.bin arg");
  assert.equal(ram[str + 11], 0);
});

test("an image that does not fit is refused with an ImageError", () => {
  const m = new Pc({ ramBytes: 2 << 20, debugOutput: () => {} });
  assert.throws(() => bootMultiboot(m, kernel(), "", [{ data: new Uint8Array(4 << 20), cmdline: "big" }]), ImageError);
});
