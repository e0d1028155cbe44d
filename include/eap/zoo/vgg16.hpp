// SPDX-License-Identifier: MIT
#pragma once

#include <string>

#include "eap/network/network.hpp"

namespace eap::zoo {

/// VGG-16 (configuration D): 13 3x3 CONV layers in five blocks and three FC layers.
/// 138,344,128 weights, 15,470,264,320 MACs.
inline network vgg16() {
    network net("vgg16", fmap_shape{3, 224, 224});
    const std::int64_t widths[5] = {64, 128, 256, 512, 512};
    const int depths[5] = {2, 2, 3, 3, 3};
    std::size_t x = 0;
    for (int block = 0; block < 5; ++block) {
        const std::string prefix = "conv" + std::to_string(block + 1) + "_";
        for (int i = 1; i <= depths[block]; ++i)
            x = net.add_conv(prefix + std::to_string(i), x, conv_params::square(widths[block], 3, 1, 1));
        x = net.add_pool("pool" + std::to_string(block + 1), x, pool_params::window(pool_method::max, 2, 2));
    }
    x = net.add_fc("fc6", x, fc_params{4096});
    x = net.add_fc("fc7", x, fc_params{4096});
    net.add_fc("fc8", x, fc_params{1000}, activation::none);
    return net;
}

}  // namespace eap::zoo
