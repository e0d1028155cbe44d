// Throughput of the CNN engine on the AlexNet-like Fashion-MNIST network, one core:
// * training and inference images/s of the whole network;
// * each CONV layer's forward and backward pass against a plain OpenBLAS sgemm of the same
//   sizes, measured in the same binary (the counter `of_sgemm` is the layer's GFLOP/s divided by
//   the sgemm's GFLOP/s);
// * a large square sgemm, the machine's practical peak;
// * the GoogLeNet-like network's images/s, for comparison.
// Run with OPENBLAS_NUM_THREADS=1 OPENBLAS_CORETYPE=Haswell OPENBLAS_L2_SIZE=512.
#include <benchmark/benchmark.h>

#include <chrono>
#include <cstdint>
#include <vector>

#include "eap/detail/random.hpp"
#include "eap/engine/conv_layer.hpp"
#include "eap/engine/executor.hpp"
#include "eap/engine/gemm.hpp"
#include "eap/engine/loss.hpp"
#include "eap/engine/model.hpp"
#include "eap/engine/sgd.hpp"
#include "eap/zoo/fashion_mnist_models.hpp"

namespace {

template <class Tensor>
void fill(Tensor& t, std::uint64_t seed, double scale = 1.0) {
    eap::detail::random_generator random(seed);
    for (auto& v : t) v = static_cast<float>(scale * random.normal());
}

xt::xtensor<float, 4> images(std::size_t n) {
    xt::xtensor<float, 4> x = xt::empty<float>({n, std::size_t{1}, std::size_t{28}, std::size_t{28}});
    eap::detail::random_generator random(1);
    for (auto& v : x) v = random.uniform() < 0.5 ? 0.0f : static_cast<float>(random.uniform());
    return x;
}

void BM_alexnet_inference(benchmark::State& state) {
    eap::engine::model m(eap::zoo::fashion_alexnet());
    m.initialize(1);
    const auto batch = static_cast<std::size_t>(state.range(0));
    const auto x = images(batch);
    eap::engine::executor runner;
    for (auto _ : state) benchmark::DoNotOptimize(runner.forward(m, x).data());
    state.counters["images/s"] = benchmark::Counter(static_cast<double>(batch * state.iterations()), benchmark::Counter::kIsRate);
}
BENCHMARK(BM_alexnet_inference)->Arg(1)->Arg(16)->Arg(250)->Unit(benchmark::kMillisecond)->UseRealTime();

void BM_alexnet_training_step(benchmark::State& state) {
    eap::engine::model m(eap::zoo::fashion_alexnet());
    m.initialize(1);
    const auto batch = static_cast<std::size_t>(state.range(0));
    const auto x = images(batch);
    eap::engine::label_tensor labels = xt::empty<std::int32_t>({batch});
    for (std::size_t i = 0; i < batch; ++i) labels(i) = static_cast<std::int32_t>(i % 10);
    eap::engine::executor runner;
    eap::engine::sgd optimizer;
    eap::engine::parameter_set gradients;
    xt::xtensor<float, 4> logit_grad;
    for (auto _ : state) {
        const auto& logits = runner.forward(m, x);
        eap::engine::softmax_cross_entropy(logits, labels, &logit_grad);
        runner.backward(m, logit_grad, gradients);
        optimizer.step(m, gradients, 1e-4f);
    }
    state.counters["images/s"] = benchmark::Counter(static_cast<double>(batch * state.iterations()), benchmark::Counter::kIsRate);
}
BENCHMARK(BM_alexnet_training_step)->Arg(64)->Unit(benchmark::kMillisecond)->UseRealTime();

// The GoogLeNet-like network for comparison: as many MACs, spread over 23 small layers.
void BM_googlenet_inference(benchmark::State& state) {
    eap::engine::model m(eap::zoo::fashion_googlenet());
    m.initialize(1);
    const auto batch = static_cast<std::size_t>(state.range(0));
    const auto x = images(batch);
    eap::engine::executor runner;
    for (auto _ : state) benchmark::DoNotOptimize(runner.forward(m, x).data());
    state.counters["images/s"] = benchmark::Counter(static_cast<double>(batch * state.iterations()), benchmark::Counter::kIsRate);
}
BENCHMARK(BM_googlenet_inference)->Arg(250)->Unit(benchmark::kMillisecond)->UseRealTime();

void BM_googlenet_training_step(benchmark::State& state) {
    eap::engine::model m(eap::zoo::fashion_googlenet());
    m.initialize(1);
    const auto batch = static_cast<std::size_t>(state.range(0));
    const auto x = images(batch);
    eap::engine::label_tensor labels = xt::empty<std::int32_t>({batch});
    for (std::size_t i = 0; i < batch; ++i) labels(i) = static_cast<std::int32_t>(i % 10);
    eap::engine::executor runner;
    eap::engine::sgd optimizer;
    eap::engine::parameter_set gradients;
    xt::xtensor<float, 4> logit_grad;
    for (auto _ : state) {
        const auto& logits = runner.forward(m, x);
        eap::engine::softmax_cross_entropy(logits, labels, &logit_grad);
        runner.backward(m, logit_grad, gradients);
        optimizer.step(m, gradients, 1e-4f);
    }
    state.counters["images/s"] = benchmark::Counter(static_cast<double>(batch * state.iterations()), benchmark::Counter::kIsRate);
}
BENCHMARK(BM_googlenet_training_step)->Arg(64)->Unit(benchmark::kMillisecond)->UseRealTime();

// The CONV layers of the AlexNet-like network, by index in the network.
eap::conv_shape alexnet_conv(int which) {
    const eap::network net = eap::zoo::fashion_alexnet();
    const char* names[3] = {"conv1", "conv2", "conv3"};
    return net.layer_shape(net.index_of(names[which]));
}

// GFLOP/s of one plain sgemm of m x n x k (row-major, no transposes), best of a few runs.
double sgemm_rate(std::int64_t m, std::int64_t n, std::int64_t k, eap::engine::transpose ta = eap::engine::transpose::no,
                  eap::engine::transpose tb = eap::engine::transpose::no) {
    std::vector<float> a(static_cast<std::size_t>(m * k), 0.5f), b(static_cast<std::size_t>(k * n), 0.25f),
        c(static_cast<std::size_t>(m * n));
    const std::int64_t lda = ta == eap::engine::transpose::no ? k : m;
    const std::int64_t ldb = tb == eap::engine::transpose::no ? n : k;
    double best = 0.0;
    for (int rep = 0; rep < 7; ++rep) {
        const auto start = std::chrono::steady_clock::now();
        eap::engine::gemm(ta, tb, m, n, k, 1.0f, a.data(), lda, b.data(), ldb, 0.0f, c.data(), n);
        const double seconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
        if (rep > 0) best = std::max(best, 2.0 * double(m) * double(n) * double(k) / seconds * 1e-9);
    }
    return best;
}

void BM_conv_forward(benchmark::State& state) {
    const auto batch = static_cast<std::size_t>(state.range(1));
    const eap::conv_shape s = alexnet_conv(static_cast<int>(state.range(0))).with_batch(static_cast<std::int64_t>(batch));
    xt::xtensor<float, 4> in = xt::empty<float>({batch, static_cast<std::size_t>(s.in_channels),
                                                 static_cast<std::size_t>(s.in_height), static_cast<std::size_t>(s.in_width)});
    xt::xtensor<float, 4> w = xt::empty<float>({static_cast<std::size_t>(s.out_channels), static_cast<std::size_t>(s.in_channels),
                                                static_cast<std::size_t>(s.kernel_height), static_cast<std::size_t>(s.kernel_width)});
    xt::xtensor<float, 1> b = xt::zeros<float>({static_cast<std::size_t>(s.out_channels)});
    fill(in, 2);
    fill(w, 3, 0.1);
    eap::engine::conv_layer layer;
    xt::xtensor<float, 4> out;
    layer.forward(s, in, w, b, eap::activation::relu, out);  // sizes the buffers
    const auto start = std::chrono::steady_clock::now();
    for (auto _ : state) {
        layer.forward(s, in, w, b, eap::activation::relu, out);
        benchmark::DoNotOptimize(out.data());
    }
    const double seconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
    const double flops = 2.0 * static_cast<double>(s.mac_count());
    const double rate = flops * static_cast<double>(state.iterations()) / seconds * 1e-9;
    // The GEMM the layer runs: M x (images per chunk * E * F) x K, repeated per chunk.
    const std::int64_t k = s.in_channels * s.kernel_height * s.kernel_width;
    const std::int64_t positions = s.out_height() * s.out_width();
    const std::int64_t chunk = eap::engine::conv_layer::chunk_images(k, positions, s.batch);
    const double peak = sgemm_rate(s.out_channels, chunk * positions, k);
    state.counters["GFLOP/s"] = rate;
    state.counters["sgemm_GFLOP/s"] = peak;
    state.counters["of_sgemm"] = rate / peak;
}
BENCHMARK(BM_conv_forward)->ArgsProduct({{0, 1, 2}, {64}})->Unit(benchmark::kMillisecond)->UseRealTime();

void BM_conv_backward(benchmark::State& state) {
    const auto batch = static_cast<std::size_t>(state.range(1));
    const eap::conv_shape s = alexnet_conv(static_cast<int>(state.range(0))).with_batch(static_cast<std::int64_t>(batch));
    xt::xtensor<float, 4> in = xt::empty<float>({batch, static_cast<std::size_t>(s.in_channels),
                                                 static_cast<std::size_t>(s.in_height), static_cast<std::size_t>(s.in_width)});
    xt::xtensor<float, 4> w = xt::empty<float>({static_cast<std::size_t>(s.out_channels), static_cast<std::size_t>(s.in_channels),
                                                static_cast<std::size_t>(s.kernel_height), static_cast<std::size_t>(s.kernel_width)});
    xt::xtensor<float, 1> b = xt::zeros<float>({static_cast<std::size_t>(s.out_channels)});
    fill(in, 2);
    fill(w, 3, 0.1);
    eap::engine::conv_layer layer;
    xt::xtensor<float, 4> out;
    layer.forward(s, in, w, b, eap::activation::relu, out);
    xt::xtensor<float, 4> out_grad = xt::empty<float>(out.shape());
    fill(out_grad, 4);
    xt::xtensor<float, 4> w_grad, in_grad = xt::zeros<float>(in.shape());
    xt::xtensor<float, 1> b_grad;
    // conv1 reads the network input, which needs no gradient; the others propagate one.
    const bool input_gradient = state.range(0) != 0;
    layer.backward(s, in, w, b, eap::activation::relu, out, out_grad, w_grad, b_grad, input_gradient ? &in_grad : nullptr);
    const auto start = std::chrono::steady_clock::now();
    for (auto _ : state) {
        layer.backward(s, in, w, b, eap::activation::relu, out, out_grad, w_grad, b_grad,
                       input_gradient ? &in_grad : nullptr);
        benchmark::DoNotOptimize(w_grad.data());
    }
    const double seconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
    const double flops = 2.0 * static_cast<double>(s.mac_count()) * (input_gradient ? 2.0 : 1.0);
    const double rate = flops * static_cast<double>(state.iterations()) / seconds * 1e-9;
    const std::int64_t k = s.in_channels * s.kernel_height * s.kernel_width;
    const std::int64_t positions = s.out_height() * s.out_width();
    const std::int64_t length = eap::engine::conv_layer::chunk_images(k, positions, s.batch) * positions;
    // The two products of the backward pass, timed alone on the same sizes.
    const double t_weights = 1.0 / sgemm_rate(s.out_channels, k, length, eap::engine::transpose::no, eap::engine::transpose::yes);
    const double t_inputs = input_gradient ? 1.0 / sgemm_rate(k, length, s.out_channels, eap::engine::transpose::yes,
                                                               eap::engine::transpose::no)
                                           : 0.0;
    const double peak = (input_gradient ? 2.0 : 1.0) / (t_weights + t_inputs);
    state.counters["GFLOP/s"] = rate;
    state.counters["sgemm_GFLOP/s"] = peak;
    state.counters["of_sgemm"] = rate / peak;
}
BENCHMARK(BM_conv_backward)->ArgsProduct({{0, 1, 2}, {64}})->Unit(benchmark::kMillisecond)->UseRealTime();

// The baseline: a plain square sgemm, the practical peak of one core.
void BM_sgemm_square(benchmark::State& state) {
    const auto n = state.range(0);
    std::vector<float> a(static_cast<std::size_t>(n * n), 0.5f), b(a), c(a);
    for (auto _ : state) {
        eap::engine::gemm(eap::engine::transpose::no, eap::engine::transpose::no, n, n, n, 1.0f, a.data(), n, b.data(), n,
                          0.0f, c.data(), n);
        benchmark::DoNotOptimize(c.data());
    }
    state.counters["GFLOP/s"] = benchmark::Counter(2.0 * double(n) * double(n) * double(n) * double(state.iterations()) / 1e9,
                                                   benchmark::Counter::kIsRate);
}
BENCHMARK(BM_sgemm_square)->Arg(1024)->Unit(benchmark::kMillisecond)->UseRealTime();

}  // namespace
