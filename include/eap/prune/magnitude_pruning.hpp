// SPDX-License-Identifier: MIT
#pragma once

#include <algorithm>
#include <cmath>
#include <cstddef>
#include <cstdint>
#include <functional>
#include <vector>

#include "eap/detail/checked_arithmetic.hpp"
#include "eap/detail/xtensor.hpp"
#include "eap/error.hpp"
#include "eap/prune/weight_mask.hpp"

namespace eap {

// Magnitude pruning keeps the weights of largest absolute value. Ties at the threshold are broken
// by position: the weight with the lower flat (row-major) index is kept, and across layers the
// earlier layer in the list wins. So the result depends only on the values, never on the sort
// algorithm, and the global selection restricted to one layer equals that layer's own selection
// with the count the global pass gave it.

namespace detail {

/// Kept count for a fraction of `total`: round to nearest, halves away from zero.
inline std::int64_t count_for_fraction(const char* function, double keep_fraction, std::int64_t total) {
    if (!(keep_fraction >= 0.0 && keep_fraction <= 1.0))
        throw argument_error(
            detail::message(function, ": argument 'keep_fraction' must be in [0, 1] (got ", keep_fraction, ")"));
    return std::min<std::int64_t>(total, std::llround(keep_fraction * static_cast<double>(total)));
}

/// The `keep`-th largest of `magnitudes` (1-based; keep >= 1 and <= size). Reorders the vector.
template <class T>
T kth_largest(std::vector<T>& magnitudes, std::int64_t keep) {
    auto nth = magnitudes.begin() + (keep - 1);
    std::nth_element(magnitudes.begin(), nth, magnitudes.end(), std::greater<T>());
    return *nth;
}

/// Mask keeping the `keep` largest |w| among the eligible entries (mask == nullptr: all).
template <class T, class M>
void select_largest(const T* w, const M* eligible, std::size_t size, std::int64_t keep, std::uint8_t* out) {
    std::vector<T> magnitudes;
    magnitudes.reserve(size);
    for (std::size_t i = 0; i < size; ++i)
        if (eligible == nullptr || eligible[i] != M(0)) magnitudes.push_back(std::abs(w[i]));
    std::fill(out, out + size, std::uint8_t(0));
    if (keep == 0) return;
    const std::int64_t available = static_cast<std::int64_t>(magnitudes.size());
    if (keep >= available) {
        for (std::size_t i = 0; i < size; ++i) out[i] = (eligible == nullptr || eligible[i] != M(0)) ? 1 : 0;
        return;
    }
    const T threshold = detail::kth_largest(magnitudes, keep);
    std::int64_t above = 0;
    for (std::size_t i = 0; i < size; ++i)
        if ((eligible == nullptr || eligible[i] != M(0)) && std::abs(w[i]) > threshold) ++above;
    std::int64_t ties = keep - above;  // >= 1: the threshold itself is among the kept
    for (std::size_t i = 0; i < size; ++i) {
        if (eligible != nullptr && eligible[i] == M(0)) continue;
        const T a = std::abs(w[i]);
        if (a > threshold) {
            out[i] = 1;
        } else if (a == threshold && ties > 0) {
            out[i] = 1;
            --ties;
        }
    }
}

template <class T, class M, std::size_t Rank>
weight_mask<Rank> magnitude_prune_impl(const char* function, const xt::xtensor<T, Rank>& weights, std::int64_t keep,
                                       const xt::xtensor<M, Rank>* current) {
    detail::check_finite(function, "weights", weights);
    std::int64_t available = static_cast<std::int64_t>(weights.size());
    if (current != nullptr) {
        detail::check_mask(function, "current_mask", *current, "weights", weights);
        available = eap::kept_count(*current);
    }
    if (keep < 0)
        throw argument_error(detail::message(function, ": argument 'keep' must not be negative (got ", keep, ")"));
    if (keep > available)
        throw argument_error(
            detail::message(function, ": argument 'keep' = ", keep, " exceeds the ", available,
                            current != nullptr ? " weights the current mask keeps" : " weights of the layer"));
    weight_mask<Rank> mask = xt::empty<std::uint8_t>(weights.shape());
    detail::select_largest(weights.data(), current != nullptr ? current->data() : static_cast<const M*>(nullptr),
                           weights.size(), keep, mask.data());
    return mask;
}

}  // namespace detail

/// Keeps the `keep` weights of largest magnitude (ties: lower index first). Throws
/// `eap::argument_error` when keep < 0 or keep > weights.size(), or when a weight is not finite.
template <class T, std::size_t Rank>
weight_mask<Rank> magnitude_prune(const xt::xtensor<T, Rank>& weights, std::int64_t keep) {
    return detail::magnitude_prune_impl<T, std::uint8_t, Rank>("eap::magnitude_prune", weights, keep, nullptr);
}

/// As above, choosing only among the weights `current_mask` keeps (pruned weights stay pruned);
/// keep must not exceed kept_count(current_mask).
template <class T, class M, std::size_t Rank>
weight_mask<Rank> magnitude_prune(const xt::xtensor<T, Rank>& weights, std::int64_t keep,
                                  const xt::xtensor<M, Rank>& current_mask) {
    return detail::magnitude_prune_impl<T, M, Rank>("eap::magnitude_prune", weights, keep, &current_mask);
}

/// Keeps round(keep_fraction * weights.size()) weights of largest magnitude. Throws
/// `eap::argument_error` unless 0 <= keep_fraction <= 1.
template <class T, std::size_t Rank>
weight_mask<Rank> magnitude_prune_fraction(const xt::xtensor<T, Rank>& weights, double keep_fraction) {
    const char* function = "eap::magnitude_prune_fraction";
    const std::int64_t keep =
        detail::count_for_fraction(function, keep_fraction, static_cast<std::int64_t>(weights.size()));
    return detail::magnitude_prune_impl<T, std::uint8_t, Rank>(function, weights, keep, nullptr);
}

/// As above among the weights `current_mask` keeps; the fraction is of all weights of the layer,
/// so it must not exceed the fraction the current mask keeps.
template <class T, class M, std::size_t Rank>
weight_mask<Rank> magnitude_prune_fraction(const xt::xtensor<T, Rank>& weights, double keep_fraction,
                                           const xt::xtensor<M, Rank>& current_mask) {
    const char* function = "eap::magnitude_prune_fraction";
    const std::int64_t keep =
        detail::count_for_fraction(function, keep_fraction, static_cast<std::int64_t>(weights.size()));
    return detail::magnitude_prune_impl<T, M, Rank>(function, weights, keep, &current_mask);
}

/// One layer taking part in global magnitude pruning: its weights and, optionally, the mask of
/// the weights still in play (nullptr: all). Non-owning; build it with `magnitude_candidates`.
struct magnitude_layer {
    const float* weights = nullptr;
    const std::uint8_t* mask = nullptr;
    std::int64_t size = 0;
};

/// A `magnitude_layer` over all weights of a layer (kept alive by the caller).
template <std::size_t Rank>
magnitude_layer magnitude_candidates(const xt::xtensor<float, Rank>& weights) {
    return magnitude_layer{weights.data(), nullptr, static_cast<std::int64_t>(weights.size())};
}

/// A `magnitude_layer` over the weights `mask` keeps (checked against `weights`).
template <std::size_t Rank>
magnitude_layer magnitude_candidates(const xt::xtensor<float, Rank>& weights, const weight_mask<Rank>& mask) {
    detail::check_mask("eap::magnitude_candidates", "mask", mask, "weights", weights);
    return magnitude_layer{weights.data(), mask.data(), static_cast<std::int64_t>(weights.size())};
}

/// Global magnitude pruning across layers: how many weights each layer keeps when the `keep`
/// weights of largest magnitude over all layers are kept (ties: earlier layer, then lower index).
/// `magnitude_prune(weights_l, counts[l] [, mask_l])` then gives each layer's mask, and together
/// they are exactly the global selection.
inline std::vector<std::int64_t> global_magnitude_counts(const std::vector<magnitude_layer>& layers,
                                                         std::int64_t keep) {
    const char* function = "eap::global_magnitude_counts";
    std::int64_t available = 0;
    for (std::size_t l = 0; l < layers.size(); ++l) {
        const magnitude_layer& layer = layers[l];
        if (layer.size < 0 || (layer.size > 0 && layer.weights == nullptr))
            throw argument_error(
                detail::message(function, ": argument 'layers[", l, "]' has no weights (size ", layer.size, ")"));
        for (std::int64_t i = 0; i < layer.size; ++i) {
            if (layer.mask != nullptr && layer.mask[i] > 1)
                throw argument_error(detail::message(function, ": argument 'layers[", l,
                                                     "].mask' must hold only 0 and 1; entry ", i, " is ",
                                                     +layer.mask[i]));
            if (layer.mask != nullptr && layer.mask[i] == 0) continue;
            if (!std::isfinite(layer.weights[i]))
                throw argument_error(detail::message(function, ": argument 'layers[", l,
                                                     "].weights' must be finite; entry ", i, " is ", layer.weights[i]));
            available = detail::checked_add(available, 1, "global_magnitude_counts");
        }
    }
    if (keep < 0)
        throw argument_error(detail::message(function, ": argument 'keep' must not be negative (got ", keep, ")"));
    if (keep > available)
        throw argument_error(detail::message(function, ": argument 'keep' = ", keep, " exceeds the ", available,
                                             " candidate weights of all layers"));
    std::vector<std::int64_t> counts(layers.size(), 0);
    if (keep == 0) return counts;
    auto eligible = [](const magnitude_layer& layer, std::int64_t i) {
        return layer.mask == nullptr || layer.mask[i] != 0;
    };
    if (keep == available) {
        for (std::size_t l = 0; l < layers.size(); ++l)
            for (std::int64_t i = 0; i < layers[l].size; ++i) counts[l] += eligible(layers[l], i) ? 1 : 0;
        return counts;
    }
    std::vector<float> magnitudes;
    magnitudes.reserve(static_cast<std::size_t>(available));
    for (const magnitude_layer& layer : layers)
        for (std::int64_t i = 0; i < layer.size; ++i)
            if (eligible(layer, i)) magnitudes.push_back(std::abs(layer.weights[i]));
    const float threshold = detail::kth_largest(magnitudes, keep);
    std::int64_t above = 0;
    for (std::size_t l = 0; l < layers.size(); ++l)
        for (std::int64_t i = 0; i < layers[l].size; ++i)
            if (eligible(layers[l], i) && std::abs(layers[l].weights[i]) > threshold) {
                ++counts[l];
                ++above;
            }
    std::int64_t ties = keep - above;
    for (std::size_t l = 0; l < layers.size() && ties > 0; ++l)
        for (std::int64_t i = 0; i < layers[l].size && ties > 0; ++i)
            if (eligible(layers[l], i) && std::abs(layers[l].weights[i]) == threshold) {
                ++counts[l];
                --ties;
            }
    return counts;
}

/// Global magnitude pruning of layers of one rank (e.g. all FC layers): the masks that keep the
/// `keep` weights of largest magnitude across all of them.
template <std::size_t Rank>
std::vector<weight_mask<Rank>> magnitude_prune_global(const std::vector<xt::xtensor<float, Rank>>& layers,
                                                      std::int64_t keep) {
    std::vector<magnitude_layer> refs;
    refs.reserve(layers.size());
    for (const auto& w : layers) refs.push_back(eap::magnitude_candidates(w));
    const std::vector<std::int64_t> counts = eap::global_magnitude_counts(refs, keep);
    std::vector<weight_mask<Rank>> masks;
    masks.reserve(layers.size());
    for (std::size_t l = 0; l < layers.size(); ++l) masks.push_back(eap::magnitude_prune(layers[l], counts[l]));
    return masks;
}

/// The kept count global magnitude pruning gives a fraction of all candidate weights; throws
/// `eap::argument_error` unless 0 <= keep_fraction <= 1.
inline std::vector<std::int64_t> global_magnitude_counts_fraction(const std::vector<magnitude_layer>& layers,
                                                                  double keep_fraction) {
    std::int64_t total = 0;
    for (const magnitude_layer& layer : layers)
        total = detail::checked_add(total, std::max<std::int64_t>(layer.size, 0), "total weights");
    return eap::global_magnitude_counts(
        layers, detail::count_for_fraction("eap::global_magnitude_counts_fraction", keep_fraction, total));
}

}  // namespace eap
