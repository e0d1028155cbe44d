// SPDX-License-Identifier: MIT
#pragma once

#include <cmath>
#include <cstdint>
#include <limits>
#include <ostream>
#include <string>
#include <vector>

#include "eap/error.hpp"
#include "eap/hardware/data_type.hpp"

namespace eap {

/// What the access and MAC costs of a `hardware` are measured in.
enum class cost_unit : std::uint8_t {
    normalized,  ///< multiples of one MAC at the reference word width (the paper's units)
    picojoule,   ///< picojoules
};

constexpr const char* to_string(cost_unit u) { return u == cost_unit::normalized ? "normalized" : "pJ"; }

/// How many words a storage level holds: without bound (off-chip DRAM), one budget shared by
/// all data types, or a separate budget per data type (as in Eyeriss' per-PE scratchpads).
/// Words are of the hardware's reference width (16 bits unless said otherwise).
struct level_capacity {
    enum class kind : std::uint8_t { unbounded, shared, per_data_type };

    kind type = kind::unbounded;
    std::int64_t shared_words = 0;                 ///< used when type == shared
    eap::per_data_type<std::int64_t> words{};      ///< used when type == per_data_type

    static constexpr level_capacity unbounded() { return level_capacity{}; }
    static constexpr level_capacity shared(std::int64_t n) { return level_capacity{kind::shared, n, {}}; }
    static constexpr level_capacity per_type(std::int64_t weights, std::int64_t ifmaps, std::int64_t psums) {
        return level_capacity{kind::per_data_type, 0, make_per_data_type(weights, ifmaps, psums)};
    }

    constexpr bool is_unbounded() const { return type == kind::unbounded; }
    /// Total words the level holds (the sum of the per-type budgets; INT64_MAX when unbounded).
    constexpr std::int64_t total_words() const {
        switch (type) {
        case kind::unbounded: return std::numeric_limits<std::int64_t>::max();
        case kind::shared: return shared_words;
        case kind::per_data_type: return words.values[0] + words.values[1] + words.values[2];
        }
        return 0;
    }

    friend constexpr bool operator==(const level_capacity& a, const level_capacity& b) {
        return a.type == b.type && a.shared_words == b.shared_words && a.words == b.words;
    }
    friend constexpr bool operator!=(const level_capacity& a, const level_capacity& b) { return !(a == b); }
};

/// A storage level shared by the whole PE array (DRAM, a global buffer, ...).
struct storage_level {
    std::string name;
    level_capacity capacity;
    double read_cost = 0.0;   ///< cost of reading one reference-width word
    double write_cost = 0.0;  ///< cost of writing one reference-width word
};

/// The PE array: rows x columns of PEs, each with a scratchpad (register file), connected to
/// the innermost storage level by an on-chip network.
struct pe_array {
    std::int64_t rows = 0;
    std::int64_t cols = 0;
    level_capacity scratchpad;         ///< per PE
    double scratchpad_read_cost = 0.0;  ///< per reference-width word
    double scratchpad_write_cost = 0.0;
    double network_cost = 0.0;          ///< moving one word from the innermost storage level to one PE

    constexpr std::int64_t size() const { return rows * cols; }
};

/// A runtime description of an accelerator. Every compile-time `eap::accelerator<...>`
/// converts to one (`eap::to_hardware<A>()`); sweeps build and modify it directly and then
/// call `validate()`.
struct hardware {
    std::string name = "accelerator";
    cost_unit unit = cost_unit::normalized;
    std::vector<storage_level> levels;  ///< outermost first (DRAM first)
    eap::pe_array array;
    per_data_type<int> word_bits = make_per_data_type(16, 16, 16);
    int reference_bits = 16;  ///< the word width the costs (and capacities) are given for
    double mac_cost = 1.0;    ///< one MAC with both operands at the reference width

