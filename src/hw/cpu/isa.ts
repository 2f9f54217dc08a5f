/**
 * The IA-32 opcode map of an i686 without SSE, in the manual's notation
 * (Intel SDM vol. 2, appendix A). It is the one description of the
 * instruction set's encoding: the decoder derives from it which opcodes take
 * a ModRM byte and which immediates follow, and the disassembler derives
 * mnemonics from it. What an instruction does lives in `ops/`.
 *
 * Opcode numbers: 0x000–0x0FF are the one-byte map, 0x100–0x1FF the two-byte
 * map (0F xx). Operand notation:
 *   E: ModRM r/m   G: ModRM reg   M: ModRM memory only   R: ModRM register only
 *   S: segment register in reg   C/D: control/debug register in reg
 *   I: immediate   J: relative offset   O: moffs (address-size offset)
 *   A: far pointer   b: byte   w: word   v/z: word or dword by operand size
 *   p: far pointer (16:16 or 16:32)   eAX etc.: implicit registers.
 * Groups list one mnemonic per ModRM.reg value.
 */

export interface OpcodeRow {
  readonly op: number;
  readonly mnemonic: string | readonly string[];
  readonly operands: string;
}

const ALU = ["add", "or", "adc", "sbb", "and", "sub", "xor", "cmp"];
const SHIFT = ["rol", "ror", "rcl", "rcr", "shl", "shr", "sal", "sar"];
const CC = ["o", "no", "b", "ae", "e", "ne", "be", "a", "s", "ns", "p", "np", "l", "ge", "le", "g"];
const REG32 = ["eax", "ecx", "edx", "ebx", "esp", "ebp", "esi", "edi"];

