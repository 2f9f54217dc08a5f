/**
 * Writing WebAssembly binaries: a function body builder that keeps track of
 * block nesting, and the module around it (one memory and a few functions,
 * imported and defined). Only what the block compiler emits is here; the
 * encoding follows the WebAssembly core specification, section 5.
 */

export const enum Ty {
  I32 = 0x7f,
  I64 = 0x7e,
  F64 = 0x7c,
}

/** Opcodes (core specification 5.4). */
export const enum Op {
  unreachable = 0x00,
  block = 0x02,
  loop = 0x03,
  if = 0x04,
  else = 0x05,
  end = 0x0b,
  br = 0x0c,
  br_if = 0x0d,
  br_table = 0x0e,
  return = 0x0f,
  call = 0x10,
  call_indirect = 0x11,
  drop = 0x1a,
  select = 0x1b,
  local_get = 0x20,
  local_set = 0x21,
  local_tee = 0x22,
  i32_load = 0x28,
  f64_load = 0x2b,
  i32_load8_s = 0x2c,
  i32_load8_u = 0x2d,
  i32_load16_s = 0x2e,
  i32_load16_u = 0x2f,
  i32_store = 0x36,
  f64_store = 0x39,
  i32_store8 = 0x3a,
  i32_store16 = 0x3b,
  i32_const = 0x41,
  i64_const = 0x42,
  i64_load = 0x29,
  i64_store = 0x37,
  f64_const = 0x44,
  i32_eqz = 0x45,
  i32_eq = 0x46,
  i32_ne = 0x47,
  i32_lt_s = 0x48,
  i32_lt_u = 0x49,
  i32_gt_s = 0x4a,
  i32_gt_u = 0x4b,
  i32_le_s = 0x4c,
  i32_le_u = 0x4d,
  i32_ge_s = 0x4e,
  i32_ge_u = 0x4f,
  i64_gt_u = 0x56,
  i64_lt_u = 0x54,
  f64_lt = 0x63,
  f64_gt = 0x64,
  f64_le = 0x65,
  f64_ge = 0x66,
  i32_popcnt = 0x69,
  i32_add = 0x6a,
  i32_sub = 0x6b,
  i32_mul = 0x6c,
  i32_and = 0x71,
  i32_or = 0x72,
  i32_xor = 0x73,
  i32_shl = 0x74,
  i32_shr_s = 0x75,
  i32_shr_u = 0x76,
  i32_rotl = 0x77,
  i32_rotr = 0x78,
  i64_add = 0x7c,
  f64_add = 0xa0,
  i64_extend_i32_u = 0xad,
  f64_convert_i32_u = 0xb8,
  i32_extend8_s = 0xc0,
  i32_extend16_s = 0xc1,
}

/** A growable byte buffer (generated code is written byte by byte; a number[] of it was measured slow). */
export class Bytes {
  buf = new Uint8Array(256);
  length = 0;

  push(byte: number): void {
    if (this.length === this.buf.length) {
      const bigger = new Uint8Array(this.buf.length * 2);
      bigger.set(this.buf);
      this.buf = bigger;
    }
    this.buf[this.length++] = byte;
  }
  append(other: Bytes | readonly number[]): void {
    if (other instanceof Bytes) {
      while (this.length + other.length > this.buf.length) {
        const bigger = new Uint8Array(this.buf.length * 2);
        bigger.set(this.buf);
        this.buf = bigger;
      }
      this.buf.set(other.buf.subarray(0, other.length), this.length);
      this.length += other.length;
    } else for (const b of other) this.push(b);
  }
  bytes(): Uint8Array {
    return this.buf.subarray(0, this.length);
  }
}

/** Unsigned LEB128. */
function uleb(out: Bytes, v: number): void {
  v >>>= 0;
  do {
    let byte = v & 0x7f;
    v >>>= 7;
    if (v !== 0) byte |= 0x80;
    out.push(byte);
  } while (v !== 0);
}

