// SPDX-License-Identifier: MIT
#pragma once

#include <cstdint>
#include <ostream>

#include "eap/detail/checked_arithmetic.hpp"
#include "eap/error.hpp"

namespace eap {

/// One independently scheduled piece of a CONV/FC layer, as the row-stationary model sees it:
/// `in_channels` input channels, `out_channels` output channels, an output of `out_height` x
/// `out_width` per image, an `kernel_height` x `kernel_width` filter, strides, and `batch` images.
/// A part reads its input from DRAM and writes its output back; parts share nothing.
///
/// The input window is derived from the output: `in_height() = kernel_height + (out_height - 1) *
/// stride_height` (likewise the width). For a padded layer that window includes the padding;
/// `real_in_height` / `real_in_width` say how many of its rows / columns hold real input values
/// (-1, the default, means the whole window) and matter only when the energy model is told to move
/// the real input alone (`padding_traffic::real_input`).
struct layer_part {
    std::int64_t in_channels = 1;    // C
    std::int64_t out_channels = 1;   // M
    std::int64_t out_height = 1;     // E (rows of the output)
    std::int64_t out_width = 1;      // F (columns of the output)
    std::int64_t kernel_height = 1;  // R
    std::int64_t kernel_width = 1;   // S
    std::int64_t stride_height = 1;
    std::int64_t stride_width = 1;
    std::int64_t batch = 1;          // N
    std::int64_t real_in_height = -1; ///< -1: the whole derived window is real input
    std::int64_t real_in_width = -1;  ///< -1: the whole derived window is real input

    /// Rows of the input window the part reads: R + (E - 1) * stride.
    constexpr std::int64_t in_height() const {
        return detail::checked_add(kernel_height,
                                   detail::checked_mul(out_height - 1, stride_height, "layer_part::in_height"),
                                   "layer_part::in_height");
    }
    constexpr std::int64_t in_width() const {
        return detail::checked_add(kernel_width,
                                   detail::checked_mul(out_width - 1, stride_width, "layer_part::in_width"),
                                   "layer_part::in_width");
    }
    constexpr std::int64_t real_height() const { return real_in_height < 0 ? in_height() : real_in_height; }
    constexpr std::int64_t real_width() const { return real_in_width < 0 ? in_width() : real_in_width; }

    /// MACs of the part over its batch: N * M * C * E * F * R * S.
    constexpr std::int64_t mac_count() const {
        return detail::checked_product("layer_part::mac_count", batch, out_channels, in_channels, out_height,
                                       out_width, kernel_height, kernel_width);
    }
    /// Filter weights of the part: M * C * R * S.
    constexpr std::int64_t weight_count() const {
        return detail::checked_product("layer_part::weight_count", out_channels, in_channels, kernel_height,
                                       kernel_width);
    }
    /// Output values over the batch: N * M * E * F.
    constexpr std::int64_t ofmap_size() const {
        return detail::checked_product("layer_part::ofmap_size", batch, out_channels, out_height, out_width);
    }
    /// Values of the derived input window over the batch: N * C * in_height * in_width.
    constexpr std::int64_t ifmap_window_size() const {
        return detail::checked_product("layer_part::ifmap_window_size", batch, in_channels, in_height(), in_width());
    }

    /// Throws `eap::shape_error` naming the first impossible field.
    void validate() const {
        auto positive = [](const char* field, std::int64_t v) {
            if (v < 1)
                throw shape_error(detail::message("eap::layer_part: ", field, " must be at least 1 (got ", v, ")"));
        };
        positive("in_channels", in_channels);
        positive("out_channels", out_channels);
        positive("out_height", out_height);
        positive("out_width", out_width);
        positive("kernel_height", kernel_height);
        positive("kernel_width", kernel_width);
        positive("stride_height", stride_height);
        positive("stride_width", stride_width);
        positive("batch", batch);
        if (real_in_height < -1 || real_in_height > in_height())
            throw shape_error(detail::message("eap::layer_part: real_in_height must be -1 (all) or between 0 and the window height ",
                                              in_height(), " (got ", real_in_height, ")"));
        if (real_in_width < -1 || real_in_width > in_width())
            throw shape_error(detail::message("eap::layer_part: real_in_width must be -1 (all) or between 0 and the window width ",
                                              in_width(), " (got ", real_in_width, ")"));
        (void)mac_count();
        (void)ifmap_window_size();
    }

    friend constexpr bool operator==(const layer_part& a, const layer_part& b) {
        return a.in_channels == b.in_channels && a.out_channels == b.out_channels && a.out_height == b.out_height &&
               a.out_width == b.out_width && a.kernel_height == b.kernel_height &&
               a.kernel_width == b.kernel_width && a.stride_height == b.stride_height &&
               a.stride_width == b.stride_width && a.batch == b.batch && a.real_height() == b.real_height() &&
               a.real_width() == b.real_width();
    }
    friend constexpr bool operator!=(const layer_part& a, const layer_part& b) { return !(a == b); }

    friend std::ostream& operator<<(std::ostream& out, const layer_part& p) {
        out << "part(C=" << p.in_channels << " M=" << p.out_channels << " E=" << p.out_height << 'x' << p.out_width
            << " R=" << p.kernel_height << 'x' << p.kernel_width << " U=" << p.stride_height;
        if (p.stride_width != p.stride_height) out << 'x' << p.stride_width;
        out << " N=" << p.batch;
        if (p.real_height() != p.in_height() || p.real_width() != p.in_width())
            out << " real input " << p.real_height() << 'x' << p.real_width() << " of " << p.in_height() << 'x'
                << p.in_width();
        return out << ')';
    }
};

}  // namespace eap
