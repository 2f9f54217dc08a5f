import type { HandlerTable } from "./table.js";

export function installBits(_t: HandlerTable): void {}
