// Exact sparse counting on real-sized layers: eap's kernel-sum counters against (a) the naive
// per-MAC loop and (b) what a DL-framework user would do, a dense convolution of the two 0/1
// masks (im2col + OpenBLAS sgemm), side by side. AlexNet conv1..conv5 and VGG-16 conv3_1 at
// batch 1 and 16, weights ~35% and activations ~50% non-zero, float unless the name says; and
// VGG-16 conv1_2 at batch 32, an input larger than the caches.
//
// read/... is a bare vectorised read of the same tensors (their sum): the bandwidth a pass over
// them can reach on this machine at the moment of the run.
//
// Counters: dense_GMAC/s = dense MACs of the layer per second (a rate per MAC, so methods can be
// compared where one is too slow to run at batch 16); in_GB/s = bytes of the input tensors
// (weights + activations) per second, against the machine's memory bandwidth.
//
// Run with OPENBLAS_CORETYPE=Haswell OPENBLAS_L2_SIZE=512 OPENBLAS_NUM_THREADS=1.
#include <benchmark/benchmark.h>
// The cblas declarations xtensor-blas ships, as eap's own headers use them: OpenBLAS's <cblas.h>
// redefines the same enums and cannot sit beside eap's single header.
#include <xflens/cxxblas/drivers/cblas.h>

#include <cmath>
#include <cstdint>
#include <map>
#include <memory>
#include <random>
#include <string>
#include <tuple>
#include <vector>

#include "eap/sparse/layer_counts.hpp"
#include "eap/sparse/nonskipped_macs.hpp"
#include "eap/zoo/alexnet.hpp"
#include "eap/zoo/vgg16.hpp"

