#!/usr/bin/env bash
# Regenerates the charts and tables of docs/results.md: builds the analysis examples (Release),
# runs them into eap_results/, and copies every chart (SVG, with the CSV behind it) to docs/charts/.
#
#   tools/make_charts.sh [--fewer-classes-epochs E] [--reuse-main-job] [--reuse-fewer-classes]
#
# The main job (about 8 minutes on 2 cores) supplies the pruned Fashion-MNIST models of the
# energy-vs-accuracy chart; --reuse-main-job takes eap_results/ from an earlier run.
# fewer_classes trains and prunes three models, E epochs each (default 2): about 18 minutes;
# --reuse-fewer-classes keeps eap_results/fewer_classes/ from an earlier run.
set -euo pipefail
cd "$(dirname "$0")/.."

epochs=2
run_main_job=1
run_fewer_classes=1
while [ $# -gt 0 ]; do
  case "$1" in
  --fewer-classes-epochs) epochs=$2; shift 2 ;;
  --reuse-main-job) run_main_job=0; shift ;;
  --reuse-fewer-classes) run_fewer_classes=0; shift ;;
  *) echo "usage: tools/make_charts.sh [--fewer-classes-epochs E] [--reuse-main-job] [--reuse-fewer-classes]" >&2
     exit 2 ;;
  esac
done

export OPENBLAS_CORETYPE=${OPENBLAS_CORETYPE:-Haswell} OPENBLAS_L2_SIZE=${OPENBLAS_L2_SIZE:-512}
export OPENBLAS_NUM_THREADS=${OPENBLAS_NUM_THREADS:-1}

examples=(main_job published_numbers weights_vs_energy energy_vs_accuracy paper_table fewer_classes)
cmake -S . -B build/release -DCMAKE_BUILD_TYPE=Release -DEAP_NATIVE_ARCH=ON -DEAP_BUILD_TESTS=OFF \
      -DEAP_BUILD_BENCHMARKS=OFF >/dev/null
cmake --build build/release -j "${EAP_JOBS:-2}" --target "${examples[@]}"
bin=build/release/examples
out=eap_results

[ "$run_main_job" = 1 ] && "$bin/main_job" --out "$out"
[ -f "$out/table.csv" ] || { echo "make_charts: $out/table.csv is missing (run without --reuse-main-job)" >&2; exit 1; }
"$bin/published_numbers" --out "$out"
"$bin/weights_vs_energy" --out "$out/weights_vs_energy"
"$bin/energy_vs_accuracy" --out "$out/energy_vs_accuracy" --fashion-table "$out/table.csv"
"$bin/paper_table" --out "$out/paper_table"
[ "$run_fewer_classes" = 1 ] && "$bin/fewer_classes" --out "$out/fewer_classes" --epochs "$epochs"

# Each chart goes to docs/charts/<example>/ with its CSV; the main job's per-layer charts are
# named after their model.
copy_charts() {  # source directory, destination directory
  mkdir -p "$2"
  for svg in "$1"/*.svg; do
    cp "$svg" "$2/"
    cp "${svg%.svg}.csv" "$2/"
  done
}
rm -rf docs/charts
for example in weights_vs_energy energy_vs_accuracy paper_table fewer_classes; do
  copy_charts "$out/$example" "docs/charts/$example"
done
for model in "$out"/*/layers_batch1.svg; do
  model_dir=$(dirname "$model")
  copy_charts "$model_dir" "docs/charts/main_job/$(basename "$model_dir")"
done
cp "$out/table.csv" docs/charts/main_job/table.csv
cp "$out/published_numbers.csv" docs/charts/published_numbers.csv
# The ablation (main_job --ablation --models alexnet_like --out eap_results, ~11 minutes) is not
# rerun here; its table is kept when an earlier run left it.
if [ -f "$out/alexnet_like_ablation.csv" ]; then cp "$out/alexnet_like_ablation.csv" docs/charts/main_job/; fi
echo "charts written to docs/charts/"
