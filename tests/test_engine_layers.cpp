// Forward pass of every layer kind against the brute-force reference (tests/engine_reference.hpp).
#include <cstdint>
#include <random>
#include <string>

#include "catch.hpp"
#include "engine_reference.hpp"
#include "eap/engine/conv_layer.hpp"
#include "eap/engine/executor.hpp"
#include "eap/engine/fc_layer.hpp"
#include "eap/engine/gemm.hpp"
#include "eap/engine/im2col.hpp"
#include "eap/engine/model.hpp"
#include "eap/engine/pool_layer.hpp"

using eap_test::dtensor4;

namespace {

std::int64_t uniform(std::mt19937_64& rng, std::int64_t lo, std::int64_t hi) {
    return std::uniform_int_distribution<std::int64_t>(lo, hi)(rng);
}

xt::xtensor<float, 4> random_images(std::mt19937_64& rng, std::size_t n, const eap::fmap_shape& s) {
    xt::xtensor<float, 4> x = xt::empty<float>({n, static_cast<std::size_t>(s.channels), static_cast<std::size_t>(s.height),
                                                static_cast<std::size_t>(s.width)});
    eap_test::fill_random(x, rng);
    return x;
}

// A random CONV layer: stride and padding per axis and side, groups, bias or not, ReLU or not.
eap::network random_conv_network(std::mt19937_64& rng, bool& relu) {
    for (;;) {
        const std::int64_t groups = uniform(rng, 1, 3);
        const std::int64_t c = groups * uniform(rng, 1, 3), m = groups * uniform(rng, 1, 4);
        const std::int64_t h = uniform(rng, 1, 11), w = uniform(rng, 1, 11);
        eap::conv_params p;
        p.out_channels = m;
        p.kernel_height = uniform(rng, 1, 5);
        p.kernel_width = uniform(rng, 1, 5);
        p.stride_height = uniform(rng, 1, 3);
        p.stride_width = uniform(rng, 1, 3);
        p.pad = eap::padding{uniform(rng, 0, 2), uniform(rng, 0, 2), uniform(rng, 0, 2), uniform(rng, 0, 2)};
        p.groups = groups;
        p.bias = uniform(rng, 0, 3) != 0;
        if (p.kernel_height > h + p.pad.top + p.pad.bottom || p.kernel_width > w + p.pad.left + p.pad.right) continue;
        relu = uniform(rng, 0, 1) == 1;
        eap::network net("conv", eap::fmap_shape{c, h, w});
        net.add_conv("conv", 0, p, relu ? eap::activation::relu : eap::activation::none);
        return net;
    }
}

}  // namespace

TEST_CASE("CONV forward equals the direct convolution on random shapes", "[engine][conv]") {
    std::mt19937_64 rng(11);
    eap::engine::executor runner;  // one executor across shapes: buffers are re-sized as needed
    for (int trial = 0; trial < 300; ++trial) {
        bool relu = false;
        const eap::network net = random_conv_network(rng, relu);
        INFO("trial " << trial << ": " << net.layer_shape(1));
        eap::engine::model m(net);
        eap_test::randomize(m, rng);
        const auto images = random_images(rng, static_cast<std::size_t>(uniform(rng, 1, 4)), net.input().output);
        const auto& out = runner.forward(m, images);
        const auto params = eap_test::to_double(m);
        dtensor4 expected = eap_test::conv_direct(net.layer_shape(1), eap_test::to_double(images), params.weights[1],
                                                  params.bias[1]);
        if (relu) eap_test::relu(expected);
        REQUIRE(out.shape() == expected.shape());
        CHECK(eap_test::max_relative_difference(out, expected) < 1e-5);
    }
}

TEST_CASE("CONV forward cuts large batches into chunks without changing the result", "[engine][conv]") {
    // 16 channels x 3 x 3 = 144 patch rows, 32 x 32 positions: a patch matrix of 147,456 floats
    // per image, so the 2^21-float limit gives chunks of 14 images and a batch of 20 takes two.
    std::mt19937_64 rng(3);
    eap::network net("chunks", eap::fmap_shape{16, 32, 32});
    net.add_conv("conv", 0, eap::conv_params::square(8, 3, 1, 1));
    REQUIRE(eap::engine::conv_layer::chunk_images(144, 1024, 20) == 14);
    eap::engine::model m(net);
    eap_test::randomize(m, rng, 0.2);
    const auto images = random_images(rng, 20, net.input().output);
    eap::engine::executor runner;
    const auto out = runner.forward(m, images);
    const auto params = eap_test::to_double(m);
    dtensor4 expected = eap_test::conv_direct(net.layer_shape(1), eap_test::to_double(images), params.weights[1], params.bias[1]);
    eap_test::relu(expected);
    CHECK(eap_test::max_relative_difference(out, expected) < 1e-5);
}

