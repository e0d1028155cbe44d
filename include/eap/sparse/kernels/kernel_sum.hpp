// SPDX-License-Identifier: MIT
#pragma once

#include <algorithm>
#include <cstdint>
#include <limits>
#include <vector>

#include "eap/detail/checked_arithmetic.hpp"
#include "eap/shape/conv_shape.hpp"

namespace eap::detail {

// Non-skipped MACs as a sum over the kernel instead of over the outputs:
//
//   MACs = sum_c sum_{r,s} nzw[c][r][s] * cnt[c][r][s]
//
// nzw[c][r][s]: filters of c's group whose weight at (c mod C/groups, r, s) is non-zero (the
// weight pass); cnt[c][r][s]: (image, output position) pairs whose input x[c][pU + r - pad_top]
// [qV + s - pad_left] lies inside the image and is non-zero. The counts of the activation pass
// are already summed over the batch (nzw does not depend on the image), so cnt is a sum of that
// count map over the input positions one kernel tap visits: rows r - pad_top, r - pad_top + U, ...
// clipped to the image, likewise columns -- a rectangle of one (row mod U, column mod V) residue
// class. With a 2-D prefix-sum table per residue class of a channel, each cnt is four look-ups.

inline std::int64_t floor_div(std::int64_t a, std::int64_t b) noexcept {  // b > 0
    return a / b - ((a % b != 0) && (a < 0) ? 1 : 0);
}

/// The inputs one kernel offset visits along one axis, as a range of a residue class.
struct tap_window {
    bool empty = true;
    std::int64_t residue = 0;  ///< input index mod stride
    std::int64_t first = 0;    ///< first visited input index / stride
    std::int64_t last = 0;     ///< last visited input index / stride
};

/// Kernel offset `tap` along an axis of `in` inputs, `out` outputs, `stride` and leading padding
/// `pad`: output p reads input p * stride + tap - pad, which must lie in [0, in).
inline tap_window window_of_tap(std::int64_t tap, std::int64_t in, std::int64_t out, std::int64_t stride,
                                std::int64_t pad) noexcept {
    const std::int64_t first_output = std::max<std::int64_t>(0, -detail::floor_div(tap - pad, stride));
    const std::int64_t last_output = std::min(out - 1, detail::floor_div(in - 1 + pad - tap, stride));
    tap_window window;
    if (first_output > last_output) return window;
    const std::int64_t first_input = first_output * stride + tap - pad;
    const std::int64_t last_input = last_output * stride + tap - pad;
    window.empty = false;
    window.residue = first_input % stride;
    window.first = first_input / stride;
    window.last = last_input / stride;
    return window;
}

/// The sum above for a validated layer. `counts` holds C x H x W batch counts of non-zero
/// inputs, `filter_counts` C x R x S counts of non-zero filters (the weight pass writes group g,
/// channel c' at g * (C/groups) + c' = c, so it is indexed by the input channel). `Table` is the
/// prefix-sum entry type; it must hold batch * H * W.
template <class Table>
std::int64_t kernel_sum(const std::int32_t* counts, const std::int32_t* filter_counts, const conv_shape& layer) {
    const std::int64_t channels = layer.in_channels;
    const std::int64_t height = layer.in_height, width = layer.in_width;
    const std::int64_t kernel_height = layer.kernel_height, kernel_width = layer.kernel_width;
    const std::int64_t stride_v = layer.stride_height, stride_h = layer.stride_width;
    const std::int64_t taps = kernel_height * kernel_width;
    const std::int64_t plane = height * width;

    if (layer.is_fully_connected()) {
        // One output position: every tap visits exactly one input, so cnt is the count itself.
        std::int64_t macs = 0;
        const std::int64_t inputs = channels * plane;
        for (std::int64_t k = 0; k < inputs; ++k)
            macs += static_cast<std::int64_t>(filter_counts[k]) * counts[k];
        return macs;
    }

    std::vector<tap_window> rows(static_cast<std::size_t>(kernel_height)), cols(static_cast<std::size_t>(kernel_width));
    std::vector<char> row_class_used(static_cast<std::size_t>(stride_v), 0), col_class_used(static_cast<std::size_t>(stride_h), 0);
    for (std::int64_t r = 0; r < kernel_height; ++r) {
        rows[r] = detail::window_of_tap(r, height, layer.out_height(), stride_v, layer.pad.top);
        if (!rows[r].empty) row_class_used[rows[r].residue] = 1;
    }
    for (std::int64_t s = 0; s < kernel_width; ++s) {
        cols[s] = detail::window_of_tap(s, width, layer.out_width(), stride_h, layer.pad.left);
        if (!cols[s].empty) col_class_used[cols[s].residue] = 1;
    }

    // One table per used residue class (a, b): (rows of the class + 1) x (columns + 1) entries
    // with a zero first row and column. Only the classes some tap visits are built (a 1x1
    // kernel with stride 2 uses one class of four).
    std::vector<std::int64_t> offset(static_cast<std::size_t>(stride_v * stride_h), -1);
    std::vector<std::int64_t> table_cols(static_cast<std::size_t>(stride_h), 0);
    std::int64_t table_size = 0;
    for (std::int64_t b = 0; b < stride_h; ++b) table_cols[b] = (width - b + stride_h - 1) / stride_h + 1;
    for (std::int64_t a = 0; a < stride_v; ++a) {
        if (!row_class_used[a]) continue;
        const std::int64_t class_rows = (height - a + stride_v - 1) / stride_v;
        for (std::int64_t b = 0; b < stride_h; ++b) {
            if (!col_class_used[b]) continue;
            offset[a * stride_h + b] = table_size;
            table_size += (class_rows + 1) * table_cols[b];
        }
    }
    std::vector<Table> tables(static_cast<std::size_t>(table_size), Table(0));

    std::int64_t macs = 0;
    for (std::int64_t c = 0; c < channels; ++c) {
        const std::int32_t* tap_filters = filter_counts + c * taps;
        if (std::all_of(tap_filters, tap_filters + taps, [](std::int32_t n) { return n == 0; })) continue;
        const std::int32_t* channel_counts = counts + c * plane;

        for (std::int64_t a = 0; a < stride_v; ++a) {
            if (!row_class_used[a]) continue;
            const std::int64_t class_rows = (height - a + stride_v - 1) / stride_v;
            for (std::int64_t b = 0; b < stride_h; ++b) {
                if (!col_class_used[b]) continue;
                Table* table = tables.data() + offset[a * stride_h + b];
                const std::int64_t stride_row = table_cols[b];
                const std::int64_t class_cols = stride_row - 1;
                // Row 0 and column 0 stay zero from the allocation.
                for (std::int64_t i = 0; i < class_rows; ++i) {
                    const std::int32_t* source = channel_counts + (a + i * stride_v) * width + b;
                    const Table* above = table + i * stride_row + 1;
                    Table* here = table + (i + 1) * stride_row + 1;
                    Table running = 0;
                    for (std::int64_t j = 0; j < class_cols; ++j) {
                        running += static_cast<Table>(source[j * stride_h]);
                        here[j] = above[j] + running;
                    }
                }
            }
        }

        for (std::int64_t r = 0; r < kernel_height; ++r) {
            const tap_window& row = rows[r];
            if (row.empty) continue;
            for (std::int64_t s = 0; s < kernel_width; ++s) {
                const std::int64_t filters = tap_filters[r * kernel_width + s];
                const tap_window& col = cols[s];
                if (filters == 0 || col.empty) continue;
                const Table* table = tables.data() + offset[row.residue * stride_h + col.residue];
                const std::int64_t stride_row = table_cols[col.residue];
                const std::int64_t visits = static_cast<std::int64_t>(table[(row.last + 1) * stride_row + col.last + 1]) -
                                            table[row.first * stride_row + col.last + 1] -
                                            table[(row.last + 1) * stride_row + col.first] +
                                            table[row.first * stride_row + col.first];
                // filters * visits <= this tap's dense MACs, and the total <= the layer's
                // mac_count(), which validate() proved fits in 64 bits.
                macs += filters * visits;
            }
        }
    }
    return macs;
}

/// `kernel_sum` with 32-bit prefix tables when the largest entry (batch * H * W) fits in them.
inline std::int64_t nonskipped_macs_from_counts(const std::int32_t* counts, const std::int32_t* filter_counts,
                                                const conv_shape& layer) {
    const std::int64_t largest = detail::checked_product("kernel_sum", layer.batch, layer.in_height, layer.in_width);
    if (largest <= std::numeric_limits<std::int32_t>::max())
        return detail::kernel_sum<std::int32_t>(counts, filter_counts, layer);
    return detail::kernel_sum<std::int64_t>(counts, filter_counts, layer);
}

}  // namespace eap::detail
