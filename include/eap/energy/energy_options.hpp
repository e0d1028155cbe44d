// SPDX-License-Identifier: MIT
#pragma once

#include <cstdint>
#include <map>
#include <optional>
#include <string>

#include "eap/energy/sparsity_rules.hpp"
#include "eap/hardware/data_type.hpp"
#include "eap/mapping/row_stationary_options.hpp"
#include "eap/sparse/layer_sparsity.hpp"

// What the energy model is told: options for every layer, per layer, and for a network.

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

/// Options of a network estimate: the common options and per-layer options by layer name.
struct network_energy_options {
    energy_options common;
    std::map<std::string, layer_energy_options> layers;
};

}  // namespace eap
