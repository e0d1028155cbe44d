// SPDX-License-Identifier: MIT
#pragma once

#include <algorithm>
#include <cstddef>
#include <cstdint>
#include <vector>

#include "eap/energy/energy_model.hpp"
#include "eap/engine/executor.hpp"
#include "eap/engine/model.hpp"
#include "eap/error.hpp"
#include "eap/sparse/layer_counts.hpp"

namespace eap {

/// Exact sparsity of every CONV and FC layer of a model on a set of images: the non-zero weights,
/// the non-skipped MACs and the run-length-coded sizes of the real activations (after ReLU).
struct model_sparsity {
    std::vector<std::size_t> layers;           ///< CONV and FC layer indices, in evaluation order
    std::vector<layer_sparse_counts> counts;   ///< one per entry of `layers`, over all images
    std::int64_t images = 0;

    std::int64_t weights() const;
    std::int64_t nonzero_weights() const;
    /// Non-skipped and dense MACs per image.
    double nonskipped_macs_per_image() const;
    double dense_macs_per_image() const;
};

namespace detail {

/// Adds the activation-dependent counts of `more` (another chunk of images of the same layer) to
/// `total`; the weight counts do not depend on the images and are taken once.
inline void accumulate_sparse_counts(layer_sparse_counts& total, const layer_sparse_counts& more) {
    const char* what = "eap::count_model_sparsity";
    if (total.batch == 0) {
        total = more;
        return;
    }
    total.batch = checked_add(total.batch, more.batch, what);
    total.ifmap_values = checked_add(total.ifmap_values, more.ifmap_values, what);
    total.nonzero_ifmap_values = checked_add(total.nonzero_ifmap_values, more.nonzero_ifmap_values, what);
    total.ofmap_values = checked_add(total.ofmap_values, more.ofmap_values, what);
    total.nonzero_ofmap_values = checked_add(total.nonzero_ofmap_values, more.nonzero_ofmap_values, what);
    total.dense_macs = checked_add(total.dense_macs, more.dense_macs, what);
    total.nonskipped_macs = checked_add(total.nonskipped_macs, more.nonskipped_macs, what);
    total.ifmap_rlc_words = checked_add(total.ifmap_rlc_words, more.ifmap_rlc_words, what);
    total.ofmap_rlc_words = checked_add(total.ofmap_rlc_words, more.ofmap_rlc_words, what);
}

}  // namespace detail

inline std::int64_t model_sparsity::weights() const {
    std::int64_t n = 0;
    for (const auto& c : counts) n += c.weights;
    return n;
}
inline std::int64_t model_sparsity::nonzero_weights() const {
    std::int64_t n = 0;
    for (const auto& c : counts) n += c.nonzero_weights;
    return n;
}
inline double model_sparsity::nonskipped_macs_per_image() const {
    double n = 0;
    for (const auto& c : counts) n += static_cast<double>(c.nonskipped_macs);
    return images == 0 ? 0.0 : n / static_cast<double>(images);
}
inline double model_sparsity::dense_macs_per_image() const {
    double n = 0;
    for (const auto& c : counts) n += static_cast<double>(c.dense_macs);
    return images == 0 ? 0.0 : n / static_cast<double>(images);
}

/// Runs `images` (N x C x H x W) through `m`, `chunk` images at a time, and counts the exact
/// sparsity of every CONV and FC layer with the sparse counters: what the energy model needs to
/// price the model as it really runs (skipped MACs, compressed weights, coded feature maps).
inline model_sparsity count_model_sparsity(engine::executor& runner, const engine::model& m,
                                           const engine::activation_tensor& images, std::int64_t chunk = 100) {
    const char* function = "eap::count_model_sparsity";
    if (chunk < 1) throw argument_error(detail::message(function, ": chunk = ", chunk, " must be at least 1"));
    const auto total = static_cast<std::int64_t>(images.shape()[0]);
    if (total < 1) throw argument_error(detail::message(function, ": no images"));
    const network& net = m.graph();
    model_sparsity out;
    out.layers = net.compute_layers();
    out.counts.resize(out.layers.size());
    out.images = total;
    std::vector<std::ptrdiff_t> slot(net.size(), -1);
    for (std::size_t k = 0; k < out.layers.size(); ++k) slot[out.layers[k]] = static_cast<std::ptrdiff_t>(k);
    std::int64_t batch = 0;
    const engine::forward_hook hook = [&](const engine::layer_event& e) {
        if (e.stage != engine::forward_stage::output || slot[e.layer] < 0) return;
        const std::size_t k = static_cast<std::size_t>(slot[e.layer]);
        const conv_shape shape = net.layer_shape(e.layer, batch);
        const engine::layer_parameters& p = m.parameters(e.layer);
        const layer_sparse_counts counts =
            p.conv.size() != 0 ? count_layer_sparsity(p.conv, *e.inputs.front(), e.values, shape)
                               : count_layer_sparsity(p.fc, *e.inputs.front(), e.values, shape);
        detail::accumulate_sparse_counts(out.counts[k], counts);
    };
    for (std::int64_t first = 0; first < total; first += chunk) {
        batch = std::min(chunk, total - first);
        runner.forward(m, images, first, batch, hook);
    }
    return out;
}

/// The energy of a model as it runs: its network on `hw` at a batch size, every CONV and FC layer
/// priced with the exact sparsity measured on real images.
struct model_energy {
    model_sparsity sparsity;
    network_energy energy;  ///< over the batch; `energy.per_image()` for one image

