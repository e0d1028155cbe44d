// SPDX-License-Identifier: MIT
#pragma once

#include <cstdint>
#include <ostream>

#include "eap/detail/checked_arithmetic.hpp"
#include "eap/error.hpp"
#include "eap/shape/fmap_shape.hpp"
#include "eap/shape/padding.hpp"

namespace eap {

namespace detail {
// Not constexpr on purpose: reaching it during constant evaluation stops compilation at the
// call, whose line (shown by the compiler) says which check failed.
[[noreturn]] inline void invalid_conv_shape(const char* what, std::int64_t value) {
    throw shape_error(message("eap::conv_shape: ", what, " (got ", value, ")"));
}
}  // namespace detail

/// The shape of a CONV or FC layer over a batch: N images of C x H x W in, M filters of
/// (C / groups) x R x S, stride and zero padding per axis. An FC layer is the CONV layer whose
/// kernel covers the whole (unpadded) input, so that the output is M x 1 x 1.
///
/// Usable as a constant expression: build it with the `with_*` setters (or aggregate
/// initialisation) and call `validated()`; an impossible shape then fails to compile at the
/// failing check, and throws `eap::shape_error` at run time.
struct conv_shape {
    std::int64_t batch = 1;
    std::int64_t in_channels = 1;   // C
    std::int64_t out_channels = 1;  // M
    std::int64_t in_height = 1;     // H
    std::int64_t in_width = 1;      // W
    std::int64_t kernel_height = 1; // R
    std::int64_t kernel_width = 1;  // S
    std::int64_t stride_height = 1; // U (vertical)
    std::int64_t stride_width = 1;  // U (horizontal)
    padding pad{};
    std::int64_t groups = 1;

    // --- fluent construction -------------------------------------------------------------
    constexpr conv_shape with_batch(std::int64_t n) const { auto s = *this; s.batch = n; return s; }
    constexpr conv_shape with_channels(std::int64_t in, std::int64_t out) const {
        auto s = *this; s.in_channels = in; s.out_channels = out; return s;
    }
    constexpr conv_shape with_input(std::int64_t height, std::int64_t width) const {
        auto s = *this; s.in_height = height; s.in_width = width; return s;
    }
    constexpr conv_shape with_kernel(std::int64_t height, std::int64_t width) const {
        auto s = *this; s.kernel_height = height; s.kernel_width = width; return s;
    }
    constexpr conv_shape with_stride(std::int64_t vertical, std::int64_t horizontal) const {
        auto s = *this; s.stride_height = vertical; s.stride_width = horizontal; return s;
    }
    constexpr conv_shape with_stride(std::int64_t u) const { return with_stride(u, u); }
    constexpr conv_shape with_padding(padding p) const { auto s = *this; s.pad = p; return s; }
    constexpr conv_shape with_padding(std::int64_t p) const { return with_padding(padding::uniform(p)); }
    constexpr conv_shape with_groups(std::int64_t g) const { auto s = *this; s.groups = g; return s; }

    /// An FC layer on an input of `input` (flattened by the layer) producing `outputs` values.
    static constexpr conv_shape fully_connected(fmap_shape input, std::int64_t outputs,
                                                std::int64_t batch_size = 1) {
        return conv_shape{}
            .with_batch(batch_size)
            .with_channels(input.channels, outputs)
            .with_input(input.height, input.width)
            .with_kernel(input.height, input.width);
    }

