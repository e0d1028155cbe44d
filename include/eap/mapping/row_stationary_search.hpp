// SPDX-License-Identifier: MIT
#pragma once

#include <algorithm>
#include <array>
#include <cmath>
#include <cstddef>
#include <cstdint>
#include <limits>
#include <utility>
#include <vector>

#include "eap/hardware/hardware.hpp"
#include "eap/mapping/blocking_loop.hpp"
#include "eap/mapping/loop_order.hpp"
#include "eap/mapping/row_stationary_mapping.hpp"
#include "eap/mapping/row_stationary_model.hpp"

// Exhaustive search of the loop blocking of one replica split, exact but pruned.
//
// The space: for each loop an ordered factorisation over the storage levels and the
// scratchpad, and a loop order per storage level. Two reductions keep every minimum:
//
// * Only the innermost loop with more than one iteration matters at a level (the fetch count of
//   a data type asks whether its reuse loop sits inside the innermost loop it depends on, and
//   with three loops the innermost non-trivial one decides it for all three types), so a level
//   has one canonical order per non-trivial loop.
// * A scheme where the innermost non-trivial loop P of the nearest outer level that has one is
//   also non-trivial at this level without being innermost here (or non-trivial in the
//   scratchpad) has the same energy and time as the scheme with P's factor moved up to that
//   outer level, which needs no more room anywhere; it is skipped (the canonical skip rule of
//   nn_dataflow, which decides which of the tied schemes is reported).
//
// The search goes level by level, outermost first (a level's fetch counts depend only on it and
// the levels outside), and prunes a subtree when a lower bound of its energy cannot beat the
// best scheme found: the transfers decided so far plus every remaining transfer at the current
// fetch counts (fetch counts only grow inwards). Children are visited best bound first.
//
// Ties: the reported scheme is the first of least energy (then least time) in nn_dataflow's
// enumeration order: split candidates in order; then the factor tuples of loop I in
// lexicographic order, then those of O, then B; then the orders of level 0, 1, ... each in
// lexicographic order of its position tuple. After the minimum is known, the first tuple of I
// for which a minimal scheme exists is found by restricted searches, then O, then B, then the
// orders.

namespace eap::detail {

/// Relative tolerance under which two energies count as equal (costs need not be integers).
inline constexpr double rs_energy_tolerance = 1e-12;

/// The loop-blocking search of one layer part over the candidates (replica splits).
class rs_blocking_search {
public:
    using factor_table = std::array<per_loop<std::int64_t>, max_storage_levels + 1>;

    rs_blocking_search(const hardware& hw, const per_data_type<int>& bits, const per_data_type<bool>& allow_bypass)
        : levels_(hw.levels.size()), bits_(bits), reference_bits_(hw.reference_bits), allow_bypass_(allow_bypass) {
        for (std::size_t k = 0; k < levels_; ++k) capacity_[k] = hw.levels[k].capacity;
        scratchpad_ = hw.array.scratchpad;
        any_bypass_ = allow_bypass[data_type::weights] || allow_bypass[data_type::ifmaps] ||
                      allow_bypass[data_type::psums];
        for (auto& c : children_) c.reserve(256);
    }

