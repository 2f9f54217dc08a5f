/**
 * The debug console at I/O port 0xE9 (Bochs's "port E9 hack", QEMU's
 * `-debugcon`): every byte the guest writes there is one byte of output.
 * A read returns 0xE9, so a guest can check that the console is present,
 * as under Bochs and QEMU.
 *
 * Output is buffered and handed to the sink in blocks: a guest printing a
 * character per OUT would otherwise cost one host write per byte.
 */

export const DEBUGCON_PORT = 0xe9;

/** Where console output goes (the CLI writes it to stdout; tests collect it). */
export type OutputSink = (bytes: Uint8Array) => void;

export class DebugConsole {
  private readonly buffer = new Uint8Array(4096);
  private used = 0;

  constructor(private readonly sink: OutputSink) {}

  /** OUT to the port: only the low byte is a character (wider writes reach 0xE9 with their low byte). */
  write(value: number): void {
    this.buffer[this.used++] = value;
    if (this.used === this.buffer.length) this.flush();
  }

  read(): number {
    return DEBUGCON_PORT;
  }

  /** Hand everything written so far to the sink. */
  flush(): void {
    if (this.used === 0) return;
    const bytes = this.buffer.slice(0, this.used);
    this.used = 0;
    this.sink(bytes);
  }
}
