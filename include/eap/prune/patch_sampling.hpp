// SPDX-License-Identifier: MIT
#pragma once

#include <algorithm>
#include <cstddef>
#include <cstdint>
#include <limits>
#include <random>
#include <unordered_set>
#include <vector>

#include "eap/detail/checked_arithmetic.hpp"
#include "eap/detail/xtensor.hpp"
#include "eap/error.hpp"
#include "eap/prune/weight_mask.hpp"
#include "eap/shape/conv_shape.hpp"

namespace eap {

/// One output position of a CONV layer: image n, output row p, output column q (an FC layer has
/// only (n, 0, 0)).
struct output_position {
    std::int64_t image = 0;
    std::int64_t row = 0;
    std::int64_t col = 0;

    friend bool operator==(const output_position& a, const output_position& b) {
        return a.image == b.image && a.row == b.row && a.col == b.col;
    }
    friend bool operator!=(const output_position& a, const output_position& b) { return !(a == b); }
    friend bool operator<(const output_position& a, const output_position& b) {
        if (a.image != b.image) return a.image < b.image;
        if (a.row != b.row) return a.row < b.row;
        return a.col < b.col;
    }
};

namespace detail {

/// Uniform integer in [0, bound) from a 64-bit Mersenne Twister, by rejection: the same numbers on
/// every platform (std::uniform_int_distribution is not specified bit for bit).
inline std::uint64_t uniform_below(std::mt19937_64& rng, std::uint64_t bound) {
    const std::uint64_t limit =
        std::numeric_limits<std::uint64_t>::max() - std::numeric_limits<std::uint64_t>::max() % bound;
    for (;;) {
        const std::uint64_t x = rng();
        if (x < limit) return x % bound;
    }
}

inline output_position position_of(const conv_shape& shape, std::int64_t index) {
    const std::int64_t per_image = shape.out_height() * shape.out_width();
    const std::int64_t within = index % per_image;
    return output_position{index / per_image, within / shape.out_width(), within % shape.out_width()};
}

inline void check_position(const char* function, const conv_shape& shape, std::int64_t images, std::size_t i,
                           const output_position& p) {
    if (p.image < 0 || p.image >= images || p.row < 0 || p.row >= shape.out_height() || p.col < 0 ||
        p.col >= shape.out_width())
        throw argument_error(detail::message(function, ": argument 'positions[", i, "]' = (", p.image, ", ", p.row,
                                             ", ", p.col, ") lies outside the ", images, " x ", shape.out_height(),
                                             " x ", shape.out_width(), " outputs"));
}

inline void check_group(const char* function, const conv_shape& shape, std::int64_t group) {
    if (group < 0 || group >= shape.groups)
        throw argument_error(
            detail::message(function, ": argument 'group' = ", group, " must lie in [0, ", shape.groups, ")"));
}

}  // namespace detail

/// Every output position of the layer over `shape.batch` images, in (image, row, column) order.
inline std::vector<output_position> all_output_positions(const conv_shape& shape) {
    shape.validate();
    const std::int64_t total =
        detail::checked_product("all_output_positions", shape.batch, shape.out_height(), shape.out_width());
    std::vector<output_position> out;
    out.reserve(static_cast<std::size_t>(total));
    for (std::int64_t i = 0; i < total; ++i) out.push_back(detail::position_of(shape, i));
    return out;
}

/// `count` distinct output positions drawn uniformly over `shape.batch` images with the given
/// seed (the same on every platform), sorted; all positions when count >= their number. Throws
/// `eap::argument_error` when count < 0.
inline std::vector<output_position> random_output_positions(const conv_shape& shape, std::int64_t count,
                                                            std::uint64_t seed) {
    shape.validate();
    if (count < 0)
        throw argument_error(
            detail::message("eap::random_output_positions: argument 'count' must not be negative (got ", count, ")"));
    const std::int64_t total =
        detail::checked_product("random_output_positions", shape.batch, shape.out_height(), shape.out_width());
    if (count >= total) return eap::all_output_positions(shape);
    // Floyd's sampling: `count` draws, each distinct, no matter how small count is against total.
    std::mt19937_64 rng(seed);
    std::unordered_set<std::int64_t> chosen;
    chosen.reserve(static_cast<std::size_t>(count) * 2);
    for (std::int64_t j = total - count; j < total; ++j) {
        const std::int64_t t = static_cast<std::int64_t>(detail::uniform_below(rng, static_cast<std::uint64_t>(j) + 1));
        if (!chosen.insert(t).second) chosen.insert(j);
    }
    std::vector<std::int64_t> indices(chosen.begin(), chosen.end());
    std::sort(indices.begin(), indices.end());
    std::vector<output_position> out;
    out.reserve(indices.size());
    for (std::int64_t i : indices) out.push_back(detail::position_of(shape, i));
    return out;
}

/// The input patches X of group `group` at the given output positions: one row per position, one
/// column per weight of a filter in (channel within the group, kernel row, kernel column) order,
/// which is the order of a row of the M x K weight matrix. Taps in the zero padding are 0.
/// `input` is N x C x H x W (N may differ from shape.batch). For an FC layer (kernel = input)
/// each row is one image's flattened input.
inline xt::xtensor<float, 2> sample_patches(const xt::xtensor<float, 4>& input, const conv_shape& shape,
                                            const std::vector<output_position>& positions, std::int64_t group = 0) {
    const char* function = "eap::sample_patches";
    shape.validate();
    detail::check_group(function, shape, group);
    const auto& in = input.shape();
    if (static_cast<std::int64_t>(in[1]) != shape.in_channels || static_cast<std::int64_t>(in[2]) != shape.in_height ||
        static_cast<std::int64_t>(in[3]) != shape.in_width)
        throw shape_error(detail::message(function, ": argument 'input' has shape ", detail::shape_string(in),
                                          " but the layer takes (N, ", shape.in_channels, ", ", shape.in_height, ", ",
                                          shape.in_width, ")"));
    const std::int64_t images = static_cast<std::int64_t>(in[0]);
    const std::int64_t cg = shape.in_channels_per_group();
    const std::int64_t r_count = shape.kernel_height;
    const std::int64_t s_count = shape.kernel_width;
    const std::int64_t k = detail::checked_product("sample_patches columns", cg, r_count, s_count);
    xt::xtensor<float, 2> out = xt::zeros<float>({positions.size(), static_cast<std::size_t>(k)});
    const std::int64_t h = shape.in_height;
    const std::int64_t w = shape.in_width;
    const float* x = input.data();
    for (std::size_t i = 0; i < positions.size(); ++i) {
        const output_position& p = positions[i];
        detail::check_position(function, shape, images, i, p);
        float* row = out.data() + static_cast<std::int64_t>(i) * k;
        const std::int64_t top = p.row * shape.stride_height - shape.pad.top;
        const std::int64_t left = p.col * shape.stride_width - shape.pad.left;
        for (std::int64_t c = 0; c < cg; ++c) {
            const float* plane = x + ((p.image * shape.in_channels) + group * cg + c) * h * w;
            for (std::int64_t r = 0; r < r_count; ++r) {
                const std::int64_t y = top + r;
                if (y < 0 || y >= h) continue;
                float* dst = row + (c * r_count + r) * s_count;
                const float* src = plane + y * w;
                for (std::int64_t s = 0; s < s_count; ++s) {
                    const std::int64_t xx = left + s;
                    if (xx >= 0 && xx < w) dst[s] = src[xx];
                }
            }
        }
    }
    return out;
}

/// The layer's outputs of group `group` at the given positions: one row per position, one column
/// per output channel of the group. `output` is N x M x E x F.
inline xt::xtensor<float, 2> sample_outputs(const xt::xtensor<float, 4>& output, const conv_shape& shape,
                                            const std::vector<output_position>& positions, std::int64_t group = 0) {
    const char* function = "eap::sample_outputs";
    shape.validate();
    detail::check_group(function, shape, group);
    const auto& o = output.shape();
    if (static_cast<std::int64_t>(o[1]) != shape.out_channels ||
        static_cast<std::int64_t>(o[2]) != shape.out_height() || static_cast<std::int64_t>(o[3]) != shape.out_width())
        throw shape_error(detail::message(function, ": argument 'output' has shape ", detail::shape_string(o),
                                          " but the layer gives (N, ", shape.out_channels, ", ", shape.out_height(),
                                          ", ", shape.out_width(), ")"));
    const std::int64_t images = static_cast<std::int64_t>(o[0]);
    const std::int64_t mg = shape.out_channels_per_group();
    const std::int64_t e = shape.out_height();
    const std::int64_t f = shape.out_width();
    xt::xtensor<float, 2> out = xt::empty<float>({positions.size(), static_cast<std::size_t>(mg)});
    for (std::size_t i = 0; i < positions.size(); ++i) {
        const output_position& p = positions[i];
        detail::check_position(function, shape, images, i, p);
        for (std::int64_t m = 0; m < mg; ++m)
            out(i, static_cast<std::size_t>(m)) =
                output.data()[((p.image * shape.out_channels + group * mg + m) * e + p.row) * f + p.col];
    }
    return out;
}

/// FC form: the rows of an N x K input (or N x M output) matrix for the images of `positions`
/// (their row and column must be 0).
inline xt::xtensor<float, 2> sample_rows(const xt::xtensor<float, 2>& matrix,
                                         const std::vector<output_position>& positions) {
    const char* function = "eap::sample_rows";
    const std::int64_t images = static_cast<std::int64_t>(matrix.shape()[0]);
    const std::size_t k = matrix.shape()[1];
    xt::xtensor<float, 2> out = xt::empty<float>({positions.size(), k});
    for (std::size_t i = 0; i < positions.size(); ++i) {
        const output_position& p = positions[i];
        if (p.image < 0 || p.image >= images || p.row != 0 || p.col != 0)
            throw argument_error(detail::message(function, ": argument 'positions[", i, "]' = (", p.image, ", ", p.row,
                                                 ", ", p.col, ") is not an image (n, 0, 0) with n < ", images));
        std::copy(matrix.data() + p.image * static_cast<std::int64_t>(k),
                  matrix.data() + (p.image + 1) * static_cast<std::int64_t>(k), out.data() + i * k);
    }
    return out;
}

}  // namespace eap
