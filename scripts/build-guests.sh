#!/usr/bin/env bash
# Rebuild the nasm guests laid out as guests/NAME/NAME.asm -> guests/NAME/NAME.bin,
# or into OUTDIR/NAME.bin when an output directory is given (test/guests.test.ts
# builds into a temporary directory and compares with the committed images).
# The bare-metal test kernels in guests/tests/ have their own script, build-tests.sh.
#   scripts/build-guests.sh [OUTDIR]
set -euo pipefail
cd "$(dirname "$0")/.."
out="${1:-}"
for dir in guests/*/; do
  name="$(basename "$dir")"
  src="$dir$name.asm"
  [[ -e $src ]] || continue
  dest="${out:-$dir}"
  nasm -f bin -Werror -o "${dest%/}/$name.bin" "$src"
  echo "$src -> ${dest%/}/$name.bin"
done
