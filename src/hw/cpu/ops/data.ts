import type { HandlerTable } from "./table.js";

export function installData(_t: HandlerTable): void {}
