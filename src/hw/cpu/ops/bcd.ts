import type { HandlerTable } from "./table.js";

export function installBcd(_t: HandlerTable): void {}
