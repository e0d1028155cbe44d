// SPDX-License-Identifier: MIT
#pragma once

#include <string>

#include "eap/network/network.hpp"

namespace eap::zoo {

/// Appends a SqueezeNet fire module (squeeze 1x1, then expand 1x1 and 3x3 concatenated).
inline std::size_t add_fire(network& net, const std::string& name, std::size_t input, std::int64_t squeeze,
                            std::int64_t expand) {
    const auto s = net.add_conv(name + "/squeeze1x1", input, conv_params::square(squeeze, 1));
    const auto e1 = net.add_conv(name + "/expand1x1", s, conv_params::square(expand, 1));
    const auto e3 = net.add_conv(name + "/expand3x3", s, conv_params::square(expand, 3, 1, 1));
    return net.add_concat(name + "/concat", {e1, e3});
}

/// SqueezeNet v1.0 as released (conv10 has pad 1). 1,244,448 weights, 861,339,936 MACs.
inline network squeezenet_v1_0() {
    network net("squeezenet_v1_0", fmap_shape{3, 227, 227});
    const pool_params down = pool_params::window(pool_method::max, 3, 2, 0, true);
    auto x = net.add_conv("conv1", 0, conv_params::square(96, 7, 2));
    x = net.add_pool("pool1", x, down);
    x = add_fire(net, "fire2", x, 16, 64);
    x = add_fire(net, "fire3", x, 16, 64);
    x = add_fire(net, "fire4", x, 32, 128);
    x = net.add_pool("pool4", x, down);
    x = add_fire(net, "fire5", x, 32, 128);
    x = add_fire(net, "fire6", x, 48, 192);
    x = add_fire(net, "fire7", x, 48, 192);
    x = add_fire(net, "fire8", x, 64, 256);
    x = net.add_pool("pool8", x, down);
    x = add_fire(net, "fire9", x, 64, 256);
    x = net.add_conv("conv10", x, conv_params::square(1000, 1, 1, 1));
    net.add_pool("pool10", x, pool_params::global_pool(pool_method::average));
    return net;
}

/// SqueezeNet v1.1 (3x3 conv1, earlier pooling). 1,231,552 weights, 387,747,520 MACs.
inline network squeezenet_v1_1() {
    network net("squeezenet_v1_1", fmap_shape{3, 227, 227});
    const pool_params down = pool_params::window(pool_method::max, 3, 2, 0, true);
    auto x = net.add_conv("conv1", 0, conv_params::square(64, 3, 2));
    x = net.add_pool("pool1", x, down);
    x = add_fire(net, "fire2", x, 16, 64);
    x = add_fire(net, "fire3", x, 16, 64);
    x = net.add_pool("pool3", x, down);
    x = add_fire(net, "fire4", x, 32, 128);
    x = add_fire(net, "fire5", x, 32, 128);
    x = net.add_pool("pool5", x, down);
    x = add_fire(net, "fire6", x, 48, 192);
    x = add_fire(net, "fire7", x, 48, 192);
    x = add_fire(net, "fire8", x, 64, 256);
    x = add_fire(net, "fire9", x, 64, 256);
    x = net.add_conv("conv10", x, conv_params::square(1000, 1));
    net.add_pool("pool10", x, pool_params::global_pool(pool_method::average));
    return net;
}

}  // namespace eap::zoo
