#!/usr/bin/env python3
"""Checks that every folder of include/eap/ includes only folders below it.

The order, lowest first, is LAYERS below (the README's layout section shows the same list).
A header may include headers of its own folder and of any folder earlier in the list; any
other `#include "eap/..."` is an edge against the order and is reported with file and line.
Top-level headers other than the base ones (error.hpp, version.hpp) are entry headers: they
only gather the headers of their area and may include anything. Every folder must appear in
the list, so a new folder has to be placed before it can be used.

Usage: tools/check_layering.py [--root include/eap]   (exit 1 on any violation)
"""
import argparse
import pathlib
import re
import sys

# Lowest first. "base" is include/eap/*.hpp that the whole library uses (error, version).
LAYERS = [
    "base",        # error.hpp, version.hpp
    "detail",      # generic internals: checked arithmetic, random numbers, BLAS/LAPACK, xtensor
    "io",          # files: atomic writes, npy and IDX tensors
    "chart",       # SVG charts and the CSV behind them
    "hardware",    # accelerators as types and their runtime mirror
    "shape",       # CONV/FC and pooling shapes
    "network",     # layer graphs, the network text format, graph queries
    "zoo",         # the networks eap ships
    "data",        # labelled image sets (Fashion-MNIST)
    "sparse",      # exact sparsity of real tensors
    "mapping",     # row-stationary mappings, their access counts and search
    "energy",      # energy from access counts and sparsity
    "report",      # tables, CSV, JSON and charts of energies
    "engine",      # the CNN engine: forward, backward, training, model files
    "measure",     # what a model costs and scores: activation densities, energy, summaries
    "prune",       # the pruning solvers and the energy-aware loop
    "experiment",  # the main job's experiment: data split, training recipe, method comparison
]
BASE_HEADERS = {"error.hpp", "version.hpp"}
INCLUDE = re.compile(r'^\s*#\s*include\s*[<"]eap/([^">]+)[">]')


def folder_of(relative):
    parts = relative.split("/")
    if len(parts) == 1:
        return "base" if parts[0] in BASE_HEADERS else None  # None: an entry header
    return parts[0]


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--root", default=str(pathlib.Path(__file__).resolve().parent.parent / "include" / "eap"))
    root = pathlib.Path(parser.parse_args().root)
    rank = {name: i for i, name in enumerate(LAYERS)}
    problems = []
    headers = sorted(root.rglob("*.hpp"))
    for path in headers:
        relative = path.relative_to(root).as_posix()
        source = folder_of(relative)
        if source is None:
            continue
        if source not in rank:
            problems.append(f"{relative}: folder '{source}' is not in the layer order; add it to LAYERS "
                            "in tools/check_layering.py and to the README's layout section")
            continue
        for number, line in enumerate(path.read_text(encoding="utf-8").splitlines(), 1):
            m = INCLUDE.match(line)
            if not m:
                continue
            target = folder_of(m.group(1))
            if target is None:
                problems.append(f"{relative}:{number}: includes the entry header eap/{m.group(1)}; "
                                "include the headers it gathers instead")
            elif target not in rank:
                problems.append(f"{relative}:{number}: includes eap/{m.group(1)} from folder '{target}', "
                                "which is not in the layer order")
            elif rank[target] > rank[source]:
                problems.append(f"{relative}:{number}: '{source}' includes eap/{m.group(1)} from '{target}', "
                                f"a later layer ({' -> '.join(LAYERS)})")
    for p in problems:
        print(p)
    print(f"check_layering: {len(headers)} headers, {len(problems)} edge(s) against the order")
    return 1 if problems else 0


if __name__ == "__main__":
    sys.exit(main())
