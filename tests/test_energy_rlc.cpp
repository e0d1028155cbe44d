// The expected size of the Eyeriss run-length code against exact enumeration and a reference coder.
#include <cmath>
#include <cstdint>
#include <random>
#include <vector>

#include "catch.hpp"
#include "eap/energy/run_length_code_model.hpp"

namespace {

/// Pairs of the greedy coder on a stream, straight from the definition: skip up to 31 zeros,
/// the next value is the level; at the end of the stream the last pair covers what is left.
std::int64_t pairs_of(const std::vector<bool>& nonzero) {
    std::int64_t pairs = 0;
    std::size_t i = 0;
    const std::size_t n = nonzero.size();
    while (i < n) {
        std::size_t run = 0;
        while (run < 31 && i + run < n - 1 && !nonzero[i + run]) ++run;
        // the level is the value at i + run (possibly zero)
        i += run + 1;
        ++pairs;
    }
    return pairs;
}

}  // namespace

TEST_CASE("the reference coder follows the definition on adversarial streams", "[energy][rlc]") {
    auto zeros = [](std::size_t n) { return std::vector<bool>(n, false); };
    CHECK(pairs_of({}) == 0);
    CHECK(pairs_of(zeros(1)) == 1);
    CHECK(pairs_of(zeros(31)) == 1);
    CHECK(pairs_of(zeros(32)) == 1);
    CHECK(pairs_of(zeros(33)) == 2);
    auto then_one = [&](std::size_t z) {
        auto v = zeros(z);
        v.push_back(true);
        return v;
    };
    CHECK(pairs_of(then_one(31)) == 1);
    CHECK(pairs_of(then_one(32)) == 2);
    CHECK(pairs_of(then_one(63)) == 2);
    CHECK(pairs_of(then_one(64)) == 3);
    CHECK(pairs_of(std::vector<bool>(10, true)) == 10);
}

TEST_CASE("the expected number of pairs is exact for every stream length", "[energy][rlc]") {
    // All 2^n streams weighted by their probability, n up to 16.
    for (int n = 0; n <= 16; ++n) {
        for (double p : {0.0, 0.05, 0.3, 0.5, 0.9, 1.0}) {
            double expected = 0.0;
            for (std::uint32_t mask = 0; mask < (1u << n); ++mask) {
                std::vector<bool> v(static_cast<std::size_t>(n));
                int ones = 0;
                for (int i = 0; i < n; ++i) {
                    v[static_cast<std::size_t>(i)] = (mask >> i) & 1u;
                    ones += (mask >> i) & 1u;
                }
                const double probability = std::pow(p, ones) * std::pow(1.0 - p, n - ones);
                if (probability > 0.0) expected += probability * static_cast<double>(pairs_of(v));
            }
            INFO("n " << n << " p " << p);
            CHECK(eap::expected_run_length_code_pairs(n, p) == Approx(expected).epsilon(1e-12).margin(1e-12));
        }
    }
}

TEST_CASE("the expected number of pairs matches the coder on long random streams", "[energy][rlc]") {
    std::mt19937_64 rng(8);
    for (std::int64_t n : {100, 1000, 70000, 200000}) {
        for (double p : {0.002, 0.02, 0.35, 0.6}) {
            std::bernoulli_distribution bit(p);
            const int samples = n > 10000 ? 20 : 300;
            double sum = 0.0, sum2 = 0.0;
            for (int s = 0; s < samples; ++s) {
                std::vector<bool> v(static_cast<std::size_t>(n));
                for (std::size_t i = 0; i < v.size(); ++i) v[i] = bit(rng);
                const double pairs = static_cast<double>(pairs_of(v));
                sum += pairs;
                sum2 += pairs * pairs;
            }
            const double mean = sum / samples;
            const double sd = std::sqrt(std::max(0.0, sum2 / samples - mean * mean));
            const double model = eap::expected_run_length_code_pairs(n, p);
            INFO("n " << n << " p " << p << " mean " << mean << " model " << model);
            CHECK(std::fabs(model - mean) <= 5.0 * sd / std::sqrt(static_cast<double>(samples)) + 1e-9 * model + 0.5);
        }
    }
}

TEST_CASE("the closed form agrees with direct summation and stays monotone", "[energy][rlc]") {
    // Direct summation in long double of the same series, for lengths where eap uses the closed form.
    for (std::int64_t n : {65537, 100000, 1000003, 3211264}) {
        for (double p : {1e-6, 1e-4, 0.01, 0.3, 0.999}) {
            const long double q = 1.0L - p, r = std::pow(q, 32.0L);
            const std::int64_t M = (n - 1) / 32;
            long double interior = 0, trailing = 1, rm = 1;
            for (std::int64_t m = 1; m <= M; ++m) {
                rm *= r;
                interior += rm * (static_cast<long double>(n) - 32.0L * m);
                trailing += rm;
            }
            const long double direct = n * static_cast<long double>(p) + p * interior + q * trailing;
            INFO("n " << n << " p " << p);
            CHECK(eap::expected_run_length_code_pairs(n, p) == Approx(static_cast<double>(direct)).epsilon(1e-9));
        }
    }
    // More non-zeros never shrink the code.
    for (std::int64_t n : {1, 31, 32, 33, 500, 4096, 70000, 1000000}) {
        double last = -1.0;
        for (int i = 0; i <= 1000; ++i) {
            const double e = eap::expected_run_length_code_pairs(n, i / 1000.0);
            CHECK(e >= last - 1e-9 * e);
            last = e;
        }
    }
    CHECK(eap::expected_run_length_code_pairs(0, 0.5) == 0.0);
    CHECK(eap::expected_run_length_code_pairs(100, 0.0) == 4.0);
    CHECK(eap::expected_run_length_code_pairs(100, 1.0) == 100.0);
    CHECK(eap::expected_run_length_code_words(99, 1.0) == 33.0);
    CHECK_THROWS_AS(eap::expected_run_length_code_pairs(-1, 0.5), eap::argument_error);
    CHECK_THROWS_WITH(eap::expected_run_length_code_pairs(10, 1.5), Catch::Contains("density") && Catch::Contains("1.5"));
    CHECK_THROWS_AS(eap::expected_run_length_code_pairs(10, std::nan("")), eap::argument_error);
}
