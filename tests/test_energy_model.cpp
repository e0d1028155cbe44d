// The energy of layers and networks: costs, word widths, padding, the four sparsity rules
// (statistical and exact), monotonicity in density, the network API and the mapping cache.
#include <cmath>
#include <cstdint>
#include <random>
#include <string>

#include "catch.hpp"
#include "eap/energy/assumed_densities.hpp"
#include "eap/energy/energy_model.hpp"
#include "eap/hardware/presets.hpp"
#include "eap/mapping/mapping_evaluation.hpp"
#include "eap/zoo/zoo.hpp"

using eap::data_type;

namespace {

const eap::hardware& eyeriss() {
    static const eap::hardware hw = eap::presets::eyeriss_v1_hardware();
    return hw;
}

eap::conv_shape alexnet_layer(const std::string& name, std::int64_t batch) {
    const eap::network net = eap::zoo::alexnet();
    return net.layer_shape(net.index_of(name), batch);
}

double ratio_of(double coded_words, std::int64_t values, int bits) {
    return coded_words * 64.0 / (static_cast<double>(values) * bits);
}

}  // namespace

TEST_CASE("a dense layer costs its counts times the costs", "[energy][model]") {
    const auto shape = alexnet_layer("conv3", 4);
    const eap::layer_energy e = eap::estimate_layer_energy(eyeriss(), shape);
    CHECK(e.sparsity == eap::sparsity_source::none);
    CHECK(e.nonskipped_fraction == 1.0);
    CHECK(e.dense_macs() == shape.mac_count());
    CHECK(e.nonskipped_macs() == static_cast<double>(shape.mac_count()));
    CHECK(e.energy.computation == static_cast<double>(shape.mac_count()));
    const auto& hw = eyeriss();
    for (data_type d : eap::all_data_types) {
        for (std::size_t k = 0; k < hw.levels.size(); ++k) {
            CHECK(e.effective.at[k][d].reads == static_cast<double>(e.dense.storage[k][d].reads));
            CHECK(e.energy.movement[k][d] ==
                  Approx(static_cast<double>(e.dense.storage[k][d].reads) * hw.levels[k].read_cost +
                         static_cast<double>(e.dense.storage[k][d].writes) * hw.levels[k].write_cost));
        }
        CHECK(e.energy.movement[2][d] == Approx(static_cast<double>(e.dense.network[d].total()) * 2.0));
        CHECK(e.energy.movement[3][d] == Approx(static_cast<double>(e.dense.scratchpad[d].total())));
    }
    CHECK(e.energy.total() == Approx(e.energy.computation + e.energy.data_movement()));
    // The parts' counts add up to the layer's.
    eap::access_counts sum;
    sum.storage_levels = 2;
    for (const auto& p : e.parts) sum += p.search.counts.repeated(p.count);
    CHECK(sum.storage[0][data_type::ifmaps] == e.dense.storage[0][data_type::ifmaps]);
}

TEST_CASE("word widths scale access energy linearly and MAC energy by both operands", "[energy][model]") {
    eap::effective_access_counts c;
    c.storage_levels = 2;
    for (std::size_t p = 0; p < c.positions(); ++p)
        for (data_type d : eap::all_data_types) c.at[p][d] = {100.0, 10.0};
    c.macs = 1000.0;
    const auto& hw = eyeriss();
    const eap::energy_breakdown e16 = eap::energy_of(c, hw, eap::make_per_data_type(16, 16, 16));
    const eap::energy_breakdown e8w = eap::energy_of(c, hw, eap::make_per_data_type(8, 16, 16));
    const eap::energy_breakdown e8 = eap::energy_of(c, hw, eap::make_per_data_type(8, 8, 32));
    CHECK(e8w.of_type(data_type::weights) == Approx(0.5 * e16.of_type(data_type::weights)));
    CHECK(e8w.of_type(data_type::ifmaps) == Approx(e16.of_type(data_type::ifmaps)));
    CHECK(e8w.computation == Approx(0.5 * e16.computation));   // one operand narrows: linear
    CHECK(e8.computation == Approx(0.25 * e16.computation));   // both narrow: quadratic
    CHECK(e8.of_type(data_type::psums) == Approx(2.0 * e16.of_type(data_type::psums)));
    CHECK(e16.computation == 1000.0);
    CHECK(e16.at_position(0) == Approx(3 * (100.0 * 200 + 10.0 * 200)));

    // Narrower words also fit more: the 8-bit layer moves data for at most half the 16-bit energy.
    const auto shape = alexnet_layer("conv2", 4);
    eap::energy_options o8;
    o8.mapping.word_bits = eap::make_per_data_type(8, 8, 8);
    const eap::layer_energy narrow = eap::estimate_layer_energy(hw, shape, {}, o8);
    const eap::layer_energy wide = eap::estimate_layer_energy(hw, shape);
    CHECK(narrow.energy.data_movement() <= 0.5 * wide.energy.data_movement() * (1 + 1e-12));
    CHECK(narrow.energy.computation == Approx(0.25 * wide.energy.computation));
    CHECK(narrow.word_bits == eap::make_per_data_type(8, 8, 8));
    // A per-layer width overrides the common one.
    eap::layer_energy_options lo;
    lo.word_bits = eap::make_per_data_type(4, 16, 16);
    CHECK(eap::estimate_layer_energy(hw, shape, lo, o8).word_bits == eap::make_per_data_type(4, 16, 16));
}

