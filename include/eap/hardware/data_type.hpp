// SPDX-License-Identifier: MIT
#pragma once

#include <array>
#include <cstddef>
#include <cstdint>

namespace eap {

/// The three kinds of data a CONV/FC layer moves: filter weights, input feature maps, and
/// partial sums (which become the output feature maps).
enum class data_type : std::uint8_t { weights = 0, ifmaps = 1, psums = 2 };

inline constexpr std::size_t data_type_count = 3;
inline constexpr std::array<data_type, data_type_count> all_data_types{data_type::weights, data_type::ifmaps,
                                                                       data_type::psums};

constexpr std::size_t index_of(data_type d) { return static_cast<std::size_t>(d); }

constexpr const char* to_string(data_type d) {
    switch (d) {
    case data_type::weights: return "weights";
    case data_type::ifmaps: return "ifmaps";
    case data_type::psums: return "psums";
    }
    return "?";
}

/// One value per data type, indexed by `data_type`.
template <class T>
struct per_data_type {
    std::array<T, data_type_count> values{};

    constexpr T& operator[](data_type d) { return values[index_of(d)]; }
    constexpr const T& operator[](data_type d) const { return values[index_of(d)]; }

    friend constexpr bool operator==(const per_data_type& a, const per_data_type& b) {
        for (std::size_t i = 0; i < data_type_count; ++i)
            if (!(a.values[i] == b.values[i])) return false;
        return true;
    }
    friend constexpr bool operator!=(const per_data_type& a, const per_data_type& b) { return !(a == b); }
};

/// Builds a `per_data_type` from the weights, ifmaps and psums values in that order.
template <class T>
constexpr per_data_type<T> make_per_data_type(T weights, T ifmaps, T psums) {
    return per_data_type<T>{{weights, ifmaps, psums}};
}

}  // namespace eap
