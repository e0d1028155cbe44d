// Benchmarks of the pruning solvers on real layer shapes, each next to its baseline:
//  - the least-squares step (shared Gram matrix + per-channel Cholesky) against a separate
//    least-squares solve per channel with xt::linalg::lstsq on X_S;
//  - the Gram construction against OpenBLAS SGEMM peak measured in this binary;
//  - restoration: cost per restored weight, against one refit (brute force needs one refit per
//    candidate per restored weight).
// Layers: AlexNet conv3 (K = 256*3*3 = 2304, M = 384) and VGG-16 conv4_1 (K = 2304, M = 512),
// N = 4,096 sampled output positions, 35% of the weights kept.
//
// Run with OPENBLAS_CORETYPE=Haswell OPENBLAS_L2_SIZE=512 OPENBLAS_NUM_THREADS=1.

#include <benchmark/benchmark.h>

#include <algorithm>
#include <ctime>
#include <cmath>
#include <cstdint>
#include <map>
#include <memory>
#include <random>
#include <vector>

#include <xtensor-blas/xlinalg.hpp>

#include "eap/prune/gram_matrix.hpp"
#include "eap/prune/least_squares_fit.hpp"
#include "eap/prune/magnitude_pruning.hpp"
#include "eap/prune/restoration.hpp"