TEST_CASE("moving the real input alone saves the padding traffic", "[energy][model]") {
    const auto shape = alexnet_layer("conv2", 4);  // 27 x 27 input padded to 31 x 31
    eap::energy_options real;
    real.mapping.padding = eap::padding_traffic::real_input;
    const eap::layer_energy padded = eap::estimate_layer_energy(eyeriss(), shape);
    const eap::layer_energy only_real = eap::estimate_layer_energy(eyeriss(), shape, {}, real);
    CHECK(only_real.energy.total() < padded.energy.total());
    // Same mapping, both ways: the ifmap traffic at storage levels shrinks by 27*27 / (31*31).
    const auto& part = padded.parts.front().search;
    eap::row_stationary_options ro;
    ro.padding = eap::padding_traffic::real_input;
    const eap::access_counts c = eap::count_accesses(eyeriss(), part.part, part.mapping, ro);
    for (std::size_t k = 0; k < 2; ++k) {
        const double expected = static_cast<double>(part.counts.storage[k][data_type::ifmaps].reads) * 729.0 / 961.0;
        CHECK(std::fabs(static_cast<double>(c.storage[k][data_type::ifmaps].reads) - expected) <= 0.5);
    }
    CHECK(c.network[data_type::ifmaps] == part.counts.network[data_type::ifmaps]);
    CHECK(c.storage[0][data_type::weights] == part.counts.storage[0][data_type::weights]);
}

