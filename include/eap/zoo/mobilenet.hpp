// SPDX-License-Identifier: MIT
#pragma once

#include <string>

#include "eap/network/network.hpp"

namespace eap::zoo {

/// MobileNet v1, width 1.0, 224 x 224: depthwise 3x3 (groups = channels) and pointwise 1x1
/// pairs; the classifier is a 1x1 convolution after global average pooling.
/// 4,209,088 weights, 568,740,352 MACs.
inline network mobilenet_v1() {
    network net("mobilenet_v1", fmap_shape{3, 224, 224});
    auto x = net.add_conv("conv1", 0, conv_params::square(32, 3, 2, 1));
    struct block {
        const char* name;
        std::int64_t out;
        std::int64_t stride;
    };
    const block blocks[] = {{"conv2_1", 64, 1},  {"conv2_2", 128, 2}, {"conv3_1", 128, 1}, {"conv3_2", 256, 2},
                            {"conv4_1", 256, 1}, {"conv4_2", 512, 2}, {"conv5_1", 512, 1}, {"conv5_2", 512, 1},
                            {"conv5_3", 512, 1}, {"conv5_4", 512, 1}, {"conv5_5", 512, 1}, {"conv5_6", 1024, 2},
                            {"conv6", 1024, 1}};
    for (const block& b : blocks) {
        const std::int64_t channels = net[x].output.channels;
        x = net.add_conv(std::string(b.name) + "/dw", x, conv_params::square(channels, 3, b.stride, 1, channels));
        x = net.add_conv(std::string(b.name) + "/sep", x, conv_params::square(b.out, 1));
    }
    x = net.add_pool("pool6", x, pool_params::global_pool(pool_method::average));
    net.add_conv("fc7", x, conv_params::square(1000, 1), activation::none);
    return net;
}

}  // namespace eap::zoo
