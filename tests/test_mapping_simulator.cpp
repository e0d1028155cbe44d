// The analytical access counts of eap's row-stationary model against a loop-nest simulator that
// walks every iteration of a mapping and counts every fill and eviction at every level.
#include <cstdint>
#include <random>
#include <string>

#include "catch.hpp"
#include "eap/mapping/mapping_evaluation.hpp"
#include "rs_reference.hpp"

namespace {

using eap::blocking_loop;
using eap::data_type;

std::int64_t pick(std::mt19937_64& rng, std::int64_t lo, std::int64_t hi) {
    return std::uniform_int_distribution<std::int64_t>(lo, hi)(rng);
}

eap::layer_part random_part(std::mt19937_64& rng) {
    eap::layer_part p;
    p.in_channels = pick(rng, 1, 6);
    p.out_channels = pick(rng, 1, 6);
    p.out_height = pick(rng, 1, 7);
    p.out_width = pick(rng, 1, 4);
    p.kernel_height = pick(rng, 1, 5);
    p.kernel_width = pick(rng, 1, 3);
    p.stride_height = pick(rng, 1, 3);
    p.stride_width = p.stride_height;
    p.batch = pick(rng, 1, 3);
    return p;
}

eap::level_capacity random_capacity(std::mt19937_64& rng, std::int64_t scale) {
    if (pick(rng, 0, 1) == 0) return eap::level_capacity::shared(scale * 3);
    return eap::level_capacity::per_type(scale, scale, scale);
}

/// A hardware of `levels` storage levels (DRAM first) with room for any small mapping.
eap::hardware roomy_hardware(std::mt19937_64& rng, std::size_t levels) {
    eap::hardware hw;
    hw.name = "random";
    std::int64_t scale = 1'000'000'000;
    for (std::size_t k = 0; k < levels; ++k) {
        eap::storage_level s;
        s.name = "L" + std::to_string(k);
        s.capacity = k == 0 ? eap::level_capacity::unbounded() : random_capacity(rng, scale);
        s.read_cost = static_cast<double>(pick(rng, 1, 9));
        s.write_cost = static_cast<double>(pick(rng, 1, 9));
        hw.levels.push_back(s);
        scale /= 10;
    }
    hw.array.rows = pick(rng, 1, 6);
    hw.array.cols = pick(rng, 1, 6);
    hw.array.scratchpad = random_capacity(rng, 1000);
    hw.array.scratchpad_read_cost = 1;
    hw.array.scratchpad_write_cost = 1;
    hw.array.network_cost = 2;
    hw.validate();
    return hw;
}

/// A random mapping: any split, any factorisation, any orders, any storage flags.
eap::row_stationary_mapping random_mapping(std::mt19937_64& rng, const eap::hardware& hw, const eap::layer_part& p) {
    const std::size_t levels = hw.levels.size();
    const auto f = rs_reference::fold(p.kernel_height, p.out_height, hw.array.rows, hw.array.cols);
    std::vector<std::int64_t> divisors;
    for (std::int64_t a = 1; a <= f.rh; ++a)
        if (f.rh % a == 0) divisors.push_back(a);
    eap::row_stationary_mapping m = eap::row_stationary_mapping::trivial(levels);
    m.channel_replicas = divisors[static_cast<std::size_t>(pick(rng, 0, static_cast<std::int64_t>(divisors.size()) - 1))];
    const auto u = rs_reference::units(p, hw, m.channel_replicas);
    for (blocking_loop l : eap::all_blocking_loops) {
        std::int64_t rest = u.loops[l];
        for (std::size_t k = 0; k < levels; ++k) {
            std::vector<std::int64_t> ds;
            for (std::int64_t d = 1; d <= rest; ++d)
                if (rest % d == 0) ds.push_back(d);
            const std::int64_t t = ds[static_cast<std::size_t>(pick(rng, 0, static_cast<std::int64_t>(ds.size()) - 1))];
            m.factors[k][l] = t;
            rest /= t;
        }
        m.factors[levels][l] = rest;
    }
    const auto orders = rs_reference::orders_in_position_order();
    for (std::size_t k = 0; k < levels; ++k) {
        m.orders[k] = orders[static_cast<std::size_t>(pick(rng, 0, 5))];
        if (k > 0)
            for (data_type d : eap::all_data_types) m.stored[k][d] = pick(rng, 0, 3) != 0;
    }
    return m;
}

void check_equal(const rs_reference::simulated_access& sim, const eap::access_count& analytic, const std::string& where) {
    INFO(where);
    REQUIRE(sim.reads.is_integer());
    REQUIRE(sim.writes.is_integer());
    CHECK(analytic.reads == sim.reads.as_integer());
    CHECK(analytic.writes == sim.writes.as_integer());
}

}  // namespace