/** Signed LEB128 of a 32-bit value. */
function sleb(out: Bytes, v: number): void {
  v |= 0;
  for (;;) {
    const byte = v & 0x7f;
    v >>= 7;
    if ((v === 0 && (byte & 0x40) === 0) || (v === -1 && (byte & 0x40) !== 0)) {
      out.push(byte);
      return;
    }
    out.push(byte | 0x80);
  }
}

/**
 * A function body. Structured control is tracked by nesting level: `block`,
 * `loop` and `if` return the level of the construct they open, and `br`
 * takes such a level, so generated code never counts relative depths.
 */
export class Body {
  readonly bytes = new Bytes();
  private level = 0;

  /** How many constructs (block, loop, if) are open here. */
  get nesting(): number {
    return this.level;
  }

  op(...ops: number[]): this {
    for (const o of ops) this.bytes.push(o);
    return this;
  }
  i32(v: number): this {
    this.bytes.push(Op.i32_const);
    sleb(this.bytes, v);
    return this;
  }
  /** An i64 constant from a non-negative safe integer (below 2^53). */
  i64(v: number): this {
    this.bytes.push(Op.i64_const);
    for (;;) {
      const byte = v % 128;
      v = Math.floor(v / 128);
      if (v === 0 && byte < 0x40) {
        this.bytes.push(byte);
        return this;
      }
      this.bytes.push(byte | 0x80);
    }
  }
  f64(v: number): this {
    this.bytes.push(Op.f64_const);
    this.bytes.append([...new Uint8Array(new Float64Array([v]).buffer)]);
    return this;
  }
  /** An instruction with one index immediate (a local, a function). */
  private indexed(op: Op, index: number): this {
    this.bytes.push(op);
    uleb(this.bytes, index);
    return this;
  }
  get(local: number): this {
    return this.indexed(Op.local_get, local);
  }
  set(local: number): this {
    return this.indexed(Op.local_set, local);
  }
  tee(local: number): this {
    return this.indexed(Op.local_tee, local);
  }
  /** A load or store with a constant offset on the address on the stack (alignment hint 0: any). */
  mem(op: Op, offset: number): this {
    this.bytes.push(op);
    this.bytes.push(0);
    uleb(this.bytes, offset);
    return this;
  }
  call(index: number): this {
    return this.indexed(Op.call, index);
  }
  /** A call through table 0 to a function of type `type` (the index on the stack, after the arguments). */
  callIndirect(type: number): this {
    this.indexed(Op.call_indirect, type);
    this.bytes.push(0);
    return this;
  }
  /** Open a construct with no parameters or results; its level. */
  private open(op: Op): number {
    this.bytes.push(op);
    this.bytes.push(0x40);
    return this.level++;
  }
  block(): number {
    return this.open(Op.block);
  }
  loop(): number {
    return this.open(Op.loop);
  }
  if(): number {
    return this.open(Op.if);
  }
  else(): this {
    this.bytes.push(Op.else);
    return this;
  }
  end(): this {
    this.bytes.push(Op.end);
    this.level--;
    return this;
  }
  private depth(target: number): number {
    const d = this.level - 1 - target;
    if (d < 0) throw new Error("wasm: branch to a construct that is not open");
    return d;
  }
  br(target: number): this {
    return this.indexed(Op.br, this.depth(target));
  }
  brIf(target: number): this {
    return this.indexed(Op.br_if, this.depth(target));
  }
  /** br_table: `targets[i]` for index i on the stack, `otherwise` past the end. */
  brTable(targets: number[], otherwise: number): this {
    this.bytes.push(Op.br_table);
    uleb(this.bytes, targets.length);
    for (const t of targets) uleb(this.bytes, this.depth(t));
    uleb(this.bytes, this.depth(otherwise));
    return this;
  }
}

export interface FuncType {
  readonly params: Ty[];
  readonly results: Ty[];
}

