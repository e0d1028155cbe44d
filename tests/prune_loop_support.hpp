// A small learnable task for the tests of the pruning loop: 1 x 12 x 12 images of four kinds of
// strokes with noise, and a CONV/FC network trained on it in about a second. Small enough that a
// whole energy-aware pruning run takes seconds, real enough that pruning costs accuracy.
#pragma once

#include <cstdint>
#include <random>

#include "eap/data/fashion_mnist.hpp"
#include "eap/engine/model.hpp"
#include "eap/engine/trainer.hpp"
#include "eap/network/network.hpp"

namespace prune_loop_test {

inline eap::data::labeled_images strokes(std::int64_t count, std::uint32_t seed) {
    std::mt19937 rng(seed);
    std::normal_distribution<float> noise(0.0f, 0.25f);
    eap::data::labeled_images set;
    set.images = xt::zeros<float>({static_cast<std::size_t>(count), std::size_t{1}, std::size_t{12}, std::size_t{12}});
    set.labels = xt::zeros<std::int32_t>({static_cast<std::size_t>(count)});
    for (std::int64_t n = 0; n < count; ++n) {
        const int label = static_cast<int>(rng() % 4);
        const int offset = static_cast<int>(rng() % 6) + 3;
        set.labels(n) = label;
        for (int y = 0; y < 12; ++y)
            for (int x = 0; x < 12; ++x) {
                const bool on = (label == 0 && y == offset) || (label == 1 && x == offset) ||
                                (label == 2 && x == y) || (label == 3 && x + y == 11);
                // ReLU-friendly inputs: negative noise is clipped to zero, as pixels are.
                set.images(n, 0, y, x) = std::max(0.0f, (on ? 1.0f : 0.0f) + noise(rng));
            }
    }
    return set;
}

inline eap::network strokes_network() {
    eap::network net("strokes", eap::fmap_shape{1, 12, 12});
    auto x = net.add_conv("conv1", 0, eap::conv_params::square(8, 3, 1, 1));
    x = net.add_pool("pool1", x, eap::pool_params::window(eap::pool_method::max, 2, 2));
    x = net.add_conv("conv2", x, eap::conv_params::square(16, 3, 1, 1));
    x = net.add_pool("pool2", x, eap::pool_params::window(eap::pool_method::max, 2, 2));
    x = net.add_fc("fc1", x, eap::fc_params{48});
    net.add_fc("fc2", x, eap::fc_params{4}, eap::activation::none);
    return net;
}

/// The network trained on 1,500 stroke images (seeded: the same weights every time).
inline eap::engine::model trained_strokes_model() {
    eap::engine::model m(strokes_network());
    m.initialize(5);
    const auto train = strokes(1500, 11);
    eap::engine::training_options options;
    options.epochs = 3;
    options.batch_size = 32;
    options.schedule.base = 0.05;
    options.seed = 3;
    eap::engine::trainer(m, options).fit(train.images, train.labels);
    return m;
}

/// Bitwise equality of every weight, bias and mask.
inline bool same_parameters(const eap::engine::model& a, const eap::engine::model& b) {
    for (std::size_t i : a.graph().compute_layers()) {
        if (a.parameters(i).conv != b.parameters(i).conv || a.parameters(i).fc != b.parameters(i).fc ||
            a.parameters(i).bias != b.parameters(i).bias || a.mask(i).conv != b.mask(i).conv ||
            a.mask(i).fc != b.mask(i).fc)
            return false;
    }
    return true;
}

}  // namespace prune_loop_test