TEST_CASE("analytic access counts equal the loop-nest simulation on random layers, mappings and hierarchies",
          "[mapping][simulator]") {
    std::mt19937_64 rng(20240611);
    int checked = 0, with_bypass = 0, three_or_more = 0, height_folded = 0, width_folded = 0;
    for (int trial = 0; trial < 600; ++trial) {
        const std::size_t levels = static_cast<std::size_t>(pick(rng, 1, 4));
        const eap::hardware hw = roomy_hardware(rng, levels);
        const eap::layer_part part = random_part(rng);
        const eap::row_stationary_mapping m = random_mapping(rng, hw, part);
        INFO("trial " << trial << ": " << part << " mapping " << eap::to_string(m) << " array " << hw.array.rows
                      << "x" << hw.array.cols);
        const eap::access_counts analytic = eap::count_accesses(hw, part, m);
        const rs_reference::simulation sim = rs_reference::simulate(part, hw, m);
        for (std::size_t k = 0; k < levels; ++k)
            for (data_type d : eap::all_data_types)
                check_equal(sim.at[k][eap::index_of(d)], analytic.storage[k][d],
                            "level " + std::to_string(k) + " " + eap::to_string(d));
        for (data_type d : eap::all_data_types) {
            check_equal(sim.at[levels][eap::index_of(d)], analytic.network[d], std::string("network ") + eap::to_string(d));
            check_equal(sim.at[levels + 1][eap::index_of(d)], analytic.scratchpad[d],
                        std::string("scratchpad ") + eap::to_string(d));
        }
        CHECK(analytic.macs == part.mac_count());
        CHECK(sim.passes == analytic.cycles / (rs_reference::fold(part.kernel_height, part.out_height, hw.array.rows,
                                                                  hw.array.cols).fh *
                                               part.kernel_width * part.out_width));
        ++checked;
        for (std::size_t k = 1; k < levels; ++k)
            for (data_type d : eap::all_data_types)
                if (!m.stored[k][d]) {
                    ++with_bypass;
                    k = levels;
                    break;
                }
        if (levels >= 3) ++three_or_more;
        const auto f = rs_reference::fold(part.kernel_height, part.out_height, hw.array.rows, hw.array.cols);
        if (f.fh > 1) ++height_folded;
        if (f.fw > 1) ++width_folded;
    }
    // The random cases cover what they should.
    CHECK(checked == 600);
    CHECK(with_bypass > 100);
    CHECK(three_or_more > 100);
    CHECK(height_folded > 50);
    CHECK(width_folded > 50);
}

TEST_CASE("a mapping fits exactly when the simulated tiles fit every capacity", "[mapping][simulator]") {
    std::mt19937_64 rng(77);
    int fitting = 0, not_fitting = 0;
    for (int trial = 0; trial < 400; ++trial) {
        const std::size_t levels = static_cast<std::size_t>(pick(rng, 2, 4));
        eap::hardware hw = roomy_hardware(rng, levels);
        const eap::layer_part part = random_part(rng);
        const eap::row_stationary_mapping m = random_mapping(rng, hw, part);
        const rs_reference::simulation sim = rs_reference::simulate(part, hw, m);
        // Capacities near what the simulated tiles needed, shared or per type, and random widths.
        eap::per_data_type<int> bits = eap::make_per_data_type(16, 16, 16);
        for (data_type d : eap::all_data_types) bits[d] = pick(rng, 0, 1) ? 16 : 8;
        auto need = [&](std::size_t level, data_type d) {
            const std::int64_t words = sim.peak_words[level][eap::index_of(d)];
            return (words * bits[d] + 15) / 16;  // reference words, rounded up
        };
        auto near = [&](std::int64_t v) { return std::max<std::int64_t>(1, v + pick(rng, -1, 4)); };
        std::int64_t outer_total = std::numeric_limits<std::int64_t>::max();
        for (std::size_t k = 1; k < levels; ++k) {
            std::int64_t w = 0, i = 0, p = 0;
            if (m.stored[k][data_type::weights]) w = need(k, data_type::weights);
            if (m.stored[k][data_type::ifmaps]) i = need(k, data_type::ifmaps);
            if (m.stored[k][data_type::psums]) p = need(k, data_type::psums);
            hw.levels[k].capacity = pick(rng, 0, 1) ? eap::level_capacity::shared(near(w + i + p))
                                                    : eap::level_capacity::per_type(near(w), near(i), near(p));
        }
        hw.array.scratchpad = pick(rng, 0, 1)
                                  ? eap::level_capacity::shared(near(need(levels, data_type::weights) +
                                                                     need(levels, data_type::ifmaps) +
                                                                     need(levels, data_type::psums)))
                                  : eap::level_capacity::per_type(near(need(levels, data_type::weights)),
                                                                  near(need(levels, data_type::ifmaps)),
                                                                  near(need(levels, data_type::psums)));
        // Keep the hierarchy valid: no level larger than the one outside it.
        for (std::size_t k = 1; k < levels; ++k) {
            if (hw.levels[k].capacity.total_words() > outer_total)
                hw.levels[k].capacity = eap::level_capacity::shared(outer_total);
            outer_total = hw.levels[k].capacity.total_words();
        }
        if (hw.array.scratchpad.total_words() > outer_total) continue;
        // What the simulator says: every stored data type's peak fits.
        auto fits = [&](const eap::level_capacity& c, std::size_t level, const eap::per_data_type<bool>& stored) {
            std::int64_t sum = 0;
            for (data_type d : eap::all_data_types) {
                if (!stored[d]) continue;
                const std::int64_t bitsum = sim.peak_words[level][eap::index_of(d)] * bits[d];
                if (c.type == eap::level_capacity::kind::per_data_type && bitsum > c.words[d] * 16) return false;
                sum += bitsum;
            }
            return c.type != eap::level_capacity::kind::shared || sum <= c.shared_words * 16;
        };
        bool expected = fits(hw.array.scratchpad, levels, eap::make_per_data_type(true, true, true));
        for (std::size_t k = 1; k < levels; ++k) expected = expected && fits(hw.levels[k].capacity, k, m.stored[k]);
        eap::row_stationary_options options;
        options.word_bits = bits;
        INFO("trial " << trial << ": " << part << " mapping " << eap::to_string(m));
        CHECK(eap::mapping_fits(hw, part, m, options) == expected);
        (expected ? fitting : not_fitting)++;
        if (!expected) CHECK_THROWS_AS(eap::count_accesses(hw, part, m, options), eap::argument_error);
    }
    CHECK(fitting > 50);
    CHECK(not_fitting > 50);
}
