// SPDX-License-Identifier: MIT
#pragma once

#include <array>
#include <cctype>
#include <cstddef>
#include <cstdint>
#include <ostream>
#include <sstream>
#include <string>
#include <vector>

#include "eap/detail/checked_arithmetic.hpp"
#include "eap/error.hpp"
#include "eap/hardware/data_type.hpp"
#include "eap/mapping/blocking_loop.hpp"
#include "eap/mapping/loop_order.hpp"

namespace eap {

/// The most storage levels (DRAM, buffers) a hardware description may list for the
/// row-stationary model; keeps a mapping a fixed-size value.
inline constexpr std::size_t max_storage_levels = 6;

/// A row-stationary mapping of one layer part on a hardware with `storage_levels` shared
/// storage levels (outermost, DRAM, first) above a PE array with per-PE scratchpads:
///
/// * `channel_replicas`: how the PE-set replicas are split between input and output channels
///   (see `replica_split`);
/// * `factors[k][l]` for k = 0 .. storage_levels: the blocking of loop l. Level k < storage_levels
///   holds the loops that run *above* storage level k + 1 (with k + 1 == storage_levels meaning
///   the scratchpads): `factors[0]` iterates over the tiles DRAM sends on chip;
///   `factors[storage_levels]` runs inside the scratchpads. The product over k of `factors[k][l]`
///   must equal the loop count of l;
/// * `orders[k]`: the nesting of the loops of `factors[k]` (k < storage_levels);
/// * `stored[k][d]`: whether level k keeps data type d (false: d bypasses level k and flows
///   between the next outer and the next inner level that keep it). Level 0 keeps everything.
///
/// A mapping is a plain value: copy it, compare it, print it (`to_string`) and read it back
/// (`parse_row_stationary_mapping`), and evaluate it with `eap::count_accesses`.
struct row_stationary_mapping {
    std::int64_t channel_replicas = 1;
    std::size_t storage_levels = 0;
    std::array<per_loop<std::int64_t>, max_storage_levels + 1> factors{};
    std::array<loop_order, max_storage_levels> orders{};
    std::array<per_data_type<bool>, max_storage_levels> stored{};

    /// A mapping for `levels` storage levels with every factor 1, orders I, O, B (innermost
    /// first) and every level keeping every data type.
    static row_stationary_mapping trivial(std::size_t levels) {
        if (levels < 1 || levels > max_storage_levels)
            throw argument_error(detail::message("eap::row_stationary_mapping::trivial: levels must be between 1 and ",
                                                 max_storage_levels, " (got ", levels, ")"));
        row_stationary_mapping m;
        m.storage_levels = levels;
        for (auto& f : m.factors) f = make_per_loop<std::int64_t>(1, 1, 1);
        for (auto& s : m.stored) s = make_per_data_type(true, true, true);
        return m;
    }

    /// The product of the factors of loop `l` over all levels.
    std::int64_t total(blocking_loop l) const {
        std::int64_t p = 1;
        for (std::size_t k = 0; k <= storage_levels && k <= max_storage_levels; ++k)
            p = detail::checked_mul(p, factors[k][l], "row_stationary_mapping::total");
        return p;
    }

    /// The scratchpad (innermost) factors.
    const per_loop<std::int64_t>& scratchpad_factors() const { return factors[storage_levels]; }

