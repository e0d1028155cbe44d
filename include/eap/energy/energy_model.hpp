// SPDX-License-Identifier: MIT
#pragma once

#include <algorithm>
#include <cmath>
#include <cstddef>
#include <cstdint>
#include <map>
#include <optional>
#include <string>
#include <vector>

#include "eap/energy/effective_access_counts.hpp"
#include "eap/energy/energy_breakdown.hpp"
#include "eap/energy/run_length_code_model.hpp"
#include "eap/energy/sparsity_rules.hpp"
#include "eap/error.hpp"
#include "eap/hardware/hardware.hpp"
#include "eap/mapping/access_counts.hpp"
#include "eap/mapping/layer_partition.hpp"
#include "eap/mapping/mapping_cache.hpp"
#include "eap/mapping/mapping_search.hpp"
#include "eap/mapping/row_stationary_options.hpp"
#include "eap/network/network.hpp"
#include "eap/shape/conv_shape.hpp"
#include "eap/sparse/layer_sparsity.hpp"

namespace eap {

/// Where a layer's sparsity came from.
enum class sparsity_source : std::uint8_t { none, densities, exact_counts };

constexpr const char* to_string(sparsity_source s) {
    switch (s) {
    case sparsity_source::none: return "dense";
    case sparsity_source::densities: return "densities";
    case sparsity_source::exact_counts: return "exact counts";
    }
    return "?";
}

/// Options of the energy model that apply to every layer.
struct energy_options {
    row_stationary_options mapping;  ///< word widths, padding traffic, bypass (see there)
    sparsity_rules sparsity;         ///< how zeros save energy
};

/// What one layer brings to its estimate.
struct layer_energy_options {
    /// Split each group's output channels into this many parts that each read the whole input
    /// (see `partition_layer`); the ISCA 2016 AlexNet ran conv1 and conv3 as two halves.
    std::int64_t output_channel_parts = 1;
    /// Statistical sparsity: the fraction of non-zeros of weights, input and output activations.
    std::optional<layer_density> density;
    /// Exact sparsity measured on real tensors (takes precedence over `density`).
    std::optional<layer_sparse_counts> counts;
    /// True when the layer reads the network's input image (moved raw, never run-length coded).
    /// Unset: false for a single layer; a network decides by whether the layer reads its input.
    std::optional<bool> input_is_image;
    /// Word widths of this layer (default: the energy options', else the hardware's).
    std::optional<per_data_type<int>> word_bits;
};

/// One group of identical parts of a layer and its mapping.
struct layer_part_energy {
    mapping_search_result search;
    std::int64_t count = 1;
};

/// The energy of one CONV/FC layer over a batch.
struct layer_energy {
    std::string name;
    conv_shape shape;
    std::vector<layer_part_energy> parts;
    access_counts dense;               ///< all parts, dense layer
    effective_access_counts effective; ///< after the sparsity rules
    energy_breakdown energy;           ///< over the batch, in the hardware's unit
    sparsity_source sparsity = sparsity_source::none;
    layer_density density;             ///< densities used (1 for a dense layer)
    double nonskipped_fraction = 1.0;  ///< fraction of MACs not skipped
    bool input_is_image = false;
    per_data_type<int> word_bits{};

    std::int64_t dense_macs() const { return dense.macs; }
    double nonskipped_macs() const { return effective.macs; }
    double utilisation() const { return dense.utilisation(); }
};

/// The energy of a network over a batch.
struct network_energy {
    std::string network;
    std::string hardware;
    cost_unit unit = cost_unit::normalized;
    std::int64_t batch = 1;
    std::vector<std::string> positions;  ///< names of the positions: storage levels, "array network", "scratchpad"
    std::vector<layer_energy> layers;    ///< CONV and FC layers in evaluation order
    energy_breakdown total;            ///< over the batch
    std::size_t searches = 0;          ///< mapping searches run for this estimate
    std::size_t reused_searches = 0;   ///< parts answered from the cache

