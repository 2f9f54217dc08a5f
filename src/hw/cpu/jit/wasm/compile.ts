/**
 * Turning a region into WebAssembly: the same region, the same blocks, the
 * same charging and fault tables as the JavaScript code generator
 * (../codegen.ts), as one WebAssembly function
 *
 *   run(label, B, tlb) -> 0 (return to the dispatcher) | 1 (left the region: follow)
 *                         | CHAINED (go on in another region: chain.ts)
 *
 * of the shape `loop { switch (label) { case …: block; continue } }`, with
 * the switch a br_table over the page offsets the region spans. A block
 * goes on into a later case with a `br` to it (its `block` is still open)
 * or by running into it; only a branch back goes round the switch.
 *
 * Why WebAssembly: V8 compiles it at once (Liftoff) and later optimizes it
 * without speculation, so code never deoptimizes when a cold path of a
 * region runs for the first time, which is what limits generated
 * JavaScript to small regions.
 *
 * Registers, segment checks, TLB entries and RAM are read straight from
 * the arena. The rest of the Cpu (EIP, the lazy flags, the charges) goes
 * through the slots of `Layout`, copied where control crosses into
 * TypeScript: every instruction without an inline form calls its handler
 * through the import `h(k)`, which copies the slots to the Cpu, runs the
 * handler, and copies them back. A handler's fault unwinds through the
 * WebAssembly frames to the wrapper, which hands it to the same `fault` as
 * generated JavaScript, with the instruction `k` the import saw last. An
 * instruction that crosses into the next page is the import `s`'s
 * (../crossing.ts).
 */
import { type Cpu, CS } from "../../cpu.js";
import { AF, CF, Lz, OF, PF, SF, ZF } from "../../flags.js";
import { type Insn, readsInsnEip } from "../../insn.js";
import { T_RAM, T_RAMW, T_SUP_R, T_SUP_W, T_USER_R, T_USER_W } from "../../paging.js";
import { Delivered } from "../crossing.js";
import { branchTargets, Flow, isJcc, isRepString, observesTime } from "../flow.js";
import { type FaultTables, fault, Ledger, type RegionCode, type RegionResult } from "../ledger.js";
import { carryUse, liveAfter, liveOut } from "../liveness.js";
import { Mode } from "../mode.js";
import type { Region } from "../region.js";
import { CALLOUT, Callout, CHAIN_BITS, CHAIN_HASH, CHAINED, MODE_BITS } from "./chain.js";
import { Emitter, F, L, LOCALS } from "./forms.js";
import { Kind, type Layout, MAX_LEFT, Slot } from "./layout.js";
import { Body, type DefinedFunc, moduleBytes, Op, Ty } from "./module.js";

/** What the import `h(k)` does around instruction k's handler. */
const enum Call {
  /** Set EIP to the next instruction first (a branch or an instruction that leaves). */
  SET_EIP = 1,
  /** The handler reads the instruction's own EIP. */
  INSN_EIP = 2,
  /** A repeated string instruction: run with compiledAccess off (codegen.ts). */
  REP = 4,
  /** It may load DS, ES or SS: answer 1 if the segments are no longer flat (the region is compiled for FLAT). */
  SEGMENT = 8,
}

/**
 * POP ES, POP DS, LES, LDS, LSS and MOV to ES or DS: the instructions that
 * may load DS, ES or SS and still go on to the next instruction (MOV SS,
 * POP SS, the far transfers, interrupts and task switches end their block:
 * flow.ts).
 */
function loadsDataSegment(i: Insn): boolean {
  const op = i.op;
  if (op === 0x8e) return i.reg === 0 || i.reg === 3;
  return op === 0x07 || op === 0x1f || op === 0xc4 || op === 0xc5 || op === 0x1b2;
}

