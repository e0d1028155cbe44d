// The pruned mapping search against plain enumeration of every scheme in nn_dataflow's order.
#include <cmath>
#include <cstdint>
#include <limits>
#include <random>
#include <string>

#include "catch.hpp"
#include "eap/hardware/presets.hpp"
#include "eap/mapping/mapping_evaluation.hpp"
#include "eap/mapping/mapping_search.hpp"
#include "rs_reference.hpp"

namespace {

using eap::blocking_loop;
using eap::data_type;

std::int64_t pick(std::mt19937_64& rng, std::int64_t lo, std::int64_t hi) {
    return std::uniform_int_distribution<std::int64_t>(lo, hi)(rng);
}

/// Energy of counts with the hardware's costs and the word widths (computed here from the counts).
double energy_of(const eap::access_counts& c, const eap::hardware& hw, const eap::per_data_type<int>& bits) {
    double e = 0.0;
    for (data_type d : eap::all_data_types) {
        const double scale = bits[d] / static_cast<double>(hw.reference_bits);
        for (std::size_t k = 0; k < hw.levels.size(); ++k)
            e += scale * (static_cast<double>(c.storage[k][d].reads) * hw.levels[k].read_cost +
                          static_cast<double>(c.storage[k][d].writes) * hw.levels[k].write_cost);
        e += scale * static_cast<double>(c.network[d].total()) * hw.array.network_cost;
        e += scale * (static_cast<double>(c.scratchpad[d].reads) * hw.array.scratchpad_read_cost +
                      static_cast<double>(c.scratchpad[d].writes) * hw.array.scratchpad_write_cost);
    }
    return e;
}

struct enumeration_result {
    bool found = false;
    double energy = std::numeric_limits<double>::infinity();
    std::int64_t cycles = std::numeric_limits<std::int64_t>::max();
    eap::row_stationary_mapping mapping;
    std::int64_t schemes = 0;
};

/// Every scheme in nn_dataflow's order: split candidates (running minimum of passes), factor
/// tuples of I, O, B in lexicographic order, orders of each level in position order; skipped
/// schemes left out; bypass by the rule; the first of least (energy, cycles) kept.
enumeration_result enumerate_all(const eap::hardware& hw, const eap::layer_part& part, const eap::row_stationary_options& options) {
    const std::size_t L = hw.levels.size();
    const auto bits = options.bits_on(hw);
    const auto f = rs_reference::fold(part.kernel_height, part.out_height, hw.array.rows, hw.array.cols);
    const auto orders = rs_reference::orders_in_position_order();
    const eap::mapping_evaluator evaluator(hw, part, options);
    enumeration_result best;
    std::int64_t smallest_passes = std::numeric_limits<std::int64_t>::max();
    for (std::int64_t a = 1; a <= f.rh; ++a) {
        if (f.rh % a != 0) continue;
        const auto u = rs_reference::units(part, hw, a);
        const std::int64_t passes = u.loops.values[0] * u.loops.values[1] * u.loops.values[2];
        if (passes > smallest_passes) continue;
        smallest_passes = passes;
        const std::int64_t cycles = passes * f.fh * part.kernel_width * part.out_width;
        std::array<std::vector<std::vector<std::int64_t>>, 3> tuples;
        for (std::size_t l = 0; l < 3; ++l) {
            std::vector<std::int64_t> prefix;
            rs_reference::tuples(u.loops.values[l], L + 1, prefix, tuples[l]);
        }
        eap::row_stationary_mapping m = eap::row_stationary_mapping::trivial(L);
        m.channel_replicas = a;
        for (const auto& ti : tuples[0])
            for (const auto& to : tuples[1])
                for (const auto& tb : tuples[2]) {
                    for (std::size_t k = 0; k <= L; ++k) m.factors[k] = eap::make_per_loop(ti[k], to[k], tb[k]);
                    std::size_t combos = 1;
                    for (std::size_t k = 0; k < L; ++k) combos *= 6;
                    for (std::size_t c = 0; c < combos; ++c) {
                        std::size_t rest = c;
                        for (std::size_t k = L; k-- > 0;) {
                            m.orders[k] = orders[rest % 6];
                            rest /= 6;
                        }
                        if (rs_reference::skipped(m)) continue;
                        const auto fc = rs_reference::fetch_counts(m);
                        for (std::size_t k = 1; k < L; ++k)
                            for (data_type d : eap::all_data_types)
                                m.stored[k][d] = !options.allow_bypass[d] || fc[k - 1][eap::index_of(d)] < fc[k][eap::index_of(d)];
                        if (!evaluator.fits(m)) continue;
                        ++best.schemes;
                        const double e = energy_of(evaluator.counts(m), hw, bits);
                        const double tol = 1e-12;
                        if (!best.found || e < best.energy * (1 - tol) || (cycles < best.cycles && e <= best.energy * (1 + tol))) {
                            best.found = true;
                            best.energy = e;
                            best.cycles = cycles;
                            best.mapping = m;
                        }
                    }
                }
    }
    return best;
}

eap::level_capacity capacity_between(std::mt19937_64& rng, std::int64_t lo, std::int64_t hi, bool per_type) {
    const std::int64_t v = pick(rng, lo, std::max(lo, hi));
    if (!per_type || v < 3) return eap::level_capacity::shared(v);
    // Per type, at most v words in all (a level is never larger than the one outside it).
    const std::int64_t w = pick(rng, 1, v - 2);
    const std::int64_t i = pick(rng, 1, v - w - 1);
    const std::int64_t p = pick(rng, 1, v - w - i);
    return eap::level_capacity::per_type(w, i, p);
}

struct search_case {
    eap::hardware hw;
    eap::layer_part part;
    eap::row_stationary_options options;
};

search_case random_case(std::mt19937_64& rng, bool larger = false) {
    search_case c;
    const std::size_t L =
        larger ? 2 : static_cast<std::size_t>(pick(rng, 1, 10) <= 2 ? 1 : pick(rng, 1, 3) <= 2 ? 2 : 3);
    eap::layer_part& p = c.part;
    const std::int64_t small = larger ? 48 : L == 3 ? 4 : 8;
    p.in_channels = pick(rng, 1, small);
    p.out_channels = pick(rng, 1, small);
    p.out_height = pick(rng, 1, larger ? 12 : 6);
    p.out_width = pick(rng, 1, 5);
    p.kernel_height = pick(rng, 1, 4);
    p.kernel_width = pick(rng, 1, 3);
    p.stride_height = p.stride_width = pick(rng, 1, 2);
    p.batch = pick(rng, 1, larger ? 8 : L == 3 ? 2 : 4);
    eap::hardware& hw = c.hw;
    hw.name = "random";
    hw.array.rows = pick(rng, 2, 8);
    hw.array.cols = pick(rng, 2, 8);
    hw.array.network_cost = static_cast<double>(pick(rng, 1, 4));
    hw.array.scratchpad_read_cost = 1;
    hw.array.scratchpad_write_cost = static_cast<double>(pick(rng, 1, 2));
    for (data_type d : eap::all_data_types) {
        const std::int64_t r = pick(rng, 0, 5);
        c.options.word_bits = c.options.word_bits.value_or(hw.word_bits);
        (*c.options.word_bits)[d] = r == 0 ? 8 : r == 1 ? 32 : 16;
        c.options.allow_bypass[d] = pick(rng, 0, 2) == 0;
    }
    // Capacities: from about one buffer unit to the whole part, so that they bind.
    const auto u = rs_reference::units(p, hw, 1);
    std::int64_t unit = 0, all = 0;
    for (data_type d : eap::all_data_types) {
        std::int64_t full = u.buffer_words[eap::index_of(d)];
        for (blocking_loop l : eap::all_blocking_loops)
            if (eap::depends_on(d, l)) full *= u.loops[l];
        unit += u.buffer_words[eap::index_of(d)];
        all += full;
    }
    std::int64_t outer = std::numeric_limits<std::int64_t>::max();
    const std::int64_t spad_unit = 2 * p.kernel_width + 1;
    for (std::size_t k = 0; k < L; ++k) {
        eap::storage_level s;
        s.name = "L" + std::to_string(k);
        s.read_cost = static_cast<double>(k == 0 ? 200 : pick(rng, 2, 12) / static_cast<std::int64_t>(k));
        s.write_cost = s.read_cost + static_cast<double>(pick(rng, 0, 3));
        if (k == 0) {
            s.capacity = eap::level_capacity::unbounded();
        } else {
            const std::int64_t hi = std::min(outer, all * 2);
            s.capacity = capacity_between(rng, std::min(hi, unit / 2 + spad_unit), hi, pick(rng, 0, 3) == 0);
            outer = s.capacity.total_words();
        }
        hw.levels.push_back(s);
    }
    const std::int64_t spad_hi = std::min<std::int64_t>(L > 1 ? outer : 1000, spad_unit * 12);
    hw.array.scratchpad = capacity_between(rng, std::min(spad_unit, spad_hi), spad_hi, pick(rng, 0, 2) == 0);
    if (hw.array.scratchpad.total_words() > (L > 1 ? outer : std::numeric_limits<std::int64_t>::max()))
        hw.array.scratchpad = eap::level_capacity::shared(outer);
    hw.validate();
    return c;
}

}  // namespace

