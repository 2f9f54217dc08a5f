/**
 * The WebAssembly forms of the block compiler against the interpreter:
 * rotates whose CF and OF are dead or read, BSWAP, MOVSX, IMUL with an
 * immediate or a memory source, SETcc and CMOVcc, PUSH of an immediate and
 * of memory and of registers, byte and word stores of an immediate, the NOPs, 8-bit ALU
 * operations on memory, LOCK-prefixed ones, ADC/SBB from memory, XADD,
 * CMPXCHG (equal and not), TEST of memory, and LODS,
 * STOS, MOVS and SCAS one element at a time with DF clear and set, at
 * aligned and unaligned addresses (the second takes the handler). Three
 * passes over the code, with EDI starting at 0x8101, 0x8100 and 0x8104;
 * the compiler compiles at once or from the second pass. Registers, EFLAGS,
 * cycles and the data must be exactly the interpreter's.
 *
 * The code (nasm, bits 32, org 0x1000; data at 0x8000, results stored at 0x8200):
 *   mov eax, 0x12345678
 *   mov ebx, 0x9abcdef0
 *   rol eax, 13
 *   add eax, ebx
 *   mov [0x8200], eax
 *   ror ebx, 7
 *   adc eax, ebx
 *   mov [0x8204], eax
 *   mov cl, 37
 *   rol edx, cl
 *   ror edx, 1
 *   sub edx, eax
 *   mov [0x8208], edx
 *   rol eax, 1
 *   rcr eax, 1
 *   ror ecx, 3
 *   mov [0x820c], ecx
 *   bswap eax
 *   mov [0x8210], eax
 *   movsx ebx, al
 *   movsx ecx, ah
 *   movsx edx, word [0x8000]
 *   movsx esi, byte [0x8003]
 *   movsx edi, bx
 *   mov [0x8214], ebx
 *   mov [0x8218], ecx
 *   mov [0x821c], edx
 *   mov [0x8220], esi
 *   mov [0x8224], edi
 *   imul ebx, ecx, 0xcccccccd
 *   imul edx, [0x8004], -3
 *   imul esi, [0x8008]
 *   mov [0x8228], ebx
 *   mov [0x822c], edx
 *   mov [0x8230], esi
 *   xor eax, ebx
 *   cmp eax, edx
 *   setl bl
 *   setb bh
 *   seta byte [0x8010]
 *   cmovg ecx, [0x8004]
 *   cmovbe esi, [0x8008]
 *   mov [0x8234], ebx
 *   mov [0x8238], ecx
 *   mov [0x823c], esi
 *   push 0x11223344
 *   push -5
 *   push dword [0x8000]
 *   push dword [esp+4]
 *   mov byte [0x8020], 0x5a
 *   mov word [0x8022], 0xbeef
 *   nop
 *   pause
 *   nop dword [eax+eax]
 *   mov esi, 0x8000
 *   mov edi, [0x8030]
 *   lodsb
 *   mov [0x8240], eax
 *   lodsd
 *   mov [0x8244], eax
 *   stosb
 *   stosd
 *   movsb
 *   movsw
 *   movsd
 *   scasb
 *   setz dl
 *   scasd
 *   seta dh
 *   mov al, [0x8011]
 *   scasb
 *   jne .skip
 *   inc ebp
 *   .skip:  std
 *   lodsw
 *   stosw
 *   movsd
 *   scasw
 *   setl bl
 *   scasd
 *   cld
 *   mov [0x8248], esi
 *   mov [0x824c], edi
 *   mov [0x8250], edx
 *   mov [0x8254], ebx
 *   or byte [0x8060], 0x81
 *   and byte [0x8061], 0xfe
 *   add byte [0x8062], bl
 *   lock sub byte [0x8063], dh
 *   xor byte [0x8064], 0x5a
 *   cmp byte [0x8065], cl
 *   setb [0x8258]
 *   lock add dword [0x8068], ebx
 *   lock inc dword [0x806c]
 *   mov [0x8259], cl
 *   stc
 *   adc ecx, [0x8070]
 *   sbb edx, [0x8074]
 *   mov [0x825c], ecx
 *   mov [0x8260], edx
 *   lock xadd [0x8078], ecx
 *   mov [0x8264], ecx
 *   mov eax, [0x807c]
 *   lock cmpxchg [0x807c], ebx
 *   setz [0x8268]
 *   cmpxchg [0x8080], edx
 *   setz [0x8269]
 *   mov [0x826c], eax
 *   mov dword [0x8084], 0x80000000
 *   test dword [0x8084], 0x80000001
 *   setnz [0x8270]
 *   sets [0x8272]
 *   test [0x8088], esi
 *   sets [0x8271]
 *   push ecx
 *   push edx
 *   pop eax
 *   mov [0x8274], eax
 *   pop ebx
 *   mov [0x8278], ebx
 *   add eax, 0x01010101
 *   hlt
 */