    friend bool operator==(const row_stationary_mapping& a, const row_stationary_mapping& b) {
        if (a.channel_replicas != b.channel_replicas || a.storage_levels != b.storage_levels) return false;
        for (std::size_t k = 0; k <= a.storage_levels && k <= max_storage_levels; ++k)
            if (a.factors[k] != b.factors[k]) return false;
        for (std::size_t k = 0; k < a.storage_levels && k < max_storage_levels; ++k)
            if (a.orders[k] != b.orders[k] || a.stored[k] != b.stored[k]) return false;
        return true;
    }
    friend bool operator!=(const row_stationary_mapping& a, const row_stationary_mapping& b) { return !(a == b); }
};

namespace detail {

inline std::string stored_letters(const per_data_type<bool>& s) {
    std::string out;
    if (s[data_type::weights]) out += 'W';
    if (s[data_type::ifmaps]) out += 'I';
    if (s[data_type::psums]) out += 'P';
    return out.empty() ? std::string("-") : out;
}

}  // namespace detail

/// The mapping in one line, e.g. for two storage levels (DRAM, GLB)
///
///     a=1 I=1,1,3 O=3,16,1 B=64,1,1 order=OBI,OIB stored=WIP,WIP
///
/// `a` is the channel replicas; each loop lists its factors from the outermost level to the
/// scratchpad; `order` lists each storage level's loop order innermost first; `stored` lists
/// the data types each storage level keeps (W weights, I ifmaps, P psums, - none).
inline std::string to_string(const row_stationary_mapping& m) {
    std::ostringstream out;
    out << "a=" << m.channel_replicas;
    const std::size_t levels = m.storage_levels > max_storage_levels ? max_storage_levels : m.storage_levels;
    for (blocking_loop l : all_blocking_loops) {
        out << ' ' << letter(l) << '=';
        for (std::size_t k = 0; k <= levels; ++k) out << (k ? "," : "") << m.factors[k][l];
    }
    out << " order=";
    for (std::size_t k = 0; k < levels; ++k) out << (k ? "," : "") << m.orders[k].to_string();
    out << " stored=";
    for (std::size_t k = 0; k < levels; ++k) out << (k ? "," : "") << detail::stored_letters(m.stored[k]);
    return out.str();
}

inline std::ostream& operator<<(std::ostream& out, const row_stationary_mapping& m) { return out << to_string(m); }

namespace detail {

[[noreturn]] inline void mapping_parse_failure(const std::string& field, const std::string& what) {
    throw parse_error("<row_stationary_mapping>", 0, field, what);
}

inline std::vector<std::string> split_on(const std::string& text, char separator) {
    std::vector<std::string> out;
    std::string current;
    for (char c : text) {
        if (c == separator) {
            out.push_back(current);
            current.clear();
        } else {
            current += c;
        }
    }
    out.push_back(current);
    return out;
}

inline std::int64_t parse_mapping_integer(const std::string& field, const std::string& text) {
    if (text.empty() || text.size() > 18)
        mapping_parse_failure(field, "expected a positive integer of at most 18 digits, got '" + text + "'");
    std::int64_t v = 0;
    for (char c : text) {
        if (!std::isdigit(static_cast<unsigned char>(c)))
            mapping_parse_failure(field, "expected a positive integer, got '" + text + "'");
        v = v * 10 + (c - '0');
    }
    if (v < 1) mapping_parse_failure(field, "must be at least 1, got '" + text + "'");
    return v;
}

}  // namespace detail

/// Reads the one-line form written by `to_string`. Throws `eap::parse_error` (field named) on
/// malformed text; the values are checked against a layer and hardware when the mapping is
/// evaluated.
inline row_stationary_mapping parse_row_stationary_mapping(const std::string& text) {
    using detail::mapping_parse_failure;
    std::istringstream in(text);
    std::string token;
    bool seen_a = false, seen_order = false, seen_stored = false;
    std::array<bool, blocking_loop_count> seen_loop{};
    std::array<std::vector<std::int64_t>, blocking_loop_count> loop_factors;
    std::vector<std::string> orders, stored;
    row_stationary_mapping m;
    while (in >> token) {
        const auto eq = token.find('=');
        if (eq == std::string::npos || eq == 0) mapping_parse_failure(token, "expected key=value");
        const std::string key = token.substr(0, eq);
        const std::string value = token.substr(eq + 1);
        if (key == "a") {
            if (seen_a) mapping_parse_failure(key, "given twice");
            seen_a = true;
            m.channel_replicas = detail::parse_mapping_integer(key, value);
        } else if (key == "I" || key == "O" || key == "B") {
            const std::size_t l = key == "I" ? 0 : key == "O" ? 1 : 2;
            if (seen_loop[l]) mapping_parse_failure(key, "given twice");
            seen_loop[l] = true;
            for (const std::string& f : detail::split_on(value, ','))
                loop_factors[l].push_back(detail::parse_mapping_integer(key, f));
        } else if (key == "order") {
            if (seen_order) mapping_parse_failure(key, "given twice");
            seen_order = true;
            orders = detail::split_on(value, ',');
        } else if (key == "stored") {
            if (seen_stored) mapping_parse_failure(key, "given twice");
            seen_stored = true;
            stored = detail::split_on(value, ',');
        } else {
            mapping_parse_failure(key, "unknown key (expected a, I, O, B, order, stored)");
        }
    }
    if (!seen_a) mapping_parse_failure("a", "missing");
    for (blocking_loop l : all_blocking_loops)
        if (!seen_loop[index_of(l)]) mapping_parse_failure(std::string(1, letter(l)), "missing");
    if (!seen_order) mapping_parse_failure("order", "missing");
    if (!seen_stored) mapping_parse_failure("stored", "missing");
    const std::size_t levels = orders.size();
    if (levels < 1 || levels > max_storage_levels)
        mapping_parse_failure("order", detail::message("must list 1 to ", max_storage_levels, " storage levels, got ", levels));
    for (blocking_loop l : all_blocking_loops)
        if (loop_factors[index_of(l)].size() != levels + 1)
            mapping_parse_failure(std::string(1, letter(l)),
                                  detail::message("must list ", levels + 1, " factors (one per storage level and one for "
                                                  "the scratchpad), got ", loop_factors[index_of(l)].size()));
    if (stored.size() != levels)
        mapping_parse_failure("stored", detail::message("must list ", levels, " levels, got ", stored.size()));
    m.storage_levels = levels;
    for (std::size_t k = 0; k <= levels; ++k)
        for (blocking_loop l : all_blocking_loops) m.factors[k][l] = loop_factors[index_of(l)][k];
    for (std::size_t k = levels + 1; k <= max_storage_levels; ++k) m.factors[k] = make_per_loop<std::int64_t>(1, 1, 1);
    for (std::size_t k = 0; k < levels; ++k) {
        const std::string& o = orders[k];
        if (o.size() != 3) mapping_parse_failure("order", "each order is three letters from I, O, B, got '" + o + "'");
        for (std::size_t i = 0; i < 3; ++i) {
            switch (o[i]) {
            case 'I': m.orders[k].inner_to_outer[i] = blocking_loop::in_channels; break;
            case 'O': m.orders[k].inner_to_outer[i] = blocking_loop::out_channels; break;
            case 'B': m.orders[k].inner_to_outer[i] = blocking_loop::batch; break;
            default: mapping_parse_failure("order", "each order is three letters from I, O, B, got '" + o + "'");
            }
        }
        if (!m.orders[k].is_permutation())
            mapping_parse_failure("order", "an order must name each of I, O, B once, got '" + o + "'");
        const std::string& s = stored[k];
        per_data_type<bool> flags{};
        if (s != "-") {
            if (s.empty()) mapping_parse_failure("stored", "empty entry (write - for a level that keeps nothing)");
            for (char c : s) {
                data_type d = data_type::weights;
                if (c == 'W') d = data_type::weights;
                else if (c == 'I') d = data_type::ifmaps;
                else if (c == 'P') d = data_type::psums;
                else mapping_parse_failure("stored", "letters must be W, I, P or a lone -, got '" + s + "'");
                if (flags[d]) mapping_parse_failure("stored", "letter repeated in '" + s + "'");
                flags[d] = true;
            }
        }
        m.stored[k] = flags;
    }
    return m;
}

}  // namespace eap
