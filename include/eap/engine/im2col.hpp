// SPDX-License-Identifier: MIT
#pragma once

#include <algorithm>
#include <cstdint>
#include <cstring>

#include "eap/shape/conv_shape.hpp"

namespace eap::engine {

// im2col turns a convolution into one matrix product: each column of the patch matrix holds
// the K = C/groups * R * S input values one output position reads (zeros where the window
// hangs over the padding), in the C, R, S order of a flattened filter. Rows are written whole,
// one contiguous run per output row, so the copies are memcpy-sized for stride 1.

namespace detail {

/// The output columns [first, last) whose input column f * stride + offset lies in [0, width).
struct valid_range {
    std::int64_t first;
    std::int64_t last;
};

inline valid_range valid_columns(std::int64_t offset, std::int64_t stride, std::int64_t width, std::int64_t count) {
    // f * stride + offset >= 0  <=>  f >= ceil(-offset / stride)
    const std::int64_t first = std::min(count, offset >= 0 ? std::int64_t{0} : (-offset + stride - 1) / stride);
    // f * stride + offset <= width - 1  <=>  f <= floor((width - 1 - offset) / stride)
    const std::int64_t limit = width - 1 - offset;
    const std::int64_t last = limit < 0 ? std::int64_t{0} : std::min(count, limit / stride + 1);
    return {first, std::max(first, last)};
}

}  // namespace detail

/// Writes the patch matrix of one image (C x H x W, row-major) for group `group` of the layer
/// `shape` (its batch is ignored): row (c, r, s) of the K x (E*F) matrix starts at
/// `columns + ((c * R + r) * S + s) * row_stride`, so several images can sit side by side in one
/// matrix whose rows are `row_stride` long. Every element of the E*F columns is written.
inline void im2col(const conv_shape& shape, const float* image, std::int64_t group, float* columns,
                   std::int64_t row_stride) {
    const std::int64_t height = shape.in_height, width = shape.in_width;
    const std::int64_t out_h = shape.out_height(), out_w = shape.out_width();
    const std::int64_t channels = shape.in_channels_per_group();
    const std::int64_t kh = shape.kernel_height, kw = shape.kernel_width;
    const std::int64_t sh = shape.stride_height, sw = shape.stride_width;
    const std::int64_t plane = height * width;
    for (std::int64_t c = 0; c < channels; ++c) {
        const float* source = image + (group * channels + c) * plane;
        for (std::int64_t r = 0; r < kh; ++r) {
            for (std::int64_t s = 0; s < kw; ++s) {
                float* row = columns + ((c * kh + r) * kw + s) * row_stride;
                const std::int64_t column_offset = s - shape.pad.left;
                const detail::valid_range cols = detail::valid_columns(column_offset, sw, width, out_w);
                if (sw == 1 && sh == 1 && column_offset == 0 && out_w == width) {
                    // Whole rows of the image in a row: the valid output rows are one
                    // contiguous block of the image (1x1 kernels, the middle column of
                    // square ones), copied at once.
                    const detail::valid_range rows = detail::valid_columns(r - shape.pad.top, 1, height, out_h);
                    std::fill(row, row + rows.first * out_w, 0.0f);
                    if (rows.last > rows.first)
                        std::memcpy(row + rows.first * out_w, source + (rows.first + r - shape.pad.top) * width,
                                    static_cast<std::size_t>((rows.last - rows.first) * out_w) * sizeof(float));
                    std::fill(row + rows.last * out_w, row + out_h * out_w, 0.0f);
                    continue;
                }
                for (std::int64_t e = 0; e < out_h; ++e) {
                    float* out = row + e * out_w;
                    const std::int64_t h = e * sh + r - shape.pad.top;
                    if (h < 0 || h >= height) {
                        std::fill(out, out + out_w, 0.0f);
                        continue;
                    }
                    // Input column of output column f: f * sw + column_offset (valid in [first, last)).
                    const float* in = source + h * width;
                    std::fill(out, out + cols.first, 0.0f);
                    if (sw == 1) {
                        if (cols.last > cols.first)
                            std::memcpy(out + cols.first, in + cols.first + column_offset,
                                        static_cast<std::size_t>(cols.last - cols.first) * sizeof(float));
                    } else {
                        for (std::int64_t f = cols.first; f < cols.last; ++f) out[f] = in[f * sw + column_offset];
                    }
                    std::fill(out + cols.last, out + out_w, 0.0f);
                }
            }
        }
    }
}

/// The adjoint of `im2col`: adds every element of the patch matrix back onto the input position
/// it was read from (padding positions are dropped). Used for the input gradient.
inline void col2im_add(const conv_shape& shape, const float* columns, std::int64_t row_stride, std::int64_t group,
                       float* image) {
    const std::int64_t height = shape.in_height, width = shape.in_width;
    const std::int64_t out_h = shape.out_height(), out_w = shape.out_width();
    const std::int64_t channels = shape.in_channels_per_group();
    const std::int64_t kh = shape.kernel_height, kw = shape.kernel_width;
    const std::int64_t sh = shape.stride_height, sw = shape.stride_width;
    const std::int64_t plane = height * width;
    for (std::int64_t c = 0; c < channels; ++c) {
        float* target = image + (group * channels + c) * plane;
        for (std::int64_t r = 0; r < kh; ++r) {
            for (std::int64_t s = 0; s < kw; ++s) {
                const float* row = columns + ((c * kh + r) * kw + s) * row_stride;
                const std::int64_t column_offset = s - shape.pad.left;
                const detail::valid_range cols = detail::valid_columns(column_offset, sw, width, out_w);
                for (std::int64_t e = 0; e < out_h; ++e) {
                    const std::int64_t h = e * sh + r - shape.pad.top;
                    if (h < 0 || h >= height) continue;
                    const float* in = row + e * out_w;
                    float* out = target + h * width;
                    if (sw == 1) {
                        // Both runs start at the first valid column (never before the row).
                        float* __restrict run = out + (cols.first + column_offset);
                        const float* __restrict from = in + cols.first;
                        for (std::int64_t f = 0; f < cols.last - cols.first; ++f) run[f] += from[f];
                    } else {
                        for (std::int64_t f = cols.first; f < cols.last; ++f) out[f * sw + column_offset] += in[f];
                    }
                }
            }
        }
    }
}

}  // namespace eap::engine
