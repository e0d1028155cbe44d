// SPDX-License-Identifier: MIT
#pragma once

#include <array>
#include <cstddef>
#include <cstdint>

#include "eap/detail/checked_arithmetic.hpp"
#include "eap/error.hpp"
#include "eap/hardware/data_type.hpp"
#include "eap/hardware/hardware.hpp"
#include "eap/mapping/access_counts.hpp"
#include "eap/mapping/blocking_loop.hpp"
#include "eap/mapping/layer_part.hpp"
#include "eap/mapping/pe_set_folding.hpp"
#include "eap/mapping/replica_split.hpp"
#include "eap/mapping/row_stationary_mapping.hpp"

// The analytical row-stationary model shared by mapping evaluation and mapping search.
//
// One processing pass handles one step of each blocking loop: `in_replicas` input channels x
// `out_replicas` output channels x one image (or width strip) on all replicas of the folded PE
// set. Over the whole part, the words a data type moves once between two storage levels
// ("touch-once" totals) are, with e = E / fw the (real-valued) output rows per strip and
// h = R + (e - 1) U the input rows it needs:
//
//   weights  R S C M                               (outer and inner)
//   ifmaps   W_in (R fw + (E - fw) U) C N          (= h W_in C N fw; inner: x fh)
//   psums    E F M N                               (inner: x fh)
//
// where "inner" is the level that feeds the PE array (ifmaps and psums are re-read once per
// height fold). The array network moves fh P S C M weights, fh P W_in o_r C N fw ifmaps and
// fh P F i_r M N fw psums (P = PEs of the folded set), and the scratchpads see every MAC.
// A transfer is repeated by the fetch count of the data type at that level (see `rs_fetches`).
// These closed forms are the per-pass model of nn_dataflow summed over all passes; they are
// integers even where the per-pass values are not.

