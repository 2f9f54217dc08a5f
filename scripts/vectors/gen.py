#!/usr/bin/python3
"""Generate popek's instruction conformance vectors with Unicorn (QEMU's x86 core).

    /usr/bin/python3 scripts/vectors/gen.py                # everything -> test/vectors/
    /usr/bin/python3 scripts/vectors/gen.py --sample 3     # 3 cases per form -> a temp dir
    /usr/bin/python3 scripts/vectors/gen.py --sample 3 --check   # ...and compare with test/vectors/
    /usr/bin/python3 scripts/vectors/gen.py --family shift --form rcl_ --out /tmp/v
    /usr/bin/python3 scripts/vectors/gen.py --list

Needs Debian's python3-unicorn (Unicorn 2.0.1), hence /usr/bin/python3.
Output: one gzip-compressed JSON-lines file per family; the format is
described in README.md. Every case has its own seed (form id + index), so
the output is identical on every run and a sample reproduces the first
cases of each form exactly.
"""

from __future__ import annotations

import argparse
import gzip
import json
from concurrent.futures import ProcessPoolExecutor
import multiprocessing
import os
import random
import sys
import tempfile
import time
from collections import defaultdict

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))

from builder import ALL_FLAGS, SEG_BASE, SEL16, SEL32, Case, GenError  # noqa: E402
from emu import RAM, Emu, runs  # noqa: E402
from forms import Form, all_forms  # noqa: E402

ROOT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
MARGIN = 2  # random bytes kept around every accessed byte
ATTEMPTS = 12

_emus: dict[tuple[int, bool], Emu] = {}


def emu(mode: int, hooks: bool) -> Emu:
    if (mode, hooks) not in _emus:
        _emus[mode, hooks] = Emu(mode, hooks)
    return _emus[mode, hooks]


class Disagreement(Exception):
    """Unicorn's outcome contradicts what the form expects (logged, case dropped)."""


def check_accesses(case: Case, code_len: int, out) -> None:
    """Every data access must stay inside one segment's 64 KiB block and off the code."""
    for addr, size in out.reads + out.writes:
        block = addr >> 16
        if not (block == 0 or (block & 1 and block <= 9)) or (addr & 0xFFFF) + size > 0x10000:
            raise GenError(f"access {addr:#x}/{size} outside the segment blocks")
        if addr < case.code_addr + code_len and case.code_addr < addr + size:
            raise GenError(f"access {addr:#x}/{size} overlaps the code")


def execute(form: Form, case: Case) -> dict:
    code = case.code()
    e = emu(form.mode, True)
    windows = dict(case.plant)
    rng = case.rng
    for _ in range(8):
        out = e.run(code, case.code_addr, case.regs, case.eflags, windows, case.steps, case.rep, case.fpu)
        if out.error:
            if not (out.error == "fetch-unmapped" and case.control and out.exc is None):
                raise GenError(f"unicorn: {out.error}")
        # Every accessed byte, and MARGIN bytes around it, gets a defined
        # (random unless planted) value.
        wanted = set()
        for addr, size in out.reads + out.writes:
            wanted.update(range(max(0, addr - MARGIN), min(RAM, addr + size + MARGIN)))
        missing = sorted(a for a in wanted if a not in windows)
        if not missing:
            break
        for a in missing:
            windows[a] = rng.getrandbits(8)
    else:
        raise GenError("memory windows did not converge")
    if case.rep and out.exc is None and out.eip == case.code_addr:
        raise GenError("repeated instruction did not finish")
    check_accesses(case, len(code), out)
    # The outcome comes from a run without memory hooks (see emu.py); the
    # probe told us which bytes are written.
    probe = out
    out = emu(form.mode, False).run(code, case.code_addr, case.regs, case.eflags, windows, case.steps, case.rep, case.fpu, watch=sorted(windows))
    if out.error and not (out.error == "fetch-unmapped" and case.control and out.exc is None):
        raise GenError(f"unicorn: {out.error}")
    if out.exc != probe.exc:
        raise GenError(f"exception {out.exc} without hooks, {probe.exc} with")
    written = {a: b for a, b in out.written.items() if a in probe.written or b != windows[a]}
    for a in written:
        if a not in probe.written:
            raise GenError(f"byte {a:#x} changed but the probe saw no write")
    out.written = written
    if case.expect_exc is not None and out.exc != case.expect_exc:
        raise Disagreement(f"expected exception {case.expect_exc}, unicorn gave {out.exc}: {code.hex()}")
    if out.exc is not None and out.exc != case.expect_exc and out.exc not in form.allow_exc:
        raise Disagreement(f"unexpected exception {out.exc}: {code.hex()}")
    for addr in windows:
        if case.code_addr <= addr < case.code_addr + len(code):
            raise GenError("window overlaps the code")

    sels = SEL16 if form.mode == 16 else SEL32
    v: dict = {
        "mode": form.mode,
        "code": code.hex(),
        "eip": case.code_addr,
        "regs": case.regs,
        "eflags": case.eflags,
        "seg": sels,
        "segBase": SEG_BASE,
        "mem": [[a, d.hex()] for a, d in runs(windows)],
    }
    if case.steps != 1:
        v["steps"] = case.steps
    if case.rep:
        v["rep"] = True
    if case.fpu:
        v["fninit"] = True
    exc = out.exc
    v["flagsMask"] = ALL_FLAGS if exc is not None else case.flags_mask
    if exc is None and any(m != 0xFFFFFFFF for m in case.regs_mask):
        v["regsMask"] = case.regs_mask
    if exc is None and case.mem_skip:
        v["memSkip"] = [[a, n] for a, n in case.mem_skip]
    expect: dict = {"regs": out.regs, "eip": out.eip, "eflags": out.eflags, "mem": [[a, d.hex()] for a, d in runs(out.written)]}
    if out.segs != sels:
        expect["seg"] = out.segs
    if exc is not None:
        expect["exception"] = exc
    v["expect"] = expect
    return v


