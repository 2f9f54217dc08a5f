#!/usr/bin/env -S node --v8-pool-size=1
// --v8-pool-size=1: one V8 worker thread instead of four. Node's default
// pool puts four threads beside the main one on a two-core machine, and the
// compile jobs they run for the block compiler's WebAssembly take turns
// with the main thread: the Linux boot to the shell took 6.4-6.9 s with
// four, 5.8-6.3 with one (the benchmark runs its Node engines with the
// flags of this line: bench/host.ts nodeFlags).
// The CLI is TypeScript (src/cli/main.ts), compiled into dist/ by `npm ci` (prepare) or `npm run build`.
import { main } from "../dist/src/cli/main.js";

// A reader that goes away (`popek run linux | head`) ends the run quietly, as it does for other tools.
process.stdout.on("error", (e) => {
  if (e.code !== "EPIPE") throw e;
  process.exit(process.exitCode ?? 0);
});

process.exitCode = await main(process.argv);
