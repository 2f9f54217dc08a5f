#!/usr/bin/env node
// The CLI is TypeScript (src/cli/main.ts), compiled into dist/ by `npm ci` (prepare) or `npm run build`.
import { main } from "../dist/src/cli/main.js";

process.exitCode = await main(process.argv);
