/**
 * Multiboot version 1 (the GNU Multiboot Specification 0.6.96): find the
 * header in the first 8 KiB, load an ELF32 image by its program headers or
 * an a.out-kludge image by the header's addresses, and build the multiboot
 * information structure with memory sizes, the command line, modules and a
 * memory map.
 */
import { pcE820 } from "./bzimage.js";
import { ImageError } from "./errors.js";
import { type GuestMemory, le16, le32, put32 } from "./guest-memory.js";

export const MULTIBOOT_MAGIC = 0x1badb002;
/** EAX at entry. */
export const MULTIBOOT_BOOTLOADER_MAGIC = 0x2badb002;

/** Where the information structure and everything it points to go. */
const INFO_ADDR = 0x9000;
const INFO_LIMIT = 0x9fc00;

export interface MultibootModule {
  data: Uint8Array;
  cmdline: string;
}

export interface MultibootLoad {
  entry: number;
  /** Physical address of the multiboot information structure (EBX at entry). */
  info: number;
  /** First byte past the loaded image (its bss included). */
  end: number;
  modules: { start: number; end: number; cmdline: string }[];
}

interface Header {
  offset: number;
  flags: number;
}

function findHeader(image: Uint8Array): Header | null {
  const limit = Math.min(image.length - 12, 8192 - 12);
  for (let off = 0; off <= limit; off += 4) {
    if (le32(image, off) !== MULTIBOOT_MAGIC) continue;
    const flags = le32(image, off + 4);
    if (((MULTIBOOT_MAGIC + flags + le32(image, off + 8)) & 0xffffffff) >>> 0 === 0) return { offset: off, flags };
  }
  return null;
}

/** True when `image` carries a valid multiboot v1 header. */
export function isMultiboot(image: Uint8Array): boolean {
  return findHeader(image) !== null;
}

export function loadMultiboot(mem: GuestMemory, image: Uint8Array, cmdline: string, modules: MultibootModule[] = []): MultibootLoad {
  const hdr = findHeader(image);
  if (!hdr) throw new ImageError("no multiboot header (magic 0x1BADB002 with a valid checksum) in the first 8 KiB of the image");
  // Bits 0–15 are requirements; we satisfy 0 (page-aligned modules) and 1 (memory info); 2 (video) is ignored as allowed.
  const unknown = hdr.flags & 0xfff8;
  if (unknown) throw new ImageError(`multiboot header requires features popek does not provide (flags 0x${unknown.toString(16)})`);
  const ram = mem.ram;
  const { entry, end } = hdr.flags & 0x10000 ? loadAout(ram, image, hdr) : loadElf(ram, image);

  // Information structure, then the strings, module list and memory map after it.
  let cursor = INFO_ADDR + 88;
  const place = (bytes: Uint8Array, align = 4): number => {
    cursor = Math.ceil(cursor / align) * align;
    if (cursor + bytes.length > INFO_LIMIT) throw new ImageError("multiboot command lines and module list do not fit below 640 KiB");
    ram.set(bytes, cursor);
    const at = cursor;
    cursor += bytes.length;
    return at;
  };
  const cstr = (s: string): number => place(new TextEncoder().encode(`${s}\0`), 1);

  ram.fill(0, INFO_ADDR, INFO_ADDR + 88);
  let flags = 0x1 | 0x4 | 0x40; // mem_*, cmdline, mmap
  put32(ram, INFO_ADDR + 4, 640); // mem_lower (KiB)
  put32(ram, INFO_ADDR + 8, (ram.length - 0x100000) >> 10); // mem_upper (KiB above 1 MiB)
  put32(ram, INFO_ADDR + 16, cstr(cmdline));

  // Modules: page aligned, after the image.
  let modAddr = Math.ceil(end / 4096) * 4096;
  const placed: MultibootLoad["modules"] = [];
  for (const m of modules) {
    if (modAddr + m.data.length > ram.length) throw new ImageError(`multiboot module "${m.cmdline}" does not fit in guest memory`);
    ram.set(m.data, modAddr);
    placed.push({ start: modAddr, end: modAddr + m.data.length, cmdline: m.cmdline });
    modAddr = Math.ceil((modAddr + m.data.length) / 4096) * 4096;
  }
  if (modules.length) {
    const list = new Uint8Array(16 * placed.length);
    placed.forEach((p, k) => {
      put32(list, k * 16, p.start);
      put32(list, k * 16 + 4, p.end);
      put32(list, k * 16 + 8, cstr(p.cmdline));
    });
    put32(ram, INFO_ADDR + 20, placed.length);
    put32(ram, INFO_ADDR + 24, place(list));
    flags |= 0x8;
  }

  // Memory map: entries of {size = 20, base u64, length u64, type}.
  const e820 = pcE820(ram.length);
  const mmap = new Uint8Array(24 * e820.length);
  e820.forEach((e, k) => {
    put32(mmap, k * 24, 20);
    put32(mmap, k * 24 + 4, e.addr);
    put32(mmap, k * 24 + 12, e.size);
    put32(mmap, k * 24 + 20, e.type);
  });
  put32(ram, INFO_ADDR + 44, mmap.length);
  put32(ram, INFO_ADDR + 48, place(mmap));
  put32(ram, INFO_ADDR, flags);
  return { entry, info: INFO_ADDR, end: placed.length ? modAddr : end, modules: placed };
}