/** Reading one flag from the slots as flags.ts reads it from the Cpu (getCF, getZF, ...): 0 or 1. */
function flagBodies(at: Layout): Body[] {
  const slotOf = (b: Body, s: Slot) => b.i32(0).mem(Op.i32_load, at.slots + s);
  /** A field of the record's LZKIND word (layout.ts Kind). */
  const field = (b: Body, shift: number, mask: number) => slotOf(b, Slot.LZKIND).i32(shift).op(Op.i32_shr_u).i32(mask).op(Op.i32_and);
  const opOf = (b: Body) => field(b, Kind.OP_SHIFT, Kind.OP_MASK);
  const sizeOf = (b: Body) => field(b, Kind.SIZE_SHIFT, Kind.SIZE_MASK);
  const cinOf = (b: Body) => slotOf(b, Slot.LZKIND).i32(Kind.CIN_SHIFT).op(Op.i32_shr_u);
  /** if the flag is lazy: `compute`, else the stored bit. */
  const flag = (bit: number, compute: (b: Body) => void): Body => {
    const b = new Body();
    slotOf(b, Slot.LZKIND).i32(bit).op(Op.i32_and);
    b.if();
    compute(b);
    b.op(Op.return);
    b.end();
    slotOf(b, Slot.FLAGS).i32(bit).op(Op.i32_and).i32(0).op(Op.i32_ne);
    return b;
  };
  /** The sign bit of the recorded size: 1 << (8·size − 1). */
  const sign = (b: Body) => sizeOf(b.i32(1)).i32(3).op(Op.i32_shl).i32(1).op(Op.i32_sub).op(Op.i32_shl);
  const cf = flag(CF, (b) => {
    const wide = (s: Slot) => slotOf(b, s).op(Op.i64_extend_i32_u);
    const cin = () => cinOf(b).op(Op.i64_extend_i32_u);
    opOf(b).op(Op.i32_eqz);
    b.if();
    // ADD: dst + src + cin > mask(size); mask = size 4 ? 0xffffffff : (1 << 8·size) − 1
    wide(Slot.LZDST);
    wide(Slot.LZSRC);
    b.op(Op.i64_add);
    cin();
    b.op(Op.i64_add);
    b.i32(-1).i32(1);
    sizeOf(b).i32(3).op(Op.i32_shl).op(Op.i32_shl).i32(1).op(Op.i32_sub);
    sizeOf(b).i32(4).op(Op.i32_eq);
    b.op(Op.select, Op.i64_extend_i32_u, Op.i64_gt_u, Op.return);
    b.end();
    opOf(b).i32(1).op(Op.i32_eq);
    b.if();
    // SUB: dst < src + cin
    wide(Slot.LZDST);
    wide(Slot.LZSRC);
    cin();
    b.op(Op.i64_add, Op.i64_lt_u, Op.return);
    b.end();
    b.i32(0);
  });
  const zf = flag(ZF, (b) => slotOf(b, Slot.LZRES).op(Op.i32_eqz));
  const sf = flag(SF, (b) => {
    slotOf(b, Slot.LZRES);
    sign(b);
    b.op(Op.i32_and).i32(0).op(Op.i32_ne);
  });
  const of = flag(OF, (b) => {
    // LOGIC: 0; otherwise (dst ^ res) & x & sign, x = src ^ res for ADD, dst ^ src for SUB (flags.ts getOF).
    const slot = (s: Slot) => slotOf(b, s);
    opOf(b).i32(Lz.LOGIC).op(Op.i32_eq);
    b.if();
    b.i32(0).op(Op.return);
    b.end();
    slot(Slot.LZDST);
    slot(Slot.LZRES).op(Op.i32_xor);
    slot(Slot.LZSRC);
    slot(Slot.LZRES).op(Op.i32_xor);
    slot(Slot.LZDST);
    slot(Slot.LZSRC).op(Op.i32_xor);
    opOf(b).op(Op.i32_eqz, Op.select, Op.i32_and);
    sign(b);
    b.op(Op.i32_and).i32(0).op(Op.i32_ne);
  });
  // PF: even parity of the low byte.
  const pf = flag(PF, (b) => slotOf(b, Slot.LZRES).i32(0xff).op(Op.i32_and, Op.i32_popcnt).i32(1).op(Op.i32_and, Op.i32_eqz));
  // AF: LOGIC 0; otherwise bit 4 of dst ^ src ^ res (flags.ts getAF).
  const af = flag(AF, (b) => {
    opOf(b).i32(Lz.LOGIC).op(Op.i32_eq);
    b.if();
    b.i32(0).op(Op.return);
    b.end();
    slotOf(b, Slot.LZDST);
    slotOf(b, Slot.LZSRC).op(Op.i32_xor);
    slotOf(b, Slot.LZRES).op(Op.i32_xor).i32(4).op(Op.i32_shr_u).i32(1).op(Op.i32_and);
  });
  return [cf, zf, sf, of, pf, af];
}

