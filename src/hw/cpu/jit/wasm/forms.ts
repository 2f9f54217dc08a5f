/**
 * Inline forms as WebAssembly: the same instructions, with the same
 * semantics and the same fast-path checks, as the JavaScript forms of
 * ../inline.ts. Each form either emits code and returns true, or emits
 * nothing and returns false (the caller calls the handler). A form with a
 * memory operand takes the handler (`slow`) when its fast path does not
 * apply; the handler then makes the access in full.
 *
 * The flags are recorded into the slots as flags.ts records them into the
 * Cpu (lazyAdd, lazySub, lazyLogic, lazyIncDec), and only where the
 * liveness pass says a later instruction may read them.
 */
import { DS, ES, SS } from "../../cpu.js";
import { AF, ARITH, CF, DF, FIXED1, IF, Lz, OF, PF, RF, SF, VM, ZF } from "../../flags.js";
import { type Insn, Pfx } from "../../insn.js";
import { AluOp } from "../../ops/alu.js";
import { BitOp } from "../../ops/bits.js";
import { T_USER_R, T_USER_W } from "../../paging.js";
import { type Producer, rotatesRegister, singleStringOp } from "../inline.js";
import type { Layout } from "./layout.js";
import { Kind, kindWord, Slot } from "./layout.js";
import { type Body, Op } from "./module.js";

/** Locals of a region function (parameters first). */
export const enum L {
  LABEL = 0,
  B = 1,
  TLB = 2,
  O = 3,
  LIN = 4,
  E = 5,
  P = 6,
  A = 7,
  BB = 8,
  RES = 9,
  T = 10,
  /** The carry into ADC and SBB. */
  CIN = 11,
  /** EAX to EDI while a block has them in locals (`Emitter.reg`): R0 + n. */
  R0 = 12,
}
/** Locals after the three parameters (O to CIN, and the eight registers). */
export const LOCALS = 17;

/**
 * Function indices: `h` and `s`, which call out to TypeScript (compile.ts
 * callout, chain.ts), then the flag readers (compile.ts flagBodies), in this order.
 */
export const enum F {
  /** `h(k, B)`: instruction k's handler. */
  HANDLER = 0,
  /** `s(offset, B)`: the instruction crossing into the next page (../crossing.ts); answers as `h` does. */
  STEP = 1,
  GET_CF = 2,
  GET_ZF = 3,
  GET_SF = 4,
  GET_OF = 5,
  GET_PF = 6,
  GET_AF = 7,
}

const ALU_OP: Record<number, Op> = {
  [AluOp.ADD]: Op.i32_add,
  [AluOp.OR]: Op.i32_or,
  [AluOp.AND]: Op.i32_and,
  [AluOp.SUB]: Op.i32_sub,
  [AluOp.XOR]: Op.i32_xor,
  [AluOp.CMP]: Op.i32_sub,
};

function reg8(reg: number): number {
  return ((reg & 3) << 2) | (reg >> 2);
}

/**
 * Operand size 32. (No form looks at LOCK: the decoder lets it through only
 * on the read-modify-write instructions with a memory destination, #UD
 * elsewhere, and on one processor those are atomic anyway.)
 */
function plain32(i: Insn): boolean {
  return i.opsize === 4;
}

/**
 * The registers an instruction with a memory operand loads into (its
 * fast path writes them below the top level): a guess that is only about
 * speed, since `precache` merely brings registers into locals early.
 */
function loadDestinations(i: Insn): number[] {
  const op = i.op;
  const alu = op < 0x40 && (op & 7) >= 2 && (op & 7) <= 3;
  if (
    op === 0x8b ||
    op === 0x1b6 ||
    op === 0x1b7 ||
    op === 0x1be ||
    op === 0x1bf ||
    op === 0x1af ||
    op === 0x69 ||
    op === 0x6b ||
    (alu && op & 1)
  )
    return [i.reg];
  if (op === 0x8a || (alu && !(op & 1))) return [i.reg & 3];
  if (op === 0xa1) return [0];
  return [];
}

export class Emitter {
  constructor(
    readonly b: Body,
    readonly at: Layout,
    /** T_* bits a read / a write needs at the compiled privilege. */
    readonly rd: number,
    readonly wr: number,
    /** Compiled for flat segments (Mode.FLAT): DS, ES and SS have base 0, no limits, and SS is 32-bit. */
    readonly flat: boolean,
  ) {}

  /**
   * The last flags producer before the instruction being emitted whose
   * operands and result are still in A, BB and RES, or null: compile.ts
   * passes `produced` on to the next instruction, and clears it at a
   * block's start and after a handler.
   */
  producer: Producer | null = null;
  /**
   * What the form just emitted leaves in A, BB and RES, on its fast path
   * and (`access`) its handler's, for a branch after it; null when nothing.
   * `form` clears it; compares, logical operations, NEG and INC/DEC set it.
   */
  produced: Producer | null = null;
  /** CF may be read after the instruction being emitted (liveness.ts; compile.ts sets it). */
  carryLive = true;
  /**
   * The instruction being emitted is a flags producer followed by a
   * conditional branch after which no flags are read (compile.ts sets it):
   * if the branch decides from A, BB and RES, nothing reads the lazy
   * record, so a producer leaves its record to `deferred` instead of
   * writing it. In a boot's kernel code most compares and tests are such.
   */
  deferRecord = false;
  /** The record a producer left unwritten (`deferRecord`): it emits the record's stores from A, BB and RES. */
  private deferred: (() => void) | null = null;

  // --- registers and slots ------------------------------------------------

  /*
   * Inside a block, the registers it uses live in locals (R0 + n), so that
   * a value one instruction computes reaches the next without a store and
   * a load through the arena (V8 keeps locals in machine registers).
   * `cached`: the registers whose local holds the value on every path
   * through the code emitted so far; `dirty`: those whose local may differ
   * from the arena. A register enters `cached` where it is first read or
   * written at the block's top level (not inside a fast path's or a
   * condition's construct: the local would hold it on one path only);
   * below the top level an uncached register is read and written in the
   * arena. Dirty registers go back to the arena before every handler call
   * and where the block ends (`writeBack`). After a handler call at the top
   * level the locals are forgotten; after one on a slow path (`fastOrSlow`)
   * the cached registers its fast path writes are reloaded, so that the
   * locals hold them on both paths where the two join.
   */
  private cached = 0;
  private dirty = 0;
  private top = 0;
  /** Registers written (in a local or the arena) since `fastOrSlow` started counting. */
  private written = 0;
  /** The registers a handler called here may change (`fastOrSlow`), all of them elsewhere. */
  private reloadMask = 0xff;

  /** A block's code starts here: no register in a local yet. */
  enterBlock(): void {
    this.cached = 0;
    this.dirty = 0;
    this.top = this.b.nesting;
  }

  /** The dirty registers into the arena (where control leaves the block, or before a handler). */
  writeBack(): void {
    for (let n = 0; n < 8; n++)
      if (this.dirty & (1 << n))
        this.b
          .i32(0)
          .get(L.R0 + n)
          .mem(Op.i32_store, this.at.regs + 4 * n);
    if (this.atTop()) this.dirty = 0;
  }

  /** At the block's top level: no construct of a form is open. */
  private atTop(): boolean {
    return this.b.nesting === this.top;
  }

  /** Register r is read and written through its local here (it is cached, or enters the cache here). */
  private inLocal(r: number): boolean {
    return (this.cached & (1 << r)) !== 0 || this.atTop();
  }

  /** Push register n's value from the arena. */
  private arenaReg(n: number): this {
    this.b.i32(0).mem(Op.i32_load, this.at.regs + 4 * n);
    return this;
  }

  /** After a handler: the cached registers it may have changed from the arena again. */
  private reload(): void {
    for (let n = 0; n < 8; n++) if (this.cached & this.reloadMask & (1 << n)) this.arenaReg(n).b.set(L.R0 + n);
  }

  /**
   * Register n into its local here, at the top level, if it is not there:
   * a fast path that writes it then writes the local (see `loadDestinations`).
   */
  precache(n: number): void {
    if (this.cached & (1 << n) || !this.atTop()) return;
    this.arenaReg(n).b.set(L.R0 + n);
    this.cached |= 1 << n;
  }

