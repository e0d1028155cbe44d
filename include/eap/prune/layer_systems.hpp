// SPDX-License-Identifier: MIT
#pragma once

#include <algorithm>
#include <cstddef>
#include <cstdint>
#include <vector>

#include "eap/detail/xtensor.hpp"
#include "eap/error.hpp"
#include "eap/prune/gram_matrix.hpp"
#include "eap/prune/patch_sampling.hpp"
#include "eap/shape/conv_shape.hpp"

namespace eap {

/// The per-group `gram_system`s of a CONV or FC layer, ready for `fit_least_squares` and
/// `restore_weights`: X from `input` (N x C x H x W, the layer's input in the network pruned so
/// far), Y from `original_output` (N x M x E x F, the original network's pre-activation output
/// of the layer), both at `positions`. The rows are gathered and accumulated `chunk_rows` at a
/// time, so the whole N x K patch matrix is never held.
inline std::vector<gram_system> build_layer_systems(const xt::xtensor<float, 4>& input,
                                                    const xt::xtensor<float, 4>& original_output,
                                                    const conv_shape& shape,
                                                    const std::vector<output_position>& positions,
                                                    gram_options options = {}, std::int64_t chunk_rows = 4096) {
    const char* function = "eap::build_layer_systems";
    shape.validate();
    if (chunk_rows < 1)
        throw argument_error(
            detail::message(function, ": argument 'chunk_rows' must be at least 1 (got ", chunk_rows, ")"));
    if (positions.empty()) throw argument_error(detail::message(function, ": argument 'positions' is empty"));
    if (input.shape()[0] != original_output.shape()[0])
        throw shape_error(detail::message(function, ": argument 'input' holds ", input.shape()[0],
                                          " images but 'original_output' holds ", original_output.shape()[0]));
    const std::int64_t k = detail::checked_product("build_layer_systems inputs", shape.in_channels_per_group(),
                                                   shape.kernel_height, shape.kernel_width);
    std::vector<gram_system> systems;
    systems.reserve(static_cast<std::size_t>(shape.groups));
    for (std::int64_t g = 0; g < shape.groups; ++g) {
        gram_accumulator acc(k, shape.out_channels_per_group(), options);
        for (std::size_t begin = 0; begin < positions.size(); begin += static_cast<std::size_t>(chunk_rows)) {
            const std::size_t end = std::min(positions.size(), begin + static_cast<std::size_t>(chunk_rows));
            const std::vector<output_position> chunk(positions.begin() + static_cast<std::ptrdiff_t>(begin),
                                                     positions.begin() + static_cast<std::ptrdiff_t>(end));
            acc.add(eap::sample_patches(input, shape, chunk, g), eap::sample_outputs(original_output, shape, chunk, g));
        }
        systems.push_back(acc.system());
    }
    return systems;
}

}  // namespace eap
