// PE-set folding, replica splits, layer partitions and the mapping value (printing, parsing,
// checking against a part and a hardware).
#include <cstdint>
#include <random>
#include <string>

#include "catch.hpp"
#include "eap/hardware/presets.hpp"
#include "eap/mapping/layer_partition.hpp"
#include "eap/mapping/mapping_evaluation.hpp"
#include "eap/mapping/mapping_search.hpp"
#include "eap/mapping/pe_set_folding.hpp"
#include "eap/mapping/replica_split.hpp"
#include "eap/mapping/row_stationary_mapping.hpp"

using eap::blocking_loop;
using eap::data_type;

TEST_CASE("PE sets fold and replicate onto the array as in the ISCA 2016 model", "[mapping][folding]") {
    SECTION("AlexNet conv1 on 16 x 16: four width strips, no replicas") {
        const auto f = eap::fold_pe_set(11, 55, 16, 16);
        CHECK(f.fold_height == 1);
        CHECK(f.fold_width == 4);
        CHECK(f.replicas_height == 1);
        CHECK(f.replicas_width == 1);
        CHECK(f.folded_height() == 11);
        CHECK(f.folded_width() == 14);
        CHECK(f.set_pes() == 154);
        CHECK(f.utilisation() == Approx(605.0 / 1024.0));
    }
    SECTION("VGG-16 3 x 224 on Eyeriss v1: spare height absorbs the width strips") {
        const auto f = eap::fold_pe_set(3, 224, 12, 14);
        CHECK(f.stacked_strips == 4);
        CHECK(f.fold_width == 4);
        CHECK(f.replicas_height == 1);
        CHECK(f.folded_width() == 56);
        CHECK(f.utilisation() == Approx(1.0));
    }
    SECTION("a filter taller than the array folds in time") {
        const auto f = eap::fold_pe_set(13, 5, 12, 14);
        CHECK(f.fold_height == 2);
        CHECK(f.folded_height() == 7);
        CHECK(f.replicas_height == 1);
        CHECK(f.replicas_width == 2);
    }
    SECTION("an FC layer replicates a 6 x 1 set") {
        const auto f = eap::fold_pe_set(6, 1, 12, 14);
        CHECK(f.replicas_height == 2);
        CHECK(f.replicas_width == 14);
        CHECK(f.utilisation() == Approx(6.0 * 28 / 168.0));
    }
    SECTION("utilisation is in (0, 1] and the folded set fits the array") {
        std::mt19937_64 rng(5);
        std::uniform_int_distribution<std::int64_t> size(1, 40), array(1, 20);
        for (int i = 0; i < 5000; ++i) {
            const std::int64_t R = size(rng), E = size(rng), rows = array(rng), cols = array(rng);
            const auto f = eap::fold_pe_set(R, E, rows, cols);
            INFO(R << " x " << E << " on " << rows << " x " << cols);
            CHECK(f.utilisation() > 0.0);
            CHECK(f.utilisation() <= 1.0 + 1e-12);
            CHECK(f.folded_height() * f.stacked_strips * f.replicas_height <= rows);
            CHECK(f.folded_width() * f.replicas_width <= cols * f.stacked_strips);
            CHECK(f.fold_height * f.folded_height() >= R);
            CHECK(f.fold_width * f.stacked_strips * cols >= E);
        }
    }
    CHECK_THROWS_AS(eap::fold_pe_set(0, 5, 12, 14), eap::argument_error);
    CHECK_THROWS_WITH(eap::fold_pe_set(3, 5, 12, -1), Catch::Contains("array_cols") && Catch::Contains("-1"));
}

