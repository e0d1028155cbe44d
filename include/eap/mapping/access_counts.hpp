// SPDX-License-Identifier: MIT
#pragma once

#include <array>
#include <cstddef>
#include <cstdint>
#include <string>

#include "eap/detail/checked_arithmetic.hpp"
#include "eap/error.hpp"
#include "eap/hardware/data_type.hpp"
#include "eap/hardware/hardware.hpp"
#include "eap/mapping/row_stationary_mapping.hpp"

namespace eap {

/// Reads and writes of one data type at one place, in words of that data type.
struct access_count {
    std::int64_t reads = 0;
    std::int64_t writes = 0;

    constexpr std::int64_t total() const { return detail::checked_add(reads, writes, "access_count::total"); }

    access_count& operator+=(const access_count& o) {
        reads = detail::checked_add(reads, o.reads, "access_count reads");
        writes = detail::checked_add(writes, o.writes, "access_count writes");
        return *this;
    }
    friend constexpr bool operator==(const access_count& a, const access_count& b) {
        return a.reads == b.reads && a.writes == b.writes;
    }
    friend constexpr bool operator!=(const access_count& a, const access_count& b) { return !(a == b); }
};

/// Where an access happens. Positions 0 .. storage_levels - 1 are the hardware's storage levels
/// (outermost first), then the array network, then the PE scratchpads.
///
/// Every transfer between two storage levels is counted once, at the *outer* level: a read there
/// when data moves inwards (weights, ifmaps, and partial sums brought back to be accumulated
/// further), a write when partial sums or outputs move outwards. A partial sum accumulated over
/// f visits of a level costs f writes and f - 1 reads there (2f - 1 accesses; the first visit
/// starts from zero). The array network counts words moved to PEs as reads and words moved from
/// PEs as writes. The scratchpads count one weight read, one ifmap read and one psum read plus
/// one psum write per MAC.
struct access_counts {
    std::size_t storage_levels = 0;
    std::array<per_data_type<access_count>, max_storage_levels> storage{};
    per_data_type<access_count> network{};
    per_data_type<access_count> scratchpad{};
    std::int64_t macs = 0;
    std::int64_t cycles = 0;  ///< processing time: passes x cycles per pass (bandwidth not modelled)
    std::int64_t pes = 0;     ///< PEs of the array (for `utilisation`)

    /// Number of positions: storage levels + array network + scratchpads.
    std::size_t positions() const { return storage_levels + 2; }
    std::size_t network_position() const { return storage_levels; }
    std::size_t scratchpad_position() const { return storage_levels + 1; }

    const per_data_type<access_count>& at(std::size_t position) const {
        if (position < storage_levels) return storage[position];
        if (position == storage_levels) return network;
        if (position == storage_levels + 1) return scratchpad;
        throw argument_error(detail::message("eap::access_counts::at: position ", position, " is out of range (",
                                             positions(), " positions)"));
    }
    per_data_type<access_count>& at(std::size_t position) {
        return const_cast<per_data_type<access_count>&>(static_cast<const access_counts&>(*this).at(position));
    }

    /// MACs / (cycles x PEs): the fraction of PE cycles doing a MAC.
    double utilisation() const {
        if (cycles == 0 || pes == 0) return 0.0;
        return static_cast<double>(macs) / (static_cast<double>(cycles) * static_cast<double>(pes));
    }

    /// Adds the counts of another part of the same layer (same hardware).
    access_counts& operator+=(const access_counts& o) {
        if (storage_levels != o.storage_levels)
            throw argument_error(detail::message("eap::access_counts::operator+=: counts for ", storage_levels,
                                                 " and ", o.storage_levels, " storage levels cannot be added"));
        for (std::size_t p = 0; p < positions(); ++p)
            for (data_type d : all_data_types) at(p)[d] += o.at(p)[d];
        macs = detail::checked_add(macs, o.macs, "access_counts macs");
        cycles = detail::checked_add(cycles, o.cycles, "access_counts cycles");
        if (pes == 0) pes = o.pes;
        return *this;
    }

    /// These counts repeated `times` times (identical parts of a layer).
    access_counts repeated(std::int64_t times) const {
        if (times < 0)
            throw argument_error(detail::message("eap::access_counts::repeated: times must not be negative (got ",
                                                 times, ")"));
        access_counts out = *this;
        for (std::size_t p = 0; p < positions(); ++p)
            for (data_type d : all_data_types) {
                out.at(p)[d].reads = detail::checked_mul(at(p)[d].reads, times, "access_counts::repeated");
                out.at(p)[d].writes = detail::checked_mul(at(p)[d].writes, times, "access_counts::repeated");
            }
        out.macs = detail::checked_mul(macs, times, "access_counts::repeated");
        out.cycles = detail::checked_mul(cycles, times, "access_counts::repeated");
        return out;
    }

    friend bool operator==(const access_counts& a, const access_counts& b) {
        if (a.storage_levels != b.storage_levels || a.macs != b.macs || a.cycles != b.cycles || a.pes != b.pes)
            return false;
        for (std::size_t p = 0; p < a.positions(); ++p)
            if (a.at(p) != b.at(p)) return false;
        return true;
    }
    friend bool operator!=(const access_counts& a, const access_counts& b) { return !(a == b); }
};

/// The name of a position of `access_counts` on `hw`: the storage level's name, "array network"
/// or "scratchpad".
inline std::string position_name(const hardware& hw, std::size_t position) {
    if (position < hw.levels.size()) return hw.levels[position].name;
    if (position == hw.levels.size()) return "array network";
    if (position == hw.levels.size() + 1) return "scratchpad";
    throw argument_error(detail::message("eap::position_name: position ", position, " is out of range (",
                                         hw.levels.size() + 2, " positions)"));
}

}  // namespace eap
