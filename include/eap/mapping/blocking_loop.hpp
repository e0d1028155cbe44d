// SPDX-License-Identifier: MIT
#pragma once

#include <array>
#include <cstddef>
#include <cstdint>

#include "eap/hardware/data_type.hpp"

// The three loops a row-stationary mapping blocks over the storage levels, once the PE array
// has taken the filter rows and the output rows: input channels (I), output channels (O) and
// batch (B, which also carries the width folds of the PE set). Each data type depends on two of
// them and is reused across the third:
//
//     weights depend on I and O (reused across B),
//     ifmaps  depend on I and B (reused across O),
//     psums   depend on O and B (accumulated across I).

namespace eap {

enum class blocking_loop : std::uint8_t { in_channels = 0, out_channels = 1, batch = 2 };

inline constexpr std::size_t blocking_loop_count = 3;
inline constexpr std::array<blocking_loop, blocking_loop_count> all_blocking_loops{
    blocking_loop::in_channels, blocking_loop::out_channels, blocking_loop::batch};

constexpr std::size_t index_of(blocking_loop l) { return static_cast<std::size_t>(l); }

/// The one-letter name used in mapping strings and reports: "I", "O" or "B".
constexpr char letter(blocking_loop l) {
    switch (l) {
    case blocking_loop::in_channels: return 'I';
    case blocking_loop::out_channels: return 'O';
    case blocking_loop::batch: return 'B';
    }
    return '?';
}

constexpr const char* to_string(blocking_loop l) {
    switch (l) {
    case blocking_loop::in_channels: return "in_channels";
    case blocking_loop::out_channels: return "out_channels";
    case blocking_loop::batch: return "batch";
    }
    return "?";
}

/// True when data of type `d` changes along loop `l`.
constexpr bool depends_on(data_type d, blocking_loop l) {
    switch (d) {
    case data_type::weights: return l != blocking_loop::batch;
    case data_type::ifmaps: return l != blocking_loop::out_channels;
    case data_type::psums: return l != blocking_loop::in_channels;
    }
    return false;
}

/// The loop along which data of type `d` is reused (the one it does not depend on).
constexpr blocking_loop reuse_loop(data_type d) {
    switch (d) {
    case data_type::weights: return blocking_loop::batch;
    case data_type::ifmaps: return blocking_loop::out_channels;
    case data_type::psums: return blocking_loop::in_channels;
    }
    return blocking_loop::batch;
}

/// One value per blocking loop, indexed by `blocking_loop`.
template <class T>
struct per_loop {
    std::array<T, blocking_loop_count> values{};

    constexpr T& operator[](blocking_loop l) { return values[index_of(l)]; }
    constexpr const T& operator[](blocking_loop l) const { return values[index_of(l)]; }

    friend constexpr bool operator==(const per_loop& a, const per_loop& b) {
        for (std::size_t i = 0; i < blocking_loop_count; ++i)
            if (!(a.values[i] == b.values[i])) return false;
        return true;
    }
    friend constexpr bool operator!=(const per_loop& a, const per_loop& b) { return !(a == b); }
};

/// Builds a `per_loop` from the in-channel, out-channel and batch values in that order.
template <class T>
constexpr per_loop<T> make_per_loop(T in_channels, T out_channels, T batch) {
    return per_loop<T>{{in_channels, out_channels, batch}};
}

}  // namespace eap