TEST_CASE("replica splits keep a running minimum of passes", "[mapping][folding]") {
    std::mt19937_64 rng(11);
    std::uniform_int_distribution<std::int64_t> small(1, 30);
    int dropped = 0;
    for (int i = 0; i < 3000; ++i) {
        eap::layer_part p;
        p.in_channels = small(rng);
        p.out_channels = small(rng);
        p.out_height = small(rng) % 6 + 1;
        p.out_width = 3;
        p.kernel_height = small(rng) % 3 + 1;
        p.kernel_width = 2;
        p.batch = small(rng) % 4 + 1;
        const auto f = eap::fold_pe_set(p.kernel_height, p.out_height, 12, 14);
        const auto candidates = eap::replica_split_candidates(p, f);
        REQUIRE(!candidates.empty());
        CHECK(candidates.front().channel_replicas == 1);
        std::int64_t smallest = INT64_MAX;
        std::size_t next = 0;
        for (std::int64_t a = 1; a <= f.replicas_height; ++a) {
            if (f.replicas_height % a != 0) continue;
            const auto s = eap::make_replica_split(p, f, a);
            CHECK(s.in_replicas == std::min(a, p.in_channels));
            CHECK(s.out_replicas == std::min(f.replicas_height / a * f.replicas_width, p.out_channels));
            CHECK(s.loop_counts[blocking_loop::in_channels] * s.in_replicas >= p.in_channels);
            CHECK(s.loop_counts[blocking_loop::batch] == p.batch * f.fold_width);
            if (s.passes() <= smallest) {
                smallest = s.passes();
                REQUIRE(next < candidates.size());
                CHECK(candidates[next++] == s);
            } else {
                ++dropped;
            }
        }
        CHECK(next == candidates.size());
    }
    CHECK(dropped > 100);
    const auto f = eap::fold_pe_set(3, 5, 12, 14);
    CHECK_THROWS_AS(eap::make_replica_split(eap::layer_part{}, f, 3), eap::argument_error);
}

TEST_CASE("layers split into independent parts", "[mapping][partition]") {
    SECTION("a grouped convolution is `groups` identical parts") {
        const auto s = eap::conv_shape{}.with_batch(16).with_channels(96, 256).with_input(27, 27).with_kernel(5, 5)
                           .with_padding(2).with_groups(2);
        const auto parts = eap::partition_layer(s);
        REQUIRE(parts.size() == 1);
        CHECK(parts[0].count == 2);
        CHECK(parts[0].part.in_channels == 48);
        CHECK(parts[0].part.out_channels == 128);
        CHECK(parts[0].part.out_height == 27);
        CHECK(parts[0].part.in_height() == 31);  // the padded window
        CHECK(parts[0].part.real_height() == 27);
        CHECK(parts[0].part.batch == 16);
        CHECK(parts[0].part.mac_count() * 2 == s.mac_count());
    }
    SECTION("an output-channel split reads the full input in each part") {
        const auto s = eap::conv_shape{}.with_channels(3, 96).with_input(227, 227).with_kernel(11, 11).with_stride(4);
        const auto parts = eap::partition_layer(s, 2);
        REQUIRE(parts.size() == 1);
        CHECK(parts[0].count == 2);
        CHECK(parts[0].part.in_channels == 3);
        CHECK(parts[0].part.out_channels == 48);
        CHECK(parts[0].part.in_height() == 227);
        CHECK(parts[0].part.real_in_height == -1);
    }
    SECTION("an uneven split gives the first parts one channel more") {
        const auto s = eap::conv_shape{}.with_channels(4, 10).with_input(5, 5).with_kernel(3, 3).with_groups(2);
        const auto parts = eap::partition_layer(s, 2);  // 5 outputs per group into 2 parts: 3 + 2
        REQUIRE(parts.size() == 2);
        CHECK(parts[0].part.out_channels == 3);
        CHECK(parts[0].count == 2);
        CHECK(parts[1].part.out_channels == 2);
        CHECK(parts[1].count == 2);
        CHECK(parts[0].part.in_channels == 2);
    }
    SECTION("the real input rows of a padded, strided window") {
        // 10 rows, pad 1 on top, kernel 3, stride 2: 5 output rows, window 11 rows, rows 1..10 real.
        const auto s = eap::conv_shape{}.with_channels(1, 1).with_input(10, 10).with_kernel(3, 3).with_stride(2)
                           .with_padding(eap::padding{1, 0, 0, 0});
        const auto parts = eap::partition_layer(s);
        CHECK(parts[0].part.in_height() == 11);
        CHECK(parts[0].part.real_height() == 10);
        CHECK(parts[0].part.in_width() == 9);  // no padding left: the window ends before the last column
        CHECK(parts[0].part.real_width() == 9);
    }
    CHECK_THROWS_AS(eap::partition_layer(eap::conv_shape{}.with_channels(2, 4), 0), eap::argument_error);
    CHECK_THROWS_WITH(eap::partition_layer(eap::conv_shape{}.with_channels(2, 4), 5),
                      Catch::Contains("output_channel_parts") && Catch::Contains("5"));
    CHECK_THROWS_AS(eap::partition_layer(eap::conv_shape{}.with_channels(3, 4).with_groups(2)), eap::shape_error);
}

