// SPDX-License-Identifier: MIT
#pragma once

#include <cstddef>
#include <cstdint>
#include <string>

#include "eap/error.hpp"
#include "eap/hardware/hardware.hpp"
#include "eap/mapping/access_counts.hpp"
#include "eap/mapping/layer_part.hpp"
#include "eap/mapping/pe_set_folding.hpp"
#include "eap/mapping/replica_split.hpp"
#include "eap/mapping/row_stationary_mapping.hpp"
#include "eap/mapping/row_stationary_model.hpp"
#include "eap/mapping/row_stationary_options.hpp"

namespace eap {

namespace detail {

inline void validate_word_bits(const char* function, const per_data_type<int>& bits) {
    for (data_type d : all_data_types)
        if (bits[d] < 1 || bits[d] > 64)
            throw argument_error(message(function, ": word_bits.", to_string(d), " must be between 1 and 64 (got ",
                                         bits[d], ")"));
}

inline void validate_rs_hardware(const char* function, const hardware& hw) {
    hw.validate();
    if (hw.levels.size() > max_storage_levels)
        throw hardware_error(message(function, ": the row-stationary model handles at most ", max_storage_levels,
                                     " storage levels; the hardware '", hw.name, "' lists ", hw.levels.size()));
}

/// The reason `m` cannot map `part` on `hw`, or an empty string when it can.
inline std::string rs_mapping_problem(const hardware& hw, const layer_part& part, const row_stationary_mapping& m,
                                      const pe_set_folding& folding, const per_data_type<int>& bits) {
    const std::size_t levels = hw.levels.size();
    if (m.storage_levels != levels)
        return message("the mapping is for ", m.storage_levels, " storage levels but the hardware has ", levels);
    if (m.channel_replicas < 1 || folding.replicas_height % m.channel_replicas != 0)
        return message("channel_replicas (a) is ", m.channel_replicas, "; it must divide the ",
                       folding.replicas_height, " height replicas of the PE set");
    const replica_split split = make_replica_split(part, folding, m.channel_replicas);
    for (blocking_loop l : all_blocking_loops) {
        std::int64_t product = 1;
        for (std::size_t k = 0; k <= levels; ++k) {
            if (m.factors[k][l] < 1)
                return message("factor ", letter(l), " at level ", k, " is ", m.factors[k][l], "; factors must be at least 1");
            if (product > split.loop_counts[l]) break;
            product = checked_mul(product, m.factors[k][l], "mapping factor product");
        }
        if (product != split.loop_counts[l])
            return message("the factors of loop ", letter(l), " multiply to ", product, " but the loop has ",
                           split.loop_counts[l], " steps");
    }
    for (std::size_t k = 0; k < levels; ++k)
        if (!m.orders[k].is_permutation()) return message("the loop order of level ", k, " is not a permutation of I, O, B");
    for (data_type d : all_data_types)
        if (!m.stored[0][d])
            return message("the outermost level (", hw.levels[0].name, ") must keep ", to_string(d));
    // Capacities: level k holds the loops of levels k .. scratchpad.
    per_loop<std::int64_t> extent = m.factors[levels];
    const rs_part_totals t = make_rs_part_totals(part, folding, split, false);
    const per_data_type<std::int64_t> spad = rs_tile_words(t.scratchpad_unit, extent);
    if (!rs_fits(hw.array.scratchpad, spad, make_per_data_type(true, true, true), bits, hw.reference_bits))
        return message("the scratchpad tile (", spad[data_type::weights], " weights, ", spad[data_type::ifmaps],
                       " ifmaps, ", spad[data_type::psums], " psums per PE) does not fit the scratchpad");
    for (std::size_t k = levels; k-- > 0;) {
        for (blocking_loop l : all_blocking_loops) extent[l] = checked_mul(extent[l], m.factors[k][l], "tile extent");
        const per_data_type<std::int64_t> words = rs_tile_words(t.buffer_unit, extent);
        if (!rs_fits(hw.levels[k].capacity, words, m.stored[k], bits, hw.reference_bits))
            return message("the tile of level ", k, " (", hw.levels[k].name, ": ",
                           m.stored[k][data_type::weights] ? words[data_type::weights] : 0, " weights, ",
                           m.stored[k][data_type::ifmaps] ? words[data_type::ifmaps] : 0, " ifmaps, ",
                           m.stored[k][data_type::psums] ? words[data_type::psums] : 0, " psums) does not fit its capacity");
    }
    return {};
}

}  // namespace detail

/// Evaluates row-stationary mappings of one layer part on one hardware: checks them, counts
/// their accesses and gives the search objective. Construct it once and evaluate many mappings
/// (each evaluation allocates nothing unless the mapping is rejected).
class mapping_evaluator {
public:
    mapping_evaluator(const hardware& hw, const layer_part& part, const row_stationary_options& options = {})
        : hw_(hw), part_(part), options_(options) {
        detail::validate_rs_hardware("eap::mapping_evaluator", hw_);
        part_.validate();
        bits_ = options_.bits_on(hw_);
        detail::validate_word_bits("eap::mapping_evaluator", bits_);
        folding_ = fold_pe_set(part_.kernel_height, part_.out_height, hw_.array.rows, hw_.array.cols);
        const bool real_input = options_.padding == padding_traffic::real_input;
        const double fraction =
            real_input ? static_cast<double>(part_.real_height()) * static_cast<double>(part_.real_width()) /
                             (static_cast<double>(part_.in_height()) * static_cast<double>(part_.in_width()))
                       : 1.0;
        costs_ = detail::make_rs_cost_table(hw_, bits_, fraction);
    }

