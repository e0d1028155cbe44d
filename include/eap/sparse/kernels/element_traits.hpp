// SPDX-License-Identifier: MIT
#pragma once

#include <cstdint>
#include <cstring>
#include <type_traits>

namespace eap::detail {

// How the sparse kernels look at one element type. The kernels test "is this value zero" on the
// value's bits, as an integer of the same width (the "lane" type): the accumulators then have as
// many lanes as the data batch, and -0.0 counts as zero because the sign bit is masked off.
template <class T>
struct sparse_element_traits {
    static constexpr bool supported = false;
};

template <>
struct sparse_element_traits<float> {
    static constexpr bool supported = true;
    static constexpr bool floating = true;
    using lane = std::int32_t;
    static constexpr lane magnitude_bits = 0x7fffffff;
    static constexpr const char* name = "float";
};

template <>
struct sparse_element_traits<double> {
    static constexpr bool supported = true;
    static constexpr bool floating = true;
    using lane = std::int64_t;
    static constexpr lane magnitude_bits = 0x7fffffffffffffff;
    static constexpr const char* name = "double";
};

template <>
struct sparse_element_traits<std::int32_t> {
    static constexpr bool supported = true;
    static constexpr bool floating = false;
    using lane = std::int32_t;
    static constexpr const char* name = "std::int32_t";
};

template <>
struct sparse_element_traits<std::int16_t> {
    static constexpr bool supported = true;
    static constexpr bool floating = false;
    using lane = std::int16_t;
    static constexpr const char* name = "std::int16_t";
};

template <>
struct sparse_element_traits<std::int8_t> {
    static constexpr bool supported = true;
    static constexpr bool floating = false;
    using lane = std::int8_t;
    static constexpr const char* name = "std::int8_t";
};

// Unsigned values (quantised activations after a ReLU) count in unsigned lanes: the kernels add
// all-ones masks, which is adding 1 modulo 2^bits, exact below the flush limit.
template <>
struct sparse_element_traits<std::uint16_t> {
    static constexpr bool supported = true;
    static constexpr bool floating = false;
    using lane = std::uint16_t;
    static constexpr const char* name = "std::uint16_t";
};

template <>
struct sparse_element_traits<std::uint8_t> {
    static constexpr bool supported = true;
    static constexpr bool floating = false;
    using lane = std::uint8_t;
    static constexpr const char* name = "std::uint8_t";
};

/// True for the element types the sparse counters accept.
template <class T>
inline constexpr bool is_sparse_element_v = sparse_element_traits<std::remove_cv_t<T>>::supported;

/// 1 when `v` is not zero (NaN counts as non-zero here; the kernels reject NaN separately).
template <class T>
constexpr int is_nonzero(T v) noexcept {
    return v != T(0) ? 1 : 0;
}

/// True when `v` is a NaN (never for integers).
template <class T>
constexpr bool is_nan_value(T v) noexcept {
    if constexpr (std::is_floating_point<T>::value) {
        return v != v;
    } else {
        (void)v;
        return false;
    }
}

}  // namespace eap::detail
