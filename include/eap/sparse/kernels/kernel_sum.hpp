// SPDX-License-Identifier: MIT
#pragma once

#include <algorithm>
#include <cstdint>
#include <limits>
#include <type_traits>
#include <vector>

#include <xsimd/xsimd.hpp>

#include "eap/detail/checked_arithmetic.hpp"
#include "eap/shape/conv_shape.hpp"
#include "eap/sparse/kernel_arch.hpp"

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
// class. With the 2-D prefix sums of each residue class of a channel, each cnt is four look-ups.

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

/// Adds one row of `width` 32-bit counts into `sums`.
template <class Arch, class Table>
void add_count_row(Table* sums, const std::int32_t* row, std::int64_t width) noexcept {
    std::int64_t j = 0;
    if constexpr (!std::is_same<Arch, scalar_arch>::value && std::is_same<Table, std::int32_t>::value) {
        using batch = xsimd::batch<std::int32_t, Arch>;
        constexpr std::int64_t lanes = static_cast<std::int64_t>(batch::size);
        for (; j + lanes <= width; j += lanes)
            (batch::load_unaligned(sums + j) + batch::load_unaligned(row + j)).store_unaligned(sums + j);
    }
    for (; j < width; ++j) sums[j] += static_cast<Table>(row[j]);
}

/// A place where some tap's window of one residue class starts or ends: the prefix sums are
/// needed at these grid rows (columns) only.
struct window_edge {
    std::int64_t residue = 0;
    std::int64_t index = 0;  ///< grid row (column) of the class; the prefix covers indices < index
};

/// The edges of all taps' windows along one axis: `first[t]` and `end[t]` are the edges (indices
/// into `edges`) where tap t's window starts and ends; `order` sorts the edges by (residue,
/// index), the order of the sweep.
struct window_edges {
    std::vector<window_edge> edges;
    std::vector<std::size_t> first, end, order;

    explicit window_edges(const std::vector<tap_window>& windows) : first(windows.size()), end(windows.size()) {
        for (std::size_t t = 0; t < windows.size(); ++t) {
            if (windows[t].empty) continue;
            first[t] = edge_of(windows[t].residue, windows[t].first);
            end[t] = edge_of(windows[t].residue, windows[t].last + 1);
        }
        order.resize(edges.size());
        for (std::size_t k = 0; k < order.size(); ++k) order[k] = k;
        std::sort(order.begin(), order.end(), [this](std::size_t a, std::size_t b) {
            return edges[a].residue != edges[b].residue ? edges[a].residue < edges[b].residue
                                                        : edges[a].index < edges[b].index;
        });
    }

private:
    std::size_t edge_of(std::int64_t residue, std::int64_t index) {
        for (std::size_t k = 0; k < edges.size(); ++k)
            if (edges[k].residue == residue && edges[k].index == index) return k;
        edges.push_back(window_edge{residue, index});
        return edges.size() - 1;
    }
};