    const hardware& hw() const noexcept { return hw_; }
    const layer_part& part() const noexcept { return part_; }
    const pe_set_folding& folding() const noexcept { return folding_; }
    /// The replica split a mapping with `channel_replicas` uses.
    replica_split split(std::int64_t channel_replicas) const {
        return make_replica_split(part_, folding_, channel_replicas);
    }

    /// Why `mapping` cannot run this part on this hardware, or an empty string when it can.
    std::string problem(const row_stationary_mapping& mapping) const {
        return detail::rs_mapping_problem(hw_, part_, mapping, folding_, bits_);
    }
    bool fits(const row_stationary_mapping& mapping) const { return problem(mapping).empty(); }

    /// Access counts of `mapping`; throws `eap::argument_error` with the reason when it cannot run.
    access_counts counts(const row_stationary_mapping& mapping) const {
        detail::fetch_table f{};
        const detail::rs_part_totals totals = prepare("eap::mapping_evaluator::counts", mapping, f);
        return detail::rs_counts(totals, f, mapping.stored, hw_.levels.size());
    }

    /// The data-movement energy of `mapping` (dense part, no MACs): what the mapping search
    /// minimises. Throws like `counts`.
    double access_energy(const row_stationary_mapping& mapping) const {
        detail::fetch_table f{};
        const detail::rs_part_totals totals = prepare("eap::mapping_evaluator::access_energy", mapping, f);
        return detail::rs_access_energy(totals, costs_, f, mapping.stored, hw_.levels.size());
    }

private:
    detail::rs_part_totals prepare(const char* function, const row_stationary_mapping& mapping,
                                   detail::fetch_table& f) const {
        const std::string reason = problem(mapping);
        if (!reason.empty())
            throw argument_error(std::string(function) + ": the mapping '" + to_string(mapping) + "' cannot run " +
                                 detail::message(part_) + " on '" + hw_.name + "': " + reason);
        detail::rs_fetches(mapping, f);
        return detail::make_rs_part_totals(part_, folding_, make_replica_split(part_, folding_, mapping.channel_replicas),
                                           options_.padding == padding_traffic::real_input);
    }

    hardware hw_;
    layer_part part_;
    row_stationary_options options_;
    per_data_type<int> bits_{};
    pe_set_folding folding_{};
    detail::rs_cost_table costs_{};
};

/// Why `mapping` cannot run `part` on `hw`, or an empty string when it can.
inline std::string mapping_problem(const hardware& hw, const layer_part& part, const row_stationary_mapping& mapping,
                                   const row_stationary_options& options = {}) {
    return mapping_evaluator(hw, part, options).problem(mapping);
}

/// True when `mapping` is a valid row-stationary mapping of `part` on `hw` that fits every capacity.
inline bool mapping_fits(const hardware& hw, const layer_part& part, const row_stationary_mapping& mapping,
                         const row_stationary_options& options = {}) {
    return mapping_problem(hw, part, mapping, options).empty();
}

/// Reads and writes per storage level, array network and scratchpad and data type, MACs and
/// cycles of `part` mapped by `mapping` on `hw`. Throws `eap::argument_error` with the reason
/// when the mapping does not belong to the part and hardware or does not fit a capacity.
inline access_counts count_accesses(const hardware& hw, const layer_part& part, const row_stationary_mapping& mapping,
                                    const row_stationary_options& options = {}) {
    return mapping_evaluator(hw, part, options).counts(mapping);
}

}  // namespace eap
