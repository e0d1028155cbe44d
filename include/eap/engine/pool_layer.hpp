// SPDX-License-Identifier: MIT
#pragma once

#include <algorithm>
#include <array>
#include <cstdint>
#include <limits>
#include <vector>

#include "eap/engine/detail/elementwise.hpp"
#include "eap/engine/detail/engine_checks.hpp"
#include "eap/engine/im2col.hpp"
#include "eap/engine/tensor.hpp"
#include "eap/error.hpp"
#include "eap/shape/fmap_shape.hpp"
#include "eap/shape/pool_shape.hpp"

namespace eap::engine {

/// Max and average pooling with Caffe's conventions, which `eap::pool_params` follows for the
/// output size (ceil mode included):
/// * a window covers rows [e * stride - pad_top, that + kernel), clipped to the image for the
///   values it reads; max pooling ignores the padding;
/// * average pooling divides by the window clipped to the *padded* image (so padding counts as
///   zeros, but a ceil-mode window hanging past the padding does not), as Caffe and PyTorch's
///   default `count_include_pad` do;
/// * global pooling covers the whole feature map.
/// On ties, max pooling routes the gradient to the first maximum of the window in row-major order.
class pool_layer {
public:
    void forward(const pool_params& params, const activation_tensor& in, activation_tensor& out) {
        const window w = resolve(params, in, "forward");
        const std::array<std::size_t, 4> out_shape{in.shape()[0], in.shape()[1], static_cast<std::size_t>(w.out_h),
                                                   static_cast<std::size_t>(w.out_w)};
        if (out.shape() != out_shape) out.resize(out_shape);
        const std::int64_t planes = static_cast<std::int64_t>(in.shape()[0] * in.shape()[1]);
        const std::int64_t in_plane = w.in_h * w.in_w, out_plane = w.out_h * w.out_w;
        const bool max = params.method == pool_method::max;
        // The output columns each kernel column reaches inside the image: the same for every row.
        columns_.resize(static_cast<std::size_t>(w.kernel_w));
        for (std::int64_t kx = 0; kx < w.kernel_w; ++kx)
            columns_[static_cast<std::size_t>(kx)] = detail::valid_columns(kx - w.pad_left, w.stride_w, w.in_w, w.out_w);
        std::vector<float> divisors;
        if (!max) {
            divisors.resize(static_cast<std::size_t>(w.out_w));
            for (std::int64_t f = 0; f < w.out_w; ++f) {
                const std::int64_t w0 = f * w.stride_w - w.pad_left;
                divisors[static_cast<std::size_t>(f)] =
                    static_cast<float>(std::min(w0 + w.kernel_w, w.in_w + w.pad_right) - w0);
            }
        }
        for (std::int64_t p = 0; p < planes; ++p) {
            const float* source = in.data() + p * in_plane;
            float* target = out.data() + p * out_plane;
            for (std::int64_t e = 0; e < w.out_h; ++e) {
                float* row = target + e * w.out_w;
                std::fill(row, row + w.out_w, max ? -std::numeric_limits<float>::infinity() : 0.0f);
                const std::int64_t h0 = e * w.stride_h - w.pad_top;
                const std::int64_t h_begin = std::max<std::int64_t>(h0, 0), h_end = std::min(h0 + w.kernel_h, w.in_h);
                // One whole output row per window offset (h, kx), which vectorises across the
                // row; the offsets are visited in row-major window order, so that every output
                // sees its window in the same order as a direct loop would.
                for (std::int64_t h = h_begin; h < h_end; ++h) {
                    const float* line = source + h * w.in_w;
                    for (std::int64_t kx = 0; kx < w.kernel_w; ++kx) {
                        const std::int64_t offset = kx - w.pad_left;
                        const detail::valid_range cols = columns_[static_cast<std::size_t>(kx)];
                        if (cols.last <= cols.first) continue;
                        const float* first_in = line + (cols.first * w.stride_w + offset);
                        if (max) eap::detail::max_into(first_in, w.stride_w, row + cols.first, cols.last - cols.first);
                        else eap::detail::add_into(first_in, w.stride_w, row + cols.first, cols.last - cols.first);
                    }
                }
                if (!max) {
                    const std::int64_t h_count = std::min(h0 + w.kernel_h, w.in_h + w.pad_bottom) - h0;
                    for (std::int64_t f = 0; f < w.out_w; ++f)
                        row[f] = row[f] / (static_cast<float>(h_count) * divisors[static_cast<std::size_t>(f)]);
                }
            }
        }
    }