  reg(n: number): this {
    const bit = 1 << n;
    if (this.cached & bit) this.b.get(L.R0 + n);
    else if (this.atTop()) {
      this.arenaReg(n).b.tee(L.R0 + n);
      this.cached |= bit;
    } else this.arenaReg(n);
    return this;
  }
  /** Store the value that `value` pushes into register n. */
  setReg(n: number, value: () => void): this {
    const bit = 1 << n;
    this.written |= bit;
    if (this.inLocal(n)) {
      value();
      this.b.set(L.R0 + n);
      this.cached |= bit;
      this.dirty |= bit;
    } else {
      this.b.i32(0);
      value();
      this.b.mem(Op.i32_store, this.at.regs + 4 * n);
    }
    return this;
  }
  /**
   * After the handler of a compare or logical instruction with a memory
   * operand (its slow path): A, BB and RES from the record the handler left
   * in the slots, as its fast path leaves them, so that a branch after it
   * is decided from them either way.
   */
  operandsFromSlots(): void {
    this.slot(Slot.LZDST).b.set(L.A);
    this.slot(Slot.LZSRC).b.set(L.BB);
    this.slot(Slot.LZRES).b.set(L.RES);
  }

  slot(s: Slot): this {
    this.b.i32(0).mem(Op.i32_load, this.at.slots + s);
    return this;
  }
  setSlot(s: Slot, value: () => void): this {
    this.b.i32(0);
    value();
    this.b.mem(Op.i32_store, this.at.slots + s);
    return this;
  }
  /** Charge `count` instructions and `cycles` cycles (Slot.CHARGES). */
  charge(count: number, cycles: number): this {
    this.b
      .i32(0)
      .i32(0)
      .mem(Op.i64_load, this.at.slots + Slot.CHARGES)
      .i64(cycles * 2 ** 32 + count)
      .op(Op.i64_add)
      .mem(Op.i64_store, this.at.slots + Slot.CHARGES);
    return this;
  }

  /** The lazy-flag record of one operation, from the locals A, BB, RES, and CIN if `carry` (flags.ts). */
  lazy(kind: number, size: number, lazyBits = ARITH, carry = false): void {
    // A LOGIC record's flags come from its result alone (flags.ts): its operands are left as they were.
    if (kind !== Lz.LOGIC) {
      this.setSlot(Slot.LZDST, () => this.b.get(L.A));
      this.setSlot(Slot.LZSRC, () => this.b.get(L.BB));
    }
    this.setSlot(Slot.LZRES, () => this.b.get(L.RES));
    this.setSlot(Slot.LZKIND, () => {
      this.b.i32(kindWord(lazyBits, kind, size, 0));
      if (carry) this.b.get(L.CIN).i32(Kind.CIN_SHIFT).op(Op.i32_shl, Op.i32_or);
    });
  }

  /**
   * A producer's record (after it set `produced`), `emit`ted now, or left to
   * `deferred` where compile.ts allows it and the producer leaves its
   * operands in the locals.
   */
  private record(emit: () => void): void {
    if (this.deferRecord && this.produced !== null) this.deferred = emit;
    else emit();
  }

  /** Write the deferred record on the path being emitted, and keep it for the others. */
  writeDeferred(): void {
    this.deferred?.();
  }

  /** Write the deferred record here, for good. */
  flushRecord(): void {
    const emit = this.deferred;
    this.deferred = null;
    emit?.();
  }

  /** Forget the deferred record: the branch decided from the locals, and no flags are read after it. */
  dropRecord(): void {
    this.deferred = null;
  }

  /** The record of ALU operation `op` at `size` (ADC and SBB with their carry in CIN; TEST, -1, as AND). */
  private aluFlags(op: number, size = 4): void {
    const add = op === AluOp.ADD || op === AluOp.ADC;
    const sub = op === AluOp.SUB || op === AluOp.CMP || op === AluOp.SBB;
    this.lazy(add ? Lz.ADD : sub ? Lz.SUB : Lz.LOGIC, size, ARITH, op === AluOp.ADC || op === AluOp.SBB);
  }

  /**
   * INC/DEC, before they overwrite A and RES: CF, which they keep, goes
   * into FLAGS if it is lazy (lazyIncDec). Where compile.ts knows the
   * producer that recorded it, with its locals at hand, from those (a
   * compare's borrow, an addition's carry, a logical operation's 0; after
   * INC or DEC it is not lazy); else through the flag reader. In a boot, 49
   * million INC and DEC called the reader.
   */
  private freezeCf(): void {
    const b = this.b;
    const p = this.producer;
    if (p === "incdec" || !this.carryLive) return;
    if (p !== null) {
      this.setSlot(Slot.FLAGS, () => {
        this.slot(Slot.FLAGS).b.i32(~CF).op(Op.i32_and);
        // A compare's borrow (of zero-extended operands at 8 and 16 bits), an addition's carry.
        if (p === "sub" || p === "sub8" || p === "sub16") b.get(L.A).get(L.BB).op(Op.i32_lt_u, Op.i32_or);
        else if (p === "add") b.get(L.RES).get(L.A).op(Op.i32_lt_u, Op.i32_or);
      });
      return;
    }
    this.slot(Slot.LZKIND).b.i32(CF).op(Op.i32_and);
    b.if();
    this.setSlot(Slot.FLAGS, () => {
      this.slot(Slot.FLAGS).b.i32(~CF).op(Op.i32_and);
      b.call(F.GET_CF).op(Op.i32_or);
    });
    b.end();
  }

  /** INC/DEC's record (after `freezeCf`): the flags of adding or subtracting 1, CF as it was. */
  private incDecFlags(dec: boolean): void {
    this.b.i32(1).set(L.BB);
    this.lazy(dec ? Lz.SUB : Lz.ADD, 4, ARITH & ~CF);
  }

  // --- memory --------------------------------------------------------------

  /** Push the 32-bit effective address of `i`'s ModRM memory operand. */
  private ea(i: Insn): void {
    const b = this.b;
    b.i32(i.disp | 0);
    if (i.base >= 0) this.reg(i.base).b.op(Op.i32_add);
    if (i.index >= 0) {
      this.reg(i.index);
      if (i.scale) b.i32(i.scale).op(Op.i32_shl);
      b.op(Op.i32_add);
    }
  }

  /**
   * The fast-path checks of an access of `size` bytes at offset O in
   * segment `seg`: branch to `slow` unless they pass, leaving the physical
   * address in P. The checks of Cpu.fastRead / fastWrite, in their order.
   */
  private guard(seg: number, size: number, write: boolean, slow: number): void {
    const b = this.b;
    const at = this.at;
    const lo = (write ? at.writeLo : at.readLo) + 8 * seg;
    const hi = (write ? at.writeHi : at.readHi) + 8 * seg;
    const need = write ? this.wr : this.rd;
    if (this.flat && (seg === ES || seg === SS || seg === DS)) {
      // The linear address is the offset: an access past 4 GiB also crosses a page, so
      // only one that crosses a page (or may raise #AC at CPL 3) needs the slow path.
      b.get(L.O).set(L.LIN);
      this.translated(size, write, need, slow, !(need & (T_USER_R | T_USER_W)));
      return;
    }
    // A segment whose every offset is valid needs no limit check: an aligned access cannot wrap past 4 GiB.
    const checked = b.block();
    b.i32(0)
      .mem(Op.i32_load8_u, at.segWhole + seg)
      .i32(write ? 2 : 1)
      .op(Op.i32_and)
      .brIf(checked);
    b.get(L.O).op(Op.f64_convert_i32_u).i32(0).mem(Op.f64_load, lo).op(Op.f64_lt).brIf(slow);
    b.get(L.O)
      .op(Op.f64_convert_i32_u)
      .f64(size - 1)
      .op(Op.f64_add)
      .i32(0)
      .mem(Op.f64_load, hi)
      .op(Op.f64_gt)
      .brIf(slow);
    b.end();
    b.i32(0)
      .mem(Op.i32_load, at.segBase + 4 * seg)
      .get(L.O)
      .op(Op.i32_add)
      .set(L.LIN);
    this.translated(size, write, need, slow);
  }

