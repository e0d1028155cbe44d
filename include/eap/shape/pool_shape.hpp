// SPDX-License-Identifier: MIT
#pragma once

#include <cstdint>

#include "eap/error.hpp"
#include "eap/shape/fmap_shape.hpp"
#include "eap/shape/padding.hpp"

namespace eap {

enum class pool_method : std::uint8_t { max, average };

constexpr const char* to_string(pool_method m) { return m == pool_method::max ? "max" : "average"; }

/// A pooling window. Pooling has no MACs in the energy model, but it shapes the feature maps
/// between CONV layers. `ceil_mode` rounds the output size up as Caffe does (GoogLeNet,
/// SqueezeNet and ResNet rely on it); `global` pools each channel down to 1 x 1.
struct pool_params {
    pool_method method = pool_method::max;
    std::int64_t kernel_height = 2;
    std::int64_t kernel_width = 2;
    std::int64_t stride_height = 2;
    std::int64_t stride_width = 2;
    padding pad{};
    bool ceil_mode = false;
    bool global = false;

    static constexpr pool_params window(pool_method m, std::int64_t kernel, std::int64_t stride,
                                        std::int64_t pad_all = 0, bool ceil = false) {
        return pool_params{m, kernel, kernel, stride, stride, padding::uniform(pad_all), ceil, false};
    }
    static constexpr pool_params global_pool(pool_method m) {
        pool_params p{};
        p.method = m;
        p.global = true;
        p.kernel_height = p.kernel_width = p.stride_height = p.stride_width = 1;
        return p;
    }

    /// The pooled shape of `in`; throws `eap::shape_error` for an impossible window.
    fmap_shape output(fmap_shape in) const {
        if (global) return fmap_shape{in.channels, 1, 1};
        if (kernel_height < 1 || kernel_width < 1)
            throw shape_error(detail::message("eap::pool_params: kernel must be at least 1 (got ", kernel_height, "x",
                                              kernel_width, ")"));
        if (stride_height < 1 || stride_width < 1)
            throw shape_error(detail::message("eap::pool_params: stride must be at least 1 (got ", stride_height, "x",
                                              stride_width, ")"));
        if (pad.top < 0 || pad.bottom < 0 || pad.left < 0 || pad.right < 0)
            throw shape_error("eap::pool_params: padding must not be negative");
        if (pad.top >= kernel_height || pad.bottom >= kernel_height || pad.left >= kernel_width ||
            pad.right >= kernel_width)
            throw shape_error("eap::pool_params: padding must be smaller than the kernel");
        return fmap_shape{in.channels, extent(in.height, kernel_height, stride_height, pad.top, pad.bottom, "height"),
                          extent(in.width, kernel_width, stride_width, pad.left, pad.right, "width")};
    }

    friend bool operator==(const pool_params& a, const pool_params& b) {
        return a.method == b.method && a.kernel_height == b.kernel_height && a.kernel_width == b.kernel_width &&
               a.stride_height == b.stride_height && a.stride_width == b.stride_width && a.pad == b.pad &&
               a.ceil_mode == b.ceil_mode && a.global == b.global;
    }

private:
    std::int64_t extent(std::int64_t size, std::int64_t kernel, std::int64_t stride, std::int64_t before,
                        std::int64_t after, const char* axis) const {
        const std::int64_t padded = size + before + after;
        if (kernel > padded)
            throw shape_error(detail::message("eap::pool_params: kernel ", axis, " (", kernel,
                                              ") is larger than the padded input ", axis, " (", padded, ")"));
        std::int64_t out = (padded - kernel + (ceil_mode ? stride - 1 : 0)) / stride + 1;
        // As Caffe: the last window must start inside the image (or the leading padding).
        if (ceil_mode && (out - 1) * stride >= size + before) --out;
        return out;
    }
};

}  // namespace eap