TEST_CASE("the mapping search finds the first least-energy scheme of the full enumeration", "[mapping][search]") {
    std::mt19937_64 rng(123456);
    int compared = 0, none_fit = 0, multi_candidate = 0, three_levels = 0, bypassing = 0;
    for (int trial = 0; trial < 260; ++trial) {
        const search_case c = random_case(rng);
        INFO("trial " << trial << ": " << c.part << " on " << c.hw);
        const enumeration_result brute = enumerate_all(c.hw, c.part, c.options);
        if (!brute.found) {
            CHECK_THROWS_AS(eap::search_mapping(c.hw, c.part, c.options), eap::hardware_error);
            ++none_fit;
            continue;
        }
        const eap::mapping_search_result r = eap::search_mapping(c.hw, c.part, c.options);
        INFO("brute force: " << eap::to_string(brute.mapping) << " energy " << brute.energy << " of " << brute.schemes
                             << " schemes; search: " << eap::to_string(r.mapping) << " energy " << r.access_energy);
        CHECK(r.mapping == brute.mapping);
        CHECK(r.access_energy == Approx(brute.energy).epsilon(1e-12));
        CHECK(energy_of(r.counts, c.hw, c.options.bits_on(c.hw)) == Approx(brute.energy).epsilon(1e-12));
        CHECK(r.counts == eap::count_accesses(c.hw, c.part, r.mapping, c.options));
        ++compared;
        if (r.candidates > 1) ++multi_candidate;
        if (c.hw.levels.size() >= 3) ++three_levels;
        for (std::size_t k = 1; k < c.hw.levels.size(); ++k)
            for (data_type d : eap::all_data_types)
                if (!r.mapping.stored[k][d]) {
                    ++bypassing;
                    k = c.hw.levels.size();
                    break;
                }
    }
    CHECK(compared > 150);
    CHECK(none_fit > 3);
    CHECK(multi_candidate > 20);
    CHECK(three_levels > 30);
    CHECK(bypassing > 10);
}