function rows(): OpcodeRow[] {
  const t: OpcodeRow[] = [];
  const row = (op: number, mnemonic: string | string[], operands = "") => t.push({ op, mnemonic, operands });

  // 00–3F: the eight ALU operations in six forms each, with segment pushes
  // and pops, prefixes and BCD adjustments in the gaps.
  for (let k = 0; k < 8; k++) {
    const b = k * 8;
    row(b + 0, ALU[k], "Eb,Gb");
    row(b + 1, ALU[k], "Ev,Gv");
    row(b + 2, ALU[k], "Gb,Eb");
    row(b + 3, ALU[k], "Gv,Ev");
    row(b + 4, ALU[k], "AL,Ib");
    row(b + 5, ALU[k], "eAX,Iz");
  }
  row(0x06, "push", "ES");
  row(0x07, "pop", "ES");
  row(0x0e, "push", "CS");
  row(0x16, "push", "SS");
  row(0x17, "pop", "SS");
  row(0x1e, "push", "DS");
  row(0x1f, "pop", "DS");
  row(0x27, "daa");
  row(0x2f, "das");
  row(0x37, "aaa");
  row(0x3f, "aas");
  for (let r = 0; r < 8; r++) {
    row(0x40 + r, "inc", REG32[r]);
    row(0x48 + r, "dec", REG32[r]);
    row(0x50 + r, "push", REG32[r]);
    row(0x58 + r, "pop", REG32[r]);
  }
  row(0x60, "pusha");
  row(0x61, "popa");
  row(0x62, "bound", "Gv,Ma");
  row(0x63, "arpl", "Ew,Gw");
  row(0x68, "push", "Iz");
  row(0x69, "imul", "Gv,Ev,Iz");
  row(0x6a, "push", "Ib");
  row(0x6b, "imul", "Gv,Ev,Ib");
  row(0x6c, "insb", "Yb,DX");
  row(0x6d, "insv", "Yz,DX");
  row(0x6e, "outsb", "DX,Xb");
  row(0x6f, "outsv", "DX,Xz");
  for (let c = 0; c < 16; c++) row(0x70 + c, `j${CC[c]}`, "Jb");
  row(0x80, ALU, "Eb,Ib");
  row(0x81, ALU, "Ev,Iz");
  row(0x82, ALU, "Eb,Ib");
  row(0x83, ALU, "Ev,Ib");
  row(0x84, "test", "Eb,Gb");
  row(0x85, "test", "Ev,Gv");
  row(0x86, "xchg", "Eb,Gb");
  row(0x87, "xchg", "Ev,Gv");
  row(0x88, "mov", "Eb,Gb");
  row(0x89, "mov", "Ev,Gv");
  row(0x8a, "mov", "Gb,Eb");
  row(0x8b, "mov", "Gv,Ev");
  row(0x8c, "mov", "Ew,Sw");
  row(0x8d, "lea", "Gv,M");
  row(0x8e, "mov", "Sw,Ew");
  row(0x8f, ["pop"], "Ev");
  row(0x90, "nop");
  for (let r = 1; r < 8; r++) row(0x90 + r, "xchg", `${REG32[r]},eAX`);
  row(0x98, "cbw/cwde");
  row(0x99, "cwd/cdq");
  row(0x9a, "callf", "Ap");
  row(0x9b, "fwait");
  row(0x9c, "pushf");
  row(0x9d, "popf");
  row(0x9e, "sahf");
  row(0x9f, "lahf");
  row(0xa0, "mov", "AL,Ob");
  row(0xa1, "mov", "eAX,Ov");
  row(0xa2, "mov", "Ob,AL");
  row(0xa3, "mov", "Ov,eAX");
  row(0xa4, "movsb", "Yb,Xb");
  row(0xa5, "movsv", "Yv,Xv");
  row(0xa6, "cmpsb", "Xb,Yb");
  row(0xa7, "cmpsv", "Xv,Yv");
  row(0xa8, "test", "AL,Ib");
  row(0xa9, "test", "eAX,Iz");
  row(0xaa, "stosb", "Yb,AL");
  row(0xab, "stosv", "Yv,eAX");
  row(0xac, "lodsb", "AL,Xb");
  row(0xad, "lodsv", "eAX,Xv");
  row(0xae, "scasb", "AL,Yb");
  row(0xaf, "scasv", "eAX,Yv");
  for (let r = 0; r < 8; r++) {
    row(0xb0 + r, "mov", `${["al", "cl", "dl", "bl", "ah", "ch", "dh", "bh"][r]},Ib`);
    row(0xb8 + r, "mov", `${REG32[r]},Iv`);
  }
  row(0xc0, SHIFT, "Eb,Ib");
  row(0xc1, SHIFT, "Ev,Ib");
  row(0xc2, "ret", "Iw");
  row(0xc3, "ret");
  row(0xc4, "les", "Gz,Mp");
  row(0xc5, "lds", "Gz,Mp");
  row(0xc6, ["mov"], "Eb,Ib");
  row(0xc7, ["mov"], "Ev,Iz");
  row(0xc8, "enter", "Iw,Ib");
  row(0xc9, "leave");
  row(0xca, "retf", "Iw");
  row(0xcb, "retf");
  row(0xcc, "int3");
  row(0xcd, "int", "Ib");
  row(0xce, "into");
  row(0xcf, "iret");
  row(0xd0, SHIFT, "Eb,1");
  row(0xd1, SHIFT, "Ev,1");
  row(0xd2, SHIFT, "Eb,CL");
  row(0xd3, SHIFT, "Ev,CL");
  row(0xd4, "aam", "Ib");
  row(0xd5, "aad", "Ib");
  row(0xd6, "salc");
  row(0xd7, "xlat");
  for (let k = 0; k < 8; k++) row(0xd8 + k, `esc${k}`, "x87");
  row(0xe0, "loopne", "Jb");
  row(0xe1, "loope", "Jb");
  row(0xe2, "loop", "Jb");
  row(0xe3, "jcxz", "Jb");
  row(0xe4, "in", "AL,Ib");
  row(0xe5, "in", "eAX,Ib");
  row(0xe6, "out", "Ib,AL");
  row(0xe7, "out", "Ib,eAX");
  row(0xe8, "call", "Jz");
  row(0xe9, "jmp", "Jz");
  row(0xea, "jmpf", "Ap");
  row(0xeb, "jmp", "Jb");
  row(0xec, "in", "AL,DX");
  row(0xed, "in", "eAX,DX");
  row(0xee, "out", "DX,AL");
  row(0xef, "out", "DX,eAX");
  row(0xf1, "int1");
  row(0xf4, "hlt");
  row(0xf5, "cmc");
  row(0xf6, ["test", "test", "not", "neg", "mul", "imul", "div", "idiv"], "Eb");
  row(0xf7, ["test", "test", "not", "neg", "mul", "imul", "div", "idiv"], "Ev");
  row(0xf8, "clc");
  row(0xf9, "stc");
  row(0xfa, "cli");
  row(0xfb, "sti");
  row(0xfc, "cld");
  row(0xfd, "std");
  row(0xfe, ["inc", "dec"], "Eb");
  row(0xff, ["inc", "dec", "call", "callf", "jmp", "jmpf", "push"], "Ev");

  // The two-byte map.
  const X = 0x100;
  row(X + 0x00, ["sldt", "str", "lldt", "ltr", "verr", "verw"], "Ew");
  row(X + 0x01, ["sgdt", "sidt", "lgdt", "lidt", "smsw", "", "lmsw", "invlpg"], "Ms");
  row(X + 0x02, "lar", "Gv,Ew");
  row(X + 0x03, "lsl", "Gv,Ew");
  row(X + 0x06, "clts");
  row(X + 0x08, "invd");
  row(X + 0x09, "wbinvd");
  row(X + 0x0b, "ud2");
  row(X + 0x0d, ["nop", "nop", "nop", "nop", "nop", "nop", "nop", "nop"], "Ev");
  for (let k = 0x18; k <= 0x1f; k++) row(X + k, "nop", "Ev");
  row(X + 0x20, "mov", "Rd,Cd");
  row(X + 0x21, "mov", "Rd,Dd");
  row(X + 0x22, "mov", "Cd,Rd");
  row(X + 0x23, "mov", "Dd,Rd");
  row(X + 0x30, "wrmsr");
  row(X + 0x31, "rdtsc");
  row(X + 0x32, "rdmsr");
  row(X + 0x33, "rdpmc");
  row(X + 0x34, "sysenter");
  row(X + 0x35, "sysexit");
  for (let c = 0; c < 16; c++) {
    row(X + 0x40 + c, `cmov${CC[c]}`, "Gv,Ev");
    row(X + 0x80 + c, `j${CC[c]}`, "Jz");
    row(X + 0x90 + c, `set${CC[c]}`, "Eb");
  }
  row(X + 0xa0, "push", "FS");
  row(X + 0xa1, "pop", "FS");
  row(X + 0xa2, "cpuid");
  row(X + 0xa3, "bt", "Ev,Gv");
  row(X + 0xa4, "shld", "Ev,Gv,Ib");
  row(X + 0xa5, "shld", "Ev,Gv,CL");
  row(X + 0xa8, "push", "GS");
  row(X + 0xa9, "pop", "GS");
  row(X + 0xaa, "rsm");
  row(X + 0xab, "bts", "Ev,Gv");
  row(X + 0xac, "shrd", "Ev,Gv,Ib");
  row(X + 0xad, "shrd", "Ev,Gv,CL");
  row(X + 0xaf, "imul", "Gv,Ev");
  row(X + 0xb0, "cmpxchg", "Eb,Gb");
  row(X + 0xb1, "cmpxchg", "Ev,Gv");
  row(X + 0xb2, "lss", "Gz,Mp");
  row(X + 0xb3, "btr", "Ev,Gv");
  row(X + 0xb4, "lfs", "Gz,Mp");
  row(X + 0xb5, "lgs", "Gz,Mp");
  row(X + 0xb6, "movzx", "Gv,Eb");
  row(X + 0xb7, "movzx", "Gv,Ew");
  row(X + 0xba, ["", "", "", "", "bt", "bts", "btr", "btc"], "Ev,Ib");
  row(X + 0xbb, "btc", "Ev,Gv");
  row(X + 0xbc, "bsf", "Gv,Ev");
  row(X + 0xbd, "bsr", "Gv,Ev");
  row(X + 0xbe, "movsx", "Gv,Eb");
  row(X + 0xbf, "movsx", "Gv,Ew");
  row(X + 0xc0, "xadd", "Eb,Gb");
  row(X + 0xc1, "xadd", "Ev,Gv");
  row(X + 0xc7, ["", "cmpxchg8b"], "Mq");
  for (let r = 0; r < 8; r++) row(X + 0xc8 + r, "bswap", REG32[r]);
  return t;
}

