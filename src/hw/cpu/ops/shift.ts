import type { HandlerTable } from "./table.js";

export function installShift(_t: HandlerTable): void {}