TEST_CASE("FC forward equals the direct product on any input shape", "[engine][fc]") {
    std::mt19937_64 rng(5);
    for (int trial = 0; trial < 100; ++trial) {
        const eap::fmap_shape in{uniform(rng, 1, 5), uniform(rng, 1, 5), uniform(rng, 1, 5)};
        const std::int64_t outputs = uniform(rng, 1, 12);
        const bool relu = uniform(rng, 0, 1) == 1, bias = uniform(rng, 0, 1) == 1;
        eap::network net("fc", in);
        net.add_fc("fc", 0, eap::fc_params{outputs, bias}, relu ? eap::activation::relu : eap::activation::none);
        eap::engine::model m(net);
        eap_test::randomize(m, rng);
        const auto images = random_images(rng, static_cast<std::size_t>(uniform(rng, 1, 6)), in);
        eap::engine::executor runner;
        const auto& out = runner.forward(m, images);
        const auto params = eap_test::to_double(m);
        dtensor4 expected = eap_test::fc_direct(eap_test::to_double(images), outputs, params.weights[1], params.bias[1]);
        if (relu) eap_test::relu(expected);
        REQUIRE(out.shape() == expected.shape());
        CHECK(eap_test::max_relative_difference(out, expected) < 1e-5);
    }
}

TEST_CASE("max and average pooling equal the direct definition (padding, ceil mode, global)", "[engine][pool]") {
    std::mt19937_64 rng(7);
    int tested = 0;
    for (int trial = 0; trial < 400; ++trial) {
        eap::pool_params p;
        p.method = uniform(rng, 0, 1) ? eap::pool_method::max : eap::pool_method::average;
        p.kernel_height = uniform(rng, 1, 4);
        p.kernel_width = uniform(rng, 1, 4);
        p.stride_height = uniform(rng, 1, 3);
        p.stride_width = uniform(rng, 1, 3);
        p.pad = eap::padding{uniform(rng, 0, p.kernel_height - 1), uniform(rng, 0, p.kernel_height - 1),
                             uniform(rng, 0, p.kernel_width - 1), uniform(rng, 0, p.kernel_width - 1)};
        p.ceil_mode = uniform(rng, 0, 1) == 1;
        p.global = uniform(rng, 0, 7) == 0;
        const eap::fmap_shape in{uniform(rng, 1, 3), uniform(rng, 1, 9), uniform(rng, 1, 9)};
        try {
            (void)p.output(in);
        } catch (const eap::shape_error&) {
            continue;  // an impossible window: the network rejects it too
        }
        eap::network net("pool", in);
        net.add_pool("pool", 0, p);
        eap::engine::model m(net);
        const auto images = random_images(rng, static_cast<std::size_t>(uniform(rng, 1, 3)), in);
        eap::engine::executor runner;
        const auto& out = runner.forward(m, images);
        const dtensor4 expected = eap_test::pool_direct(p, eap_test::to_double(images));
        INFO("trial " << trial << " kernel " << p.kernel_height << "x" << p.kernel_width << " stride " << p.stride_height
                      << "x" << p.stride_width << " ceil " << p.ceil_mode << " global " << p.global);
        REQUIRE(out.shape() == expected.shape());
        CHECK(eap_test::max_relative_difference(out, expected) < 1e-6);
        ++tested;
    }
    CHECK(tested > 200);
}

TEST_CASE("a graph with branches, concat and residual add equals the reference", "[engine][graph]") {
    std::mt19937_64 rng(9);
    eap::network net("graph", eap::fmap_shape{3, 9, 8});
    const auto stem = net.add_conv("stem", 0, eap::conv_params::square(6, 3, 1, 1));
    const auto a = net.add_conv("a", stem, eap::conv_params::square(4, 1));
    const auto b = net.add_conv("b", stem, eap::conv_params::square(5, 3, 1, 1));
    const auto c = net.add_pool("c", stem, eap::pool_params::window(eap::pool_method::max, 3, 1, 1));
    const auto cat = net.add_concat("cat", {a, b, c, stem});
    const auto proj = net.add_conv("proj", cat, eap::conv_params::square(6, 1), eap::activation::none);
    const auto sum = net.add_add("sum", {proj, stem, stem});
    const auto pool = net.add_pool("pool", sum, eap::pool_params::window(eap::pool_method::average, 3, 2, 1, true));
    net.add_fc("fc", pool, eap::fc_params{7}, eap::activation::none);
    eap::engine::model m(net);
    eap_test::randomize(m, rng, 0.4);
    const auto images = random_images(rng, 3, net.input().output);
    eap::engine::executor runner;
    runner.forward(m, images);
    const auto expected = eap_test::forward_network(net, eap_test::to_double(m), eap_test::to_double(images));
    for (std::size_t i = 1; i < net.size(); ++i) {
        INFO("layer " << net[i].name);
        REQUIRE(runner.output(i).shape() == expected[i].shape());
        CHECK(eap_test::max_relative_difference(runner.output(i), expected[i]) < 1e-5);
    }
}

