/**
 * Assembles the semantics table from the instruction families. Undefined
 * opcodes are #UD.
 */
import { CpuFault, Vec } from "../fault.js";
import { installFpu } from "../fpu/ops.js";
import { installAlu } from "./alu.js";
import { installBcd } from "./bcd.js";
import { installBits } from "./bits.js";
import { installControl } from "./control.js";
import { installData } from "./data.js";
import { installMulDiv } from "./muldiv.js";
import { installShift } from "./shift.js";
import { installStack } from "./stack.js";
import { installString } from "./string.js";
import { installSystem } from "./system.js";
import type { Handler, HandlerTable } from "./table.js";

function build(): Handler[] {
  const t: HandlerTable = new Array(512).fill(undefined);
  installAlu(t);
  installShift(t);
  installMulDiv(t);
  installBcd(t);
  installBits(t);
  installData(t);
  installStack(t);
  installControl(t);
  installString(t);
  installSystem(t);
  installFpu(t);
  const invalid: Handler = () => {
    throw new CpuFault(Vec.UD);
  };
  return t.map((h) => h ?? invalid);
}

export const HANDLERS: readonly Handler[] = build();
