// SPDX-License-Identifier: MIT
#pragma once

#include <cstdint>
#include <type_traits>
#include <vector>

#include "eap/detail/checked_arithmetic.hpp"
#include "eap/detail/xtensor.hpp"
#include "eap/error.hpp"
#include "eap/sparse/detail/tensor_access.hpp"
#include "eap/sparse/kernel_arch.hpp"
#include "eap/sparse/kernels/rlc_pair_counter.hpp"
#include "eap/sparse/kernels/scan_rows.hpp"

namespace eap {

// The Eyeriss run-length code as eap defines it (shared by the energy model and the sparse
// counters). A tensor is coded as streams of 16-bit values in memory order: one stream per image
// for feature maps (C, H, W order), one per layer for weights (M, C/groups, R, S order). A stream
// is a sequence of (run, level) pairs, `run` (5 bits) zeros followed by the value `level`
// (16 bits). The coder is greedy from the start of the stream: it skips up to 31 zeros and takes
// the next value as the level, which is itself a zero when 31 zeros were skipped (a pair covers
// at most 32 values); at the end of the stream the trailing zeros are covered by pairs whose
// level is zero, the last one with run = min(31, remaining - 1). Three pairs (3 x 21 bits) and a
// flag that marks the last word of a stream fill one 64-bit word; a stream takes
// ceil(pairs / 3) words, an empty stream none.

inline constexpr int rlc_run_bits = 5;
inline constexpr int rlc_level_bits = 16;
inline constexpr int rlc_pair_bits = rlc_run_bits + rlc_level_bits;  // 21
inline constexpr std::int64_t rlc_max_run = 31;
inline constexpr int rlc_pairs_per_word = 3;
/// Bit 63 of a word: set on the last word of a stream.
inline constexpr std::uint64_t rlc_last_word_flag = std::uint64_t{1} << 63;

/// One run-length coded stream. Pair k of a word sits in bits [21k, 21k + 21): the level's
/// 16 bits (two's complement) low, the run's 5 bits above; unused pair slots of the last word
/// are zero. `values` is the stream's length, which the decoder needs: a last word with fewer
/// than three pairs is padded with zero bits, and (run 0, level 0) is also a real pair.
struct rlc_stream {
    std::int64_t values = 0;
    std::int64_t pairs = 0;
    std::vector<std::uint64_t> words;
};

/// Encodes `count` values (16-bit or 8-bit signed integers; 8-bit values are sign-extended to the
/// 16-bit level) as one stream. The straightforward greedy coder; it is the reference for the
/// size counters.
template <class T>
rlc_stream run_length_encode(const T* values, std::int64_t count) {
    static_assert(std::is_same<T, std::int16_t>::value || std::is_same<T, std::int8_t>::value,
                  "eap::run_length_encode: levels are 16-bit; the values must be std::int16_t or std::int8_t");
    if (count < 0) throw argument_error(detail::message("eap::run_length_encode: count is ", count, ", must be >= 0"));
    rlc_stream stream;
    stream.values = count;
    auto add_pair = [&stream](std::int64_t run, std::int16_t level) {
        const std::uint64_t pair = (static_cast<std::uint64_t>(run) << rlc_level_bits) |
                                   static_cast<std::uint16_t>(level);
        const int slot = static_cast<int>(stream.pairs % rlc_pairs_per_word);
        if (slot == 0) stream.words.push_back(0);
        stream.words.back() |= pair << (rlc_pair_bits * slot);
        ++stream.pairs;
    };
    std::int64_t i = 0;
    while (i < count) {
        const std::int64_t remaining = count - i;
        std::int64_t run = 0;
        // Skip zeros, at most 31, and never the stream's last value: it must be some pair's level.
        while (run < rlc_max_run && run < remaining - 1 && values[i + run] == 0) ++run;
        add_pair(run, static_cast<std::int16_t>(values[i + run]));
        i += run + 1;
    }
    if (!stream.words.empty()) stream.words.back() |= rlc_last_word_flag;
    return stream;
}

/// Encodes an xtensor expression of std::int16_t or std::int8_t, flattened in row-major order,
/// as one stream.
template <class E>
rlc_stream run_length_encode(const xt::xexpression<E>& values) {
    using value_type = detail::sparse_value_t<E>;
    const detail::row_major_values<value_type> flat(values.derived_cast());
    return eap::run_length_encode(flat.data(), flat.size());
}

/// Decodes one stream back into its 16-bit values. Throws `eap::argument_error` when the stream
/// is malformed: a pair that runs past `values`, a missing or misplaced last-word flag, words
/// left over, or non-zero padding.
inline std::vector<std::int16_t> run_length_decode(const rlc_stream& stream) {
    constexpr const char* function = "eap::run_length_decode";
    if (stream.values < 0) throw argument_error(detail::message(function, ": values is ", stream.values, ", must be >= 0"));
    std::vector<std::int16_t> out;
    out.reserve(static_cast<std::size_t>(stream.values));
    const std::size_t words = stream.words.size();
    std::int64_t pairs = 0;
    for (std::size_t w = 0; w < words; ++w) {
        const std::uint64_t word = stream.words[w];
        const bool last = w + 1 == words;
        if (((word & rlc_last_word_flag) != 0) != last)
            throw argument_error(detail::message(function, ": word ", w, " of ", words, (last ? " lacks" : " has"),
                                                 " the last-word flag"));
        if (static_cast<std::int64_t>(out.size()) == stream.values)
            throw argument_error(detail::message(function, ": word ", w, " of ", words, " follows the end of the ",
                                                 stream.values, " values"));
        for (int slot = 0; slot < rlc_pairs_per_word; ++slot) {
            const std::uint64_t pair = (word >> (rlc_pair_bits * slot)) & ((std::uint64_t{1} << rlc_pair_bits) - 1);
            if (static_cast<std::int64_t>(out.size()) == stream.values) {
                if (pair != 0)
                    throw argument_error(detail::message(function, ": word ", w, " has a non-zero pair slot ", slot,
                                                         " after the end of the stream"));
                continue;
            }
            const std::int64_t run = static_cast<std::int64_t>(pair >> rlc_level_bits);
            const auto level = static_cast<std::int16_t>(static_cast<std::uint16_t>(pair & 0xffffu));
            if (static_cast<std::int64_t>(out.size()) + run + 1 > stream.values)
                throw argument_error(detail::message(function, ": pair ", pairs, " (run ", run,
                                                     ") runs past the end of the ", stream.values, " values"));
            out.insert(out.end(), static_cast<std::size_t>(run), std::int16_t{0});
            out.push_back(level);
            ++pairs;
        }
    }
    if (static_cast<std::int64_t>(out.size()) != stream.values)
        throw argument_error(detail::message(function, ": the words hold ", out.size(), " values, the stream has ",
                                             stream.values));
    return out;
}

/// Pairs of the run-length code of `count` values (any element type the sparse counters take;
/// only zero versus non-zero matters) as one stream, counted without encoding.
template <class Arch = default_kernel_arch, class T>
std::int64_t run_length_code_pairs(const T* values, std::int64_t count) {
    static_assert(detail::is_sparse_element_v<T>,
                  "eap::run_length_code_pairs: the element type must be float, double, "
                  "std::int32_t, std::int16_t, std::int8_t, std::uint16_t or std::uint8_t");
    if (count < 0) throw argument_error(detail::message("eap::run_length_code_pairs: count is ", count, ", must be >= 0"));
    detail::rlc_pair_counter counter;
    if (detail::scan_rows<Arch, false, true, 1, T>({values}, count, nullptr, {&counter}))
        detail::throw_nan("eap::run_length_code_pairs", "values");
    return counter.total_pairs();
}

/// 64-bit words of the run-length code of `count` values as one stream.
template <class Arch = default_kernel_arch, class T>
std::int64_t run_length_code_words(const T* values, std::int64_t count) {
    return detail::ceil_div(eap::run_length_code_pairs<Arch>(values, count), rlc_pairs_per_word);
}

/// 64-bit words of the run-length code of an xtensor expression, flattened in row-major order,
/// as one stream (a weight tensor, or one image). For a batch of feature maps (one stream per
/// image) use `eap::fmap_statistics_of(x).rlc_words`.
template <class Arch = default_kernel_arch, class E>
std::int64_t run_length_code_words(const xt::xexpression<E>& values) {
    detail::check_sparse_element_type<E>();
    const detail::row_major_values<detail::sparse_value_t<E>> flat(values.derived_cast());
    return eap::run_length_code_words<Arch>(flat.data(), flat.size());
}

}  // namespace eap
