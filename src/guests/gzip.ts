/**
 * gzip (RFC 1952) over DEFLATE (RFC 1951), compression only: LZ77 with hash
 * chains and the fixed Huffman code. It packs initramfs images for the Linux
 * guest; the kernel's inflate is the consumer, and Node's zlib checks our
 * output in the tests.
 */

const CRC_TABLE = (() => {
  const t = new Uint32Array(256);
  for (let n = 0; n < 256; n++) {
    let c = n;
    for (let k = 0; k < 8; k++) c = c & 1 ? 0xedb88320 ^ (c >>> 1) : c >>> 1;
    t[n] = c >>> 0;
  }
  return t;
})();

export function crc32(data: Uint8Array, crc = 0): number {
  let c = ~crc >>> 0;
  for (let i = 0; i < data.length; i++) c = CRC_TABLE[(c ^ data[i]) & 0xff] ^ (c >>> 8);
  return ~c >>> 0;
}

/** LSB-first bit writer, as DEFLATE packs its bits. */
class BitWriter {
  private buf = new Uint8Array(1 << 16);
  private len = 0;
  private acc = 0;
  private nbits = 0;

  bits(value: number, count: number): void {
    this.acc |= value << this.nbits;
    this.nbits += count;
    while (this.nbits >= 8) {
      this.byte(this.acc & 0xff);
      this.acc >>>= 8;
      this.nbits -= 8;
    }
  }

  /** Huffman codes are defined MSB-first: reverse before writing. */
  code(code: number, length: number): void {
    let r = 0;
    for (let i = 0; i < length; i++) r |= ((code >> i) & 1) << (length - 1 - i);
    this.bits(r, length);
  }

  byte(b: number): void {
    if (this.len === this.buf.length) {
      const bigger = new Uint8Array(this.buf.length * 2);
      bigger.set(this.buf);
      this.buf = bigger;
    }
    this.buf[this.len++] = b;
  }

  flush(): void {
    if (this.nbits > 0) this.byte(this.acc & 0xff);
    this.acc = 0;
    this.nbits = 0;
  }

  result(): Uint8Array {
    return this.buf.slice(0, this.len);
  }
}

// Length and distance code tables (RFC 1951, 3.2.5).
const LEN_BASE = [3, 4, 5, 6, 7, 8, 9, 10, 11, 13, 15, 17, 19, 23, 27, 31, 35, 43, 51, 59, 67, 83, 99, 115, 131, 163, 195, 227, 258];
const LEN_EXTRA = [0, 0, 0, 0, 0, 0, 0, 0, 1, 1, 1, 1, 2, 2, 2, 2, 3, 3, 3, 3, 4, 4, 4, 4, 5, 5, 5, 5, 0];
const DIST_BASE = [
  1, 2, 3, 4, 5, 7, 9, 13, 17, 25, 33, 49, 65, 97, 129, 193, 257, 385, 513, 769, 1025, 1537, 2049, 3073, 4097, 6145, 8193, 12289, 16385,
  24577,
];
const DIST_EXTRA = [0, 0, 0, 0, 1, 1, 2, 2, 3, 3, 4, 4, 5, 5, 6, 6, 7, 7, 8, 8, 9, 9, 10, 10, 11, 11, 12, 12, 13, 13];

/** Fixed literal/length code (RFC 1951, 3.2.6). */
function writeLitLen(w: BitWriter, sym: number): void {
  if (sym < 144) w.code(0x30 + sym, 8);
  else if (sym < 256) w.code(0x190 + sym - 144, 9);
  else if (sym < 280) w.code(sym - 256, 7);
  else w.code(0xc0 + sym - 280, 8);
}

function writeMatch(w: BitWriter, length: number, dist: number): void {
  let l = LEN_BASE.length - 1;
  while (LEN_BASE[l] > length) l--;
  writeLitLen(w, 257 + l);
  if (LEN_EXTRA[l]) w.bits(length - LEN_BASE[l], LEN_EXTRA[l]);
  let d = DIST_BASE.length - 1;
  while (DIST_BASE[d] > dist) d--;
  w.code(d, 5);
  if (DIST_EXTRA[d]) w.bits(dist - DIST_BASE[d], DIST_EXTRA[d]);
}

const WINDOW = 32768;
const HASH_BITS = 15;
const MAX_CHAIN = 64;

/** Raw DEFLATE stream of `data` (one fixed-Huffman block). */
export function deflateRaw(data: Uint8Array): Uint8Array {
  const w = new BitWriter();
  w.bits(1, 1); // BFINAL
  w.bits(1, 2); // BTYPE = 01, fixed Huffman
  const head = new Int32Array(1 << HASH_BITS).fill(-1);
  const prev = new Int32Array(WINDOW);
  const hash = (i: number) => ((data[i] << 10) ^ (data[i + 1] << 5) ^ data[i + 2]) & ((1 << HASH_BITS) - 1);
  const insert = (i: number) => {
    if (i + 2 >= data.length) return;
    const h = hash(i);
    prev[i & (WINDOW - 1)] = head[h];
    head[h] = i;
  };
  let i = 0;
  while (i < data.length) {
    let bestLen = 0;
    let bestDist = 0;
    if (i + 2 < data.length) {
      let cand = head[hash(i)];
      const maxLen = Math.min(258, data.length - i);
      for (let chain = 0; cand >= 0 && i - cand <= WINDOW - 1 && chain < MAX_CHAIN; chain++) {
        let l = 0;
        while (l < maxLen && data[cand + l] === data[i + l]) l++;
        if (l > bestLen) {
          bestLen = l;
          bestDist = i - cand;
          if (l === maxLen) break;
        }
        cand = prev[cand & (WINDOW - 1)];
      }
    }
    if (bestLen >= 3) {
      writeMatch(w, bestLen, bestDist);
      for (let k = 0; k < bestLen; k++) insert(i + k);
      i += bestLen;
    } else {
      writeLitLen(w, data[i]);
      insert(i);
      i++;
    }
  }
  writeLitLen(w, 256); // end of block
  w.flush();
  return w.result();
}

/** A gzip member holding `data`, with no file name and mtime 0 (reproducible output). */
export function gzip(data: Uint8Array): Uint8Array {
  const body = deflateRaw(data);
  const out = new Uint8Array(10 + body.length + 8);
  out.set([0x1f, 0x8b, 8, 0, 0, 0, 0, 0, 0, 3]); // deflate, no flags, mtime 0, OS = Unix
  out.set(body, 10);
  const v = new DataView(out.buffer);
  v.setUint32(10 + body.length, crc32(data), true);
  v.setUint32(14 + body.length, data.length >>> 0, true);
  return out;
}
