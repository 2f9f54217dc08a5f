/**
 * The debug-exit port at 0xF4, as QEMU's
 * `-device isa-debug-exit,iobase=0xf4,iosize=0x04`: a write of value v ends
 * the machine. QEMU then exits with status (v << 1) | 1; here the machine
 * only records v and stops the processor, and the monitor decides what exit
 * status that becomes (see vmm/native/status.ts).
 */
import type { Cpu } from "../cpu/cpu.js";

export const DEBUG_EXIT_PORT = 0xf4;

export class DebugExit {
  constructor(private readonly cpu: Cpu) {}

  /** The whole value written (byte, word or dword) is the guest's exit value. */
  write(value: number): void {
    // Stop at the next instruction boundary: the OUT itself completes.
    this.cpu.stopRequest = { kind: "stop", status: value >>> 0, why: `guest wrote ${hex(value)} to port 0xf4` };
  }
}

function hex(v: number): string {
  return `0x${(v >>> 0).toString(16)}`;
}