TEST_CASE("mappings print and parse back", "[mapping][value]") {
    const std::string text = "a=1 I=1,1,3 O=3,16,1 B=64,1,1 order=OBI,OIB stored=WIP,WIP";
    const auto m = eap::parse_row_stationary_mapping(text);
    CHECK(m.storage_levels == 2);
    CHECK(m.factors[0] == eap::make_per_loop<std::int64_t>(1, 3, 64));
    CHECK(m.factors[2] == eap::make_per_loop<std::int64_t>(3, 1, 1));
    CHECK(m.orders[0].inner_to_outer[0] == blocking_loop::out_channels);
    CHECK(m.orders[0].inner_to_outer[2] == blocking_loop::in_channels);
    CHECK(eap::to_string(m) == text);
    CHECK(m.total(blocking_loop::batch) == 64);

    // Random mappings survive the round trip.
    std::mt19937_64 rng(3);
    for (int i = 0; i < 200; ++i) {
        eap::row_stationary_mapping r = eap::row_stationary_mapping::trivial(1 + static_cast<std::size_t>(rng() % 5));
        r.channel_replicas = static_cast<std::int64_t>(rng() % 7 + 1);
        for (std::size_t k = 0; k <= r.storage_levels; ++k)
            for (blocking_loop l : eap::all_blocking_loops) r.factors[k][l] = static_cast<std::int64_t>(rng() % 9 + 1);
        for (std::size_t k = 0; k < r.storage_levels; ++k) {
            r.orders[k] = eap::canonical_loop_order(static_cast<blocking_loop>(rng() % 3));
            if (k > 0)
                for (data_type d : eap::all_data_types) r.stored[k][d] = rng() % 2 == 0;
        }
        CHECK(eap::parse_row_stationary_mapping(eap::to_string(r)) == r);
    }

    auto fails_on = [](const std::string& bad, const std::string& field) {
        INFO(bad);
        try {
            (void)eap::parse_row_stationary_mapping(bad);
            FAIL("no parse_error");
        } catch (const eap::parse_error& e) {
            CHECK(e.field() == field);
        }
    };
    fails_on("I=1,1 O=1,1 B=1,1 order=IOB stored=WIP", "a");
    fails_on("a=0 I=1,1 O=1,1 B=1,1 order=IOB stored=WIP", "a");
    fails_on("a=1 I=1,1 O=1,1 B=1 order=IOB stored=WIP", "B");
    fails_on("a=1 I=1,x O=1,1 B=1,1 order=IOB stored=WIP", "I");
    fails_on("a=1 I=1,1 O=1,1 B=1,1 order=IOO stored=WIP", "order");
    fails_on("a=1 I=1,1 O=1,1 B=1,1 order=IOB stored=WX", "stored");
    fails_on("a=1 I=1,1 O=1,1 B=1,1 order=IOB stored=WIP,WIP", "stored");
    fails_on("a=1 I=1,1 O=1,1 B=1,1 order=IOB stored=WIP q=1", "q");
    fails_on("a=1 a=1 I=1,1 O=1,1 B=1,1 order=IOB stored=WIP", "a");
    fails_on("a=1 I=1,1 O=1,1 B=1,1 order=IOB", "stored");
}

