#include <algorithm>
#include <cmath>
#include <cstdint>
#include <limits>
#include <numeric>
#include <random>
#include <tuple>
#include <vector>

#include "catch.hpp"
#include "eap/prune/magnitude_pruning.hpp"
#include "eap/prune/weight_mask.hpp"

namespace {

// Brute force: sort every candidate by (|w| descending, layer ascending, index ascending), keep
// the first `keep`.
std::vector<std::vector<std::uint8_t>> reference_selection(const std::vector<std::vector<float>>& layers,
                                                           const std::vector<std::vector<std::uint8_t>>& eligible,
                                                           std::int64_t keep) {
    std::vector<std::tuple<float, std::size_t, std::size_t>> all;
    for (std::size_t l = 0; l < layers.size(); ++l)
        for (std::size_t i = 0; i < layers[l].size(); ++i)
            if (eligible.empty() || eligible[l][i]) all.emplace_back(std::abs(layers[l][i]), l, i);
    std::sort(all.begin(), all.end(), [](const auto& a, const auto& b) {
        if (std::get<0>(a) != std::get<0>(b)) return std::get<0>(a) > std::get<0>(b);
        if (std::get<1>(a) != std::get<1>(b)) return std::get<1>(a) < std::get<1>(b);
        return std::get<2>(a) < std::get<2>(b);
    });
    std::vector<std::vector<std::uint8_t>> out;
    for (const auto& layer : layers) out.emplace_back(layer.size(), 0);
    for (std::int64_t i = 0; i < keep; ++i)
        out[std::get<1>(all[static_cast<std::size_t>(i)])][std::get<2>(all[static_cast<std::size_t>(i)])] = 1;
    return out;
}

// Weights from a small set of values, so that ties at the threshold are common.
xt::xtensor<float, 2> tied_weights(std::mt19937& rng, std::size_t rows, std::size_t cols) {
    std::uniform_int_distribution<int> value(-3, 3);
    xt::xtensor<float, 2> w = xt::empty<float>({rows, cols});
    for (auto& v : w) v = 0.5f * static_cast<float>(value(rng));
    return w;
}

template <class Tensor>
std::vector<float> flat(const Tensor& t) {
    return std::vector<float>(t.begin(), t.end());
}

template <class Tensor>
std::vector<std::uint8_t> flat_mask(const Tensor& t) {
    return std::vector<std::uint8_t>(t.begin(), t.end());
}

}  // namespace

TEST_CASE("magnitude pruning keeps exactly the requested count, ties by lower index", "[prune][magnitude]") {
    std::mt19937 rng(11);
    for (int trial = 0; trial < 200; ++trial) {
        const std::size_t rows = 1 + rng() % 6, cols = 1 + rng() % 9;
        const xt::xtensor<float, 2> w = tied_weights(rng, rows, cols);
        const std::int64_t keep = static_cast<std::int64_t>(rng() % (rows * cols + 1));
        const eap::weight_mask<2> mask = eap::magnitude_prune(w, keep);
        CHECK(eap::kept_count(mask) == keep);
        CHECK(flat_mask(mask) == reference_selection({flat(w)}, {}, keep)[0]);
    }
}

TEST_CASE("magnitude pruning with a current mask only chooses among kept weights", "[prune][magnitude]") {
    std::mt19937 rng(12);
    for (int trial = 0; trial < 200; ++trial) {
        const std::size_t rows = 1 + rng() % 5, cols = 1 + rng() % 8;
        const xt::xtensor<float, 2> w = tied_weights(rng, rows, cols);
        std::bernoulli_distribution coin(0.6);
        eap::weight_mask<2> current = xt::empty<std::uint8_t>({rows, cols});
        for (auto& v : current) v = coin(rng) ? 1 : 0;
        const std::int64_t available = eap::kept_count(current);
        const std::int64_t keep = static_cast<std::int64_t>(rng() % static_cast<unsigned>(available + 1));
        const eap::weight_mask<2> mask = eap::magnitude_prune(w, keep, current);
        CHECK(eap::kept_count(mask) == keep);
        CHECK(flat_mask(mask) == reference_selection({flat(w)}, {flat_mask(current)}, keep)[0]);
        for (std::size_t i = 0; i < mask.size(); ++i)
            if (!current.data()[i]) CHECK(mask.data()[i] == 0);
        // A float mask holding the same 0/1 values gives the same result.
        const xt::xtensor<float, 2> float_mask = eap::mask_cast<float>(current);
        CHECK((eap::magnitude_prune(w, keep, float_mask) == mask));
    }
}

