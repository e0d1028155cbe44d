// Masked SGD, training, schedules, evaluation, capture hooks and densities.
#include <cmath>
#include <cstdint>
#include <random>
#include <vector>

#include "catch.hpp"
#include "engine_reference.hpp"
#include "eap/measure/activation_density.hpp"
#include "eap/engine/capture.hpp"
#include "eap/engine/evaluate.hpp"
#include "eap/engine/executor.hpp"
#include "eap/engine/loss.hpp"
#include "eap/engine/model.hpp"
#include "eap/engine/sgd.hpp"
#include "eap/engine/trainer.hpp"

namespace {

eap::network tiny_network() {
    eap::network net("tiny", eap::fmap_shape{1, 8, 8});
    auto x = net.add_conv("conv1", 0, eap::conv_params::square(6, 3, 1, 1));
    x = net.add_pool("pool1", x, eap::pool_params::window(eap::pool_method::max, 2, 2));
    x = net.add_conv("conv2", x, eap::conv_params::square(8, 3, 1, 1));
    x = net.add_pool("pool2", x, eap::pool_params::window(eap::pool_method::average, 2, 2));
    x = net.add_fc("fc1", x, eap::fc_params{16});
    net.add_fc("fc2", x, eap::fc_params{4}, eap::activation::none);
    return net;
}

// A learnable toy task: each of 4 classes is a fixed random 8 x 8 pattern plus noise.
struct toy_set {
    xt::xtensor<float, 4> images;
    eap::engine::label_tensor labels;
};

toy_set toy_data(std::size_t count, std::uint64_t seed) {
    std::mt19937_64 rng(seed);
    xt::xtensor<float, 4> prototypes = xt::empty<float>({4, 1, 8, 8});
    std::mt19937_64 fixed(1234);
    eap_test::fill_random(prototypes, fixed);
    toy_set s{xt::empty<float>({count, std::size_t{1}, std::size_t{8}, std::size_t{8}}),
              xt::empty<std::int32_t>({count})};
    std::normal_distribution<float> noise(0.0f, 0.7f);
    for (std::size_t n = 0; n < count; ++n) {
        const auto label = static_cast<std::int32_t>(rng() % 4);
        s.labels(n) = label;
        for (std::size_t i = 0; i < 64; ++i) s.images.data()[n * 64 + i] = prototypes.data()[label * 64 + i] + noise(rng);
    }
    return s;
}

// Masks about half of every weight tensor at random.
void random_masks(eap::engine::model& m, std::mt19937_64& rng) {
    for (std::size_t i : m.graph().compute_layers()) {
        auto& mask = m.mask(i);
        float* k = mask.weight_data();
        for (std::size_t j = 0; j < mask.weight_count(); ++j) k[j] = (rng() % 2) ? 1.0f : 0.0f;
    }
}

std::int64_t nonzero_masked(const eap::engine::model& m) {
    std::int64_t count = 0;
    for (std::size_t i : m.graph().compute_layers()) {
        const float* w = m.parameters(i).weight_data();
        const float* k = m.mask(i).weight_data();
        for (std::size_t j = 0; j < m.parameters(i).weight_count(); ++j)
            if (k[j] == 0.0f && w[j] != 0.0f) ++count;
    }
    return count;
}

}  // namespace

TEST_CASE("masked weights stay exactly zero through every SGD update", "[engine][mask]") {
    std::mt19937_64 rng(31);
    eap::engine::model m(tiny_network());
    m.initialize(5);
    random_masks(m, rng);
    CHECK(nonzero_masked(m) > 0);  // initialize ran before the masks changed
    m.apply_masks();
    CHECK(nonzero_masked(m) == 0);
    const toy_set data = toy_data(96, 2);
    eap::engine::training_options options;
    options.batch_size = 16;
    options.schedule.base = 0.2;  // a large rate and decay: every weight moves a lot
    options.optimizer.weight_decay = 1e-2f;
    eap::engine::trainer t(m, options);
    for (int step = 0; step < 40; ++step) {
        t.step(xt::view(data.images, xt::range(step % 6 * 16, step % 6 * 16 + 16)),
               xt::view(data.labels, xt::range(step % 6 * 16, step % 6 * 16 + 16)), 0.2f);
        REQUIRE(nonzero_masked(m) == 0);
        if (step == 20) {
            // Prune more while the optimiser holds momentum for those weights: they must still
            // be zero after the very next step.
            random_masks(m, rng);
        }
    }
    // The unmasked weights did train.
    std::int64_t kept_nonzero = 0;
    for (std::size_t i : m.graph().compute_layers()) {
        const float* w = m.parameters(i).weight_data();
        const float* k = m.mask(i).weight_data();
        for (std::size_t j = 0; j < m.parameters(i).weight_count(); ++j) kept_nonzero += (k[j] != 0.0f && w[j] != 0.0f);
    }
    CHECK(kept_nonzero > 0);
}

