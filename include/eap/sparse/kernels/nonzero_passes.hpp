// SPDX-License-Identifier: MIT
#pragma once

#include <algorithm>
#include <array>
#include <cstdint>
#include <limits>
#include <type_traits>
#include <vector>

#include "eap/sparse/kernels/rlc_pair_counter.hpp"
#include "eap/sparse/kernels/scan_rows.hpp"

namespace eap::detail {

// The passes over whole tensors, built on scan_rows. Each returns true when it met a NaN.

/// Adds the narrow counts of `acc` into the 32-bit `counts` (or stores them there when
/// `overwrite`) and clears `acc`. (A template on the architecture like every loop here, so that
/// builds for different instruction sets never share a symbol.)
template <class Arch, class Lane>
void flush_counts(Lane* acc, std::int32_t* counts, std::int64_t length, bool overwrite = false) noexcept {
    if (overwrite) {
        for (std::int64_t i = 0; i < length; ++i) counts[i] = static_cast<std::int32_t>(acc[i]);
    } else {
        for (std::int64_t i = 0; i < length; ++i) counts[i] += static_cast<std::int32_t>(acc[i]);
    }
    std::fill(acc, acc + length, Lane(0));
}

/// Images of a batch side by side: a step of the batch loop.
inline constexpr std::size_t images_per_step = 4;

/// One pass over a batch of `batch` images of `image_size` values (row-major, image after image).
/// counts[k] (`image_size` entries, overwritten) gets the number of images whose value k is
/// non-zero. With Bits, image_counters[n] gets image n's run-length stream.
///
/// The image is cut into blocks whose counters stay in the L1 cache; for each block the loop runs
/// over the images, four at a time, so the counters are loaded and stored once per four images
/// and each image is still read front to back (its run-length stream is fed in order).
template <class Arch, bool Bits, class T>
bool count_fmap_nonzeros(const T* x, std::int64_t batch, std::int64_t image_size, std::int32_t* counts,
                         rlc_pair_counter* image_counters) {
    using lane = sparse_lane_t<T>;
    constexpr bool direct = std::is_same<lane, std::int32_t>::value;  // counts are the accumulators
    constexpr std::int64_t block = 16384 / static_cast<std::int64_t>(sizeof(lane));
    constexpr std::int64_t most_pending = std::numeric_limits<lane>::max();
    std::vector<lane> buffer(direct ? 0 : static_cast<std::size_t>(std::min(block, image_size)));
    bool nan = false;
    for (std::int64_t start = 0; start < image_size && !nan; start += block) {
        const std::int64_t length = std::min(block, image_size - start);
        lane* acc = nullptr;
        bool flushed = false;  // the first flush stores, so counts need no clearing
        if constexpr (direct) {
            // Cleared block by block, while it is in the cache (not with one memset up front).
            std::fill(counts + start, counts + start + length, std::int32_t{0});
            acc = counts + start;
        } else {
            acc = buffer.data();
        }
        std::int64_t pending = 0;  // images added to acc since the last flush
        std::int64_t n = 0;
        for (; n + static_cast<std::int64_t>(images_per_step) <= batch; n += images_per_step) {
            if constexpr (!direct) {
                if (pending + static_cast<std::int64_t>(images_per_step) > most_pending) {
                    detail::flush_counts<Arch>(acc, counts + start, length, !flushed);
                    flushed = true;
                    pending = 0;
                }
            }
            std::array<const T*, images_per_step> rows{};
            std::array<rlc_pair_counter*, images_per_step> counters{};
            for (std::size_t r = 0; r < images_per_step; ++r) {
                rows[r] = x + (n + static_cast<std::int64_t>(r)) * image_size + start;
                if constexpr (Bits) counters[r] = image_counters + n + static_cast<std::int64_t>(r);
            }
            nan = detail::scan_rows<Arch, true, Bits, images_per_step, T>(rows, length, acc, counters) || nan;
            pending += images_per_step;
        }
        for (; n < batch; ++n) {
            if constexpr (!direct) {
                if (pending + 1 > most_pending) {
                    detail::flush_counts<Arch>(acc, counts + start, length, !flushed);
                    flushed = true;
                    pending = 0;
                }
            }
            std::array<rlc_pair_counter*, 1> counters{};
            if constexpr (Bits) counters[0] = image_counters + n;
            nan = detail::scan_rows<Arch, true, Bits, 1, T>({x + n * image_size + start}, length, acc, counters) || nan;
            ++pending;
        }
        if constexpr (!direct) detail::flush_counts<Arch>(acc, counts + start, length, !flushed);
    }
    return nan;
}

/// One pass over the weights of a (grouped) layer: `groups` groups of `filters_per_group`
/// filters of `filter_size` values each, in memory order. counts[g * filter_size + k] (zeroed by
/// the caller) gets the number of filters of group g whose value k is non-zero. With Bits, the
/// whole tensor is fed to `counter` as one stream and filter_nonzeros[m] gets filter m's
/// non-zero count.
template <class Arch, bool Bits, class T>
bool count_filter_nonzeros(const T* w, std::int64_t groups, std::int64_t filters_per_group, std::int64_t filter_size,
                           std::int32_t* counts, rlc_pair_counter* counter, std::int64_t* filter_nonzeros) {
    using lane = sparse_lane_t<T>;
    constexpr bool direct = std::is_same<lane, std::int32_t>::value;
    constexpr std::int64_t most_pending = std::numeric_limits<lane>::max();
    // With Bits the filters go one at a time: the stream must be fed in memory order.
    constexpr std::size_t step = Bits ? 1 : 4;
    std::vector<lane> buffer(direct ? 0 : static_cast<std::size_t>(filter_size));
    bool nan = false;
    for (std::int64_t g = 0; g < groups && !nan; ++g) {
        std::int32_t* group_counts = counts + g * filter_size;
        lane* acc = nullptr;
        if constexpr (direct) {
            acc = group_counts;
        } else {
            acc = buffer.data();
        }
        const T* group_weights = w + g * filters_per_group * filter_size;
        std::int64_t pending = 0;
        std::int64_t m = 0;
        for (; m + static_cast<std::int64_t>(step) <= filters_per_group; m += step) {
            if constexpr (!direct) {
                if (pending + static_cast<std::int64_t>(step) > most_pending) {
                    detail::flush_counts<Arch>(acc, group_counts, filter_size);
                    pending = 0;
                }
            }
            std::array<const T*, step> rows{};
            std::array<rlc_pair_counter*, step> counters{};
            for (std::size_t r = 0; r < step; ++r) {
                rows[r] = group_weights + (m + static_cast<std::int64_t>(r)) * filter_size;
                counters[r] = counter;
            }
            const std::int64_t before = Bits ? counter->nonzeros : 0;
            nan = detail::scan_rows<Arch, true, Bits, step, T>(rows, filter_size, acc, counters) || nan;
            if constexpr (Bits) filter_nonzeros[g * filters_per_group + m] = counter->nonzeros - before;
            pending += step;
        }
        for (; m < filters_per_group; ++m) {  // only without Bits
            if constexpr (!direct) {
                if (pending + 1 > most_pending) {
                    detail::flush_counts<Arch>(acc, group_counts, filter_size);
                    pending = 0;
                }
            }
            std::array<rlc_pair_counter*, 1> counters{};
            nan = detail::scan_rows<Arch, true, false, 1, T>({group_weights + m * filter_size}, filter_size, acc, counters) || nan;
            ++pending;
        }
        if constexpr (!direct) detail::flush_counts<Arch>(acc, group_counts, filter_size);
    }
    return nan;
}

/// Statistics-only pass over one tensor seen as `streams` run-length streams, each made of
/// `segments` equal segments of `segment_size` values (fmaps: images of channels; weights: one
/// stream of filters). counters[s] gets stream s; segment_nonzeros[k] (zeroed by the caller)
/// gets the non-zeros of segment k summed over the streams.
template <class Arch, class T>
bool scan_streams(const T* values, std::int64_t streams, std::int64_t segments, std::int64_t segment_size,
                  rlc_pair_counter* counters, std::int64_t* segment_nonzeros) {
    bool nan = false;
    for (std::int64_t s = 0; s < streams; ++s) {
        for (std::int64_t k = 0; k < segments; ++k) {
            const std::int64_t before = counters[s].nonzeros;
            nan = detail::scan_rows<Arch, false, true, 1, T>({values + (s * segments + k) * segment_size}, segment_size,
                                                        nullptr, {counters + s}) || nan;
            segment_nonzeros[k] += counters[s].nonzeros - before;
        }
        if (nan) break;
    }
    return nan;
}

}  // namespace eap::detail
