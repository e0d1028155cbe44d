// SPDX-License-Identifier: MIT
#pragma once

#include <algorithm>
#include <cstdint>
#include <limits>
#include <ostream>
#include <vector>

#include "eap/detail/checked_arithmetic.hpp"
#include "eap/error.hpp"
#include "eap/mapping/blocking_loop.hpp"
#include "eap/mapping/layer_part.hpp"
#include "eap/mapping/pe_set_folding.hpp"

namespace eap {

/// What the replicas of a PE set work on, and the loop counts that remain above the array.
///
/// Of the `replicas_height` copies stacked vertically, `channel_replicas` (a divisor of it) carry
/// different input channels and the rest, with all copies side by side, different output
/// channels. So `in_replicas` = min(a, C) input channels and `out_replicas` =
/// min((replicas_height / a) * replicas_width, M) output channels are processed at once, and the
/// loops left to block over the storage levels count ceil(C / in_replicas) input-channel steps,
/// ceil(M / out_replicas) output-channel steps and N * fold_width batch steps (width strips
/// behave like images).
struct replica_split {
    std::int64_t channel_replicas = 1;  ///< a
    std::int64_t in_replicas = 1;       ///< input channels processed at once
    std::int64_t out_replicas = 1;      ///< output channels processed at once
    per_loop<std::int64_t> loop_counts = make_per_loop<std::int64_t>(1, 1, 1);

    /// Processing passes: the product of the loop counts.
    constexpr std::int64_t passes() const {
        return detail::checked_product("replica_split::passes", loop_counts[blocking_loop::in_channels],
                                       loop_counts[blocking_loop::out_channels], loop_counts[blocking_loop::batch]);
    }

    friend constexpr bool operator==(const replica_split& a, const replica_split& b) {
        return a.channel_replicas == b.channel_replicas && a.in_replicas == b.in_replicas &&
               a.out_replicas == b.out_replicas && a.loop_counts == b.loop_counts;
    }
    friend constexpr bool operator!=(const replica_split& a, const replica_split& b) { return !(a == b); }

    friend std::ostream& operator<<(std::ostream& out, const replica_split& s) {
        return out << "a=" << s.channel_replicas << " (" << s.in_replicas << " in x " << s.out_replicas
                   << " out channels at once; loops I" << s.loop_counts[blocking_loop::in_channels] << " O"
                   << s.loop_counts[blocking_loop::out_channels] << " B" << s.loop_counts[blocking_loop::batch] << ')';
    }
};

/// The split with `channel_replicas` height replicas on input channels. Throws
/// `eap::argument_error` unless it divides `folding.replicas_height`.
inline replica_split make_replica_split(const layer_part& part, const pe_set_folding& folding,
                                        std::int64_t channel_replicas) {
    if (channel_replicas < 1 || folding.replicas_height % channel_replicas != 0)
        throw argument_error(detail::message("eap::make_replica_split: channel_replicas must divide the height replicas (",
                                             folding.replicas_height, "); got ", channel_replicas));
    replica_split s;
    s.channel_replicas = channel_replicas;
    s.in_replicas = std::min(channel_replicas, part.in_channels);
    s.out_replicas = std::min(detail::checked_mul(folding.replicas_height / channel_replicas, folding.replicas_width,
                                                  "eap::make_replica_split"),
                              part.out_channels);
    s.loop_counts[blocking_loop::in_channels] = detail::ceil_div(part.in_channels, s.in_replicas);
    s.loop_counts[blocking_loop::out_channels] = detail::ceil_div(part.out_channels, s.out_replicas);
    s.loop_counts[blocking_loop::batch] = detail::checked_mul(part.batch, folding.fold_width, "eap::make_replica_split");
    return s;
}

/// The splits the mapping search considers, in order of ascending `channel_replicas`: every
/// divisor a of the height replicas whose pass count is at most the smallest seen so far
/// (a running minimum, so an earlier split is kept even when a later one has fewer passes).
inline std::vector<replica_split> replica_split_candidates(const layer_part& part, const pe_set_folding& folding) {
    std::vector<replica_split> out;
    std::int64_t smallest = std::numeric_limits<std::int64_t>::max();
    for (std::int64_t a = 1; a <= folding.replicas_height; ++a) {
        if (folding.replicas_height % a != 0) continue;
        replica_split s = make_replica_split(part, folding, a);
        const std::int64_t passes = s.passes();
        if (passes <= smallest) {
            smallest = passes;
            out.push_back(s);
        }
    }
    return out;
}

}  // namespace eap
