// SPDX-License-Identifier: MIT
#pragma once

#include <array>
#include <cstddef>
#include <cstdint>
#include <map>
#include <memory>

#include "eap/error.hpp"
#include "eap/hardware/hardware.hpp"
#include "eap/mapping/layer_part.hpp"
#include "eap/mapping/mapping_evaluation.hpp"
#include "eap/mapping/mapping_search.hpp"
#include "eap/mapping/row_stationary_options.hpp"

namespace eap {

namespace detail {

inline bool same_capacity(const level_capacity& a, const level_capacity& b) { return a == b; }

/// True when two hardware descriptions give the same mapping search results.
inline bool same_hardware(const hardware& a, const hardware& b) {
    if (a.levels.size() != b.levels.size() || a.unit != b.unit || a.reference_bits != b.reference_bits ||
        a.mac_cost != b.mac_cost || !(a.word_bits == b.word_bits))
        return false;
    for (std::size_t k = 0; k < a.levels.size(); ++k)
        if (!same_capacity(a.levels[k].capacity, b.levels[k].capacity) || a.levels[k].read_cost != b.levels[k].read_cost ||
            a.levels[k].write_cost != b.levels[k].write_cost)
            return false;
    return a.array.rows == b.array.rows && a.array.cols == b.array.cols &&
           same_capacity(a.array.scratchpad, b.array.scratchpad) &&
           a.array.scratchpad_read_cost == b.array.scratchpad_read_cost &&
           a.array.scratchpad_write_cost == b.array.scratchpad_write_cost && a.array.network_cost == b.array.network_cost;
}

inline bool same_options(const row_stationary_options& a, const row_stationary_options& b, const hardware& hw) {
    return a.padding == b.padding && a.allow_bypass == b.allow_bypass && a.bits_on(hw) == b.bits_on(hw);
}

}  // namespace detail

/// Remembers mapping searches for one hardware and one set of options. The mapping of a layer
/// part is searched on the dense part, so it does not change while a network is pruned: keep a
/// cache across energy estimates and each distinct part is searched once. Identical parts within
/// one estimate (the halves of a grouped layer, the repeated blocks of a ResNet) share a search
/// even without a cache kept by the caller. Not thread-safe: use one cache per thread.
class mapping_cache {
public:
    explicit mapping_cache(const hardware& hw, const row_stationary_options& options = {})
        : hw_(hw), options_(options) {
        detail::validate_rs_hardware("eap::mapping_cache", hw_);
        detail::validate_word_bits("eap::mapping_cache", options_.bits_on(hw_));
    }

    const hardware& hw() const noexcept { return hw_; }
    const row_stationary_options& options() const noexcept { return options_; }

    /// True when searches for (`hw`, `options`) may be answered from this cache.
    bool serves(const hardware& hw, const row_stationary_options& options) const {
        return detail::same_hardware(hw_, hw) && detail::same_options(options_, options, hw_);
    }

    /// The least-energy mapping of `part` with word widths `bits` (searched once per distinct
    /// part and widths). The reference stays valid for the cache's lifetime.
    const mapping_search_result& search(const layer_part& part, const per_data_type<int>& bits) {
        key k{};
        const std::int64_t values[] = {part.in_channels,   part.out_channels,  part.out_height,  part.out_width,
                                       part.kernel_height, part.kernel_width,  part.stride_height, part.stride_width,
                                       part.batch,         part.real_height(), part.real_width(), bits[data_type::weights],
                                       bits[data_type::ifmaps], bits[data_type::psums]};
        for (std::size_t i = 0; i < k.size(); ++i) k[i] = values[i];
        auto it = entries_.find(k);
        if (it != entries_.end()) {
            ++hits_;
            return *it->second;
        }
        row_stationary_options options = options_;
        options.word_bits = bits;
        auto result = std::make_unique<mapping_search_result>(search_mapping(hw_, part, options));
        ++searches_;
        return *entries_.emplace(k, std::move(result)).first->second;
    }

    /// Searches run and searches answered from the cache.
    std::size_t searches() const noexcept { return searches_; }
    std::size_t hits() const noexcept { return hits_; }

private:
    using key = std::array<std::int64_t, 14>;
    hardware hw_;
    row_stationary_options options_;
    std::map<key, std::unique_ptr<mapping_search_result>> entries_;
    std::size_t searches_ = 0;
    std::size_t hits_ = 0;
};

}  // namespace eap
