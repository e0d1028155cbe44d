// SPDX-License-Identifier: MIT
#pragma once

#include <algorithm>
#include <array>
#include <cstddef>
#include <cstdint>
#include <vector>

#include "eap/engine/executor.hpp"
#include "eap/engine/model.hpp"
#include "eap/engine/tensor.hpp"
#include "eap/error.hpp"

namespace eap::engine {

/// The values of one layer over a set of images, as captured by `capture_layers`.
struct layer_capture {
    std::size_t layer = 0;
    /// The tensors the layer reads (one per input layer; one for CONV, FC and pool layers).
    std::vector<activation_tensor> inputs;
    /// The linear result before the activation (CONV, FC and add layers; empty otherwise).
    activation_tensor pre_activation;
    /// The layer's output after its activation.
    activation_tensor output;
};

/// Which values `capture_layers` keeps.
struct capture_options {
    bool inputs = true;
    bool pre_activation = true;
    bool output = true;
    /// Images per forward pass (the values do not depend on it).
    std::int64_t batch_size = 100;
};

/// Runs `images` through `m` and returns, for each layer index in `layers` (in that order), its
/// inputs, pre-activation values and outputs over all images (N x C x H x W each). This is what
/// the pruning solvers fit against: a CONV layer's input feeds the patch matrix, its
/// pre-activation output the targets.
inline std::vector<layer_capture> capture_layers(executor& runner, const model& m, const activation_tensor& images,
                                                 const std::vector<std::size_t>& layers,
                                                 const capture_options& options = {}) {
    const network& net = m.graph();
    if (options.batch_size < 1)
        throw argument_error(eap::detail::message("eap::engine::capture_layers: batch_size = ", options.batch_size,
                                                  " must be at least 1"));
    std::vector<std::ptrdiff_t> slot(net.size(), -1);
    std::vector<layer_capture> result(layers.size());
    for (std::size_t i = 0; i < layers.size(); ++i) {
        if (layers[i] >= net.size())
            throw argument_error(eap::detail::message("eap::engine::capture_layers: layer index ", layers[i],
                                                      " is out of range (the network has ", net.size(), " layers)"));
        if (slot[layers[i]] >= 0)
            throw argument_error(eap::detail::message("eap::engine::capture_layers: layer '", net[layers[i]].name,
                                                      "' is requested twice"));
        slot[layers[i]] = static_cast<std::ptrdiff_t>(i);
        result[i].layer = layers[i];
    }
    const auto total = static_cast<std::int64_t>(images.shape()[0]);
    // Copies one batch of `values` into rows [first, first + batch) of `target`, allocating it
    // for all images on first use.
    auto keep = [total](activation_tensor& target, const activation_tensor& values, std::int64_t first) {
        const std::array<std::size_t, 4> shape{static_cast<std::size_t>(total), values.shape()[1], values.shape()[2],
                                               values.shape()[3]};
        if (target.shape() != shape) target.resize(shape);
        const std::size_t image = values.shape()[1] * values.shape()[2] * values.shape()[3];
        std::copy(values.begin(), values.end(), target.data() + static_cast<std::size_t>(first) * image);
    };
    std::int64_t first = 0;
    const forward_hook hook = [&](const layer_event& e) {
        const std::ptrdiff_t s = slot[e.layer];
        if (s < 0) return;
        layer_capture& c = result[static_cast<std::size_t>(s)];
        if (e.stage == forward_stage::pre_activation) {
            if (options.pre_activation) keep(c.pre_activation, e.values, first);
            return;
        }
        if (options.output) keep(c.output, e.values, first);
        if (options.inputs) {
            c.inputs.resize(e.inputs.size());
            for (std::size_t j = 0; j < e.inputs.size(); ++j) keep(c.inputs[j], *e.inputs[j], first);
        }
    };
    for (; first < total; first += options.batch_size)
        runner.forward(m, images, first, std::min(options.batch_size, total - first), hook);
    return result;
}

/// `capture_layers` with a temporary executor.
inline std::vector<layer_capture> capture_layers(const model& m, const activation_tensor& images,
                                                 const std::vector<std::size_t>& layers,
                                                 const capture_options& options = {}) {
    executor runner;
    return engine::capture_layers(runner, m, images, layers, options);
}

}  // namespace eap::engine
