/**
 * A Core 2 (Penryn) at 2.66 GHz, the generation whose VT-x made hardware
 * virtualization competitive. Sourced: the SVM-equivalent costs (VM entry
 * 937, exit 1186, VMCB read 52 / write 44) quoted in shared/PAPER.md.
 * Estimated, not measured here: exception and interrupt delivery scaled from
 * the P4 figures by the P4-to-Core 2 ratio of exit costs (≈ 0.6), and Core
 * 2's shorter pipeline latencies for the instruction classes.
 */
import type { CostProfile } from "./profile.js";

export const CORE2_2008: CostProfile = {
  name: "core2-2008",
  description: "Core 2 (Penryn), 2.66 GHz: the 2008 VT-x generation (event costs partly estimated)",
  hz: 2_660_000_000,
  instructions: {
    simple: 1,
    memory: 2,
    branch: 1,
    callRet: 3,
    stack: 1,
    multiply: 3,
    divide: 25,
    stringElement: 1,
    flags: 5,
    far: 25,
    system: 20,
    serializing: 100,
    rdtsc: 0,
    x87: 3,
    x87Divide: 20,
    x87Transcendental: 80,
  },
  events: {
    exception: 450,
    pageFault: 70,
    softwareInterrupt: 80,
    externalInterrupt: 400,
    privilegeChange: 15,
    iret: 60,
    taskSwitch: 900,
    ioOffChip: 2000,
    ioOnChip: 60,
    pageWalk: 25,
    cr3Load: 120,
    vmrun: 937,
    vmexit: 1186,
    vmcbRead: 52,
    vmcbWrite: 44,
  },
};
