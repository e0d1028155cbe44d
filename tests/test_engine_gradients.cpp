// Back-propagation against finite differences of the double-precision reference network.
#include <cmath>
#include <cstdint>
#include <random>
#include <vector>

#include "catch.hpp"
#include "engine_reference.hpp"
#include "eap/engine/conv_layer.hpp"
#include "eap/engine/executor.hpp"
#include "eap/engine/loss.hpp"
#include "eap/engine/model.hpp"
#include "eap/engine/pool_layer.hpp"

namespace {

// Compares the engine's gradient of the mean cross-entropy with respect to every weight and bias
// with central differences of the reference loss (double precision, step 1e-6, so that the
// difference quotient is accurate to ~1e-9 and a ReLU kink is almost never crossed).
void check_gradients(const eap::network& net, std::uint64_t seed, std::size_t batch) {
    std::mt19937_64 rng(seed);
    eap::engine::model m(net);
    eap_test::randomize(m, rng, 0.5);
    const eap::fmap_shape in = net.input().output;
    xt::xtensor<float, 4> images = xt::empty<float>({batch, static_cast<std::size_t>(in.channels),
                                                     static_cast<std::size_t>(in.height), static_cast<std::size_t>(in.width)});
    eap_test::fill_random(images, rng);
    const std::int64_t classes = net.layers().back().output.size();
    std::vector<std::int32_t> labels(batch);
    eap::engine::label_tensor label_tensor = xt::empty<std::int32_t>({batch});
    for (std::size_t n = 0; n < batch; ++n)
        label_tensor(n) = labels[n] = static_cast<std::int32_t>(std::uniform_int_distribution<std::int64_t>(0, classes - 1)(rng));

    eap::engine::executor runner;
    const auto& logits = runner.forward(m, images);
    xt::xtensor<float, 4> logit_grad;
    const double engine_loss = eap::engine::softmax_cross_entropy(logits, label_tensor, &logit_grad);
    eap::engine::parameter_set grads;
    runner.backward(m, logit_grad, grads);

    eap_test::dparameters p = eap_test::to_double(m);
    const eap_test::dtensor4 x = eap_test::to_double(images);
    auto loss = [&]() { return eap_test::loss(eap_test::forward_network(net, p, x).back(), labels); };
    CHECK(engine_loss == Approx(loss()).epsilon(1e-5));
    const double h = 1e-6;
    auto numeric = [&](double& value) {
        const double saved = value;
        value = saved + h;
        const double up = loss();
        value = saved - h;
        const double down = loss();
        value = saved;
        return (up - down) / (2 * h);
    };
    for (std::size_t i : net.compute_layers()) {
        INFO("layer " << net[i].name);
        const float* analytic = grads[i].weight_data();
        REQUIRE(grads[i].weight_count() == p.weights[i].size());
        std::vector<double> expected(p.weights[i].size());
        double scale = 1e-3;
        for (std::size_t j = 0; j < expected.size(); ++j) {
            expected[j] = numeric(p.weights[i][j]);
            scale = std::max(scale, std::abs(expected[j]));
        }
        for (std::size_t j = 0; j < expected.size(); ++j) {
            INFO("weight " << j << ": analytic " << analytic[j] << ", numeric " << expected[j]);
            CHECK(std::abs(analytic[j] - expected[j]) <= 1e-3 * scale);
        }
        REQUIRE(grads[i].bias.size() == p.bias[i].size());
        for (std::size_t j = 0; j < p.bias[i].size(); ++j) {
            const double e = numeric(p.bias[i][j]);
            INFO("bias " << j << ": analytic " << grads[i].bias(j) << ", numeric " << e);
            CHECK(std::abs(grads[i].bias(j) - e) <= 1e-3 * std::max(scale, std::abs(e)));
        }
    }
}

}  // namespace

