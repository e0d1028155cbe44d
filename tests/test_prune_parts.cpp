// The pieces the energy-aware loop is built from: partial models, the model's energy from exact
// sparsity, one layer's pruning, fine-tuning, the magnitude baseline and the saved state.
#include <cmath>
#include <filesystem>
#include <fstream>
#include <random>

#include "catch.hpp"
#include "eap/prune/energy_aware_pruning.hpp"
#include "eap/prune/magnitude_baseline.hpp"
#include "eap/zoo/fashion_mnist_models.hpp"
#include "prune_loop_support.hpp"

namespace {

eap::engine::activation_tensor random_images(std::size_t n, const eap::fmap_shape& s, std::uint32_t seed) {
    std::mt19937 rng(seed);
    std::uniform_real_distribution<float> u(-0.2f, 1.0f);
    eap::engine::activation_tensor t = xt::empty<float>(
        {n, static_cast<std::size_t>(s.channels), static_cast<std::size_t>(s.height), static_cast<std::size_t>(s.width)});
    for (auto& v : t) v = std::max(0.0f, u(rng));
    return t;
}

}  // namespace

TEST_CASE("suffix_cut is the last layer whose output alone feeds the rest", "[prune][partial]") {
    const eap::network a = eap::zoo::fashion_alexnet();
    CHECK(eap::suffix_cut(a, a.index_of("conv2")) == a.index_of("pool1"));
    CHECK(eap::suffix_cut(a, a.index_of("fc1")) == a.index_of("pool3"));
    CHECK(eap::suffix_cut(a, a.index_of("conv1")) == 0);
    const eap::network g = eap::zoo::fashion_googlenet();
    // Inside an inception module the rest also needs the other branches: cut at the module input.
    const std::size_t module_input = g.index_of("pool2");
    CHECK(eap::suffix_cut(g, g.index_of("inception_3a/3x3")) == module_input);
    CHECK(eap::suffix_cut(g, g.index_of("inception_3a/1x1")) == module_input);
    CHECK(eap::suffix_cut(g, g.index_of("inception_3b/5x5")) == g.index_of("inception_3a/output"));
    CHECK(eap::suffix_cut(g, g.index_of("classifier")) == g.index_of("pool5"));
    CHECK_THROWS_AS(eap::suffix_cut(g, 0), eap::argument_error);
}

TEST_CASE("prefix and suffix models compute what the whole model computes", "[prune][partial]") {
    eap::engine::model m(eap::zoo::fashion_googlenet());
    m.initialize(9);
    const eap::network& net = m.graph();
    const auto images = random_images(6, net.input().output, 4);
    eap::engine::executor whole, part;
    const eap::engine::activation_tensor logits = whole.forward(m, images);  // a copy: the executor reuses its buffers
    for (const char* name : {"inception_3b/3x3", "inception_4a/pool_proj", "classifier"}) {
        INFO(name);
        const std::size_t cut = eap::suffix_cut(net, net.index_of(name));
        const eap::engine::model prefix = eap::prefix_model(m, cut);
        CHECK(prefix.graph().size() == cut + 1);
        eap::engine::executor p, s;
        const eap::engine::activation_tensor middle = p.forward(prefix, images);
        eap::engine::capture_options co;
        co.inputs = co.pre_activation = false;
        const auto cut_output = eap::engine::capture_layers(whole, m, images, {cut}, co).front().output;
        REQUIRE(middle.shape() == cut_output.shape());
        for (std::size_t i = 0; i < middle.size(); ++i) CHECK(middle.data()[i] == Approx(cut_output.data()[i]).margin(1e-6));
        const eap::engine::model suffix = eap::suffix_model(m, cut);
        CHECK(suffix.graph().size() == net.size() - cut);
        const eap::engine::activation_tensor out = s.forward(suffix, middle);
        REQUIRE(out.shape() == logits.shape());
        for (std::size_t i = 0; i < out.size(); ++i) CHECK(out.data()[i] == Approx(logits.data()[i]).margin(1e-5));
    }
    CHECK_THROWS_AS(eap::suffix_model(m, net.size() - 1), eap::argument_error);
    CHECK_THROWS_AS(eap::prefix_model(m, 0), eap::argument_error);
}