/**
 * A region's function `h` or `s` (F.HANDLER, F.STEP): callout `slot` of
 * the callouts table (chain.ts) with the region's table index. The
 * `call_indirect` stays in this small function: in `run` itself it made
 * TurboFan keep the table's fields at hand through the whole loop, and
 * decompression 5% slower.
 */
function callout(slot: Callout, index: number, type: number): DefinedFunc {
  const b = new Body();
  b.get(0).get(1).i32(index).i32(slot).callIndirect(type);
  return { params: [Ty.I32, Ty.I32], results: [Ty.I32], locals: [], body: b };
}

/** A compiled region: the code the dispatcher calls, and its function's index in the chain table. */
export interface WasmRegion {
  readonly code: RegionCode;
  readonly index: number;
}

/**
 * Compile `region` for `mode` (mode.ts), as `compileRegion` does, into
 * WebAssembly on the processor's arena; `follow` finds the code to go on
 * with when a branch leaves the region.
 */
export function compileRegionWasm(cpu: Cpu, at: Layout, region: Region, mode: number, follow: RegionCode): WasmRegion {
  const index = at.chains.reserve();
  try {
    return build(cpu, at, region, mode, follow, index);
  } catch (e) {
    at.chains.release(index);
    throw e;
  }
}

/** `compileRegionWasm` for the region at chain-table `index`. */
function build(cpu: Cpu, at: Layout, region: Region, mode: number, follow: RegionCode, index: number): WasmRegion {
  const user = (mode & Mode.USER) !== 0;
  const flat = (mode & Mode.FLAT) !== 0;
  const ledger = new Ledger();
  /** Per instruction, what the import `h` does around its handler. */
  const calls: number[] = [];

  const b = new Body();
  const rd = (user ? T_USER_R : T_SUP_R) | T_RAM;
  const wr = (user ? T_USER_W : T_SUP_W) | T_RAM | T_RAMW;
  const chains = at.chains;
  const em = new Emitter(b, at, rd, wr, flat);
  const wrap = mode & Mode.BIG ? -1 : 0xffff;
  const setEip = (label: () => void) =>
    em.setSlot(Slot.EIP, () => {
      b.get(L.B);
      label();
      b.op(Op.i32_add).i32(wrap).op(Op.i32_and);
    });
  /** Charging what ran and is not charged yet. */
  const charge = (): void => {
    const due = ledger.charge();
    if (due.count) em.charge(due.count, due.cycles);
  };
  // After a handler that moved EIP: go where it points.
  const labelFromEip = (): void => {
    em.slot(Slot.EIP).b.get(L.B).op(Op.i32_sub).set(L.LABEL);
  };

  const caseOf = new Map(region.blocks.map((blk, j) => [blk.start, j]));
  const min = Math.min(...caseOf.keys());
  const max = Math.max(...caseOf.keys());

  const top = b.loop();
  const otherwise = b.block();
  const cases: number[] = [];
  for (let j = region.blocks.length - 1; j >= 0; j--) cases[j] = b.block();
  // The switch: label − min indexes a table of the region's span.
  const table: number[] = [];
  for (let off = min; off <= max; off++) {
    const j = caseOf.get(off);
    table.push(j === undefined ? otherwise : cases[j]);
  }
  b.get(L.LABEL).i32(min).op(Op.i32_sub).brTable(table, otherwise);

  // What the region's own blocks after each block read of the flags, and of CF (liveness.ts).
  const flagsOut = liveOut(region);
  const carryOut = liveOut(region, carryUse);
  for (let j = 0; j < region.blocks.length; j++) {
    const blk = region.blocks[j];
    /** The block whose case comes next: a block ending where it starts runs into it, without the switch. */
    const fallsInto = region.blocks[j + 1]?.start ?? -1;
    b.end(); // this block's case starts here
    /**
     * On to the block at offset `t`. The cases after this one are still open
     * around it, so a later case is a direct `br` to where its case starts;
     * an earlier one (a loop's back edge) or an offset that starts no block
     * goes through the switch.
     */
    const goTo = (t: number): void => {
      const later = caseOf.get(t);
      if (later !== undefined && later > j) b.br(cases[later]);
      else {
        b.i32(t).set(L.LABEL);
        b.br(top);
      }
    };
    const n = blk.insns.length;
    // Not enough steps left: the dispatcher interprets them. (A crossing instruction's step is counted by the import.)
    if (n > 0) {
      em.slot(Slot.LEFT).b.i32(n).op(Op.i32_sub).tee(L.T).i32(0).op(Op.i32_lt_s);
      b.if();
      setEip(() => b.i32(blk.start));
      b.i32(0).op(Op.return);
      b.end();
      em.setSlot(Slot.LEFT, () => b.get(L.T));
    }
    em.enterBlock();

    const live = liveAfter(blk.insns, flagsOut[j]);
    const carryLive = liveAfter(blk.insns, carryOut[j], carryUse);
    let endedByBranch = false;
    em.producer = null;
    for (let q = 0; q < n; q++) {
      const i = blk.insns[q];
      const off = blk.offsets[q];
      const k = ledger.add(i, off, n - q);
      const flow = q === n - 1 ? blk.flow : Flow.NEXT;
      const segment = flat && flow === Flow.NEXT && loadsDataSegment(i);
      calls.push(
        (flow !== Flow.NEXT ? Call.SET_EIP : 0) |
          (readsInsnEip(i) ? Call.INSN_EIP : 0) |
          (isRepString(i) ? Call.REP : 0) |
          (segment ? Call.SEGMENT : 0),
      );
      const handler = (): void => {
        em.callHandler(k).b.op(Op.drop);
      };

      if (flow === Flow.BRANCH) {
        // The registers go back to the arena before the block's way out.
        em.writeBack();
        const next = off + i.len;
        const [target] = isJcc32(i) || isJmp(i) ? branchTargets(i, next) : [-1];
        if (target >= 0 && target < 0x1000 && next < 0x1000) {
          // Both ways lead into the page: straight to their cases. (Leaving LABEL
          // to `branch` and testing it against the next case was measured slower.)
          ledger.ran(i);
          charge();
          if (isJmp(i)) goTo(target);
          else {
            em.condition(i.op & 15, em.producer);
            b.if();
            goTo(target);
            b.end();
            // Not taken: on into the next case, or to its case.
            if (next !== fallsInto) goTo(next);
          }
          endedByBranch = true;
          break;
        }
        if (branch(em, i, off + i.len, k, labelFromEip)) {
          ledger.ran(i);
          charge();
          em.writeBack(); // ESP, after CALL and RET
          b.br(top);
          endedByBranch = true;
          break;
        }
      }
      em.carryLive = carryLive[q];
      // Only the branch right after a producer may do without its record (Emitter.deferRecord).
      em.deferRecord = q + 1 < n && isJcc(blk.insns[q + 1]) && !live[q + 1];
      if (flow === Flow.NEXT && em.form(i, live[q], handler)) {
        // Only its handler fallback can fault (or abandon), and it observes no time.
        ledger.ran(i);
        em.producer = em.produced;
        continue;
      }
      em.producer = null;
      // A branch the compiler does not take inline reads the producer's record in its handler.
      em.flushRecord();
      if (flow === Flow.LEAVE || observesTime(i)) charge();
      // The import's answer (blockExit) matters after a branch, which ends the block.
      em.callHandler(k);
      if (flow === Flow.BRANCH || segment) b.set(L.T);
      else b.op(Op.drop);
      ledger.ran(i);
      if (segment) {
        // Code compiled for flat segments must not run on after they stop being flat.
        charge();
        b.get(L.T);
        b.if();
        setEip(() => b.i32(off + i.len));
        b.i32(0).op(Op.return);
        b.end();
      }
    }
    // Left by the producer before a branch that decided from the locals, after which no flags are read.
    em.dropRecord();
    if (endedByBranch) continue;
    em.writeBack();
    charge();
    // The instruction crossing into the next page: stepped where it is, answering as a handler does.
    if (blk.crossing) em.callOut(F.STEP, blk.end).b.set(L.T);
    if (blk.flow === Flow.LEAVE) b.i32(0).op(Op.return);
    else if (blk.flow === Flow.BRANCH || blk.crossing) {
      // The import said whether to leave; otherwise on at EIP.
      b.get(L.T);
      b.if();
      b.i32(0).op(Op.return);
      b.end();
      labelFromEip();
      b.br(top);
    } else if (blk.end !== fallsInto) goTo(blk.end);
  }
  b.end(); // otherwise: not a block of this region (EIP is written here only: nothing reads it in between)
  setEip(() => b.get(L.LABEL));
  if (wrap === -1) chain(em, mode);
  b.i32(1).op(Op.return);
  b.end(); // loop
  b.op(Op.unreachable);

  const flags = flagBodies(at);
  // The callout's type comes after the types of the module's functions (h, s, the flag readers, run).
  const calloutType = 2 + flags.length + 1;
  const bytes = moduleBytes(
    cpu.arena.pages,
    [],
    [
      callout(Callout.HANDLER, index, calloutType),
      callout(Callout.STEP, index, calloutType),
      ...flags.map((body) => ({ params: [], results: [Ty.I32], locals: [], body })),
      { params: [Ty.I32, Ty.I32, Ty.I32], results: [Ty.I32], locals: new Array(LOCALS).fill(Ty.I32), body: b, export: "run" },
    ],
    // Named by the physical address of its entry, for profiles.
    {
      name: `region_${((region.page << 12) | (region.blocks[0]?.start ?? 0)).toString(16).padStart(8, "0")}`,
      table: true,
      types: [CALLOUT],
    },
  );

  const tables = ledger.tables();
  const { insns, handlers, offsets } = ledger;
  const kinds = Uint8Array.from(calls);
  const eipOf = wrap === -1 ? (x: number) => x >>> 0 : (x: number) => x & 0xffff;
  const h = (k: number, base: number): number => {
    chains.k = k;
    chains.base = base;
    chains.tables = tables;
    at.toCpu(cpu);
    const kind = kinds[k];
    const insn = insns[k];
    if (kind & Call.SET_EIP) cpu.eip = eipOf(base + offsets[k] + insn.len);
    if (kind & Call.INSN_EIP) insn.eip = eipOf(base + offsets[k]);
    if (kind & Call.REP) {
      cpu.compiledAccess = false;
      handlers[k](cpu, insn);
      cpu.compiledAccess = true;
    } else handlers[k](cpu, insn);
    at.fromCpu(cpu);
    // A stop ends the chain too (the dispatcher's `follow` looks for one).
    return cpu.blockExit || cpu.stopRequest !== null || (kind & Call.SEGMENT && !cpu.flat) ? 1 : 0;
  };
  /**
   * The instruction at `off` that crosses into the next page, if a step is
   * left for it: 0 when it retired (go on at EIP), 1 when the dispatcher
   * takes it (EIP on it), as `h` answers.
   */
  const s = (off: number, base: number): number => {
    const eip = eipOf(base + off);
    at.toCpu(cpu);
    let retired = false;
    if (at.left > 0) {
      // A step when it retires, and when it faults (Delivered), as in the interpreter.
      at.left = at.left - 1;
      retired = at.crossing.run(cpu, eip, mode);
      if (!retired) at.left = at.left + 1;
    } else cpu.eip = eip;
    at.fromCpu(cpu);
    return retired ? 0 : 1;
  };
  const instance = new WebAssembly.Instance(new WebAssembly.Module(bytes), {
    m: { mem: cpu.arena.memory, tab: chains.callouts },
  });
  chains.install(index, instance.exports.run, h, s);

  const page = region.page << 12;
  const code = (c: Cpu, label: number): RegionResult => enterRegion(c, at, index, page | label, mode, follow);
  return { code, index };
}

