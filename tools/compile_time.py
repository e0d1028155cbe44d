#!/usr/bin/env python3
"""Measures what including eap costs a translation unit, side by side in one run.

For the umbrella header, every entry header (include/eap/<area>.hpp) and, as the baseline,
the xtensor and xtensor-blas headers eap itself includes (read from include/eap/detail/), it
runs `-fsyntax-only` and records the CPU time (user + system) of the compiler. The
configurations are run round-robin, `--repeat` times each, so that load on a shared machine
hits all of them alike; the table gives the minimum and the median, and the ratio of each
minimum to the baseline's. `--examples` adds the full -O2 compile (no link) of every program
in examples/.

    tools/compile_time.py [--compiler g++] [--repeat 5] [--examples] [--root DIR] [--csv FILE]

`--root` measures another checkout of eap (e.g. an older commit in a git worktree) with the
same compiler and flags, for before/after comparisons.
"""
import argparse
import os
import pathlib
import re
import statistics
import subprocess
import sys
import tempfile

HERE = pathlib.Path(__file__).resolve().parent.parent


def cpu_seconds(command):
    """Runs `command`; returns the CPU time (user + system) of it and its children."""
    process = subprocess.Popen(command, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
    _, status, usage = os.wait4(process.pid, 0)
    stderr = process.stderr.read().decode(errors="replace")
    process.stderr.close()
    if os.waitstatus_to_exitcode(status) != 0:
        sys.exit(f"compile_time: {' '.join(command)} failed:\n{stderr}")
    return usage.ru_utime + usage.ru_stime


def dependency_includes(root):
    """The xtensor / xtensor-blas headers eap includes, in the order they appear."""
    found = []
    for header in sorted((root / "include" / "eap" / "detail").glob("*.hpp")):
        for line in header.read_text(encoding="utf-8").splitlines():
            m = re.match(r"\s*#\s*include\s*<(xtensor(?:-blas)?/[^>]+)>", line)
            if m and m.group(1) not in found:
                found.append(m.group(1))
    return found


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--compiler", default="g++")
    parser.add_argument("--std", default="c++17")
    parser.add_argument("--repeat", type=int, default=5)
    parser.add_argument("--examples", action="store_true", help="also time the -O2 compile of each example")
    parser.add_argument("--root", default=str(HERE), help="the eap checkout to measure")
    parser.add_argument("--csv", help="also write the table as CSV to this file")
    args = parser.parse_args()
    root = pathlib.Path(args.root).resolve()
    include = root / "include"
    flags = [f"-std={args.std}", "-DXTENSOR_USE_XSIMD", f"-I{include}"]

    work = pathlib.Path(tempfile.mkdtemp(prefix="eap_compile_time_"))
    configurations = []  # (label, command)
    baseline = work / "dependencies.cpp"
    baseline.write_text("".join(f"#include <{h}>\n" for h in dependency_includes(root)))
    configurations.append(("xtensor + xtensor-blas (what eap includes)",
                           [args.compiler, *flags, "-fsyntax-only", str(baseline)]))
    entries = ["eap.hpp"] + sorted(p.name for p in (include / "eap").glob("*.hpp")
                                   if p.name not in ("eap.hpp", "error.hpp", "version.hpp"))
    for entry in entries:
        tu = work / f"{entry.replace('.', '_')}.cpp"
        tu.write_text(f"#include <eap/{entry}>\n")
        configurations.append((f"eap/{entry}", [args.compiler, *flags, "-fsyntax-only", str(tu)]))
    if args.examples:
        for source in sorted((root / "examples").glob("*.cpp")):
            configurations.append((f"examples/{source.name} (-O2)",
                                   [args.compiler, *flags, f"-I{root / 'examples'}", "-O2",
                                    f'-DEAP_SOURCE_DIR="{root}"', "-c", str(source), "-o", str(work / "example.o")]))

    times = {label: [] for label, _ in configurations}
    for round_index in range(args.repeat):
        for label, command in configurations:
            times[label].append(cpu_seconds(command))
        print(f"round {round_index + 1}/{args.repeat} done", file=sys.stderr)

    base = min(times[configurations[0][0]])
    rows = [("configuration", "CPU s (min)", "CPU s (median)", "x baseline")]
    for label, _ in configurations:
        t = times[label]
        rows.append((label, f"{min(t):.2f}", f"{statistics.median(t):.2f}",
                     f"{min(t) / base:.2f}" if "(-O2)" not in label else ""))
    version = subprocess.run([args.compiler, "--version"], capture_output=True, text=True).stdout.splitlines()[0]
    print(f"{version}; -std={args.std}; {args.repeat} runs each, round-robin; root {root}")
    print("| " + " | ".join(rows[0]) + " |")
    print("|" + "---|" * len(rows[0]))
    for row in rows[1:]:
        print("| " + " | ".join(row) + " |")
    if args.csv:
        with open(args.csv + ".tmp", "w") as out:
            for row in rows:
                out.write(",".join(f'"{c}"' if "," in c else c for c in row) + "\n")
        os.replace(args.csv + ".tmp", args.csv)
    for p in work.iterdir():
        p.unlink()
    work.rmdir()


if __name__ == "__main__":
    main()
