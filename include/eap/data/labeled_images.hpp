// SPDX-License-Identifier: MIT
#pragma once

#include <algorithm>
#include <array>
#include <cstddef>
#include <cstdint>

#include "eap/detail/xtensor.hpp"
#include "eap/error.hpp"

namespace eap::data {

/// Images with one class label each.
struct labeled_images {
    xt::xtensor<float, 4> images;         ///< N x C x H x W (the engine's activation_tensor)
    xt::xtensor<std::int32_t, 1> labels;  ///< N (the engine's label_tensor)

    std::int64_t size() const noexcept { return static_cast<std::int64_t>(labels.size()); }
};

/// Images [first, first + count) of `set`, copied.
inline labeled_images subset(const labeled_images& set, std::int64_t first, std::int64_t count) {
    if (first < 0 || count < 0 || first > set.size() || count > set.size() - first)
        throw argument_error(eap::detail::message("eap::data::subset: images [", first, ", ", first, " + ", count,
                                                  ") are not within the ", set.size(), " images of the set"));
    labeled_images out;
    const std::array<std::size_t, 4> shape{static_cast<std::size_t>(count), set.images.shape()[1],
                                           set.images.shape()[2], set.images.shape()[3]};
    out.images = xt::empty<float>(shape);
    const std::size_t image = shape[1] * shape[2] * shape[3];
    std::copy(set.images.data() + static_cast<std::size_t>(first) * image,
              set.images.data() + static_cast<std::size_t>(first + count) * image, out.images.data());
    out.labels = xt::empty<std::int32_t>(std::array<std::size_t, 1>{static_cast<std::size_t>(count)});
    std::copy(set.labels.data() + first, set.labels.data() + first + count, out.labels.data());
    return out;
}

}  // namespace eap::data
