// SPDX-License-Identifier: MIT
#pragma once

#include <cstddef>
#include <cstdint>

#include "eap/error.hpp"

namespace eap::detail {

/// Throws `eap::shape_error` unless `tensor` (called `name`) has the shape `expected` on the
/// axes that are not negative in `expected`; the message names `function`, the tensor, the axis
/// and both sizes.
template <class Tensor, std::size_t Rank>
void check_tensor_shape(const char* function, const char* name, const Tensor& tensor,
                        const std::int64_t (&expected)[Rank], const char* const (&axis_names)[Rank]) {
    static_assert(Rank >= 1, "eap::detail::check_tensor_shape: rank must be at least 1");
    if (tensor.dimension() != Rank)
        throw shape_error(message(function, ": tensor '", name, "' has ", tensor.dimension(), " dimensions, expected ",
                                  Rank));
    for (std::size_t i = 0; i < Rank; ++i) {
        if (expected[i] < 0) continue;
        const auto actual = static_cast<std::int64_t>(tensor.shape()[i]);
        if (actual != expected[i])
            throw shape_error(message(function, ": tensor '", name, "' has ", axis_names[i], " = ", actual,
                                      ", expected ", expected[i]));
    }
}

/// Checks an N x C x H x W activation tensor (N not checked when negative).
template <class Tensor>
void check_activation_shape(const char* function, const char* name, const Tensor& tensor, std::int64_t batch,
                            std::int64_t channels, std::int64_t height, std::int64_t width) {
    const std::int64_t expected[4] = {batch, channels, height, width};
    static const char* const axes[4] = {"batch (axis 0)", "channels (axis 1)", "height (axis 2)", "width (axis 3)"};
    check_tensor_shape(function, name, tensor, expected, axes);
}

}  // namespace eap::detail