TEST_CASE("magnitude pruning to a fraction rounds to the nearest count", "[prune][magnitude]") {
    xt::xtensor<float, 4> w = xt::empty<float>({4, 3, 3, 3});  // 108 weights, all distinct magnitudes
    for (std::size_t i = 0; i < w.size(); ++i)
        w.data()[i] = (i % 2 ? -1.0f : 1.0f) * static_cast<float>((i * 37) % 108 + 1);
    for (double f : {0.0, 0.1, 0.35, 0.5, 0.999, 1.0}) {
        const eap::weight_mask<4> mask = eap::magnitude_prune_fraction(w, f);
        CHECK(eap::kept_count(mask) == std::llround(f * 108));
        // The kept weights are the largest ones: every kept |w| beats every pruned |w|.
        float min_kept = std::numeric_limits<float>::infinity(), max_pruned = 0.0f;
        for (std::size_t i = 0; i < w.size(); ++i) {
            if (mask.data()[i])
                min_kept = std::min(min_kept, std::abs(w.data()[i]));
            else
                max_pruned = std::max(max_pruned, std::abs(w.data()[i]));
        }
        if (eap::kept_count(mask) > 0 && eap::kept_count(mask) < 108) CHECK(min_kept > max_pruned);
    }
    CHECK(eap::kept_per_output_channel(eap::magnitude_prune_fraction(w, 1.0)) ==
          std::vector<std::int64_t>{27, 27, 27, 27});
}

TEST_CASE("global magnitude pruning equals one ranking across all layers", "[prune][magnitude]") {
    std::mt19937 rng(13);
    for (int trial = 0; trial < 100; ++trial) {
        const std::size_t layers = 1 + rng() % 4;
        std::vector<xt::xtensor<float, 2>> weights;
        std::vector<std::vector<float>> flats;
        std::size_t total = 0;
        for (std::size_t l = 0; l < layers; ++l) {
            weights.push_back(tied_weights(rng, 1 + rng() % 4, 1 + rng() % 6));
            flats.push_back(flat(weights.back()));
            total += weights.back().size();
        }
        const std::int64_t keep = static_cast<std::int64_t>(rng() % (total + 1));
        const auto masks = eap::magnitude_prune_global(weights, keep);
        const auto reference = reference_selection(flats, {}, keep);
        std::int64_t kept = 0;
        for (std::size_t l = 0; l < layers; ++l) {
            CHECK(flat_mask(masks[l]) == reference[l]);
            kept += eap::kept_count(masks[l]);
        }
        CHECK(kept == keep);
    }
}

TEST_CASE("global magnitude counts respect the current masks", "[prune][magnitude]") {
    std::mt19937 rng(14);
    for (int trial = 0; trial < 100; ++trial) {
        std::vector<xt::xtensor<float, 2>> weights;
        std::vector<eap::weight_mask<2>> current;
        std::vector<std::vector<float>> flats;
        std::vector<std::vector<std::uint8_t>> eligible;
        std::vector<eap::magnitude_layer> refs;
        std::int64_t available = 0;
        for (int l = 0; l < 3; ++l) {
            weights.push_back(tied_weights(rng, 2, 5));
            std::bernoulli_distribution coin(0.5);
            eap::weight_mask<2> m = xt::empty<std::uint8_t>({2, 5});
            for (auto& v : m) v = coin(rng) ? 1 : 0;
            current.push_back(m);
            available += eap::kept_count(m);
        }
        for (int l = 0; l < 3; ++l) {
            refs.push_back(
                eap::magnitude_candidates(weights[static_cast<std::size_t>(l)], current[static_cast<std::size_t>(l)]));
            flats.push_back(flat(weights[static_cast<std::size_t>(l)]));
            eligible.push_back(flat_mask(current[static_cast<std::size_t>(l)]));
        }
        const std::int64_t keep = static_cast<std::int64_t>(rng() % static_cast<unsigned>(available + 1));
        const auto counts = eap::global_magnitude_counts(refs, keep);
        const auto reference = reference_selection(flats, eligible, keep);
        for (std::size_t l = 0; l < 3; ++l) {
            const auto mask = eap::magnitude_prune(weights[l], counts[l], current[l]);
            CHECK(flat_mask(mask) == reference[l]);
        }
    }
}