    /// Throws `eap::hardware_error` naming the first impossible field and its value.
    void validate() const;
};

namespace detail {

[[noreturn]] inline void invalid_hardware(const std::string& field, const std::string& problem) {
    throw hardware_error("eap::hardware: " + field + " " + problem);
}

inline void validate_cost(const std::string& field, double cost) {
    if (!std::isfinite(cost) || cost < 0.0)
        invalid_hardware(field, message("is ", cost, "; a cost per access must be finite and not negative"));
}

inline void validate_capacity(const std::string& field, const level_capacity& c, bool may_be_unbounded) {
    switch (c.type) {
    case level_capacity::kind::unbounded:
        if (!may_be_unbounded)
            invalid_hardware(field, "is unbounded; only the outermost storage level may be unbounded");
        return;
    case level_capacity::kind::shared:
        if (c.shared_words < 1)
            invalid_hardware(field, message("is ", c.shared_words, " words; a storage level must hold at least one word"));
        return;
    case level_capacity::kind::per_data_type:
        for (data_type d : all_data_types)
            if (c.words[d] < 1)
                invalid_hardware(field + "." + to_string(d),
                                 message("is ", c.words[d], " words; each data type needs at least one word"));
        if (c.words.values[0] > std::numeric_limits<std::int64_t>::max() / 3 ||
            c.words.values[1] > std::numeric_limits<std::int64_t>::max() / 3 ||
            c.words.values[2] > std::numeric_limits<std::int64_t>::max() / 3)
            invalid_hardware(field, "is too large to count in 64 bits");
        return;
    }
    invalid_hardware(field, "has an unknown capacity kind");
}

}  // namespace detail

inline void hardware::validate() const {
    using detail::invalid_hardware;
    if (levels.empty())
        invalid_hardware("levels", "is empty; list at least the outermost memory (e.g. DRAM)");
    for (std::size_t i = 0; i < levels.size(); ++i) {
        const std::string field = detail::message("levels[", i, "] (", levels[i].name, ")");
        detail::validate_capacity(field + ".capacity", levels[i].capacity, i == 0);
        detail::validate_cost(field + ".read_cost", levels[i].read_cost);
        detail::validate_cost(field + ".write_cost", levels[i].write_cost);
        if (i > 0 && levels[i].capacity.total_words() > levels[i - 1].capacity.total_words())
            invalid_hardware(field + ".capacity",
                             detail::message("is ", levels[i].capacity.total_words(),
                                             " words, larger than the level outside it (", levels[i - 1].name, ", ",
                                             levels[i - 1].capacity.total_words(),
                                             " words); list levels outermost first, each no larger than the one before"));
    }
    if (array.rows < 1) invalid_hardware("array.rows", detail::message("is ", array.rows, "; the PE array needs at least one row"));
    if (array.cols < 1) invalid_hardware("array.cols", detail::message("is ", array.cols, "; the PE array needs at least one column"));
    if (array.rows > (std::int64_t{1} << 20) || array.cols > (std::int64_t{1} << 20))
        invalid_hardware("array", detail::message("is ", array.rows, " x ", array.cols, " PEs; at most 2^20 per side"));
    detail::validate_capacity("array.scratchpad", array.scratchpad, false);
    if (array.scratchpad.total_words() > levels.back().capacity.total_words())
        invalid_hardware("array.scratchpad",
                         detail::message("is ", array.scratchpad.total_words(),
                                         " words per PE, larger than the innermost storage level (", levels.back().name,
                                         ", ", levels.back().capacity.total_words(), " words)"));
    detail::validate_cost("array.scratchpad_read_cost", array.scratchpad_read_cost);
    detail::validate_cost("array.scratchpad_write_cost", array.scratchpad_write_cost);
    detail::validate_cost("array.network_cost", array.network_cost);
    detail::validate_cost("mac_cost", mac_cost);
    for (data_type d : all_data_types)
        if (word_bits[d] < 1 || word_bits[d] > 64)
            invalid_hardware(std::string("word_bits.") + to_string(d),
                             detail::message("is ", word_bits[d], "; a word width must be between 1 and 64 bits"));
    if (reference_bits < 1 || reference_bits > 64)
        invalid_hardware("reference_bits", detail::message("is ", reference_bits, "; must be between 1 and 64 bits"));
}

/// One line per level and one for the array, e.g. for logs and reports.
inline std::ostream& operator<<(std::ostream& out, const hardware& hw) {
    auto capacity = [&out](const level_capacity& c) {
        switch (c.type) {
        case level_capacity::kind::unbounded: out << "unbounded"; break;
        case level_capacity::kind::shared: out << c.shared_words << " words"; break;
        case level_capacity::kind::per_data_type:
            out << c.words[data_type::weights] << "/" << c.words[data_type::ifmaps] << "/"
                << c.words[data_type::psums] << " words (weights/ifmaps/psums)";
            break;
        }
    };
    out << hw.name << " (costs in " << to_string(hw.unit) << ", " << hw.reference_bits << "-bit reference word, MAC "
        << hw.mac_cost << ")\n";
    for (const auto& level : hw.levels) {
        out << "  " << level.name << ": ";
        capacity(level.capacity);
        out << ", read " << level.read_cost << ", write " << level.write_cost << "\n";
    }
    out << "  PE array " << hw.array.rows << " x " << hw.array.cols << ", network " << hw.array.network_cost
        << ", scratchpad per PE ";
    capacity(hw.array.scratchpad);
    out << ", read " << hw.array.scratchpad_read_cost << ", write " << hw.array.scratchpad_write_cost << "\n";
    out << "  word bits: weights " << hw.word_bits[data_type::weights] << ", ifmaps " << hw.word_bits[data_type::ifmaps]
        << ", psums " << hw.word_bits[data_type::psums] << "\n";
    return out;
}

}  // namespace eap