    /// Sets the candidate (replica split) to search.
    void set_candidate(const rs_part_totals& totals, const rs_cost_table& costs, std::int64_t channel_replicas) {
        totals_ = totals;
        costs_ = costs;
        channel_replicas_ = channel_replicas;
        for (blocking_loop l : all_blocking_loops) {
            auto& d = divisors_[index_of(l)];
            d.clear();
            const std::int64_t n = totals.loops[l];
            for (std::int64_t i = 1; i * i <= n; ++i)
                if (n % i == 0) {
                    d.push_back(i);
                    if (i != n / i) d.push_back(n / i);
                }
            std::sort(d.begin(), d.end());
            auto& sub = sub_divisors_[index_of(l)];
            sub.assign(d.size(), {});
            for (std::size_t i = 0; i < d.size(); ++i)
                for (std::int64_t x : d) {
                    if (x > d[i]) break;
                    if (d[i] % x == 0) sub[i].push_back(x);
                }
        }
        // Lower-bound coefficients: for a data type kept at every level, the transfers from
        // level k inwards cost at least slope[k][d] * f - offset[k][d] at fetch count f.
        for (data_type d : all_data_types) {
            for (std::size_t k = 0; k < levels_; ++k) {
                double slope = 0.0, offset = 0.0;
                for (std::size_t m = k; m < levels_; ++m) {
                    const double words = static_cast<double>(m + 1 == levels_ ? totals.inner[d] : totals.outer[d]);
                    if (d == data_type::psums) {
                        slope += words * (costs.write[m][d] + costs.read[m][d]);
                        offset += words * costs.read[m][d];
                    } else {
                        slope += words * costs.read[m][d];
                    }
                }
                const double net = static_cast<double>(totals.network[d]) * costs.network[d];
                if (d == data_type::psums) {
                    slope += 2.0 * net;
                    offset += net;
                } else {
                    slope += net;
                }
                all_slope_[k][d] = slope;
                all_offset_[k][d] = offset;
            }
        }
        constant_ = static_cast<double>(totals.macs) * costs.scratchpad_per_mac;
    }

    /// Complete schemes evaluated so far (all candidates, all searches of this object).
    std::int64_t evaluations() const { return evaluations_; }

    /// Looks for a scheme of the current candidate better than (`best_energy`, `best_cycles`)
    /// (less energy, or equal energy within the tolerance and fewer cycles). Updates the three
    /// outputs and returns true when it finds one; the scheme found is of least energy among
    /// the candidate's schemes, not necessarily the first in enumeration order.
    bool minimize(double& best_energy, std::int64_t& best_cycles, row_stationary_mapping& best) {
        mode_ = mode::minimize;
        best_energy_ = best_energy;
        best_cycles_ = best_cycles;
        improved_ = false;
        fixed_ = nullptr;
        run();
        if (improved_) {
            best_energy = best_energy_;
            best_cycles = best_cycles_;
            best = found_;
        }
        return improved_;
    }

    /// True when the current candidate has a scheme of energy `target` (within the tolerance)
    /// whose factors equal `fixed[k][l]` wherever that is not 0.
    bool exists(double target, const factor_table& fixed) {
        mode_ = mode::exists;
        target_ = target;
        fixed_ = &fixed;
        improved_ = false;
        run();
        fixed_ = nullptr;
        return improved_;
    }

    /// The first scheme in enumeration order with every factor as in `factors` and energy
    /// `target`; the orders (and bypass flags) are chosen here. Returns false if there is none.
    bool first_orders(double target, const factor_table& factors, row_stationary_mapping& out) {
        // Canonical orders of each level, sorted by position tuple.
        std::array<std::vector<loop_order>, max_storage_levels> options;
        std::array<per_loop<bool>, max_storage_levels + 1> nontrivial{};
        for (std::size_t k = 0; k <= levels_; ++k)
            for (blocking_loop l : all_blocking_loops) nontrivial[k][l] = factors[k][l] > 1;
        for (std::size_t k = 0; k < levels_; ++k) {
            for (blocking_loop l : all_blocking_loops)
                if (nontrivial[k][l]) options[k].push_back(canonical_loop_order(l, nontrivial[k]));
            if (options[k].empty()) options[k].push_back(loop_order{});
            std::sort(options[k].begin(), options[k].end(),
                      [](const loop_order& a, const loop_order& b) { return a.position_key() < b.position_key(); });
        }
        std::array<std::size_t, max_storage_levels> pick{};
        row_stationary_mapping m = row_stationary_mapping::trivial(levels_);
        m.channel_replicas = channel_replicas_;
        m.factors = factors;
        for (;;) {
            for (std::size_t k = 0; k < levels_; ++k) m.orders[k] = options[k][pick[k]];
            if (!skipped_by_canonical_rule(m, nontrivial) && complete_bypass_and_fit(m)) {
                fetch_table f{};
                rs_fetches(m, f);
                const double e = rs_access_energy(totals_, costs_, f, m.stored, levels_);
                if (std::fabs(e - target) <= rs_energy_tolerance * std::fabs(target)) {
                    out = m;
                    return true;
                }
            }
            // Next combination, the last level varying fastest.
            std::size_t k = levels_;
            while (k > 0) {
                --k;
                if (++pick[k] < options[k].size()) break;
                pick[k] = 0;
                if (k == 0) return false;
            }
        }
    }