/**
 * Run the region at chain-table `index` from its block at physical address
 * `phys` (CS:EIP), compiled for `mode`: what each region's `code` does, and
 * what the dispatcher calls with the table index it keeps for the block.
 * One function for every region: the dispatcher's calls through the
 * regions' own closures, one per region, missed the cache on the closure
 * (a fifth of the dispatcher's time in the fork+exec loop).
 */
export function enterRegion(c: Cpu, at: Layout, index: number, phys: number, mode: number, follow: RegionCode): RegionResult {
  const chains = at.chains;
  const label = phys & 0xfff;
  // Reached from the dispatcher (or its `follow`), which calls the region owning the block: its
  // chain entry may have lost its slot to another address since, so it takes the slot back.
  chains.enter(phys, mode, index);
  chains.k = -1;
  at.fromCpu(c);
  // Steps beyond MAX_LEFT wait for the next call (Slot.CHARGES must not overflow).
  const held = Math.max(0, c.jitLeft - MAX_LEFT);
  at.left = c.jitLeft - held;
  let r: number;
  try {
    r = chains.run(label, c.eip - label, c.activeTlb().byteOffset, index);
  } catch (e) {
    c.jitLeft = at.left + held;
    if (e instanceof Delivered) return e.exit;
    return fault(c, e, chains.base, chains.k, chains.tables as FaultTables);
  }
  at.toCpu(c);
  c.eip = at.eip;
  c.jitLeft = at.left + held;
  return r === 1 ? follow : null;
}

