#!/usr/bin/env python3
"""Turns the JSON output of bench_sparse into the ratio table of docs/sparse.md.

    bench_sparse --benchmark_format=json --benchmark_out=sparse.json
    python3 tools/sparse_bench_table.py sparse.json

Times are CPU times per call (the machine is shared: wall time includes waiting for a core).
Ratios are baseline time / eap time on the same layer and batch. The naive per-MAC loop is run
on AlexNet conv3 only; its ratio at another layer would be estimated from its per-MAC rate.
"""
import json
import sys


def main(path):
    with open(path, encoding="utf-8") as f:
        data = json.load(f)
    cpu_ms = {}
    counters = {}
    for b in data["benchmarks"]:
        if b.get("error_occurred"):
            sys.exit(f"{b['name']}: {b.get('error_message')}")
        name = b["name"].replace("/iterations:1", "")
        scale = {"ns": 1e-6, "us": 1e-3, "ms": 1.0, "s": 1e3}[b["time_unit"]]
        cpu_ms[name] = b["cpu_time"] * scale
        counters[name] = b
    cases = sorted({n.split("/", 1)[1] for n in cpu_ms if n.startswith("eap/")},
                   key=lambda c: (int(c.split("N=")[1]), c))
    print("| layer / batch | eap ms | input GB/s | scalar ms | SIMD gain | layer counts ms | im2col+sgemm ms | vs sgemm | naive ms | vs naive |")
    print("|---|---|---|---|---|---|---|---|---|---|")
    for c in cases:
        eap = cpu_ms[f"eap/{c}"]
        row = [c, f"{eap:.3f}", f"{counters[f'eap/{c}']['in_GB/s']:.1f}"]
        scalar = cpu_ms.get(f"eap_scalar/{c}")
        row += [f"{scalar:.3f}", f"{scalar / eap:.1f}x"] if scalar else ["", ""]
        counts = cpu_ms.get(f"eap_layer_counts/{c}")
        row += [f"{counts:.3f}"] if counts else [""]
        gemm = cpu_ms.get(f"im2col_sgemm/{c}")
        row += [f"{gemm:.1f}", f"{gemm / eap:.0f}x"] if gemm else ["", ""]
        naive = cpu_ms.get(f"naive/{c}")
        row += [f"{naive:.0f}", f"{naive / eap:.0f}x"] if naive else ["", ""]
        print("| " + " | ".join(row) + " |")
    for c in sorted(n.split("/", 1)[1] for n in cpu_ms if n.startswith("read/")):
        read = counters[f"read/{c}"]["in_GB/s"]
        line = f"bare read {c}: {read:.1f} GB/s; eap {counters[f'eap/{c}']['in_GB/s']:.1f} GB/s"
        if f"eap_layer_counts/{c}" in counters:
            line += f", layer counts {counters[f'eap_layer_counts/{c}']['in_GB/s']:.1f} GB/s"
        print(line)
    for t in ("int16", "int8"):
        for c in cases:
            if f"eap_{t}/{c}" in cpu_ms:
                b = counters[f"eap_{t}/{c}"]
                print(f"eap {t} {c}: {cpu_ms[f'eap_{t}/{c}']:.3f} ms, {b['in_GB/s']:.1f} GB/s")


if __name__ == "__main__":
    main(sys.argv[1] if len(sys.argv) > 1 else "sparse.json")
