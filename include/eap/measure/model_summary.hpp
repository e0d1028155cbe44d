// SPDX-License-Identifier: MIT
#pragma once

#include <cstdint>
#include <string>
#include <vector>

#include "eap/data/labeled_images.hpp"
#include "eap/energy/energy_model.hpp"
#include "eap/engine/evaluate.hpp"
#include "eap/engine/model.hpp"
#include "eap/measure/model_energy.hpp"

namespace eap {

/// What the paper's table reports about one model: accuracy, non-zero weights, non-skipped MACs
/// and energy per image at some batch sizes.
struct model_summary {
    std::string label;
    double accuracy = 0.0;  ///< top-1
    std::int64_t weights = 0;
    std::int64_t nonzero_weights = 0;
    double nonskipped_macs = 0.0;      ///< per image
    std::vector<model_energy> energy;  ///< one per batch size asked for
};

/// Summarises `m`: top-1 on `labelled`, exact sparsity counted on `sparsity_images`, energy on
/// `hw` at each of `batches` (with `cache` keeping the mapping searches).
inline model_summary summarize_model(const std::string& label, const engine::model& m,
                                     const data::labeled_images& labelled,
                                     const engine::activation_tensor& sparsity_images, const hardware& hw,
                                     const std::vector<std::int64_t>& batches, mapping_cache& cache) {
    engine::executor runner;
    model_summary out;
    out.label = label;
    out.accuracy = engine::evaluate(runner, m, labelled.images, labelled.labels).top1();
    const model_sparsity sparsity = count_model_sparsity(runner, m, sparsity_images);
    out.weights = sparsity.weights();
    out.nonzero_weights = sparsity.nonzero_weights();
    out.nonskipped_macs = sparsity.nonskipped_macs_per_image();
    for (std::int64_t batch : batches) out.energy.push_back(estimate_model_energy(m.graph(), sparsity, hw, batch, {}, &cache));
    return out;
}

}  // namespace eap
