/**
 * Linux/x86 boot protocol, 32-bit entry (the kernel's Documentation/arch/
 * x86/boot.rst): parse and check the setup header, place the protected-mode
 * kernel at 1 MiB, the command line and the initrd, and build the "zero
 * page" (struct boot_params) with an e820 memory map. The real-mode setup
 * code is not run: we enter the kernel's 32-bit entry point directly, as
 * boot loaders that use the 32-bit protocol do.
 */
import { ImageError } from "./errors.js";
import { type GuestMemory, le16, le32, put16, put32 } from "./guest-memory.js";

/** Where we put things in guest-physical memory. */
export const BOOT_PARAMS_ADDR = 0x10000;
export const CMDLINE_ADDR = 0x20000;
export const KERNEL_ADDR = 0x100000;

const HDRS = 0x53726448; // "HdrS"

export interface SetupHeader {
  /** Boot protocol version, e.g. 0x020f for 2.15. */
  version: number;
  setupSects: number;
  loadflags: number;
  code32Start: number;
  initrdAddrMax: number;
  cmdlineSize: number;
  relocatable: boolean;
  kernelAlignment: number;
  /** Memory the kernel needs from where it decompresses itself. */
  initSize: number;
  /** Preferred (and, for a relocatable kernel, minimum) address it runs at. */
  prefAddress: number;
  /** Offset in the image of the protected-mode kernel. */
  kernelOffset: number;
  /** End of the setup header in the image (0x202 + the jump's byte). */
  headerEnd: number;
}

export interface E820Entry {
  addr: number;
  size: number;
  /** 1 usable RAM, 2 reserved. */
  type: 1 | 2;
}

export interface LinuxLoad {
  header: SetupHeader;
  /** Physical address of the 32-bit entry point. */
  entry: number;
  /** Physical address of boot_params (goes in ESI at entry). */
  bootParams: number;
  /** First byte past the memory the kernel uses while it decompresses and starts. */
  end: number;
  initrd: { addr: number; size: number } | null;
  e820: E820Entry[];
}

export function parseSetupHeader(image: Uint8Array): SetupHeader {
  if (image.length < 0x264) throw new ImageError(`kernel image is ${image.length} bytes: too short to be a bzImage`);
  if (le16(image, 0x1fe) !== 0xaa55) throw new ImageError("kernel image has no boot signature 0xAA55 at offset 0x1FE: not a bzImage");
  if (le32(image, 0x202) !== HDRS)
    throw new ImageError('kernel image has no "HdrS" setup header: boot protocol older than 2.00 or not a bzImage');
  const version = le16(image, 0x206);
  if (version < 0x0206) throw new ImageError(`boot protocol ${fmtVersion(version)} is too old: popek needs 2.06 or later`);
  const loadflags = image[0x211];
  if (!(loadflags & 1)) throw new ImageError("kernel is a zImage (loaded low): popek boots bzImages only");
  const setupSects = image[0x1f1] || 4;
  const kernelOffset = (setupSects + 1) * 512;
  if (kernelOffset >= image.length)
    throw new ImageError(`kernel image truncated: setup claims ${setupSects} sectors but the file is ${image.length} bytes`);
  return {
    version,
    setupSects,
    loadflags,
    code32Start: le32(image, 0x214),
    initrdAddrMax: le32(image, 0x22c),
    cmdlineSize: le32(image, 0x238),
    relocatable: image[0x234] !== 0,
    kernelAlignment: le32(image, 0x230),
    initSize: le32(image, 0x260),
    prefAddress: le32(image, 0x258),
    kernelOffset,
    headerEnd: 0x202 + image[0x201],
  };
}

function fmtVersion(v: number): string {
  return `${v >> 8}.${(v & 0xff).toString().padStart(2, "0")}`;
}

/** The PC memory map we report: low RAM, the 640K–1M hole, RAM above 1 MiB. */
export function pcE820(ramBytes: number): E820Entry[] {
  return [
    { addr: 0, size: 0x9fc00, type: 1 },
    { addr: 0x9fc00, size: 0x400, type: 2 },
    { addr: 0xf0000, size: 0x10000, type: 2 },
    { addr: 0x100000, size: ramBytes - 0x100000, type: 1 },
  ];
}