    /// *Adds* the input gradient to `in_grad` (N x C x H x W of the forward input). `out` is the
    /// forward output: max pooling sends each output's gradient to the first element of its
    /// window (in row-major order) that equals the maximum, the element `forward` picked.
    void backward(const pool_params& params, const activation_tensor& in, const activation_tensor& out,
                  const activation_tensor& out_grad, activation_tensor& in_grad) const {
        const window w = resolve(params, in, "backward");
        const char* function = "eap::engine::pool_layer::backward";
        const auto batch = static_cast<std::int64_t>(in.shape()[0]), channels = static_cast<std::int64_t>(in.shape()[1]);
        eap::detail::check_activation_shape(function, "out", out, batch, channels, w.out_h, w.out_w);
        eap::detail::check_activation_shape(function, "out_grad", out_grad, batch, channels, w.out_h, w.out_w);
        if (in_grad.shape() != in.shape())
            throw shape_error(eap::detail::message(function, ": tensor 'in_grad' must have the shape of 'in'"));
        const std::int64_t planes = batch * channels;
        const std::int64_t in_plane = w.in_h * w.in_w, out_plane = w.out_h * w.out_w;
        const bool max = params.method == pool_method::max;
        for (std::int64_t p = 0; p < planes; ++p) {
            const float* source = in.data() + p * in_plane;
            const float* maxima = out.data() + p * out_plane;
            const float* gradient = out_grad.data() + p * out_plane;
            float* target = in_grad.data() + p * in_plane;
            for (std::int64_t e = 0; e < w.out_h; ++e) {
                const std::int64_t h0 = e * w.stride_h - w.pad_top;
                const std::int64_t h_count = std::min(h0 + w.kernel_h, w.in_h + w.pad_bottom) - h0;
                const std::int64_t h_begin = std::max<std::int64_t>(h0, 0), h_end = std::min(h0 + w.kernel_h, w.in_h);
                for (std::int64_t f = 0; f < w.out_w; ++f) {
                    const std::int64_t w0 = f * w.stride_w - w.pad_left;
                    const std::int64_t w_begin = std::max<std::int64_t>(w0, 0), w_end = std::min(w0 + w.kernel_w, w.in_w);
                    const float g = gradient[e * w.out_w + f];
                    if (max) {
                        const float best = maxima[e * w.out_w + f];
                        bool found = false;
                        for (std::int64_t h = h_begin; h < h_end && !found; ++h)
                            for (std::int64_t x = w_begin; x < w_end; ++x)
                                if (source[h * w.in_w + x] == best) {
                                    target[h * w.in_w + x] += g;
                                    found = true;
                                    break;
                                }
                    } else {
                        const std::int64_t w_count = std::min(w0 + w.kernel_w, w.in_w + w.pad_right) - w0;
                        const float share = g / static_cast<float>(h_count * w_count);
                        for (std::int64_t h = h_begin; h < h_end; ++h)
                            for (std::int64_t x = w_begin; x < w_end; ++x) target[h * w.in_w + x] += share;
                    }
                }
            }
        }
    }

private:
    struct window {
        std::int64_t in_h, in_w, out_h, out_w, kernel_h, kernel_w, stride_h, stride_w;
        std::int64_t pad_top, pad_bottom, pad_left, pad_right;
    };

    static window resolve(const pool_params& params, const activation_tensor& in, const char* pass) {
        if (in.shape()[0] < 1)
            throw shape_error(eap::detail::message("eap::engine::pool_layer::", pass, ": tensor 'in' has an empty batch"));
        const fmap_shape in_fmap{static_cast<std::int64_t>(in.shape()[1]), static_cast<std::int64_t>(in.shape()[2]),
                                 static_cast<std::int64_t>(in.shape()[3])};
        const fmap_shape out_fmap = params.output(in_fmap);
        if (params.global)
            return {in_fmap.height, in_fmap.width, 1, 1, in_fmap.height, in_fmap.width, 1, 1, 0, 0, 0, 0};
        return {in_fmap.height,       in_fmap.width,       out_fmap.height,      out_fmap.width,
                params.kernel_height, params.kernel_width, params.stride_height, params.stride_width,
                params.pad.top,       params.pad.bottom,   params.pad.left,      params.pad.right};
    }

    std::vector<detail::valid_range> columns_;
};

}  // namespace eap::engine