TEST_CASE("magnitude pruning is deterministic", "[prune][magnitude]") {
    std::mt19937 rng(15);
    const xt::xtensor<float, 2> w = tied_weights(rng, 20, 30);
    const auto a = eap::magnitude_prune(w, 250);
    for (int i = 0; i < 3; ++i) CHECK((eap::magnitude_prune(w, 250) == a));
}

TEST_CASE("mask helpers", "[prune][mask]") {
    xt::xtensor<float, 2> w = {{0.0f, 1.5f, -2.0f}, {0.0f, 0.0f, 3.0f}};
    CHECK(eap::kept_count(eap::full_mask(w)) == 6);
    const eap::weight_mask<2> nz = eap::nonzero_mask(w);
    CHECK((nz == eap::weight_mask<2>{{0, 1, 1}, {0, 0, 1}}));
    CHECK(eap::kept_per_output_channel(nz) == std::vector<std::int64_t>{2, 1});
    const eap::weight_mask<2> m = {{1, 0, 1}, {1, 1, 0}};
    eap::apply_mask(w, m);
    CHECK((w == xt::xtensor<float, 2>{{0.0f, 0.0f, -2.0f}, {0.0f, 0.0f, 0.0f}}));
    CHECK((eap::mask_cast<float>(m) == xt::xtensor<float, 2>{{1.0f, 0.0f, 1.0f}, {1.0f, 1.0f, 0.0f}}));
}

TEST_CASE("bad arguments to magnitude pruning are rejected with their name", "[prune][magnitude][errors]") {
    const xt::xtensor<float, 2> w = {{1.0f, -2.0f}, {3.0f, 0.5f}};
    CHECK_THROWS_AS(eap::magnitude_prune(w, 5), eap::argument_error);
    CHECK_THROWS_WITH(eap::magnitude_prune(w, 5), Catch::Contains("eap::magnitude_prune") &&
                                                      Catch::Contains("'keep' = 5") && Catch::Contains("4 weights"));
    CHECK_THROWS_AS(eap::magnitude_prune(w, -1), eap::argument_error);
    CHECK_THROWS_AS(eap::magnitude_prune_fraction(w, 1.5), eap::argument_error);
    CHECK_THROWS_WITH(eap::magnitude_prune_fraction(w, 1.5),
                      Catch::Contains("'keep_fraction'") && Catch::Contains("1.5"));
    CHECK_THROWS_AS(eap::magnitude_prune_fraction(w, -0.1), eap::argument_error);
    CHECK_THROWS_AS(eap::magnitude_prune_fraction(w, std::nan("")), eap::argument_error);
    const eap::weight_mask<2> wrong_shape = xt::ones<std::uint8_t>({2, 3});
    CHECK_THROWS_AS(eap::magnitude_prune(w, 1, wrong_shape), eap::shape_error);
    CHECK_THROWS_WITH(eap::magnitude_prune(w, 1, wrong_shape),
                      Catch::Contains("'current_mask'") && Catch::Contains("(2, 3)"));
    const eap::weight_mask<2> not_binary = {{1, 2}, {0, 1}};
    CHECK_THROWS_AS(eap::magnitude_prune(w, 1, not_binary), eap::argument_error);
    const eap::weight_mask<2> half = {{1, 0}, {0, 1}};
    CHECK_THROWS_WITH(eap::magnitude_prune(w, 3, half), Catch::Contains("2 weights the current mask keeps"));
    xt::xtensor<float, 2> with_nan = w;
    with_nan(1, 1) = std::nanf("");
    CHECK_THROWS_AS(eap::magnitude_prune(with_nan, 1), eap::argument_error);
    std::vector<eap::magnitude_layer> refs{eap::magnitude_candidates(w)};
    CHECK_THROWS_AS(eap::global_magnitude_counts(refs, 7), eap::argument_error);
    CHECK_THROWS_AS(eap::global_magnitude_counts_fraction(refs, 2.0), eap::argument_error);
    CHECK(eap::global_magnitude_counts_fraction(refs, 0.5) == std::vector<std::int64_t>{2});
    CHECK_THROWS_AS(eap::apply_mask(with_nan, wrong_shape), eap::shape_error);
}