    energy_breakdown per_image() const { return total.scaled(1.0 / static_cast<double>(batch)); }
    std::int64_t dense_macs() const {
        std::int64_t m = 0;
        for (const auto& l : layers) m = detail::checked_add(m, l.dense_macs(), "network MACs");
        return m;
    }
    double nonskipped_macs() const {
        double m = 0.0;
        for (const auto& l : layers) m += l.nonskipped_macs();
        return m;
    }
    /// The layer called `layer_name`; throws `eap::argument_error` when there is none.
    const layer_energy& layer(const std::string& layer_name) const {
        for (const auto& l : layers)
            if (l.name == layer_name) return l;
        throw argument_error("eap::network_energy::layer: no CONV/FC layer named '" + layer_name + "' in '" + network + "'");
    }
};

/// Options of a network estimate: the common options and per-layer options by layer name.
struct network_energy_options {
    energy_options common;
    std::map<std::string, layer_energy_options> layers;
};

namespace detail {

/// Multipliers the sparsity rules apply to dense counts of one layer.
struct sparsity_factors {
    double nonskipped = 1.0;     ///< MACs and scratchpad accesses
    double weights = 1.0;        ///< weights at every storage level and over the network
    double ifmap_dram = 1.0;     ///< ifmaps at the outermost level
    double ifmap_onchip = 1.0;   ///< ifmaps at inner storage levels and over the network
    double ofmap_dram = 1.0;     ///< final outputs written to the outermost level
};

inline void check_density(const char* field, double v) {
    if (!(v >= 0.0 && v <= 1.0))
        throw argument_error(message("eap::estimate_layer_energy: density.", field, " must be in [0, 1] (got ", v, ")"));
}

inline double fraction_of(std::int64_t part, std::int64_t whole) {
    return whole == 0 ? 1.0 : static_cast<double>(part) / static_cast<double>(whole);
}

/// Coded size over raw size of a stream of `values` values of `bits` bits with `coded_words`
/// 64-bit words of run-length code.
inline double coded_ratio(double coded_words, std::int64_t values, int bits) {
    if (values == 0) return 1.0;
    return coded_words * 64.0 / (static_cast<double>(values) * static_cast<double>(bits));
}

inline void validate_sparse_counts(const conv_shape& s, const layer_sparse_counts& c) {
    auto fail = [](const std::string& what) {
        throw argument_error("eap::estimate_layer_energy: the exact sparse counts " + what);
    };
    if (c.batch < 1) fail(message("have batch ", c.batch, "; it must be at least 1"));
    if (c.weights != s.weight_count())
        fail(message("are for ", c.weights, " weights but the layer has ", s.weight_count()));
    const std::int64_t in = s.input_fmap().size(), out = s.output_fmap().size();
    const std::int64_t macs = s.with_batch(1).mac_count();
    if (c.ifmap_values != checked_mul(in, c.batch, "sparse counts"))
        fail(message("have ", c.ifmap_values, " ifmap values; ", c.batch, " images of the layer's input have ",
                     checked_mul(in, c.batch, "sparse counts")));
    if (c.ofmap_values != checked_mul(out, c.batch, "sparse counts"))
        fail(message("have ", c.ofmap_values, " ofmap values; ", c.batch, " images of the layer's output have ",
                     checked_mul(out, c.batch, "sparse counts")));
    if (c.dense_macs != checked_mul(macs, c.batch, "sparse counts"))
        fail(message("have ", c.dense_macs, " dense MACs; ", c.batch, " images of the layer have ",
                     checked_mul(macs, c.batch, "sparse counts")));
    if (c.nonzero_weights < 0 || c.nonzero_weights > c.weights)
        fail(message("have ", c.nonzero_weights, " non-zero weights of ", c.weights));
    if (c.nonzero_ifmap_values < 0 || c.nonzero_ifmap_values > c.ifmap_values)
        fail(message("have ", c.nonzero_ifmap_values, " non-zero ifmap values of ", c.ifmap_values));
    if (c.nonzero_ofmap_values < 0 || c.nonzero_ofmap_values > c.ofmap_values)
        fail(message("have ", c.nonzero_ofmap_values, " non-zero ofmap values of ", c.ofmap_values));
    if (c.nonskipped_macs < 0 || c.nonskipped_macs > c.dense_macs)
        fail(message("have ", c.nonskipped_macs, " non-skipped MACs of ", c.dense_macs));
    if (c.ifmap_rlc_words < 0 || c.ofmap_rlc_words < 0 || c.weight_rlc_words < 0)
        fail("have a negative run-length-code size");
}

inline sparsity_factors make_sparsity_factors(const conv_shape& s, const sparsity_rules& rules,
                                              const layer_energy_options& lo, const per_data_type<int>& bits,
                                              bool input_is_image, layer_density& density, double& nonskipped,
                                              sparsity_source& source) {
    sparsity_factors f;
    density = layer_density{};
    nonskipped = 1.0;
    source = sparsity_source::none;
    if (!lo.counts && !lo.density) return f;
    const std::int64_t in_stream = s.input_fmap().size(), out_stream = s.output_fmap().size();
    const std::int64_t weights = s.weight_count();
    double ifmap_words = 0.0, ofmap_words = 0.0, weight_words = 0.0;  // expected code words per stream
    if (lo.counts) {
        const layer_sparse_counts& c = *lo.counts;
        validate_sparse_counts(s, c);
        source = sparsity_source::exact_counts;
        density.weights = fraction_of(c.nonzero_weights, c.weights);
        density.ifmaps = fraction_of(c.nonzero_ifmap_values, c.ifmap_values);
        density.ofmaps = fraction_of(c.nonzero_ofmap_values, c.ofmap_values);
        nonskipped = fraction_of(c.nonskipped_macs, c.dense_macs);
        // Exact code sizes when the counts have them; else the expectation at the exact density.
        ifmap_words = c.ifmap_rlc_words > 0 ? static_cast<double>(c.ifmap_rlc_words) / static_cast<double>(c.batch)
                                            : expected_run_length_code_words(in_stream, density.ifmaps);
        ofmap_words = c.ofmap_rlc_words > 0 ? static_cast<double>(c.ofmap_rlc_words) / static_cast<double>(c.batch)
                                            : expected_run_length_code_words(out_stream, density.ofmaps);
        weight_words = c.weight_rlc_words > 0 ? static_cast<double>(c.weight_rlc_words)
                                              : expected_run_length_code_words(weights, density.weights);
    } else {
        density = *lo.density;
        check_density("weights", density.weights);
        check_density("ifmaps", density.ifmaps);
        check_density("ofmaps", density.ofmaps);
        source = sparsity_source::densities;
        nonskipped = density.weights * density.ifmaps;
        ifmap_words = expected_run_length_code_words(in_stream, density.ifmaps);
        ofmap_words = expected_run_length_code_words(out_stream, density.ofmaps);
        weight_words = expected_run_length_code_words(weights, density.weights);
    }
    if (rules.skip_zero_macs) f.nonskipped = nonskipped;
    if (rules.compress_weights) {
        if (rules.weight_storage == weight_format::nonzero_values)
            f.weights = density.weights * static_cast<double>(bits[data_type::weights] + rules.weight_index_bits) /
                        static_cast<double>(bits[data_type::weights]);
        else
            f.weights = coded_ratio(weight_words, weights, bits[data_type::weights]);
    }
    if (rules.run_length_code_dram_fmaps) {
        if (!input_is_image) f.ifmap_dram = coded_ratio(ifmap_words, in_stream, bits[data_type::ifmaps]);
        f.ofmap_dram = coded_ratio(ofmap_words, out_stream, bits[data_type::psums]);
        if (rules.run_length_code_only_when_smaller) {
            f.ifmap_dram = std::min(f.ifmap_dram, 1.0);
            f.ofmap_dram = std::min(f.ofmap_dram, 1.0);
        }
    }
    if (rules.compress_onchip_fmaps) f.ifmap_onchip = density.ifmaps;
    return f;
}

inline effective_access_counts apply_sparsity(const access_counts& dense, const sparsity_factors& f,
                                              std::int64_t final_outputs) {
    effective_access_counts e = effective_access_counts::from(dense);
    const std::size_t levels = dense.storage_levels;
    for (std::size_t p = 0; p <= levels; ++p) {  // storage levels and the network
        e.at[p][data_type::weights].reads *= f.weights;
        e.at[p][data_type::ifmaps].reads *= p == 0 ? f.ifmap_dram : f.ifmap_onchip;
    }
    // The last write of each output to the outermost level is the (coded) output; earlier
    // writes and all reads there are partial sums.
    auto& out = e.at[0][data_type::psums];
    const double finals = std::min(out.writes, static_cast<double>(final_outputs));
    out.writes = (out.writes - finals) + finals * f.ofmap_dram;
    for (data_type d : all_data_types) {
        e.at[levels + 1][d].reads *= f.nonskipped;
        e.at[levels + 1][d].writes *= f.nonskipped;
    }
    e.macs *= f.nonskipped;
    return e;
}

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
