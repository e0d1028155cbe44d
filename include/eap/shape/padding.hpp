// SPDX-License-Identifier: MIT
#pragma once

#include <cstdint>

namespace eap {

/// Zero padding on each side of a feature map, in pixels.
struct padding {
    std::int64_t top = 0;
    std::int64_t bottom = 0;
    std::int64_t left = 0;
    std::int64_t right = 0;

    /// The same padding on all four sides.
    static constexpr padding uniform(std::int64_t p) { return padding{p, p, p, p}; }
    /// `vertical` on top and bottom, `horizontal` on left and right.
    static constexpr padding symmetric(std::int64_t vertical, std::int64_t horizontal) {
        return padding{vertical, vertical, horizontal, horizontal};
    }

    friend constexpr bool operator==(const padding& a, const padding& b) {
        return a.top == b.top && a.bottom == b.bottom && a.left == b.left && a.right == b.right;
    }
    friend constexpr bool operator!=(const padding& a, const padding& b) { return !(a == b); }
};

}  // namespace eap