TEST_CASE("one SGD step is w - rate * (g + decay * w), then momentum accumulates", "[engine][sgd]") {
    eap::network net("one", eap::fmap_shape{3, 1, 1});
    net.add_fc("fc", 0, eap::fc_params{2}, eap::activation::none);
    eap::engine::model m(net);
    m.fc_weights(1) = {{1.0f, -2.0f, 0.5f}, {0.0f, 3.0f, -1.0f}};
    m.bias(1) = {0.25f, -0.5f};
    m.fc_mask(1)(1, 2) = 0.0f;
    m.apply_masks();
    eap::engine::parameter_set g = eap::engine::make_parameter_set(net, 0.0f, 0.0f);
    g[1].fc = {{0.1f, 0.2f, 0.3f}, {0.4f, 0.5f, 0.6f}};
    g[1].bias = {1.0f, -1.0f};
    eap::engine::sgd opt(eap::engine::sgd_options{0.5f, 0.1f, false});
    opt.step(m, g, 0.1f);
    CHECK((m.fc_weights(1)(0, 0) == Approx(1.0f - 0.1f * (0.1f + 0.1f * 1.0f))));
    CHECK((m.fc_weights(1)(0, 1) == Approx(-2.0f - 0.1f * (0.2f + 0.1f * -2.0f))));
    CHECK((m.fc_weights(1)(1, 2) == 0.0f));
    CHECK(m.bias(1)(0) == Approx(0.25f - 0.1f * 1.0f));
    const float w00 = m.fc_weights(1)(0, 0);
    opt.step(m, g, 0.1f);
    // v = 0.5 * v_prev + g + decay * w
    const float v_prev = 0.1f + 0.1f * 1.0f;
    CHECK((m.fc_weights(1)(0, 0) == Approx(w00 - 0.1f * (0.5f * v_prev + 0.1f + 0.1f * w00))));
    CHECK((m.fc_weights(1)(1, 2) == 0.0f));

    CHECK_THROWS_AS(eap::engine::sgd(eap::engine::sgd_options{1.0f, 0.0f, false}), eap::argument_error);
    CHECK_THROWS_AS(opt.step(m, g, -1.0f), eap::argument_error);
    eap::engine::parameter_set wrong(1);
    CHECK_THROWS_AS(opt.step(m, wrong, 0.1f), eap::shape_error);
}

TEST_CASE("training a tiny network on a tiny set lowers the loss", "[engine][training]") {
    const toy_set data = toy_data(128, 3);
    eap::engine::training_options options;
    options.epochs = 8;
    options.batch_size = 16;
    options.schedule.base = 0.05;
    eap::engine::model a(tiny_network());
    a.initialize(9);
    const auto before = eap::engine::evaluate(a, data.images, data.labels, 32);
    const auto reports = eap::engine::train(a, data.images, data.labels, options);
    REQUIRE(reports.size() == 8);
    CHECK(reports[0].steps == 8);
    const auto after = eap::engine::evaluate(a, data.images, data.labels, 32);
    CHECK(after.mean_loss < 0.3 * before.mean_loss);
    CHECK(reports.back().mean_loss < reports.front().mean_loss);
    CHECK(after.top1() > 0.9);

    // max_steps stops early.
    eap::engine::model d(tiny_network());
    d.initialize(9);
    options.max_steps = 5;
    const auto short_run = eap::engine::train(d, data.images, data.labels, options);
    REQUIRE(short_run.size() == 1);
    CHECK(short_run[0].steps == 5);
}

TEST_CASE("a training run is reproducible from its seeds, augmentation included", "[engine][training]") {
    const toy_set data = toy_data(64, 3);
    eap::engine::training_options options;
    options.epochs = 2;
    options.batch_size = 16;
    options.seed = 77;
    options.augment.max_shift = 2;
    options.augment.horizontal_flip = true;
    auto run = [&](std::uint64_t seed) {
        eap::engine::model m(tiny_network());
        m.initialize(9);
        options.seed = seed;
        eap::engine::train(m, data.images, data.labels, options);
        return m;
    };
    const eap::engine::model a = run(77), b = run(77), c = run(78);
    for (std::size_t i : a.graph().compute_layers()) {
        INFO(a.graph()[i].name);
        CHECK((a.parameters(i).conv == b.parameters(i).conv));
        CHECK((a.parameters(i).fc == b.parameters(i).fc));
        CHECK((a.parameters(i).bias == b.parameters(i).bias));
    }
    CHECK((a.fc_weights(a.graph().index_of("fc2")) != c.fc_weights(c.graph().index_of("fc2"))));
}

