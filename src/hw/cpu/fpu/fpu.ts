/**
 * x87 FPU state. (The instruction semantics live beside it in this folder.)
 */
export class Fpu {
  /** Control word: all exceptions masked, 64-bit precision, round to nearest. */
  control = 0x037f;
  status = 0;
  /** Tag word, two bits per physical register (11 = empty). */
  tag = 0xffff;

  reset(): void {
    this.control = 0x037f;
    this.status = 0;
    this.tag = 0xffff;
  }
}
