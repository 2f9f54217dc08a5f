/**
 * One WebAssembly memory for guest RAM and the processor state that
 * compiled code reads: the registers, the segment checks, both TLBs and
 * the code-page map. Code generated as WebAssembly (jit/wasm/) sees them
 * at fixed offsets of its memory, while the TypeScript side keeps its
 * typed arrays, now views of the same bytes.
 *
 * RAM starts at offset 0, so a guest physical address is its offset in the
 * memory. The state follows, in blocks handed out by `alloc`. The memory
 * never grows, so views of it stay valid.
 */

/** Bytes after RAM: two 4 MiB TLBs, the code-page map (up to 1 MiB), the chain cache (1 MiB) and small state. */
const STATE_BYTES = (8 << 20) + (1 << 20) + (1 << 20) + (64 << 10);
const WASM_PAGE = 64 << 10;

export class Arena {
  readonly memory: WebAssembly.Memory;
  readonly buffer: ArrayBuffer;
  /** Its size in 64 KiB WebAssembly pages (what a module importing it declares). */
  readonly pages: number;
  private top: number;

  constructor(readonly ramBytes: number) {
    const pages = Math.ceil((ramBytes + STATE_BYTES) / WASM_PAGE);
    this.pages = pages;
    this.memory = new WebAssembly.Memory({ initial: pages, maximum: pages });
    this.buffer = this.memory.buffer;
    this.top = Math.ceil(ramBytes / 8) * 8;
  }

  /** `ram` is this arena's RAM (at offset 0), so WebAssembly can address it. */
  holds(ram: Uint8Array): boolean {
    return ram.buffer === this.buffer && ram.byteOffset === 0 && ram.length === this.ramBytes;
  }

  /** Offset of `bytes` fresh zeroed bytes, aligned to 8. */
  alloc(bytes: number): number {
    const at = this.top;
    if (at + bytes > this.buffer.byteLength) throw new Error(`arena: no room for ${bytes} bytes of processor state`);
    this.top = Math.ceil((at + bytes) / 8) * 8;
    return at;
  }

  int32(length: number): Int32Array {
    return new Int32Array(this.buffer, this.alloc(length * 4), length);
  }
  uint32(length: number): Uint32Array {
    return new Uint32Array(this.buffer, this.alloc(length * 4), length);
  }
  float64(length: number): Float64Array {
    return new Float64Array(this.buffer, this.alloc(length * 8), length);
  }
  uint8(length: number): Uint8Array {
    return new Uint8Array(this.buffer, this.alloc(length), length);
  }
}

const ARENAS = new WeakMap<ArrayBuffer, Arena>();

/** Guest RAM of `bytes` bytes at the start of a new arena. */
export function allocateRam(bytes: number): Uint8Array {
  const arena = new Arena(bytes);
  ARENAS.set(arena.buffer, arena);
  return new Uint8Array(arena.buffer, 0, bytes);
}

/** The arena whose RAM `ram` is, or a new one for state only (RAM made some other way: no compiled WebAssembly). */
export function arenaOf(ram: Uint8Array): Arena {
  const arena = ram.byteOffset === 0 ? ARENAS.get(ram.buffer as ArrayBuffer) : undefined;
  return arena ?? new Arena(0);
}