TEST_CASE("the mapping search agrees with the full enumeration on larger layers", "[mapping][search]") {
    std::mt19937_64 rng(31337);
    int compared = 0;
    for (int trial = 0; trial < 24; ++trial) {
        const search_case c = random_case(rng, true);
        INFO("trial " << trial << ": " << c.part << " on " << c.hw);
        const enumeration_result brute = enumerate_all(c.hw, c.part, c.options);
        if (!brute.found) continue;
        const eap::mapping_search_result r = eap::search_mapping(c.hw, c.part, c.options);
        INFO("brute force: " << eap::to_string(brute.mapping) << " energy " << brute.energy << " of " << brute.schemes
                             << " schemes; search: " << eap::to_string(r.mapping) << " energy " << r.access_energy);
        CHECK(r.mapping == brute.mapping);
        CHECK(r.access_energy == Approx(brute.energy).epsilon(1e-12));
        ++compared;
    }
    CHECK(compared > 15);
}

TEST_CASE("the canonical skip rule never changes the least energy", "[mapping][search]") {
    // Least energy over every scheme (no skip rule) equals the least over canonical schemes.
    std::mt19937_64 rng(99);
    for (int trial = 0; trial < 60; ++trial) {
        const search_case c = random_case(rng);
        if (c.hw.levels.size() > 2) continue;
        const auto bits = c.options.bits_on(c.hw);
        const eap::mapping_evaluator evaluator(c.hw, c.part, c.options);
        const auto f = rs_reference::fold(c.part.kernel_height, c.part.out_height, c.hw.array.rows, c.hw.array.cols);
        const auto orders = rs_reference::orders_in_position_order();
        const std::size_t L = c.hw.levels.size();
        double least = std::numeric_limits<double>::infinity();
        std::int64_t smallest_passes = std::numeric_limits<std::int64_t>::max();
        for (std::int64_t a = 1; a <= f.rh; ++a) {
            if (f.rh % a != 0) continue;
            const auto u = rs_reference::units(c.part, c.hw, a);
            const std::int64_t passes = u.loops.values[0] * u.loops.values[1] * u.loops.values[2];
            if (passes > smallest_passes) continue;
            smallest_passes = passes;
            std::array<std::vector<std::vector<std::int64_t>>, 3> tuples;
            for (std::size_t l = 0; l < 3; ++l) {
                std::vector<std::int64_t> prefix;
                rs_reference::tuples(u.loops.values[l], L + 1, prefix, tuples[l]);
            }
            eap::row_stationary_mapping m = eap::row_stationary_mapping::trivial(L);
            m.channel_replicas = a;
            for (const auto& ti : tuples[0])
                for (const auto& to : tuples[1])
                    for (const auto& tb : tuples[2]) {
                        for (std::size_t k = 0; k <= L; ++k) m.factors[k] = eap::make_per_loop(ti[k], to[k], tb[k]);
                        for (std::size_t o0 = 0; o0 < 6; ++o0)
                            for (std::size_t o1 = 0; o1 < (L > 1 ? 6u : 1u); ++o1) {
                                m.orders[0] = orders[o0];
                                if (L > 1) m.orders[1] = orders[o1];
                                const auto fc = rs_reference::fetch_counts(m);
                                for (std::size_t k = 1; k < L; ++k)
                                    for (data_type d : eap::all_data_types)
                                        m.stored[k][d] = !c.options.allow_bypass[d] ||
                                                         fc[k - 1][eap::index_of(d)] < fc[k][eap::index_of(d)];
                                if (!evaluator.fits(m)) continue;
                                least = std::min(least, energy_of(evaluator.counts(m), c.hw, bits));
                            }
                    }
        }
        if (!std::isfinite(least)) continue;
        INFO("trial " << trial << ": " << c.part);
        // The search's answer is only over canonical schemes; the least energy must be the same
        // (the tie-break on cycles may pick another split of equal energy).
        CHECK(eap::search_mapping(c.hw, c.part, c.options).access_energy == Approx(least).epsilon(1e-12));
    }
}
