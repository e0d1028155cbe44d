// SPDX-License-Identifier: MIT
#pragma once

#include <algorithm>
#include <array>
#include <cstdint>
#include <limits>
#include <vector>

#include "eap/detail/engine_checks.hpp"
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
/// Max pooling remembers the position of each maximum (the first one in row-major order on ties)
/// for the backward pass.
class pool_layer {
public:
    void forward(const pool_params& params, const activation_tensor& in, activation_tensor& out) {
        const window w = resolve(params, in, "forward");
        const std::array<std::size_t, 4> out_shape{in.shape()[0], in.shape()[1], static_cast<std::size_t>(w.out_h),
                                                   static_cast<std::size_t>(w.out_w)};
        if (out.shape() != out_shape) out.resize(out_shape);
        const std::int64_t planes = static_cast<std::int64_t>(in.shape()[0] * in.shape()[1]);
        const std::int64_t in_plane = w.in_h * w.in_w, out_plane = w.out_h * w.out_w;
        if (params.method == pool_method::max) {
            argmax_.resize(static_cast<std::size_t>(planes * out_plane));
            for (std::int64_t p = 0; p < planes; ++p) {
                const float* source = in.data() + p * in_plane;
                float* target = out.data() + p * out_plane;
                std::int32_t* where = argmax_.data() + p * out_plane;
                for (std::int64_t e = 0; e < w.out_h; ++e) {
                    const std::int64_t h0 = e * w.stride_h - w.pad_top;
                    const std::int64_t h_begin = std::max<std::int64_t>(h0, 0), h_end = std::min(h0 + w.kernel_h, w.in_h);
                    for (std::int64_t f = 0; f < w.out_w; ++f) {
                        const std::int64_t w0 = f * w.stride_w - w.pad_left;
                        const std::int64_t w_begin = std::max<std::int64_t>(w0, 0);
                        const std::int64_t w_end = std::min(w0 + w.kernel_w, w.in_w);
                        float best = -std::numeric_limits<float>::infinity();
                        std::int64_t best_at = h_begin * w.in_w + w_begin;
                        for (std::int64_t h = h_begin; h < h_end; ++h)
                            for (std::int64_t x = w_begin; x < w_end; ++x) {
                                const float v = source[h * w.in_w + x];
                                if (v > best) {
                                    best = v;
                                    best_at = h * w.in_w + x;
                                }
                            }
                        target[e * w.out_w + f] = source[best_at];
                        where[e * w.out_w + f] = static_cast<std::int32_t>(best_at);
                    }
                }
            }
        } else {
            for (std::int64_t p = 0; p < planes; ++p) {
                const float* source = in.data() + p * in_plane;
                float* target = out.data() + p * out_plane;
                for (std::int64_t e = 0; e < w.out_h; ++e) {
                    const std::int64_t h0 = e * w.stride_h - w.pad_top;
                    const std::int64_t h_count = std::min(h0 + w.kernel_h, w.in_h + w.pad_bottom) - h0;
                    const std::int64_t h_begin = std::max<std::int64_t>(h0, 0), h_end = std::min(h0 + w.kernel_h, w.in_h);
                    for (std::int64_t f = 0; f < w.out_w; ++f) {
                        const std::int64_t w0 = f * w.stride_w - w.pad_left;
                        const std::int64_t w_count = std::min(w0 + w.kernel_w, w.in_w + w.pad_right) - w0;
                        const std::int64_t w_begin = std::max<std::int64_t>(w0, 0);
                        const std::int64_t w_end = std::min(w0 + w.kernel_w, w.in_w);
                        float sum = 0.0f;
                        for (std::int64_t h = h_begin; h < h_end; ++h)
                            for (std::int64_t x = w_begin; x < w_end; ++x) sum += source[h * w.in_w + x];
                        target[e * w.out_w + f] = sum / static_cast<float>(h_count * w_count);
                    }
                }
            }
        }
    }

    /// *Adds* the input gradient to `in_grad` (N x C x H x W of the forward input). Max pooling
    /// uses the maxima found by the last `forward` call, which must have been on the same input.
    void backward(const pool_params& params, const activation_tensor& in, const activation_tensor& out_grad,
                  activation_tensor& in_grad) const {
        const window w = resolve(params, in, "backward");
        const char* function = "eap::engine::pool_layer::backward";
        eap::detail::check_activation_shape(function, "out_grad", out_grad, static_cast<std::int64_t>(in.shape()[0]),
                                            static_cast<std::int64_t>(in.shape()[1]), w.out_h, w.out_w);
        if (in_grad.shape() != in.shape())
            throw shape_error(eap::detail::message(function, ": tensor 'in_grad' must have the shape of 'in'"));
        const std::int64_t planes = static_cast<std::int64_t>(in.shape()[0] * in.shape()[1]);
        const std::int64_t in_plane = w.in_h * w.in_w, out_plane = w.out_h * w.out_w;
        if (params.method == pool_method::max) {
            if (static_cast<std::int64_t>(argmax_.size()) != planes * out_plane)
                throw argument_error(eap::detail::message(function, ": no forward pass on this input shape was run"));
            for (std::int64_t p = 0; p < planes; ++p) {
                const float* source = out_grad.data() + p * out_plane;
                const std::int32_t* where = argmax_.data() + p * out_plane;
                float* target = in_grad.data() + p * in_plane;
                for (std::int64_t o = 0; o < out_plane; ++o) target[where[o]] += source[o];
            }
        } else {
            for (std::int64_t p = 0; p < planes; ++p) {
                const float* source = out_grad.data() + p * out_plane;
                float* target = in_grad.data() + p * in_plane;
                for (std::int64_t e = 0; e < w.out_h; ++e) {
                    const std::int64_t h0 = e * w.stride_h - w.pad_top;
                    const std::int64_t h_count = std::min(h0 + w.kernel_h, w.in_h + w.pad_bottom) - h0;
                    const std::int64_t h_begin = std::max<std::int64_t>(h0, 0), h_end = std::min(h0 + w.kernel_h, w.in_h);
                    for (std::int64_t f = 0; f < w.out_w; ++f) {
                        const std::int64_t w0 = f * w.stride_w - w.pad_left;
                        const std::int64_t w_count = std::min(w0 + w.kernel_w, w.in_w + w.pad_right) - w0;
                        const std::int64_t w_begin = std::max<std::int64_t>(w0, 0);
                        const std::int64_t w_end = std::min(w0 + w.kernel_w, w.in_w);
                        const float share = source[e * w.out_w + f] / static_cast<float>(h_count * w_count);
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
        if (in_fmap.height * in_fmap.width > std::numeric_limits<std::int32_t>::max())
            throw shape_error(eap::detail::message("eap::engine::pool_layer::", pass, ": a feature map of ",
                                                   in_fmap.height, " x ", in_fmap.width, " is larger than 2^31 values"));
        if (params.global)
            return {in_fmap.height, in_fmap.width, 1, 1, in_fmap.height, in_fmap.width, 1, 1, 0, 0, 0, 0};
        return {in_fmap.height,       in_fmap.width,       out_fmap.height,      out_fmap.width,
                params.kernel_height, params.kernel_width, params.stride_height, params.stride_width,
                params.pad.top,       params.pad.bottom,   params.pad.left,      params.pad.right};
    }

    std::vector<std::int32_t> argmax_;
};

}  // namespace eap::engine
