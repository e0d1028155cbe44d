#include <cmath>
#include <cstdint>
#include <random>
#include <vector>

#include "catch.hpp"
#include "eap/prune/gram_matrix.hpp"
#include "eap/prune/least_squares_fit.hpp"
#include "prune_test_support.hpp"

namespace {

// Checks every channel of a fit against the normal equations solved by Gaussian elimination in
// double from X and Y directly (with the ridge the fit reports).
template <std::size_t Rank>
void check_fit(const eap::least_squares_result<Rank>& fit, const xt::xtensor<float, 2>& x,
               const xt::xtensor<float, 2>& y, const xt::xtensor<std::uint8_t, 2>& mask, std::size_t row_offset,
               bool bias, double tolerance) {
    const std::size_t k = x.shape()[1];
    for (std::size_t c = 0; c < y.shape()[1]; ++c) {
        const std::size_t row = row_offset + c;
        const std::vector<int> set = prune_test::kept_set(mask, row, bias);
        const std::vector<double> yc = prune_test::column(y, c);
        const eap::channel_fit& report = fit.report.channels[row];
        const std::vector<double> reference = prune_test::normal_equations(x, yc, set, report.ridge);
        INFO("channel " << row << " kept " << set.size() << " ridge " << report.ridge);
        for (std::size_t i = 0; i < set.size(); ++i) {
            const double got = set[i] == static_cast<int>(k)
                                   ? fit.bias(row)
                                   : fit.weights.data()[row * k + static_cast<std::size_t>(set[i])];
            CHECK(std::abs(got - reference[i]) <= tolerance * std::max(1.0, std::abs(reference[i])));
        }
        for (std::size_t j = 0; j < k; ++j)
            if (!mask(row, j)) CHECK(fit.weights.data()[row * k + j] == 0.0f);
        // The reported error is the residual of the returned float weights.
        std::vector<double> w;
        for (int j : set)
            w.push_back(j == static_cast<int>(k) ? fit.bias(row)
                                                 : fit.weights.data()[row * k + static_cast<std::size_t>(j)]);
        const double direct = prune_test::residual(x, yc, set, w);
        const double energy = prune_test::residual(x, yc, {}, {});
        CHECK(std::abs(report.error_after - direct) <= 1e-5 * std::max(1.0, energy));
        CHECK(report.kept == static_cast<std::int64_t>(set.size()) - (bias ? 1 : 0));
    }
}

}  // namespace

TEST_CASE("least-squares fit equals the normal-equations solution on random problems", "[prune][least_squares]") {
    std::mt19937 rng(31);
    for (int trial = 0; trial < 60; ++trial) {
        const std::size_t k = 1 + rng() % 12, m = 1 + rng() % 5;
        const std::size_t n = k + 3 + rng() % 60;
        const bool bias = trial % 2 == 0;
        const auto x = prune_test::random_matrix(rng, n, k);
        const auto w = prune_test::random_matrix(rng, m, k);
        const auto y = prune_test::outputs_of(rng, x, w, 0.3f);
        const auto mask = prune_test::random_mask(rng, m, k, 0.6);
        xt::xtensor<float, 1> given_bias = xt::view(prune_test::random_matrix(rng, 1, m), 0, xt::all()), no_bias;
        for (auto accumulation : {eap::gram_accumulation::double_precision, eap::gram_accumulation::single_precision}) {
            const eap::gram_system sys = eap::build_gram_system(x, y, {bias, accumulation});
            const auto fit = eap::fit_least_squares(sys, w, mask, bias ? given_bias : no_bias);
            CHECK(fit.report.ridge_channels == 0);
            check_fit(fit, x, y, mask, 0, bias, accumulation == eap::gram_accumulation::double_precision ? 1e-5 : 1e-4);
            // The optimum never does worse than the given weights, and the totals add up.
            double before = 0.0, after = 0.0;
            for (const auto& c : fit.report.channels) {
                CHECK(c.error_after <= c.error_before * (1 + 1e-6) + 1e-6);
                before += c.error_before;
                after += c.error_after;
            }
            CHECK(fit.report.error_before == Approx(before));
            CHECK(fit.report.error_after == Approx(after));
            if (!bias) CHECK(fit.bias.size() == 0);
        }
    }
}