TEST_CASE("the forward pass is deterministic and agrees across batch sizes", "[engine][graph]") {
    std::mt19937_64 rng(13);
    eap::network net("batch", eap::fmap_shape{2, 12, 12});
    auto x = net.add_conv("conv1", 0, eap::conv_params::square(8, 3, 1, 1));
    x = net.add_pool("pool1", x, eap::pool_params::window(eap::pool_method::max, 2, 2));
    x = net.add_conv("conv2", x, eap::conv_params::square(8, 3, 2, 1, 2));
    net.add_fc("fc", x, eap::fc_params{5}, eap::activation::none);
    eap::engine::model m(net);
    m.initialize(4);
    const auto images = random_images(rng, 7, net.input().output);
    eap::engine::executor batch_runner, single_runner, again;
    const xt::xtensor<float, 4> all = batch_runner.forward(m, images);
    // The same batch gives the same bits, on a fresh executor too.
    CHECK((again.forward(m, images) == all));
    CHECK((batch_runner.forward(m, images) == all));
    // Another batch size changes how BLAS tiles the product, and with it the rounding of the
    // last bits, not more.
    for (std::int64_t n = 0; n < 7; ++n) {
        const auto& one = single_runner.forward(m, images, n, 1);
        for (std::size_t j = 0; j < 5; ++j) CHECK(one(0, j, 0, 0) == Approx(all(n, j, 0, 0)).epsilon(1e-5).margin(1e-6));
    }
}

TEST_CASE("col2im is the adjoint of im2col", "[engine][im2col]") {
    std::mt19937_64 rng(17);
    for (int trial = 0; trial < 100; ++trial) {
        bool relu = false;
        const eap::network net = random_conv_network(rng, relu);
        const eap::conv_shape s = net.layer_shape(1);
        const std::int64_t k = s.in_channels_per_group() * s.kernel_height * s.kernel_width;
        const std::int64_t positions = s.out_height() * s.out_width();
        xt::xtensor<float, 1> x = xt::empty<float>({static_cast<std::size_t>(s.ifmap_size())});
        xt::xtensor<float, 1> y = xt::empty<float>({static_cast<std::size_t>(k * positions)});
        eap_test::fill_random(x, rng);
        eap_test::fill_random(y, rng);
        for (std::int64_t g = 0; g < s.groups; ++g) {
            xt::xtensor<float, 1> columns = xt::empty<float>({static_cast<std::size_t>(k * positions)});
            eap::engine::im2col(s, x.data(), g, columns.data(), positions);
            xt::xtensor<float, 1> back = xt::zeros<float>({static_cast<std::size_t>(s.ifmap_size())});
            eap::engine::col2im_add(s, y.data(), positions, g, back.data());
            double left = 0.0, right = 0.0;
            for (std::size_t i = 0; i < columns.size(); ++i) left += double(columns(i)) * y(i);
            for (std::size_t i = 0; i < x.size(); ++i) right += double(x(i)) * back(i);
            CHECK(left == Approx(right).epsilon(1e-9).margin(1e-3));
        }
    }
}

TEST_CASE("layers reject tensors that do not match the layer", "[engine][errors]") {
    eap::network net("bad", eap::fmap_shape{2, 6, 6});
    net.add_conv("conv", 0, eap::conv_params::square(4, 3));
    eap::engine::model m(net);
    eap::engine::executor runner;
    const xt::xtensor<float, 4> wrong_channels = xt::zeros<float>({1, 3, 6, 6});
    CHECK_THROWS_AS(runner.forward(m, wrong_channels), eap::shape_error);
    CHECK_THROWS_WITH(runner.forward(m, wrong_channels),
                      Catch::Contains("images") && Catch::Contains("channels") && Catch::Contains("expected 2"));
    const xt::xtensor<float, 4> images = xt::zeros<float>({2, 2, 6, 6});
    CHECK_THROWS_AS(runner.forward(m, images, 1, 2), eap::argument_error);
    CHECK_THROWS_AS(runner.forward(m, images, 3), eap::argument_error);

    eap::engine::conv_layer conv;
    xt::xtensor<float, 4> out;
    const xt::xtensor<float, 4> weights = xt::zeros<float>({4, 2, 3, 2});
    CHECK_THROWS_WITH(conv.forward(net.layer_shape(1), images, weights, eap::engine::bias_tensor{},
                                   eap::activation::none, out),
                      Catch::Contains("weights") && Catch::Contains("kernel width") && Catch::Contains("expected 3"));
    const eap::engine::bias_tensor bias = xt::zeros<float>({5});
    CHECK_THROWS_AS(conv.forward(net.layer_shape(1), images, m.conv_weights(1), bias, eap::activation::none, out),
                    eap::shape_error);

    eap::engine::fc_layer fc;
    const xt::xtensor<float, 2> fc_weights = xt::zeros<float>({3, 71});
    CHECK_THROWS_WITH(fc.forward(images, fc_weights, eap::engine::bias_tensor{}, eap::activation::none, out),
                      Catch::Contains("72"));

    float c = 0.0f;
    CHECK_THROWS_AS(eap::engine::gemm(eap::engine::transpose::no, eap::engine::transpose::no, -1, 1, 1, 1.0f, &c, 1,
                                      &c, 1, 0.0f, &c, 1),
                    eap::argument_error);
    CHECK_THROWS_AS(m.fc_weights(1), eap::argument_error);
    CHECK_THROWS_AS(m.parameters(0), eap::argument_error);
}
