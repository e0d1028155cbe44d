// SPDX-License-Identifier: MIT
#pragma once

#include <cstdint>

#include "eap/detail/xtensor.hpp"
#include "eap/shape/conv_shape.hpp"
#include "eap/sparse/detail/layer_pass.hpp"
#include "eap/sparse/detail/tensor_access.hpp"
#include "eap/sparse/kernel_arch.hpp"

namespace eap {

/// The exact number of non-skipped MACs of a CONV or FC layer over a batch: the (weight, input
/// activation) pairs that meet in the convolution with both values non-zero (zero padding never
/// counts). Handles stride and padding per axis and side, groups, depthwise, 1x1 and FC layers.
///
/// * `weights`: M x C/groups x R x S, or M x K for a fully-connected `layer` (K = C*H*W);
/// * `inputs`: N x C x H x W, or N x K for a fully-connected `layer`;
/// * element types float, double, std::int32_t, std::int16_t, std::int8_t, std::uint16_t or
///   std::uint8_t (the two tensors may differ); any xtensor container or expression (non-contiguous ones are copied first).
///
/// Cost: one pass over the weights and one over the activations (vectorised with `Arch`, see
/// `eap/sparse/kernel_arch.hpp`), plus prefix-sum tables of one image's size, instead of one
/// step per MAC. Throws `eap::shape_error` when `layer` is impossible or a tensor does not match
/// it (the message names the tensor, the axis and both sizes), and `eap::argument_error` when a
/// tensor holds a NaN.
///
/// \code
/// const auto conv3 = eap::conv_shape{}.with_batch(16).with_channels(256, 384).with_input(13, 13)
///                        .with_kernel(3, 3).with_padding(1);
/// std::int64_t macs = eap::count_nonskipped_macs(weights, activations, conv3);
/// \endcode
template <class Arch = default_kernel_arch, class W, class X>
std::int64_t count_nonskipped_macs(const xt::xexpression<W>& weights, const xt::xexpression<X>& inputs,
                                   const conv_shape& layer) {
    constexpr const char* function = "eap::count_nonskipped_macs";
    detail::check_sparse_element_type<W>();
    detail::check_sparse_element_type<X>();
    layer.validate();
    const detail::row_major_values<detail::sparse_value_t<W>> w(weights.derived_cast());
    const detail::row_major_values<detail::sparse_value_t<X>> x(inputs.derived_cast());
    detail::check_weight_tensor(function, w.shape(), layer);
    detail::check_input_tensor(function, x.shape(), layer);
    return detail::nonskipped_macs_pass<Arch, false>(function, w.data(), x.data(), layer, nullptr, nullptr);
}

}  // namespace eap
