// SPDX-License-Identifier: MIT
#pragma once

#include "eap/network/network.hpp"

namespace eap::zoo {

/// AlexNet as in the BVLC Caffe model: 227 x 227 input, grouped conv2/conv4/conv5, LRN left
/// out (it has no weights and no cost in the energy model). 60,954,656 weights, 724,406,816 MACs.
/// `classes` sets the width of fc8 (1000 for ImageNet).
inline network alexnet(std::int64_t classes = 1000) {
    network net("alexnet", fmap_shape{3, 227, 227});
    const pool_params pool = pool_params::window(pool_method::max, 3, 2);
    auto x = net.add_conv("conv1", 0, conv_params::square(96, 11, 4));
    x = net.add_pool("pool1", x, pool);
    x = net.add_conv("conv2", x, conv_params::square(256, 5, 1, 2, 2));
    x = net.add_pool("pool2", x, pool);
    x = net.add_conv("conv3", x, conv_params::square(384, 3, 1, 1));
    x = net.add_conv("conv4", x, conv_params::square(384, 3, 1, 1, 2));
    x = net.add_conv("conv5", x, conv_params::square(256, 3, 1, 1, 2));
    x = net.add_pool("pool5", x, pool);
    x = net.add_fc("fc6", x, fc_params{4096});
    x = net.add_fc("fc7", x, fc_params{4096});
    net.add_fc("fc8", x, fc_params{classes}, activation::none);
    return net;
}

}  // namespace eap::zoo
