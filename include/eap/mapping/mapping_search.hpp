// SPDX-License-Identifier: MIT
#pragma once

#include <cstddef>
#include <cstdint>
#include <limits>
#include <ostream>
#include <vector>

#include "eap/error.hpp"
#include "eap/hardware/hardware.hpp"
#include "eap/mapping/access_counts.hpp"
#include "eap/mapping/layer_part.hpp"
#include "eap/mapping/mapping_evaluation.hpp"
#include "eap/mapping/pe_set_folding.hpp"
#include "eap/mapping/replica_split.hpp"
#include "eap/mapping/row_stationary_mapping.hpp"
#include "eap/mapping/row_stationary_model.hpp"
#include "eap/mapping/row_stationary_options.hpp"
#include "eap/mapping/row_stationary_search.hpp"

namespace eap {

/// The least-energy row-stationary mapping of one layer part and what it costs.
struct mapping_search_result {
    layer_part part;
    pe_set_folding folding;
    replica_split split;
    row_stationary_mapping mapping;
    access_counts counts;          ///< dense access counts of the mapping
    double access_energy = 0.0;    ///< the search objective: data-movement energy of the dense part (no MACs)
    std::int64_t evaluations = 0;  ///< complete schemes evaluated by the search
    std::size_t candidates = 0;    ///< replica splits searched
};

inline std::ostream& operator<<(std::ostream& out, const mapping_search_result& r) {
    return out << r.part << ": " << r.mapping << " (" << r.folding << "; split " << r.split << "; access energy "
               << r.access_energy << ")";
}

namespace detail {

/// Every ordered factorisation of `n` into `slots` factors, in lexicographic order.
inline void factor_tuples(std::int64_t n, std::size_t slots, std::vector<std::vector<std::int64_t>>& out,
                          std::vector<std::int64_t>& prefix) {
    if (slots == 1) {
        prefix.push_back(n);
        out.push_back(prefix);
        prefix.pop_back();
        return;
    }
    for (std::int64_t d = 1; d <= n; ++d) {
        if (n % d != 0) continue;
        prefix.push_back(d);
        factor_tuples(n / d, slots - 1, out, prefix);
        prefix.pop_back();
    }
}

}  // namespace detail

/// Finds the row-stationary mapping of `part` on `hw` of least data-movement energy (dense part;
/// ties broken by fewer cycles, then by the first in nn_dataflow's enumeration order, see
/// `eap/mapping/row_stationary_search.hpp`). The search is exhaustive over replica splits, loop
/// blockings over every storage level and the scratchpads, and loop orders; it is pruned only
/// where no better mapping can be.
///
/// Throws `eap::hardware_error` when no mapping fits the hardware (e.g. a filter row longer than
/// the ifmap scratchpad), `eap::shape_error` for an invalid part.
inline mapping_search_result search_mapping(const hardware& hw, const layer_part& part,
                                            const row_stationary_options& options = {}) {
    detail::validate_rs_hardware("eap::search_mapping", hw);
    part.validate();
    const per_data_type<int> bits = options.bits_on(hw);
    detail::validate_word_bits("eap::search_mapping", bits);
    const bool real_input = options.padding == padding_traffic::real_input;

    mapping_search_result result;
    result.part = part;
    result.folding = fold_pe_set(part.kernel_height, part.out_height, hw.array.rows, hw.array.cols);
    const std::vector<replica_split> candidates = replica_split_candidates(part, result.folding);
    result.candidates = candidates.size();

    const double ifmap_fraction =
        real_input ? static_cast<double>(part.real_height()) * static_cast<double>(part.real_width()) /
                         (static_cast<double>(part.in_height()) * static_cast<double>(part.in_width()))
                   : 1.0;
    const detail::rs_cost_table costs = detail::make_rs_cost_table(hw, bits, ifmap_fraction);
    detail::rs_blocking_search engine(hw, bits, options.allow_bypass);

    double best_energy = std::numeric_limits<double>::infinity();
    std::int64_t best_cycles = std::numeric_limits<std::int64_t>::max();
    row_stationary_mapping best;
    std::size_t best_candidate = candidates.size();
    for (std::size_t i = 0; i < candidates.size(); ++i) {
        const detail::rs_part_totals totals = detail::make_rs_part_totals(part, result.folding, candidates[i], real_input);
        engine.set_candidate(totals, costs, candidates[i].channel_replicas);
        if (engine.minimize(best_energy, best_cycles, best)) best_candidate = i;
    }
    if (best_candidate == candidates.size())
        throw hardware_error(detail::message(
            "eap::search_mapping: no row-stationary mapping of ", part, " fits the hardware '", hw.name,
            "': even the smallest tiles (", part.kernel_width, " weights, ", part.kernel_width,
            " ifmap values and 1 psum per PE scratchpad; one processing pass in every on-chip level) do not fit"));

    // The first scheme of least energy in enumeration order: fix the factor tuples of I, then O,
    // then B, each to the first for which a least-energy scheme exists, then the orders.
    const replica_split& split = candidates[best_candidate];
    const detail::rs_part_totals totals = detail::make_rs_part_totals(part, result.folding, split, real_input);
    engine.set_candidate(totals, costs, split.channel_replicas);
    const std::size_t levels = hw.levels.size();
    detail::rs_blocking_search::factor_table fixed{};
    bool fixed_as_best = true;
    for (blocking_loop l : all_blocking_loops) {
        std::vector<std::vector<std::int64_t>> tuples;
        std::vector<std::int64_t> prefix;
        detail::factor_tuples(totals.loops[l], levels + 1, tuples, prefix);
        bool found = false;
        for (const auto& tuple : tuples) {
            bool is_best = true;
            for (std::size_t k = 0; k <= levels; ++k) {
                fixed[k][l] = tuple[k];
                is_best = is_best && best.factors[k][l] == tuple[k];
            }
            if ((fixed_as_best && is_best) || engine.exists(best_energy, fixed)) {
                fixed_as_best = fixed_as_best && is_best;
                found = true;
                break;
            }
        }
        if (!found)  // cannot happen: the best scheme's own tuple exists
            throw error("eap::search_mapping: internal error: no least-energy factor tuple for loop " +
                        std::string(1, letter(l)));
    }
    row_stationary_mapping chosen;
    if (!engine.first_orders(best_energy, fixed, chosen))
        throw error("eap::search_mapping: internal error: no loop order reaches the least energy");
    result.mapping = chosen;
    result.split = split;
    result.access_energy = best_energy;
    detail::fetch_table f{};
    detail::rs_fetches(chosen, f);
    result.counts = detail::rs_counts(totals, f, chosen.stored, levels);
    result.evaluations = engine.evaluations();
    return result;
}

}  // namespace eap
