// SPDX-License-Identifier: MIT
#pragma once

#include <string>

#include "eap/network/network.hpp"

namespace eap::zoo {

/// Widths of one GoogLeNet inception module: the 1x1 branch, the 3x3 branch (reduce, 3x3),
/// the 5x5 branch (reduce, 5x5) and the pool projection.
struct inception_widths {
    std::int64_t b1x1, b3x3_reduce, b3x3, b5x5_reduce, b5x5, pool_proj;
};

/// Appends an inception module called `name` fed by `input` and returns its concat layer.
inline std::size_t add_inception(network& net, const std::string& name, std::size_t input, const inception_widths& w) {
    const auto b1 = net.add_conv(name + "/1x1", input, conv_params::square(w.b1x1, 1));
    auto b3 = net.add_conv(name + "/3x3_reduce", input, conv_params::square(w.b3x3_reduce, 1));
    b3 = net.add_conv(name + "/3x3", b3, conv_params::square(w.b3x3, 3, 1, 1));
    auto b5 = net.add_conv(name + "/5x5_reduce", input, conv_params::square(w.b5x5_reduce, 1));
    b5 = net.add_conv(name + "/5x5", b5, conv_params::square(w.b5x5, 5, 1, 2));
    auto bp = net.add_pool(name + "/pool", input, pool_params::window(pool_method::max, 3, 1, 1));
    bp = net.add_conv(name + "/pool_proj", bp, conv_params::square(w.pool_proj, 1));
    return net.add_concat(name + "/output", {b1, b3, b5, bp});
}

/// GoogLeNet (Inception v1) as in the BVLC Caffe model, without the auxiliary classifiers.
/// Pooling rounds up as Caffe does. 6,990,272 weights, 1,582,671,872 MACs.
inline network googlenet() {
    network net("googlenet", fmap_shape{3, 224, 224});
    const pool_params down = pool_params::window(pool_method::max, 3, 2, 0, true);
    auto x = net.add_conv("conv1/7x7_s2", 0, conv_params::square(64, 7, 2, 3));
    x = net.add_pool("pool1/3x3_s2", x, down);
    x = net.add_conv("conv2/3x3_reduce", x, conv_params::square(64, 1));
    x = net.add_conv("conv2/3x3", x, conv_params::square(192, 3, 1, 1));
    x = net.add_pool("pool2/3x3_s2", x, down);
    x = add_inception(net, "inception_3a", x, {64, 96, 128, 16, 32, 32});
    x = add_inception(net, "inception_3b", x, {128, 128, 192, 32, 96, 64});
    x = net.add_pool("pool3/3x3_s2", x, down);
    x = add_inception(net, "inception_4a", x, {192, 96, 208, 16, 48, 64});
    x = add_inception(net, "inception_4b", x, {160, 112, 224, 24, 64, 64});
    x = add_inception(net, "inception_4c", x, {128, 128, 256, 24, 64, 64});
    x = add_inception(net, "inception_4d", x, {112, 144, 288, 32, 64, 64});
    x = add_inception(net, "inception_4e", x, {256, 160, 320, 32, 128, 128});
    x = net.add_pool("pool4/3x3_s2", x, down);
    x = add_inception(net, "inception_5a", x, {256, 160, 320, 32, 128, 128});
    x = add_inception(net, "inception_5b", x, {384, 192, 384, 48, 128, 128});
    x = net.add_pool("pool5/7x7_s1", x, pool_params::global_pool(pool_method::average));
    net.add_fc("loss3/classifier", x, fc_params{1000}, activation::none);
    return net;
}

}  // namespace eap::zoo