TEST_CASE("channels with the same kept set share one factorisation and still fit exactly", "[prune][least_squares]") {
    std::mt19937 rng(37);
    for (int trial = 0; trial < 20; ++trial) {
        const std::size_t k = 2 + rng() % 10, m = 2 + rng() % 5;
        const std::size_t n = k + 5 + rng() % 40;
        const bool bias = trial % 2 == 1;
        const auto x = prune_test::random_matrix(rng, n, k);
        const auto w = prune_test::random_matrix(rng, m, k);
        const auto y = prune_test::outputs_of(rng, x, w, 0.3f);
        // Everything kept (one factor serves all channels), then runs of equal rows with a
        // different row between them (the factor must be redone when the set changes).
        xt::xtensor<std::uint8_t, 2> mask = xt::ones<std::uint8_t>({m, k});
        if (trial % 3 != 0) {
            const auto row = prune_test::random_mask(rng, 1, k, 0.6);
            for (std::size_t r = 0; r < m; ++r)
                for (std::size_t c = 0; c < k; ++c) mask(r, c) = r == m / 2 ? std::uint8_t{1} : row(0, c);
        }
        xt::xtensor<float, 1> given_bias = xt::view(prune_test::random_matrix(rng, 1, m), 0, xt::all()), no_bias;
        const eap::gram_system sys = eap::build_gram_system(x, y, {bias, eap::gram_accumulation::double_precision});
        const auto fit = eap::fit_least_squares(sys, w, mask, bias ? given_bias : no_bias);
        check_fit(fit, x, y, mask, 0, bias, 1e-5);
    }
}

TEST_CASE("error_before is the residual of the given masked weights and bias", "[prune][least_squares]") {
    std::mt19937 rng(32);
    const auto x = prune_test::random_matrix(rng, 40, 5);
    const auto w = prune_test::random_matrix(rng, 3, 5);
    const auto y = prune_test::outputs_of(rng, x, w, 0.5f);
    const auto mask = prune_test::random_mask(rng, 3, 5, 0.5);
    const xt::xtensor<float, 1> bias = {0.5f, -1.0f, 2.0f};
    const auto fit = eap::fit_least_squares(
        eap::build_gram_system(x, y, {true, eap::gram_accumulation::double_precision}), w, mask, bias);
    for (std::size_t c = 0; c < 3; ++c) {
        std::vector<int> set{0, 1, 2, 3, 4, 5};
        std::vector<double> given;
        for (std::size_t j = 0; j < 5; ++j) given.push_back(mask(c, j) ? w(c, j) : 0.0);
        given.push_back(bias(c));
        CHECK(fit.report.channels[c].error_before ==
              Approx(prune_test::residual(x, prune_test::column(y, c), set, given)).epsilon(1e-9));
    }
}

TEST_CASE("rank-deficient systems take the ridge path and match the ridge normal equations", "[prune][least_squares]") {
    std::mt19937 rng(33);
    for (int trial = 0; trial < 30; ++trial) {
        const std::size_t k = 4 + rng() % 6, m = 1 + rng() % 3;
        const bool few_rows = trial % 2 == 0;
        // Either fewer samples than unknowns, or an input column that repeats another exactly.
        const std::size_t n = few_rows ? 2 + rng() % (k - 2) : k + 10;
        auto x = prune_test::random_matrix(rng, n, k);
        if (!few_rows)
            for (std::size_t r = 0; r < n; ++r) x(r, 3) = x(r, 1);
        const auto w = prune_test::random_matrix(rng, m, k);
        const auto y = prune_test::outputs_of(rng, x, w, 0.1f);
        xt::xtensor<std::uint8_t, 2> mask = xt::ones<std::uint8_t>({m, k});
        const eap::gram_system sys = eap::build_gram_system(x, y, {false, eap::gram_accumulation::double_precision});
        const auto fit = eap::fit_least_squares(sys, w, mask, xt::xtensor<float, 1>{});
        CHECK(fit.report.ridge_channels == static_cast<std::int64_t>(m));
        const double first = 1e-6 * sys.trace() / static_cast<double>(k);
        for (const auto& c : fit.report.channels) {
            REQUIRE(c.ridge > 0.0);
            // lambda = 1e-6 trace(G)/K times a power of ten.
            const double steps = std::log10(c.ridge / first);
            CHECK(std::abs(steps - std::round(steps)) < 1e-9);
            CHECK(fit.report.max_ridge >= c.ridge);
        }
        // The solution is (G + lambda I)^-1 b; the rounding of a near-singular system is amplified
        // by its condition number, so compare loosely but meaningfully.
        check_fit(fit, x, y, mask, 0, false, 1e-3);
    }
}