TEST_CASE("model energy from exact sparsity: chunks add up, the floor is below, pruning lowers it", "[prune][energy]") {
    const eap::engine::model m = prune_loop_test::trained_strokes_model();
    const auto images = prune_loop_test::strokes(90, 21).images;
    eap::engine::executor runner;
    const eap::model_sparsity one = eap::count_model_sparsity(runner, m, images, 90);
    const eap::model_sparsity chunked = eap::count_model_sparsity(runner, m, images, 7);
    REQUIRE(one.counts.size() == 4);
    for (std::size_t k = 0; k < one.counts.size(); ++k) {
        CHECK(one.counts[k].batch == 90);
        CHECK(chunked.counts[k].nonskipped_macs == one.counts[k].nonskipped_macs);
        CHECK(chunked.counts[k].nonzero_ifmap_values == one.counts[k].nonzero_ifmap_values);
        CHECK(chunked.counts[k].ofmap_rlc_words == one.counts[k].ofmap_rlc_words);
        CHECK(chunked.counts[k].dense_macs == one.counts[k].dense_macs);
    }
    CHECK(one.nonzero_weights() == m.nonzero_weights());
    CHECK(one.dense_macs_per_image() == static_cast<double>(m.graph().mac_count()));
    CHECK(one.nonskipped_macs_per_image() < one.dense_macs_per_image());
    const eap::hardware hw = eap::presets::eyeriss_v1_hardware();
    for (std::int64_t batch : {1, 16}) {
        const eap::model_energy e = eap::estimate_model_energy(m.graph(), one, hw, batch);
        const eap::model_energy floor = eap::estimate_energy_floor(m.graph(), one, hw, batch);
        CHECK(e.energy.batch == batch);
        CHECK(floor.per_image() < e.per_image());
        CHECK(floor.per_image() > 0.0);
        double layers = 0.0;
        for (std::size_t k = 0; k < e.energy.layers.size(); ++k) layers += e.layer_per_image(k);
        CHECK(layers == Approx(e.per_image()));
    }
    // Half the weights of fc1 pruned: less energy.
    eap::engine::model pruned = m;
    const std::size_t fc1 = m.graph().index_of("fc1");
    auto& mask = pruned.mask(fc1).fc;
    for (std::size_t j = 0; j < mask.size(); j += 2) mask.data()[j] = 0.0f;
    pruned.apply_masks();
    CHECK(eap::measure_model_energy(runner, pruned, images, hw, 1).per_image() <
          eap::measure_model_energy(runner, m, images, hw, 1).per_image());
    CHECK_THROWS_AS(eap::estimate_model_energy(eap::zoo::fashion_alexnet(), one, hw, 1), eap::argument_error);
}

