// SPDX-License-Identifier: MIT
#pragma once

#include <cstddef>
#include <cstdint>
#include <initializer_list>
#include <type_traits>
#include <utility>
#include <vector>

#include "eap/detail/xtensor.hpp"
#include "eap/error.hpp"
#include "eap/shape/conv_shape.hpp"
#include "eap/sparse/kernels/element_traits.hpp"

namespace eap::detail {

template <class E, class = void>
struct has_strided_data : std::false_type {};

template <class E>
struct has_strided_data<E, std::void_t<decltype(std::declval<const E&>().data()),
                                       decltype(std::declval<const E&>().data_offset()),
                                       decltype(std::declval<const E&>().strides())>> : std::true_type {};

/// The values of an xtensor expression as one row-major contiguous block: the expression's own
/// memory when it already is one (xtensor containers, adapted buffers, contiguous views), else
/// a row-major copy that this object owns. The sparse kernels read raw pointers, so every
/// layout and every lazy expression reaches them the same way.
template <class T>
class row_major_values {
public:
    template <class E>
    explicit row_major_values(const E& e) {
        shape_.assign(e.shape().begin(), e.shape().end());
        if constexpr (detail::has_strided_data<E>::value) {
            if (is_row_major_contiguous(e)) {
                external_ = e.data() + e.data_offset();
                return;
            }
        }
        owned_ = e;  // evaluates the expression into row-major memory
    }

    row_major_values(const row_major_values&) = delete;
    row_major_values& operator=(const row_major_values&) = delete;

    const T* data() const noexcept { return external_ != nullptr ? external_ : owned_.data(); }
    const std::vector<std::int64_t>& shape() const noexcept { return shape_; }
    std::size_t dimension() const noexcept { return shape_.size(); }
    std::int64_t extent(std::size_t axis) const noexcept { return shape_[axis]; }
    std::int64_t size() const noexcept {
        std::int64_t n = 1;
        for (auto extent : shape_) n *= extent;
        return n;
    }

private:
    template <class E>
    static bool is_row_major_contiguous(const E& e) {
        const auto& shape = e.shape();
        const auto& strides = e.strides();
        std::int64_t expected = 1;
        for (std::size_t axis = shape.size(); axis-- > 0;) {
            const auto extent = static_cast<std::int64_t>(shape[axis]);
            // xtensor gives extent-1 axes a stride of 0; such an axis never moves the pointer.
            if (extent > 1 && static_cast<std::int64_t>(strides[axis]) != expected) return false;
            expected *= extent;
        }
        return true;
    }

