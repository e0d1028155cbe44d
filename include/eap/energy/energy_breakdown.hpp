// SPDX-License-Identifier: MIT
#pragma once

#include <array>
#include <cstddef>

#include "eap/energy/effective_access_counts.hpp"
#include "eap/error.hpp"
#include "eap/hardware/data_type.hpp"
#include "eap/hardware/hardware.hpp"
#include "eap/mapping/row_stationary_mapping.hpp"

namespace eap {

/// Energy split into computation (MACs) and data movement per position (storage levels
/// outermost first, array network, scratchpads) and data type, in the hardware's unit.
struct energy_breakdown {
    cost_unit unit = cost_unit::normalized;
    std::size_t storage_levels = 0;
    double computation = 0.0;
    std::array<per_data_type<double>, max_storage_levels + 2> movement{};

    std::size_t positions() const { return storage_levels + 2; }

    /// Energy of moving data, all positions and types.
    double data_movement() const {
        double e = 0.0;
        for (std::size_t p = 0; p < positions(); ++p)
            for (data_type d : all_data_types) e += movement[p][d];
        return e;
    }
    double total() const { return computation + data_movement(); }
    /// All data types at one position.
    double at_position(std::size_t position) const {
        if (position >= positions())
            throw argument_error(detail::message("eap::energy_breakdown::at_position: position ", position,
                                                 " is out of range (", positions(), " positions)"));
        double e = 0.0;
        for (data_type d : all_data_types) e += movement[position][d];
        return e;
    }
    /// One data type over all positions.
    double of_type(data_type d) const {
        double e = 0.0;
        for (std::size_t p = 0; p < positions(); ++p) e += movement[p][d];
        return e;
    }

    energy_breakdown& operator+=(const energy_breakdown& o) {
        if (storage_levels != o.storage_levels || unit != o.unit)
            throw argument_error("eap::energy_breakdown::operator+=: breakdowns of different hardware cannot be added");
        computation += o.computation;
        for (std::size_t p = 0; p < positions(); ++p)
            for (data_type d : all_data_types) movement[p][d] += o.movement[p][d];
        return *this;
    }
    /// Every entry multiplied by `factor` (e.g. 1 / batch for energy per image).
    energy_breakdown scaled(double factor) const {
        energy_breakdown out = *this;
        out.computation *= factor;
        for (std::size_t p = 0; p < positions(); ++p)
            for (data_type d : all_data_types) out.movement[p][d] *= factor;
        return out;
    }
};

/// The energy of `counts` on `hw` with word widths `bits`: each access costs the position's read
/// or write cost times width / reference width; a MAC costs `mac_cost` times the product of the
/// weight and ifmap widths over the reference width squared (linear when one operand narrows,
/// quadratic when both do).
inline energy_breakdown energy_of(const effective_access_counts& counts, const hardware& hw,
                                  const per_data_type<int>& bits) {
    if (counts.storage_levels != hw.levels.size())
        throw argument_error(detail::message("eap::energy_of: the counts are for ", counts.storage_levels,
                                             " storage levels but the hardware '", hw.name, "' has ", hw.levels.size()));
    energy_breakdown e;
    e.unit = hw.unit;
    e.storage_levels = counts.storage_levels;
    const double ref = static_cast<double>(hw.reference_bits);
    for (data_type d : all_data_types) {
        const double scale = static_cast<double>(bits[d]) / ref;
        for (std::size_t k = 0; k < hw.levels.size(); ++k)
            e.movement[k][d] = scale * (counts.at[k][d].reads * hw.levels[k].read_cost +
                                        counts.at[k][d].writes * hw.levels[k].write_cost);
        const std::size_t net = hw.levels.size();
        e.movement[net][d] = scale * counts.at[net][d].total() * hw.array.network_cost;
        e.movement[net + 1][d] = scale * (counts.at[net + 1][d].reads * hw.array.scratchpad_read_cost +
                                          counts.at[net + 1][d].writes * hw.array.scratchpad_write_cost);
    }
    e.computation = counts.macs * hw.mac_cost * (static_cast<double>(bits[data_type::weights]) / ref) *
                    (static_cast<double>(bits[data_type::ifmaps]) / ref);
    return e;
}

}  // namespace eap