TEST_CASE("the four sparsity rules, each a switch", "[energy][model][sparsity]") {
    const auto shape = alexnet_layer("conv4", 4);
    const eap::layer_density density{0.4, 0.5, 0.3};
    eap::layer_energy_options lo;
    lo.density = density;
    const eap::layer_energy dense = eap::estimate_layer_energy(eyeriss(), shape);
    const eap::layer_energy sparse = eap::estimate_layer_energy(eyeriss(), shape, lo);
    const eap::access_counts& d = sparse.dense;
    CHECK(d == dense.dense);  // the mapping is searched on the dense layer
    CHECK(sparse.sparsity == eap::sparsity_source::densities);
    CHECK(sparse.nonskipped_fraction == Approx(0.2));
    const std::int64_t in_stream = shape.input_fmap().size(), out_stream = shape.output_fmap().size();
    const double ifmap_ratio = ratio_of(eap::expected_run_length_code_words(in_stream, 0.5), in_stream, 16);
    const double ofmap_ratio = ratio_of(eap::expected_run_length_code_words(out_stream, 0.3), out_stream, 16);
    const auto& e = sparse.effective;
    auto dbl = [](std::int64_t v) { return static_cast<double>(v); };

    SECTION("defaults: rules 1, 2 and 3 on, rule 4 off") {
        // Rule 1: skipped MACs and their scratchpad accesses are not charged.
        CHECK(e.macs == Approx(0.2 * dbl(d.macs)));
        for (data_type t : eap::all_data_types) {
            CHECK(e.at[3][t].reads == Approx(0.2 * dbl(d.scratchpad[t].reads)));
            CHECK(e.at[3][t].writes == Approx(0.2 * dbl(d.scratchpad[t].writes)));
        }
        CHECK(sparse.energy.computation == Approx(0.2 * dense.energy.computation));
        // Rule 2: only non-zero weights move, at every storage level and over the network.
        for (std::size_t p = 0; p < 3; ++p)
            CHECK(e.at[p][data_type::weights].reads == Approx(0.4 * dbl(d.at(p)[data_type::weights].reads)));
        // Rule 3: DRAM feature maps are run-length coded; partial sums are not.
        CHECK(e.at[0][data_type::ifmaps].reads == Approx(ifmap_ratio * dbl(d.storage[0][data_type::ifmaps].reads)));
        const double finals = dbl(shape.ofmap_size());
        CHECK(e.at[0][data_type::psums].writes ==
              Approx(dbl(d.storage[0][data_type::psums].writes) - finals + ofmap_ratio * finals));
        CHECK(e.at[0][data_type::psums].reads == dbl(d.storage[0][data_type::psums].reads));
        // Rule 4 off: zeros move on chip.
        CHECK(e.at[1][data_type::ifmaps].reads == dbl(d.storage[1][data_type::ifmaps].reads));
        CHECK(e.at[2][data_type::ifmaps].reads == dbl(d.network[data_type::ifmaps].reads));
        CHECK(e.at[1][data_type::psums].writes == dbl(d.storage[1][data_type::psums].writes));
        CHECK(sparse.energy.total() < dense.energy.total());
    }
    SECTION("each rule switched") {
        eap::energy_options o;
        o.sparsity.skip_zero_macs = false;
        auto r1 = eap::estimate_layer_energy(eyeriss(), shape, lo, o);
        CHECK(r1.effective.macs == dbl(d.macs));
        CHECK(r1.effective.at[3][data_type::psums].writes == dbl(d.scratchpad[data_type::psums].writes));
        CHECK(r1.effective.at[0][data_type::weights].reads == Approx(0.4 * dbl(d.storage[0][data_type::weights].reads)));

        o = {};
        o.sparsity.compress_weights = false;
        auto r2 = eap::estimate_layer_energy(eyeriss(), shape, lo, o);
        CHECK(r2.effective.at[1][data_type::weights].reads == dbl(d.storage[1][data_type::weights].reads));
        o.sparsity.compress_weights = true;
        o.sparsity.weight_index_bits = 4;
        auto r2b = eap::estimate_layer_energy(eyeriss(), shape, lo, o);
        CHECK(r2b.effective.at[1][data_type::weights].reads ==
              Approx(0.4 * 20.0 / 16.0 * dbl(d.storage[1][data_type::weights].reads)));
        o.sparsity.weight_index_bits = 0;
        o.sparsity.weight_storage = eap::weight_format::run_length_code;
        auto r2c = eap::estimate_layer_energy(eyeriss(), shape, lo, o);
        const std::int64_t w = shape.weight_count();
        CHECK(r2c.effective.at[0][data_type::weights].reads ==
              Approx(ratio_of(eap::expected_run_length_code_words(w, 0.4), w, 16) *
                     dbl(d.storage[0][data_type::weights].reads)));

        o = {};
        o.sparsity.run_length_code_dram_fmaps = false;
        auto r3 = eap::estimate_layer_energy(eyeriss(), shape, lo, o);
        CHECK(r3.effective.at[0][data_type::ifmaps].reads == dbl(d.storage[0][data_type::ifmaps].reads));
        CHECK(r3.effective.at[0][data_type::psums].writes == dbl(d.storage[0][data_type::psums].writes));
        eap::layer_energy_options image = lo;
        image.input_is_image = true;
        auto r3b = eap::estimate_layer_energy(eyeriss(), shape, image);
        CHECK(r3b.effective.at[0][data_type::ifmaps].reads == dbl(d.storage[0][data_type::ifmaps].reads));
        CHECK(r3b.effective.at[0][data_type::psums].writes == e.at[0][data_type::psums].writes);

        o = {};
        o.sparsity.compress_onchip_fmaps = true;
        auto r4 = eap::estimate_layer_energy(eyeriss(), shape, lo, o);
        CHECK(r4.effective.at[1][data_type::ifmaps].reads == Approx(0.5 * dbl(d.storage[1][data_type::ifmaps].reads)));
        CHECK(r4.effective.at[2][data_type::ifmaps].reads == Approx(0.5 * dbl(d.network[data_type::ifmaps].reads)));
        CHECK(r4.energy.total() < sparse.energy.total());
    }
    SECTION("dense feature maps grow when coded, unless told to keep the raw size") {
        eap::layer_energy_options full;
        full.density = eap::layer_density{1.0, 1.0, 1.0};
        auto coded = eap::estimate_layer_energy(eyeriss(), shape, full);
        CHECK(coded.effective.at[0][data_type::ifmaps].reads ==
              Approx(4.0 / 3.0 * dbl(d.storage[0][data_type::ifmaps].reads)));
        eap::energy_options o;
        o.sparsity.run_length_code_only_when_smaller = true;
        auto raw = eap::estimate_layer_energy(eyeriss(), shape, full, o);
        CHECK(raw.energy.total() == Approx(dense.energy.total()));
    }
    SECTION("densities outside [0, 1] are rejected") {
        eap::layer_energy_options bad;
        bad.density = eap::layer_density{1.0, 1.2, 1.0};
        CHECK_THROWS_WITH(eap::estimate_layer_energy(eyeriss(), shape, bad),
                          Catch::Contains("density.ifmaps") && Catch::Contains("1.2"));
        eap::energy_options o;
        o.sparsity.weight_index_bits = -1;
        CHECK_THROWS_AS(eap::estimate_layer_energy(eyeriss(), shape, lo, o), eap::argument_error);
    }
}

