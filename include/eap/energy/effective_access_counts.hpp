// SPDX-License-Identifier: MIT
#pragma once

#include <array>
#include <cstddef>

#include "eap/error.hpp"
#include "eap/hardware/data_type.hpp"
#include "eap/mapping/access_counts.hpp"
#include "eap/mapping/row_stationary_mapping.hpp"

namespace eap {

/// Reads and writes that cost energy once zeros are taken into account, in words of the data
/// type's width (a run-length-coded transfer counts the coded size in such words). Expected
/// values, so not integers.
struct effective_access {
    double reads = 0.0;
    double writes = 0.0;
    constexpr double total() const { return reads + writes; }
    effective_access& operator+=(const effective_access& o) {
        reads += o.reads;
        writes += o.writes;
        return *this;
    }
};

/// `access_counts` after the sparsity rules: the same positions (storage levels outermost first,
/// array network, scratchpads) and data types, plus the MACs that are not skipped.
struct effective_access_counts {
    std::size_t storage_levels = 0;
    std::array<per_data_type<effective_access>, max_storage_levels + 2> at{};
    double macs = 0.0;

    std::size_t positions() const { return storage_levels + 2; }

    /// The dense counts unchanged.
    static effective_access_counts from(const access_counts& c) {
        effective_access_counts e;
        e.storage_levels = c.storage_levels;
        for (std::size_t p = 0; p < c.positions(); ++p)
            for (data_type d : all_data_types) {
                e.at[p][d].reads = static_cast<double>(c.at(p)[d].reads);
                e.at[p][d].writes = static_cast<double>(c.at(p)[d].writes);
            }
        e.macs = static_cast<double>(c.macs);
        return e;
    }

    effective_access_counts& operator+=(const effective_access_counts& o) {
        if (storage_levels != o.storage_levels)
            throw argument_error(detail::message("eap::effective_access_counts::operator+=: counts for ", storage_levels,
                                                 " and ", o.storage_levels, " storage levels cannot be added"));
        for (std::size_t p = 0; p < positions(); ++p)
            for (data_type d : all_data_types) at[p][d] += o.at[p][d];
        macs += o.macs;
        return *this;
    }
};

}  // namespace eap
