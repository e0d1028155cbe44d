// SPDX-License-Identifier: MIT
#pragma once

#include <cmath>
#include <cstdint>

namespace eap::detail {

/// xoshiro256** seeded through splitmix64. The standard library's distributions (and
/// `std::shuffle`) are implementation-defined, so eap draws every random number from this
/// generator with its own conversions: a seed then gives the same weights, batches and results
/// with every compiler and standard library.
class random_generator {
public:
    explicit random_generator(std::uint64_t seed) {
        std::uint64_t x = seed;
        for (auto& word : state_) word = splitmix64(x);
    }

    std::uint64_t next() {
        const std::uint64_t result = rotl(state_[1] * 5, 7) * 9;
        const std::uint64_t t = state_[1] << 17;
        state_[2] ^= state_[0];
        state_[3] ^= state_[1];
        state_[1] ^= state_[2];
        state_[0] ^= state_[3];
        state_[2] ^= t;
        state_[3] = rotl(state_[3], 45);
        return result;
    }

    /// Uniform in [0, 1) with 53 random bits.
    double uniform() { return static_cast<double>(next() >> 11) * 0x1.0p-53; }

    /// Uniform integer in [0, bound) for bound >= 1 (rejection sampling, no modulo bias).
    std::uint64_t below(std::uint64_t bound) {
        const std::uint64_t limit = ~std::uint64_t{0} - (~std::uint64_t{0} % bound + 1) % bound;
        std::uint64_t x = next();
        while (x > limit) x = next();
        return x % bound;
    }

    /// Standard normal (Box-Muller; one value per call, the second one is dropped for simplicity).
    double normal() {
        double u1 = uniform();
        while (u1 <= 0.0) u1 = uniform();
        const double u2 = uniform();
        return std::sqrt(-2.0 * std::log(u1)) * std::cos(6.283185307179586476925 * u2);
    }

    /// Shuffles [first, first + count) (Fisher-Yates).
    template <class T>
    void shuffle(T* first, std::int64_t count) {
        for (std::int64_t i = count - 1; i > 0; --i) {
            const auto j = static_cast<std::int64_t>(below(static_cast<std::uint64_t>(i) + 1));
            T tmp = first[i];
            first[i] = first[j];
            first[j] = tmp;
        }
    }

private:
    static std::uint64_t rotl(std::uint64_t x, int k) { return (x << k) | (x >> (64 - k)); }
    static std::uint64_t splitmix64(std::uint64_t& x) {
        std::uint64_t z = (x += 0x9e3779b97f4a7c15ULL);
        z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ULL;
        z = (z ^ (z >> 27)) * 0x94d049bb133111ebULL;
        return z ^ (z >> 31);
    }

    std::uint64_t state_[4];
};

}  // namespace eap::detail