namespace {

/// Exact counts of a layer as the sparse counters report them, built from densities.
eap::layer_sparse_counts counts_for(const eap::conv_shape& s, std::int64_t batch, double w, double i, double o,
                                    double nonskipped) {
    eap::layer_sparse_counts c;
    c.batch = batch;
    c.weights = s.weight_count();
    c.nonzero_weights = static_cast<std::int64_t>(std::floor(w * static_cast<double>(c.weights)));
    c.ifmap_values = s.input_fmap().size() * batch;
    c.nonzero_ifmap_values = static_cast<std::int64_t>(std::floor(i * static_cast<double>(c.ifmap_values)));
    c.ofmap_values = s.output_fmap().size() * batch;
    c.nonzero_ofmap_values = static_cast<std::int64_t>(std::floor(o * static_cast<double>(c.ofmap_values)));
    c.dense_macs = s.with_batch(batch).mac_count();
    c.nonskipped_macs = static_cast<std::int64_t>(std::floor(nonskipped * static_cast<double>(c.dense_macs)));
    c.ifmap_rlc_words = static_cast<std::int64_t>(
        std::ceil(eap::expected_run_length_code_words(s.input_fmap().size(), i))) * batch;
    c.ofmap_rlc_words = static_cast<std::int64_t>(
        std::ceil(eap::expected_run_length_code_words(s.output_fmap().size(), o))) * batch;
    c.weight_rlc_words = static_cast<std::int64_t>(std::ceil(eap::expected_run_length_code_words(c.weights, w)));
    return c;
}

}  // namespace

