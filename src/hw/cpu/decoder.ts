/**
 * Instruction decoder: bytes → `Insn`. Prefixes, opcode, ModRM/SIB in 16-
 * and 32-bit addressing, displacement and immediates, as the opcode map in
 * `isa.ts` says. The decoder reads code through a `CodeFetch`, so page and
 * limit faults during fetch surface as the processor raises them, and it
 * never looks at register or memory contents.
 */
import { CpuFault, Vec } from "./fault.js";
import { type Insn, Pfx } from "./insn.js";
import { HAS_MODRM, IMM_KIND, Imm, LOCKABLE } from "./isa.js";

/** Reads one code byte at an offset in CS (may throw a CpuFault). */
export interface CodeFetch {
  fetch8(eip: number): number;
}

/** The longest legal instruction; a longer one raises #GP(0). */
export const MAX_INSN_LEN = 15;

// Prefix bytes: 1–6 a segment override (register + 1), 7 and up the others.
const P_OPSIZE = 7;
const P_ADSIZE = 8;
const P_REP = 9;
const P_REPNE = 10;
const P_LOCK = 11;
const PREFIX = new Uint8Array(256);
[0x26, 0x2e, 0x36, 0x3e, 0x64, 0x65].forEach((b, seg) => {
  PREFIX[b] = seg + 1;
});
PREFIX[0x66] = P_OPSIZE;
PREFIX[0x67] = P_ADSIZE;
PREFIX[0xf3] = P_REP;
PREFIX[0xf2] = P_REPNE;
PREFIX[0xf0] = P_LOCK;

// 16-bit ModRM r/m → base, index (SDM vol. 2 table 2-1).
const BASE16 = [3, 3, 5, 5, 6, 7, 5, 3]; // BX BX BP BP SI DI BP BX
const INDEX16 = [6, 7, 6, 7, -1, -1, -1, -1]; // SI DI SI DI

// Decoder cursor. Module state instead of closures keeps decode free of
// allocation; decode is not re-entrant (nothing it calls decodes).
let src: CodeFetch;
let start = 0;
let p = 0;

function next(): number {
  if (p - start >= MAX_INSN_LEN) throw new CpuFault(Vec.GP, 0);
  const b = src.fetch8(p);
  p = (p + 1) >>> 0;
  return b;
}

function next16(): number {
  return next() | (next() << 8);
}

function next32(): number {
  return (next() | (next() << 8) | (next() << 16) | (next() << 24)) >>> 0;
}

/**
 * Decode the instruction at `eip` into `out`. `big` is the code segment's
 * default size (CS.D). Returns `out`.
 */
export function decode(code: CodeFetch, eip: number, big: boolean, out: Insn): Insn {
  src = code;
  start = eip;
  p = eip;
  let prefixes = 0;
  let seg = -1;
  let b: number;
  for (;;) {
    b = next();
    const k = PREFIX[b];
    if (k === 0) break;
    if (k <= 6) {
      seg = k - 1;
      prefixes |= Pfx.SEG;
    } else if (k === P_OPSIZE) prefixes |= Pfx.OPSIZE;
    else if (k === P_ADSIZE) prefixes |= Pfx.ADSIZE;
    else if (k === P_REP) prefixes = (prefixes & ~Pfx.REPNE) | Pfx.REP;
    else if (k === P_REPNE) prefixes = (prefixes & ~Pfx.REP) | Pfx.REPNE;
    else prefixes |= Pfx.LOCK;
  }
  let op = b;
  if (op === 0x0f) op = 0x100 | next();

  const opsize = (prefixes & Pfx.OPSIZE ? !big : big) ? 4 : 2;
  const adsize = (prefixes & Pfx.ADSIZE ? !big : big) ? 4 : 2;
  out.eip = eip;
  out.big = big;
  out.op = op;
  out.opsize = opsize;
  out.adsize = adsize;
  out.prefixes = prefixes;
  out.mod = 0;
  out.reg = 0;
  out.rm = 0;
  out.base = -1;
  out.index = -1;
  out.scale = 0;
  out.disp = 0;
  out.imm = 0;
  out.imm2 = 0;
  let defSeg = 3; // DS

  if (HAS_MODRM[op]) {
    const m = next();
    // MOV to/from CRn/DRn (0F 20–23) ignore mod: r/m is always a register.
    const mod = op >= 0x120 && op <= 0x123 ? 3 : m >> 6;
    const rm = m & 7;
    out.mod = mod;
    out.reg = (m >> 3) & 7;
    out.rm = rm;
    if (mod !== 3) {
      if (adsize === 4) {
        if (rm === 4) {
          const sib = next();
          const base = sib & 7;
          const index = (sib >> 3) & 7;
          out.scale = sib >> 6;
          out.index = index === 4 ? -1 : index;
          if (base === 5 && mod === 0) {
            out.disp = next32() | 0;
          } else {
            out.base = base;
            if (base === 4 || base === 5) defSeg = 2; // ESP/EBP-based: SS
          }
        } else if (rm === 5 && mod === 0) {
          out.disp = next32() | 0;
        } else {
          out.base = rm;
          if (rm === 5) defSeg = 2;
        }
        if (mod === 1) out.disp = (next() << 24) >> 24;
        else if (mod === 2) out.disp = next32() | 0;
      } else {
        if (rm === 6 && mod === 0) {
          out.disp = next16();
        } else {
          out.base = BASE16[rm];
          out.index = INDEX16[rm];
          if (rm === 2 || rm === 3 || rm === 6) defSeg = 2; // BP-based: SS
        }
        if (mod === 1) out.disp = (next() << 24) >> 24;
        else if (mod === 2) out.disp = (next16() << 16) >> 16;
      }
    }
  }
  out.seg = seg >= 0 ? seg : defSeg;

  switch (IMM_KIND[op]) {
    case Imm.NONE:
      // TEST in group 3 is the one /reg-dependent immediate.
      if ((op === 0xf6 || op === 0xf7) && out.reg < 2) {
        out.imm = op === 0xf6 ? next() : opsize === 4 ? next32() : next16();
      }
      break;
    case Imm.B:
      out.imm = next();
      break;
    case Imm.W:
      out.imm = next16();
      break;
    case Imm.Z:
      out.imm = opsize === 4 ? next32() : next16();
      break;
    case Imm.WB:
      out.imm = next16();
      out.imm2 = next();
      break;
    case Imm.P:
      out.imm = opsize === 4 ? next32() : next16();
      out.imm2 = next16();
      break;
    case Imm.O:
      out.disp = adsize === 4 ? next32() | 0 : next16();
      break;
  }
  out.len = (p - eip) >>> 0;
  if (prefixes & Pfx.LOCK && (out.mod === 3 || !(LOCKABLE[op] & (1 << out.reg)))) throw new CpuFault(Vec.UD);
  return out;
}
