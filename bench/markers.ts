/**
 * Finding marker lines in a console stream that arrives in chunks of any
 * size: a marker may be split across chunks, so the scanner keeps the tail
 * of what it has seen. Markers are looked for in order (the second only
 * after the first), so a marker word that happens to appear earlier — in
 * the kernel's echo of its command line, say — cannot end a run early.
 *
 * Text is handled as latin1, one character per byte, so a chunk boundary
 * inside a multi-byte character cannot corrupt the stream.
 */

/** How much console output the scanner keeps for error messages. */
const TAIL_CHARS = 2000;

export class MarkerScanner {
  private next = 0;
  /** Unsearched text: what may still hold the start of the next marker. */
  private pending = "";
  private recent = "";

  constructor(readonly markers: readonly string[]) {
    if (markers.some((m) => m.length === 0)) throw new Error("a console marker must not be empty");
  }

  /** Feeds one chunk; returns the markers this chunk completed, in order. */
  push(chunk: string): string[] {
    this.recent = (this.recent + chunk).slice(-TAIL_CHARS);
    if (this.done) return [];
    this.pending += chunk;
    const found: string[] = [];
    while (this.next < this.markers.length) {
      const marker = this.markers[this.next];
      const at = this.pending.indexOf(marker);
      if (at < 0) {
        // Keep only what could be the first part of the marker.
        this.pending = marker.length > 1 ? this.pending.slice(-(marker.length - 1)) : "";
        break;
      }
      found.push(marker);
      this.pending = this.pending.slice(at + marker.length);
      this.next++;
    }
    return found;
  }

  /** True once every marker has been seen. */
  get done(): boolean {
    return this.next === this.markers.length;
  }

  /** The marker still awaited, or null when done. */
  get awaiting(): string | null {
    return this.done ? null : this.markers[this.next];
  }

  /** The last non-empty console line seen (control characters dropped), for messages. */
  get lastLine(): string {
    const lines = this.recent.split(/\r?\n|\r/).map(printable);
    return lines.filter((l) => l.trim() !== "").at(-1) ?? "";
  }

  /** The last few thousand characters of output. */
  get tail(): string {
    return this.recent;
  }
}

/** A console line without terminal escape sequences (ESC [ ... letter) and other control characters. */
export function printable(line: string): string {
  let out = "";
  for (let k = 0; k < line.length; k++) {
    const c = line.charCodeAt(k);
    if (c === 0x1b && line[k + 1] === "[") {
      k += 2;
      while (k < line.length && !/[A-Za-z]/.test(line[k])) k++;
    } else if (c >= 0x20 && c !== 0x7f) out += line[k];
  }
  return out;
}