TEST_CASE("initialisation is seeded and scaled by fan-in", "[engine][model]") {
    eap::engine::model a(tiny_network()), b(tiny_network());
    a.initialize(1);
    b.initialize(1);
    const std::size_t fc1 = a.graph().index_of("fc1");
    CHECK((a.fc_weights(fc1) == b.fc_weights(fc1)));
    b.initialize(2);
    CHECK((a.fc_weights(fc1) != b.fc_weights(fc1)));
    // He initialisation: variance 2 / fan_in (fan_in = 8 * 2 * 2 = 32).
    const auto& w = a.fc_weights(fc1);
    double sum = 0.0, squares = 0.0;
    for (float v : w) {
        sum += v;
        squares += double(v) * v;
    }
    const double n = static_cast<double>(w.size());
    CHECK(squares / n - (sum / n) * (sum / n) == Approx(2.0 / 32.0).epsilon(0.15));
    CHECK(a.nonzero_weights() == a.graph().weight_count());
}

TEST_CASE("the model checks its tensors against the network", "[engine][model]") {
    eap::engine::model m(tiny_network());
    CHECK_NOTHROW(m.validate());
    const std::size_t conv1 = m.graph().index_of("conv1");
    m.conv_mask(conv1)(0, 0, 0, 0) = 0.5f;
    CHECK_THROWS_AS(m.validate(), eap::argument_error);
    CHECK_THROWS_WITH(m.validate(), Catch::Contains("conv1") && Catch::Contains("0.5"));
    m.conv_mask(conv1)(0, 0, 0, 0) = 1.0f;
    m.conv_weights(conv1) = xt::zeros<float>({6, 1, 3, 2});
    CHECK_THROWS_AS(m.validate(), eap::shape_error);
    CHECK_THROWS_WITH(m.validate(), Catch::Contains("weights") && Catch::Contains("conv1"));
    CHECK_THROWS_AS(m.apply_masks(), eap::shape_error);
    eap::engine::executor runner;
    const xt::xtensor<float, 4> images = xt::zeros<float>({1, 1, 8, 8});
    CHECK_THROWS_AS(runner.forward(m, images), eap::shape_error);
}

TEST_CASE("learning-rate schedules", "[engine][schedule]") {
    eap::engine::learning_rate_schedule s;
    s.kind = eap::engine::learning_rate_schedule::shape::cosine;
    s.base = 0.1;
    s.final_fraction = 0.1;
    CHECK(s.at(0.0) == Approx(0.1));
    CHECK(s.at(0.5) == Approx(0.1 * (0.1 + 0.9 * 0.5)));
    CHECK(s.at(1.0) == Approx(0.01));
    s.warmup = 0.1;
    CHECK(s.at(0.05) == Approx(0.5 * 0.1 * (0.1 + 0.9 * 0.5 * (1 + std::cos(3.141592653589793 * 0.05)))));
    s.warmup = 0.0;
    s.kind = eap::engine::learning_rate_schedule::shape::step;
    s.step_every = 0.25;
    s.step_factor = 0.5;
    CHECK(s.at(0.2) == Approx(0.1));
    CHECK(s.at(0.3) == Approx(0.05));
    CHECK(s.at(0.8) == Approx(0.0125));
    s.kind = eap::engine::learning_rate_schedule::shape::constant;
    CHECK(s.at(0.9) == Approx(0.1));
    s.base = -1.0;
    CHECK_THROWS_AS(s.at(0.0), eap::argument_error);
    CHECK_THROWS_WITH(s.at(0.0), Catch::Contains("base"));
    eap::engine::model m(tiny_network());
    eap::engine::training_options bad;
    bad.batch_size = 0;
    CHECK_THROWS_AS(eap::engine::trainer(m, bad), eap::argument_error);
}

TEST_CASE("top-1 and top-5 counting, ties in favour of the lower class index", "[engine][evaluate]") {
    xt::xtensor<float, 4> logits = xt::zeros<float>({3, 7, 1, 1});
    for (std::size_t c = 0; c < 7; ++c) logits(0, c, 0, 0) = static_cast<float>(c);   // order 6 5 4 3 2 1 0
    for (std::size_t c = 0; c < 7; ++c) logits(1, c, 0, 0) = 1.0f;                      // all tied
    logits(2, 3, 0, 0) = 2.0f;
    const eap::engine::label_tensor labels = {6, 0, 3};
    CHECK(eap::engine::count_top_k(logits, labels, 1) == 3);
    const eap::engine::label_tensor others = {1, 5, 0};
    // image 0: class 1 has 5 classes ahead; image 1: class 5 has 5 tied classes of lower index
    // ahead; image 2: class 0 has class 3 ahead.
    CHECK(eap::engine::count_top_k(logits, others, 1) == 0);
    CHECK(eap::engine::count_top_k(logits, others, 2) == 1);
    CHECK(eap::engine::count_top_k(logits, others, 5) == 1);
    CHECK(eap::engine::count_top_k(logits, others, 6) == 3);
    CHECK_THROWS_AS(eap::engine::count_top_k(logits, others, 0), eap::argument_error);
}

