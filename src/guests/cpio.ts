/**
 * cpio "newc" archives (the format the Linux kernel unpacks as initramfs:
 * Documentation/driver-api/early-userspace/buffer-format.rst). Entries are
 * written in the order given; timestamps are 0 so the archive is
 * reproducible.
 */

export interface CpioEntry {
  path: string;
  /** File type and permission bits, e.g. 0o100755 for an executable, 0o040755 a directory. */
  mode: number;
  data?: Uint8Array;
  /** Symbolic link target (mode must be 0o120xxx). */
  target?: string;
  /** Character/block device numbers. */
  rdevMajor?: number;
  rdevMinor?: number;
}

export const S_IFDIR = 0o040000;
export const S_IFREG = 0o100000;
export const S_IFLNK = 0o120000;
export const S_IFCHR = 0o020000;

function hex8(v: number): string {
  return (v >>> 0).toString(16).padStart(8, "0");
}

export function cpioNewc(entries: readonly CpioEntry[]): Uint8Array {
  const enc = new TextEncoder();
  const parts: Uint8Array[] = [];
  let size = 0;
  const push = (b: Uint8Array) => {
    parts.push(b);
    size += b.length;
  };
  const pad4 = () => {
    const n = (4 - (size % 4)) % 4;
    if (n) push(new Uint8Array(n));
  };
  let ino = 1;
  const all = [...entries, { path: "TRAILER!!!", mode: 0 }];
  for (const e of all) {
    const name = enc.encode(`${e.path}\0`);
    const body = e.target !== undefined ? enc.encode(e.target) : (e.data ?? new Uint8Array(0));
    const isTrailer = e.path === "TRAILER!!!";
    const fields = [
      isTrailer ? 0 : ino++,
      e.mode,
      0, // uid
      0, // gid
      (e.mode & 0o170000) === S_IFDIR ? 2 : 1, // nlink
      0, // mtime
      body.length,
      0, // dev major
      0, // dev minor
      e.rdevMajor ?? 0,
      e.rdevMinor ?? 0,
      name.length,
      0, // check
    ];
    push(enc.encode(`070701${fields.map(hex8).join("")}`));
    push(name);
    pad4();
    push(body);
    pad4();
  }
  const out = new Uint8Array(size);
  let o = 0;
  for (const p of parts) {
    out.set(p, o);
    o += p.length;
  }
  return out;
}
