#!/usr/bin/env bash
# The second opinion: run the bare-metal test kernels under bochs (see guests/tests/README.md).
#
#   scripts/bochs-transcript.sh NAME... | --all
#
# A kernel whose header says "; reference: bochs" (QEMU is known to deviate from the SDM
# there) gets its reference transcript guests/tests/expected/NAME.txt written from bochs, and
# NAME.status: the exit status QEMU gives a kernel that runs that way (2k+1 when the
# transcript ends with "== exit k ==", 0 when it stops without one: a triple fault), so that
# manifest.json means the same for every kernel (re-run scripts/qemu-transcript.sh to
# refresh the manifest).
# Every other kernel is compared with its committed (QEMU) transcript, and any disagreement
# is shown as a diff (exit 1). Bochs has no debug-exit device: the kernels end it through its
# "Shutdown" port (0x8900), and after a triple fault bochs resets, the kernel sees its
# start-up marker in RAM and shuts down without printing. Bochs needs a VGA ROM even with no
# display: a 2 KiB stub that is never entered is generated in a temporary directory.
set -euo pipefail
cd "$(dirname "$0")/.."
dir=guests/tests
exp="$dir/expected"
timeout_s="${BOCHS_TIMEOUT:-60}"
cpu_model="${BOCHS_CPU:-p2_klamath}"   # a P6: PSE, PGE, no PAE/NX needed by the kernels

usage() { echo "usage: $0 NAME... | --all" >&2; exit 2; }
field() { sed -n "s/^; $2: *//p" "$dir/$1.asm" | head -n 1; }
reference() { local r; r="$(field "$1" reference)"; echo "${r:-qemu}"; }

[[ $# -ge 1 ]] || usage
if [[ $1 == --all ]]; then
  [[ $# -eq 1 ]] || usage
  names=()
  for f in "$dir"/*.asm; do names+=("$(basename "$f" .asm)"); done
else
  names=("$@")
fi

work="$(mktemp -d)"
trap 'rm -rf "$work"' EXIT
# option-ROM stub: signature 55 AA, size 4 x 512 bytes, a RETF; the last byte makes the
# checksum 0 (bochs crashed on a bad one). The kernels never call it.
{ printf '\x55\xaa\x04\xcb'; head -c 2043 /dev/zero; printf '\x32'; } >"$work/vga.bin"
echo c >"$work/rc"                   # the debugger (compiled in) starts stopped: continue

fail=0
for name in "${names[@]}"; do
  img="$(realpath "$dir/build/$name.bin")"
  cat >"$work/bochsrc" <<RC
romimage: file=$img
vgaromimage: file=$work/vga.bin
megs: 16
cpu: model=$cpu_model
display_library: rfb, options="timeout=0"
vga: extension=none
pci: enabled=0
speaker: enabled=0
sound: waveoutdrv=dummy, waveindrv=dummy, midioutdrv=dummy
clock: sync=none, time0=1
port_e9_hack: enabled=1
log: $work/bochs.log
RC
  set +e
  timeout "$timeout_s" bochs -q -f "$work/bochsrc" -rc "$work/rc" </dev/null >"$work/stdout" 2>/dev/null
  st=$?
  set -e
  # stdout: banner, the debugger's first disassembly line "(0) [...", the port-0xE9 text,
  # and at the end the debugger's "(0).[...]" line -- or, after a triple fault, its
  # "Next at t=..." stop at the reset vector
  awk 'started && /^Next at t=/ { exit } started && !/^\(0\)\.\[/ { print } /^\(0\) \[/ { started = 1 }' \
    "$work/stdout" >"$work/$name.txt"
  if [[ $(reference "$name") == bochs ]]; then
    cp "$work/$name.txt" "$exp/$name.txt"
    if [[ $st -eq 124 ]]; then
      status=124
    elif code="$(tail -n 1 "$work/$name.txt" | sed -n 's/^== exit \([0-9a-f][0-9a-f]\) ==$/\1/p')" && [[ -n $code ]]; then
      status=$((2 * 16#$code + 1))
    else
      status=0
    fi
    echo "$status" >"$exp/$name.status"
    echo "$name: reference transcript written from bochs (status $status)"
  elif diff -u "$exp/$name.txt" "$work/$name.txt" >"$work/diff"; then
    echo "$name: bochs agrees"
  else
    echo "$name: bochs DISAGREES (bochs status $st)"
    sed 's/^/    /' "$work/diff"
    fail=1
  fi
done
exit "$fail"
