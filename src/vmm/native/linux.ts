/**
 * Booting Linux natively: load a bzImage (and initrd) with the 32-bit boot
 * protocol and set the processor up as the protocol promises the kernel's
 * 32-bit entry point: protected mode, paging off, interrupts off, flat
 * 4 GiB segments at __BOOT_CS (0x10) and __BOOT_DS (0x18) from a GDT in
 * guest memory, ESI pointing at boot_params, EBP = EDI = EBX = 0.
 */
import { ESI } from "../../hw/cpu/cpu.js";
import type { Pc } from "../../hw/machine/pc.js";
import { type LinuxLoad, loadBzImage } from "../../loaders/bzimage.js";
import { enterFlatBootState } from "./boot-state.js";

export function bootLinux(pc: Pc, kernel: Uint8Array, initrd: Uint8Array | null, cmdline: string): LinuxLoad {
  const load = loadBzImage({ ram: pc.bus.ram }, kernel, cmdline, initrd);
  enterFlatBootState(pc.cpu, pc.bus.ram, load.entry);
  pc.cpu.regs[ESI] = load.bootParams;
  return load;
}
