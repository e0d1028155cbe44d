// SPDX-License-Identifier: MIT
#pragma once

#include <array>
#include <cstddef>
#include <cstdint>
#include <string>

#include "eap/mapping/blocking_loop.hpp"

namespace eap {

/// The nesting of the three blocking loops at one storage level, innermost first:
/// `{out_channels, batch, in_channels}` (written "OBI") runs the output channels innermost and
/// the input channels outermost.
struct loop_order {
    std::array<blocking_loop, blocking_loop_count> inner_to_outer{blocking_loop::in_channels,
                                                                  blocking_loop::out_channels, blocking_loop::batch};

    /// 0 for the innermost loop, 2 for the outermost.
    constexpr std::size_t position(blocking_loop l) const {
        for (std::size_t i = 0; i < blocking_loop_count; ++i)
            if (inner_to_outer[i] == l) return i;
        return blocking_loop_count;
    }
    /// True when the three entries are the three loops.
    constexpr bool is_permutation() const {
        return position(blocking_loop::in_channels) < blocking_loop_count &&
               position(blocking_loop::out_channels) < blocking_loop_count &&
               position(blocking_loop::batch) < blocking_loop_count;
    }
    /// The positions indexed by loop (I, O, B), packed as 9 * pos(I) + 3 * pos(O) + pos(B): orders
    /// compare like their position tuples.
    constexpr int position_key() const {
        return 9 * static_cast<int>(position(blocking_loop::in_channels)) +
               3 * static_cast<int>(position(blocking_loop::out_channels)) +
               static_cast<int>(position(blocking_loop::batch));
    }
    /// "OBI" for {O, B, I}.
    std::string to_string() const {
        std::string s;
        for (blocking_loop l : inner_to_outer) s += letter(l);
        return s;
    }

    friend constexpr bool operator==(const loop_order& a, const loop_order& b) {
        return a.inner_to_outer[0] == b.inner_to_outer[0] && a.inner_to_outer[1] == b.inner_to_outer[1] &&
               a.inner_to_outer[2] == b.inner_to_outer[2];
    }
    friend constexpr bool operator!=(const loop_order& a, const loop_order& b) { return !(a == b); }
};

/// The canonical order with `innermost` innermost, then the other loops in I, O, B order. Only the
/// innermost loop of those with more than one iteration matters for the access counts, so the
/// mapping search uses these orders only.
constexpr loop_order canonical_loop_order(blocking_loop innermost) {
    loop_order o;
    o.inner_to_outer[0] = innermost;
    std::size_t next = 1;
    for (blocking_loop l : all_blocking_loops)
        if (l != innermost) o.inner_to_outer[next++] = l;
    return o;
}

/// The canonical order for the loops flagged in `nontrivial` (those with more than one
/// iteration): `innermost` (which must be one of them) first, then the other non-trivial loops,
/// then the trivial ones, each group in I, O, B order.
constexpr loop_order canonical_loop_order(blocking_loop innermost, per_loop<bool> nontrivial) {
    loop_order o;
    o.inner_to_outer[0] = innermost;
    std::size_t next = 1;
    for (blocking_loop l : all_blocking_loops)
        if (l != innermost && nontrivial[l]) o.inner_to_outer[next++] = l;
    for (blocking_loop l : all_blocking_loops)
        if (l != innermost && !nontrivial[l]) o.inner_to_outer[next++] = l;
    return o;
}

}  // namespace eap