  /**
   * The rest of `guard` from the linear address in LIN: the TLB entry, the
   * alignment (or with `unaligned`, only that the access stays in its
   * page), P, and for a write the code-page map.
   */
  private translated(size: number, write: boolean, need: number, slow: number, unaligned = false): void {
    const b = this.b;
    const at = this.at;
    b.get(L.LIN);
    this.translate(need, slow);
    if (size > 1 && unaligned)
      b.get(L.LIN)
        .i32(4095)
        .op(Op.i32_and)
        .i32(4096 - size)
        .op(Op.i32_gt_u)
        .brIf(slow);
    else if (size > 1)
      b.get(L.LIN)
        .i32(size - 1)
        .op(Op.i32_and)
        .brIf(slow);
    b.get(L.E).i32(-4096).op(Op.i32_and).get(L.LIN).i32(4095).op(Op.i32_and).op(Op.i32_or).tee(L.P);
    if (write) b.i32(12).op(Op.i32_shr_u).mem(Op.i32_load8_u, at.codePages).brIf(slow);
    else b.op(Op.drop);
  }

  /**
   * With a linear address on the stack: E = its entry in the active TLB;
   * branch to `miss` unless the entry grants `need`.
   */
  translate(need: number, miss: number): void {
    const b = this.b;
    b.i32(12).op(Op.i32_shr_u).i32(2).op(Op.i32_shl).get(L.TLB).op(Op.i32_add).mem(Op.i32_load, 0).tee(L.E);
    b.i32(need).op(Op.i32_and).i32(need).op(Op.i32_ne).brIf(miss);
  }

  /** Instruction k's handler, through `h`; its answer (blockExit) is left on the stack. */
  callHandler(k: number): this {
    return this.callOut(F.HANDLER, k);
  }

  /** Call `fn` (F.HANDLER or F.STEP) with `arg` and B, around which the registers go back to the arena. */
  callOut(fn: F, arg: number): this {
    this.writeBack();
    this.b.i32(arg).get(L.B).call(fn);
    // At the top level the locals are simply forgotten (a register used again is loaded again);
    // below it they must hold the registers on this path too.
    if (this.atTop()) this.cached = 0;
    else this.reload();
    return this;
  }

  /** With an offset in CS on the stack (as unsigned): branch to `miss` if it is past CS's limit. */
  pastCsLimit(miss: number): void {
    this.b.op(Op.f64_convert_i32_u).i32(0).mem(Op.f64_load, this.at.codeHi).op(Op.f64_gt).brIf(miss);
  }

  /**
   * A memory form: `offset` pushes the offset, `fast` runs with the physical
   * address in P; otherwise `slow` (the handler call) runs.
   */
  private access(seg: number, size: number, write: boolean, offset: () => void, fast: () => void, slow: () => void): void {
    // The offset first, where the registers it adds may come from (and go into) locals.
    offset();
    this.b.set(L.O);
    this.fastOrSlow(
      (miss) => {
        this.guard(seg, size, write, miss);
        fast();
      },
      () => {
        slow();
        if (this.produced !== null) this.operandsFromSlots();
      },
    );
  }

  /**
   * `fast(miss)`, or where it branches to `miss`, `slow`: the handler, which
   * runs the whole instruction and so changes at most the registers the
   * fast path writes (after it, only those are reloaded into locals).
   */
  fastOrSlow(fast: (miss: number) => void, slow: () => void): void {
    const b = this.b;
    const done = b.block();
    const miss = b.block();
    const outer = this.written;
    this.written = 0;
    fast(miss);
    const written = this.written;
    this.written |= outer;
    b.br(done);
    b.end();
    const mask = this.reloadMask;
    this.reloadMask = written;
    slow();
    this.reloadMask = mask;
    b.end();
  }

  private load(size: number): this {
    this.b.get(L.P).mem(size === 4 ? Op.i32_load : size === 2 ? Op.i32_load16_u : Op.i32_load8_u, 0);
    return this;
  }
  private store(size: number, value: () => void): void {
    this.b.get(L.P);
    value();
    this.b.mem(size === 4 ? Op.i32_store : size === 2 ? Op.i32_store16 : Op.i32_store8, 0);
  }

  // --- the forms -----------------------------------------------------------

  /** ALU `op` on register `dst` with the value `src` pushes (ADC and SBB with the carry in CIN: lazyAdd, lazySub). */
  private alu(op: number, dst: number, src: () => void, flagsLive: boolean): boolean {
    const carry = op === AluOp.ADC || op === AluOp.SBB;
    const code = carry ? (op === AluOp.ADC ? Op.i32_add : Op.i32_sub) : ALU_OP[op];
    if (code === undefined) return false;
    const b = this.b;
    this.reg(dst).b.set(L.A);
    src();
    b.set(L.BB);
    if (carry) b.call(F.GET_CF).set(L.CIN);
    b.get(L.A).get(L.BB).op(code);
    if (carry) b.get(L.CIN).op(code);
    b.set(L.RES);
    if (op !== AluOp.CMP) this.setReg(dst, () => b.get(L.RES));
    this.produced = producedBy(op, 4);
    if (flagsLive) this.record(() => this.aluFlags(op));
    return true;
  }

  /** NEG of a 32-bit register: 0 − value, its flags those of that subtraction (muldiv.ts notNeg). */
  private neg(rm: number, flagsLive: boolean): true {
    const b = this.b;
    b.i32(0).set(L.A);
    this.reg(rm).b.set(L.BB);
    b.i32(0).get(L.BB).op(Op.i32_sub).set(L.RES);
    this.setReg(rm, () => b.get(L.RES));
    this.produced = "sub";
    if (flagsLive) this.record(() => this.aluFlags(AluOp.SUB));
    return true;
  }

  /** TEST: the AND of the values `a` and `other` push, only its flags kept (lazyLogic). */
  private test(a: () => void, other: () => void, flagsLive: boolean): void {
    a();
    other();
    this.b.op(Op.i32_and).set(L.RES);
    this.produced = "logic";
    if (flagsLive) this.record(() => this.lazy(Lz.LOGIC, 4));
  }

  /**
   * For a move, which writes no flags and none of A, BB and RES: the
   * producer before it stays at hand for a branch after it (`produced`).
   * After a memory move's `access`, so that its handler path does not
   * reload them from the slots.
   */
  private keeping(): true {
    this.produced = this.producer;
    return true;
  }