    std::vector<std::int64_t> shape_;
    const T* external_ = nullptr;
    xt::xarray<T> owned_;
};

/// The element type of an xtensor expression, checked to be one the sparse counters accept.
template <class E>
using sparse_value_t = std::remove_cv_t<typename E::value_type>;

template <class E>
constexpr void check_sparse_element_type() {
    static_assert(detail::is_sparse_element_v<sparse_value_t<E>>,
                  "eap sparse counters: the tensor's element type must be float, double, "
                  "std::int32_t, std::int16_t, std::int8_t, std::uint16_t or std::uint8_t");
}

// ---- checks of tensor shapes against a layer --------------------------------------------------

[[noreturn]] inline void throw_extent_mismatch(const char* function, const char* tensor, std::size_t axis,
                                               const char* axis_name, std::int64_t expected, std::int64_t actual) {
    throw shape_error(detail::message(function, ": ", tensor, " axis ", axis, " (", axis_name, ") has size ", actual,
                                      ", but the layer's conv_shape needs ", expected));
}

[[noreturn]] inline void throw_rank_mismatch(const char* function, const char* tensor, std::size_t rank,
                                             const char* expected) {
    throw shape_error(detail::message(function, ": ", tensor, " has ", rank, " dimensions; expected ", expected));
}

/// Checks each axis of `shape` against `expected` (name, size) pairs.
inline void check_extents(const char* function, const char* tensor, const std::vector<std::int64_t>& shape,
                          std::initializer_list<std::pair<const char*, std::int64_t>> expected) {
    std::size_t axis = 0;
    for (const auto& [name, size] : expected) {
        if (shape[axis] != size) detail::throw_extent_mismatch(function, tensor, axis, name, size, shape[axis]);
        ++axis;
    }
}

[[noreturn]] inline void throw_needs_fully_connected(const char* function, const char* tensor, const char* layout,
                                                     const conv_shape& layer) {
    throw shape_error(detail::message(function, ": ", tensor, " given as ", layout,
                                      " needs a fully-connected conv_shape (kernel covering the whole unpadded "
                                      "input, groups 1); got ", layer));
}

/// Weights: (M, C/groups, R, S), or (M, C*H*W) for a fully-connected layer.
inline void check_weight_tensor(const char* function, const std::vector<std::int64_t>& shape, const conv_shape& layer) {
    if (shape.size() == 4) {
        detail::check_extents(function, "weights", shape,
                              {{"M, output channels", layer.out_channels},
                               {"C/groups, input channels per group", layer.in_channels_per_group()},
                               {"R, kernel height", layer.kernel_height},
                               {"S, kernel width", layer.kernel_width}});
    } else if (shape.size() == 2) {
        if (!layer.is_fully_connected()) detail::throw_needs_fully_connected(function, "weights", "(M, K)", layer);
        detail::check_extents(function, "weights", shape,
                              {{"M, outputs", layer.out_channels}, {"K = C*H*W, inputs", layer.input_fmap().size()}});
    } else {
        detail::throw_rank_mismatch(function, "weights", shape.size(), "4 (M, C/groups, R, S) or 2 (M, K)");
    }
}

/// Input activations: (N, C, H, W), or (N, C*H*W) for a fully-connected layer.
inline void check_input_tensor(const char* function, const std::vector<std::int64_t>& shape, const conv_shape& layer) {
    if (shape.size() == 4) {
        detail::check_extents(function, "inputs", shape,
                              {{"N, batch", layer.batch},
                               {"C, channels", layer.in_channels},
                               {"H, height", layer.in_height},
                               {"W, width", layer.in_width}});
    } else if (shape.size() == 2) {
        if (!layer.is_fully_connected()) detail::throw_needs_fully_connected(function, "inputs", "(N, K)", layer);
        detail::check_extents(function, "inputs", shape,
                              {{"N, batch", layer.batch}, {"K = C*H*W, inputs", layer.input_fmap().size()}});
    } else {
        detail::throw_rank_mismatch(function, "inputs", shape.size(), "4 (N, C, H, W) or 2 (N, K)");
    }
}

/// Output activations: (N, M, E, F), or (N, M) for a fully-connected layer.
inline void check_output_tensor(const char* function, const std::vector<std::int64_t>& shape, const conv_shape& layer) {
    if (shape.size() == 4) {
        detail::check_extents(function, "outputs", shape,
                              {{"N, batch", layer.batch},
                               {"M, channels", layer.out_channels},
                               {"E, height", layer.out_height()},
                               {"F, width", layer.out_width()}});
    } else if (shape.size() == 2) {
        if (!layer.is_fully_connected()) detail::throw_needs_fully_connected(function, "outputs", "(N, M)", layer);
        detail::check_extents(function, "outputs", shape, {{"N, batch", layer.batch}, {"M, outputs", layer.out_channels}});
    } else {
        detail::throw_rank_mismatch(function, "outputs", shape.size(), "4 (N, M, E, F) or 2 (N, M)");
    }
}

[[noreturn]] inline void throw_nan(const char* function, const char* tensor) {
    throw argument_error(detail::message(function, ": ", tensor,
                                         " contain a NaN; a NaN is neither zero nor a value that can be counted"));
}

}  // namespace eap::detail
