#include <algorithm>
#include <cmath>
#include <cstdint>
#include <random>
#include <set>
#include <vector>

#include "catch.hpp"
#include "eap/prune/gram_matrix.hpp"
#include "eap/prune/layer_systems.hpp"
#include "eap/prune/least_squares_fit.hpp"
#include "eap/prune/magnitude_pruning.hpp"
#include "eap/prune/patch_sampling.hpp"
#include "eap/prune/restoration.hpp"
#include "prune_test_support.hpp"

namespace {

xt::xtensor<float, 4> random_tensor(std::mt19937& rng, std::size_t a, std::size_t b, std::size_t c, std::size_t d) {
    std::normal_distribution<float> normal;
    xt::xtensor<float, 4> t = xt::empty<float>({a, b, c, d});
    for (auto& v : t) v = normal(rng);
    return t;
}

// The input value a filter tap sees, straight from the definition of a padded, strided,
// grouped convolution.
float tap(const xt::xtensor<float, 4>& in, const eap::conv_shape& s, const eap::output_position& p, std::int64_t group,
          std::int64_t c, std::int64_t r, std::int64_t q) {
    const std::int64_t y = p.row * s.stride_height + r - s.pad.top;
    const std::int64_t x = p.col * s.stride_width + q - s.pad.left;
    if (y < 0 || y >= s.in_height || x < 0 || x >= s.in_width) return 0.0f;
    return in(static_cast<std::size_t>(p.image), static_cast<std::size_t>(group * s.in_channels_per_group() + c),
              static_cast<std::size_t>(y), static_cast<std::size_t>(x));
}

// Direct convolution (no bias) of a grouped, padded, strided layer.
xt::xtensor<float, 4> convolve(const xt::xtensor<float, 4>& in, const xt::xtensor<float, 4>& w,
                               const eap::conv_shape& s) {
    const std::size_t n = in.shape()[0];
    xt::xtensor<float, 4> out =
        xt::zeros<float>({n, static_cast<std::size_t>(s.out_channels), static_cast<std::size_t>(s.out_height()),
                          static_cast<std::size_t>(s.out_width())});
    const std::int64_t mg = s.out_channels_per_group();
    for (std::size_t i = 0; i < n; ++i)
        for (std::int64_t m = 0; m < s.out_channels; ++m)
            for (std::int64_t p = 0; p < s.out_height(); ++p)
                for (std::int64_t q = 0; q < s.out_width(); ++q) {
                    double acc = 0.0;
                    const eap::output_position pos{static_cast<std::int64_t>(i), p, q};
                    for (std::int64_t c = 0; c < s.in_channels_per_group(); ++c)
                        for (std::int64_t r = 0; r < s.kernel_height; ++r)
                            for (std::int64_t t = 0; t < s.kernel_width; ++t)
                                acc +=
                                    static_cast<double>(w(static_cast<std::size_t>(m), static_cast<std::size_t>(c),
                                                          static_cast<std::size_t>(r), static_cast<std::size_t>(t))) *
                                    tap(in, s, pos, m / mg, c, r, t);
                    out(i, static_cast<std::size_t>(m), static_cast<std::size_t>(p), static_cast<std::size_t>(q)) =
                        static_cast<float>(acc);
                }
    return out;
}

eap::conv_shape random_shape(std::mt19937& rng) {
    const std::int64_t groups = 1 + static_cast<std::int64_t>(rng() % 3);
    const std::int64_t kernel_h = 1 + static_cast<std::int64_t>(rng() % 3),
                       kernel_w = 1 + static_cast<std::int64_t>(rng() % 3);
    return eap::conv_shape{}
        .with_batch(1 + static_cast<std::int64_t>(rng() % 3))
        .with_channels(groups * (1 + static_cast<std::int64_t>(rng() % 3)),
                       groups * (1 + static_cast<std::int64_t>(rng() % 3)))
        .with_input(kernel_h + static_cast<std::int64_t>(rng() % 5), kernel_w + static_cast<std::int64_t>(rng() % 5))
        .with_kernel(kernel_h, kernel_w)
        .with_stride(1 + static_cast<std::int64_t>(rng() % 3), 1 + static_cast<std::int64_t>(rng() % 2))
        .with_padding(eap::padding{static_cast<std::int64_t>(rng() % 3), static_cast<std::int64_t>(rng() % 2),
                                   static_cast<std::int64_t>(rng() % 2), static_cast<std::int64_t>(rng() % 3)})
        .with_groups(groups)
        .validated();
}

}  // namespace

