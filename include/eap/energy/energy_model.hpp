// SPDX-License-Identifier: MIT
#pragma once

#include <cstddef>
#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "eap/energy/energy_breakdown.hpp"
#include "eap/energy/energy_options.hpp"
#include "eap/energy/layer_energy.hpp"
#include "eap/energy/sparsity_factors.hpp"
#include "eap/error.hpp"
#include "eap/hardware/hardware.hpp"
#include "eap/mapping/access_counts.hpp"
#include "eap/mapping/layer_partition.hpp"
#include "eap/mapping/mapping_cache.hpp"
#include "eap/mapping/mapping_search.hpp"
#include "eap/network/network.hpp"
#include "eap/shape/conv_shape.hpp"

namespace eap {

namespace detail {

inline layer_energy estimate_layer(const hardware& hw, const std::string& name, const conv_shape& shape,
                                   const layer_energy_options& lo, const energy_options& options, bool input_is_image,
                                   mapping_cache& cache) {
    shape.validate();
    layer_energy out;
    out.name = name;
    out.shape = shape;
    out.word_bits = lo.word_bits ? *lo.word_bits : options.mapping.bits_on(hw);
    validate_word_bits("eap::estimate_layer_energy", out.word_bits);
    if (options.sparsity.weight_index_bits < 0 || options.sparsity.weight_index_bits > 64)
        throw argument_error(message("eap::estimate_layer_energy: sparsity.weight_index_bits must be between 0 and 64 (got ",
                                     options.sparsity.weight_index_bits, ")"));
    out.input_is_image = input_is_image;
    out.dense.storage_levels = hw.levels.size();
    out.dense.pes = checked_mul(hw.array.rows, hw.array.cols, "PE count");
    for (const layer_part_group& g : partition_layer(shape, lo.output_channel_parts)) {
        const mapping_search_result& r = cache.search(g.part, out.word_bits);
        out.parts.push_back({r, g.count});
        out.dense += r.counts.repeated(g.count);
    }
    const sparsity_factors f = make_sparsity_factors(shape, options.sparsity, lo, out.word_bits, input_is_image,
                                                     out.density, out.nonskipped_fraction, out.sparsity);
    out.effective = apply_sparsity(out.dense, f, shape.ofmap_size());
    out.energy = energy_of(out.effective, hw, out.word_bits);
    return out;
}

}  // namespace detail

/// The energy of one CONV/FC layer (`shape`, over its batch) on `hw`: the least-energy
/// row-stationary mapping of each of its parts (searched on the dense layer), their access
/// counts, the sparsity rules applied to them, and the energy per position and data type.
/// Pass a `mapping_cache` built for the same hardware and mapping options to reuse searches
/// across calls. Throws `eap::shape_error`, `eap::hardware_error` (no mapping fits) or
/// `eap::argument_error` (bad option).
inline layer_energy estimate_layer_energy(const hardware& hw, const conv_shape& shape,
                                          const layer_energy_options& layer_options = {},
                                          const energy_options& options = {}, mapping_cache* cache = nullptr) {
    detail::validate_rs_hardware("eap::estimate_layer_energy", hw);
    std::optional<mapping_cache> local;
    if (cache == nullptr) {
        local.emplace(hw, options.mapping);
        cache = &*local;
    } else if (!cache->serves(hw, options.mapping)) {
        throw argument_error("eap::estimate_layer_energy: the mapping cache was built for another hardware or other "
                             "mapping options");
    }
    return detail::estimate_layer(hw, "layer", shape, layer_options, options,
                                  layer_options.input_is_image.value_or(false), *cache);
}

/// The energy of every CONV and FC layer of `net` at batch size `batch` on `hw` (pooling, ReLU,
/// concatenation and additions cost nothing in this model). `options.layers` gives per-layer
/// options by layer name (an unknown name is an error). Identical layer parts are searched once;
/// pass a `mapping_cache` to reuse searches across estimates (e.g. inside a pruning loop).
inline network_energy estimate_network_energy(const hardware& hw, const network& net, std::int64_t batch,
                                              const network_energy_options& options = {},
                                              mapping_cache* cache = nullptr) {
    detail::validate_rs_hardware("eap::estimate_network_energy", hw);
    if (batch < 1)
        throw argument_error(detail::message("eap::estimate_network_energy: batch must be at least 1 (got ", batch, ")"));
    for (const auto& entry : options.layers) {
        const auto index = net.find(entry.first);
        if (!index || !net[*index].is_compute())
            throw argument_error("eap::estimate_network_energy: options name the layer '" + entry.first +
                                 "', which is not a CONV or FC layer of '" + net.name() + "'");
    }
    std::optional<mapping_cache> local;
    if (cache == nullptr) {
        local.emplace(hw, options.common.mapping);
        cache = &*local;
    } else if (!cache->serves(hw, options.common.mapping)) {
        throw argument_error("eap::estimate_network_energy: the mapping cache was built for another hardware or other "
                             "mapping options");
    }
    const std::size_t searches_before = cache->searches(), hits_before = cache->hits();
    network_energy out;
    out.network = net.name();
    out.hardware = hw.name;
    out.unit = hw.unit;
    out.batch = batch;
    out.total.unit = hw.unit;
    out.total.storage_levels = hw.levels.size();
    for (std::size_t p = 0; p < hw.levels.size() + 2; ++p) out.positions.push_back(position_name(hw, p));
    const layer_energy_options defaults{};
    for (std::size_t i : net.compute_layers()) {
        const layer& l = net[i];
        const auto found = options.layers.find(l.name);
        const layer_energy_options& lo = found == options.layers.end() ? defaults : found->second;
        const bool image = lo.input_is_image.value_or(l.inputs.front() == 0);
        out.layers.push_back(detail::estimate_layer(hw, l.name, net.layer_shape(i, batch), lo, options.common, image, *cache));
        out.total += out.layers.back().energy;
    }
    out.searches = cache->searches() - searches_before;
    out.reused_searches = cache->hits() - hits_before;
    return out;
}

}  // namespace eap
