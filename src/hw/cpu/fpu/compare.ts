/**
 * Comparisons and classification (SDM vol. 2: FCOM/FCOMP/FCOMPP,
 * FUCOM/FUCOMP/FUCOMPP, FICOM/FICOMP, FCOMI/FCOMIP/FUCOMI/FUCOMIP, FTST,
 * FXAM). RAW values are compared exactly on their 80-bit images.
 */
import type { Cpu } from "../cpu.js";
import { AF, CF, SF as EF_SF, OF, PF, setFlags, ZF } from "../flags.js";
import { isSignaling } from "./arith.js";
import { raw, toRaw } from "./float80.js";
import { C0, C1, C2, C3, DE, DENORM, type Fpu, IE, NAN, RAW, UNSUP } from "./fpu.js";

/** Outcome of a comparison. */
export const enum Cmp {
  GT = 0,
  LT = 1,
  EQ = 2,
  UNORDERED = 3,
  /** An unmasked exception: no condition codes, no pop. */
  ABORT = 4,
}

/**
 * Compare slots a and b. `quiet` (FUCOM*): only SNaN operands raise #IA;
 * otherwise any NaN does. Unsupported encodings always raise #IA.
 */
export function compare(f: Fpu, a: number, b: number, quiet: boolean): Cmp {
  const c = f.cls[a] | f.cls[b];
  if (c !== 0) {
    if (c & UNSUP) return f.raise(IE) ? Cmp.ABORT : Cmp.UNORDERED;
    if (c & NAN) {
      const snan = (f.cls[a] & NAN && isSignaling(f, a)) || (f.cls[b] & NAN && isSignaling(f, b));
      if ((snan || !quiet) && f.raise(IE)) return Cmp.ABORT;
      return Cmp.UNORDERED;
    }
    if (c & DENORM && f.raise(DE)) return Cmp.ABORT;
    if (c & RAW) return compareExact(f, a, b);
  }
  const x = f.st[a];
  const y = f.st[b];
  return x > y ? Cmp.GT : x < y ? Cmp.LT : Cmp.EQ;
}

/** Order two finite-or-infinite 80-bit images. */
function compareExact(f: Fpu, a: number, b: number): Cmp {
  toRaw(f, a);
  const sa = raw.se;
  const ha = raw.hi;
  const la = raw.lo;
  toRaw(f, b);
  const sb = raw.se;
  const hb = raw.hi;
  const lb = raw.lo;
  const za = ha === 0 && la === 0;
  const zb = hb === 0 && lb === 0;
  if (za && zb) return Cmp.EQ; // +0 = −0
  const na = sa >> 15;
  const nb = sb >> 15;
  if (na !== nb) return na ? Cmp.LT : Cmp.GT;
  // Same sign: compare magnitudes (denormals have effective exponent 1).
  const ea = sa & 0x7fff || 1;
  const eb = sb & 0x7fff || 1;
  let m: number;
  if (za) m = -1;
  else if (zb) m = 1;
  else if (ea !== eb) m = ea > eb ? 1 : -1;
  else if (ha !== hb) m = ha > hb ? 1 : -1;
  else if (la !== lb) m = la > lb ? 1 : -1;
  else return Cmp.EQ;
  return m > 0 !== (na === 1) ? Cmp.GT : Cmp.LT;
}

const CC_OF = [0, C0, C3, C3 | C2 | C0];

/**
 * Set C3 C2 C0 from a comparison (C1 := 0). Returns false when the
 * comparison was aborted by an unmasked exception.
 */
export function setCC(f: Fpu, r: Cmp): boolean {
  if (r === Cmp.ABORT) return false;
  f.sw = (f.sw & ~(C0 | C1 | C2 | C3)) | CC_OF[r];
  return true;
}

const EFLAGS_OF = [0, CF, ZF, ZF | PF | CF];

/** FCOMI family: ZF PF CF from the comparison, OF SF AF cleared, C1 := 0. */
export function setEflags(cpu: Cpu, r: Cmp): boolean {
  if (r === Cmp.ABORT) return false;
  cpu.fpu.sw &= ~C1;
  setFlags(cpu, CF | PF | AF | ZF | EF_SF | OF, EFLAGS_OF[r]);
  return true;
}

/** Stack underflow in a compare: #IS; masked, the result is "unordered". */
export function compareUnderflow(f: Fpu): Cmp {
  if (f.underflow()) return Cmp.ABORT;
  return Cmp.UNORDERED;
}

/** FXAM: classify ST(0) into C3 C2 C0, its sign into C1 (also when empty). */
export function fxam(f: Fpu): void {
  const r = f.top;
  let cc: number;
  if (f.empty[r]) cc = C3 | C0;
  else {
    const c = f.cls[r];
    if (c & RAW) {
      const e = f.rawSe[r] & 0x7fff;
      if (c & UNSUP) cc = 0;
      else if (c & NAN) cc = C0;
      else if (e === 0)
        cc = C3 | C2; // denormal (zeros are never RAW)
      else cc = C2;
    } else {
      const v = f.st[r];
      cc = v === 0 ? C3 : v - v === 0 ? C2 : C2 | C0;
    }
  }
  f.sw = (f.sw & ~(C0 | C1 | C2 | C3)) | cc | (f.sign(r) ? C1 : 0);
}