TEST_CASE("sampled patches equal direct indexing (padding, stride, groups)", "[prune][patch_sampling]") {
    std::mt19937 rng(51);
    for (int trial = 0; trial < 60; ++trial) {
        const eap::conv_shape s = random_shape(rng);
        INFO(s);
        const auto in = random_tensor(rng, static_cast<std::size_t>(s.batch), static_cast<std::size_t>(s.in_channels),
                                      static_cast<std::size_t>(s.in_height), static_cast<std::size_t>(s.in_width));
        const auto out =
            random_tensor(rng, static_cast<std::size_t>(s.batch), static_cast<std::size_t>(s.out_channels),
                          static_cast<std::size_t>(s.out_height()), static_cast<std::size_t>(s.out_width()));
        const auto positions = eap::all_output_positions(s);
        REQUIRE(static_cast<std::int64_t>(positions.size()) == s.batch * s.out_height() * s.out_width());
        for (std::int64_t g = 0; g < s.groups; ++g) {
            const auto x = eap::sample_patches(in, s, positions, g);
            const auto y = eap::sample_outputs(out, s, positions, g);
            REQUIRE(static_cast<std::int64_t>(x.shape()[1]) ==
                    s.in_channels_per_group() * s.kernel_height * s.kernel_width);
            REQUIRE(static_cast<std::int64_t>(y.shape()[1]) == s.out_channels_per_group());
            for (std::size_t i = 0; i < positions.size(); ++i) {
                const auto& p = positions[i];
                for (std::int64_t c = 0; c < s.in_channels_per_group(); ++c)
                    for (std::int64_t r = 0; r < s.kernel_height; ++r)
                        for (std::int64_t t = 0; t < s.kernel_width; ++t)
                            CHECK(x(i, static_cast<std::size_t>((c * s.kernel_height + r) * s.kernel_width + t)) ==
                                  tap(in, s, p, g, c, r, t));
                for (std::int64_t m = 0; m < s.out_channels_per_group(); ++m)
                    CHECK(y(i, static_cast<std::size_t>(m)) ==
                          out(static_cast<std::size_t>(p.image),
                              static_cast<std::size_t>(g * s.out_channels_per_group() + m),
                              static_cast<std::size_t>(p.row), static_cast<std::size_t>(p.col)));
            }
        }
    }
}

TEST_CASE("FC layer: a patch is the image's flattened input", "[prune][patch_sampling]") {
    std::mt19937 rng(52);
    const auto in = random_tensor(rng, 5, 3, 2, 4);
    const eap::conv_shape fc = eap::conv_shape::fully_connected(eap::fmap_shape{3, 2, 4}, 7, 5);
    const auto positions = eap::all_output_positions(fc);
    REQUIRE(positions.size() == 5);
    const auto x = eap::sample_patches(in, fc, positions);
    REQUIRE(x.shape()[1] == 24);
    for (std::size_t n = 0; n < 5; ++n)
        for (std::size_t j = 0; j < 24; ++j) CHECK(x(n, j) == in.data()[n * 24 + j]);
    const xt::xtensor<float, 2> flat = xt::reshape_view(in, {5, 24});
    const std::vector<eap::output_position> some{{1, 0, 0}, {4, 0, 0}};
    const auto rows = eap::sample_rows(flat, some);
    CHECK((xt::view(rows, 1, xt::all()) == xt::view(flat, 4, xt::all())));
    CHECK_THROWS_AS(eap::sample_rows(flat, {{5, 0, 0}}), eap::argument_error);
    CHECK_THROWS_AS(eap::sample_rows(flat, {{1, 1, 0}}), eap::argument_error);
}