/**
 * The way out of a region of 32-bit code in `mode` to a block of another
 * region, inside WebAssembly (chain.ts): EIP = B + LABEL is translated as
 * the dispatcher's `follow` translates it, looked up in the chain cache,
 * and on a hit the target is left for the trampoline, which calls the
 * region there as the dispatcher would. Without an entry the region
 * returns to the dispatcher; where the translation fails this falls
 * through (to the return that goes through `follow`).
 */
function chain(em: Emitter, mode: number): void {
  const b = em.b;
  const at = em.at;
  const need = em.rd;
  const miss = b.block();
  const absent = b.block();
  // T = EIP; past the CS limit, the dispatcher (and the interpreter) take it.
  b.get(L.B).get(L.LABEL).op(Op.i32_add).tee(L.T);
  em.pastCsLimit(miss);
  // LIN = CS.base + EIP; E = its TLB entry, which must grant the fetch (readable RAM).
  b.get(L.T)
    .i32(0)
    .mem(Op.i32_load, at.segBase + 4 * CS)
    .op(Op.i32_add)
    .tee(L.LIN);
  em.translate(need, miss);
  // O = offset in the page; BB = EIP of the page's first byte, which must be >= 0 with the whole page inside CS.
  b.get(L.LIN).i32(0xfff).op(Op.i32_and).set(L.O);
  b.get(L.T).get(L.O).op(Op.i32_lt_u).brIf(miss);
  b.get(L.T).get(L.O).op(Op.i32_sub).tee(L.BB);
  b.op(Op.f64_convert_i32_u).f64(0xfff).op(Op.f64_add).i32(0).mem(Op.f64_load, at.codeHi).op(Op.f64_gt).brIf(miss);
  // P = the physical address; A = its cache entry (chainSlot), which must hold P in this mode.
  b.get(L.E).i32(-4096).op(Op.i32_and).get(L.O).op(Op.i32_or).tee(L.P);
  b.i32(CHAIN_HASH)
    .op(Op.i32_mul)
    .i32(32 - CHAIN_BITS)
    .op(Op.i32_shr_u)
    .i32(3)
    .op(Op.i32_shl);
  b.i32(at.chains.cache).op(Op.i32_add).tee(L.A);
  b.mem(Op.i32_load, 0).get(L.P).op(Op.i32_ne).brIf(absent);
  b.get(L.A)
    .mem(Op.i32_load, 4)
    .tee(L.E)
    .i32((1 << MODE_BITS) - 1)
    .op(Op.i32_and)
    .i32(mode + 1)
    .op(Op.i32_ne)
    .brIf(absent);
  // The trampoline calls run(label = O, base = BB, tlb) of the region at table index E >> MODE_BITS.
  const t = at.chains.target;
  b.i32(0).get(L.O).mem(Op.i32_store, t);
  b.i32(0)
    .get(L.BB)
    .mem(Op.i32_store, t + 4);
  b.i32(0)
    .get(L.E)
    .i32(MODE_BITS)
    .op(Op.i32_shr_u)
    .mem(Op.i32_store, t + 8);
  b.i32(CHAINED).op(Op.return);
  b.end();
  // No entry: the target is almost always code that is not compiled (or
  // one whose entry a collision replaced), which the dispatcher finds
  // itself; the engine's `follow` would look in vain first.
  b.i32(0).op(Op.return);
  b.end();
}