  /** `i` inline, with `slow` as its handler fallback; false when it has no inline form. */
  form(i: Insn, flagsLive: boolean, slow: () => void): boolean {
    this.produced = null;
    const b = this.b;
    const op = i.op;
    const mem = i.adsize === 4 && i.mod !== 3;
    const offset = () => this.ea(i);
    if (mem) for (const n of loadDestinations(i)) this.precache(n);

    // Moves of 8- and 16-bit operands.
    if (!(i.prefixes & (Pfx.REP | Pfx.REPNE))) {
      if (op === 0x88 && i.mod === 3) {
        this.setSized(i.rm, 1, () => this.sized(i.reg, 1));
        return true;
      }
      if (op === 0x8a && i.mod === 3) {
        this.setSized(i.reg, 1, () => this.sized(i.rm, 1));
        return true;
      }
      if (op >= 0xb0 && op <= 0xb7) {
        this.setSized(op & 7, 1, () => b.i32(i.imm & 0xff));
        return true;
      }
      // Loads and stores of 8 bits, and of 16 bits with the operand-size prefix.
      const size = op === 0x88 || op === 0x8a ? 1 : i.opsize === 2 && (op === 0x89 || op === 0x8b) ? 2 : 0;
      if (size && mem) {
        if (op & 2) this.access(i.seg, size, false, offset, () => this.setSized(i.reg, size, () => this.load(size)), slow);
        else this.access(i.seg, size, true, offset, () => this.store(size, () => this.sized(i.reg, size)), slow);
        return true;
      }
      // The same between AL or AX and a moffs (the offset in disp).
      const moffs = op === 0xa0 || op === 0xa2 ? 1 : i.opsize === 2 && (op === 0xa1 || op === 0xa3) ? 2 : 0;
      if (moffs && i.adsize === 4) {
        if (op & 2) this.access(i.seg, moffs, true, offset, () => this.store(moffs, () => this.sized(0, moffs)), slow);
        else this.access(i.seg, moffs, false, offset, () => this.setSized(0, moffs, () => this.load(moffs)), slow);
        return true;
      }
    }
    if (this.aluSmallForm(i, mem, offset, slow)) return true;
    if (this.shiftForm(i, flagsLive)) return true;
    if (this.stringForm(i, flagsLive, slow)) return true;
    // NOP, PAUSE and the multi-byte NOPs (their operand is never accessed).
    if (op === 0x90 || (op >= 0x119 && op <= 0x11f)) return true;
    if (this.eflagsForm(i, slow)) return true;
    // MOV r/m8, imm8 and, with the operand-size prefix, MOV r/m16, imm16.
    const size = op === 0xc6 ? 1 : op === 0xc7 && i.opsize === 2 ? 2 : 0;
    if (size && i.reg === 0 && mem) {
      this.access(i.seg, size, true, offset, () => this.store(size, () => b.i32(i.imm & (size === 1 ? 0xff : 0xffff))), slow);
      return true;
    }
    // SETcc r/m8: the condition from the flags in the slots.
    if (op >= 0x190 && op <= 0x19f) {
      const cc = () => this.condition(op & 15, null);
      if (i.mod === 3) this.setSized(i.rm, 1, cc);
      else if (mem) this.access(i.seg, 1, true, offset, () => this.store(1, cc), slow);
      else return false;
      return true;
    }
    if (!plain32(i)) return false;

    // XCHG EAX, r32 and XCHG r/m32, r32 between registers (data.ts xchg; no flags). XCHG with
    // memory locks the bus and stays with its handler.
    if ((op >= 0x91 && op <= 0x97) || (op === 0x87 && i.mod === 3)) {
      const [x, y] = op === 0x87 ? [i.rm, i.reg] : [0, op & 7];
      this.reg(x).b.set(L.A);
      this.setReg(x, () => this.reg(y));
      this.setReg(y, () => b.get(L.A));
      return true;
    }
    // CDQ: EDX from the sign of EAX; CWDE: EAX from AX sign-extended (data.ts cwd, cbw).
    if (op === 0x99) {
      this.setReg(2, () => this.reg(0).b.i32(31).op(Op.i32_shr_s));
      return true;
    }
    if (op === 0x98) {
      this.setReg(0, () => this.reg(0).b.i32(16).op(Op.i32_shl).i32(16).op(Op.i32_shr_s));
      return true;
    }
    if (rotatesRegister(i)) return this.rotate(i, flagsLive);
    if (this.bitForm(i, mem, offset, flagsLive, slow)) return true;
    if (this.doubleShift(i, flagsLive)) return true;
    // BSWAP: bytes 0 and 2 rotate up by 24, bytes 1 and 3 by 8.
    if (op >= 0x1c8 && op <= 0x1cf) {
      const n = op & 7;
      this.setReg(n, () => {
        this.reg(n).b.i32(0x00ff00ff).op(Op.i32_and).i32(24).op(Op.i32_rotl);
        this.reg(n)
          .b.i32(0xff00ff00 | 0)
          .op(Op.i32_and)
          .i32(8)
          .op(Op.i32_rotl)
          .op(Op.i32_or);
      });
      return true;
    }
    // MOVZX and MOVSX from a byte or a word.
    if (op === 0x1b6 || op === 0x1b7 || op === 0x1be || op === 0x1bf) {
      const size = op & 1 ? 2 : 1;
      const extended = (source: () => void) => () => {
        source();
        if (op >= 0x1be) b.op(size === 1 ? Op.i32_extend8_s : Op.i32_extend16_s);
      };
      if (i.mod === 3)
        this.setReg(
          i.reg,
          extended(() => this.sized(i.rm, size)),
        );
      else if (mem)
        this.access(
          i.seg,
          size,
          false,
          offset,
          () =>
            this.setReg(
              i.reg,
              extended(() => this.load(size)),
            ),
          slow,
        );
      else return false;
      return true;
    }
    // PUSH imm32 / imm8 (sign-extended), and PUSH r/m32 (the operand read first, at the ESP before the push).
    if (op === 0x68 || op === 0x6a) {
      const imm = op === 0x6a ? (i.imm << 24) >> 24 : i.imm | 0;
      this.push(() => b.i32(imm), slow);
      return true;
    }
    if (op === 0xff && i.reg === 6 && mem) {
      this.access(
        i.seg,
        4,
        false,
        offset,
        () => {
          this.load(4);
          b.set(L.RES);
          this.push(() => b.get(L.RES), slow);
        },
        slow,
      );
      return true;
    }

    // IMUL whose flags nobody reads: two operands, or three with an immediate.
    if (!flagsLive && (op === 0x1af || op === 0x69 || op === 0x6b) && (i.mod === 3 || mem)) {
      /** The source times the destination register, or times the immediate. */
      const product = (source: () => void) => () => {
        source();
        if (op === 0x1af) this.reg(i.reg);
        else b.i32(op === 0x6b ? (i.imm << 24) >> 24 : i.imm | 0);
        b.op(Op.i32_mul);
      };
      if (i.mod === 3)
        this.setReg(
          i.reg,
          product(() => this.reg(i.rm)),
        );
      else
        this.access(
          i.seg,
          4,
          false,
          offset,
          () =>
            this.setReg(
              i.reg,
              product(() => this.load(4)),
            ),
          slow,
        );
      return true;
    }
    if (op === 0xf7 && i.mod === 3 && i.reg === 2) {
      this.setReg(i.rm, () => this.reg(i.rm).b.i32(-1).op(Op.i32_xor));
      return true;
    }

    // ALU on memory with a register or an immediate: CMP reads; the others read, modify and write.
    if (mem && op < 0x40 && (op & 7) === 1) return this.aluOnMemory(i, op >> 3, () => this.reg(i.reg), flagsLive, slow);
    if (mem && (op === 0x81 || op === 0x83)) {
      const imm = op === 0x83 ? (i.imm << 24) >> 24 : i.imm | 0;
      return this.aluOnMemory(i, i.reg, () => b.i32(imm), flagsLive, slow);
    }
    // TEST r/m32 with an immediate (F7 /0) or a register (85), and TEST EAX, imm32.
    if ((op === 0xf7 && i.reg === 0) || op === 0x85 || op === 0xa9) {
      const other = () => (op === 0x85 ? this.reg(i.reg) : b.i32(i.imm | 0));
      if (op === 0xa9) this.test(() => this.reg(0), other, flagsLive);
      else if (i.mod === 3) this.test(() => this.reg(i.rm), other, flagsLive);
      else if (mem) this.access(i.seg, 4, false, offset, () => this.test(() => this.load(4), other, flagsLive), slow);
      else return false;
      return true;
    }
    // CMPXCHG8B (data.ts): EDX:EAX against the qword; equal: ECX:EBX stored, else loaded into EDX:EAX
    // (the old value written back is the same bytes). Only ZF changes.
    if (mem && op === 0x1c7 && i.reg === 1) {
      const compareExchange8 = () => {
        b.get(L.P).mem(Op.i32_load, 0).set(L.A);
        b.get(L.P).mem(Op.i32_load, 4).set(L.BB);
        b.get(L.A);
        this.reg(0).b.op(Op.i32_eq);
        b.get(L.BB);
        this.reg(2).b.op(Op.i32_eq).op(Op.i32_and).tee(L.RES);
        b.if();
        b.get(L.P);
        this.reg(3).b.mem(Op.i32_store, 0);
        b.get(L.P);
        this.reg(1).b.mem(Op.i32_store, 4);
        b.else();
        this.setReg(0, () => b.get(L.A));
        this.setReg(2, () => b.get(L.BB));
        b.end();
        if (flagsLive) this.setEagerFlags(ZF, () => b.get(L.RES).i32(6).op(Op.i32_shl));
      };
      this.access(i.seg, 8, true, offset, compareExchange8, slow);
      return true;
    }
    // XADD and CMPXCHG with a memory destination (data.ts): the destination is written either way.
    if (mem && op === 0x1c1) {
      const exchangeAdd = () => {
        this.load(4).b.set(L.A);
        this.reg(i.reg).b.set(L.BB);
        b.get(L.A).get(L.BB).op(Op.i32_add).set(L.RES);
        this.store(4, () => b.get(L.RES));
        this.setReg(i.reg, () => b.get(L.A));
        if (flagsLive) this.aluFlags(AluOp.ADD);
      };
      this.access(i.seg, 4, true, offset, exchangeAdd, slow);
      return true;
    }
    if (mem && op === 0x1b1) {
      const compareExchange = () => {
        this.reg(0).b.set(L.A);
        this.load(4).b.set(L.BB);
        b.get(L.A).get(L.BB).op(Op.i32_sub).set(L.RES);
        // Equal: the source register; different: the old value back, and EAX gets it.
        this.store(4, () => this.reg(i.reg).b.get(L.BB).get(L.RES).op(Op.i32_eqz, Op.select));
        b.get(L.RES);
        b.if();
        this.setReg(0, () => b.get(L.BB));
        b.end();
        if (flagsLive) this.aluFlags(AluOp.SUB);
      };
      this.access(i.seg, 4, true, offset, compareExchange, slow);
      return true;
    }
    // CMOVcc (the condition from the flags in the slots); a memory source is read whatever the condition (data.ts).
    if (op >= 0x140 && op <= 0x14f && (i.mod === 3 || mem)) {
      const move = (source: () => void) => () => {
        source();
        b.set(L.A);
        this.condition(op & 15, null);
        b.if();
        this.setReg(i.reg, () => b.get(L.A));
        b.end();
      };
      if (i.mod === 3) move(() => this.reg(i.rm))();
      else
        this.access(
          i.seg,
          4,
          false,
          offset,
          move(() => this.load(4)),
          slow,
        );
      return true;
    }
    // LEAVE on a 32-bit stack: a POP EBP from EBP.
    if (op === 0xc9) {
      this.pop(5, slow, 5);
      return true;
    }
    if (mem && op === 0xff && (i.reg === 0 || i.reg === 1)) {
      const dec = i.reg === 1;
      this.access(
        i.seg,
        4,
        true,
        offset,
        () => {
          if (flagsLive) this.freezeCf();
          this.load(4);
          b.tee(L.A)
            .i32(1)
            .op(dec ? Op.i32_sub : Op.i32_add)
            .set(L.RES);
          this.store(4, () => b.get(L.RES));
          this.produced = "incdec";
          if (flagsLive) this.record(() => this.incDecFlags(dec));
        },
        slow,
      );
      return true;
    }

    // Register ALU forms.
    if (op < 0x40 && (op & 7) <= 5) {
      const k = op >> 3;
      switch (op & 7) {
        case 1:
          if (i.mod === 3) return this.alu(k, i.rm, () => this.reg(i.reg), flagsLive);
          break;
        case 3:
          if (i.mod === 3) return this.alu(k, i.reg, () => this.reg(i.rm), flagsLive);
          if (mem && (ALU_OP[k] !== undefined || k === AluOp.ADC || k === AluOp.SBB)) {
            this.access(i.seg, 4, false, offset, () => this.alu(k, i.reg, () => this.load(4), flagsLive), slow);
            return true;
          }
          break;
        case 5:
          return this.alu(k, 0, () => b.i32(i.imm | 0), flagsLive);
      }
    }
    if ((op === 0x81 || op === 0x83) && i.mod === 3) {
      const imm = op === 0x83 ? (i.imm << 24) >> 24 : i.imm | 0;
      return this.alu(i.reg, i.rm, () => b.i32(imm), flagsLive);
    }
    if (op === 0xf7 && i.reg === 3 && i.mod === 3) return this.neg(i.rm, flagsLive);
    if (op >= 0x40 && op <= 0x4f) {
      const n = op & 7;
      const dec = op >= 0x48;
      if (flagsLive) this.freezeCf();
      this.reg(n)
        .b.tee(L.A)
        .i32(1)
        .op(dec ? Op.i32_sub : Op.i32_add)
        .set(L.RES);
      this.setReg(n, () => b.get(L.RES));
      this.produced = "incdec";
      if (flagsLive) this.record(() => this.incDecFlags(dec));
      return true;
    }
    // The 32-bit moves between registers, of an immediate, and LEA: no flags, and none of A, BB, RES.
    if (op === 0x89 && i.mod === 3) {
      this.setReg(i.rm, () => this.reg(i.reg));
      return this.keeping();
    }
    if (op === 0x8b && i.mod === 3) {
      this.setReg(i.reg, () => this.reg(i.rm));
      return this.keeping();
    }
    if (op >= 0xb8 && op <= 0xbf) {
      this.setReg(op & 7, () => b.i32(i.imm | 0));
      return this.keeping();
    }
    if (op === 0x8d && mem) {
      this.setReg(i.reg, offset);
      return this.keeping();
    }

    // 32-bit memory moves (their handler paths leave A, BB and RES alone too); MOV EAX, moffs32 / MOV moffs32, EAX are the same with the offset in disp.
    const moffs = (op === 0xa1 || op === 0xa3) && i.adsize === 4;
    if ((op === 0x8b && mem) || (op === 0xa1 && moffs)) {
      this.access(i.seg, 4, false, offset, () => this.setReg(moffs ? 0 : i.reg, () => this.load(4)), slow);
      return this.keeping();
    }
    if ((op === 0x89 && mem) || (op === 0xa3 && moffs)) {
      this.access(i.seg, 4, true, offset, () => this.store(4, () => this.reg(moffs ? 0 : i.reg)), slow);
      return this.keeping();
    }
    if (op === 0xc7 && mem && i.reg === 0) {
      this.access(i.seg, 4, true, offset, () => this.store(4, () => b.i32(i.imm | 0)), slow);
      return this.keeping();
    }
    if (op >= 0x50 && op <= 0x57) {
      this.push(() => this.reg(op & 7), slow);
      return true;
    }
    if (op >= 0x58 && op <= 0x5f) {
      this.pop(op & 7, slow);
      return true;
    }
    return false;
  }