def gen_form(args: tuple[int, int]) -> tuple[str, list[str], list[str]]:
    # Forms hold closures, which do not pickle: workers (forked) find them by index.
    index, count = args
    form = all_forms()[index]
    lines: list[str] = []
    problems: list[str] = []
    for i in range(count):
        for attempt in range(ATTEMPTS):
            rng = random.Random(f"{form.id}#{i}#{attempt}")
            case = Case(rng, form.mode)
            try:
                form.build(case)
                v = execute(form, case)
            except GenError as e:
                if attempt == ATTEMPTS - 1:
                    problems.append(f"{form.id}#{i}: gave up: {e}")
                continue
            except Disagreement as e:
                problems.append(f"{form.id}#{i}: {e}")
                break
            lines.append(json.dumps({"name": f"{form.id}#{i}", **v}, separators=(",", ":")))
            break
    return form.id, lines, problems


def write_gz(path: str, lines: list[str]) -> int:
    data = gzip.compress(("\n".join(lines) + "\n").encode(), compresslevel=9, mtime=0)
    with open(path, "wb") as f:
        f.write(data)
    return len(data)


def read_committed(path: str) -> dict[str, list[str]]:
    by_form: dict[str, list[str]] = defaultdict(list)
    with gzip.open(path, "rt") as f:
        for line in f:
            line = line.rstrip("\n")
            if line:
                by_form[json.loads(line)["name"].split("#")[0]].append(line)
    return by_form


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--out", help="output directory (default: test/vectors, or a temp dir with --sample)")
    ap.add_argument("--sample", type=int, help="generate only the first N cases of every form")
    ap.add_argument("--check", action="store_true", help="with --sample: compare with the committed vectors")
    ap.add_argument("--family", action="append", help="only these families")
    ap.add_argument("--form", help="only forms whose id contains this string")
    ap.add_argument("--jobs", type=int, default=os.cpu_count() or 1)
    ap.add_argument("--list", action="store_true", help="list the forms and their counts")
    a = ap.parse_args()

    forms = [f for f in all_forms() if (not a.family or f.family in a.family) and (not a.form or a.form in f.id)]
    if a.list:
        for f in forms:
            print(f"{f.family:8} {f.id:40} {f.count}")
        print(f"{len(forms)} forms, {sum(f.count for f in forms)} vectors")
        return 0
    out_dir = a.out or (tempfile.mkdtemp(prefix="popek-vectors-") if a.sample else os.path.join(ROOT, "test", "vectors"))
    os.makedirs(out_dir, exist_ok=True)
    families: dict[str, list[Form]] = defaultdict(list)
    for f in forms:
        families[f.family].append(f)

    t0 = time.time()
    all_problems: list[str] = []
    mismatches = 0
    with ProcessPoolExecutor(a.jobs, mp_context=multiprocessing.get_context("fork")) as pool:
        for fam, fl in families.items():
            index = {id(f): k for k, f in enumerate(all_forms())}
            work = [(index[id(f)], min(f.count, a.sample) if a.sample else f.count) for f in fl]
            lines: list[str] = []
            per_form: dict[str, list[str]] = {}
            for fid, ls, probs in pool.map(gen_form, work, chunksize=4):
                lines.extend(ls)
                per_form[fid] = ls
                all_problems.extend(probs)
            size = write_gz(os.path.join(out_dir, f"{fam}.jsonl.gz"), lines)
            print(f"{fam:8} {len(fl):5} forms {len(lines):7} vectors {size / 1e6:6.2f} MB  ({time.time() - t0:.0f}s)", flush=True)
            if a.check:
                committed = read_committed(os.path.join(ROOT, "test", "vectors", f"{fam}.jsonl.gz"))
                for fid, ls in per_form.items():
                    if committed.get(fid, [])[: len(ls)] != ls:
                        mismatches += 1
                        print(f"  MISMATCH with committed vectors: {fid}", flush=True)
    for p in all_problems:
        print("problem:", p, file=sys.stderr)
    print(f"output in {out_dir}; {len(all_problems)} problems")
    if a.check:
        print(f"check: {mismatches} forms differ from the committed vectors")
        return 1 if mismatches else 0
    return 0


if __name__ == "__main__":
    sys.exit(main())