    /// Storage flags by the bypass rule and the capacity check, for a mapping whose factors and
    /// orders are set: returns false when it does not fit.
    bool complete_bypass_and_fit(row_stationary_mapping& m) const {
        fetch_table f{};
        rs_fetches(m, f);
        for (data_type d : all_data_types) m.stored[0][d] = true;
        for (std::size_t k = 1; k < levels_; ++k)
            for (data_type d : all_data_types) m.stored[k][d] = !allow_bypass_[d] || f[k - 1][d] < f[k][d];
        per_loop<std::int64_t> extent = m.factors[levels_];
        if (!rs_fits(scratchpad_, rs_tile_words(totals_.scratchpad_unit, extent), make_per_data_type(true, true, true),
                     bits_, reference_bits_))
            return false;
        for (std::size_t k = levels_; k-- > 0;) {
            for (blocking_loop l : all_blocking_loops) extent[l] *= m.factors[k][l];
            if (!rs_fits(capacity_[k], rs_tile_words(totals_.buffer_unit, extent), m.stored[k], bits_, reference_bits_))
                return false;
        }
        return true;
    }

private:
    enum class mode { minimize, exists };

    struct child {
        per_loop<std::int64_t> t;
        per_data_type<std::int64_t> f;
        per_data_type<bool> stored;
        std::array<std::uint8_t, data_type_count> source;
        int innermost;  // -1: no non-trivial loop
        double charged;
        double bound;
    };

    /// A capacity check on tiles, in bit units: words of each counted type times its width
    /// against the capacity times the reference width. Overflow counts as not fitting.
    struct tile_limit {
        bool bounded = false;
        bool shared = false;
        per_data_type<std::int64_t> unit_bits{};  // 0 for a type that is not counted
        per_data_type<std::int64_t> limit{};
        std::int64_t shared_limit = 0;

        std::int64_t words(data_type d, std::int64_t a, std::int64_t b) const {
            std::int64_t r = 0;
            if (__builtin_mul_overflow(unit_bits[d], a, &r) || __builtin_mul_overflow(r, b, &r))
                return std::numeric_limits<std::int64_t>::max();
            return r;
        }
        bool fits(data_type d, std::int64_t bits) const {
            if (!bounded) return true;
            return bits <= (shared ? shared_limit : limit[d]);
        }
        bool fits_all(std::int64_t w, std::int64_t i, std::int64_t p) const {
            if (!bounded) return true;
            if (!shared) return w <= limit[data_type::weights] && i <= limit[data_type::ifmaps] && p <= limit[data_type::psums];
            std::int64_t sum = 0;
            if (__builtin_add_overflow(w, i, &sum) || __builtin_add_overflow(sum, p, &sum)) return false;
            return sum <= shared_limit;
        }
    };

    tile_limit make_tile_limit(const level_capacity& capacity, const per_data_type<std::int64_t>& unit,
                               const per_data_type<bool>& counted) const {
        tile_limit t;
        t.bounded = !capacity.is_unbounded();
        if (!t.bounded) return t;
        t.shared = capacity.type == level_capacity::kind::shared;
        const auto scaled = [this](std::int64_t words) {
            std::int64_t r = 0;
            return __builtin_mul_overflow(words, static_cast<std::int64_t>(reference_bits_), &r)
                       ? std::numeric_limits<std::int64_t>::max()
                       : r;
        };
        for (data_type d : all_data_types) {
            t.unit_bits[d] = counted[d] ? unit[d] * bits_[d] : 0;
            t.limit[d] = t.shared ? 0 : scaled(capacity.words[d]);
        }
        t.shared_limit = t.shared ? scaled(capacity.shared_words) : 0;
        return t;
    }

