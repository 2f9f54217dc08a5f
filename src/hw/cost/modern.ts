/**
 * A recent x86 core at 3 GHz. Sourced: the VM exit + entry round trip keeps
 * falling by generation (Prescott 3963 … Westmere 761, Sandy Bridge 784
 * cycles; Agesen et al., USENIX ATC 2012, recalled in shared/PAPER.md); we
 * split a 600-cycle round trip as 350 exit + 250 entry. Estimated: the
 * native event costs (a few hundred cycles for an exception, tens for
 * INT/IRET) and instruction latencies of current cores.
 */
import type { CostProfile } from "./profile.js";

export const MODERN: CostProfile = {
  name: "modern",
  description: "a current x86 core, 3 GHz (round-trip exit cost sourced, other events estimated)",
  hz: 3_000_000_000,
  instructions: {
    simple: 1,
    memory: 1,
    branch: 1,
    callRet: 2,
    stack: 1,
    multiply: 3,
    divide: 20,
    stringElement: 1,
    flags: 5,
    far: 20,
    system: 15,
    serializing: 80,
    rdtsc: 0,
    x87: 3,
    x87Divide: 15,
    x87Transcendental: 60,
  },
  events: {
    exception: 250,
    pageFault: 50,
    softwareInterrupt: 60,
    externalInterrupt: 250,
    privilegeChange: 10,
    iret: 40,
    taskSwitch: 600,
    ioOffChip: 1500,
    ioOnChip: 40,
    pageWalk: 20,
    cr3Load: 80,
    vmrun: 250,
    vmexit: 350,
    vmcbRead: 20,
    vmcbWrite: 20,
  },
};
