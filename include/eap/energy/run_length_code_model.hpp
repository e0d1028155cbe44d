// SPDX-License-Identifier: MIT
#pragma once

#include <cmath>
#include <cstdint>

#include "eap/detail/checked_arithmetic.hpp"
#include "eap/error.hpp"

// The Eyeriss run-length code as eap defines it: a stream of values is coded greedily from its
// start as (run, level) pairs, run = 0..31 zeros skipped before the level (16 bits); the level
// may be zero when 31 zeros were skipped, and a stream ending in zeros ends with a pair covering
// them. Three pairs fill one 64-bit word (plus a 1-bit last-word flag): ceil(pairs / 3) words.
//
// Counting the pairs: every non-zero value ends a pair; a run of z zeros followed by a non-zero
// needs floor(z / 32) extra pairs; the run of zeros that ends the stream needs ceil(z / 32).

namespace eap {

/// The expected number of (run, level) pairs in the code of a stream of `values` values whose
/// values are non-zero independently with probability `density`. Exact for every stream length
/// (closed form; no long-stream approximation). Throws `eap::argument_error` for a negative
/// length or a density outside [0, 1].
inline double expected_run_length_code_pairs(std::int64_t values, double density) {
    if (values < 0)
        throw argument_error(detail::message("eap::expected_run_length_code_pairs: values must not be negative (got ",
                                             values, ")"));
    if (!(density >= 0.0 && density <= 1.0))
        throw argument_error(detail::message("eap::expected_run_length_code_pairs: density must be in [0, 1] (got ",
                                             density, ")"));
    if (values == 0) return 0.0;
    const double n = static_cast<double>(values);
    const double p = density, q = 1.0 - density;
    if (p == 0.0) return static_cast<double>(detail::ceil_div(values, 32));
    if (q == 0.0) return n;
    // r = q^32, the probability that 32 given values are all zero.
    const double log_r = 32.0 * std::log1p(-p);
    const double r = std::exp(log_r);
    const double one_minus_r = -std::expm1(log_r);
    const std::int64_t last = (values - 1) / 32;  // M: zero-level pairs can end at m = 1 .. M
    // Interior runs: p * sum_{m=1..M} r^m (n - 32 m). Trailing run: q * sum_{m=0..M} r^m.
    double interior = 0.0, trailing = 0.0;
    if (last <= 2048 || static_cast<double>(last) * one_minus_r < 0.01) {
        // Direct sums (short streams, or r so close to 1 that the closed form would cancel).
        double rm = 1.0;
        trailing = 1.0;
        for (std::int64_t m = 1; m <= last; ++m) {
            rm *= r;
            if (rm == 0.0) break;
            interior += rm * (n - 32.0 * static_cast<double>(m));
            trailing += rm;
        }
    } else {
        const double M = static_cast<double>(last);
        const double rM = std::exp(M * log_r);
        const double s1 = r * (1.0 - rM) / one_minus_r;                                          // sum r^m
        const double s2 = r * (1.0 - (M + 1.0) * rM + M * rM * r) / (one_minus_r * one_minus_r);  // sum m r^m
        interior = n * s1 - 32.0 * s2;
        trailing = (1.0 - rM * r) / one_minus_r;
    }
    return n * p + p * interior + q * trailing;
}

/// The expected size, in 64-bit words, of the code of such a stream: expected pairs / 3 (the
/// rounding up of a stream's last word, at most one word per stream, is left out).
inline double expected_run_length_code_words(std::int64_t values, double density) {
    return expected_run_length_code_pairs(values, density) / 3.0;
}

}  // namespace eap