    /// The divisors of `n`, itself a divisor of the loop count of `loop`, ascending.
    const std::vector<std::int64_t>& divisors_of(std::size_t loop, std::int64_t n) const {
        const auto& all = divisors_[loop];
        const auto at = static_cast<std::size_t>(std::lower_bound(all.begin(), all.end(), n) - all.begin());
        return sub_divisors_[loop][at];
    }

    static bool skipped_by_canonical_rule(const row_stationary_mapping& m,
                                          const std::array<per_loop<bool>, max_storage_levels + 1>& nontrivial) {
        int p = -1;
        const std::size_t levels = m.storage_levels;
        for (std::size_t k = 0; k <= levels; ++k) {
            const per_loop<bool>& nt = nontrivial[k];
            const bool any = nt.values[0] || nt.values[1] || nt.values[2];
            if (k == levels) return p >= 0 && nt.values[static_cast<std::size_t>(p)];
            if (!any) continue;
            const int j = static_cast<int>(index_of(m.orders[k].inner_to_outer[0]));
            if (!nt.values[static_cast<std::size_t>(j)]) return true;  // not canonical
            if (p >= 0 && nt.values[static_cast<std::size_t>(p)] && p != j) return true;
            p = j;
        }
        return false;
    }

    bool promising(double bound) const {
        if (mode_ == mode::exists) return bound <= target_ * (1.0 + rs_energy_tolerance);
        if (bound < best_energy_ * (1.0 - rs_energy_tolerance)) return true;
        return totals_.cycles < best_cycles_ && bound <= best_energy_ * (1.0 + rs_energy_tolerance);
    }

    void run() {
        // A bounded outermost level must hold the whole part.
        if (!capacity_[0].is_unbounded()) {
            const auto words = rs_tile_words(totals_.buffer_unit, totals_.loops);
            if (!rs_fits(capacity_[0], words, make_per_data_type(true, true, true), bits_, reference_bits_)) return;
        }
        current_ = row_stationary_mapping::trivial(levels_);
        current_.channel_replicas = channel_replicas_;
        per_data_type<std::int64_t> f0 = make_per_data_type<std::int64_t>(1, 1, 1);
        std::array<std::uint8_t, data_type_count> source{};
        descend(0, totals_.loops, f0, source, -1, 0.0);
    }

    bool done() const { return mode_ == mode::exists && improved_; }

    bool fits_level(std::size_t level, const per_loop<std::int64_t>& extent, const per_data_type<bool>& stored) const {
        if (level == levels_)
            return rs_fits(scratchpad_, rs_tile_words(totals_.scratchpad_unit, extent), stored, bits_, reference_bits_);
        return rs_fits(capacity_[level], rs_tile_words(totals_.buffer_unit, extent), stored, bits_, reference_bits_);
    }

    void leaf() {
        ++evaluations_;
        const double e = rs_access_energy(totals_, costs_, fetches_, current_.stored, levels_);
        if (mode_ == mode::exists) {
            if (std::fabs(e - target_) <= rs_energy_tolerance * std::fabs(target_)) {
                improved_ = true;
                found_ = current_;
            }
            return;
        }
        const bool better = e < best_energy_ * (1.0 - rs_energy_tolerance) ||
                            (totals_.cycles < best_cycles_ && e <= best_energy_ * (1.0 + rs_energy_tolerance));
        if (better) {
            best_energy_ = e;
            best_cycles_ = totals_.cycles;
            found_ = current_;
            improved_ = true;
        }
    }