  /** ALU operation `k` on `i`'s 32-bit memory operand with the value `src` pushes. */
  private aluOnMemory(i: Insn, k: number, src: () => void, flagsLive: boolean, slow: () => void): boolean {
    const code = ALU_OP[k];
    if (code === undefined) return false;
    const b = this.b;
    this.access(
      i.seg,
      4,
      k !== AluOp.CMP,
      () => this.ea(i),
      () => {
        this.load(4);
        b.set(L.A);
        src();
        b.set(L.BB);
        b.get(L.A).get(L.BB).op(code).set(L.RES);
        if (k !== AluOp.CMP) this.store(4, () => b.get(L.RES));
        this.produced = producedBy(k, 4);
        if (flagsLive) this.record(() => this.aluFlags(k));
      },
      slow,
    );
    return true;
  }

  /** POP into register `dst` from the stack address in register `from` (ESP; EBP for LEAVE): ESP = it + 4, after the read. */
  private pop(dst: number, slow: () => void, from = 4): void {
    const b = this.b;
    this.stackAccess(
      false,
      () => {
        this.load(4);
        b.set(L.A);
        this.setReg(4, () => b.get(L.O).i32(4).op(Op.i32_add));
        this.setReg(dst, () => b.get(L.A));
      },
      slow,
      from,
    );
  }

  /** PUSH of the 32-bit value `value` pushes, on a 32-bit stack. */
  private push(value: () => void, slow: () => void): void {
    this.stackAccess(
      true,
      () => {
        this.store(4, value);
        this.setReg(4, () => this.b.get(L.O));
      },
      slow,
    );
  }

  /**
   * LODS, STOS, MOVS and SCAS without a repeat prefix and with 32-bit
   * addresses, as string.ts runs them: one element from seg:ESI and/or to
   * ES:EDI (a MOVS reads before it writes), then ESI/EDI step by the
   * element size, down when DF is set; SCAS records the flags of AL/AX/EAX
   * minus the element.
   */
  private stringForm(i: Insn, flagsLive: boolean, slow: () => void): boolean {
    const b = this.b;
    const op = i.op;
    const kind = singleStringOp(i);
    if (kind === 0 || i.adsize !== 4) return false;
    const size = op & 1 ? i.opsize : 1;
    const esi = () => this.reg(6);
    const edi = () => this.reg(7);
    const step = (r: number) =>
      this.setReg(r, () => {
        this.reg(r).b.i32(-size).i32(size);
        this.slot(Slot.FLAGS).b.i32(DF).op(Op.i32_and).op(Op.select).op(Op.i32_add);
      });
    if (kind === 0xac) {
      const load = () => {
        this.setSized(0, size, () => this.load(size));
        step(6);
      };
      this.access(i.seg, size, false, esi, load, slow);
    } else if (kind === 0xaa) {
      const store = () => {
        this.store(size, () => this.sized(0, size));
        step(7);
      };
      this.access(0, size, true, edi, store, slow);
    } else if (kind === 0xa4) {
      const store = () => {
        this.store(size, () => b.get(L.RES));
        step(6);
        step(7);
      };
      const load = () => {
        this.load(size).b.set(L.RES);
        this.access(0, size, true, edi, store, slow);
      };
      this.access(i.seg, size, false, esi, load, slow);
    } else {
      const body = () => {
        this.sized(0, size).b.set(L.A);
        this.load(size);
        b.set(L.BB);
        b.get(L.A).get(L.BB).op(Op.i32_sub);
        if (size < 4) b.i32(size === 1 ? 0xff : 0xffff).op(Op.i32_and);
        b.set(L.RES);
        step(7);
        if (flagsLive) this.lazy(Lz.SUB, size);
      };
      this.access(0, size, false, edi, body, slow);
    }
    return true;
  }