    // --- validation ----------------------------------------------------------------------
    /// Throws `eap::shape_error` naming the first impossible field.
    constexpr void validate() const {
        if (batch < 1) detail::invalid_conv_shape("batch must be at least 1", batch);
        if (in_channels < 1) detail::invalid_conv_shape("in_channels must be at least 1", in_channels);
        if (out_channels < 1) detail::invalid_conv_shape("out_channels must be at least 1", out_channels);
        if (in_height < 1) detail::invalid_conv_shape("in_height must be at least 1", in_height);
        if (in_width < 1) detail::invalid_conv_shape("in_width must be at least 1", in_width);
        if (kernel_height < 1) detail::invalid_conv_shape("kernel_height must be at least 1", kernel_height);
        if (kernel_width < 1) detail::invalid_conv_shape("kernel_width must be at least 1", kernel_width);
        if (stride_height < 1) detail::invalid_conv_shape("stride_height must be at least 1", stride_height);
        if (stride_width < 1) detail::invalid_conv_shape("stride_width must be at least 1", stride_width);
        if (pad.top < 0) detail::invalid_conv_shape("pad.top must not be negative", pad.top);
        if (pad.bottom < 0) detail::invalid_conv_shape("pad.bottom must not be negative", pad.bottom);
        if (pad.left < 0) detail::invalid_conv_shape("pad.left must not be negative", pad.left);
        if (pad.right < 0) detail::invalid_conv_shape("pad.right must not be negative", pad.right);
        if (groups < 1) detail::invalid_conv_shape("groups must be at least 1", groups);
        if (in_channels % groups != 0)
            detail::invalid_conv_shape("in_channels must be divisible by groups; in_channels is", in_channels);
        if (out_channels % groups != 0)
            detail::invalid_conv_shape("out_channels must be divisible by groups; out_channels is", out_channels);
        if (kernel_height > padded_height())
            detail::invalid_conv_shape("kernel_height is larger than the padded input height", kernel_height);
        if (kernel_width > padded_width())
            detail::invalid_conv_shape("kernel_width is larger than the padded input width", kernel_width);
        // Every derived count must fit in 64 bits; computing them checks it.
        (void)mac_count();
        (void)ifmap_size();
        (void)ofmap_size();
        (void)weight_count();
    }

    /// This shape after `validate()`; use in constant expressions to reject shapes at compile time.
    constexpr conv_shape validated() const { validate(); return *this; }

    // --- derived quantities (64-bit, overflow-checked) -----------------------------------
    constexpr std::int64_t padded_height() const {
        return detail::checked_add(in_height, detail::checked_add(pad.top, pad.bottom, "padded height"), "padded height");
    }
    constexpr std::int64_t padded_width() const {
        return detail::checked_add(in_width, detail::checked_add(pad.left, pad.right, "padded width"), "padded width");
    }
    constexpr std::int64_t out_height() const { return (padded_height() - kernel_height) / stride_height + 1; }
    constexpr std::int64_t out_width() const { return (padded_width() - kernel_width) / stride_width + 1; }
    constexpr std::int64_t in_channels_per_group() const { return in_channels / groups; }
    constexpr std::int64_t out_channels_per_group() const { return out_channels / groups; }

    constexpr fmap_shape input_fmap() const { return fmap_shape{in_channels, in_height, in_width}; }
    constexpr fmap_shape output_fmap() const { return fmap_shape{out_channels, out_height(), out_width()}; }

    /// Number of filter weights (no biases): M * C/groups * R * S.
    constexpr std::int64_t weight_count() const {
        return detail::checked_product("conv_shape::weight_count", out_channels, in_channels_per_group(),
                                       kernel_height, kernel_width);
    }
    /// Dense multiply-accumulates over the batch: N * M * E * F * C/groups * R * S.
    constexpr std::int64_t mac_count() const {
        return detail::checked_product("conv_shape::mac_count", batch, out_channels, out_height(), out_width(),
                                       in_channels_per_group(), kernel_height, kernel_width);
    }
    /// Input feature-map values over the batch (unpadded): N * C * H * W.
    constexpr std::int64_t ifmap_size() const {
        return detail::checked_product("conv_shape::ifmap_size", batch, in_channels, in_height, in_width);
    }
    /// Output feature-map values over the batch: N * M * E * F.
    constexpr std::int64_t ofmap_size() const {
        return detail::checked_product("conv_shape::ofmap_size", batch, out_channels, out_height(), out_width());
    }
    /// True when the kernel covers the whole unpadded input and the output is 1 x 1 (an FC layer).
    constexpr bool is_fully_connected() const {
        return kernel_height == in_height && kernel_width == in_width && pad == padding{} && groups == 1;
    }
    /// True for a depthwise convolution (one input channel per group, groups > 1).
    constexpr bool is_depthwise() const { return groups > 1 && groups == in_channels; }