    void descend(std::size_t k, const per_loop<std::int64_t>& s, const per_data_type<std::int64_t>& f_prev,
                 const std::array<std::uint8_t, data_type_count>& source, int p, double charged) {
        const bool last = k + 1 == levels_;
        auto& kids = children_[k];
        kids.clear();
        const per_data_type<bool> all_stored = make_per_data_type(true, true, true);
        per_data_type<bool> must_store{};
        for (data_type d : all_data_types) must_store[d] = !allow_bypass_[d];
        // The tile left for the next level inwards (or the scratchpads) must fit, counting the
        // data types that cannot bypass it. Weights depend on (I, O) only, so they are checked
        // before the batch loop.
        const tile_limit limit = last ? make_tile_limit(scratchpad_, totals_.scratchpad_unit, all_stored)
                                      : make_tile_limit(capacity_[k + 1], totals_.buffer_unit,
                                                        any_bypass_ ? must_store : all_stored);
        const auto& divs_i = divisors_of(0, s.values[0]);
        const auto& divs_o = divisors_of(1, s.values[1]);
        const auto& divs_b = divisors_of(2, s.values[2]);
        per_loop<std::int64_t> t{};
        per_loop<std::int64_t> s2{};
        for (std::int64_t ti : divs_i) {
            if (!allowed(k, 0, ti)) continue;
            t.values[0] = ti;
            s2.values[0] = s.values[0] / ti;
            for (std::int64_t to : divs_o) {
                if (!allowed(k, 1, to)) continue;
                t.values[1] = to;
                s2.values[1] = s.values[1] / to;
                const std::int64_t weights = limit.words(data_type::weights, s2.values[0], s2.values[1]);
                if (!limit.fits(data_type::weights, weights)) continue;
                for (std::int64_t tb : divs_b) {
                    if (!allowed(k, 2, tb)) continue;
                    t.values[2] = tb;
                    s2.values[2] = s.values[2] / tb;
                    if (last && fixed_ != nullptr) {
                        bool ok = true;
                        for (std::size_t l = 0; l < blocking_loop_count; ++l)
                            if ((*fixed_)[levels_].values[l] != 0 && (*fixed_)[levels_].values[l] != s2.values[l]) ok = false;
                        if (!ok) continue;
                    }
                    const std::int64_t ifmaps = limit.words(data_type::ifmaps, s2.values[0], s2.values[2]);
                    const std::int64_t psums = limit.words(data_type::psums, s2.values[1], s2.values[2]);
                    if (!limit.fits_all(weights, ifmaps, psums)) continue;
                    expand(k, s, s2, t, f_prev, source, p, charged, last);
                    if (done()) return;
                }
            }
        }
        if (last) return;
        // Visit the children best bound first. Usually only the first few are visited before
        // the bound exceeds the best scheme found, so order them lazily with a heap of
        // (bound, index) pairs rather than sorting the children themselves.
        auto& order = order_[k];
        order.clear();
        for (std::size_t i = 0; i < kids.size(); ++i) order.emplace_back(kids[i].bound, static_cast<std::uint32_t>(i));
        const auto later = [](const std::pair<double, std::uint32_t>& a, const std::pair<double, std::uint32_t>& b) {
            return a.first > b.first || (a.first == b.first && a.second > b.second);
        };
        std::make_heap(order.begin(), order.end(), later);
        while (!order.empty()) {
            std::pop_heap(order.begin(), order.end(), later);
            const child& c = kids[order.back().second];
            order.pop_back();
            if (!promising(c.bound)) break;
            record(k, c);
            per_loop<std::int64_t> s2{};
            for (std::size_t l = 0; l < blocking_loop_count; ++l) s2.values[l] = s.values[l] / c.t.values[l];
            descend(k + 1, s2, c.f, c.source, c.innermost >= 0 ? c.innermost : p, c.charged);
            if (done()) return;
        }
    }

    bool allowed(std::size_t k, std::size_t loop, std::int64_t value) const {
        return fixed_ == nullptr || (*fixed_)[k].values[loop] == 0 || (*fixed_)[k].values[loop] == value;
    }

    void record(std::size_t k, const child& c) {
        current_.factors[k] = c.t;
        per_loop<bool> nt{};
        for (std::size_t l = 0; l < blocking_loop_count; ++l) nt.values[l] = c.t.values[l] > 1;
        current_.orders[k] = c.innermost >= 0 ? canonical_loop_order(static_cast<blocking_loop>(c.innermost), nt)
                                              : loop_order{};
        current_.stored[k] = c.stored;
        fetches_[k] = c.f;
    }

