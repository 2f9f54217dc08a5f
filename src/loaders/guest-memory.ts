/**
 * What a loader needs of the machine: guest-physical RAM to copy into.
 */
export interface GuestMemory {
  /** RAM from guest-physical 0. */
  readonly ram: Uint8Array;
}

export function le16(b: Uint8Array, off: number): number {
  return b[off] | (b[off + 1] << 8);
}

export function le32(b: Uint8Array, off: number): number {
  return (b[off] | (b[off + 1] << 8) | (b[off + 2] << 16) | (b[off + 3] << 24)) >>> 0;
}

export function put16(b: Uint8Array, off: number, v: number): void {
  b[off] = v;
  b[off + 1] = v >>> 8;
}

export function put32(b: Uint8Array, off: number, v: number): void {
  b[off] = v;
  b[off + 1] = v >>> 8;
  b[off + 2] = v >>> 16;
  b[off + 3] = v >>> 24;
}