function loadAout(ram: Uint8Array, image: Uint8Array, hdr: Header): { entry: number; end: number } {
  const h = hdr.offset;
  if (image.length < h + 32) throw new ImageError("multiboot a.out header is truncated");
  const headerAddr = le32(image, h + 12);
  const loadAddr = le32(image, h + 16);
  const loadEnd = le32(image, h + 20) || loadAddr + (image.length - (h - (headerAddr - loadAddr)));
  const bssEnd = le32(image, h + 24);
  const entry = le32(image, h + 28);
  const fileOff = h - (headerAddr - loadAddr);
  if (fileOff < 0 || loadEnd < loadAddr)
    throw new ImageError("multiboot a.out addresses are inconsistent (header_addr/load_addr/load_end_addr)");
  const size = loadEnd - loadAddr;
  if (fileOff + size > image.length)
    throw new ImageError(`multiboot image truncated: header says ${size} bytes to load, file has ${image.length - fileOff}`);
  const end = Math.max(loadEnd, bssEnd);
  checkFits(ram, loadAddr, end);
  ram.set(image.subarray(fileOff, fileOff + size), loadAddr);
  if (bssEnd > loadEnd) ram.fill(0, loadEnd, bssEnd);
  return { entry, end };
}

function loadElf(ram: Uint8Array, image: Uint8Array): { entry: number; end: number } {
  if (image.length < 52 || le32(image, 0) !== 0x464c457f)
    throw new ImageError("multiboot image is neither ELF nor marked a.out (header flag 16)");
  if (image[4] !== 1 || image[5] !== 1) throw new ImageError("multiboot ELF image must be 32-bit little-endian (ELFCLASS32, ELFDATA2LSB)");
  if (le16(image, 18) !== 3) throw new ImageError(`multiboot ELF image is for machine ${le16(image, 18)}, not i386 (3)`);
  const entry = le32(image, 24);
  const phoff = le32(image, 28);
  const phentsize = le16(image, 42);
  const phnum = le16(image, 44);
  if (phoff + phnum * phentsize > image.length) throw new ImageError("multiboot ELF program headers lie past the end of the file");
  let end = 0;
  let loaded = 0;
  for (let k = 0; k < phnum; k++) {
    const p = phoff + k * phentsize;
    if (le32(image, p) !== 1) continue; // PT_LOAD only
    const offset = le32(image, p + 4);
    const paddr = le32(image, p + 12);
    const filesz = le32(image, p + 16);
    const memsz = le32(image, p + 20);
    if (offset + filesz > image.length)
      throw new ImageError(`multiboot ELF segment ${k} is truncated (needs ${offset + filesz} bytes, file has ${image.length})`);
    checkFits(ram, paddr, paddr + memsz);
    ram.set(image.subarray(offset, offset + filesz), paddr);
    ram.fill(0, paddr + filesz, paddr + memsz);
    end = Math.max(end, paddr + memsz);
    loaded++;
  }
  if (!loaded) throw new ImageError("multiboot ELF image has no loadable (PT_LOAD) segment");
  return { entry, end };
}

function checkFits(ram: Uint8Array, start: number, end: number): void {
  if (end > ram.length)
    throw new ImageError(`image loads up to 0x${end.toString(16)} but the guest has only ${ram.length >> 20} MiB of memory`);
  // Low memory holds the information structure and the 640 KiB–1 MiB hole.
  if (start < 0x100000 && end > INFO_ADDR) {
    throw new ImageError(
      `image loads at 0x${start.toString(16)}–0x${end.toString(16)}, overlapping low memory that popek reserves (0x${INFO_ADDR.toString(16)}–0xfffff)`,
    );
  }
}