export function loadBzImage(mem: GuestMemory, image: Uint8Array, cmdline: string, initrd: Uint8Array | null): LinuxLoad {
  const hdr = parseSetupHeader(image);
  const ram = mem.ram;
  const kernel = image.subarray(hdr.kernelOffset);
  // A relocatable kernel decompresses itself to its load address rounded up
  // to kernel_alignment, but never below pref_address; it then needs
  // init_size bytes there.
  const runAt = hdr.relocatable ? Math.max(alignUp(KERNEL_ADDR, hdr.kernelAlignment || 1), hdr.prefAddress) : KERNEL_ADDR;
  const end = Math.max(KERNEL_ADDR + kernel.length, runAt + hdr.initSize);
  if (end > ram.length) {
    throw new ImageError(`kernel needs ${mib(end)} of memory below its end but the guest has ${mib(ram.length)}: give it more with --mem`);
  }
  ram.set(kernel, KERNEL_ADDR);

  const cmdBytes = new TextEncoder().encode(cmdline);
  const cmdMax = hdr.version >= 0x0206 ? hdr.cmdlineSize : 255;
  if (cmdBytes.length > cmdMax)
    throw new ImageError(`kernel command line is ${cmdBytes.length} bytes; this kernel accepts at most ${cmdMax}`);
  ram.fill(0, CMDLINE_ADDR, CMDLINE_ADDR + cmdBytes.length + 1);
  ram.set(cmdBytes, CMDLINE_ADDR);

  // The initrd goes as high as the kernel allows, page aligned.
  let initrdPlace: LinuxLoad["initrd"] = null;
  if (initrd) {
    const top = Math.min(ram.length, hdr.initrdAddrMax + 1);
    const addr = Math.floor((top - initrd.length) / 4096) * 4096;
    if (addr < end) {
      throw new ImageError(
        `initrd of ${mib(initrd.length)} does not fit between the kernel (ends at ${mib(end)}) and ${mib(top)}: give the guest more memory`,
      );
    }
    ram.set(initrd, addr);
    initrdPlace = { addr, size: initrd.length };
  }

  // The zero page: zeroed, then the setup header copied in at its own offset.
  const bp = BOOT_PARAMS_ADDR;
  ram.fill(0, bp, bp + 4096);
  ram.set(image.subarray(0x1f1, hdr.headerEnd), bp + 0x1f1);
  ram[bp + 0x210] = 0xff; // type_of_loader: undefined loader
  ram[bp + 0x211] = (hdr.loadflags & ~0x20) | 0x80; // not quiet; CAN_USE_HEAP
  put16(ram, bp + 0x224, 0xfe00); // heap_end_ptr (unused without real-mode setup)
  put32(ram, bp + 0x228, CMDLINE_ADDR);
  put32(ram, bp + 0x218, initrdPlace?.addr ?? 0);
  put32(ram, bp + 0x21c, initrdPlace?.size ?? 0);
  put32(ram, bp + 0x214, KERNEL_ADDR); // code32_start
  const e820 = pcE820(ram.length);
  ram[bp + 0x1e8] = e820.length;
  e820.forEach((e, k) => {
    const o = bp + 0x2d0 + k * 20;
    put32(ram, o, e.addr);
    put32(ram, o + 4, 0);
    put32(ram, o + 8, e.size);
    put32(ram, o + 12, 0);
    put32(ram, o + 16, e.type);
  });
  // Legacy memory sizes (KiB above 1 MiB), for kernels that look there.
  put16(ram, bp + 0x002, Math.min(0xffff, (ram.length - 0x100000) >> 10)); // screen_info.ext_mem_k
  put32(ram, bp + 0x1e0, (ram.length - 0x100000) >> 10); // alt_mem_k

  return { header: hdr, entry: KERNEL_ADDR, bootParams: bp, end, initrd: initrdPlace, e820 };
}

function alignUp(v: number, a: number): number {
  return Math.ceil(v / a) * a;
}

function mib(bytes: number): string {
  return `${(bytes / 1048576).toFixed(1)} MiB`;
}
