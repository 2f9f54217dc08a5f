/**
 * Hardware task switching (SDM vol. 3, 7.3). Entered through task gates in
 * the IDT and, later, through JMP/CALL to a TSS or task gate and IRET with
 * NT set.
 */
import type { Cpu } from "./cpu.js";
import { CpuFault, Vec } from "./fault.js";

/**
 * Switch to the task whose TSS selector a task gate names. Task switching
 * is part of the protected-mode work (issue 3); until it lands a task gate
 * raises #GP with the TSS selector, which a guest sees as a refused switch.
 */
export function taskSwitchThroughGate(_cpu: Cpu, tssSel: number, _errorCode: number): void {
  throw new CpuFault(Vec.GP, tssSel & 0xfffc);
}
