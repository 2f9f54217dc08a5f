/**
 * The software TLB's flushes (paging.ts): a CR3 load drops the non-global
 * entries and keeps the global ones, INVLPG drops one entry of either kind,
 * an entry that changes kind is flushed as its new kind, and all of it
 * still holds when more entries were filled than the flush lists track
 * (then a flush scans the whole TLB).
 *
 * Every page directory entry points at the same page table, so linear
 * page v maps through PTE v mod 1024. The test fills the TLB, rewrites
 * the PTEs to other frames and looks at which translations still give the
 * old frame: those were cached.
 */
import assert from "node:assert/strict";
import { test } from "node:test";
import { RamBus } from "../../../src/hw/cpu/bus.js";
import { Cpu, CR0_PG, CR4_PGE } from "../../../src/hw/cpu/cpu.js";
import { writeCr3 } from "../../../src/hw/cpu/ctrlregs.js";

const PD = 0x100000;
const PT = 0x101000;
/** Present, writable, accessed. */
const PTE = 0x1 | 0x2 | 0x20;
const D = 0x40;
const G = 0x100;

type SetPte = (n: number, frame: number, global: boolean, dirty?: boolean) => void;

function machine(pdes: number): { cpu: Cpu; setPte: SetPte } {
  const bus = new RamBus(4 << 20);
  const cpu = new Cpu(bus);
  cpu.enterFlat32(0);
  const view = new DataView(bus.ram.buffer, bus.ram.byteOffset);
  for (let i = 0; i < pdes; i++) view.setUint32(PD + 4 * i, PT | 0x1 | 0x2 | 0x20, true);
  const setPte: SetPte = (n, frame, global, dirty = true) =>
    view.setUint32(PT + 4 * n, (frame << 12) | PTE | (global ? G : 0) | (dirty ? D : 0), true);
  cpu.cr4 |= CR4_PGE;
  cpu.cr3 = PD;
  cpu.cr0 |= CR0_PG;
  return { cpu, setPte };
}

/** Frame of linear page `v` as the walker (and its TLB) translates it now. */
function frameOf(cpu: Cpu, v: number): number {
  return cpu.walker.translate(v << 12, false, false) >>> 12;
}

for (const pdes of [1, 20, 160]) {
  const pages = pdes * 1024;
  test(`CR3 loads drop exactly the non-global entries (${pages} linear pages filled)`, () => {
    const { cpu, setPte } = machine(pdes);
    // PTEs 0-511 global, 512-1023 not; frames 0x200 + n.
    for (let n = 0; n < 1024; n++) setPte(n, 0x200 + n, n < 512);
    for (let v = 0; v < pages; v++) assert.equal(frameOf(cpu, v), 0x200 + (v & 1023));
    // Other frames in the tables: only what the TLB no longer holds sees them.
    for (let n = 0; n < 1024; n++) setPte(n, 0x300 + (n & 0xff), n < 512);
    writeCr3(cpu, PD);
    for (let v = 0; v < pages; v++) {
      const n = v & 1023;
      assert.equal(frameOf(cpu, v), n < 512 ? 0x200 + n : 0x300 + (n & 0xff), `linear page ${v}`);
    }
    // A full flush (CR4.PGE cleared, as Linux does to drop global entries) drops the rest.
    cpu.walker.flush();
    for (let v = 0; v < pages; v += 97) assert.equal(frameOf(cpu, v), 0x300 + (v & 0xff));
  });
}

test("INVLPG drops one entry, and an entry refilled as the other kind is flushed as that kind", () => {
  const { cpu, setPte } = machine(1);
  setPte(5, 0x205, false);
  setPte(6, 0x206, true);
  assert.equal(frameOf(cpu, 5), 0x205);
  assert.equal(frameOf(cpu, 6), 0x206);
  // Page 5 becomes global, page 6 not; INVLPG makes the walker see it.
  setPte(5, 0x215, true);
  setPte(6, 0x216, false);
  cpu.walker.invalidate(5 << 12);
  cpu.walker.invalidate(6 << 12);
  assert.equal(frameOf(cpu, 5), 0x215);
  assert.equal(frameOf(cpu, 6), 0x216);
  setPte(5, 0x225, true);
  setPte(6, 0x226, false);
  writeCr3(cpu, PD);
  assert.equal(frameOf(cpu, 5), 0x215, "page 5 is global now: it survives the CR3 load");
  assert.equal(frameOf(cpu, 6), 0x226, "page 6 is not global now: it is walked again");
});

test("an entry refilled by a write walk as the other kind is flushed as that kind", () => {
  const { cpu, setPte } = machine(1);
  // Not dirty: a read caches the entry without write permission, so the first write walks again.
  setPte(8, 0x208, true, false);
  assert.equal(frameOf(cpu, 8), 0x208);
  // The PTE becomes non-global (and dirty); the write walks and refills the entry.
  setPte(8, 0x218, false);
  assert.equal(cpu.walker.translate(8 << 12, true, false) >>> 12, 0x218);
  setPte(8, 0x228, false);
  writeCr3(cpu, PD);
  assert.equal(frameOf(cpu, 8), 0x228, "the refilled entry is not global: the CR3 load drops it");
});