TEST_CASE("exact sparse counts drive the rules exactly", "[energy][model][sparsity]") {
    const auto shape = alexnet_layer("conv5", 8);
    // Counts taken on 2 images; the estimate is for 8: the ratios carry over.
    eap::layer_sparse_counts c = counts_for(shape, 2, 0.37, 0.45, 0.2, 0.15);
    eap::layer_energy_options lo;
    lo.counts = c;
    const eap::layer_energy e = eap::estimate_layer_energy(eyeriss(), shape, lo);
    CHECK(e.sparsity == eap::sparsity_source::exact_counts);
    CHECK(e.nonskipped_fraction == static_cast<double>(c.nonskipped_macs) / static_cast<double>(c.dense_macs));
    CHECK(e.density.weights == static_cast<double>(c.nonzero_weights) / static_cast<double>(c.weights));
    CHECK(e.effective.macs == Approx(static_cast<double>(shape.mac_count()) * e.nonskipped_fraction));
    const double ifmap_ratio =
        static_cast<double>(c.ifmap_rlc_words) * 64.0 / (static_cast<double>(c.ifmap_values) * 16.0);
    CHECK(e.effective.at[0][data_type::ifmaps].reads ==
          Approx(ifmap_ratio * static_cast<double>(e.dense.storage[0][data_type::ifmaps].reads)));
    // Exact counts take precedence over densities.
    lo.density = eap::layer_density{1, 1, 1};
    CHECK(eap::estimate_layer_energy(eyeriss(), shape, lo).energy.total() == e.energy.total());
    // Without code sizes, the expectation at the exact density is used.
    eap::layer_energy_options no_code;
    no_code.counts = c;
    no_code.counts->ifmap_rlc_words = 0;
    const auto e2 = eap::estimate_layer_energy(eyeriss(), shape, no_code);
    const double expected = eap::expected_run_length_code_words(shape.input_fmap().size(), e.density.ifmaps);
    CHECK(e2.effective.at[0][data_type::ifmaps].reads ==
          Approx(ratio_of(expected, shape.input_fmap().size(), 16) *
                 static_cast<double>(e.dense.storage[0][data_type::ifmaps].reads)));

    auto rejects = [&](eap::layer_sparse_counts bad, const std::string& text) {
        eap::layer_energy_options b;
        b.counts = bad;
        INFO(text);
        CHECK_THROWS_AS(eap::estimate_layer_energy(eyeriss(), shape, b), eap::argument_error);
        CHECK_THROWS_WITH(eap::estimate_layer_energy(eyeriss(), shape, b), Catch::Contains(text));
    };
    auto bad = c;
    bad.weights += 1;
    rejects(bad, "weights but the layer has");
    bad = c;
    bad.nonzero_ifmap_values = bad.ifmap_values + 1;
    rejects(bad, "non-zero ifmap values");
    bad = c;
    bad.ofmap_values = 3;
    rejects(bad, "ofmap values");
    bad = c;
    bad.batch = 0;
    rejects(bad, "batch 0");
    bad = c;
    bad.nonskipped_macs = bad.dense_macs + 1;
    rejects(bad, "non-skipped MACs");
    bad = c;
    bad.dense_macs = 7;
    rejects(bad, "dense MACs");
}

TEST_CASE("energy never rises when density falls", "[energy][model][sparsity]") {
    std::mt19937_64 rng(1611);
    std::uniform_real_distribution<double> unit(0.0, 1.0);
    const eap::network net = eap::zoo::squeezenet_v1_1();
    const auto compute = net.compute_layers();
    eap::mapping_cache cache(eyeriss());
    for (int trial = 0; trial < 120; ++trial) {
        const std::size_t index = compute[static_cast<std::size_t>(rng() % compute.size())];
        const eap::conv_shape shape = net.layer_shape(index, 1 + static_cast<std::int64_t>(rng() % 4));
        eap::energy_options o;
        o.sparsity.skip_zero_macs = rng() % 4 != 0;
        o.sparsity.compress_weights = rng() % 4 != 0;
        o.sparsity.weight_storage = rng() % 2 ? eap::weight_format::run_length_code : eap::weight_format::nonzero_values;
        o.sparsity.run_length_code_dram_fmaps = rng() % 4 != 0;
        o.sparsity.run_length_code_only_when_smaller = rng() % 2 == 0;
        o.sparsity.compress_onchip_fmaps = rng() % 2 == 0;
        eap::layer_density a{unit(rng), unit(rng), unit(rng)};
        eap::layer_density b = a;
        switch (rng() % 4) {
        case 0: b.weights *= unit(rng); break;
        case 1: b.ifmaps *= unit(rng); break;
        case 2: b.ofmaps *= unit(rng); break;
        default: b = eap::layer_density{a.weights * unit(rng), a.ifmaps * unit(rng), a.ofmaps * unit(rng)};
        }
        eap::layer_energy_options la, lb;
        la.density = a;
        lb.density = b;
        const double ea = eap::estimate_layer_energy(eyeriss(), shape, la, o, &cache).energy.total();
        const double eb = eap::estimate_layer_energy(eyeriss(), shape, lb, o, &cache).energy.total();
        INFO("trial " << trial);
        CHECK(eb <= ea * (1 + 1e-12));
        // Exact counts: fewer non-zeros, skipped MACs and code words never cost more.
        la.density.reset();
        lb.density.reset();
        la.counts = counts_for(shape, 1, a.weights, a.ifmaps, a.ofmaps, a.weights * a.ifmaps);
        lb.counts = counts_for(shape, 1, b.weights, b.ifmaps, b.ofmaps, b.weights * b.ifmaps);
        const double xa = eap::estimate_layer_energy(eyeriss(), shape, la, o, &cache).energy.total();
        const double xb = eap::estimate_layer_energy(eyeriss(), shape, lb, o, &cache).energy.total();
        CHECK(xb <= xa * (1 + 1e-12));
    }
}