  /** A register's value of `size` bytes (for 1, `n` is the ModRM register number). */
  private sized(n: number, size: number): this {
    if (size === 4) return this.reg(n);
    // A 16-bit register is the low half of n; an 8-bit one (ModRM number n) a byte of n & 3.
    const r = size === 2 ? n : n & 3;
    if (!this.inLocal(r)) {
      if (size === 2) this.b.i32(0).mem(Op.i32_load16_u, this.at.regs + (n << 2));
      else this.b.i32(0).mem(Op.i32_load8_u, this.at.regs + reg8(n));
      return this;
    }
    this.reg(r);
    if (size === 1 && n >= 4) this.b.i32(8).op(Op.i32_shr_u);
    this.b.i32(size === 2 ? 0xffff : 0xff).op(Op.i32_and);
    return this;
  }
  private setSized(n: number, size: number, value: () => void): void {
    if (size === 4) {
      this.setReg(n, value);
      return;
    }
    const r = size === 2 ? n : n & 3;
    if (!this.inLocal(r)) {
      this.written |= 1 << r;
      this.b.i32(0);
      value();
      this.b.mem(size === 2 ? Op.i32_store16 : Op.i32_store8, this.at.regs + (size === 1 ? reg8(n) : n << 2));
      return;
    }
    // The other bits of the register stay: (r & ~mask) | (value & mask) << shift.
    const shift = size === 1 && n >= 4 ? 8 : 0;
    const mask = (size === 2 ? 0xffff : 0xff) << shift;
    this.setReg(r, () => {
      this.reg(r).b.i32(~mask).op(Op.i32_and);
      value();
      if (shift) this.b.i32(shift).op(Op.i32_shl);
      this.b.i32(mask).op(Op.i32_and).op(Op.i32_or);
    });
  }

  /**
   * Instructions on EFLAGS' system and control bits: CLI where CPL <= IOPL
   * (below CPL 3 only: not virtual-8086 mode; real mode has CPL 0), else
   * the handler's #GP; PUSHF with a 32-bit operand below CPL 3 (stack.ts
   * pushf: every lazy flag worked out, VM and RF clear); CLD and STD.
   */
  private eflagsForm(i: Insn, slow: () => void): boolean {
    const b = this.b;
    const op = i.op;
    // CLI where CPL <= IOPL (below CPL 3 only: not virtual-8086 mode; real mode has CPL 0); else the handler's #GP.
    if (op === 0xfa && !(this.rd & T_USER_R)) {
      this.fastOrSlow((miss) => {
        this.slot(Slot.CPL).slot(Slot.FLAGS).b.i32(12).op(Op.i32_shr_u).i32(3).op(Op.i32_and).op(Op.i32_gt_u).brIf(miss);
        this.setSlot(Slot.FLAGS, () => this.slot(Slot.FLAGS).b.i32(~IF).op(Op.i32_and));
      }, slow);
      return true;
    }
    // PUSHF with a 32-bit operand below CPL 3: EFLAGS, VM and RF clear (stack.ts pushf).
    if (op === 0x9c && i.opsize === 4 && !(this.rd & T_USER_R)) {
      this.push(() => {
        this.slot(Slot.FLAGS)
          .b.i32(~(ARITH | VM | RF))
          .op(Op.i32_and)
          .i32(FIXED1)
          .op(Op.i32_or);
        const flags: [F, number][] = [
          [F.GET_CF, 0],
          [F.GET_PF, 2],
          [F.GET_AF, 4],
          [F.GET_ZF, 6],
          [F.GET_SF, 7],
          [F.GET_OF, 11],
        ];
        for (const [get, bit] of flags) {
          b.call(get);
          if (bit) b.i32(bit).op(Op.i32_shl);
          b.op(Op.i32_or);
        }
      }, slow);
      return true;
    }
    // CLD, STD.
    if (op === 0xfc || op === 0xfd) {
      this.setSlot(Slot.FLAGS, () => {
        this.slot(Slot.FLAGS);
        if (op === 0xfc) b.i32(~DF).op(Op.i32_and);
        else b.i32(DF).op(Op.i32_or);
      });
      return true;
    }
    return false;
  }

  /**
   * Flags named in `mask` set eagerly to the bits `bits` pushes, and no
   * longer lazy. What stays lazy is still what the record gives, so this is
   * flags.ts `setFlags` without materializing the rest first.
   */
  private setEagerFlags(mask: number, bits: () => void): void {
    const b = this.b;
    this.setSlot(Slot.FLAGS, () => {
      this.slot(Slot.FLAGS).b.i32(~mask).op(Op.i32_and);
      bits();
      b.op(Op.i32_or);
    });
    this.setSlot(Slot.LZKIND, () => this.slot(Slot.LZKIND).b.i32(~mask).op(Op.i32_and));
  }

  /**
   * The flags of a shift (flags.ts `setResultFlags` with CF, OF and AF
   * given): CF and OF from the bits `cfOf` pushes, AF clear, and SF, ZF, PF
   * recorded lazily from RES at `size`.
   */
  private resultFlags(size: number, cfOf: () => void): void {
    const b = this.b;
    this.setSlot(Slot.FLAGS, () => {
      this.slot(Slot.FLAGS)
        .b.i32(~(CF | OF | AF))
        .op(Op.i32_and);
      cfOf();
      b.op(Op.i32_or);
    });
    this.setSlot(Slot.LZRES, () => b.get(L.RES));
    this.setSlot(Slot.LZKIND, () => b.i32(kindWord(SF | ZF | PF, Lz.LOGIC, size, 0)));
  }

  /**
   * ROL and ROR of a 32-bit register by a constant, by 1 or by CL (shift.ts
   * rol, ror): a count of 0 changes nothing; otherwise CF and OF from the
   * result (ROL: CF = bit 0, OF = bit 31 ^ CF; ROR: CF = bit 31, OF = bit
   * 31 ^ bit 30), and no other flag. Where nobody reads CF and OF, only
   * the rotation.
   */
  private rotate(i: Insn, flagsLive: boolean): true {
    const b = this.b;
    const op = i.op;
    const left = i.reg === 0;
    const byCl = op === 0xd3;
    const count = op === 0xc1 ? i.imm & 31 : 1;
    if (!byCl && count === 0) return true;
    if (byCl && flagsLive) {
      this.sized(1, 1).b.i32(31).op(Op.i32_and).tee(L.O);
      b.if();
    }
    this.setReg(i.rm, () => {
      this.reg(i.rm);
      if (byCl) this.sized(1, 1);
      else b.i32(count);
      b.op(left ? Op.i32_rotl : Op.i32_rotr);
      if (flagsLive) b.tee(L.RES);
    });
    if (flagsLive) {
      this.setEagerFlags(CF | OF, () => {
        if (left) {
          // CF = bit 0; OF = bit 31 ^ bit 0, at bit 11.
          b.get(L.RES).i32(1).op(Op.i32_and);
          b.get(L.RES).i32(31).op(Op.i32_shr_u).get(L.RES).op(Op.i32_xor).i32(1).op(Op.i32_and).i32(11).op(Op.i32_shl);
        } else {
          // CF = bit 31; OF = bit 31 ^ bit 30, at bit 11.
          b.get(L.RES).i32(31).op(Op.i32_shr_u);
          b.get(L.RES).get(L.RES).i32(1).op(Op.i32_shl).op(Op.i32_xor).i32(31).op(Op.i32_shr_u).i32(11).op(Op.i32_shl);
        }
        b.op(Op.i32_or);
      });
      if (byCl) b.end();
    }
    return true;
  }

