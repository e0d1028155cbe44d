// SPDX-License-Identifier: MIT
#pragma once

#include <algorithm>
#include <cstddef>
#include <cstdint>
#include <vector>

#include "eap/engine/executor.hpp"
#include "eap/engine/model.hpp"
#include "eap/engine/tensor.hpp"
#include "eap/error.hpp"
#include "eap/sparse/layer_sparsity.hpp"

namespace eap::engine {

/// Non-zero counts of every layer's output over a set of images.
struct activation_counts {
    std::vector<std::int64_t> nonzero;  ///< by layer index, over all images
    std::vector<std::int64_t> values;   ///< by layer index, over all images
};

/// Counts the non-zero outputs of every layer of `m` on `images` (run `batch_size` at a time).
inline activation_counts count_activations(executor& runner, const model& m, const activation_tensor& images,
                                           std::int64_t batch_size = 100) {
    if (batch_size < 1)
        throw argument_error(eap::detail::message("eap::engine::count_activations: batch_size = ", batch_size,
                                                  " must be at least 1"));
    const network& net = m.graph();
    activation_counts counts{std::vector<std::int64_t>(net.size(), 0), std::vector<std::int64_t>(net.size(), 0)};
    const forward_hook hook = [&](const layer_event& e) {
        if (e.stage != forward_stage::output) return;
        counts.nonzero[e.layer] += static_cast<std::int64_t>(
            std::count_if(e.values.begin(), e.values.end(), [](float v) { return v != 0.0f; }));
        counts.values[e.layer] += static_cast<std::int64_t>(e.values.size());
    };
    const auto total = static_cast<std::int64_t>(images.shape()[0]);
    for (std::int64_t first = 0; first < total; first += batch_size)
        runner.forward(m, images, first, std::min(batch_size, total - first), hook);
    return counts;
}

/// The densities the energy model takes for every layer of `m` (by layer index), measured on
/// `images`: the fraction of non-zero weights (1 for layers without weights), of non-zero input
/// activations (all inputs of the layer together) and of non-zero outputs (after the
/// activation).
inline std::vector<layer_density> measure_densities(executor& runner, const model& m, const activation_tensor& images,
                                                    std::int64_t batch_size = 100) {
    const network& net = m.graph();
    const activation_counts counts = engine::count_activations(runner, m, images, batch_size);
    auto ratio = [](std::int64_t part, std::int64_t whole) {
        return whole == 0 ? 1.0 : static_cast<double>(part) / static_cast<double>(whole);
    };
    std::vector<layer_density> result(net.size());
    for (std::size_t i = 0; i < net.size(); ++i) {
        std::int64_t nonzero = 0, values = 0;
        for (std::size_t j : net[i].inputs) {
            nonzero += counts.nonzero[j];
            values += counts.values[j];
        }
        result[i].ifmaps = net[i].inputs.empty() ? ratio(counts.nonzero[i], counts.values[i]) : ratio(nonzero, values);
        result[i].ofmaps = ratio(counts.nonzero[i], counts.values[i]);
        if (net[i].is_compute()) {
            const layer_parameters& p = m.parameters(i);
            const float* w = p.weight_data();
            const auto nz = std::count_if(w, w + p.weight_count(), [](float v) { return v != 0.0f; });
            result[i].weights = ratio(static_cast<std::int64_t>(nz), static_cast<std::int64_t>(p.weight_count()));
        }
    }
    return result;
}

/// `measure_densities` with a temporary executor.
inline std::vector<layer_density> measure_densities(const model& m, const activation_tensor& images,
                                                    std::int64_t batch_size = 100) {
    executor runner;
    return engine::measure_densities(runner, m, images, batch_size);
}

}  // namespace eap::engine
