// SPDX-License-Identifier: MIT
#pragma once

#include <algorithm>
#include <cstdint>

namespace eap::detail {

// Element-wise loops of the layers, written so that the compiler vectorises them: restrict
// pointers and selects instead of branches (a ReLU mask is a coin flip per element, so a branch
// would be mispredicted half the time).

/// target = value > 0 ? source : 0 (the ReLU derivative applied to a gradient).
inline void copy_where_positive(const float* __restrict value, const float* __restrict source,
                                float* __restrict target, std::int64_t count) {
    for (std::int64_t p = 0; p < count; ++p) {
        const float gradient = source[p];  // read unconditionally, so that the select vectorises
        target[p] = value[p] > 0.0f ? gradient : 0.0f;
    }
}

/// gradient = value > 0 ? gradient : 0, in place.
inline void zero_where_not_positive(const float* __restrict value, float* __restrict gradient, std::int64_t count) {
    for (std::int64_t p = 0; p < count; ++p) {
        const float g = gradient[p];
        gradient[p] = value[p] > 0.0f ? g : 0.0f;
    }
}

/// target = source + bias, then max(., 0) when `relu`.
inline void add_bias(const float* __restrict source, float bias, bool relu, float* __restrict target,
                     std::int64_t count) {
    if (relu) {
        for (std::int64_t p = 0; p < count; ++p) target[p] = std::max(source[p] + bias, 0.0f);
    } else {
        for (std::int64_t p = 0; p < count; ++p) target[p] = source[p] + bias;
    }
}

/// The sum of `count` floats in eight interleaved partial sums (a fixed order, so the result is
/// reproducible, without one long chain of dependent additions).
inline float sum(const float* values, std::int64_t count) {
    float partial[8] = {0, 0, 0, 0, 0, 0, 0, 0};
    std::int64_t p = 0;
    for (; p + 8 <= count; p += 8)
        for (int k = 0; k < 8; ++k) partial[k] += values[p + k];
    for (; p < count; ++p) partial[0] += values[p];
    return ((partial[0] + partial[1]) + (partial[2] + partial[3])) + ((partial[4] + partial[5]) + (partial[6] + partial[7]));
}

/// values = max(values, 0) in place.
inline void relu_in_place(float* __restrict values, std::int64_t count) {
    for (std::int64_t p = 0; p < count; ++p) values[p] = std::max(values[p], 0.0f);
}

/// target += source.
inline void add_to(const float* __restrict source, float* __restrict target, std::int64_t count) {
    for (std::int64_t p = 0; p < count; ++p) target[p] += source[p];
}

/// target[f] = max(target[f], source[f * stride]) (NaN-free inputs).
inline void max_into(const float* __restrict source, std::int64_t stride, float* __restrict target, std::int64_t count) {
    if (stride == 1) {
        for (std::int64_t f = 0; f < count; ++f) {
            const float v = source[f];
            target[f] = target[f] < v ? v : target[f];
        }
    } else {
        for (std::int64_t f = 0; f < count; ++f) {
            const float v = source[f * stride];
            target[f] = target[f] < v ? v : target[f];
        }
    }
}

/// target[f] += source[f * stride].
inline void add_into(const float* __restrict source, std::int64_t stride, float* __restrict target, std::int64_t count) {
    if (stride == 1) {
        for (std::int64_t f = 0; f < count; ++f) target[f] += source[f];
    } else {
        for (std::int64_t f = 0; f < count; ++f) target[f] += source[f * stride];
    }
}

}  // namespace eap::detail