TEST_CASE("prune_layer: restoration <= least squares <= magnitude in output error, at the requested count", "[prune][layer]") {
    const eap::engine::model m = prune_loop_test::trained_strokes_model();
    const auto images = prune_loop_test::strokes(200, 22).images;
    eap::engine::executor runner;
    for (const char* name : {"conv2", "fc1"}) {
        INFO(name);
        const std::size_t layer = m.graph().index_of(name);
        eap::engine::capture_options co;
        co.output = false;
        const auto captured = eap::engine::capture_layers(runner, m, images, {layer}, co).front();
        const eap::conv_shape shape = m.graph().layer_shape(layer, 200);
        const auto positions = m.graph()[layer].kind() == eap::layer_kind::fully_connected
                                   ? eap::all_output_positions(shape)
                                   : eap::random_output_positions(shape, 2000, 1);
        const auto systems =
            eap::build_layer_systems(captured.inputs.front(), captured.pre_activation, shape, positions);
        const auto& reference = m.parameters(layer);
        const std::int64_t total = static_cast<std::int64_t>(reference.weight_count());
        const std::int64_t keep = total / 5;
        double errors[3];
        int i = 0;
        for (auto method : {eap::layer_pruning_method::magnitude, eap::layer_pruning_method::magnitude_fit,
                            eap::layer_pruning_method::restoration_fit}) {
            eap::layer_pruning_options o;
            o.method = method;
            eap::engine::layer_parameters w, k;
            const eap::layer_pruning_report r = eap::prune_layer(reference, systems, keep, o, w, k);
            CHECK(r.kept == keep);
            const float* kd = k.weight_data();
            std::int64_t kept = 0;
            for (std::size_t j = 0; j < k.weight_count(); ++j) {
                kept += kd[j] != 0.0f;
                if (kd[j] == 0.0f) REQUIRE(w.weight_data()[j] == 0.0f);
            }
            CHECK(kept == keep);
            // The output error of the result, from the Gram systems (bias last when fitted).
            const auto& sys = systems.front();
            double err = 0.0;
            const std::int64_t cols = total / shape.out_channels;
            for (std::int64_t c = 0; c < shape.out_channels; ++c) {
                std::vector<double> v(static_cast<std::size_t>(sys.unknowns()), 0.0);
                for (std::int64_t j = 0; j < cols; ++j) v[static_cast<std::size_t>(j)] = w.weight_data()[c * cols + j];
                v.back() = w.bias(c);
                err += sys.output_error(c, v.data());
            }
            errors[i++] = err;
        }
        CHECK(errors[2] <= errors[1] * (1 + 1e-6));
        CHECK(errors[1] <= errors[0] * (1 + 1e-6));
        eap::engine::layer_parameters w, k;
        CHECK_THROWS_WITH(eap::prune_layer(reference, systems, total + 1, {}, w, k), Catch::Contains("keep = "));
    }
}

TEST_CASE("fine-tuning that lowers the accuracy is undone", "[prune][fine_tuning]") {
    eap::engine::model m = prune_loop_test::trained_strokes_model();
    const auto train = prune_loop_test::strokes(300, 23);
    const auto validation = prune_loop_test::strokes(300, 24);
    eap::engine::executor runner;
    const double before = eap::engine::evaluate(runner, m, validation.images, validation.labels).top1();
    const eap::engine::model copy = m;
    eap::engine::training_options wild;
    wild.epochs = 1;
    wild.max_steps = 10;
    wild.schedule.kind = eap::engine::learning_rate_schedule::shape::constant;
    wild.schedule.base = 50.0;  // diverges
    const double after = eap::fine_tune(m, wild, 1, train, validation, before, runner);
    CHECK(after == before);
    CHECK(prune_loop_test::same_parameters(m, copy));
    CHECK(eap::within_limit(0.91 - 0.90, 0.01));
    CHECK_FALSE(eap::within_limit(0.0101, 0.01));
}

