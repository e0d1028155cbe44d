// SPDX-License-Identifier: MIT
#pragma once

#include "eap/network/network.hpp"
#include "eap/zoo/googlenet.hpp"

namespace eap::zoo {

// Two small networks for 1 x 28 x 28 Fashion-MNIST images and 10 classes, shaped after the
// networks the energy-aware pruning paper prunes. Their trained weights ship with eap
// (tests/data/models/) and are produced by examples/train_reference_models.cpp.

/// AlexNet-like: three CONV layers with max pooling and three FC layers, sequential. The FC
/// layers hold most of the weights (so that at batch 1 the energy goes to fetching them from
/// DRAM) while the CONV layers do most of the MACs (so that they dominate at batch 16).
/// `classes` sets the width of fc3 (10 for Fashion-MNIST; fewer for a task on grouped labels).
inline network fashion_alexnet(std::int64_t classes = 10) {
    network net("fashion_alexnet", fmap_shape{1, 28, 28});
    const pool_params pool = pool_params::window(pool_method::max, 2, 2);
    auto x = net.add_conv("conv1", 0, conv_params::square(32, 5, 1, 2));
    x = net.add_pool("pool1", x, pool);                                   // 32 x 14 x 14
    x = net.add_conv("conv2", x, conv_params::square(64, 5, 1, 2));
    x = net.add_pool("pool2", x, pool);                                   // 64 x 7 x 7
    x = net.add_conv("conv3", x, conv_params::square(128, 3, 1, 1));
    x = net.add_pool("pool3", x, pool);                                   // 128 x 3 x 3
    x = net.add_fc("fc1", x, fc_params{512});
    x = net.add_fc("fc2", x, fc_params{512});
    net.add_fc("fc3", x, fc_params{classes}, activation::none);
    return net;
}

/// GoogLeNet-like: a stem (CONV, max pooling, CONV, max pooling), three inception modules
/// (1x1, 3x3-reduce + 3x3, 5x5-reduce + 5x5 and 3x3 max pool + 1x1 projection branches,
/// concatenated) on 7 x 7 maps, global average pooling and one FC layer. Max pooling rounds up
/// as in GoogLeNet.
inline network fashion_googlenet() {
    network net("fashion_googlenet", fmap_shape{1, 28, 28});
    const pool_params down = pool_params::window(pool_method::max, 3, 2, 0, true);
    auto x = net.add_conv("conv1", 0, conv_params::square(32, 3, 1, 1));      // 32 x 28 x 28
    x = net.add_pool("pool1", x, down);                                       // 32 x 14 x 14
    x = net.add_conv("conv2", x, conv_params::square(64, 3, 1, 1));           // 64 x 14 x 14
    x = net.add_pool("pool2", x, down);                                       // 64 x 7 x 7
    x = zoo::add_inception(net, "inception_3a", x, {32, 48, 64, 8, 16, 16});   // 128 x 7 x 7
    x = zoo::add_inception(net, "inception_3b", x, {64, 64, 96, 16, 32, 32});  // 224 x 7 x 7
    x = zoo::add_inception(net, "inception_4a", x, {64, 64, 96, 16, 32, 32});  // 224 x 7 x 7
    x = net.add_pool("pool5", x, pool_params::global_pool(pool_method::average));
    net.add_fc("classifier", x, fc_params{10}, activation::none);
    return net;
}

}  // namespace eap::zoo