TEST_CASE("network estimates: per image, per-layer options, the image input and the mapping cache",
          "[energy][model][network]") {
    const eap::network net = eap::zoo::alexnet();
    eap::network_energy_options o;
    o.layers["conv2"].density = eap::layer_density{0.4, 0.5, 0.3};
    o.layers["conv1"].density = eap::layer_density{0.8, 0.99, 0.4};
    eap::mapping_cache cache(eyeriss());
    const eap::network_energy e = eap::estimate_network_energy(eyeriss(), net, 4, o, &cache);
    CHECK(e.layers.size() == 8);
    CHECK(e.batch == 4);
    CHECK(e.positions == std::vector<std::string>{"DRAM", "GLB", "array network", "scratchpad"});
    CHECK(e.per_image().total() == Approx(e.total.total() / 4));
    double sum = 0.0;
    for (const auto& l : e.layers) sum += l.energy.total();
    CHECK(e.total.total() == Approx(sum));
    CHECK(e.layer("conv1").input_is_image);
    CHECK(!e.layer("conv2").input_is_image);
    CHECK(e.layer("conv2").sparsity == eap::sparsity_source::densities);
    CHECK(e.layer("conv3").sparsity == eap::sparsity_source::none);
    // conv1 reads the image raw even with densities.
    CHECK(e.layer("conv1").effective.at[0][data_type::ifmaps].reads ==
          static_cast<double>(e.layer("conv1").dense.storage[0][data_type::ifmaps].reads));
    CHECK(e.searches == 8);
    // The second estimate reuses every search and gives the same numbers.
    const eap::network_energy again = eap::estimate_network_energy(eyeriss(), net, 4, o, &cache);
    CHECK(again.searches == 0);
    CHECK(again.reused_searches == 8);
    CHECK(again.total.total() == e.total.total());
    // Batch 1 versus 16: the FC weights read from DRAM dominate at batch 1.
    const auto b1 = eap::estimate_network_energy(eyeriss(), net, 1);
    const auto b16 = eap::estimate_network_energy(eyeriss(), net, 16);
    CHECK(b1.per_image().total() > 2 * b16.per_image().total());
    CHECK(b1.layer("fc6").energy.total() > b1.layer("conv1").energy.total());

    eap::network_energy_options unknown;
    unknown.layers["pool1"].output_channel_parts = 2;
    CHECK_THROWS_WITH(eap::estimate_network_energy(eyeriss(), net, 4, unknown), Catch::Contains("'pool1'"));
    unknown.layers.clear();
    unknown.layers["nonsense"] = {};
    CHECK_THROWS_AS(eap::estimate_network_energy(eyeriss(), net, 4, unknown), eap::argument_error);
    CHECK_THROWS_WITH(eap::estimate_network_energy(eyeriss(), net, 0), Catch::Contains("batch") && Catch::Contains("0"));
    eap::mapping_cache other(eap::presets::isca16_study_hardware());
    CHECK_THROWS_AS(eap::estimate_network_energy(eyeriss(), net, 4, {}, &other), eap::argument_error);
    eap::network_energy_options bypass;
    bypass.common.mapping.allow_bypass[data_type::ifmaps] = true;
    CHECK_THROWS_AS(eap::estimate_network_energy(eyeriss(), net, 4, bypass, &cache), eap::argument_error);
    CHECK_THROWS_AS(eap::network_energy{}.layer("conv1"), eap::argument_error);
}

