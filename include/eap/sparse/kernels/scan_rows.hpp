// SPDX-License-Identifier: MIT
#pragma once

#include <algorithm>
#include <array>
#include <cstddef>
#include <cstdint>
#include <type_traits>

#include <xsimd/xsimd.hpp>

#include "eap/sparse/kernel_arch.hpp"
#include "eap/sparse/kernels/element_traits.hpp"
#include "eap/sparse/kernels/lane_bits.hpp"
#include "eap/sparse/kernels/rlc_pair_counter.hpp"

namespace eap::detail {

// The one loop every sparse counter runs over its tensors. It walks `Rows` equally long rows of
// values side by side and, per value position i,
//  * (Accumulate) adds to acc[i] the number of rows whose value at i is non-zero -- the rows are
//    the images of a batch (acc is the per-position count of non-zero images) or the filters of a
//    group (acc is the per-weight-position count of non-zero filters);
//  * (Bits) feeds each row's non-zero flags, 64 at a time, to that row's run-length counter.
// It returns true when it saw a NaN (the caller throws, naming the tensor). The accumulators are
// integers as wide as the values, so one vector of values gives one vector of counts; the caller
// flushes them into 32-bit counts before they can overflow.

template <class T>
using sparse_lane_t = typename sparse_element_traits<T>::lane;

/// The scalar kernel: the reference the vectorised one is tested against (Arch = scalar_arch),
/// and the tail loop of the vectorised one (Arch = its architecture: each instruction set gets
/// its own copy of this loop, which the compiler may vectorise).
template <class Arch, bool Accumulate, bool Bits, std::size_t Rows, class T>
bool scan_rows_scalar(const std::array<const T*, Rows>& rows, std::int64_t length, sparse_lane_t<T>* acc,
                      const std::array<rlc_pair_counter*, Rows>& counters) noexcept {
    using lane = sparse_lane_t<T>;
    bool nan = false;
    for (std::int64_t start = 0; start < length; start += 64) {
        const int count = static_cast<int>(std::min<std::int64_t>(64, length - start));
        for (std::size_t r = 0; r < Rows; ++r) {
            const T* values = rows[r] + start;
            std::uint64_t bits = 0;
            for (int k = 0; k < count; ++k) {
                const T v = values[k];
                const int nonzero = detail::is_nonzero(v);
                nan = nan || detail::is_nan_value(v);
                if constexpr (Accumulate) acc[start + k] = static_cast<lane>(acc[start + k] + nonzero);
                if constexpr (Bits) bits |= static_cast<std::uint64_t>(nonzero) << k;
            }
            if constexpr (Bits) counters[r]->template feed<Arch>(bits, count);
        }
    }
    return nan;
}

/// The vectorised kernel for architecture `Arch` (an xsimd architecture tag).
template <class Arch, bool Accumulate, bool Bits, std::size_t Rows, class T>
bool scan_rows_simd(const std::array<const T*, Rows>& rows, std::int64_t length, sparse_lane_t<T>* acc,
                    const std::array<rlc_pair_counter*, Rows>& counters) noexcept {
    using traits = sparse_element_traits<T>;
    using lane = typename traits::lane;
    using value_batch = xsimd::batch<T, Arch>;
    using lane_batch = xsimd::batch<lane, Arch>;
    constexpr std::int64_t width = static_cast<std::int64_t>(lane_batch::size);
    static_assert(value_batch::size == lane_batch::size, "eap: value and lane batches must have as many lanes");
    static_assert(64 % width == 0, "eap: a batch must divide a 64-value run-length chunk");

    const lane_batch zero(lane(0));
    xsimd::batch_bool<T, Arch> nan_seen(false);

    // Non-zero lanes of the `width` values at p, as an integer-lane mask. Floating-point values
    // are tested on their bits with the sign masked off, so -0.0 is zero; NaN is tested in the
    // floating-point domain on the side, with xsimd::isnan: xsimd 8.1's `v != v` is an ordered
    // comparison on AVX and AVX-512 (false for NaN), unlike on SSE.
    auto nonzero_lanes = [&](const T* p) {
        const value_batch v = value_batch::load_unaligned(p);
        if constexpr (traits::floating) {
            nan_seen = nan_seen | xsimd::isnan(v);
            const lane_batch bits = xsimd::bitwise_cast<lane_batch>(v);
            return (bits & lane_batch(traits::magnitude_bits)) != zero;
        } else {
            return v != zero;
        }
    };

    std::int64_t i = 0;
    if constexpr (Bits) {
        for (; i + 64 <= length; i += 64) {
            std::array<std::uint64_t, Rows> words{};
            for (std::int64_t j = 0; j < 64; j += width) {
                lane_batch minus_count = zero;  // minus the number of non-zero rows, per lane
                for (std::size_t r = 0; r < Rows; ++r) {
                    const auto nonzero = nonzero_lanes(rows[r] + i + j);
                    if constexpr (Accumulate) minus_count = minus_count + xsimd::bitwise_cast(nonzero);
                    words[r] |= detail::lane_bits(nonzero) << j;
                }
                if constexpr (Accumulate) {
                    const lane_batch a = lane_batch::load_unaligned(acc + i + j);
                    (a - minus_count).store_unaligned(acc + i + j);
                }
            }
            for (std::size_t r = 0; r < Rows; ++r) counters[r]->template feed<Arch>(words[r], 64);
        }
    } else if constexpr (Accumulate) {
        for (; i + width <= length; i += width) {
            lane_batch minus_count = zero;
            for (std::size_t r = 0; r < Rows; ++r) minus_count = minus_count + xsimd::bitwise_cast(nonzero_lanes(rows[r] + i));
            const lane_batch a = lane_batch::load_unaligned(acc + i);
            (a - minus_count).store_unaligned(acc + i);
        }
    }

    bool nan = xsimd::any(nan_seen);
    if (i < length) {
        std::array<const T*, Rows> tails{};
        for (std::size_t r = 0; r < Rows; ++r) tails[r] = rows[r] + i;
        nan = detail::scan_rows_scalar<Arch, Accumulate, Bits, Rows>(tails, length - i, Accumulate ? acc + i : acc, counters) || nan;
    }
    return nan;
}

/// `scan_rows_simd<Arch>`, or the scalar kernel for `eap::scalar_arch`.
template <class Arch, bool Accumulate, bool Bits, std::size_t Rows, class T>
bool scan_rows(const std::array<const T*, Rows>& rows, std::int64_t length, sparse_lane_t<T>* acc,
               const std::array<rlc_pair_counter*, Rows>& counters) noexcept {
    static_assert(Accumulate || Bits, "eap: a scan that neither counts nor feeds bits does nothing");
    if constexpr (std::is_same<Arch, scalar_arch>::value) {
        return detail::scan_rows_scalar<Arch, Accumulate, Bits, Rows>(rows, length, acc, counters);
    } else {
        return detail::scan_rows_simd<Arch, Accumulate, Bits, Rows>(rows, length, acc, counters);
    }
}

}  // namespace eap::detail
