// SPDX-License-Identifier: MIT
// Reference implementations for the row-stationary tests, written from the model's
// specification and independent of eap's closed forms:
//
// * the per-pass ("unit") values of the model as exact rationals;
// * a loop-nest simulator that walks every iteration of a mapping, keeps the tile each level
//   holds for each data type, and counts every fill and eviction at every level;
// * fetch counts and an exhaustive enumeration of mappings in nn_dataflow's order.
#pragma once

#include <algorithm>
#include <array>
#include <cstdint>
#include <map>
#include <numeric>
#include <random>
#include <set>
#include <stdexcept>
#include <vector>

#include "eap/hardware/hardware.hpp"
#include "eap/mapping/blocking_loop.hpp"
#include "eap/mapping/layer_part.hpp"
#include "eap/mapping/row_stationary_mapping.hpp"

namespace rs_reference {

using eap::blocking_loop;
using eap::data_type;

// --- exact rationals -------------------------------------------------------------------------
struct rational {
    __int128 num = 0;
    __int128 den = 1;
    rational() = default;
    rational(std::int64_t n) : num(n), den(1) {}  // NOLINT
    rational(__int128 n, __int128 d) : num(n), den(d) { normalise(); }
    static __int128 gcd(__int128 a, __int128 b) {
        if (a < 0) a = -a;
        if (b < 0) b = -b;
        while (b != 0) {
            const __int128 t = a % b;
            a = b;
            b = t;
        }
        return a == 0 ? 1 : a;
    }
    void normalise() {
        if (den < 0) {
            num = -num;
            den = -den;
        }
        const __int128 g = gcd(num, den);
        num /= g;
        den /= g;
    }
    friend rational operator+(rational a, rational b) { return rational(a.num * b.den + b.num * a.den, a.den * b.den); }
    friend rational operator-(rational a, rational b) { return rational(a.num * b.den - b.num * a.den, a.den * b.den); }
    friend rational operator*(rational a, rational b) { return rational(a.num * b.num, a.den * b.den); }
    friend rational operator/(rational a, rational b) { return rational(a.num * b.den, a.den * b.num); }
    rational& operator+=(rational b) { return *this = *this + b; }
    bool is_integer() const { return den == 1; }
    std::int64_t as_integer() const {
        if (den != 1) throw std::runtime_error("rational is not an integer");
        return static_cast<std::int64_t>(num);
    }
};

// --- the PE set and the per-pass values (rs-model sections 3 to 5) ----------------------------
struct folding {
    std::int64_t fh, fw, rh, rw, ph, pw;
};

inline folding fold(std::int64_t R, std::int64_t E, std::int64_t rows, std::int64_t cols) {
    folding f{};
    if (R > rows) { f.fh = (R + rows - 1) / rows; f.rh = 1; } else { f.fh = 1; f.rh = rows / R; }
    if (E > cols) { f.fw = (E + cols - 1) / cols; f.rw = 1; } else { f.fw = 1; f.rw = cols / E; }
    const std::int64_t k = std::min(f.rh, f.fw);
    f.fw = (f.fw + k - 1) / k;
    f.rh = f.rh / k;
    f.ph = (R + f.fh - 1) / f.fh;
    f.pw = (E + f.fw - 1) / f.fw;
    return f;
}

struct unit_values {
    eap::per_loop<std::int64_t> loops;
    std::int64_t in_replicas, out_replicas;
    // per pass (one step of every loop), per data type
    std::array<rational, 3> to_storage;   // moved into an on-chip storage level
    std::array<rational, 3> to_array;     // moved from the level that feeds the array
    std::array<rational, 3> network;      // over the array network
    rational macs;                        // MACs of one pass
    std::array<std::int64_t, 3> buffer_words;      // words a storage level holds per step
    std::array<std::int64_t, 3> scratchpad_words;  // words a scratchpad holds per step
};

inline std::size_t di(data_type d) { return eap::index_of(d); }

inline unit_values units(const eap::layer_part& p, const eap::hardware& hw, std::int64_t a) {
    const folding f = fold(p.kernel_height, p.out_height, hw.array.rows, hw.array.cols);
    if (f.rh % a != 0) throw std::runtime_error("a does not divide rh");
    const std::int64_t b = f.rh / a;
    unit_values u{};
    u.in_replicas = std::min(a, p.in_channels);
    u.out_replicas = std::min(b * f.rw, p.out_channels);
    const std::int64_t L_I = (p.in_channels + u.in_replicas - 1) / u.in_replicas;
    const std::int64_t L_O = (p.out_channels + u.out_replicas - 1) / u.out_replicas;
    const std::int64_t L_B = p.batch * f.fw;
    u.loops = eap::make_per_loop(L_I, L_O, L_B);
    const std::int64_t R = p.kernel_height, S = p.kernel_width, Ew = p.out_width, U = p.stride_height;
    const std::int64_t Hw = p.in_width();
    const rational e = rational(p.out_height, f.fw);
    const rational h = rational(R) + (e - rational(1)) * rational(U);
    const rational ops = e * rational(Ew * R * S);
    const std::int64_t P = f.ph * f.pw;
    const rational kappa_i(p.in_channels, u.in_replicas * L_I);
    const rational kappa_o(p.out_channels, u.out_replicas * L_O);
    const std::int64_t rho = u.in_replicas * u.out_replicas;
    const std::array<rational, 3> kappa{kappa_i * kappa_o, kappa_i, kappa_o};
    const std::array<std::int64_t, 3> n{rho, u.in_replicas, u.out_replicas};
    // DRAM unit (R S, h W, e F) and global-buffer unit (x fh for ifmaps and psums).
    const std::array<rational, 3> dram{rational(R * S), h * rational(Hw), e * rational(Ew)};
    const std::array<rational, 3> glb{rational(R * S), rational(f.fh) * h * rational(Hw), rational(f.fh) * e * rational(Ew)};
    const std::array<rational, 3> itcn{rational(f.fh * P * S), rational(f.fh * P * Hw), rational(f.fh * P * Ew)};
    for (std::size_t d = 0; d < 3; ++d) {
        u.to_storage[d] = dram[d] * rational(n[d]) * kappa[d];
        u.to_array[d] = glb[d] * rational(n[d]) * kappa[d];
        u.network[d] = itcn[d] * rational(rho) * kappa[d];
    }
    u.macs = ops * rational(rho) * kappa_i * kappa_o;
    const std::int64_t e_bar = (p.out_height + f.fw - 1) / f.fw;
    const std::int64_t h_bar = R + (e_bar - 1) * U;
    u.buffer_words = {R * S * rho, h_bar * Hw * u.in_replicas, e_bar * Ew * u.out_replicas};
    u.scratchpad_words = {S, S, 1};
    return u;
}

// --- loop-nest simulator ---------------------------------------------------------------------
struct simulated_access {
    rational reads, writes;
};

struct simulation {
    // [position][type]: positions 0..L-1 storage levels, L network, L+1 scratchpad
    std::vector<std::array<simulated_access, 3>> at;
    std::vector<std::array<std::int64_t, 3>> peak_words;  // per storage level, then scratchpad (index L)
    std::int64_t passes = 0;
};

/// Walks every iteration of `m` (arbitrary orders and storage flags) and counts every transfer.
inline simulation simulate(const eap::layer_part& p, const eap::hardware& hw, const eap::row_stationary_mapping& m) {
    const std::size_t L = hw.levels.size();
    const unit_values u = units(p, hw, m.channel_replicas);
    simulation sim;
    sim.at.assign(L + 2, {});
    sim.peak_words.assign(L + 1, {0, 0, 0});
    // The nest from outermost to innermost: (level, loop) pairs; levels 0..L-1 in their order,
    // then the scratchpad loops (any order).
    struct slot { std::size_t level; std::size_t loop; std::int64_t extent; };
    std::vector<slot> nest;
    for (std::size_t k = 0; k <= L; ++k) {
        std::array<blocking_loop, 3> outer_to_inner{};
        if (k < L) {
            for (std::size_t i = 0; i < 3; ++i) outer_to_inner[i] = m.orders[k].inner_to_outer[2 - i];
        } else {
            outer_to_inner = {blocking_loop::in_channels, blocking_loop::out_channels, blocking_loop::batch};
        }
        for (blocking_loop l : outer_to_inner) nest.push_back({k, eap::index_of(l), m.factors[k][l]});
    }
    // stride of each (level, loop) in the global loop index: inner levels are finer
    std::array<std::vector<std::int64_t>, 3> stride;
    for (std::size_t l = 0; l < 3; ++l) {
        stride[l].assign(L + 1, 1);
        std::int64_t s = 1;
        for (std::size_t k = L + 1; k-- > 0;) {
            stride[l][k] = s;
            s *= m.factors[k].values[l];
        }
    }
    auto depends = [](std::size_t d, std::size_t l) { return eap::depends_on(static_cast<data_type>(d), static_cast<blocking_loop>(l)); };
    // keeps_at(m, d): does level m (1..L-1) store d; the array (m == L) always does
    auto keeps = [&](std::size_t level, std::size_t d) { return level == L || level == 0 || m.stored[level].values[d]; };
    auto source_of = [&](std::size_t level, std::size_t d) {
        std::size_t s = level;
        while (s-- > 0)
            if (keeps(s, d)) return s;
        return std::size_t{0};
    };
    // blocks in a tile of level `level` (1..L): product over dependent loops of the factors of levels >= level
    auto tile_blocks = [&](std::size_t level, std::size_t d) {
        std::int64_t b = 1;
        for (std::size_t l = 0; l < 3; ++l)
            if (depends(d, l))
                for (std::size_t k = level; k <= L; ++k) b *= m.factors[k].values[l];
        return b;
    };
    // words per block of a transfer into `level`
    auto words = [&](std::size_t level, std::size_t d) { return level == L ? u.to_array[d] : u.to_storage[d]; };
    // resident tile key per (level 1..L, type): the indices of dependent loops at levels < level
    std::vector<std::array<std::vector<std::int64_t>, 3>> resident(L + 1);
    std::vector<std::array<bool, 3>> valid(L + 1, {false, false, false});
    std::set<std::pair<std::int64_t, std::int64_t>> computed;  // psum blocks (o, b) touched by a pass
    std::vector<std::int64_t> index(nest.size(), 0);
    auto global = [&](std::size_t l, std::size_t from_level) {  // global index of loop l from levels >= from_level .. or all
        std::int64_t g = 0;
        for (std::size_t i = 0; i < nest.size(); ++i)
            if (nest[i].loop == l && nest[i].level >= from_level) g += index[i] * stride[l][nest[i].level];
        return g;
    };
    auto base = [&](std::size_t l, std::size_t below_level) {  // global index contribution of levels < below_level
        std::int64_t g = 0;
        for (std::size_t i = 0; i < nest.size(); ++i)
            if (nest[i].loop == l && nest[i].level < below_level) g += index[i] * stride[l][nest[i].level];
        return g;
    };
    auto writeback = [&](std::size_t level, std::size_t d) {
        const std::size_t src = source_of(level, d);
        const rational w = words(level, d) * rational(tile_blocks(level, d));
        sim.at[src][d].writes += w;
        if (level == L) sim.at[L][d].writes += u.network[d] * rational(tile_blocks(level, d));
    };
    for (;;) {
        // one pass at the current index
        for (std::size_t level = 1; level <= L; ++level) {
            for (std::size_t d = 0; d < 3; ++d) {
                if (!keeps(level, d)) continue;
                std::vector<std::int64_t> key;
                for (std::size_t l = 0; l < 3; ++l)
                    if (depends(d, l)) key.push_back(base(l, level));
                if (valid[level][d] && resident[level][d] == key) continue;
                // evict
                if (valid[level][d] && d == di(data_type::psums)) writeback(level, d);
                // fill: blocks of the new tile
                const std::size_t src = source_of(level, d);
                const std::int64_t blocks = tile_blocks(level, d);
                std::int64_t previously_computed = blocks;
                if (d == di(data_type::psums)) {
                    // enumerate the tile's blocks: o and b indices of levels >= level
                    previously_computed = 0;
                    const std::int64_t o0 = key[0], b0 = key[1];
                    std::int64_t o_span = 1, b_span = 1;
                    for (std::size_t k = level; k <= L; ++k) {
                        o_span *= m.factors[k][blocking_loop::out_channels];
                        b_span *= m.factors[k][blocking_loop::batch];
                    }
                    for (std::int64_t o = 0; o < o_span; ++o)
                        for (std::int64_t b = 0; b < b_span; ++b)
                            if (computed.count({o0 + o, b0 + b})) ++previously_computed;
                }
                sim.at[src][d].reads += words(level, d) * rational(previously_computed);
                if (level == L) sim.at[L][d].reads += u.network[d] * rational(previously_computed);
                resident[level][d] = key;
                valid[level][d] = true;
                sim.peak_words[level < L ? level : L][d] =
                    std::max(sim.peak_words[level < L ? level : L][d],
                             blocks * (level == L ? u.scratchpad_words[d] : u.buffer_words[d]));
            }
        }
        // level 0 holds everything
        for (std::size_t d = 0; d < 3; ++d) {
            std::int64_t all = 1;
            for (std::size_t l = 0; l < 3; ++l)
                if (depends(d, l)) all *= u.loops.values[l];
            sim.peak_words[0][d] = all * u.buffer_words[d];
        }
        // the pass itself
        ++sim.passes;
        computed.insert({global(1, 0), global(2, 0)});
        for (std::size_t d = 0; d < 3; ++d) sim.at[L + 1][d].reads += u.macs;
        sim.at[L + 1][di(data_type::psums)].writes += u.macs;
        // next index (innermost fastest)
        std::size_t i = nest.size();
        bool more = false;
        while (i-- > 0) {
            if (++index[i] < nest[i].extent) {
                more = true;
                break;
            }
            index[i] = 0;
        }
        if (!more) break;
    }
    // final write-back of every resident psum tile
    for (std::size_t level = L; level >= 1; --level)
        if (keeps(level, di(data_type::psums)) && valid[level][di(data_type::psums)]) writeback(level, di(data_type::psums));
    return sim;
}

// --- fetch counts (the nest formula) ---------------------------------------------------------
inline std::vector<std::array<std::int64_t, 3>> fetch_counts(const eap::row_stationary_mapping& m) {
    const std::size_t L = m.storage_levels;
    std::vector<std::array<std::int64_t, 3>> f(L);
    std::array<std::int64_t, 3> outer{1, 1, 1};
    for (std::size_t k = 0; k < L; ++k) {
        for (data_type d : eap::all_data_types) {
            const blocking_loop u = eap::reuse_loop(d);
            int j = -1;
            for (blocking_loop l : eap::all_blocking_loops)
                if (l != u && m.factors[k][l] > 1 &&
                    (j < 0 || m.orders[k].position(l) < m.orders[k].position(static_cast<blocking_loop>(j))))
                    j = static_cast<int>(eap::index_of(l));
            if (j < 0) {
                f[k][di(d)] = k == 0 ? 1 : f[k - 1][di(d)];
            } else {
                const bool outside = m.orders[k].position(u) > m.orders[k].position(static_cast<blocking_loop>(j));
                f[k][di(d)] = outer[eap::index_of(u)] * (outside ? m.factors[k][u] : 1);
            }
        }
        for (std::size_t l = 0; l < 3; ++l) outer[l] *= m.factors[k].values[l];
    }
    return f;
}

/// Every ordered factorisation of n into `slots` factors, lexicographic.
inline void tuples(std::int64_t n, std::size_t slots, std::vector<std::int64_t>& prefix,
                   std::vector<std::vector<std::int64_t>>& out) {
    if (slots == 1) {
        prefix.push_back(n);
        out.push_back(prefix);
        prefix.pop_back();
        return;
    }
    for (std::int64_t d = 1; d <= n; ++d)
        if (n % d == 0) {
            prefix.push_back(d);
            tuples(n / d, slots - 1, prefix, out);
            prefix.pop_back();
        }
}

/// The six loop orders in lexicographic order of their position tuples (pos I, pos O, pos B).
inline std::vector<eap::loop_order> orders_in_position_order() {
    std::vector<eap::loop_order> out;
    std::array<int, 3> pos{0, 1, 2};
    do {
        eap::loop_order o;
        for (std::size_t l = 0; l < 3; ++l) o.inner_to_outer[static_cast<std::size_t>(pos[l])] = static_cast<blocking_loop>(l);
        out.push_back(o);
    } while (std::next_permutation(pos.begin(), pos.end()));
    return out;
}

/// nn_dataflow's skip rule for non-canonical schemes (rs-model section 7).
inline bool skipped(const eap::row_stationary_mapping& m) {
    int p = -1;
    const std::size_t L = m.storage_levels;
    for (std::size_t k = 0; k <= L; ++k) {
        std::vector<int> nt;
        for (std::size_t l = 0; l < 3; ++l)
            if (m.factors[k].values[l] > 1) nt.push_back(static_cast<int>(l));
        int j = -1;
        if (k < L && !nt.empty()) {
            j = nt[0];
            for (int l : nt)
                if (m.orders[k].position(static_cast<blocking_loop>(l)) < m.orders[k].position(static_cast<blocking_loop>(j))) j = l;
        }
        if (p >= 0 && std::find(nt.begin(), nt.end(), p) != nt.end() && p != j) return true;
        if (k < L) {
            // canonical: j first, then the other non-trivial loops ascending, then trivial ascending
            std::vector<int> expected;
            if (j >= 0) expected.push_back(j);
            for (int l : nt)
                if (l != j) expected.push_back(l);
            for (int l = 0; l < 3; ++l)
                if (std::find(nt.begin(), nt.end(), l) == nt.end()) expected.push_back(l);
            for (std::size_t i = 0; i < 3; ++i)
                if (static_cast<int>(eap::index_of(m.orders[k].inner_to_outer[i])) != expected[i]) return true;
            if (j >= 0) p = j;
        }
    }
    return false;
}

}  // namespace rs_reference
