/**
 * Booting a Multiboot (version 1) kernel natively: load it with the
 * multiboot loader and set the processor up as the specification's
 * "Machine state" section promises the OS image: EAX = 0x2BADB002, EBX =
 * the physical address of the information structure, 32-bit protected
 * mode with paging off, CS a 4 GiB flat execute/read segment and DS, ES,
 * FS, GS, SS 4 GiB flat read/write segments, A20 on, EFLAGS.IF = 0 and
 * EFLAGS.VM = 0. The descriptors come from a small GDT in guest memory
 * (the spec lets the OS assume nothing about GDTR, but reloading a
 * selector must still give the same flat segment, so the GDT is real).
 */
import { ATTR_CODE_RX, ATTR_DATA_RW, ATTR_DB, ATTR_G, CR0_ET, CR0_PE, CS, EAX, EBX } from "../../hw/cpu/cpu.js";
import type { Pc } from "../../hw/machine/pc.js";
import { BOOT_CS, BOOT_DS, BOOT_GDT_ADDR, writeBootGdt } from "../../loaders/bzimage.js";
import {
  isMultiboot,
  loadMultiboot,
  MULTIBOOT_BOOTLOADER_MAGIC,
  type MultibootLoad,
  type MultibootModule,
} from "../../loaders/multiboot.js";

export { isMultiboot };

/** Load `image` into the PC's RAM and put the processor at its entry point in the multiboot machine state. */
export function bootMultiboot(pc: Pc, image: Uint8Array, cmdline: string, modules: MultibootModule[] = []): MultibootLoad {
  const ram = pc.bus.ram;
  const load = loadMultiboot({ ram }, image, cmdline, modules);
  writeBootGdt(ram);
  const cpu = pc.cpu;
  cpu.reset();
  cpu.cr0 = CR0_PE | CR0_ET;
  cpu.gdtBase = BOOT_GDT_ADDR;
  cpu.gdtLimit = BOOT_DS + 7;
  cpu.idtBase = 0;
  cpu.idtLimit = 0;
  const flat = ATTR_DB | ATTR_G;
  for (let s = 0; s < 6; s++) cpu.setSegCache(s, BOOT_DS, 0, 0xffffffff, ATTR_DATA_RW | flat);
  cpu.setSegCache(CS, BOOT_CS, 0, 0xffffffff, ATTR_CODE_RX | flat);
  cpu.cpl = 0;
  cpu.regs.fill(0);
  cpu.regs[EAX] = MULTIBOOT_BOOTLOADER_MAGIC;
  cpu.regs[EBX] = load.info;
  cpu.setEflags(0);
  cpu.eip = load.entry;
  return load;
}
