/**
 * Booting Linux natively: load a bzImage (and initrd) with the 32-bit boot
 * protocol and set the processor up as the protocol promises the kernel's
 * 32-bit entry point: protected mode, paging off, interrupts off, flat
 * 4 GiB segments at __BOOT_CS (0x10) and __BOOT_DS (0x18) from a GDT in
 * guest memory, ESI pointing at boot_params, EBP = EDI = EBX = 0.
 */
import { ATTR_CODE_RX, ATTR_DATA_RW, ATTR_DB, ATTR_G, CR0_ET, CR0_PE, CS, ESI } from "../../hw/cpu/cpu.js";
import type { Pc } from "../../hw/machine/pc.js";
import { BOOT_CS, BOOT_DS, BOOT_GDT_ADDR, type LinuxLoad, loadBzImage } from "../../loaders/bzimage.js";

export function bootLinux(pc: Pc, kernel: Uint8Array, initrd: Uint8Array | null, cmdline: string): LinuxLoad {
  const load = loadBzImage({ ram: pc.bus.ram }, kernel, cmdline, initrd);
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
  cpu.regs[ESI] = load.bootParams;
  cpu.setEflags(0);
  cpu.eip = load.entry;
  return load;
}
