/**
 * Disassembler: renders a decoded instruction in Intel syntax from the
 * opcode map in `isa.ts`, for traces, error messages and the debugger.
 */
import { SEG_NAMES } from "./cpu.js";
import { type Insn, Pfx } from "./insn.js";
import { OPCODES, type OpcodeRow } from "./isa.js";

const ROW_OF: (OpcodeRow | undefined)[] = [];
for (const r of OPCODES) ROW_OF[r.op] = r;

const R32 = ["eax", "ecx", "edx", "ebx", "esp", "ebp", "esi", "edi"];
const R16 = ["ax", "cx", "dx", "bx", "sp", "bp", "si", "di"];
const R8 = ["al", "cl", "dl", "bl", "ah", "ch", "dh", "bh"];
const MEM16 = ["bx+si", "bx+di", "bp+si", "bp+di", "si", "di", "bp", "bx"];
const X87 = ["fadd", "fmul", "fcom", "fcomp", "fsub", "fsubr", "fdiv", "fdivr"];

function hexImm(v: number): string {
  return `0x${(v >>> 0).toString(16)}`;
}

function regName(r: number, size: number): string {
  return size === 4 ? R32[r] : size === 2 ? R16[r] : R8[r];
}

/** Size in bytes named by an operand-spec suffix (b, w, d, v/z by operand size). */
function specSize(spec: string, i: Insn): number {
  const s = spec.slice(1);
  if (s === "b") return 1;
  if (s === "w") return 2;
  if (s === "d") return 4;
  return i.opsize;
}

function memOperand(i: Insn, size: number, sized: boolean): string {
  const parts: string[] = [];
  if (i.adsize === 2 && i.base >= 0) parts.push(MEM16[i.rm]);
  else {
    if (i.base >= 0) parts.push(R32[i.base]);
    if (i.index >= 0) parts.push(i.scale ? `${R32[i.index]}*${1 << i.scale}` : R32[i.index]);
  }
  let text = parts.join("+");
  if (i.disp !== 0 || parts.length === 0) {
    if (parts.length === 0) text = hexImm(i.adsize === 2 ? i.disp & 0xffff : i.disp);
    else text += i.disp < 0 ? `-${hexImm(-i.disp)}` : `+${hexImm(i.disp)}`;
  }
  const seg = i.prefixes & Pfx.SEG ? `${SEG_NAMES[i.seg]}:` : "";
  const ptr = sized ? `${size === 1 ? "byte" : size === 2 ? "word" : size === 4 ? "dword" : "qword"} ` : "";
  return `${ptr}${seg}[${text}]`;
}

function operand(spec: string, i: Insn, sized: boolean): string | null {
  // Operand kinds are one capital and lower-case size letters ("Eb", "M",
  // "Iz"); anything else ("AL", "DX", "ES", "eAX", "ebx", "1") is literal.
  if (!/^[A-Z][a-z]*$/.test(spec)) {
    if (spec === "eAX") return i.opsize === 4 ? "eax" : "ax";
    if (R32.includes(spec)) return regName(R32.indexOf(spec), i.opsize);
    return spec.toLowerCase();
  }
  const k = spec[0];
  switch (k) {
    case "E":
    case "M":
    case "R": {
      const size = spec === "Mq" ? 8 : specSize(spec, i);
      if (i.mod === 3) return regName(i.rm, size === 8 ? 4 : size);
      return memOperand(i, size, sized);
    }
    case "G":
      return regName(i.reg, specSize(spec, i));
    case "S":
      return SEG_NAMES[i.reg];
    case "C":
      return `cr${i.reg}`;
    case "D":
      return `dr${i.reg}`;
    case "I":
      // Ib is sign-extended in push Ib, imul Gv,Ev,Ib and group 1 opcode 83.
      return hexImm(spec === "Ib" && (i.op === 0x83 || i.op === 0x6b || i.op === 0x6a) ? (i.imm << 24) >> 24 : i.imm);
    case "J": {
      const rel = spec === "Jb" ? (i.imm << 24) >> 24 : i.opsize === 2 ? (i.imm << 16) >> 16 : i.imm | 0;
      const target = i.eip + i.len + rel;
      return hexImm(i.opsize === 2 ? target & 0xffff : target);
    }
    case "O":
      return memOperand(i, spec === "Ob" ? 1 : i.opsize, false);
    case "A":
      return `${hexImm(i.imm2)}:${hexImm(i.imm)}`;
    case "X":
    case "Y":
      return null; // implied by the string mnemonic
    default:
      return spec;
  }
}

/** Intel-syntax text of a decoded instruction. */
export function disassemble(i: Insn): string {
  const row = ROW_OF[i.op];
  if (!row) return `(bad) ${i.op >= 0x100 ? "0f " : ""}${(i.op & 0xff).toString(16).padStart(2, "0")}`;
  if (row.operands === "x87") {
    const esc = i.op - 0xd8;
    const name = esc === 0 || (esc === 4 && i.mod !== 3) ? X87[i.reg] : `esc${esc} /${i.reg}`;
    return i.mod === 3 ? `${name} st(${i.rm})` : `${name} ${memOperand(i, 0, false)}`;
  }
  let mnemonic = typeof row.mnemonic === "string" ? row.mnemonic : (row.mnemonic[i.reg] ?? "");
  if (!mnemonic) return "(bad)";
  mnemonic = mnemonic.replace(/sv$/, i.opsize === 4 ? "sd" : "sw"); // movsv → movsd/movsw
  if (mnemonic.includes("/")) mnemonic = mnemonic.split("/")[i.opsize === 4 ? 1 : 0];
  let prefix = "";
  if (i.prefixes & Pfx.LOCK) prefix += "lock ";
  if (i.prefixes & Pfx.REP) prefix += /^(cmps|scas)/.test(mnemonic) ? "repe " : "rep ";
  if (i.prefixes & Pfx.REPNE) prefix += "repne ";
  const specs = row.operands ? row.operands.split(",") : [];
  // Memory operands need an explicit size when no register operand implies it.
  const sized = !specs.some((s) => s[0] === "G" || s === "AL" || s === "eAX" || s === "Sw" || s === "CL" || s === "DX");
  const ops = specs.map((s) => operand(s, i, sized)).filter((s): s is string => s !== null);
  return `${prefix}${mnemonic}${ops.length ? ` ${ops.join(", ")}` : ""}`;
}
