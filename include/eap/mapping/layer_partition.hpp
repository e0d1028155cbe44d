// SPDX-License-Identifier: MIT
#pragma once

#include <algorithm>
#include <cstdint>
#include <vector>

#include "eap/detail/checked_arithmetic.hpp"
#include "eap/error.hpp"
#include "eap/mapping/layer_part.hpp"
#include "eap/shape/conv_shape.hpp"

namespace eap {

/// `count` identical parts of a layer (e.g. the groups of a grouped convolution); they are
/// scheduled one after the other and their costs add up.
struct layer_part_group {
    layer_part part;
    std::int64_t count = 1;
};

/// Splits a CONV/FC layer into the parts the row-stationary model schedules independently:
///
/// * a grouped convolution becomes `groups` parts of `in_channels / groups` inputs and
///   `out_channels / groups` outputs (each reads only its own input channels);
/// * `output_channel_parts` > 1 further splits the output channels of each group into that many
///   parts that each read the group's *full* input (as the ISCA 2016 AlexNet does for conv1 and
///   conv3, which ran as two halves); when the split is uneven the first parts get one channel more.
///
/// Identical parts are returned once with their count. The derived input window of a part
/// (kernel + (out - 1) * stride) includes the zero padding the window covers; each part also
/// records how many of the window's rows and columns are real input (see `layer_part`).
inline std::vector<layer_part_group> partition_layer(const conv_shape& shape, std::int64_t output_channel_parts = 1) {
    shape.validate();
    const std::int64_t outputs_per_group = shape.out_channels_per_group();
    if (output_channel_parts < 1 || output_channel_parts > outputs_per_group)
        throw argument_error(detail::message("eap::partition_layer: output_channel_parts must be between 1 and the "
                                             "output channels per group (",
                                             outputs_per_group, "); got ", output_channel_parts));
    layer_part base;
    base.in_channels = shape.in_channels_per_group();
    base.out_height = shape.out_height();
    base.out_width = shape.out_width();
    base.kernel_height = shape.kernel_height;
    base.kernel_width = shape.kernel_width;
    base.stride_height = shape.stride_height;
    base.stride_width = shape.stride_width;
    base.batch = shape.batch;
    // Rows of the padded input the window covers are [0, in_height()); the real input sits in
    // [pad.top, pad.top + in_height) of the padded input.
    auto real_extent = [](std::int64_t window, std::int64_t before, std::int64_t real) {
        return std::max<std::int64_t>(0, std::min(window, before + real) - std::min(before, window));
    };
    base.out_channels = 1;
    const std::int64_t window_height = base.in_height();
    const std::int64_t window_width = base.in_width();
    const std::int64_t real_h = real_extent(window_height, shape.pad.top, shape.in_height);
    const std::int64_t real_w = real_extent(window_width, shape.pad.left, shape.in_width);
    base.real_in_height = real_h == window_height ? -1 : real_h;
    base.real_in_width = real_w == window_width ? -1 : real_w;

    const std::int64_t small = outputs_per_group / output_channel_parts;
    const std::int64_t larger_parts = outputs_per_group % output_channel_parts;
    std::vector<layer_part_group> out;
    if (larger_parts > 0) {
        layer_part p = base;
        p.out_channels = small + 1;
        out.push_back({p, detail::checked_mul(larger_parts, shape.groups, "eap::partition_layer part count")});
    }
    layer_part p = base;
    p.out_channels = small;
    out.push_back({p, detail::checked_mul(output_channel_parts - larger_parts, shape.groups,
                                          "eap::partition_layer part count")});
    for (const auto& g : out) g.part.validate();
    return out;
}

}  // namespace eap
