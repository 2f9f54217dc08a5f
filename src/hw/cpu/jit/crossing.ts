/**
 * An instruction that runs on into the next page, stepped from compiled
 * code without leaving it.
 *
 * A region holds the code of one physical page, so an instruction whose
 * bytes continue on the next page (or one that cannot be decoded from the
 * page at all) is not in it: the block before it ends there. Before, that
 * end was a way out: back to the dispatcher, which interpreted the one
 * instruction and entered compiled code again. In a hot loop that is two
 * trips through the dispatcher an iteration; the kernel's kallsyms binary
 * search, whose `mov ecx, [eax*4+table]` straddles a page, made 584,000 of
 * them during boot.
 *
 * The step decodes the instruction through the processor's fetch, as the
 * interpreter decodes an instruction it cannot cache, and runs its
 * handler. It keeps what it decoded, with the physical addresses of the
 * first and last bytes and the bytes themselves, and decodes again only
 * when one of those is not what it was: nothing needs invalidating, and
 * the kallsyms search's step no longer decodes through the fetch each time
 * (578,000 steps in kernel initialisation: 350 ns each, half of it the
 * decoding, whose fetches go back and forth between the two pages). A fault is
 * delivered there, as the interpreter delivers it, and ends the compiled
 * code's run (`Delivered`). Anything else but an ordinary completion (an
 * abandoned access, an instruction that ends its block, a change of the
 * mode the region was compiled for) leaves EIP on the instruction and
 * sends it back to the dispatcher, whose interpreter takes it again, as it
 * takes every abandoned instruction.
 */
import { instructionCycles } from "../../cost/classes.js";
import type { Cpu, ExitReason } from "../cpu.js";
import { decode } from "../decoder.js";
import { ABANDON, CpuFault } from "../fault.js";
import { Insn, readsInsnEip } from "../insn.js";
import { raise } from "../interrupts.js";
import { HANDLERS } from "../ops/index.js";
import { Flow, flowOf } from "./flow.js";
import { modeOf } from "./mode.js";

/** Thrown through compiled code once the step has delivered a fault: what the dispatcher returns. */
export class Delivered {
  constructor(readonly exit: ExitReason | null) {}
}

/** Instructions kept, by the low bits of their EIP (a power of two). */
const KEPT = 16;

/** A crossing instruction as decoded, and what it was decoded from. */
class Kept {
  /** Its EIP and the mode of the code it was decoded in; -1: nothing kept. */
  eip = -1;
  mode = -1;
  /** Physical addresses of its first and last bytes. */
  first = -1;
  last = -1;
  readonly bytes = new Uint8Array(15);
  readonly insn = new Insn();
}

/** The step, for one processor (wasm/layout.ts keeps one with each processor's layout). */
export class CrossingStep {
  private readonly kept = Array.from({ length: KEPT }, () => new Kept());

  /**
   * Run the instruction at CS:`eip` in code compiled for `mode`. True: it
   * retired and compiled code goes on at EIP; false: EIP is back on it for
   * the dispatcher. A fault throws `Delivered` (the instruction was a step).
   */
  run(cpu: Cpu, eip: number, mode: number): boolean {
    cpu.eip = eip;
    try {
      const i = this.decoded(cpu, eip, mode);
      if (flowOf(i) !== Flow.NEXT) return false;
      if (readsInsnEip(i)) i.eip = eip;
      cpu.eip = cpu.csBig ? (eip + i.len) >>> 0 : (eip + i.len) & 0xffff;
      HANDLERS[i.op](cpu, i);
      cpu.instructions++;
      cpu.cycles += i.cycles;
    } catch (e) {
      if (e === ABANDON) {
        cpu.eip = eip;
        return false;
      }
      if (!(e instanceof CpuFault)) throw e;
      cpu.compiledAccess = false;
      if (!e.trap) cpu.eip = eip;
      throw new Delivered(raise(cpu, e));
    }
    return !cpu.blockExit && cpu.stopRequest === null && modeOf(cpu) === mode;
  }

  /** The instruction at CS:`eip`: the one kept, if its bytes are still where and what they were, else decoded (and kept). */
  private decoded(cpu: Cpu, eip: number, mode: number): Insn {
    const k = this.kept[eip & (KEPT - 1)];
    if (k.eip === eip && k.mode === mode && this.unchanged(cpu, k)) return k.insn;
    k.eip = -1;
    const i = decode(cpu, eip, cpu.csBig, k.insn);
    i.cycles = instructionCycles(cpu.cost, i);
    // Kept only where both ends are readable RAM that fetches may use without a walk (the usual case).
    const first = cpu.cachedCodeAddress(eip);
    const last = cpu.cachedCodeAddress(lastEip(cpu, eip, i.len));
    if (first >= 0 && last >= 0) {
      k.eip = eip;
      k.mode = mode;
      k.first = first;
      k.last = last;
      const ram = cpu.bus.ram;
      for (let n = 0; n < i.len; n++) k.bytes[n] = ram[byteAt(first, last, i.len, n)];
    }
    return i;
  }

  /** The bytes of `k` are at the same physical addresses as when it was decoded, and the same. */
  private unchanged(cpu: Cpu, k: Kept): boolean {
    const len = k.insn.len;
    if (cpu.cachedCodeAddress(k.eip) !== k.first || cpu.cachedCodeAddress(lastEip(cpu, k.eip, len)) !== k.last) return false;
    const ram = cpu.bus.ram;
    for (let n = 0; n < len; n++) if (ram[byteAt(k.first, k.last, len, n)] !== k.bytes[n]) return false;
    return true;
  }
}

/** The EIP of the last byte of the `len` bytes at `eip` (offsets wrap at 64 KiB in 16-bit code). */
function lastEip(cpu: Cpu, eip: number, len: number): number {
  return cpu.csBig ? (eip + len - 1) >>> 0 : (eip + len - 1) & 0xffff;
}

/**
 * Physical address of byte `n` of an instruction of `len` bytes whose
 * first and last bytes are at `first` and `last`: in the first page up to
 * its end, then in the page of the last.
 */
function byteAt(first: number, last: number, len: number, n: number): number {
  const inFirst = 0x1000 - (first & 0xfff);
  return n < inFirst ? first + n : last - (len - 1 - n);
}