TEST_CASE("gradients of a sequential network match finite differences", "[engine][gradients]") {
    // Strided, asymmetrically padded, grouped CONV; ceil-mode max and average pooling with
    // padding; CONV without bias; two FC layers.
    eap::network net("sequential", eap::fmap_shape{2, 9, 8});
    eap::conv_params c1;
    c1.out_channels = 4;
    c1.kernel_height = 3;
    c1.kernel_width = 2;
    c1.stride_height = 2;
    c1.stride_width = 1;
    c1.pad = eap::padding{1, 0, 2, 1};
    c1.groups = 2;
    auto x = net.add_conv("conv1", 0, c1);
    x = net.add_pool("pool1", x, eap::pool_params::window(eap::pool_method::max, 2, 1, 0, true));
    eap::conv_params c2 = eap::conv_params::square(5, 1);
    c2.bias = false;
    x = net.add_conv("conv2", x, c2);
    x = net.add_pool("pool2", x, eap::pool_params::window(eap::pool_method::average, 3, 2, 1, true));
    x = net.add_fc("fc1", x, eap::fc_params{6});
    net.add_fc("fc2", x, eap::fc_params{4}, eap::activation::none);
    check_gradients(net, 21, 3);
}

TEST_CASE("gradients through inception branches, concat, residual add and global pooling match finite differences",
          "[engine][gradients]") {
    eap::network net("graph", eap::fmap_shape{3, 7, 6});
    const auto stem = net.add_conv("stem", 0, eap::conv_params::square(4, 3, 1, 1));
    const auto b1 = net.add_conv("b1", stem, eap::conv_params::square(2, 1));
    auto b3 = net.add_conv("b3_reduce", stem, eap::conv_params::square(2, 1));
    b3 = net.add_conv("b3", b3, eap::conv_params::square(3, 3, 1, 1));
    auto bp = net.add_pool("bp", stem, eap::pool_params::window(eap::pool_method::max, 3, 1, 1));
    bp = net.add_conv("bp_proj", bp, eap::conv_params::square(2, 1));
    const auto cat = net.add_concat("cat", {b1, b3, bp});
    const auto proj = net.add_conv("proj", cat, eap::conv_params::square(4, 1), eap::activation::none);
    const auto sum = net.add_add("sum", {proj, stem});
    const auto gap = net.add_pool("gap", sum, eap::pool_params::global_pool(eap::pool_method::average));
    net.add_fc("fc", gap, eap::fc_params{5}, eap::activation::none);
    check_gradients(net, 22, 2);
}

TEST_CASE("a CONV layer directly on the input with stride 2 and groups matches finite differences",
          "[engine][gradients]") {
    eap::network net("first", eap::fmap_shape{4, 6, 7});
    eap::conv_params c = eap::conv_params::square(6, 3, 2, 1, 2);
    const auto x = net.add_conv("conv", 0, c);
    net.add_fc("fc", x, eap::fc_params{3}, eap::activation::none);
    check_gradients(net, 23, 4);
}

TEST_CASE("CONV backward over several chunks equals the sum of per-image gradients", "[engine][gradients]") {
    std::mt19937_64 rng(24);
    const eap::conv_shape s = eap::conv_shape{}.with_channels(16, 4).with_input(32, 32).with_kernel(3, 3).with_padding(1);
    REQUIRE(eap::engine::conv_layer::chunk_images(144, 1024, 20) < 20);
    xt::xtensor<float, 4> in = xt::empty<float>({20, 16, 32, 32});
    xt::xtensor<float, 4> w = xt::empty<float>({4, 16, 3, 3});
    xt::xtensor<float, 1> b = xt::empty<float>({4});
    eap_test::fill_random(in, rng);
    eap_test::fill_random(w, rng, 0.1);
    eap_test::fill_random(b, rng);
    eap::engine::conv_layer layer;
    xt::xtensor<float, 4> out;
    layer.forward(s, in, w, b, eap::activation::relu, out);
    xt::xtensor<float, 4> out_grad = xt::empty<float>(out.shape());
    eap_test::fill_random(out_grad, rng);
    xt::xtensor<float, 4> w_grad, in_grad = xt::zeros<float>(in.shape());
    xt::xtensor<float, 1> b_grad;
    layer.backward(s, in, w, b, eap::activation::relu, out, out_grad, w_grad, b_grad, &in_grad);

    xt::xtensor<double, 4> w_sum = xt::zeros<double>(w.shape());
    xt::xtensor<double, 1> b_sum = xt::zeros<double>({4});
    eap::engine::conv_layer single;
    for (std::size_t n = 0; n < 20; ++n) {
        xt::xtensor<float, 4> in1 = xt::view(in, xt::range(n, n + 1));
        xt::xtensor<float, 4> out1, g1 = xt::view(out_grad, xt::range(n, n + 1));
        single.forward(s, in1, w, b, eap::activation::relu, out1);
        xt::xtensor<float, 4> wg1, ig1 = xt::zeros<float>(in1.shape());
        xt::xtensor<float, 1> bg1;
        single.backward(s, in1, w, b, eap::activation::relu, out1, g1, wg1, bg1, &ig1);
        w_sum += wg1;
        b_sum += bg1;
        for (std::size_t i = 0; i < ig1.size(); ++i)
            REQUIRE(ig1.data()[i] == Approx(in_grad.data()[n * ig1.size() + i]).margin(1e-5));
    }
    for (std::size_t i = 0; i < w_sum.size(); ++i) CHECK(w_grad.data()[i] == Approx(w_sum.data()[i]).epsilon(1e-4).margin(1e-3));
    for (std::size_t i = 0; i < 4; ++i) CHECK(b_grad(i) == Approx(b_sum(i)).epsilon(1e-4).margin(1e-3));
}

