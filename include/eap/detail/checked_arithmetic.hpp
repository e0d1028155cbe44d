// SPDX-License-Identifier: MIT
#pragma once

#include <cstdint>

#include "eap/error.hpp"

namespace eap::detail {

// Every count eap reports (weights, MACs, accesses) is a signed 64-bit integer. VGG-16 at a
// large batch already passes 2^40 MACs, and products of loop bounds can overflow silently, so
// every product and sum of sizes goes through these helpers. They are constexpr: an overflow in
// a constant expression becomes a compile error at the throw.

[[noreturn]] inline void throw_overflow(const char* what) {
    throw overflow_error(message("eap: 64-bit overflow computing ", what));
}

constexpr std::int64_t checked_mul(std::int64_t a, std::int64_t b, const char* what) {
    std::int64_t result = 0;
    if (__builtin_mul_overflow(a, b, &result)) throw_overflow(what);
    return result;
}

constexpr std::int64_t checked_add(std::int64_t a, std::int64_t b, const char* what) {
    std::int64_t result = 0;
    if (__builtin_add_overflow(a, b, &result)) throw_overflow(what);
    return result;
}

constexpr std::int64_t checked_sub(std::int64_t a, std::int64_t b, const char* what) {
    std::int64_t result = 0;
    if (__builtin_sub_overflow(a, b, &result)) throw_overflow(what);
    return result;
}

/// Product of all arguments, overflow-checked.
template <class... Ints>
constexpr std::int64_t checked_product(const char* what, std::int64_t first, Ints... rest) {
    std::int64_t result = first;
    ((result = checked_mul(result, static_cast<std::int64_t>(rest), what)), ...);
    return result;
}

/// Ceiling of a / b for a >= 0, b > 0.
constexpr std::int64_t ceil_div(std::int64_t a, std::int64_t b) { return (a + b - 1) / b; }

}  // namespace eap::detail