export interface ImportedFunc extends FuncType {
  readonly name: string;
}

export interface DefinedFunc extends FuncType {
  /** Locals after the parameters. */
  readonly locals: Ty[];
  readonly body: Body;
  /** Exported under this name, if set. */
  readonly export?: string;
}

function section(out: Bytes, id: number, content: Bytes): void {
  out.push(id);
  uleb(out, content.length);
  out.append(content);
}

function name(out: Bytes, s: string): void {
  uleb(out, s.length);
  for (let i = 0; i < s.length; i++) out.push(s.charCodeAt(i));
}

/** What a module has beyond memory, imported functions and defined functions. */
export interface ModuleExtras {
  /** It imports the function table "m.tab" (table 0). */
  readonly table?: boolean;
  /** Types no function has (for call_indirect), indexed after the functions' types. */
  readonly types?: FuncType[];
  /**
   * The module's name (the "name" custom section): profilers and stack
   * traces show it in the module's address, wasm://wasm/NAME-hash.
   */
  readonly name?: string;
}

/**
 * A module importing memory "m.mem" (of `pages` 64 KiB pages, fixed), maybe
 * a function table "m.tab", and functions "f.<name>", and defining `funcs`.
 * Function indices: imports first, in order, then the defined functions;
 * each function has a type of its own, at its function index.
 */
export function moduleBytes(pages: number, imports: ImportedFunc[], funcs: DefinedFunc[], extras: ModuleExtras = {}): Uint8Array {
  const out = new Bytes();
  out.append([0x00, 0x61, 0x73, 0x6d, 0x01, 0x00, 0x00, 0x00]);
  const all: FuncType[] = [...imports, ...funcs, ...(extras.types ?? [])];

  const types = new Bytes();
  uleb(types, all.length);
  for (const f of all) {
    types.push(0x60);
    uleb(types, f.params.length);
    types.append(f.params);
    uleb(types, f.results.length);
    types.append(f.results);
  }
  section(out, 1, types);

  const imp = new Bytes();
  uleb(imp, imports.length + (extras.table ? 2 : 1));
  name(imp, "m");
  name(imp, "mem");
  imp.append([0x02, 0x01]);
  uleb(imp, pages);
  uleb(imp, pages);
  if (extras.table) {
    // A table of function references with no minimum and no maximum: it grows as regions are added.
    name(imp, "m");
    name(imp, "tab");
    imp.append([0x01, 0x70, 0x00, 0x00]);
  }
  imports.forEach((f, i) => {
    name(imp, "f");
    name(imp, f.name);
    imp.push(0x00);
    uleb(imp, i);
  });
  section(out, 2, imp);

  const fn = new Bytes();
  uleb(fn, funcs.length);
  for (let i = 0; i < funcs.length; i++) uleb(fn, imports.length + i);
  section(out, 3, fn);

  const exp = new Bytes();
  const exported = funcs.map((f, i) => ({ f, i })).filter(({ f }) => f.export !== undefined);
  uleb(exp, exported.length);
  for (const { f, i } of exported) {
    name(exp, f.export as string);
    exp.push(0x00);
    uleb(exp, imports.length + i);
  }
  section(out, 7, exp);

  const code = new Bytes();
  uleb(code, funcs.length);
  for (const f of funcs) {
    const body = new Bytes();
    uleb(body, f.locals.length);
    for (const t of f.locals) {
      uleb(body, 1);
      body.push(t);
    }
    body.append(f.body.bytes);
    body.push(Op.end);
    uleb(code, body.length);
    code.append(body);
  }
  section(out, 10, code);
  if (extras.name !== undefined) {
    const names = new Bytes();
    name(names, "name");
    const moduleName = new Bytes();
    name(moduleName, extras.name);
    names.push(0); // subsection 0: the module's name
    uleb(names, moduleName.length);
    names.append(moduleName);
    section(out, 0, names);
  }
  return out.bytes();
}