// ---------------------------------------------------------------------------------------------
// Assumed densities for networks whose activations were never measured.

TEST_CASE("assumed densities follow the graph: image, ReLU, linear, pooling and concatenation",
          "[energy][assumed]") {
    eap::network net("branches", eap::fmap_shape{3, 16, 16});
    const auto relu = net.add_conv("relu_branch", 0, eap::conv_params::square(24, 3, 1, 1));
    const auto linear = net.add_conv("linear_branch", 0, eap::conv_params::square(8, 1, 1, 0), eap::activation::none);
    const auto joined = net.add_concat("joined", {relu, linear});
    const auto pooled = net.add_pool("pool", joined, eap::pool_params::window(eap::pool_method::max, 2, 2));
    net.add_fc("scores", pooled, eap::fc_params{5}, eap::activation::none);

    eap::assumed_densities assumed;
    assumed.image = 0.9;
    assumed.relu_outputs = 0.4;
    assumed.linear_outputs = 0.8;
    const std::vector<double> d = eap::assumed_output_densities(net, assumed);
    REQUIRE(d.size() == net.size());
    CHECK(d[0] == 0.9);
    CHECK(d[relu] == 0.4);
    CHECK(d[linear] == 0.8);
    // 24 channels at 0.4 and 8 at 0.8, weighted by channels.
    CHECK(d[joined] == Approx((24 * 0.4 + 8 * 0.8) / 32).epsilon(1e-12));
    CHECK(d[pooled] == d[joined]);
    CHECK(d[net.index_of("scores")] == 0.8);

    const eap::network_energy_options o =
        eap::assumed_density_options(net, assumed, {{"scores", 0.25}}, [] {
            eap::network_energy_options base;
            base.layers["relu_branch"].output_channel_parts = 2;  // kept beside the density
            return base;
        }());
    CHECK(o.layers.at("relu_branch").output_channel_parts == 2);
    const eap::layer_density& r = *o.layers.at("relu_branch").density;
    CHECK((r.weights == 1.0 && r.ifmaps == 0.9 && r.ofmaps == 0.4));
    const eap::layer_density& s = *o.layers.at("scores").density;
    CHECK((s.weights == 0.25 && s.ifmaps == d[pooled] && s.ofmaps == 0.8));
    CHECK(o.layers.count("pool") == 0);
}

TEST_CASE("AlexNet at the default ReLU density skips MACs down to the paper's 3.71e8", "[energy][assumed]") {
    const eap::network net = eap::zoo::alexnet();
    const eap::network_energy e =
        eap::estimate_network_energy(eyeriss(), net, 1, eap::assumed_density_options(net));
    CHECK(e.nonskipped_macs() == Approx(3.71e8).epsilon(0.005));
    // The image is read dense, so conv1 skips nothing; fc8's scores are linear (dense).
    CHECK(e.layer("conv1").nonskipped_fraction == 1.0);
    CHECK(e.layer("fc8").density.ofmaps == 1.0);
    CHECK(e.layer("conv2").density.ifmaps == 0.43);
}

TEST_CASE("assumed densities reject values outside [0, 1] and names that are not CONV/FC layers",
          "[energy][assumed]") {
    const eap::network net = eap::zoo::alexnet();
    eap::assumed_densities bad;
    bad.relu_outputs = 1.5;
    CHECK_THROWS_WITH(eap::assumed_output_densities(net, bad),
                      Catch::Contains("assumed.relu_outputs") && Catch::Contains("1.5"));
    bad = {};
    bad.image = -0.1;
    CHECK_THROWS_AS(eap::assumed_density_options(net, bad), eap::argument_error);
    CHECK_THROWS_WITH(eap::assumed_density_options(net, {}, {{"pool1", 0.5}}), Catch::Contains("'pool1'"));
    CHECK_THROWS_WITH(eap::assumed_density_options(net, {}, {{"conv9", 0.5}}), Catch::Contains("'conv9'"));
    CHECK_THROWS_WITH(eap::assumed_density_options(net, {}, {{"conv2", 1.2}}),
                      Catch::Contains("'conv2'") && Catch::Contains("1.2"));
}
