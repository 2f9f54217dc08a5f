/**
 * The decoded-instruction record: what the decoder learned from the bytes,
 * consumed by the interpreter, the block compiler and the disassembler.
 * Nothing here depends on register or memory contents.
 */

/** Prefix bits in `Insn.prefixes`. */
export const enum Pfx {
  LOCK = 1,
  REP = 2, // F3: rep / repe
  REPNE = 4, // F2
  OPSIZE = 8, // 66
  ADSIZE = 16, // 67
  SEG = 32, // a segment override is present (see `Insn.seg`)
}

export class Insn {
  /**
   * Offset in CS of the first byte (the instruction's EIP), as decoded. The
   * same record serves wherever its physical bytes run, so engines store
   * the current EIP here only for handlers that read it (`readsInsnEip`):
   * a store per instruction would cost more than the field saves (kernel
   * EIPs are not small integers, and V8 keeps such a field boxed).
   */
  eip = 0;
  /** Length in bytes, prefixes included. */
  len = 0;
  /** 0x000–0x0FF one-byte map, 0x100–0x1FF two-byte map. */
  op = 0;
  /** Cycles it costs under the processor's cost profile (set by the engine after decoding). */
  cycles = 1;
  /** The code-segment size (CS.D) it was decoded under. */
  big = true;
  /** Operand size in bytes: 2 or 4. */
  opsize = 4;
  /** Address size in bytes: 2 or 4. */
  adsize = 4;
  prefixes = 0;
  /** ModRM fields (0 when the opcode has no ModRM). */
  mod = 0;
  reg = 0;
  rm = 0;
  /**
   * Memory operand: segment (after any override), base and index registers
   * (-1 for none), scale as a shift count, displacement. For 16-bit
   * addressing base/index are BX/BP/SI/DI and the sum wraps at 64 KiB.
   */
  seg = 3;
  base = -1;
  index = -1;
  scale = 0;
  disp = 0;
  /** First and second immediates, zero-extended as fetched (semantics sign-extend Ib where the manual says so). */
  imm = 0;
  imm2 = 0;

  /** True when the ModRM operand is in memory. */
  get isMem(): boolean {
    return this.mod !== 3;
  }

  copyFrom(o: Insn): void {
    this.eip = o.eip;
    this.big = o.big;
    this.cycles = o.cycles;
    this.len = o.len;
    this.op = o.op;
    this.opsize = o.opsize;
    this.adsize = o.adsize;
    this.prefixes = o.prefixes;
    this.mod = o.mod;
    this.reg = o.reg;
    this.rm = o.rm;
    this.seg = o.seg;
    this.base = o.base;
    this.index = o.index;
    this.scale = o.scale;
    this.disp = o.disp;
    this.imm = o.imm;
    this.imm2 = o.imm2;
  }
}

/** Handlers that read `insn.eip` (string restarts, the x87 instruction pointer), so engines must set it. */
export function readsInsnEip(i: Insn): boolean {
  const op = i.op;
  return (op >= 0xa4 && op <= 0xa7) || (op >= 0xaa && op <= 0xaf) || (op >= 0xd8 && op <= 0xdf) || op === 0x9b;
}
