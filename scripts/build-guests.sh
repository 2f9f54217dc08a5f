#!/usr/bin/env bash
# Rebuild the nasm guests laid out as guests/NAME/NAME.asm -> guests/NAME/NAME.bin
# (flat images, or a whole ELF program written out in nasm, as forkwait is),
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
  # A guest that is an ELF program (forkwait, for the Linux guest) is executable.
  if [[ $(od -An -tx1 -N4 "${dest%/}/$name.bin" | tr -d ' \n') == 7f454c46 ]]; then chmod +x "${dest%/}/$name.bin"; fi
  echo "$src -> ${dest%/}/$name.bin"
done
