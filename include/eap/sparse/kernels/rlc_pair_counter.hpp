// SPDX-License-Identifier: MIT
#pragma once

#include <cstdint>

namespace eap::detail {

/// Counts the (run, level) pairs of eap's Eyeriss run-length code of one stream without
/// encoding it, from the stream's non-zero bits given in chunks of at most 64 values.
///
/// The greedy coder spends one pair per non-zero value, plus floor(z / 32) pairs on a run of z
/// zeros that ends in a non-zero value (each pair skips at most 31 zeros and then takes the
/// next value as its level, which is a zero when 31 zeros were skipped), plus ceil(t / 32)
/// pairs on the t zeros that end the stream. `feed` therefore only needs, per chunk, the number
/// of set bits, the zeros before the first set bit (which extend the run carried from the last
/// chunk), whether a run of >= 32 zeros lies between two set bits (inside one 64-bit chunk there
/// is room for at most one such run, and it is shorter than 64), and the zeros after the last
/// set bit (carried on). The result does not depend on how the stream is cut into chunks.
struct rlc_pair_counter {
    std::int64_t pairs = 0;       ///< pairs completed so far
    std::int64_t nonzeros = 0;    ///< non-zero values seen so far
    std::int64_t open_zeros = 0;  ///< zeros since the last non-zero value, not yet charged

    /// Adds `count` (1..64) values whose non-zero flags are bits 0..count-1 of `bits` (the
    /// higher bits must be clear). A template on the kernel architecture only so that each
    /// instruction set gets its own copy (the bit scans compile to different instructions).
    template <class Arch>
    void feed(std::uint64_t bits, int count) noexcept {
        if (bits == 0) {
            open_zeros += count;
            return;
        }
        const int first = __builtin_ctzll(bits);
        const int last = 63 - __builtin_clzll(bits);
        const int set = __builtin_popcountll(bits);
        pairs += (open_zeros + first) >> 5;
        pairs += set;
        nonzeros += set;
        if (last - first > 32) {
            // Zeros strictly between the first and last set bits; look for 32 in a row.
            std::uint64_t zeros = ~bits & ((std::uint64_t{1} << last) - 1) & ~((std::uint64_t{2} << first) - 1);
            zeros &= zeros >> 1;
            zeros &= zeros >> 2;
            zeros &= zeros >> 4;
            zeros &= zeros >> 8;
            zeros &= zeros >> 16;
            pairs += zeros != 0 ? 1 : 0;
        }
        open_zeros = count - 1 - last;
    }

    /// Pairs of the whole stream once every value has been fed: the trailing zeros take
    /// ceil(open_zeros / 32) pairs whose last level is a zero.
    std::int64_t total_pairs() const noexcept { return pairs + (open_zeros + 31) / 32; }

    /// 64-bit words of the whole stream: three pairs per word.
    std::int64_t total_words() const noexcept { return (total_pairs() + 2) / 3; }
};

}  // namespace eap::detail