namespace eap::detail {

using fetch_table = std::array<per_data_type<std::int64_t>, max_storage_levels>;
using stored_table = std::array<per_data_type<bool>, max_storage_levels>;

/// Per (part, folding, replica split): touch-once totals, buffer units and time.
struct rs_part_totals {
    per_loop<std::int64_t> loops{};
    per_data_type<std::int64_t> outer{};            ///< words per fetch between storage levels
    per_data_type<std::int64_t> inner{};            ///< words per fetch from the level feeding the array
    per_data_type<std::int64_t> network{};          ///< words per fetch over the array network
    per_data_type<std::int64_t> buffer_unit{};      ///< words a storage level holds per loop step (per block)
    per_data_type<std::int64_t> scratchpad_unit{};  ///< words a scratchpad holds per loop step
    std::int64_t macs = 0;
    std::int64_t cycles_per_pass = 0;
    std::int64_t cycles = 0;
    std::int64_t pes = 0;
    /// Fraction of the ifmap words at storage levels that move (real input only: < 1 for a padded part).
    std::int64_t ifmap_moved_num = 1;
    std::int64_t ifmap_moved_den = 1;
};

inline rs_part_totals make_rs_part_totals(const layer_part& p, const pe_set_folding& f, const replica_split& s,
                                          bool real_input_only) {
    rs_part_totals t;
    const char* what = "row-stationary model totals";
    const std::int64_t R = p.kernel_height, S = p.kernel_width, C = p.in_channels, M = p.out_channels;
    const std::int64_t E = p.out_height, F = p.out_width, N = p.batch;
    const std::int64_t U = p.stride_height, W_in = p.in_width();
    const std::int64_t fh = f.fold_height, fw = f.fold_width, P = f.set_pes();
    t.loops = s.loop_counts;
    // h * fw = R fw + (E - fw) U, an integer although h is not.
    const std::int64_t rows_times_folds = checked_add(checked_mul(R, fw, what), checked_mul(E - fw, U, what), what);
    t.outer[data_type::weights] = checked_product(what, R, S, C, M);
    t.outer[data_type::ifmaps] = checked_product(what, W_in, rows_times_folds, C, N);
    t.outer[data_type::psums] = checked_product(what, E, F, M, N);
    t.inner[data_type::weights] = t.outer[data_type::weights];
    t.inner[data_type::ifmaps] = checked_mul(fh, t.outer[data_type::ifmaps], what);
    t.inner[data_type::psums] = checked_mul(fh, t.outer[data_type::psums], what);
    t.network[data_type::weights] = checked_product(what, fh, P, S, C, M);
    t.network[data_type::ifmaps] = checked_product(what, fh, P, W_in, s.out_replicas, C, N, fw);
    t.network[data_type::psums] = checked_product(what, fh, P, F, s.in_replicas, M, N, fw);
    // Buffer units use whole rows: ceil(E / fw) output rows and the input rows they need.
    const std::int64_t e_bar = ceil_div(E, fw);
    const std::int64_t h_bar = checked_add(R, checked_mul(e_bar - 1, U, what), what);
    t.buffer_unit[data_type::weights] = checked_product(what, R, S, s.in_replicas, s.out_replicas);
    t.buffer_unit[data_type::ifmaps] = checked_product(what, h_bar, W_in, s.in_replicas);
    t.buffer_unit[data_type::psums] = checked_product(what, e_bar, F, s.out_replicas);
    t.scratchpad_unit[data_type::weights] = S;
    t.scratchpad_unit[data_type::ifmaps] = S;
    t.scratchpad_unit[data_type::psums] = 1;
    t.macs = p.mac_count();
    t.cycles_per_pass = checked_product(what, fh, S, F);
    t.cycles = checked_mul(t.cycles_per_pass, s.passes(), what);
    t.pes = checked_mul(f.array_rows, f.array_cols, what);
    if (real_input_only) {
        t.ifmap_moved_num = checked_mul(p.real_height(), p.real_width(), what);
        t.ifmap_moved_den = checked_mul(p.in_height(), p.in_width(), what);
    }
    return t;
}

/// Fetch counts: f[k][d] is how many times each word of d that level k sends inwards is sent,
/// for every storage level k. The psum cost of f visits is f writes and f - 1 reads.
///
/// Think of the loops of levels 0..k as one nest (level 0 outermost). The tile of d held below
/// level k changes whenever an index of a loop d depends on changes, so it is fetched once per
/// iteration of every loop down to the innermost such loop with more than one iteration:
/// all dependent steps (the touch-once total) times the steps of d's reuse loop that sit
/// outside that innermost dependent loop.
inline void rs_fetches(const row_stationary_mapping& m, fetch_table& f) {
    per_loop<std::int64_t> outer_product = make_per_loop<std::int64_t>(1, 1, 1);  // product of factors at levels < k
    for (std::size_t k = 0; k < m.storage_levels; ++k) {
        const per_loop<std::int64_t>& t = m.factors[k];
        const loop_order& order = m.orders[k];
        for (data_type d : all_data_types) {
            const blocking_loop u = reuse_loop(d);
            std::size_t innermost_dependent = blocking_loop_count;
            for (blocking_loop l : all_blocking_loops)
                if (l != u && t[l] > 1 && order.position(l) < innermost_dependent)
                    innermost_dependent = order.position(l);
            if (innermost_dependent == blocking_loop_count) {
                f[k][d] = k == 0 ? 1 : f[k - 1][d];
            } else {
                f[k][d] = order.position(u) > innermost_dependent
                              ? checked_mul(outer_product[u], t[u], "row-stationary fetch count")
                              : outer_product[u];
            }
        }
        for (blocking_loop l : all_blocking_loops)
            outer_product[l] = checked_mul(outer_product[l], t[l], "row-stationary fetch count");
    }
}

/// Words of each data type a storage tile with `extent` loop steps needs.
inline per_data_type<std::int64_t> rs_tile_words(const per_data_type<std::int64_t>& unit,
                                                 const per_loop<std::int64_t>& extent) {
    per_data_type<std::int64_t> w{};
    for (data_type d : all_data_types) {
        std::int64_t v = unit[d];
        for (blocking_loop l : all_blocking_loops)
            if (depends_on(d, l)) v = checked_mul(v, extent[l], "row-stationary tile size");
        w[d] = v;
    }
    return w;
}

/// True when the stored data types fit `capacity`; sizes in words of each type's width,
/// capacities in reference-width words.
inline bool rs_fits(const level_capacity& capacity, const per_data_type<std::int64_t>& words,
                    const per_data_type<bool>& stored, const per_data_type<int>& bits, int reference_bits) {
    __extension__ typedef __int128 wide;
    switch (capacity.type) {
    case level_capacity::kind::unbounded: return true;
    case level_capacity::kind::shared: {
        wide need = 0;
        for (data_type d : all_data_types)
            if (stored[d]) need += static_cast<wide>(words[d]) * bits[d];
        return need <= static_cast<wide>(capacity.shared_words) * reference_bits;
    }
    case level_capacity::kind::per_data_type:
        for (data_type d : all_data_types)
            if (stored[d] && static_cast<wide>(words[d]) * bits[d] > static_cast<wide>(capacity.words[d]) * reference_bits)
                return false;
        return true;
    }
    return false;
}

/// Cost of one word of each data type at each place, scaled by the data type's width.
struct rs_cost_table {
    std::size_t storage_levels = 0;
    std::array<per_data_type<double>, max_storage_levels> read{};
    std::array<per_data_type<double>, max_storage_levels> write{};
    per_data_type<double> network{};
    per_data_type<double> scratchpad_read{};
    per_data_type<double> scratchpad_write{};
    double scratchpad_per_mac = 0.0;  ///< the scratchpad cost of one MAC (all types)
};

/// `ifmap_storage_fraction` scales the ifmap costs at storage levels (real-input traffic).
inline rs_cost_table make_rs_cost_table(const hardware& hw, const per_data_type<int>& bits,
                                        double ifmap_storage_fraction = 1.0) {
    rs_cost_table c;
    c.storage_levels = hw.levels.size();
    for (data_type d : all_data_types) {
        const double scale = static_cast<double>(bits[d]) / static_cast<double>(hw.reference_bits);
        for (std::size_t k = 0; k < hw.levels.size(); ++k) {
            const double fraction = d == data_type::ifmaps ? ifmap_storage_fraction : 1.0;
            c.read[k][d] = hw.levels[k].read_cost * scale * fraction;
            c.write[k][d] = hw.levels[k].write_cost * scale * fraction;
        }
        c.network[d] = hw.array.network_cost * scale;
        c.scratchpad_read[d] = hw.array.scratchpad_read_cost * scale;
        c.scratchpad_write[d] = hw.array.scratchpad_write_cost * scale;
    }
    c.scratchpad_per_mac = c.scratchpad_read[data_type::weights] + c.scratchpad_read[data_type::ifmaps] +
                           c.scratchpad_read[data_type::psums] + c.scratchpad_write[data_type::psums];
    return c;
}

/// Energy of sending `words` words of `d` `fetches` times from storage level `level`.
inline double rs_transfer_energy(const rs_cost_table& c, std::size_t level, data_type d, double words,
                                 double fetches) {
    if (d == data_type::psums) return words * (fetches * c.write[level][d] + (fetches - 1.0) * c.read[level][d]);
    return words * fetches * c.read[level][d];
}

inline double rs_network_energy(const rs_cost_table& c, data_type d, double words, double fetches) {
    return d == data_type::psums ? words * (2.0 * fetches - 1.0) * c.network[d] : words * fetches * c.network[d];
}

/// Access energy (no MACs) of a part under fetch counts `f` and storage flags `stored`.
inline double rs_access_energy(const rs_part_totals& t, const rs_cost_table& c, const fetch_table& f,
                               const stored_table& stored, std::size_t levels) {
    double e = 0.0;
    for (data_type d : all_data_types) {
        std::size_t source = 0;
        for (std::size_t m = 1; m < levels; ++m) {
            if (!stored[m][d]) continue;
            e += rs_transfer_energy(c, source, d, static_cast<double>(t.outer[d]), static_cast<double>(f[m - 1][d]));
            source = m;
        }
        const double last = static_cast<double>(f[levels - 1][d]);
        e += rs_transfer_energy(c, source, d, static_cast<double>(t.inner[d]), last);
        e += rs_network_energy(c, d, static_cast<double>(t.network[d]), last);
    }
    return e + static_cast<double>(t.macs) * c.scratchpad_per_mac;
}

inline std::int64_t rs_scaled_words(std::int64_t words, std::int64_t fetches, std::int64_t num, std::int64_t den) {
    const std::int64_t n = checked_mul(words, fetches, "row-stationary access count");
    if (num == den) return n;
    __extension__ typedef __int128 wide;
    // Round to nearest: the real-input fraction of a padded window.
    return static_cast<std::int64_t>((static_cast<wide>(n) * num + den / 2) / den);
}

/// Access counts of a part under fetch counts `f` and storage flags `stored`.
inline access_counts rs_counts(const rs_part_totals& t, const fetch_table& f, const stored_table& stored,
                               std::size_t levels) {
    access_counts a;
    a.storage_levels = levels;
    auto add = [&](access_count& where, data_type d, std::int64_t words, std::int64_t fetches, bool storage) {
        const bool scale = storage && d == data_type::ifmaps;
        const std::int64_t num = scale ? t.ifmap_moved_num : 1, den = scale ? t.ifmap_moved_den : 1;
        if (d == data_type::psums) {
            where.writes = checked_add(where.writes, rs_scaled_words(words, fetches, num, den), "access count");
            where.reads = checked_add(where.reads, rs_scaled_words(words, fetches - 1, num, den), "access count");
        } else {
            where.reads = checked_add(where.reads, rs_scaled_words(words, fetches, num, den), "access count");
        }
    };
    for (data_type d : all_data_types) {
        std::size_t source = 0;
        for (std::size_t m = 1; m < levels; ++m) {
            if (!stored[m][d]) continue;
            add(a.storage[source][d], d, t.outer[d], f[m - 1][d], true);
            source = m;
        }
        add(a.storage[source][d], d, t.inner[d], f[levels - 1][d], true);
        add(a.network[d], d, t.network[d], f[levels - 1][d], false);
        a.scratchpad[d].reads = t.macs;
    }
    a.scratchpad[data_type::psums].writes = t.macs;
    a.macs = t.macs;
    a.cycles = t.cycles;
    a.pes = t.pes;
    return a;
}

}  // namespace eap::detail
