// SPDX-License-Identifier: MIT
#pragma once

#include <cstddef>
#include <cstdint>
#include <string>
#include <vector>

#include "eap/detail/checked_arithmetic.hpp"
#include "eap/energy/effective_access_counts.hpp"
#include "eap/energy/energy_breakdown.hpp"
#include "eap/energy/energy_options.hpp"
#include "eap/error.hpp"
#include "eap/hardware/hardware.hpp"
#include "eap/mapping/access_counts.hpp"
#include "eap/mapping/mapping_search.hpp"
#include "eap/shape/conv_shape.hpp"
#include "eap/sparse/layer_sparsity.hpp"

// What the energy model answers: the energy of a layer (with its mappings, dense and effective
// access counts) and of a network.

namespace eap {

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

}  // namespace eap
