// SPDX-License-Identifier: MIT
#pragma once

#include <cstdint>

#include "eap/detail/checked_arithmetic.hpp"

namespace eap {

/// The shape of one image's feature map: channels x height x width.
struct fmap_shape {
    std::int64_t channels = 1;
    std::int64_t height = 1;
    std::int64_t width = 1;

    /// Number of values in one image's feature map, overflow-checked.
    constexpr std::int64_t size() const {
        return detail::checked_product("fmap_shape::size", channels, height, width);
    }

    friend constexpr bool operator==(const fmap_shape& a, const fmap_shape& b) {
        return a.channels == b.channels && a.height == b.height && a.width == b.width;
    }
    friend constexpr bool operator!=(const fmap_shape& a, const fmap_shape& b) { return !(a == b); }
};

}  // namespace eap