/** Every defined opcode, one row each. */
export const OPCODES: readonly OpcodeRow[] = rows();

/** Immediate kinds that follow the ModRM/SIB/displacement bytes. */
export const enum Imm {
  NONE = 0,
  /** 8-bit (Ib, Jb) */
  B = 1,
  /** 16-bit (Iw) */
  W = 2,
  /** 16 or 32 bits by operand size (Iz, Iv, Jz) */
  Z = 3,
  /** Iw then Ib (enter) */
  WB = 4,
  /** far pointer: offset by operand size, then a 16-bit selector (Ap) */
  P = 5,
  /** offset by address size (Ob, Ov) */
  O = 6,
}

/** Per opcode: does a ModRM byte follow? */
export const HAS_MODRM = new Uint8Array(512);
/** Per opcode: which immediate follows. (F6/F7 /0 /1 add Ib/Iz: decoder.) */
export const IMM_KIND = new Uint8Array(512);
/** Per opcode: is it defined on this processor? */
export const DEFINED = new Uint8Array(512);

for (const r of OPCODES) {
  const ops = r.operands.split(",");
  DEFINED[r.op] = 1;
  if (r.operands === "x87" || ops.some((o) => /^[EGMRSCD][a-z]*$/.test(o) && o !== "DX")) HAS_MODRM[r.op] = 1;
  let imm = Imm.NONE;
  for (const o of ops) {
    if (o === "Ib" || o === "Jb") imm = imm === Imm.W ? Imm.WB : Imm.B;
    else if (o === "Iw") imm = Imm.W;
    else if (o === "Iz" || o === "Iv" || o === "Jz") imm = Imm.Z;
    else if (o === "Ap") imm = Imm.P;
    else if (o === "Ob" || o === "Ov") imm = Imm.O;
  }
  IMM_KIND[r.op] = imm;
}

/**
 * Per opcode: which ModRM.reg values may take a LOCK prefix (bit n = /n),
 * always with a memory destination (SDM vol. 2, LOCK). Anything else with
 * LOCK raises #UD.
 */
export const LOCKABLE = new Uint8Array(512);
for (const op of [0x00, 0x01, 0x08, 0x09, 0x10, 0x11, 0x18, 0x19, 0x20, 0x21, 0x28, 0x29, 0x30, 0x31, 0x86, 0x87]) LOCKABLE[op] = 0xff;
for (const op of [0x80, 0x81, 0x82, 0x83]) LOCKABLE[op] = 0x7f; // not /7 (cmp)
LOCKABLE[0xf6] = LOCKABLE[0xf7] = 0x0c; // not, neg
LOCKABLE[0xfe] = LOCKABLE[0xff] = 0x03; // inc, dec
for (const op of [0x1ab, 0x1b3, 0x1bb, 0x1b0, 0x1b1, 0x1c0, 0x1c1]) LOCKABLE[op] = 0xff; // bts btr btc cmpxchg xadd
LOCKABLE[0x1ba] = 0xe0; // bts/btr/btc Ev,Ib
LOCKABLE[0x1c7] = 0x02; // cmpxchg8b
