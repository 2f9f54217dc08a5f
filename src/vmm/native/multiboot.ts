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
import { EAX, EBX } from "../../hw/cpu/cpu.js";
import type { Pc } from "../../hw/machine/pc.js";
import {
  isMultiboot,
  loadMultiboot,
  MULTIBOOT_BOOTLOADER_MAGIC,
  type MultibootLoad,
  type MultibootModule,
} from "../../loaders/multiboot.js";
import { enterFlatBootState } from "./boot-state.js";

export { isMultiboot };

/** Load `image` into the PC's RAM and put the processor at its entry point in the multiboot machine state. */
export function bootMultiboot(pc: Pc, image: Uint8Array, cmdline: string, modules: MultibootModule[] = []): MultibootLoad {
  const ram = pc.bus.ram;
  const load = loadMultiboot({ ram }, image, cmdline, modules);
  enterFlatBootState(pc.cpu, ram, load.entry);
  pc.cpu.regs[EAX] = MULTIBOOT_BOOTLOADER_MAGIC;
  pc.cpu.regs[EBX] = load.info;
  return load;
}