TEST_CASE("random output positions: distinct, sorted, in range, reproducible from the seed",
          "[prune][patch_sampling]") {
    const eap::conv_shape s =
        eap::conv_shape{}.with_batch(3).with_channels(4, 8).with_input(13, 13).with_kernel(3, 3).with_padding(1);
    const std::int64_t total = 3 * 13 * 13;
    for (std::int64_t count : {std::int64_t{0}, std::int64_t{1}, std::int64_t{17}, std::int64_t{300}, total - 1}) {
        const auto a = eap::random_output_positions(s, count, 7);
        REQUIRE(static_cast<std::int64_t>(a.size()) == count);
        CHECK(std::is_sorted(a.begin(), a.end()));
        CHECK(std::adjacent_find(a.begin(), a.end()) == a.end());
        for (const auto& p : a) {
            CHECK(p.image >= 0);
            CHECK(p.image < 3);
            CHECK(p.row < 13);
            CHECK(p.col < 13);
        }
        CHECK(eap::random_output_positions(s, count, 7) == a);
        if (count > 5 && count < total - 5) CHECK(eap::random_output_positions(s, count, 8) != a);
    }
    CHECK(eap::random_output_positions(s, total + 10, 1) == eap::all_output_positions(s));
    // Uniform enough: every image gets a share close to a third of 1,200 draws.
    const eap::conv_shape big = s.with_batch(3).with_input(40, 40);
    std::vector<int> per_image(3, 0);
    for (const auto& p : eap::random_output_positions(big, 1200, 3)) ++per_image[static_cast<std::size_t>(p.image)];
    for (int c : per_image) CHECK(std::abs(c - 400) < 80);
    CHECK_THROWS_AS(eap::random_output_positions(s, -1, 1), eap::argument_error);
}

TEST_CASE("layer systems equal the Gram systems of the sampled patches, in any chunking", "[prune][patch_sampling]") {
    std::mt19937 rng(53);
    const eap::conv_shape s = eap::conv_shape{}
                                  .with_batch(2)
                                  .with_channels(4, 6)
                                  .with_input(7, 6)
                                  .with_kernel(3, 2)
                                  .with_stride(2, 1)
                                  .with_padding(eap::padding{1, 0, 1, 1})
                                  .with_groups(2)
                                  .validated();
    const auto in = random_tensor(rng, 2, 4, 7, 6);
    const auto out =
        random_tensor(rng, 2, 6, static_cast<std::size_t>(s.out_height()), static_cast<std::size_t>(s.out_width()));
    const auto positions = eap::random_output_positions(s, 40, 5);
    const eap::gram_options dbl{true, eap::gram_accumulation::double_precision};
    const auto whole = eap::build_layer_systems(in, out, s, positions, dbl);
    const auto chunked = eap::build_layer_systems(in, out, s, positions, dbl, 7);
    REQUIRE(whole.size() == 2);
    for (std::int64_t g = 0; g < 2; ++g) {
        const auto direct = eap::build_gram_system(eap::sample_patches(in, s, positions, g),
                                                   eap::sample_outputs(out, s, positions, g), dbl);
        const auto& a = whole[static_cast<std::size_t>(g)];
        const auto& b = chunked[static_cast<std::size_t>(g)];
        CHECK(a.samples == 40);
        CHECK(xt::allclose(a.gram, direct.gram, 1e-12, 1e-12));
        CHECK(xt::allclose(a.cross, direct.cross, 1e-12, 1e-12));
        CHECK(xt::allclose(b.gram, direct.gram, 1e-12, 1e-12));
        CHECK(xt::allclose(b.cross, direct.cross, 1e-12, 1e-12));
        CHECK(xt::allclose(b.output_energy, direct.output_energy, 1e-12, 1e-12));
    }
}

