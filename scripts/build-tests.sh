#!/usr/bin/env bash
# Assemble the bare-metal test kernels: guests/tests/NAME.asm -> guests/tests/build/NAME.bin,
# each a 64 KiB ROM image entered at the reset vector (see guests/tests/README.md).
# nasm output depends only on the sources, so the committed images are reproducible:
#   scripts/build-tests.sh           rebuild guests/tests/build/
#   scripts/build-tests.sh --check   build into a temporary directory and compare with the
#                                    committed images (exit 1 on any difference)
set -euo pipefail
cd "$(dirname "$0")/.."
dir=guests/tests
mode=build
case "${1:-}" in
  "") ;;
  --check) mode=check ;;
  *) echo "usage: $0 [--check]" >&2; exit 2 ;;
esac

if [[ $mode == check ]]; then
  out="$(mktemp -d)"
  trap 'rm -rf "$out"' EXIT
else
  out="$dir/build"
  mkdir -p "$out"
fi

fail=0
for src in "$dir"/*.asm; do
  name="$(basename "$src" .asm)"
  nasm -f bin -Werror -I "$dir/" -o "$out/$name.bin" "$src"
  size="$(stat -c %s "$out/$name.bin")"
  if [[ $size -ne 65536 ]]; then
    echo "$name.bin: $size bytes, want 65536" >&2
    fail=1
  fi
  if [[ $mode == check ]]; then
    if ! cmp -s "$out/$name.bin" "$dir/build/$name.bin"; then
      echo "$name.bin: differs from the committed image (run scripts/build-tests.sh)" >&2
      fail=1
    fi
  else
    echo "$src -> $out/$name.bin"
  fi
done
if [[ $mode == check ]]; then
  for bin in "$dir"/build/*.bin; do
    [[ -e $bin ]] || continue
    name="$(basename "$bin" .bin)"
    if [[ ! -e $dir/$name.asm ]]; then
      echo "$bin: no source $dir/$name.asm" >&2
      fail=1
    fi
  done
  [[ $fail -eq 0 ]] && echo "build-tests: all images up to date"
fi
exit "$fail"