TEST_CASE("magnitude baseline prunes below quality x deviation in every layer and keeps pruned weights zero",
          "[prune][baseline]") {
    const eap::engine::model original = prune_loop_test::trained_strokes_model();
    eap::engine::model m = original;
    eap::detail::prune_by_layer_deviation(m, 1.0);
    for (std::size_t i : m.graph().compute_layers()) {
        const auto& w0 = original.parameters(i);
        double sum = 0, squares = 0;
        const auto n = w0.weight_count();
        for (std::size_t j = 0; j < n; ++j) {
            sum += w0.weight_data()[j];
            squares += static_cast<double>(w0.weight_data()[j]) * w0.weight_data()[j];
        }
        const double deviation = std::sqrt(squares / n - (sum / n) * (sum / n));
        for (std::size_t j = 0; j < n; ++j) {
            const bool kept = m.mask(i).weight_data()[j] != 0.0f;
            CHECK(kept == (std::abs(w0.weight_data()[j]) > deviation));
        }
    }
    eap::magnitude_baseline_options o;
    o.accuracy_loss_limit = 0.03;
    o.rounds = 1;
    o.search_steps = 3;
    o.fine_tuning.epochs = 1;
    o.fine_tuning.max_steps = 20;
    o.fine_tuning.batch_size = 32;
    o.fine_tuning.schedule.base = 0.005;
    const auto train = prune_loop_test::strokes(600, 25);
    const auto validation = prune_loop_test::strokes(400, 26);
    const eap::magnitude_baseline_result r = eap::prune_by_magnitude(original, validation, train, o);
    CHECK(r.points.size() == 3);
    const auto& best = r.points[r.best];
    CHECK(best.nonzero_weights == r.model.nonzero_weights());
    if (r.limit_met) {
        for (const auto& p : r.points)
            if (p.meets_limit) CHECK(p.nonzero_weights >= best.nonzero_weights);
    }
    for (std::size_t i : r.model.graph().compute_layers())
        for (std::size_t j = 0; j < r.model.parameters(i).weight_count(); ++j)
            if (r.model.mask(i).weight_data()[j] == 0.0f) REQUIRE(r.model.parameters(i).weight_data()[j] == 0.0f);
    o.rounds = 0;
    CHECK_THROWS_WITH(eap::prune_by_magnitude(original, validation, train, o), Catch::Contains("options.rounds = 0"));
}

TEST_CASE("the pruning state round-trips and a malformed state names its line", "[prune][state]") {
    const eap::network net = prune_loop_test::strokes_network();
    eap::pruning_state state;
    state.round = 1;
    state.budget = 0.0123456789;
    state.in_round = true;
    state.order = {net.index_of("fc1"), net.index_of("conv1")};
    eap::layer_record r;
    r.index = net.index_of("fc1");
    r.layer = "fc1";
    r.weights = 6912;
    r.kept = 700;
    r.keep_fraction = 700.0 / 6912;
    r.reference_accuracy = 0.975;
    r.accuracy = 0.97;
    r.energy_before = 1.5e6;
    r.energy_after = 1.1e6;
    r.relative_error = 0.01;
    r.trials = 4;
    r.pruned = true;
    state.layers = {r};
    eap::operating_point p;
    p.round = 0;
    p.accuracy_budget = 0.02;
    p.accuracy = 0.96;
    p.energy = 1e6;
    p.energy_fraction = 0.4;
    p.nonzero_weights = 1234;
    p.nonskipped_macs = 5678.5;
    p.meets_limit = true;
    p.layers = {r, r};
    state.finished_points = {p};
    const auto dir = std::filesystem::temp_directory_path() / ("eap_state_test_" + std::to_string(std::random_device{}()));
    eap::save_pruning_state(dir, state);
    const eap::pruning_state back = eap::load_pruning_state(dir, net);
    CHECK(back.round == 1);
    CHECK(back.budget == state.budget);
    CHECK(back.in_round);
    CHECK(back.order == state.order);
    REQUIRE(back.layers.size() == 1);
    CHECK(back.layers[0].layer == "fc1");
    CHECK(back.layers[0].keep_fraction == r.keep_fraction);
    CHECK(back.layers[0].energy_after == r.energy_after);
    REQUIRE(back.finished_points.size() == 1);
    CHECK(back.finished_points[0].nonskipped_macs == 5678.5);
    CHECK(back.finished_points[0].layers.size() == 2);
    {
        std::ofstream out(dir / "pruning_state.txt", std::ios::app);
        out << "layer 3 oops\n";
    }
    CHECK_THROWS_AS(eap::load_pruning_state(dir, net), eap::parse_error);
    {
        std::ofstream out(dir / "pruning_state.txt");
        out << "eap-pruning-state 1\nlayer 999 1 1 1 1 1 1 1 1 1 1\n";
    }
    CHECK_THROWS_WITH(eap::load_pruning_state(dir, net), Catch::Contains(":2: field 'index'"));
    std::filesystem::remove_all(dir);
}