  /**
   * BT, BTS, BTR, BTC of a 32-bit operand (bits.ts): the bit number an
   * immediate (0F BA /4-/7) or a register (0F A3, AB, B3, BB). On memory a
   * register's bit number is signed and picks the dword at ea + 4 * (n >> 5).
   * CF = the bit before the change; no other flag changes.
   */
  private bitForm(i: Insn, mem: boolean, offset: () => void, flagsLive: boolean, slow: () => void): boolean {
    const b = this.b;
    const op = i.op;
    const byImm = op === 0x1ba;
    if (!(byImm ? i.reg >= 4 : op === 0x1a3 || op === 0x1ab || op === 0x1b3 || op === 0x1bb)) return false;
    if (!plain32(i) || !(i.mod === 3 || mem)) return false;
    const kind = byImm ? i.reg - 4 : (op >> 3) & 3;
    /** The bit number (0-31) onto the stack: a constant, or from BB (the register, read before any write). */
    const bit = () => {
      if (byImm) b.i32(i.imm & 31);
      else b.get(L.BB).i32(31).op(Op.i32_and);
    };
    if (!byImm) this.reg(i.reg).b.set(L.BB);
    /** With the operand in A: RES = it after the change, then CF. */
    const body = (store: (value: () => void) => void) => {
      if (kind !== BitOp.BT) {
        store(() => {
          b.get(L.A).i32(1);
          bit();
          b.op(Op.i32_shl);
          if (kind === BitOp.BTS) b.op(Op.i32_or);
          else if (kind === BitOp.BTR) b.i32(-1).op(Op.i32_xor, Op.i32_and);
          else b.op(Op.i32_xor);
        });
      }
      if (flagsLive) {
        this.setEagerFlags(CF, () => {
          b.get(L.A);
          bit();
          b.op(Op.i32_shr_u).i32(1).op(Op.i32_and);
        });
      }
    };
    if (i.mod === 3) {
      this.reg(i.rm).b.set(L.A);
      body((value) => this.setReg(i.rm, value));
      return true;
    }
    const address = () => {
      offset();
      if (!byImm) b.get(L.BB).i32(5).op(Op.i32_shr_s).i32(2).op(Op.i32_shl).op(Op.i32_add);
    };
    this.access(
      i.seg,
      4,
      kind !== BitOp.BT,
      address,
      () => {
        this.load(4).b.set(L.A);
        body((value) => this.store(4, value));
      },
      slow,
    );
    return true;
  }

  /**
   * SHLD and SHRD of a 32-bit register by a constant (shift.ts shld, shrd):
   * `t` is the value after count − 1 steps, CF its bit shifted out last,
   * OF = MSB(t xor result), AF cleared, SF, ZF, PF lazy from the result. A
   * count of 0 changes nothing.
   */
  private doubleShift(i: Insn, flagsLive: boolean): boolean {
    const b = this.b;
    const op = i.op;
    if ((op !== 0x1a4 && op !== 0x1ac) || i.mod !== 3 || !plain32(i)) return false;
    const left = op === 0x1a4;
    const c = i.imm & 31;
    if (c === 0) return true;
    /** a shifted by `n` one way, b the other by 32 − n (for n from 1 to 31). */
    const shifted = (n: number) => {
      this.reg(i.rm)
        .b.i32(n)
        .op(left ? Op.i32_shl : Op.i32_shr_u);
      this.reg(i.reg)
        .b.i32(32 - n)
        .op(left ? Op.i32_shr_u : Op.i32_shl)
        .op(Op.i32_or);
    };
    if (flagsLive) {
      // t: after c − 1 steps (a itself for a count of 1).
      if (c > 1) shifted(c - 1);
      else this.reg(i.rm);
      b.set(L.A);
    }
    this.setReg(i.rm, () => {
      shifted(c);
      if (flagsLive) b.tee(L.RES);
    });
    if (!flagsLive) return true;
    this.resultFlags(4, () => {
      if (left) b.get(L.A).i32(31).op(Op.i32_shr_u);
      else b.get(L.A).i32(1).op(Op.i32_and);
      b.get(L.A).get(L.RES).op(Op.i32_xor).i32(31).op(Op.i32_shr_u).i32(11).op(Op.i32_shl, Op.i32_or);
    });
    return true;
  }

  /**
   * SHL/SHR/SAR of a register by a constant or by CL, flags as ops/shift.ts
   * sets them: `t` is the value after count − 1 steps, CF the bit the last
   * step moves out, OF = MSB(t xor result) (0 for SAR); SF, ZF, PF lazy from
   * the result; AF cleared. A count of 0 changes nothing.
   */
  private shiftForm(i: Insn, flagsLive: boolean): boolean {
    const b = this.b;
    const op = i.op;
    if (i.mod !== 3 || !(op === 0xc0 || op === 0xc1 || (op >= 0xd0 && op <= 0xd3))) return false;
    if (i.reg !== 4 && i.reg !== 5 && i.reg !== 7) return false;
    const size = op & 1 ? i.opsize : 1;
    const bits = size << 3;
    const mask = size === 4 ? -1 : (1 << bits) - 1;
    const kind = i.reg === 4 ? Op.i32_shl : i.reg === 5 ? Op.i32_shr_u : Op.i32_shr_s;
    const byCl = op === 0xd2 || op === 0xd3;
    const count = op === 0xc0 || op === 0xc1 ? i.imm & 31 : 1;
    if (!byCl && count === 0) return true;
    if (!byCl && size === 4 && !flagsLive) {
      // No flags to work out: one shift (with them, the last bit out needs the shift by count − 1).
      this.sized(i.rm, 4);
      b.i32(count).op(kind).set(L.RES);
      this.setSized(i.rm, 4, () => b.get(L.RES));
      return true;
    }
    if (byCl) {
      this.sized(1, 1).b.i32(31).op(Op.i32_and).tee(L.O);
      b.if();
    }
    this.sized(i.rm, size);
    if (i.reg === 7 && size < 4)
      b.i32(32 - bits)
        .op(Op.i32_shl)
        .i32(32 - bits)
        .op(Op.i32_shr_s);
    if (byCl) b.get(L.O).i32(1).op(Op.i32_sub);
    else b.i32(count - 1);
    b.op(kind).tee(L.A).i32(1).op(kind).i32(mask).op(Op.i32_and).set(L.RES);
    this.setSized(i.rm, size, () => b.get(L.RES));
    if (flagsLive || byCl || size !== 4) {
      this.resultFlags(size, () => {
        if (i.reg === 4)
          b.get(L.A)
            .i32(bits - 1)
            .op(Op.i32_shr_u)
            .i32(1)
            .op(Op.i32_and);
        else b.get(L.A).i32(1).op(Op.i32_and);
        if (i.reg !== 7) {
          b.get(L.A)
            .get(L.RES)
            .op(Op.i32_xor)
            .i32(bits - 1)
            .op(Op.i32_shr_u)
            .i32(1)
            .op(Op.i32_and);
          b.i32(11).op(Op.i32_shl, Op.i32_or);
        }
      });
    }
    if (byCl) b.end();
    return true;
  }

