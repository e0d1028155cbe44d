#include <cmath>
#include <cstdint>
#include <random>
#include <vector>

#include "catch.hpp"
#include "eap/prune/gram_matrix.hpp"
#include "prune_test_support.hpp"

using prune_test::column_value;

namespace {

// Every entry of G, b and c against sums taken in double straight from X and Y.
void check_against_direct_sums(const eap::gram_system& sys, const xt::xtensor<float, 2>& x,
                               const xt::xtensor<float, 2>& y, bool bias, double tolerance) {
    const std::size_t n = x.shape()[0], k = x.shape()[1], m = y.shape()[1];
    const std::size_t kp = k + (bias ? 1 : 0);
    REQUIRE(sys.unknowns() == static_cast<std::int64_t>(kp));
    REQUIRE(sys.inputs() == static_cast<std::int64_t>(k));
    REQUIRE(sys.outputs() == static_cast<std::int64_t>(m));
    REQUIRE(sys.samples == static_cast<std::int64_t>(n));
    REQUIRE(sys.bias_column == bias);
    for (std::size_t i = 0; i < kp; ++i) {
        for (std::size_t j = 0; j < kp; ++j) {
            double g = 0.0, scale = 0.0;
            for (std::size_t r = 0; r < n; ++r) {
                const double p = column_value(x, r, static_cast<int>(i)) * column_value(x, r, static_cast<int>(j));
                g += p;
                scale += std::abs(p);
            }
            CHECK(std::abs(sys.gram(i, j) - g) <= tolerance * std::max(1.0, scale));
        }
        for (std::size_t c = 0; c < m; ++c) {
            double b = 0.0, scale = 0.0;
            for (std::size_t r = 0; r < n; ++r) {
                const double p = column_value(x, r, static_cast<int>(i)) * y(r, c);
                b += p;
                scale += std::abs(p);
            }
            CHECK(std::abs(sys.cross(c, i) - b) <= tolerance * std::max(1.0, scale));
        }
    }
    for (std::size_t c = 0; c < m; ++c) {
        double e = 0.0;
        for (std::size_t r = 0; r < n; ++r) e += static_cast<double>(y(r, c)) * y(r, c);
        CHECK(std::abs(sys.output_energy(c) - e) <= 1e-12 * std::max(1.0, e));
    }
}

}  // namespace

TEST_CASE("Gram system equals direct sums (single and double accumulation, with and without bias)", "[prune][gram]") {
    std::mt19937 rng(21);
    for (int trial = 0; trial < 40; ++trial) {
        const std::size_t n = 1 + rng() % 60, k = 1 + rng() % 12, m = 1 + rng() % 5;
        const auto x = prune_test::random_matrix(rng, n, k);
        const auto y = prune_test::random_matrix(rng, n, m, 3.0f);
        for (bool bias : {false, true}) {
            eap::gram_options single{bias, eap::gram_accumulation::single_precision};
            eap::gram_options dbl{bias, eap::gram_accumulation::double_precision};
            // Float sums of n terms: relative error a few n * 2^-24 of the sum of magnitudes.
            check_against_direct_sums(eap::build_gram_system(x, y, single), x, y, bias, 1e-6 * static_cast<double>(n));
            check_against_direct_sums(eap::build_gram_system(x, y, dbl), x, y, bias, 1e-13);
        }
    }
}

TEST_CASE("Gram accumulator: rows added in chunks give the same system", "[prune][gram]") {
    std::mt19937 rng(22);
    const auto x = prune_test::random_matrix(rng, 97, 7);
    const auto y = prune_test::random_matrix(rng, 97, 3);
    const eap::gram_options dbl{true, eap::gram_accumulation::double_precision};
    const eap::gram_system whole = eap::build_gram_system(x, y, dbl);
    eap::gram_accumulator acc(7, 3, dbl);
    for (std::size_t begin = 0; begin < 97; begin += 10) {
        const std::size_t end = std::min<std::size_t>(97, begin + 10);
        acc.add(xt::xtensor<float, 2>(xt::view(x, xt::range(begin, end), xt::all())),
                xt::xtensor<float, 2>(xt::view(y, xt::range(begin, end), xt::all())));
    }
    acc.add(xt::xtensor<float, 2>(xt::empty<float>({0, 7})), xt::xtensor<float, 2>(xt::empty<float>({0, 3})));
    const eap::gram_system chunked = acc.system();
    CHECK(chunked.samples == 97);
    CHECK(xt::allclose(chunked.gram, whole.gram, 1e-12, 1e-12));
    CHECK(xt::allclose(chunked.cross, whole.cross, 1e-12, 1e-12));
    CHECK(xt::allclose(chunked.output_energy, whole.output_energy, 1e-12, 1e-12));
    // G is symmetric, both triangles filled.
    CHECK((chunked.gram == xt::transpose(chunked.gram)));
}

TEST_CASE("output_error equals the residual computed from X and Y", "[prune][gram]") {
    std::mt19937 rng(23);
    const auto x = prune_test::random_matrix(rng, 50, 6);
    const auto y = prune_test::random_matrix(rng, 50, 2);
    const eap::gram_system sys = eap::build_gram_system(x, y, {true, eap::gram_accumulation::double_precision});
    std::normal_distribution<double> normal;
    for (int trial = 0; trial < 20; ++trial) {
        std::vector<double> w(7);
        for (auto& v : w) v = trial % 3 == 0 ? 0.0 : normal(rng);
        const std::vector<int> all{0, 1, 2, 3, 4, 5, 6};
        for (std::size_t m = 0; m < 2; ++m) {
            const double direct = prune_test::residual(x, prune_test::column(y, m), all, w);
            CHECK(std::abs(sys.output_error(static_cast<std::int64_t>(m), w.data()) - direct) <=
                  1e-10 * std::max(1.0, direct));
        }
    }
    CHECK(sys.trace() == Approx(xt::sum(x * x)() + 50.0).epsilon(1e-6));
}

TEST_CASE("bad arguments to the Gram builders are rejected", "[prune][gram][errors]") {
    const xt::xtensor<float, 2> x = xt::ones<float>({4, 3});
    const xt::xtensor<float, 2> y = xt::ones<float>({4, 2});
    const xt::xtensor<float, 2> y_short = xt::ones<float>({3, 2});
    CHECK_THROWS_AS(eap::build_gram_system(x, y_short), eap::shape_error);
    CHECK_THROWS_WITH(eap::build_gram_system(x, y_short),
                      Catch::Contains("'patches' has 4 rows") && Catch::Contains("3"));
    eap::gram_accumulator acc(3, 2);
    CHECK_THROWS_AS(acc.add(xt::xtensor<float, 2>(xt::ones<float>({4, 5})), y), eap::shape_error);
    CHECK_THROWS_AS(acc.add(x, xt::xtensor<float, 2>(xt::ones<float>({4, 1}))), eap::shape_error);
    xt::xtensor<float, 2> bad = x;
    bad(2, 1) = std::nanf("");
    CHECK_THROWS_AS(acc.add(bad, y), eap::argument_error);
    CHECK_THROWS_WITH(acc.add(bad, y), Catch::Contains("'patches' must be finite"));
    CHECK_THROWS_AS(eap::gram_accumulator(0, 2), eap::argument_error);
    CHECK_THROWS_AS(eap::gram_accumulator(3, 0), eap::argument_error);
    CHECK_THROWS_AS(eap::build_gram_system(xt::xtensor<float, 2>(xt::ones<float>({4, 0})), y), eap::shape_error);
}