    double per_image() const { return energy.per_image().total(); }
    /// Energy per image of the k-th CONV/FC layer (in `sparsity.layers` order).
    double layer_per_image(std::size_t k) const {
        return energy.layers.at(k).energy.total() / static_cast<double>(energy.batch);
    }
};

/// Prices `sparsity` (as measured by `count_model_sparsity` on the model's network `net`) on `hw`
/// at `batch` images per batch. `options` gives the sparsity rules and any per-layer options; the
/// exact counts are filled in. `cache` (optional) keeps mapping searches across calls.
inline model_energy estimate_model_energy(const network& net, const model_sparsity& sparsity, const hardware& hw,
                                          std::int64_t batch, network_energy_options options = {},
                                          mapping_cache* cache = nullptr) {
    if (sparsity.layers != net.compute_layers())
        throw argument_error("eap::estimate_model_energy: the sparsity counts are not those of the network '" +
                             net.name() + "'");
    for (std::size_t k = 0; k < sparsity.layers.size(); ++k)
        options.layers[net[sparsity.layers[k]].name].counts = sparsity.counts[k];
    model_energy out;
    out.sparsity = sparsity;
    out.energy = estimate_network_energy(hw, net, batch, options, cache);
    return out;
}

/// The energy weight pruning cannot remove: `sparsity` with every weight pruned (no weight
/// moves, no MAC runs) but the feature maps as measured, which still move between the levels.
/// A pruned model's energy approaches it from above.
inline model_energy estimate_energy_floor(const network& net, model_sparsity sparsity, const hardware& hw,
                                          std::int64_t batch, const network_energy_options& options = {},
                                          mapping_cache* cache = nullptr) {
    for (layer_sparse_counts& c : sparsity.counts) {
        c.nonzero_weights = 0;
        c.nonskipped_macs = 0;
        c.weight_rlc_words = 0;
    }
    return estimate_model_energy(net, sparsity, hw, batch, options, cache);
}

/// `count_model_sparsity` on `images`, then `estimate_model_energy` at `batch`.
inline model_energy measure_model_energy(engine::executor& runner, const engine::model& m,
                                         const engine::activation_tensor& images, const hardware& hw,
                                         std::int64_t batch, const network_energy_options& options = {},
                                         mapping_cache* cache = nullptr) {
    return estimate_model_energy(m.graph(), count_model_sparsity(runner, m, images), hw, batch, options, cache);
}

}  // namespace eap
