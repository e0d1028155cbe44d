#!/usr/bin/env bash
# eap quick start on Debian 12: installs the Debian packages that are missing, builds, runs.
#
#   tools/quickstart.sh main   build in Release and run the main job
#   tools/quickstart.sh test   build and run the whole test suite, as CI does:
#                              single-header freshness; C++17 (g++) with -Werror: tests, examples,
#                              benchmarks, every header on its own; install + consumer project
#                              (package and single header); C++20 (clang++) against the single
#                              header: tests, examples, benchmarks, all tests run; AddressSanitizer +
#                              UBSan: all tests.
set -euo pipefail
cd "$(dirname "$0")/.."

mode=${1:-main}
jobs=${EAP_JOBS:-2}
packages=(build-essential cmake python3 clang libxtensor-dev libxsimd-dev xtl-dev catch2
          libxtensor-blas-dev libopenblas-dev liblapack-dev libbenchmark-dev nlohmann-json3-dev zlib1g-dev
          dataset-fashion-mnist)

missing=()
for p in "${packages[@]}"; do
  dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed" || missing+=("$p")
done
if [ ${#missing[@]} -gt 0 ]; then
  echo "== installing: ${missing[*]}"
  sudo=""
  [ "$(id -u)" -ne 0 ] && sudo=sudo
  $sudo apt-get update -q
  DEBIAN_FRONTEND=noninteractive $sudo apt-get install -y -q --no-install-recommends "${missing[@]}"
fi

# OpenBLAS miscomputes on this CPU family unless told its core type; one thread per process.
export OPENBLAS_CORETYPE=${OPENBLAS_CORETYPE:-Haswell} OPENBLAS_L2_SIZE=${OPENBLAS_L2_SIZE:-512}
export OPENBLAS_NUM_THREADS=${OPENBLAS_NUM_THREADS:-1}

step() { printf '\n== %s (%s)\n' "$*" "$(date +%T)"; }

case "$mode" in
main)
  step "configure and build (Release, -march=native)"
  cmake -S . -B build/release -DCMAKE_BUILD_TYPE=Release -DEAP_NATIVE_ARCH=ON -DEAP_BUILD_TESTS=OFF \
        -DEAP_BUILD_BENCHMARKS=OFF >/dev/null
  cmake --build build/release -j "$jobs" --target main_job
  step "main job"
  ./build/release/examples/main_job "${@:2}"
  ;;
test)
  start=$(date +%s)
  step "single_include/ is generated from include/"
  python3 tools/amalgamate.py --check

  step "C++17, g++, -Werror: tests, examples, benchmarks, header check"
  cmake -S . -B build/ci-gcc17 -DCMAKE_BUILD_TYPE=Release -DCMAKE_CXX_COMPILER=g++ -DCMAKE_CXX_STANDARD=17 \
        -DEAP_WARNINGS_AS_ERRORS=ON >/dev/null
  cmake --build build/ci-gcc17 -j "$jobs"
  (cd build/ci-gcc17 && ctest -j "$jobs" --output-on-failure)

  step "install, then build a consumer against the package and against the single header"
  rm -rf build/ci-prefix build/ci-consumer build/ci-consumer-single
  cmake --install build/ci-gcc17 --prefix "$PWD/build/ci-prefix" >/dev/null
  cmake -S tests/consumer -B build/ci-consumer -DCMAKE_PREFIX_PATH="$PWD/build/ci-prefix" >/dev/null
  cmake --build build/ci-consumer -j "$jobs"
  ./build/ci-consumer/consumer
  cmake -S tests/consumer -B build/ci-consumer-single -DEAP_CONSUMER_SINGLE_HEADER="$PWD/single_include" >/dev/null
  cmake --build build/ci-consumer-single -j "$jobs"
  ./build/ci-consumer-single/consumer

  step "C++20, clang++, -Werror, against single_include/: tests, examples, benchmarks; all tests run"
  cmake -S . -B build/ci-clang20-single -DCMAKE_BUILD_TYPE=Release -DCMAKE_CXX_COMPILER=clang++ \
        -DCMAKE_CXX_STANDARD=20 -DEAP_SINGLE_HEADER=ON -DEAP_WARNINGS_AS_ERRORS=ON >/dev/null
  cmake --build build/ci-clang20-single -j "$jobs"
  (cd build/ci-clang20-single && ctest -j "$jobs" --output-on-failure)

  step "AddressSanitizer + UndefinedBehaviorSanitizer (g++, -O1): all tests"
  cmake -S . -B build/ci-asan -DCMAKE_BUILD_TYPE=RelWithDebInfo -DCMAKE_CXX_FLAGS_RELWITHDEBINFO="-O1 -g" \
        -DCMAKE_CXX_COMPILER=g++ -DEAP_SANITIZE=ON -DEAP_BUILD_EXAMPLES=OFF -DEAP_BUILD_BENCHMARKS=OFF \
        -DEAP_HEADER_CHECK=OFF >/dev/null
  cmake --build build/ci-asan -j "$jobs"
  (cd build/ci-asan && ASAN_OPTIONS=detect_leaks=1 UBSAN_OPTIONS=print_stacktrace=1 \
     ctest -j "$jobs" --output-on-failure -E '^compile_fail_|^single_include_in_sync$')

  step "all CI steps passed in $(( ($(date +%s) - start) / 60 )) min $(( ($(date +%s) - start) % 60 )) s"
  ;;
*)
  echo "usage: tools/quickstart.sh main|test" >&2
  exit 2
  ;;
esac