    friend constexpr bool operator==(const conv_shape& a, const conv_shape& b) {
        return a.batch == b.batch && a.in_channels == b.in_channels && a.out_channels == b.out_channels &&
               a.in_height == b.in_height && a.in_width == b.in_width && a.kernel_height == b.kernel_height &&
               a.kernel_width == b.kernel_width && a.stride_height == b.stride_height &&
               a.stride_width == b.stride_width && a.pad == b.pad && a.groups == b.groups;
    }
    friend constexpr bool operator!=(const conv_shape& a, const conv_shape& b) { return !(a == b); }

    friend std::ostream& operator<<(std::ostream& out, const conv_shape& s) {
        out << "conv(N=" << s.batch << " C=" << s.in_channels << " M=" << s.out_channels << " H=" << s.in_height
            << " W=" << s.in_width << " R=" << s.kernel_height << " S=" << s.kernel_width << " U=" << s.stride_height;
        if (s.stride_width != s.stride_height) out << 'x' << s.stride_width;
        out << " pad=" << s.pad.top << ',' << s.pad.bottom << ',' << s.pad.left << ',' << s.pad.right;
        if (s.groups != 1) out << " groups=" << s.groups;
        return out << ')';
    }
};

/// A CONV layer shape given as a type, checked when the type is used. `value` is the
/// `conv_shape`. Messages start with "eap::static_conv" and name the template argument.
template <std::int64_t C, std::int64_t M, std::int64_t H, std::int64_t W, std::int64_t R, std::int64_t S,
          std::int64_t Stride = 1, std::int64_t Pad = 0, std::int64_t Groups = 1, std::int64_t Batch = 1>
struct static_conv {
    static_assert(C >= 1 && M >= 1, "eap::static_conv: channel counts C and M must be at least 1");
    static_assert(H >= 1 && W >= 1, "eap::static_conv: the input height H and width W must be at least 1");
    static_assert(R >= 1 && S >= 1, "eap::static_conv: the kernel height R and width S must be at least 1");
    static_assert(Stride >= 1, "eap::static_conv: Stride must be at least 1");
    static_assert(Pad >= 0, "eap::static_conv: Pad must not be negative");
    static_assert(Batch >= 1, "eap::static_conv: Batch must be at least 1");
    static_assert(Groups >= 1, "eap::static_conv: Groups must be at least 1");
    static_assert(C % Groups == 0, "eap::static_conv: the input channels C must be divisible by Groups");
    static_assert(M % Groups == 0, "eap::static_conv: the output channels M must be divisible by Groups");
    static_assert(R <= H + 2 * Pad, "eap::static_conv: the kernel height R is larger than the padded input H + 2*Pad");
    static_assert(S <= W + 2 * Pad, "eap::static_conv: the kernel width S is larger than the padded input W + 2*Pad");

    static constexpr conv_shape value = conv_shape{}
                                            .with_batch(Batch)
                                            .with_channels(C, M)
                                            .with_input(H, W)
                                            .with_kernel(R, S)
                                            .with_stride(Stride)
                                            .with_padding(Pad)
                                            .with_groups(Groups)
                                            .validated();
};

/// An FC layer shape given as a type: `Inputs` values in (as Inputs x 1 x 1), `Outputs` out.
template <std::int64_t Inputs, std::int64_t Outputs, std::int64_t Batch = 1>
struct static_fc {
    static_assert(Inputs >= 1, "eap::static_fc: Inputs must be at least 1");
    static_assert(Outputs >= 1, "eap::static_fc: Outputs must be at least 1");
    static_assert(Batch >= 1, "eap::static_fc: Batch must be at least 1");
    static constexpr conv_shape value =
        conv_shape::fully_connected(fmap_shape{Inputs, 1, 1}, Outputs, Batch).validated();
};

}  // namespace eap