namespace {

struct layer_case {
    const char* name;
    std::int64_t k;  // C/groups * R * S
    std::int64_t m;  // output channels
};

const layer_case layers[] = {{"alexnet_conv3", 256 * 3 * 3, 384}, {"vgg16_conv4_1", 256 * 3 * 3, 512}};
constexpr std::int64_t samples = 4096;
constexpr double kept_fraction = 0.35;
// Over-pruning margin for restoration: 20% of the removed weights.
constexpr double over_pruned_fraction = kept_fraction - 0.2 * (1.0 - kept_fraction);

// Patches that look like a ReLU layer's output: non-negative, correlated across channels
// (32 shared factors), about half zeros; Y = X W^T of a dense random layer.
struct layer_data {
    xt::xtensor<float, 2> x;
    xt::xtensor<float, 2> y;
    xt::xtensor<float, 2> w;
    xt::xtensor<float, 1> bias;
    eap::weight_mask<2> mask;
    eap::weight_mask<2> over_pruned;
};

const layer_data& data_for(int index) {
    static std::map<int, std::unique_ptr<layer_data>> cache;
    auto& slot = cache[index];
    if (slot) return *slot;
    const layer_case& layer = layers[index];
    const int n = static_cast<int>(samples), k = static_cast<int>(layer.k), m = static_cast<int>(layer.m), factors = 32;
    std::mt19937 rng(1234 + index);
    std::normal_distribution<float> normal;
    std::vector<float> z(static_cast<std::size_t>(n) * factors), mix(static_cast<std::size_t>(factors) * k);
    for (auto& v : z) v = normal(rng);
    for (auto& v : mix) v = normal(rng) / std::sqrt(static_cast<float>(factors));
    slot = std::make_unique<layer_data>();
    layer_data& d = *slot;
    d.x = xt::empty<float>({static_cast<std::size_t>(n), static_cast<std::size_t>(k)});
    cblas_sgemm(CblasRowMajor, CblasNoTrans, CblasNoTrans, n, k, factors, 0.9f, z.data(), factors, mix.data(), k, 0.0f,
                d.x.data(), k);
    for (auto& v : d.x) v = std::max(0.0f, v + 0.45f * normal(rng));
    d.w = xt::empty<float>({static_cast<std::size_t>(m), static_cast<std::size_t>(k)});
    for (auto& v : d.w) v = normal(rng) / std::sqrt(static_cast<float>(k));
    d.y = xt::empty<float>({static_cast<std::size_t>(n), static_cast<std::size_t>(m)});
    cblas_sgemm(CblasRowMajor, CblasNoTrans, CblasTrans, n, m, k, 1.0f, d.x.data(), k, d.w.data(), k, 0.0f, d.y.data(),
                m);
    d.bias = xt::zeros<float>({static_cast<std::size_t>(m)});
    d.mask = eap::magnitude_prune_fraction(d.w, kept_fraction);
    d.over_pruned = eap::magnitude_prune_fraction(d.w, over_pruned_fraction);
    return d;
}

const eap::gram_system& system_for(int index) {
    static std::map<int, eap::gram_system> cache;
    auto it = cache.find(index);
    if (it != cache.end()) return it->second;
    const layer_data& d = data_for(index);
    return cache.emplace(index, eap::build_gram_system(d.x, d.y)).first->second;
}

// The machine is shared: the counters below use this process's CPU time (OpenBLAS runs on the
// calling thread with OPENBLAS_NUM_THREADS=1), which other users' load disturbs far less than the
// wall clock. Google Benchmark's own columns show both.
double cpu_now() {
    timespec t{};
    clock_gettime(CLOCK_PROCESS_CPUTIME_ID, &t);
    return static_cast<double>(t.tv_sec) + 1e-9 * static_cast<double>(t.tv_nsec);
}

double seconds_since(double start) { return cpu_now() - start; }

// --- OpenBLAS SGEMM peak: C (K x K) = X^T X as a plain GEMM, the same data as the Gram matrix.
void bm_sgemm_peak(benchmark::State& state) {
    const layer_data& d = data_for(0);
    const int n = static_cast<int>(samples), k = static_cast<int>(layers[0].k);
    std::vector<float> c(static_cast<std::size_t>(k) * k);
    for (auto _ : state) {
        cblas_sgemm(CblasRowMajor, CblasTrans, CblasNoTrans, k, k, n, 1.0f, d.x.data(), k, d.x.data(), k, 0.0f,
                    c.data(), k);
        benchmark::DoNotOptimize(c.data());
    }
    state.counters["GFLOPs"] = benchmark::Counter(
        2.0 * n * k * double(k), benchmark::Counter::kIsIterationInvariantRate, benchmark::Counter::kIs1000);
}

// --- Gram matrix G = X^T X through eap (one SSYRK, widened to double, bias column), counted as
// the N K (K+1) flops SYRK needs. Y has one column here so that b costs nothing.
void bm_gram_matrix(benchmark::State& state) {
    const int index = static_cast<int>(state.range(0));
    const layer_data& d = data_for(index);
    const xt::xtensor<float, 2> y1 = xt::view(d.y, xt::all(), xt::range(0, 1));
    const double k = static_cast<double>(layers[index].k);
    for (auto _ : state) {
        eap::gram_system sys = eap::build_gram_system(d.x, y1);
        benchmark::DoNotOptimize(sys.gram.data());
    }
    state.SetLabel(layers[index].name);
    state.counters["GFLOPs"] = benchmark::Counter(samples * k * (k + 1), benchmark::Counter::kIsIterationInvariantRate,
                                                  benchmark::Counter::kIs1000);
}

// --- The whole system (G, b = X^T Y, c) as the least-squares step builds it.
void bm_gram_system(benchmark::State& state) {
    const int index = static_cast<int>(state.range(0));
    const layer_data& d = data_for(index);
    const double k = static_cast<double>(layers[index].k), m = static_cast<double>(layers[index].m);
    const eap::gram_options options{true, static_cast<eap::gram_accumulation>(state.range(1))};
    for (auto _ : state) {
        eap::gram_system sys = eap::build_gram_system(d.x, d.y, options);
        benchmark::DoNotOptimize(sys.gram.data());
    }
    state.SetLabel(std::string(layers[index].name) +
                   (options.accumulation == eap::gram_accumulation::single_precision ? " single" : " double"));
    state.counters["GFLOPs"] =
        benchmark::Counter(samples * k * (k + 1) + 2.0 * samples * k * m, benchmark::Counter::kIsIterationInvariantRate,
                           benchmark::Counter::kIs1000);
}

// --- Least-squares step, eap: build the shared Gram system, then Cholesky per channel.
void bm_least_squares_shared_gram(benchmark::State& state) {
    const int index = static_cast<int>(state.range(0));
    const layer_data& d = data_for(index);
    double gram_seconds = 0.0;
    double fit_seconds = 0.0;
    double relative_error = 0.0;
    for (auto _ : state) {
        const double start = cpu_now();
        eap::gram_system sys = eap::build_gram_system(d.x, d.y);
        const double built = cpu_now();
        auto fit = eap::fit_least_squares(sys, d.w, d.mask, d.bias);
        fit_seconds += cpu_now() - built;
        gram_seconds += built - start;
        relative_error = fit.report.error_after / fit.report.output_energy;
        benchmark::DoNotOptimize(fit.weights.data());
    }
    const double iterations = static_cast<double>(state.iterations());
    state.SetLabel(layers[index].name);
    state.counters["channels"] = static_cast<double>(layers[index].m);
    state.counters["gram_s"] = gram_seconds / iterations;
    state.counters["fit_s"] = fit_seconds / iterations;
    state.counters["layer_s"] = (gram_seconds + fit_seconds) / iterations;
    state.counters["rel_error"] = relative_error;
}

// --- Least-squares step, baseline: for each channel, X_S (with a column of ones for the bias)
// and xt::linalg::lstsq (LAPACK gelsd) on it. Too slow to run for every channel, so a subset of
// `state.range(1)` channels is solved and the time scaled to the layer (`layer_s`).
void bm_least_squares_lstsq(benchmark::State& state) {
    const int index = static_cast<int>(state.range(0));
    const std::int64_t subset = state.range(1);
    const layer_data& d = data_for(index);
    const std::size_t n = static_cast<std::size_t>(samples), k = static_cast<std::size_t>(layers[index].k);
    double per_channel = 0.0;
    for (auto _ : state) {
        const auto start = cpu_now();
        for (std::int64_t c = 0; c < subset; ++c) {
            const std::size_t channel = static_cast<std::size_t>(c) * static_cast<std::size_t>(layers[index].m) /
                                        static_cast<std::size_t>(subset);
            std::vector<std::size_t> kept;
            for (std::size_t j = 0; j < k; ++j)
                if (d.mask(channel, j)) kept.push_back(j);
            xt::xtensor<float, 2> xs = xt::empty<float>({n, kept.size() + 1});
            for (std::size_t r = 0; r < n; ++r) {
                for (std::size_t i = 0; i < kept.size(); ++i) xs(r, i) = d.x(r, kept[i]);
                xs(r, kept.size()) = 1.0f;
            }
            const xt::xtensor<float, 1> ys = xt::view(d.y, xt::all(), channel);
            auto solution = xt::linalg::lstsq(xs, ys);
            benchmark::DoNotOptimize(std::get<0>(solution).data());
        }
        per_channel += seconds_since(start) / static_cast<double>(subset);
    }
    per_channel /= static_cast<double>(state.iterations());
    state.SetLabel(layers[index].name);
    state.counters["per_channel_s"] = per_channel;
    state.counters["layer_s"] = per_channel * static_cast<double>(layers[index].m);
}

// --- Restoration from the over-pruned mask back to 35% per channel, on the first `range(1)`
// channels of the layer (the Gram matrix is shared, so a channel costs the same in any layer of
// this K). Reports seconds per restored weight, all included (setup of each channel's state:
// Cholesky of G_SS and V = G_CS L^-T; then O(K s) per restored weight; then the final fit).
void bm_restoration(benchmark::State& state) {
    const int index = static_cast<int>(state.range(0));
    const std::int64_t channels = state.range(1);
    const layer_data& d = data_for(index);
    const eap::gram_system& full = system_for(index);
    eap::gram_system sys;
    sys.gram = full.gram;
    sys.cross = xt::view(full.cross, xt::range(0, channels), xt::all());
    sys.output_energy = xt::view(full.output_energy, xt::range(0, channels));
    sys.samples = full.samples;
    sys.bias_column = full.bias_column;
    const xt::xtensor<float, 2> w = xt::view(d.w, xt::range(0, channels), xt::all());
    const eap::weight_mask<2> over = xt::view(d.over_pruned, xt::range(0, channels), xt::all());
    const eap::weight_mask<2> target_mask = xt::view(d.mask, xt::range(0, channels), xt::all());
    const std::vector<std::int64_t> targets = eap::kept_per_output_channel(target_mask);
    const xt::xtensor<float, 1> bias = xt::zeros<float>({static_cast<std::size_t>(channels)});
    std::int64_t restored = 0;
    double gain_share = 0.0;
    for (auto _ : state) {
        auto r = eap::restore_weights_per_channel(sys, w, over, bias, targets);
        restored = r.report.kept_after - r.report.kept_before;
        gain_share = (r.report.error_start - r.report.error_restored) / r.report.error_start;
        benchmark::DoNotOptimize(r.weights.data());
    }
    state.SetLabel(layers[index].name);
    state.counters["restored"] = static_cast<double>(restored);
    state.counters["s_per_restored"] = benchmark::Counter(
        static_cast<double>(restored), benchmark::Counter::kIsIterationInvariantRate | benchmark::Counter::kInvert);
    state.counters["error_cut"] = gain_share;
}

// --- One restored weight of one channel in isolation (the O(K s) update), against one refit
// of the channel from scratch (Cholesky of G_SS and solve), which brute force would need for
// every candidate at every step.
void bm_restoration_step(benchmark::State& state) {
    const int index = static_cast<int>(state.range(0));
    const layer_data& d = data_for(index);
    const eap::gram_system& sys = system_for(index);
    const std::int64_t k = layers[index].k;
    std::vector<int> active, candidates;
    eap::detail::restoration_sets<std::uint8_t, std::uint8_t>(sys, d.over_pruned.data(), nullptr, k, active,
                                                              candidates);
    const std::int64_t steps = 64;
    double step_seconds = 0.0;
    std::int64_t total_steps = 0;
    for (auto _ : state) {
        state.PauseTiming();
        eap::detail::channel_restorer restorer("bench", sys, 0, active, candidates, steps, eap::restoration_options{});
        state.ResumeTiming();
        const auto start = cpu_now();
        for (std::int64_t i = 0; i < steps; ++i) {
            int column = 0;
            double gain = 0.0;
            std::size_t position = 0;
            if (!restorer.best(column, gain, position)) break;
            restorer.add(position);
            ++total_steps;
        }
        step_seconds += seconds_since(start);
    }
    // One refit from scratch of the same channel.
    eap::detail::channel_solver solver;
    std::vector<double> solution;
    const std::vector<double> given(active.size(), 0.0);
    const auto start = cpu_now();
    const int refits = 3;
    for (int i = 0; i < refits; ++i)
        solver.solve("bench", sys, 0, active, given, solution, eap::least_squares_options{});
    const double refit = seconds_since(start) / refits;
    const double per_step = step_seconds / static_cast<double>(std::max<std::int64_t>(total_steps, 1));
    state.SetLabel(layers[index].name);
    state.counters["s_kept"] = static_cast<double>(active.size());
    state.counters["candidates"] = static_cast<double>(candidates.size());
    state.counters["step_s"] = per_step;
    state.counters["refit_s"] = refit;
    state.counters["brute_force_step_s"] = refit * static_cast<double>(candidates.size());
}

}  // namespace

BENCHMARK(bm_sgemm_peak)->Unit(benchmark::kMillisecond)->MinTime(2.0);
BENCHMARK(bm_gram_matrix)->Arg(0)->Arg(1)->Unit(benchmark::kMillisecond)->MinTime(2.0);
BENCHMARK(bm_gram_system)
    ->Args({0, static_cast<int>(eap::gram_accumulation::single_precision)})
    ->Args({0, static_cast<int>(eap::gram_accumulation::double_precision)})
    ->Args({1, static_cast<int>(eap::gram_accumulation::single_precision)})
    ->Unit(benchmark::kMillisecond)
    ->MinTime(2.0);
BENCHMARK(bm_least_squares_shared_gram)->Arg(0)->Arg(1)->Unit(benchmark::kMillisecond)->Iterations(3);
BENCHMARK(bm_least_squares_lstsq)->Args({0, 8})->Args({1, 8})->Unit(benchmark::kMillisecond)->Iterations(2);
BENCHMARK(bm_restoration)->Args({0, 16})->Unit(benchmark::kMillisecond)->Iterations(2);
BENCHMARK(bm_restoration_step)->Arg(0)->Unit(benchmark::kMillisecond)->Iterations(5);