/// The sum above for a validated layer. `counts` holds C x H x W batch counts of non-zero
/// inputs, `filter_counts` C x R x S counts of non-zero filters (the weight pass writes group g,
/// channel c' at g * (C/groups) + c' = c, so it is indexed by the input channel). `Table` is the
/// prefix-sum entry type; it must hold batch * H * W.
///
/// A tap's count is a rectangle of its residue class, four corners of the class's 2-D prefix
/// sums; only the corners at window edges are ever read, at most 2R rows by 2S columns. So per
/// channel and row class the rows are summed into column sums (vector adds) up to each row edge,
/// and there the column sums are prefix-summed at the column edges: O(H W / lanes + R W) per
/// channel instead of a full table's O(H W) dependent scalar steps.
template <class Arch, class Table>
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
        for (std::int64_t k = 0; k < inputs; ++k) macs += static_cast<std::int64_t>(filter_counts[k]) * counts[k];
        return macs;
    }

    std::vector<tap_window> row_windows(static_cast<std::size_t>(kernel_height));
    std::vector<tap_window> col_windows(static_cast<std::size_t>(kernel_width));
    for (std::int64_t r = 0; r < kernel_height; ++r)
        row_windows[r] = detail::window_of_tap(r, height, layer.out_height(), stride_v, layer.pad.top);
    for (std::int64_t s = 0; s < kernel_width; ++s)
        col_windows[s] = detail::window_of_tap(s, width, layer.out_width(), stride_h, layer.pad.left);
    const window_edges rows(row_windows), cols(col_windows);
    const std::size_t col_edges = cols.edges.size();

    std::vector<Table> column_sums(static_cast<std::size_t>(width));
    // corner[row edge * col_edges + col edge]: the prefix sum of the row edge's residue class
    // (rows) and the column edge's class (columns), below both edges.
    std::vector<Table> corner(rows.edges.size() * col_edges);

    std::int64_t macs = 0;
    for (std::int64_t c = 0; c < channels; ++c) {
        const std::int32_t* tap_filters = filter_counts + c * taps;
        if (std::all_of(tap_filters, tap_filters + taps, [](std::int32_t n) { return n == 0; })) continue;
        const std::int32_t* channel_counts = counts + c * plane;

        for (std::size_t k = 0; k < rows.order.size();) {
            const std::int64_t a = rows.edges[rows.order[k]].residue;
            std::fill(column_sums.begin(), column_sums.end(), Table(0));
            std::int64_t summed_rows = 0;  // grid rows of class a in column_sums
            for (; k < rows.order.size() && rows.edges[rows.order[k]].residue == a; ++k) {
                const std::size_t row_edge = rows.order[k];
                for (; summed_rows < rows.edges[row_edge].index; ++summed_rows)
                    detail::add_count_row<Arch>(column_sums.data(), channel_counts + (a + summed_rows * stride_v) * width,
                                                width);
                Table* out = corner.data() + row_edge * col_edges;
                for (std::size_t q = 0; q < cols.order.size();) {
                    const std::int64_t b = cols.edges[cols.order[q]].residue;
                    Table running = 0;
                    std::int64_t summed_cols = 0;
                    for (; q < cols.order.size() && cols.edges[cols.order[q]].residue == b; ++q) {
                        const std::size_t col_edge = cols.order[q];
                        for (; summed_cols < cols.edges[col_edge].index; ++summed_cols)
                            running += column_sums[b + summed_cols * stride_h];
                        out[col_edge] = running;
                    }
                }
            }
        }

        for (std::int64_t r = 0; r < kernel_height; ++r) {
            if (row_windows[r].empty) continue;
            const Table* top = corner.data() + rows.first[r] * col_edges;
            const Table* bottom = corner.data() + rows.end[r] * col_edges;
            for (std::int64_t s = 0; s < kernel_width; ++s) {
                const std::int64_t filters = tap_filters[r * kernel_width + s];
                if (filters == 0 || col_windows[s].empty) continue;
                const std::size_t left = cols.first[s], right = cols.end[s];
                const std::int64_t visits = static_cast<std::int64_t>(bottom[right]) - top[right] - bottom[left] + top[left];
                // filters * visits <= this tap's dense MACs, and the total <= the layer's
                // mac_count(), which validate() proved fits in 64 bits.
                macs += filters * visits;
            }
        }
    }
    return macs;
}

/// `kernel_sum` with 32-bit prefix sums when the largest (batch * H * W) fits in them.
template <class Arch>
std::int64_t nonskipped_macs_from_counts(const std::int32_t* counts, const std::int32_t* filter_counts,
                                         const conv_shape& layer) {
    const std::int64_t largest = detail::checked_product("kernel_sum", layer.batch, layer.in_height, layer.in_width);
    if (largest <= std::numeric_limits<std::int32_t>::max())
        return detail::kernel_sum<Arch, std::int32_t>(counts, filter_counts, layer);
    return detail::kernel_sum<Arch, std::int64_t>(counts, filter_counts, layer);
}

}  // namespace eap::detail
