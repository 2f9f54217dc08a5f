/**
 * The paper's machine: Pentium 4 672 (Prescott 2M), 3.8 GHz (Adams &
 * Agesen, ASPLOS 2006). Instruction costs are Prescott latencies in round
 * numbers; the event costs are calibrated so that the nanobenchmark kernel
 * (guests/nanobench) reproduces the paper's native column of Figure 4:
 *   divzero 889  = exception + handler (add [esp], 2) + iret
 *   pgfault 1093 = exception + pageFault + 2 walks + handler (~8) + iret
 *   syscall 242  = softwareInterrupt + privilegeChange + iret (32-bit int/iret stands in for syscall/sysret)
 *   in      3209 = ioOffChip + the instruction
 *   call/ret 11  = 2 × callRet (+ loop overhead, subtracted)
 *   cr8wr ≈ 140 → tprwr: an on-chip APIC access.
 * SVM costs (VM entry 2409, exit 1931, VMCB read 178 / write 171) are the
 * paper's P4 figures as quoted in shared/PAPER.md.
 */
import type { CostProfile } from "./profile.js";

export const P4_2006: CostProfile = {
  name: "p4-2006",
  description: "Pentium 4 672 (Prescott), 3.8 GHz: the machine of Adams & Agesen, ASPLOS 2006",
  hz: 3_800_000_000,
  instructions: {
    simple: 1,
    memory: 2,
    branch: 1,
    callRet: 5,
    stack: 1,
    multiply: 10,
    divide: 60,
    stringElement: 1,
    flags: 10,
    far: 40,
    system: 30,
    serializing: 200,
    rdtsc: 0, // RDTSC reads the counter before its own cost would show
    x87: 5,
    x87Divide: 40,
    x87Transcendental: 150,
  },
  events: {
    exception: 780,
    pageFault: 110,
    softwareInterrupt: 120,
    externalInterrupt: 700,
    privilegeChange: 20,
    iret: 100,
    taskSwitch: 1500,
    ioOffChip: 3200,
    ioOnChip: 140,
    pageWalk: 40,
    cr3Load: 200,
    vmrun: 2409,
    vmexit: 1931,
    vmcbRead: 178,
    vmcbWrite: 171,
  },
};