TEST_CASE("the softmax cross-entropy gradient matches finite differences and the loss is stable", "[engine][loss]") {
    std::mt19937_64 rng(25);
    xt::xtensor<float, 4> logits = xt::empty<float>({4, 6, 1, 1});
    eap_test::fill_random(logits, rng, 3.0);
    eap::engine::label_tensor labels = {0, 5, 2, 2};
    xt::xtensor<float, 4> grad;
    eap::engine::softmax_cross_entropy(logits, labels, &grad);
    for (std::size_t i = 0; i < logits.size(); ++i) {
        const float saved = logits.data()[i];
        logits.data()[i] = saved + 1e-2f;
        const double up = eap::engine::softmax_cross_entropy(logits, labels);
        logits.data()[i] = saved - 1e-2f;
        const double down = eap::engine::softmax_cross_entropy(logits, labels);
        logits.data()[i] = saved;
        CHECK(grad.data()[i] == Approx((up - down) / 2e-2).margin(1e-4));
    }
    // Huge logits neither overflow nor give NaN.
    xt::xtensor<float, 4> huge = xt::zeros<float>({1, 3, 1, 1});
    huge(0, 0, 0, 0) = 1e30f;
    const eap::engine::label_tensor one = {1};
    CHECK(eap::engine::softmax_cross_entropy(huge, one) == Approx(1e30));
    const eap::engine::label_tensor bad = {3};
    CHECK_THROWS_AS(eap::engine::softmax_cross_entropy(huge, bad), eap::argument_error);
}

TEST_CASE("max pooling sends the gradient to the first maximum of a window on ties", "[engine][pool]") {
    // 1 x 1 x 3 x 4 input with tied maxima, 2 x 2 windows with stride 1 (overlapping).
    const xt::xtensor<float, 4> in = {{{{0.0f, 5.0f, 5.0f, 1.0f}, {5.0f, 5.0f, 0.0f, 1.0f}, {2.0f, 2.0f, 2.0f, 2.0f}}}};
    const eap::pool_params p = eap::pool_params::window(eap::pool_method::max, 2, 1);
    eap::engine::pool_layer pool;
    xt::xtensor<float, 4> out;
    pool.forward(p, in, out);
    const xt::xtensor<float, 4> expected_out = {{{{5.0f, 5.0f, 5.0f}, {5.0f, 5.0f, 2.0f}}}};
    CHECK((out == expected_out));
    xt::xtensor<float, 4> out_grad = {{{{1.0f, 10.0f, 100.0f}, {1000.0f, 10000.0f, 100000.0f}}}};
    xt::xtensor<float, 4> in_grad = xt::zeros<float>(in.shape());
    pool.backward(p, in, out, out_grad, in_grad);
    // Each window's gradient goes to its first maximum in row-major order: window (0,0) -> (0,1),
    // (0,1) -> (0,1), (0,2) -> (0,2), (1,0) -> (1,0), (1,1) -> (1,1), and (1,2), which holds
    // 0, 1, 2, 2, -> (2,2).
    const xt::xtensor<float, 4> expected_grad = {{{{0.0f, 11.0f, 100.0f, 0.0f}, {1000.0f, 10000.0f, 0.0f, 0.0f},
                                                   {0.0f, 0.0f, 100000.0f, 0.0f}}}};
    CHECK((in_grad == expected_grad));
}
