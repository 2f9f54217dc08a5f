/**
 * Cost profiles: what the modelled processor charges, in cycles, for each
 * class of instruction and for each hardware event. Profiles are data (one
 * file each beside this one); the processor only adds them up. RDTSC reads
 * the sum, so a guest measures itself exactly as on the profiled machine.
 */

/** Instruction classes (see classes.ts for which opcode falls in which). */
export interface InstructionCosts {
  /** Register ALU, moves, lea, flag and stack-pointer arithmetic. */
  simple: number;
  /** Extra for an instruction with a memory operand (an L1 hit). */
  memory: number;
  /** Near jumps and taken or untaken conditional branches. */
  branch: number;
  /** Near call and ret (each). */
  callRet: number;
  /** push/pop of a register or immediate. */
  stack: number;
  multiply: number;
  divide: number;
  /** One element of a (rep) string instruction. */
  stringElement: number;
  /** pushf, popf, cli, sti, lahf/sahf and friends that touch EFLAGS' system bits. */
  flags: number;
  /** Far jmp/call/ret and segment-register loads. */
  far: number;
  /** Control-register, descriptor-table and other system instructions. */
  system: number;
  /** cpuid, wbinvd, invd: serializing. */
  serializing: number;
  rdtsc: number;
  /** x87 add/sub/mul/compare/load/store. */
  x87: number;
  /** x87 divide and square root. */
  x87Divide: number;
  /** x87 transcendentals (fsin, fpatan, f2xm1...). */
  x87Transcendental: number;
}

/** Hardware events, charged on top of the instruction that caused them. */
export interface EventCosts {
  /** A processor exception delivered through an interrupt/trap gate (fault or trap). */
  exception: number;
  /** Extra for a page fault (CR2, error code, the faulting walk). */
  pageFault: number;
  /** INT n / INT3 / INTO through a gate. */
  softwareInterrupt: number;
  /** An external interrupt (PIC/APIC) delivered through a gate. */
  externalInterrupt: number;
  /** Extra for any delivery that changes privilege (stack switch through the TSS). */
  privilegeChange: number;
  /** IRET (any kind). */
  iret: number;
  /** A hardware task switch. */
  taskSwitch: number;
  /** An I/O port access that goes off chip (ISA devices). */
  ioOffChip: number;
  /** An access to an on-chip device (the local APIC). */
  ioOnChip: number;
  /** A page walk after a TLB miss. */
  pageWalk: number;
  /** A CR3 load, with its TLB flush. */
  cr3Load: number;
  /** Hardware-assisted virtualization (filled by the SVM work). */
  vmrun: number;
  vmexit: number;
  vmcbRead: number;
  vmcbWrite: number;
}

export interface CostProfile {
  readonly name: string;
  readonly description: string;
  /** Core clock: guest seconds = cycles / hz. */
  readonly hz: number;
  readonly instructions: Readonly<InstructionCosts>;
  readonly events: Readonly<EventCosts>;
}