import assert from "node:assert/strict";
import { test } from "node:test";
import { RamBus } from "../../../src/hw/cpu/bus.js";
import { Cpu } from "../../../src/hw/cpu/cpu.js";
import type { Engine } from "../../../src/hw/cpu/engine.js";
import { Interpreter } from "../../../src/hw/cpu/interpreter.js";
import { BLOCK_ENGINES } from "../../support/block-engines.js";
import { rng } from "../../support/cpu-env.js";

const CODE = Buffer.from(
  "b878563412bbf0debc9ac1c00d01d8a300820000c1cb0711d8a304820000b125d3c2d1ca29c2891508820000d1c0d1d8" +
    "c1c903890d0c8200000fc8a3108200000fbed80fbecc0fbf15008000000fbe35038000000fbffb891d14820000890d18" +
    "82000089151c820000893520820000893d2482000069d9cdcccccc6b1504800000fd0faf3508800000891d2882000089" +
    "152c82000089353082000031d839d00f9cc30f92c70f9705108000000f4f0d048000000f463508800000891d34820000" +
    "890d3882000089353c82000068443322116afbff3500800000ff742404c605208000005a66c70522800000efbe90f390" +
    "0f1f0400be008000008b3d30800000aca340820000ada344820000aaaba466a5a5ae0f94c2af0f97c6a011800000ae75" +
    "0145fd66ad66aba566af0f9cc3affc893548820000893d4c820000891550820000891d54820000800d60800000818025" +
    "61800000fe001d62800000f02835638000008035648000005a380d658000000f920558820000f0011d68800000f0ff05" +
    "6c800000880d59820000f9130d708000001b1574800000890d5c820000891560820000f00fc10d78800000890d648200" +
    "00a17c800000f00fb11d7c8000000f9405688200000fb115808000000f940569820000a36c820000c705848000000000" +
    "0080f70584800000010000800f9505708200000f9805728200008535888000000f980571820000515258a3748200005b" +
    "891d788200000501010101f4",
  "hex",
);
const DATA = 0x8000;
const EDI_STARTS = [0x8101, 0x8100, 0x8104];

function run(makeEngine: (cpu: Cpu) => Engine): string {
  const bus = new RamBus(1 << 20);
  const next = rng(7);
  for (let a = DATA; a < DATA + 0x400; a++) bus.ram[a] = next() & 0xff;
  bus.ram.set(CODE, 0x1000);
  const cpu = new Cpu(bus);
  cpu.enterFlat32(0x1000);
  cpu.regs[4] = 0x7000;
  const engine = makeEngine(cpu);
  const passes: string[] = [];
  for (const edi of EDI_STARTS) {
    new DataView(bus.ram.buffer, bus.ram.byteOffset).setUint32(DATA + 0x30, edi, true);
    cpu.halted = false;
    cpu.eip = 0x1000;
    const exit = engine.run(1_000_000);
    assert.equal(exit.kind, "halted");
    let hash = 0;
    for (let a = DATA; a < DATA + 0x400; a++) hash = (Math.imul(hash, 31) + bus.ram[a]) | 0;
    passes.push(JSON.stringify({ regs: [...cpu.regs], eflags: cpu.eflags, cycles: cpu.cycles, instructions: cpu.instructions, hash }));
  }
  return passes.join("\n");
}

test("the compiler's inline forms leave exactly the interpreter's registers, flags, cycles and memory", () => {
  const reference = run((cpu) => new Interpreter(cpu));
  for (const [name, engine] of BLOCK_ENGINES) assert.equal(run(engine), reference, name);
});
