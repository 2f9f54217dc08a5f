/**
 * Flat binary images: read from a file, and checked against the RAM they
 * are loaded into. Every problem becomes one sentence for the user, never a
 * stack trace.
 */
import { closeSync, fstatSync, openSync, readSync } from "node:fs";

/** An image that cannot be loaded; `message` is meant for the user as it is. */
export class ImageError extends Error {}

/**
 * Why an image of `size` bytes cannot be placed at `load` in `ramBytes` of
 * RAM, or null when it fits.
 */
export function placementError(name: string, size: number, load: number, ramBytes: number): string | null {
  const mib = ramBytes / (1024 * 1024);
  if (size === 0) return `image '${name}' is empty`;
  if (load >= ramBytes) return `load address ${hex(load)} is outside RAM (${mib} MiB; see --mem)`;
  const room = ramBytes - load;
  if (size > room) {
    return `image '${name}' is ${size} bytes, but RAM above the load address ${hex(load)} holds only ${room} (--mem ${mib}); lower --load or raise --mem`;
  }
  return null;
}

/**
 * Read the image at `path` for loading at `load` into `ramBytes` of RAM.
 * The size is checked before anything is read, so a huge file costs nothing.
 */
export function readImage(path: string, load: number, ramBytes: number): Uint8Array {
  let fd: number;
  try {
    fd = openSync(path, "r");
  } catch (e) {
    throw new ImageError(`cannot open image '${path}': ${describe(e)}`);
  }
  try {
    const st = fstatSync(fd);
    if (st.isDirectory()) throw new ImageError(`cannot read image '${path}': it is a directory`);
    if (!st.isFile()) throw new ImageError(`cannot read image '${path}': not a regular file`);
    const problem = placementError(path, st.size, load, ramBytes);
    if (problem) throw new ImageError(problem);
    const bytes = new Uint8Array(st.size);
    let done = 0;
    while (done < bytes.length) {
      const n = readSync(fd, bytes, done, bytes.length - done, done);
      if (n === 0) throw new ImageError(`cannot read image '${path}': it shrank while being read`);
      done += n;
    }
    return bytes;
  } catch (e) {
    if (e instanceof ImageError) throw e;
    throw new ImageError(`cannot read image '${path}': ${describe(e)}`);
  } finally {
    closeSync(fd);
  }
}

function describe(e: unknown): string {
  const code = (e as NodeJS.ErrnoException).code;
  switch (code) {
    case "ENOENT":
      return "no such file";
    case "EACCES":
    case "EPERM":
      return "permission denied";
    case "EISDIR":
      return "it is a directory";
    default:
      return code ?? String(e);
  }
}

export function hex(v: number): string {
  return `0x${(v >>> 0).toString(16)}`;
}