/** A Jcc (short or near) with a 32-bit operand size, the kind `branch` can take inline. */
function isJcc32(i: Insn): boolean {
  return i.opsize === 4 && isJcc(i);
}

/** JMP rel8 or rel32 with a 32-bit operand size. */
function isJmp(i: Insn): boolean {
  return i.opsize === 4 && (i.op === 0xeb || i.op === 0xe9);
}

/**
 * A near branch inline (../inline.ts inlineBranch): leaves the offset it
 * goes to in LABEL and returns true, or emits nothing and returns false.
 * In 32-bit code the target may be outside the page (the block then ends
 * and the dispatcher finds the code there); it is checked against the CS
 * limit first, as the handler checks it, and the handler takes a target
 * past the limit (and faults).
 */
function branch(em: Emitter, i: Insn, next: number, k: number, labelFromEip: () => void): boolean {
  const b = em.b;
  const producer = em.producer;
  const op = i.op;
  const rel8 = (i.imm << 24) >> 24;
  const anywhere = i.big; // 32-bit code: EIP does not wrap at 64 KiB
  const inPage = (t: number): boolean => t >= 0 && t < 0x1000;
  if (i.opsize !== 4) return false;
  const slow = (): void => {
    // The handler decides a Jcc from the slots.
    em.writeDeferred();
    em.callHandler(k).b.op(Op.drop);
    labelFromEip();
  };
  /** Branch to `miss` unless B + T is inside CS. */
  const withinCs = (miss: number): void => {
    b.get(L.B).get(L.T).op(Op.i32_add);
    em.pastCsLimit(miss);
  };
  /** LABEL = t; a target outside the page is checked first (`miss`: the handler). */
  const goTo = (t: number, miss: number): void => {
    if (!inPage(t)) {
      b.i32(t).set(L.T);
      withinCs(miss);
    }
    b.i32(t).set(L.LABEL);
  };
  /** `body(miss)` with the handler as its way out. */
  const orHandler = (body: (miss: number) => void): true => {
    em.fastOrSlow(body, slow);
    return true;
  };
  const jcc = (t: number): boolean => {
    if (!inPage(next) || (!inPage(t) && !anywhere)) return false;
    if (inPage(t)) {
      b.i32(t).i32(next);
      em.condition(op & 15, producer);
      b.op(Op.select).set(L.LABEL);
      return true;
    }
    return orHandler((miss) => {
      em.condition(op & 15, producer);
      b.if();
      goTo(t, miss);
      b.else();
      b.i32(next).set(L.LABEL);
      b.end();
    });
  };
  if (op >= 0x70 && op <= 0x7f) return jcc(next + rel8);
  if (op >= 0x180 && op <= 0x18f) return jcc(next + (i.imm | 0));
  if (op === 0xeb || op === 0xe9) {
    const t = next + (op === 0xeb ? rel8 : i.imm | 0);
    if (inPage(t)) {
      b.i32(t).set(L.LABEL);
      return true;
    }
    return anywhere && orHandler((miss) => goTo(t, miss));
  }
  if (op === 0xe8) {
    const t = next + (i.imm | 0);
    if (!inPage(t) && !anywhere) return false;
    em.precache(4); // the fast path writes ESP
    return orHandler((miss) => {
      if (!inPage(t)) {
        b.i32(t).set(L.T);
        withinCs(miss);
      }
      em.stackAccess(
        true,
        () => {
          b.get(L.P).get(L.B).i32(next).op(Op.i32_add).mem(Op.i32_store, 0);
          em.setReg(4, () => b.get(L.O));
          b.i32(t).set(L.LABEL);
        },
        () => b.br(miss),
      );
    });
  }
  if (op === 0xc3) {
    em.precache(4); // the fast path writes ESP
    return orHandler((miss) => {
      em.stackAccess(
        false,
        () => {
          b.get(L.P).mem(Op.i32_load, 0).get(L.B).op(Op.i32_sub).set(L.T);
          // In 16-bit code only a return into the page; in 32-bit code anywhere inside CS.
          if (anywhere) withinCs(miss);
          else b.get(L.T).i32(0x1000).op(Op.i32_ge_u).brIf(miss);
          b.get(L.T).set(L.LABEL);
          em.setReg(4, () => b.get(L.O).i32(4).op(Op.i32_add));
        },
        () => b.br(miss),
      );
    });
  }
  return false;
}