TEST_CASE("a mapping is checked against its part and hardware", "[mapping][value]") {
    const eap::hardware hw = eap::presets::isca16_study_hardware();
    eap::layer_part p;
    p.in_channels = 3;
    p.out_channels = 48;
    p.out_height = p.out_width = 55;
    p.kernel_height = p.kernel_width = 11;
    p.stride_height = p.stride_width = 4;
    p.batch = 16;
    const auto good = eap::parse_row_stationary_mapping("a=1 I=1,1,3 O=3,16,1 B=64,1,1 order=OBI,OIB stored=WIP,WIP");
    CHECK(eap::mapping_problem(hw, p, good).empty());
    const eap::mapping_evaluator evaluator(hw, p);
    CHECK(evaluator.counts(good) == eap::count_accesses(hw, p, good));
    auto reason = [&](const std::string& text) { return eap::mapping_problem(hw, p, eap::parse_row_stationary_mapping(text)); };
    CHECK_THAT(reason("a=1 I=1,3 O=3,16 B=64,1 order=OBI stored=WIP"), Catch::Contains("1 storage levels but the hardware has 2"));
    CHECK_THAT(reason("a=2 I=1,1,3 O=3,16,1 B=64,1,1 order=OBI,OIB stored=WIP,WIP"), Catch::Contains("channel_replicas"));
    CHECK_THAT(reason("a=1 I=1,1,3 O=3,8,1 B=64,1,1 order=OBI,OIB stored=WIP,WIP"), Catch::Contains("loop O multiply to 24"));
    CHECK_THAT(reason("a=1 I=1,1,3 O=1,48,1 B=64,1,1 order=OBI,OIB stored=WIP,WIP"), Catch::Contains("level 1 (GLB"));
    CHECK_THAT(reason("a=1 I=1,1,3 O=3,1,16 B=64,1,1 order=OBI,OIB stored=WIP,WIP"), Catch::Contains("scratchpad"));
    CHECK_THAT(reason("a=1 I=1,1,3 O=3,16,1 B=64,1,1 order=OBI,OIB stored=WI,WIP"), Catch::Contains("outermost"));
    // Bypassing the GLB frees its room: the oversized tile fits when the ifmaps bypass it.
    CHECK(reason("a=1 I=1,1,3 O=1,48,1 B=64,1,1 order=OBI,OIB stored=WIP,WP").empty());
    CHECK_THROWS_AS(eap::count_accesses(hw, p, eap::parse_row_stationary_mapping(
                                                   "a=1 I=1,1,3 O=1,48,1 B=64,1,1 order=OBI,OIB stored=WIP,WIP")),
                    eap::argument_error);
    CHECK_THROWS_WITH(eap::count_accesses(hw, p, eap::parse_row_stationary_mapping(
                                                     "a=1 I=1,1,3 O=3,8,1 B=64,1,1 order=OBI,OIB stored=WIP,WIP")),
                      Catch::Contains("eap::mapping_evaluator::counts") && Catch::Contains("multiply to 24"));
    // Bad hardware and options are rejected.
    eap::hardware many = hw;
    for (int i = 0; i < 6; ++i) many.levels.push_back(many.levels.back());
    CHECK_THROWS_AS(eap::search_mapping(many, p), eap::hardware_error);
    eap::row_stationary_options bits;
    bits.word_bits = eap::make_per_data_type(16, 0, 16);
    CHECK_THROWS_WITH(eap::search_mapping(hw, p, bits), Catch::Contains("word_bits.ifmaps"));
    eap::layer_part bad = p;
    bad.batch = 0;
    CHECK_THROWS_AS(eap::search_mapping(hw, bad), eap::shape_error);
}

TEST_CASE("a layer no mapping can run is reported", "[mapping][search]") {
    // A filter row of 13 weights cannot sit in a 12-word ifmap scratchpad.
    eap::layer_part p;
    p.kernel_height = p.kernel_width = 13;
    p.out_height = p.out_width = 2;
    CHECK_THROWS_AS(eap::search_mapping(eap::presets::eyeriss_v1_hardware(), p), eap::hardware_error);
    CHECK_THROWS_WITH(eap::search_mapping(eap::presets::eyeriss_v1_hardware(), p),
                      Catch::Contains("no row-stationary mapping") && Catch::Contains("Eyeriss v1"));
}
