#!/usr/bin/env bash
# Reference transcripts of the bare-metal test kernels from QEMU (see guests/tests/README.md).
#
#   scripts/qemu-transcript.sh NAME...          run guests/tests/build/NAME.bin under QEMU
#   scripts/qemu-transcript.sh --all            every kernel, and rewrite expected/manifest.json
#   scripts/qemu-transcript.sh --check [NAME...] regenerate into a temporary directory and diff
#                                               against the committed files (exit 1 on any change)
#
# For each kernel it writes guests/tests/expected/NAME.txt (the debug-console transcript) and
# NAME.status (QEMU's exit status: 1 = the kernel wrote 0 to the debug-exit port, 2k+1 = it
# wrote k, 0 = triple fault with -no-reboot, 124 = killed after the timeout). A kernel whose
# header says "; reference: bochs" (QEMU is known to deviate from the SDM there) has its
# reference NAME.txt/NAME.status from scripts/bochs-transcript.sh; QEMU's own output goes to
# NAME.qemu.txt/NAME.qemu.status instead, so that --check still covers it.
# manifest.json: {NAME: {status, area, reference}} with the reference's status.
set -euo pipefail
cd "$(dirname "$0")/.."
dir=guests/tests
exp="$dir/expected"
timeout_s=10
qemu="${QEMU:-qemu-system-i386}"

usage() { echo "usage: $0 NAME... | --all | --check [NAME...]" >&2; exit 2; }

# header field of a kernel source: "; area: ..." / "; reference: ..."
field() { sed -n "s/^; $2: *//p" "$dir/$1.asm" | head -n 1; }
reference() { local r; r="$(field "$1" reference)"; echo "${r:-qemu}"; }
# output file stem: NAME, or NAME.qemu when the reference is bochs
stem() { if [[ $(reference "$1") == bochs ]]; then echo "$1.qemu"; else echo "$1"; fi; }

all_names() { for f in "$dir"/*.asm; do basename "$f" .asm; done; }

# run_one NAME OUTDIR: transcript and status into OUTDIR
run_one() {
  local name="$1" out="$2" img="$dir/build/$1.bin" log st
  [[ -f $img ]] || { echo "$img: missing (run scripts/build-tests.sh)" >&2; exit 2; }
  log="$(mktemp)"
  set +e
  timeout "$timeout_s" "$qemu" -M isapc -accel tcg -bios "$img" -display none -m 16 \
    -debugcon "file:$log" -device isa-debug-exit,iobase=0xf4,iosize=4 -no-reboot \
    </dev/null >/dev/null 2>&1
  st=$?
  set -e
  cp "$log" "$out/$(stem "$name").txt"
  rm -f "$log"
  echo "$st" >"$out/$(stem "$name").status"
  echo "$name: exit status $st"
}

# manifest OUTDIR: {name: {status, area, reference}} from the reference .status files
# (QEMU's from OUTDIR, bochs' from the committed expected/ directory)
manifest() {
  local out="$1" first=1 name sfile
  {
    echo "{"
    for name in $(all_names); do
      [[ $first -eq 1 ]] || echo ","
      first=0
      sfile="$out/$name.status"
      [[ $(reference "$name") == bochs ]] && sfile="$exp/$name.status"
      printf '  "%s": { "status": %s, "area": "%s", "reference": "%s" }' \
        "$name" "$(head -n 1 "$sfile" 2>/dev/null || echo null)" "$(field "$name" area)" "$(reference "$name")"
    done
    echo
    echo "}"
  } >"$out/manifest.json"
}

[[ $# -ge 1 ]] || usage
case "$1" in
  --all)
    [[ $# -eq 1 ]] || usage
    mkdir -p "$exp"
    for name in $(all_names); do run_one "$name" "$exp"; done
    manifest "$exp"
    ;;
  --check)
    shift
    tmp="$(mktemp -d)"
    trap 'rm -rf "$tmp"' EXIT
    names=("$@")
    [[ ${#names[@]} -gt 0 ]] || mapfile -t names < <(all_names)
    fail=0
    for name in "${names[@]}"; do
      run_one "$name" "$tmp" >/dev/null
      for f in "$(stem "$name").txt" "$(stem "$name").status"; do
        if ! diff -u "$exp/$f" "$tmp/$f"; then
          echo "$name: $f differs from the committed reference" >&2
          fail=1
        fi
      done
    done
    if [[ $# -eq 0 ]]; then
      manifest "$tmp"
      diff -u "$exp/manifest.json" "$tmp/manifest.json" || { echo "manifest.json differs" >&2; fail=1; }
    fi
    [[ $fail -eq 0 ]] && echo "qemu-transcript: ${#names[@]} kernels match their committed transcripts"
    exit "$fail"
    ;;
  -*) usage ;;
  *)
    mkdir -p "$exp"
    for name in "$@"; do run_one "$name" "$exp"; done
    manifest "$exp"
    ;;
esac