TEST_CASE("pruned weights stay exactly zero; inputs that are always zero keep their weight", "[prune][least_squares]") {
    std::mt19937 rng(34);
    auto x = prune_test::random_matrix(rng, 50, 6);
    for (std::size_t r = 0; r < 50; ++r) x(r, 2) = 0.0f;  // a dead input channel
    const auto w = prune_test::random_matrix(rng, 4, 6);  // every weight non-zero
    const auto y = prune_test::outputs_of(rng, x, w, 0.2f);
    xt::xtensor<std::uint8_t, 2> mask = {
        {1, 0, 1, 1, 0, 1}, {0, 0, 0, 0, 0, 0}, {1, 1, 1, 1, 1, 1}, {0, 1, 0, 0, 1, 0}};
    const xt::xtensor<float, 1> bias = {1.0f, 2.0f, 3.0f, 4.0f};
    const eap::gram_system sys = eap::build_gram_system(x, y);
    const auto fit = eap::fit_least_squares(sys, w, mask, bias);
    for (std::size_t r = 0; r < 4; ++r)
        for (std::size_t j = 0; j < 6; ++j) {
            if (!mask(r, j)) CHECK(fit.weights(r, j) == 0.0f);
            if (mask(r, j) && j == 2) CHECK(fit.weights(r, j) == w(r, j));
        }
    CHECK(fit.report.channels[0].inactive_inputs == 1);
    CHECK(fit.report.channels[2].inactive_inputs == 1);
    CHECK(fit.report.channels[3].inactive_inputs == 0);
    CHECK(fit.report.ridge_channels == 0);
    // A channel with nothing kept fits its bias to the mean output.
    double mean = 0.0;
    for (std::size_t r = 0; r < 50; ++r) mean += y(r, 1);
    CHECK(fit.bias(1) == Approx(mean / 50).margin(1e-5));
    CHECK(fit.report.channels[1].kept == 0);
    // A float mask gives the same result.
    const auto float_fit = eap::fit_least_squares(sys, w, eap::mask_cast<float>(mask), bias);
    CHECK((float_fit.weights == fit.weights));
}

TEST_CASE("grouped CONV layer: each group is fitted on its own system", "[prune][least_squares]") {
    std::mt19937 rng(35);
    // 6 filters of 2 x 1 x 3 (K = 6), 3 groups of 2 filters.
    xt::xtensor<float, 4> w = xt::empty<float>({6, 2, 1, 3});
    for (auto& v : w) v = std::normal_distribution<float>()(rng);
    const xt::xtensor<float, 2> w2 = xt::xtensor<float, 2>(xt::reshape_view(w, {6, 6}));
    xt::xtensor<std::uint8_t, 4> mask4 = xt::empty<std::uint8_t>({6, 2, 1, 3});
    const auto mask2 = prune_test::random_mask(rng, 6, 6, 0.5);
    std::copy(mask2.begin(), mask2.end(), mask4.begin());
    std::vector<eap::gram_system> systems;
    std::vector<xt::xtensor<float, 2>> xs, ys;
    for (std::size_t g = 0; g < 3; ++g) {
        xs.push_back(prune_test::random_matrix(rng, 30, 6));
        ys.push_back(prune_test::outputs_of(
            rng, xs.back(), xt::xtensor<float, 2>(xt::view(w2, xt::range(2 * g, 2 * g + 2), xt::all())), 0.4f));
        systems.push_back(
            eap::build_gram_system(xs.back(), ys.back(), {true, eap::gram_accumulation::double_precision}));
    }
    const xt::xtensor<float, 1> bias = xt::zeros<float>({6});
    const auto fit = eap::fit_least_squares(systems, w, mask4, bias);
    REQUIRE(fit.weights.shape() == w.shape());
    for (std::size_t g = 0; g < 3; ++g) check_fit(fit, xs[g], ys[g], mask2, 2 * g, true, 1e-5);
}