namespace {

struct layer_id {
    const char* network;
    const char* name;
};

const layer_id layers[] = {{"alexnet", "conv1"}, {"alexnet", "conv2"}, {"alexnet", "conv3"},
                           {"alexnet", "conv4"}, {"alexnet", "conv5"}, {"vgg16", "conv3_1"},
                           {"vgg16", "conv1_2"}};

eap::conv_shape shape_of(const layer_id& id, std::int64_t batch) {
    const eap::network net = std::string(id.network) == "alexnet" ? eap::zoo::alexnet() : eap::zoo::vgg16();
    return net.layer_shape(net.index_of(id.name), batch);
}

constexpr double weight_density = 0.35;
constexpr double activation_density = 0.50;

template <class T>
struct layer_data {
    eap::conv_shape shape;
    xt::xtensor<T, 4> weights;
    xt::xtensor<T, 4> inputs;
    std::int64_t expected = 0;  // non-skipped MACs, by the scalar reference kernels
    double input_bytes = 0;
};

template <class T>
void fill(xt::xtensor<T, 4>& t, double density, std::mt19937_64& rng, bool non_negative) {
    std::bernoulli_distribution keep(density);
    std::uniform_int_distribution<int> level(1, 100);
    for (auto& v : t) {
        const int magnitude = level(rng);
        v = keep(rng) ? static_cast<T>(non_negative || magnitude % 2 == 0 ? magnitude : -magnitude) : T(0);
    }
}

// Tensors are made once per (layer, batch, type) and shared by every method.
template <class T>
const layer_data<T>& data_for(int layer, std::int64_t batch) {
    static std::map<std::pair<int, std::int64_t>, std::unique_ptr<layer_data<T>>> cache;
    auto& slot = cache[{layer, batch}];
    if (!slot) {
        auto d = std::make_unique<layer_data<T>>();
        d->shape = shape_of(layers[layer], batch);
        const auto& s = d->shape;
        std::mt19937_64 rng(static_cast<std::uint64_t>(1000 * layer + batch));
        d->weights = xt::xtensor<T, 4>::from_shape({static_cast<std::size_t>(s.out_channels),
                                                    static_cast<std::size_t>(s.in_channels_per_group()),
                                                    static_cast<std::size_t>(s.kernel_height),
                                                    static_cast<std::size_t>(s.kernel_width)});
        d->inputs = xt::xtensor<T, 4>::from_shape({static_cast<std::size_t>(s.batch), static_cast<std::size_t>(s.in_channels),
                                                   static_cast<std::size_t>(s.in_height), static_cast<std::size_t>(s.in_width)});
        fill(d->weights, weight_density, rng, false);
        fill(d->inputs, activation_density, rng, true);  // after a ReLU
        d->expected = eap::count_nonskipped_macs<eap::scalar_arch>(d->weights, d->inputs, s);
        d->input_bytes = static_cast<double>(sizeof(T)) * static_cast<double>(d->weights.size() + d->inputs.size());
        slot = std::move(d);
    }
    return *slot;
}

void set_counters(benchmark::State& state, const eap::conv_shape& s, double input_bytes) {
    state.counters["dense_GMAC/s"] =
        benchmark::Counter(static_cast<double>(s.mac_count()) * 1e-9, benchmark::Counter::kIsIterationInvariantRate);
    state.counters["in_GB/s"] = benchmark::Counter(input_bytes * 1e-9, benchmark::Counter::kIsIterationInvariantRate);
}

template <class Arch, class T>
void bm_eap(benchmark::State& state, int layer, std::int64_t batch) {
    const auto& d = data_for<T>(layer, batch);
    std::int64_t macs = 0;
    for (auto _ : state) {
        macs = eap::count_nonskipped_macs<Arch>(d.weights, d.inputs, d.shape);
        benchmark::DoNotOptimize(macs);
    }
    if (macs != d.expected) state.SkipWithError("eap count differs from the scalar reference");
    set_counters(state, d.shape, d.input_bytes);
}

template <class T>
void bm_eap_layer_counts(benchmark::State& state, int layer, std::int64_t batch) {
    const auto& d = data_for<T>(layer, batch);
    eap::layer_sparse_counts counts;
    for (auto _ : state) {
        counts = eap::count_layer_sparsity(d.weights, d.inputs, d.shape);
        benchmark::DoNotOptimize(counts);
    }
    if (counts.nonskipped_macs != d.expected) state.SkipWithError("eap count differs from the scalar reference");
    set_counters(state, d.shape, d.input_bytes);
}

// The speed of light for any pass over the inputs: a bare vectorised read of the same bytes
// (the sum of all weights and activations, four independent accumulators).
template <class T>
T read_all(const T* p, std::size_t n) {
    using batch = xsimd::batch<T, eap::default_kernel_arch>;
    constexpr std::size_t lanes = batch::size;
    batch a0(T(0)), a1(T(0)), a2(T(0)), a3(T(0));
    std::size_t i = 0;
    for (; i + 4 * lanes <= n; i += 4 * lanes) {
        a0 += batch::load_unaligned(p + i);
        a1 += batch::load_unaligned(p + i + lanes);
        a2 += batch::load_unaligned(p + i + 2 * lanes);
        a3 += batch::load_unaligned(p + i + 3 * lanes);
    }
    T sum = xsimd::hadd((a0 + a1) + (a2 + a3));
    for (; i < n; ++i) sum += p[i];
    return sum;
}

void bm_read(benchmark::State& state, int layer, std::int64_t batch) {
    const auto& d = data_for<float>(layer, batch);
    for (auto _ : state) {
        float sum = read_all(d.weights.data(), d.weights.size()) + read_all(d.inputs.data(), d.inputs.size());
        benchmark::DoNotOptimize(sum);
    }
    set_counters(state, d.shape, d.input_bytes);
}

// (a) The naive per-MAC loop, on raw pointers: one test per dense MAC.
std::int64_t naive_count(const float* w, const float* x, const eap::conv_shape& s) {
    const std::int64_t cg = s.in_channels_per_group(), mg = s.out_channels_per_group();
    const std::int64_t R = s.kernel_height, S = s.kernel_width, H = s.in_height, W = s.in_width;
    std::int64_t count = 0;
    for (std::int64_t n = 0; n < s.batch; ++n)
        for (std::int64_t m = 0; m < s.out_channels; ++m)
            for (std::int64_t p = 0; p < s.out_height(); ++p)
                for (std::int64_t q = 0; q < s.out_width(); ++q)
                    for (std::int64_t c = 0; c < cg; ++c)
                        for (std::int64_t r = 0; r < R; ++r) {
                            const std::int64_t i = p * s.stride_height + r - s.pad.top;
                            if (i < 0 || i >= H) continue;
                            const float* x_row = x + ((n * s.in_channels + (m / mg) * cg + c) * H + i) * W;
                            const float* w_row = w + ((m * cg + c) * R + r) * S;
                            for (std::int64_t t = 0; t < S; ++t) {
                                const std::int64_t j = q * s.stride_width + t - s.pad.left;
                                if (j < 0 || j >= W) continue;
                                count += (w_row[t] != 0.0f && x_row[j] != 0.0f) ? 1 : 0;
                            }
                        }
    return count;
}

void bm_naive(benchmark::State& state, int layer, std::int64_t batch) {
    const auto& d = data_for<float>(layer, batch);
    std::int64_t macs = 0;
    for (auto _ : state) {
        macs = naive_count(d.weights.data(), d.inputs.data(), d.shape);
        benchmark::DoNotOptimize(macs);
    }
    if (macs != d.expected) state.SkipWithError("naive count differs from the scalar reference");
    set_counters(state, d.shape, d.input_bytes);
}

// (b) The DL-framework way: 0/1 masks of both tensors, im2col of the activation mask per image
// (as Caffe does), one sgemm per image and group with the weight mask, and the sum of the
// output. All buffers are allocated once, outside the timed loop.
struct gemm_buffers {
    std::vector<float> weight_mask, input_mask, columns, product;
};

std::int64_t im2col_sgemm_count(const float* w, const float* x, const eap::conv_shape& s, gemm_buffers& b) {
    const std::int64_t cg = s.in_channels_per_group(), mg = s.out_channels_per_group();
    const std::int64_t R = s.kernel_height, S = s.kernel_width, H = s.in_height, W = s.in_width;
    const std::int64_t E = s.out_height(), F = s.out_width(), K = cg * R * S;
    for (std::size_t k = 0; k < b.weight_mask.size(); ++k) b.weight_mask[k] = w[k] != 0.0f ? 1.0f : 0.0f;
    for (std::size_t k = 0; k < b.input_mask.size(); ++k) b.input_mask[k] = x[k] != 0.0f ? 1.0f : 0.0f;
    double total = 0.0;
    for (std::int64_t n = 0; n < s.batch; ++n) {
        for (std::int64_t g = 0; g < s.groups; ++g) {
            const float* image = b.input_mask.data() + (n * s.in_channels + g * cg) * H * W;
            float* col = b.columns.data();
            for (std::int64_t c = 0; c < cg; ++c)
                for (std::int64_t r = 0; r < R; ++r)
                    for (std::int64_t t = 0; t < S; ++t)
                        for (std::int64_t p = 0; p < E; ++p) {
                            const std::int64_t i = p * s.stride_height + r - s.pad.top;
                            for (std::int64_t q = 0; q < F; ++q) {
                                const std::int64_t j = q * s.stride_width + t - s.pad.left;
                                *col++ = (i >= 0 && i < H && j >= 0 && j < W) ? image[(c * H + i) * W + j] : 0.0f;
                            }
                        }
            cblas_sgemm(CblasRowMajor, CblasNoTrans, CblasNoTrans, static_cast<int>(mg), static_cast<int>(E * F),
                        static_cast<int>(K), 1.0f, b.weight_mask.data() + g * mg * K, static_cast<int>(K),
                        b.columns.data(), static_cast<int>(E * F), 0.0f, b.product.data(), static_cast<int>(E * F));
            double sum = 0.0;
            for (std::int64_t k = 0; k < mg * E * F; ++k) sum += b.product[k];
            total += sum;
        }
    }
    return std::llround(total);
}

void bm_im2col_sgemm(benchmark::State& state, int layer, std::int64_t batch) {
    const auto& d = data_for<float>(layer, batch);
    const auto& s = d.shape;
    gemm_buffers b;
    b.weight_mask.resize(d.weights.size());
    b.input_mask.resize(d.inputs.size());
    b.columns.resize(static_cast<std::size_t>(s.in_channels_per_group() * s.kernel_height * s.kernel_width *
                                              s.out_height() * s.out_width()));
    b.product.resize(static_cast<std::size_t>(s.out_channels_per_group() * s.out_height() * s.out_width()));
    std::int64_t macs = 0;
    for (auto _ : state) {
        macs = im2col_sgemm_count(d.weights.data(), d.inputs.data(), s, b);
        benchmark::DoNotOptimize(macs);
    }
    if (macs != d.expected) state.SkipWithError("im2col+sgemm count differs from the scalar reference");
    set_counters(state, d.shape, d.input_bytes);
}

std::string label(int layer, std::int64_t batch) {
    return std::string(layers[layer].network) + "_" + layers[layer].name + "/N=" + std::to_string(batch);
}

const bool registered = [] {
    const int vgg_conv3_1 = 5, alexnet_conv3 = 2;
    for (std::int64_t batch : {1, 16}) {
        for (int layer = 0; layer < 6; ++layer) {
            const std::string name = label(layer, batch);
            benchmark::RegisterBenchmark(("eap/" + name).c_str(), [=](benchmark::State& st) {
                bm_eap<eap::default_kernel_arch, float>(st, layer, batch);
            })->Unit(benchmark::kMillisecond);
            benchmark::RegisterBenchmark(("eap_scalar/" + name).c_str(), [=](benchmark::State& st) {
                bm_eap<eap::scalar_arch, float>(st, layer, batch);
            })->Unit(benchmark::kMillisecond);
            benchmark::RegisterBenchmark(("eap_layer_counts/" + name).c_str(), [=](benchmark::State& st) {
                bm_eap_layer_counts<float>(st, layer, batch);
            })->Unit(benchmark::kMillisecond);
            benchmark::RegisterBenchmark(("im2col_sgemm/" + name).c_str(), [=](benchmark::State& st) {
                bm_im2col_sgemm(st, layer, batch);
            })->Unit(benchmark::kMillisecond);
        }
        for (int layer : {alexnet_conv3, vgg_conv3_1}) {
            const std::string name = label(layer, batch);
            benchmark::RegisterBenchmark(("eap_int16/" + name).c_str(), [=](benchmark::State& st) {
                bm_eap<eap::default_kernel_arch, std::int16_t>(st, layer, batch);
            })->Unit(benchmark::kMillisecond);
            benchmark::RegisterBenchmark(("eap_int8/" + name).c_str(), [=](benchmark::State& st) {
                bm_eap<eap::default_kernel_arch, std::int8_t>(st, layer, batch);
            })->Unit(benchmark::kMillisecond);
        }
    }
    // A large input that does not fit in any cache (VGG-16 conv1_2 at batch 32: 411 MB of
    // activations), to measure the bandwidth of a pass that streams from memory.
    const int vgg_conv1_2 = 6;
    benchmark::RegisterBenchmark(("eap/" + label(vgg_conv1_2, 32)).c_str(), [=](benchmark::State& st) {
        bm_eap<eap::default_kernel_arch, float>(st, vgg_conv1_2, 32);
    })->Unit(benchmark::kMillisecond);
    benchmark::RegisterBenchmark(("eap_layer_counts/" + label(vgg_conv1_2, 32)).c_str(), [=](benchmark::State& st) {
        bm_eap_layer_counts<float>(st, vgg_conv1_2, 32);
    })->Unit(benchmark::kMillisecond);
    benchmark::RegisterBenchmark(("eap_int8/" + label(vgg_conv1_2, 32)).c_str(), [=](benchmark::State& st) {
        bm_eap<eap::default_kernel_arch, std::int8_t>(st, vgg_conv1_2, 32);
    })->Unit(benchmark::kMillisecond);
    for (const auto& shape : {std::pair<int, std::int64_t>{alexnet_conv3, 16}, {vgg_conv3_1, 16}, {vgg_conv1_2, 32}}) {
        // Plain copies: a lambda may not capture structured bindings before C++20.
        const int layer = shape.first;
        const std::int64_t batch = shape.second;
        benchmark::RegisterBenchmark(("read/" + label(layer, batch)).c_str(), [=](benchmark::State& st) {
            bm_read(st, layer, batch);
        })->Unit(benchmark::kMillisecond);
    }
    // The naive loop runs ~1e9 MACs a second: AlexNet conv3 takes ~0.15 s at batch 1 and ~2.5 s
    // at batch 16, so batch 16 runs once.
    benchmark::RegisterBenchmark(("naive/" + label(alexnet_conv3, 1)).c_str(), [=](benchmark::State& st) {
        bm_naive(st, alexnet_conv3, 1);
    })->Unit(benchmark::kMillisecond);
    benchmark::RegisterBenchmark(("naive/" + label(alexnet_conv3, 16)).c_str(), [=](benchmark::State& st) {
        bm_naive(st, alexnet_conv3, 16);
    })->Unit(benchmark::kMillisecond)->Iterations(1);
    return true;
}();

}  // namespace
