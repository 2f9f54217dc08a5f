import type { HandlerTable } from "./table.js";

export function installMulDiv(_t: HandlerTable): void {}