TEST_CASE("evaluate reports accuracy and loss over all images", "[engine][evaluate]") {
    const toy_set data = toy_data(50, 4);
    eap::engine::model m(tiny_network());
    m.initialize(3);
    eap::engine::executor runner;
    const auto report = eap::engine::evaluate(runner, m, data.images, data.labels, 15);
    const auto& logits = runner.forward(m, data.images);
    CHECK(report.images == 50);
    CHECK(report.top1_correct == eap::engine::count_top_k(logits, data.labels, 1));
    CHECK(report.top5_correct == 50);  // 4 classes
    CHECK(report.mean_loss == Approx(eap::engine::softmax_cross_entropy(logits, data.labels)).epsilon(1e-5));
    const eap::engine::label_tensor short_labels = {0};
    CHECK_THROWS_AS(eap::engine::evaluate(m, data.images, short_labels), eap::shape_error);
}

TEST_CASE("capture returns each layer's inputs, pre-activation values and outputs", "[engine][capture]") {
    const toy_set data = toy_data(23, 5);
    eap::engine::model m(tiny_network());
    m.initialize(6);
    const auto& net = m.graph();
    const std::size_t conv2 = net.index_of("conv2"), pool2 = net.index_of("pool2"), fc2 = net.index_of("fc2");
    eap::engine::capture_options options;
    options.batch_size = 10;  // three passes, the last one of 3 images
    const auto captured = eap::engine::capture_layers(m, data.images, {fc2, conv2, pool2}, options);
    REQUIRE(captured.size() == 3);
    CHECK(captured[0].layer == fc2);
    eap::engine::executor runner;
    runner.forward(m, data.images);
    const auto& c = captured[1];
    REQUIRE(c.inputs.size() == 1);
    CHECK(c.inputs[0].shape()[0] == 23);
    CHECK(xt::allclose(c.inputs[0], runner.output(net.index_of("pool1")), 1e-5, 1e-6));
    CHECK(xt::allclose(c.output, runner.output(conv2), 1e-5, 1e-6));
    xt::xtensor<float, 4> rectified = xt::maximum(c.pre_activation, 0.0f);
    CHECK((rectified == c.output));
    CHECK(xt::any(c.pre_activation < 0.0f));
    CHECK(captured[2].pre_activation.size() == 0);  // pooling has no pre-activation stage
    CHECK(xt::allclose(captured[2].output, runner.output(pool2), 1e-5, 1e-6));
    CHECK((captured[0].pre_activation == captured[0].output));  // no activation on fc2

    eap::engine::capture_options only_inputs;
    only_inputs.pre_activation = only_inputs.output = false;
    const auto inputs_only = eap::engine::capture_layers(m, data.images, {conv2}, only_inputs);
    CHECK(inputs_only[0].output.size() == 0);
    CHECK(inputs_only[0].inputs.size() == 1);
    CHECK_THROWS_AS(eap::engine::capture_layers(m, data.images, {conv2, conv2}), eap::argument_error);
    CHECK_THROWS_AS(eap::engine::capture_layers(m, data.images, {99}), eap::argument_error);
}

TEST_CASE("measured densities count the non-zero weights and activations", "[engine][density]") {
    const toy_set data = toy_data(20, 6);
    eap::engine::model m(tiny_network());
    m.initialize(7);
    std::mt19937_64 rng(8);
    random_masks(m, rng);
    m.apply_masks();
    const auto densities = eap::engine::measure_densities(m, data.images, 7);
    eap::engine::executor runner;
    runner.forward(m, data.images);
    auto density = [](const xt::xtensor<float, 4>& t) {
        return static_cast<double>(xt::count_nonzero(t)()) / static_cast<double>(t.size());
    };
    const auto& net = m.graph();
    for (std::size_t i = 1; i < net.size(); ++i) {
        INFO(net[i].name);
        CHECK(densities[i].ofmaps == Approx(density(runner.output(i))));
        CHECK(densities[i].ifmaps == Approx(density(runner.output(net[i].inputs[0]))));
        if (net[i].is_compute()) {
            const auto& p = m.parameters(i);
            const float* w = p.weight_data();
            const auto nz = std::count_if(w, w + p.weight_count(), [](float v) { return v != 0.0f; });
            CHECK(densities[i].weights == Approx(double(nz) / double(p.weight_count())));
            CHECK(densities[i].weights < 0.75);
        }
    }
    CHECK(densities[net.index_of("conv2")].ifmaps < 1.0);  // after ReLU and max pooling
}
