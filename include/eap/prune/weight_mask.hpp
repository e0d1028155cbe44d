// SPDX-License-Identifier: MIT
#pragma once

#include <cmath>
#include <cstddef>
#include <cstdint>
#include <sstream>
#include <string>
#include <type_traits>
#include <vector>

#include "eap/detail/checked_arithmetic.hpp"
#include "eap/detail/xtensor.hpp"
#include "eap/error.hpp"

namespace eap {

/// Which weights of a layer are kept (1) and which are pruned (0); the same shape as the weights
/// (CONV: M x C/groups x R x S, FC: M x K). The first axis is always the output channel, and one
/// output channel's weights are contiguous (row-major), so a mask is also an M x K matrix whose
/// row m belongs to filter m.
///
/// The solvers return masks of this type and accept masks of any arithmetic element type holding
/// only 0 and 1 (a float mask, as a training engine may keep, works as well).
template <std::size_t Rank>
using weight_mask = xt::xtensor<std::uint8_t, Rank>;

namespace detail {

template <class Shape>
std::string shape_string(const Shape& shape) {
    std::ostringstream out;
    out << '(';
    for (std::size_t i = 0; i < shape.size(); ++i) out << (i ? ", " : "") << shape[i];
    out << ')';
    return out.str();
}

/// Rows of the M x K matrix view of a weight tensor: its first extent (1 for an empty rank).
template <class Tensor>
std::int64_t matrix_rows(const Tensor& t) {
    return t.dimension() == 0 ? 1 : static_cast<std::int64_t>(t.shape()[0]);
}

/// Columns of the M x K matrix view: the product of the remaining extents.
template <class Tensor>
std::int64_t matrix_cols(const Tensor& t) {
    std::int64_t cols = 1;
    for (std::size_t i = 1; i < t.dimension(); ++i)
        cols = detail::checked_mul(cols, static_cast<std::int64_t>(t.shape()[i]), "weight matrix columns");
    return cols;
}

/// Throws `eap::shape_error` unless `mask` has the shape of `weights`, and `eap::argument_error`
/// unless every entry of `mask` is 0 or 1.
template <class T, class M, std::size_t Rank>
void check_mask(const char* function, const char* mask_name, const xt::xtensor<M, Rank>& mask, const char* weights_name,
                const xt::xtensor<T, Rank>& weights) {
    static_assert(std::is_arithmetic<M>::value, "eap: a weight mask must hold an arithmetic type");
    if (mask.shape() != weights.shape())
        throw shape_error(detail::message(function, ": argument '", mask_name, "' has shape ",
                                          detail::shape_string(mask.shape()), " but '", weights_name, "' has shape ",
                                          detail::shape_string(weights.shape())));
    const M* data = mask.data();
    for (std::size_t i = 0; i < mask.size(); ++i) {
        if (data[i] != M(0) && data[i] != M(1))
            throw argument_error(detail::message(function, ": argument '", mask_name,
                                                 "' must hold only 0 and 1; entry ", i, " is ", +data[i]));
    }
}

/// Throws `eap::argument_error` naming the first entry of `values` that is NaN or infinite.
template <class T, std::size_t Rank>
void check_finite(const char* function, const char* name, const xt::xtensor<T, Rank>& values) {
    const T* data = values.data();
    for (std::size_t i = 0; i < values.size(); ++i) {
        if (!std::isfinite(data[i]))
            throw argument_error(
                detail::message(function, ": argument '", name, "' must be finite; entry ", i, " is ", data[i]));
    }
}

}  // namespace detail

/// A mask that keeps every weight of `weights`.
template <class T, std::size_t Rank>
weight_mask<Rank> full_mask(const xt::xtensor<T, Rank>& weights) {
    return xt::ones<std::uint8_t>(weights.shape());
}

/// A mask that keeps exactly the non-zero weights of `weights`.
template <class T, std::size_t Rank>
weight_mask<Rank> nonzero_mask(const xt::xtensor<T, Rank>& weights) {
    weight_mask<Rank> mask = xt::empty<std::uint8_t>(weights.shape());
    const T* w = weights.data();
    std::uint8_t* m = mask.data();
    for (std::size_t i = 0; i < weights.size(); ++i) m[i] = w[i] != T(0) ? 1 : 0;
    return mask;
}

/// Number of kept (non-zero) entries of `mask`.
template <class M, std::size_t Rank>
std::int64_t kept_count(const xt::xtensor<M, Rank>& mask) {
    std::int64_t kept = 0;
    const M* m = mask.data();
    for (std::size_t i = 0; i < mask.size(); ++i) kept += m[i] != M(0) ? 1 : 0;
    return kept;
}

/// Number of kept weights of each output channel (the first axis of `mask`).
template <class M, std::size_t Rank>
std::vector<std::int64_t> kept_per_output_channel(const xt::xtensor<M, Rank>& mask) {
    static_assert(Rank >= 1, "eap::kept_per_output_channel: the mask needs an output-channel axis");
    const std::int64_t rows = detail::matrix_rows(mask);
    const std::int64_t cols = detail::matrix_cols(mask);
    std::vector<std::int64_t> kept(static_cast<std::size_t>(rows), 0);
    const M* m = mask.data();
    for (std::int64_t r = 0; r < rows; ++r)
        for (std::int64_t c = 0; c < cols; ++c) kept[static_cast<std::size_t>(r)] += m[r * cols + c] != M(0) ? 1 : 0;
    return kept;
}

/// Zeroes every weight whose mask entry is 0, in place, so that pruned weights are exactly zero.
template <class T, class M, std::size_t Rank>
void apply_mask(xt::xtensor<T, Rank>& weights, const xt::xtensor<M, Rank>& mask) {
    detail::check_mask("eap::apply_mask", "mask", mask, "weights", weights);
    T* w = weights.data();
    const M* m = mask.data();
    for (std::size_t i = 0; i < weights.size(); ++i)
        if (m[i] == M(0)) w[i] = T(0);
}

/// `mask` as another element type (e.g. a float mask to multiply gradients with).
template <class To, class M, std::size_t Rank>
xt::xtensor<To, Rank> mask_cast(const xt::xtensor<M, Rank>& mask) {
    xt::xtensor<To, Rank> out = xt::empty<To>(mask.shape());
    const M* m = mask.data();
    To* o = out.data();
    for (std::size_t i = 0; i < mask.size(); ++i) o[i] = m[i] != M(0) ? To(1) : To(0);
    return out;
}

}  // namespace eap