    void expand(std::size_t k, const per_loop<std::int64_t>& s, const per_loop<std::int64_t>& s2,
                const per_loop<std::int64_t>& t, const per_data_type<std::int64_t>& f_prev,
                const std::array<std::uint8_t, data_type_count>& source, int p, double charged, bool last) {
        per_loop<bool> nt{};
        bool any = false;
        for (std::size_t l = 0; l < blocking_loop_count; ++l) {
            nt.values[l] = t.values[l] > 1;
            any = any || nt.values[l];
        }
        // Products of the factors of levels < k, per loop.
        per_loop<std::int64_t> outer{};
        for (std::size_t l = 0; l < blocking_loop_count; ++l) outer.values[l] = totals_.loops.values[l] / s.values[l];
        for (int j = any ? 0 : -1; j < (any ? 3 : 0); ++j) {
            if (j >= 0 && !nt.values[static_cast<std::size_t>(j)]) continue;
            if (p >= 0 && nt.values[static_cast<std::size_t>(p)] && p != j) continue;  // canonical skip rule
            const int p_next = j >= 0 ? j : p;
            if (last && p_next >= 0 && s2.values[static_cast<std::size_t>(p_next)] > 1) continue;
            child c;
            c.t = t;
            c.innermost = j;
            for (data_type d : all_data_types) {
                const std::size_t u = index_of(reuse_loop(d));
                bool dependent = false;
                for (std::size_t l = 0; l < blocking_loop_count; ++l)
                    if (l != u && nt.values[l]) dependent = true;
                if (!dependent)
                    c.f[d] = k == 0 ? 1 : f_prev[d];
                else
                    c.f[d] = static_cast<std::size_t>(j) == u ? outer.values[u] : outer.values[u] * t.values[u];
                c.stored[d] = k == 0 || !allow_bypass_[d] || f_prev[d] < c.f[d];
            }
            if (any_bypass_ && k > 0 && !fits_level(k, s, c.stored)) continue;
            c.charged = charged;
            c.source = source;
            for (data_type d : all_data_types) {
                if (k > 0 && c.stored[d]) {
                    c.charged += rs_transfer_energy(costs_, c.source[index_of(d)], d,
                                                    static_cast<double>(totals_.outer[d]),
                                                    static_cast<double>(f_prev[d]));
                    c.source[index_of(d)] = static_cast<std::uint8_t>(k);
                }
            }
            if (last) {
                record(k, c);
                current_.factors[levels_] = s2;
                leaf();
                if (done()) return;
                continue;
            }
            double bound = c.charged + constant_;
            for (data_type d : all_data_types) {
                const double f = static_cast<double>(c.f[d]);
                if (!allow_bypass_[d]) {
                    bound += all_slope_[k][d] * f - all_offset_[k][d];
                } else {
                    bound += rs_transfer_energy(costs_, c.source[index_of(d)], d, static_cast<double>(totals_.outer[d]), f);
                    bound += rs_network_energy(costs_, d, static_cast<double>(totals_.network[d]), f);
                }
            }
            c.bound = bound;
            if (!promising(bound)) continue;
            children_[k].push_back(c);
        }
    }

    std::size_t levels_;
    per_data_type<int> bits_;
    int reference_bits_;
    per_data_type<bool> allow_bypass_;
    bool any_bypass_ = false;
    std::array<level_capacity, max_storage_levels> capacity_{};
    level_capacity scratchpad_{};

    rs_part_totals totals_{};
    rs_cost_table costs_{};
    std::int64_t channel_replicas_ = 1;
    std::array<std::vector<std::int64_t>, blocking_loop_count> divisors_;
    std::array<std::vector<std::vector<std::int64_t>>, blocking_loop_count> sub_divisors_;
    std::array<per_data_type<double>, max_storage_levels> all_slope_{};
    std::array<per_data_type<double>, max_storage_levels> all_offset_{};
    double constant_ = 0.0;

    std::array<std::vector<child>, max_storage_levels> children_;
    std::array<std::vector<std::pair<double, std::uint32_t>>, max_storage_levels> order_;
    row_stationary_mapping current_{};
    fetch_table fetches_{};
    row_stationary_mapping found_{};

    mode mode_ = mode::minimize;
    double best_energy_ = 0.0;
    std::int64_t best_cycles_ = 0;
    double target_ = 0.0;
    const factor_table* fixed_ = nullptr;
    bool improved_ = false;
    std::int64_t evaluations_ = 0;
};

}  // namespace eap::detail
