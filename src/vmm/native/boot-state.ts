/**
 * The processor state both the Linux 32-bit boot protocol and the Multiboot
 * specification promise at a kernel's entry: protected mode with paging
 * off, interrupts off, CPL 0, flat 4 GiB segments at __BOOT_CS (0x10) and
 * __BOOT_DS (0x18) of a GDT in guest memory, general registers zero. The
 * caller then sets the registers its protocol passes (ESI for Linux,
 * EAX/EBX for multiboot).
 */
import { ATTR_CODE_RX, ATTR_DATA_RW, ATTR_DB, ATTR_G, type Cpu, CR0_ET, CR0_PE, CS } from "../../hw/cpu/cpu.js";
import { put32 } from "../../loaders/guest-memory.js";

/** Where the boot GDT goes in guest memory (below the loaders' boot data). */
export const BOOT_GDT_ADDR = 0x1000;
/** Selectors the 32-bit boot protocol requires: __BOOT_CS and __BOOT_DS. */
export const BOOT_CS = 0x10;
export const BOOT_DS = 0x18;

export function enterFlatBootState(cpu: Cpu, ram: Uint8Array, entry: number): void {
  writeBootGdt(ram);
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
  cpu.setEflags(0);
  cpu.eip = entry;
}

/**
 * A GDT with the flat segments the 32-bit boot protocol promises at
 * __BOOT_CS (0x10) and __BOOT_DS (0x18); the kernel loads its own soon after.
 */
export function writeBootGdt(ram: Uint8Array): void {
  const g = BOOT_GDT_ADDR;
  ram.fill(0, g, g + 32);
  put32(ram, g + BOOT_CS, 0x0000ffff);
  put32(ram, g + BOOT_CS + 4, 0x00cf9b00); // code: present, DPL 0, exec/read, accessed, 4 GiB, 32-bit
  put32(ram, g + BOOT_DS, 0x0000ffff);
  put32(ram, g + BOOT_DS + 4, 0x00cf9300); // data: present, DPL 0, read/write, accessed, 4 GiB, 32-bit
}
