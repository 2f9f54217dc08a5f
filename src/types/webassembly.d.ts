/**
 * The part of the WebAssembly JavaScript API popek uses. Node.js has it
 * all; TypeScript declares it only in the DOM library, which a Node.js
 * program should not pull in.
 */
declare namespace WebAssembly {
  interface MemoryDescriptor {
    initial: number;
    maximum?: number;
  }
  class Memory {
    constructor(descriptor: MemoryDescriptor);
    readonly buffer: ArrayBuffer;
  }
  class Module {
    constructor(bytes: Uint8Array);
  }
  interface TableDescriptor {
    element: "anyfunc";
    initial: number;
    maximum?: number;
  }
  class Table {
    constructor(descriptor: TableDescriptor);
    readonly length: number;
    grow(delta: number): number;
    get(index: number): unknown;
    set(index: number, value: unknown): void;
  }
  type ImportValue = ((...args: number[]) => number | undefined) | Memory | Table;
  type Imports = Record<string, Record<string, ImportValue>>;
  class Instance {
    constructor(module: Module, imports?: Imports);
    readonly exports: Record<string, unknown>;
  }
  class CompileError extends Error {}
}