  /**
   * 8-bit ADD/OR/AND/SUB/XOR/CMP and TEST of registers and immediates, and
   * of a memory source (loads into a register, CMP and TEST with an
   * immediate), flags recorded for size 1; and the same of 16-bit operands
   * (the odd opcodes with the operand-size prefix), recorded for size 2.
   */
  private aluSmallForm(i: Insn, mem: boolean, offset: () => void, slow: () => void): boolean {
    const b = this.b;
    const op = i.op;
    const size = op & 1 ? 2 : 1;
    if (size === 2 && i.opsize !== 2) return false;
    const mask = size === 1 ? 0xff : 0xffff;
    const immediate = op === 0x83 ? (i.imm << 24) >> 24 : i.imm;
    const imm = () => b.i32(immediate & mask);
    const reg = (n: number) => () => this.sized(n, size);
    const load = () => this.load(size);
    const low = op & ~1;
    const group1 = op === 0x80 || op === 0x81 || op === 0x83;
    // [operation (AluOp, or -1 for TEST), destination register or -1 (the memory operand), source, memory?]
    let k = -2;
    let dst = -1;
    let src: () => void = imm;
    let fromMemory = false;
    if (op < 0x40 && (low & 7) === 4) [k, dst] = [op >> 3, 0];
    else if (op < 0x40 && (low & 7) === 0 && i.mod === 3) [k, dst, src] = [op >> 3, i.rm, reg(i.reg)];
    else if (op < 0x40 && (low & 7) === 0 && mem) [k, src, fromMemory] = [op >> 3, reg(i.reg), true];
    else if (op < 0x40 && (low & 7) === 2 && i.mod === 3) [k, dst, src] = [op >> 3, i.reg, reg(i.rm)];
    else if (op < 0x40 && (low & 7) === 2 && mem) [k, dst, src, fromMemory] = [op >> 3, i.reg, load, true];
    else if (group1 && i.mod === 3) [k, dst] = [i.reg, i.rm];
    else if (group1 && mem) [k, fromMemory] = [i.reg, true];
    else if (low === 0xa8) [k, dst] = [-1, 0];
    else if (low === 0xf6 && i.reg === 0 && i.mod === 3) [k, dst] = [-1, i.rm];
    else if (low === 0xf6 && i.reg === 0 && mem) [k, fromMemory] = [-1, true];
    else if (low === 0x84 && i.mod === 3) [k, dst, src] = [-1, i.rm, reg(i.reg)];
    else if (low === 0x84 && mem) [k, dst, src, fromMemory] = [-1, i.reg, load, true];
    if (k === -2 || (k >= 0 && ALU_OP[k] === undefined)) return false;
    const writes = k !== -1 && k !== AluOp.CMP;
    const body = () => {
      // a: the destination (or the memory operand), b: the source.
      if (dst >= 0) this.sized(dst, size);
      else load();
      b.set(L.A);
      src();
      b.set(L.BB);
      b.get(L.A)
        .get(L.BB)
        .op(k === -1 ? Op.i32_and : ALU_OP[k])
        .i32(mask)
        .op(Op.i32_and)
        .set(L.RES);
      if (writes && dst >= 0) this.setSized(dst, size, () => b.get(L.RES));
      else if (writes) this.store(size, () => b.get(L.RES));
      this.produced = producedBy(k === -1 ? AluOp.AND : k, size);
      this.record(() => this.aluFlags(k, size));
    };
    if (fromMemory) this.access(i.seg, size, writes && dst < 0, offset, body, slow);
    else body();
    return true;
  }

  /**
   * A PUSH (`write`) or POP on a 32-bit stack: the fast path runs with the
   * new ESP (push) or the old one (pop) in O and the address in P. `from`:
   * the register the stack address comes from (EBP for LEAVE).
   */
  stackAccess(write: boolean, fast: () => void, slow: () => void, from = 4): void {
    const b = this.b;
    this.reg(from);
    if (write) b.i32(4).op(Op.i32_sub);
    b.set(L.O);
    this.fastOrSlow((miss) => {
      if (!this.flat) this.slot(Slot.SSBIG).b.op(Op.i32_eqz).brIf(miss);
      this.guard(2, 4, write, miss);
      fast();
    }, slow);
  }

  // --- conditions ----------------------------------------------------------

  /**
   * Push condition `cc` (0/1), from the operands of the producer whose
   * locals are still at hand (`produced`, passed on past moves by
   * `keeping`) when there is one.
   */
  condition(cc: number, producer: Producer | null): void {
    const b = this.b;
    const sub: (Op | null)[] = [null, null, Op.i32_lt_u, Op.i32_ge_u, Op.i32_eq, Op.i32_ne, Op.i32_le_u, Op.i32_gt_u];
    const signed: Op[] = [Op.i32_lt_s, Op.i32_ge_s, Op.i32_le_s, Op.i32_gt_s];
    if (producer === "sub") {
      if (cc < 8 && sub[cc] !== null)
        return void b
          .get(L.A)
          .get(L.BB)
          .op(sub[cc] as Op);
      if (cc === 8 || cc === 9)
        return void b
          .get(L.RES)
          .i32(0)
          .op(cc === 8 ? Op.i32_lt_s : Op.i32_ge_s);
      if (cc >= 12)
        return void b
          .get(L.A)
          .get(L.BB)
          .op(signed[cc - 12]);
    }
    if (producer === "sub8" || producer === "sub16" || producer === "logic8" || producer === "logic16") {
      // Operands and result zero-extended from 8 or 16 bits: unsigned compares and ZF as at 32;
      // SF is the result's top bit (signed compares go through the readers).
      const sign = producer === "sub8" || producer === "logic8" ? 0x80 : 0x8000;
      if (cc === 8 || cc === 9) {
        b.get(L.RES).i32(sign).op(Op.i32_and);
        return void (cc === 9 ? b.op(Op.i32_eqz) : b.i32(0).op(Op.i32_ne));
      }
      if (producer === "sub8" || producer === "sub16") {
        const op = cc >= 2 && cc < 8 ? sub[cc] : null;
        if (op !== null) return void b.get(L.A).get(L.BB).op(op);
      } else if (cc < 8) {
        // CF = OF = 0
        if (cc < 4) return void b.i32(cc & 1);
        return void (cc & 1 ? b.get(L.RES).i32(0).op(Op.i32_ne) : b.get(L.RES).op(Op.i32_eqz));
      }
    }
    if (producer === "add") {
      // ADD: CF is the carry out (the sum below an operand); ZF and SF below, as for INC/DEC.
      if (cc === 2) return void b.get(L.RES).get(L.A).op(Op.i32_lt_u);
      if (cc === 3) return void b.get(L.RES).get(L.A).op(Op.i32_ge_u);
    }
    if (producer === "incdec" || producer === "add") {
      // ZF and SF from the result (INC and DEC keep CF; OF is not at hand).
      if (cc === 4) return void b.get(L.RES).op(Op.i32_eqz);
      if (cc === 5) return void b.get(L.RES).i32(0).op(Op.i32_ne);
      if (cc === 8) return void b.get(L.RES).i32(0).op(Op.i32_lt_s);
      if (cc === 9) return void b.get(L.RES).i32(0).op(Op.i32_ge_s);
    }
    if (producer === "logic") {
      if (cc === 0 || cc === 2) return void b.i32(0);
      if (cc === 1 || cc === 3) return void b.i32(1);
      if (cc === 4 || cc === 6) return void b.get(L.RES).op(Op.i32_eqz);
      if (cc === 5 || cc === 7) return void b.get(L.RES).i32(0).op(Op.i32_ne);
      if (cc === 8 || cc === 12) return void b.get(L.RES).i32(0).op(Op.i32_lt_s);
      if (cc === 9 || cc === 13) return void b.get(L.RES).i32(0).op(Op.i32_ge_s);
      if (cc === 14) return void b.get(L.RES).i32(0).op(Op.i32_le_s);
      if (cc === 15) return void b.get(L.RES).i32(0).op(Op.i32_gt_s);
    }
    // testCC (flags.ts) on the flags in the slots, which must hold the producer's record.
    this.writeDeferred();
    const pair = cc >> 1;
    if (pair === 0) b.call(F.GET_OF);
    else if (pair === 1) b.call(F.GET_CF);
    else if (pair === 2) b.call(F.GET_ZF);
    else if (pair === 3) b.call(F.GET_CF).call(F.GET_ZF).op(Op.i32_or);
    else if (pair === 4) b.call(F.GET_SF);
    else if (pair === 5) b.call(F.GET_PF);
    else if (pair === 6) b.call(F.GET_SF).call(F.GET_OF).op(Op.i32_xor);
    else b.call(F.GET_ZF).call(F.GET_SF).call(F.GET_OF).op(Op.i32_xor, Op.i32_or);
    if (cc & 1) b.op(Op.i32_eqz);
  }
}

/** What ALU operation `op` of `size` bytes leaves in A, BB and RES for a branch (`Emitter.produced`). */
function producedBy(op: number, size: number): Producer | null {
  const sub = op === AluOp.SUB || op === AluOp.CMP;
  const logic = op === AluOp.AND || op === AluOp.OR || op === AluOp.XOR;
  if (size === 4) return sub ? "sub" : logic ? "logic" : op === AluOp.ADD ? "add" : null;
  if (size === 2) return sub ? "sub16" : logic ? "logic16" : null;
  return sub ? "sub8" : logic ? "logic8" : null;
}
