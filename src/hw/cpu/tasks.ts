/**
 * Entry points into hardware task switching for the other parts of the
 * processor (the switch itself is in task-switch.ts).
 */
import type { Cpu } from "./cpu.js";
import { TaskSource, taskSwitch } from "./task-switch.js";

/** An interrupt or exception through a task gate naming TSS `tssSel`. */
export function taskSwitchThroughGate(cpu: Cpu, tssSel: number, errorCode: number): void {
  taskSwitch(cpu, tssSel, TaskSource.INT, errorCode);
}
