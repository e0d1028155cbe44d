// SPDX-License-Identifier: MIT
#pragma once

#include <string>

#include "eap/network/network.hpp"

namespace eap::zoo {

/// Appends a ResNet bottleneck block called `name` (e.g. "res3a"): 1x1 `width`, 3x3 `width`,
/// 1x1 `4 * width`, added to the shortcut. The first block of a stage projects the shortcut with
/// a strided 1x1 convolution (`project`), and strides its first 1x1 as the Caffe model does.
inline std::size_t add_bottleneck(network& net, const std::string& name, std::size_t input, std::int64_t width,
                                  std::int64_t stride, bool project) {
    std::size_t shortcut = input;
    if (project)
        shortcut = net.add_conv(name + "_branch1", input, conv_params::square(4 * width, 1, stride), activation::none);
    auto x = net.add_conv(name + "_branch2a", input, conv_params::square(width, 1, stride));
    x = net.add_conv(name + "_branch2b", x, conv_params::square(width, 3, 1, 1));
    x = net.add_conv(name + "_branch2c", x, conv_params::square(4 * width, 1), activation::none);
    return net.add_add(name, {shortcut, x}, activation::relu);
}

/// ResNet-50 with projection shortcuts, as in the Caffe model of He et al.
/// 25,502,912 weights, 3,857,973,248 MACs.
inline network resnet50() {
    network net("resnet50", fmap_shape{3, 224, 224});
    auto x = net.add_conv("conv1", 0, conv_params::square(64, 7, 2, 3));
    x = net.add_pool("pool1", x, pool_params::window(pool_method::max, 3, 2, 0, true));
    const std::int64_t widths[4] = {64, 128, 256, 512};
    const int blocks[4] = {3, 4, 6, 3};
    for (int stage = 0; stage < 4; ++stage)
        for (int b = 0; b < blocks[stage]; ++b) {
            const std::string name = "res" + std::to_string(stage + 2) + static_cast<char>('a' + b);
            x = add_bottleneck(net, name, x, widths[stage], (b == 0 && stage > 0) ? 2 : 1, b == 0);
        }
    x = net.add_pool("pool5", x, pool_params::global_pool(pool_method::average));
    net.add_fc("fc1000", x, fc_params{1000}, activation::none);
    return net;
}

}  // namespace eap::zoo