TEST_CASE("least-squares fit is deterministic", "[prune][least_squares]") {
    std::mt19937 rng(36);
    const auto x = prune_test::random_matrix(rng, 200, 30);
    const auto w = prune_test::random_matrix(rng, 8, 30);
    const auto y = prune_test::outputs_of(rng, x, w, 0.5f);
    const auto mask = prune_test::random_mask(rng, 8, 30, 0.4);
    const xt::xtensor<float, 1> bias = xt::zeros<float>({8});
    const auto a = eap::fit_least_squares(eap::build_gram_system(x, y), w, mask, bias);
    const auto b = eap::fit_least_squares(eap::build_gram_system(x, y), w, mask, bias);
    CHECK((a.weights == b.weights));
    CHECK((a.bias == b.bias));
    CHECK(a.report.error_after == b.report.error_after);
}

TEST_CASE("bad arguments to the least-squares fit are rejected with their name", "[prune][least_squares][errors]") {
    std::mt19937 rng(37);
    const auto x = prune_test::random_matrix(rng, 20, 4);
    const auto y = prune_test::random_matrix(rng, 20, 2);
    const eap::gram_system sys = eap::build_gram_system(x, y);
    const xt::xtensor<float, 2> w = xt::ones<float>({2, 4});
    const eap::weight_mask<2> mask = xt::ones<std::uint8_t>({2, 4});
    const xt::xtensor<float, 1> bias = xt::zeros<float>({2});
    const char* fn = "eap::fit_least_squares";
    CHECK_THROWS_AS(eap::fit_least_squares(sys, xt::xtensor<float, 2>(xt::ones<float>({2, 5})),
                                           eap::weight_mask<2>(xt::ones<std::uint8_t>({2, 5})), bias),
                    eap::shape_error);
    CHECK_THROWS_WITH(eap::fit_least_squares(sys, xt::xtensor<float, 2>(xt::ones<float>({2, 5})),
                                             eap::weight_mask<2>(xt::ones<std::uint8_t>({2, 5})), bias),
                      Catch::Contains(fn) && Catch::Contains("4 inputs") && Catch::Contains("5 weights"));
    CHECK_THROWS_AS(
        eap::fit_least_squares(sys, xt::xtensor<float, 2>(xt::ones<float>({3, 4})),
                               eap::weight_mask<2>(xt::ones<std::uint8_t>({3, 4})), xt::xtensor<float, 1>{}),
        eap::shape_error);
    CHECK_THROWS_AS(eap::fit_least_squares(sys, w, eap::weight_mask<2>(xt::ones<std::uint8_t>({2, 3})), bias),
                    eap::shape_error);
    CHECK_THROWS_WITH(eap::fit_least_squares(sys, w, eap::weight_mask<2>(xt::ones<std::uint8_t>({2, 3})), bias),
                      Catch::Contains("'mask'"));
    CHECK_THROWS_AS(eap::fit_least_squares(sys, w, mask, xt::xtensor<float, 1>(xt::zeros<float>({3}))),
                    eap::shape_error);
    CHECK_THROWS_WITH(eap::fit_least_squares(sys, w, mask, xt::xtensor<float, 1>(xt::zeros<float>({3}))),
                      Catch::Contains("'bias'"));
    CHECK_THROWS_AS(eap::fit_least_squares(std::vector<eap::gram_system>{}, w, mask, bias), eap::argument_error);
    CHECK_THROWS_AS(eap::fit_least_squares(std::vector<eap::gram_system>{sys, sys, sys}, w, mask, bias),
                    eap::shape_error);
    eap::least_squares_options bad;
    bad.ridge_growth = 1.0;
    CHECK_THROWS_WITH(eap::fit_least_squares(sys, w, mask, bias, bad), Catch::Contains("'ridge_growth'"));
    bad = {};
    bad.max_condition = 0.5;
    CHECK_THROWS_AS(eap::fit_least_squares(sys, w, mask, bias, bad), eap::argument_error);
    // No ridge allowed on a singular system: an eap::error naming the channel.
    const auto x_few = prune_test::random_matrix(rng, 2, 4);
    const eap::gram_system few = eap::build_gram_system(x_few, prune_test::random_matrix(rng, 2, 2), {false});
    eap::least_squares_options no_ridge;
    no_ridge.max_ridge_steps = 0;
    CHECK_THROWS_AS(eap::fit_least_squares(few, w, mask, xt::xtensor<float, 1>{}, no_ridge), eap::error);
    CHECK_THROWS_WITH(eap::fit_least_squares(few, w, mask, xt::xtensor<float, 1>{}, no_ridge),
                      Catch::Contains("output channel 0") && Catch::Contains("singular"));
}