TEST_CASE("end to end on a real grouped CONV layer: an unpruned fit recovers the weights", "[prune][patch_sampling]") {
    std::mt19937 rng(54);
    const eap::conv_shape s = eap::conv_shape{}
                                  .with_batch(3)
                                  .with_channels(4, 6)
                                  .with_input(9, 9)
                                  .with_kernel(3, 3)
                                  .with_padding(1)
                                  .with_groups(2)
                                  .validated();
    const auto in = random_tensor(rng, 3, 4, 9, 9);
    const auto w = random_tensor(rng, 6, 2, 3, 3);
    const auto out = convolve(in, w, s);
    const auto systems = eap::build_layer_systems(in, out, s, eap::random_output_positions(s, 150, 9),
                                                  {false, eap::gram_accumulation::double_precision});
    const auto fit = eap::fit_least_squares(systems, xt::xtensor<float, 4>(xt::zeros<float>(w.shape())),
                                            eap::full_mask(w), xt::xtensor<float, 1>{});
    CHECK(xt::allclose(fit.weights, w, 1e-4, 1e-4));
    CHECK(fit.report.error_after <= 1e-6 * fit.report.output_energy);
    // Pruned to a third by magnitude, restored to half, fitted: each stage lowers the error.
    const auto over_pruned = eap::magnitude_prune(w, 36);
    const auto restored = eap::restore_weights(systems, w, over_pruned, xt::xtensor<float, 1>{}, 54);
    const auto magnitude_half = eap::magnitude_prune(w, 54);
    const auto magnitude_fit = eap::fit_least_squares(systems, w, magnitude_half, xt::xtensor<float, 1>{});
    CHECK(restored.report.kept_after == 54);
    CHECK(restored.report.error_after <= restored.report.error_start);
    CHECK(restored.report.error_start <= restored.report.error_given);
    CHECK(magnitude_fit.report.error_after <= magnitude_fit.report.error_before);
    // Restoration chooses by output error, so it is at least as good as keeping the largest
    // weights here (greedy is not optimal in general, but with this margin it is).
    CHECK(restored.report.error_after <= magnitude_fit.report.error_after * 1.0001);
}

TEST_CASE("bad arguments to patch sampling are rejected with their name", "[prune][patch_sampling][errors]") {
    const eap::conv_shape s = eap::conv_shape{}.with_channels(4, 4).with_input(5, 5).with_kernel(3, 3).with_groups(2);
    const xt::xtensor<float, 4> in = xt::zeros<float>({1, 4, 5, 5});
    const xt::xtensor<float, 4> out = xt::zeros<float>({1, 4, 3, 3});
    const std::vector<eap::output_position> ok{{0, 2, 2}};
    CHECK_THROWS_AS(eap::sample_patches(xt::xtensor<float, 4>(xt::zeros<float>({1, 3, 5, 5})), s, ok),
                    eap::shape_error);
    CHECK_THROWS_WITH(
        eap::sample_patches(xt::xtensor<float, 4>(xt::zeros<float>({1, 3, 5, 5})), s, ok),
        Catch::Contains("eap::sample_patches") && Catch::Contains("'input'") && Catch::Contains("(1, 3, 5, 5)"));
    CHECK_THROWS_AS(eap::sample_patches(in, s, ok, 2), eap::argument_error);
    CHECK_THROWS_WITH(eap::sample_patches(in, s, ok, 2), Catch::Contains("'group' = 2"));
    CHECK_THROWS_AS(eap::sample_patches(in, s, {{0, 3, 0}}), eap::argument_error);
    CHECK_THROWS_WITH(eap::sample_patches(in, s, {{1, 0, 0}}), Catch::Contains("'positions[0]'"));
    CHECK_THROWS_AS(eap::sample_outputs(xt::xtensor<float, 4>(xt::zeros<float>({1, 4, 2, 3})), s, ok),
                    eap::shape_error);
    CHECK_THROWS_AS(eap::sample_outputs(out, s, {{0, 0, -1}}), eap::argument_error);
    CHECK_THROWS_AS(eap::build_layer_systems(in, out, s, {}), eap::argument_error);
    CHECK_THROWS_AS(eap::build_layer_systems(in, out, s, ok, {}, 0), eap::argument_error);
    CHECK_THROWS_AS(eap::build_layer_systems(in, xt::xtensor<float, 4>(xt::zeros<float>({2, 4, 3, 3})), s, ok),
                    eap::shape_error);
}
