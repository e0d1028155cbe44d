// SPDX-License-Identifier: MIT
#pragma once

#include <algorithm>
#include <cmath>
#include <cstdint>
#include <vector>

#include "eap/engine/model.hpp"
#include "eap/error.hpp"
#include "eap/prune/gram_matrix.hpp"
#include "eap/prune/least_squares_fit.hpp"
#include "eap/prune/magnitude_pruning.hpp"
#include "eap/prune/restoration.hpp"
#include "eap/prune/weight_mask.hpp"

namespace eap {

/// How one layer is pruned to a given number of weights.
enum class layer_pruning_method : std::uint8_t {
    magnitude,          ///< keep the largest weights as they are
    magnitude_fit,      ///< keep the largest weights, then least-squares fit them (and the bias)
    restoration_fit,    ///< over-prune by magnitude, restore by output error, least-squares fit
};

constexpr const char* to_string(layer_pruning_method m) {
    switch (m) {
    case layer_pruning_method::magnitude: return "magnitude";
    case layer_pruning_method::magnitude_fit: return "magnitude+fit";
    case layer_pruning_method::restoration_fit: return "restoration+fit";
    }
    return "?";
}

struct layer_pruning_options {
    layer_pruning_method method = layer_pruning_method::restoration_fit;
    /// Restoration starts from the largest keep * (1 - over_prune_margin) weights and returns the
    /// rest by output error. A fraction of the kept count (not of the removed count): at the
    /// densities energy-aware pruning reaches, a share of the removed weights would mean
    /// restoring far more weights than are finally kept.
    double over_prune_margin = 0.2;
    restoration_options restoration{};
    least_squares_options fit{};
};

/// What pruning one layer did. Errors are sums of squares of the layer's output error over the
/// samples of its Gram systems (relative: divided by `output_energy`).
struct layer_pruning_report {
    layer_pruning_method method = layer_pruning_method::magnitude;
    std::int64_t weights = 0;
    std::int64_t kept = 0;
    std::int64_t restored = 0;          ///< weights returned by restoration
    double output_energy = 0.0;
    double error_after = 0.0;           ///< with the final weights (not known for `magnitude`: -1)
    std::int64_t ridge_channels = 0;    ///< channels whose fit needed a ridge term
    double relative_error() const { return output_energy > 0.0 && error_after >= 0.0 ? error_after / output_energy : -1.0; }
};

namespace detail {

template <std::size_t Rank>
layer_pruning_report prune_weights(const xt::xtensor<float, Rank>& reference, const xt::xtensor<float, 1>& reference_bias,
                                   const std::vector<gram_system>& systems, std::int64_t keep,
                                   const layer_pruning_options& options, xt::xtensor<float, Rank>& weights,
                                   xt::xtensor<float, Rank>& mask, xt::xtensor<float, 1>& bias) {
    layer_pruning_report report;
    report.method = options.method;
    report.weights = static_cast<std::int64_t>(reference.size());
    report.kept = keep;
    report.error_after = -1.0;
    auto store_mask = [&mask](const weight_mask<Rank>& m) {
        mask = xt::empty<float>(m.shape());
        std::transform(m.begin(), m.end(), mask.begin(), [](std::uint8_t v) { return v != 0 ? 1.0f : 0.0f; });
    };
    switch (options.method) {
    case layer_pruning_method::magnitude: {
        const weight_mask<Rank> m = magnitude_prune(reference, keep);
        store_mask(m);
        weights = reference * mask;
        bias = reference_bias;
        return report;
    }
    case layer_pruning_method::magnitude_fit: {
        const weight_mask<Rank> m = magnitude_prune(reference, keep);
        auto fit = fit_least_squares(systems, reference, m, reference_bias, options.fit);
        store_mask(m);
        weights = std::move(fit.weights);
        bias = std::move(fit.bias);
        report.output_energy = fit.report.output_energy;
        report.error_after = fit.report.error_after;
        report.ridge_channels = fit.report.ridge_channels;
        return report;
    }
    case layer_pruning_method::restoration_fit: {
        const auto start = std::max<std::int64_t>(
            0, keep - static_cast<std::int64_t>(std::llround(options.over_prune_margin * static_cast<double>(keep))));
        const weight_mask<Rank> over = magnitude_prune(reference, start);
        auto restored = restore_weights(systems, reference, over, reference_bias, keep, options.restoration);
        store_mask(restored.mask);
        weights = std::move(restored.weights);
        bias = std::move(restored.bias);
        report.kept = restored.report.kept_after;
        report.restored = restored.report.kept_after - restored.report.kept_before;
        report.output_energy = restored.report.fit.output_energy;
        report.error_after = restored.report.fit.error_after;
        report.ridge_channels = restored.report.fit.ridge_channels;
        return report;
    }
    }
    throw argument_error("eap::prune_layer: unknown method");
}

}  // namespace detail

/// Prunes one CONV or FC layer to `keep` weights, starting from its weights and bias in
/// `reference` (a model's `layer_parameters`): writes the new weights and bias into `weights` and
/// the 0/1 mask into `mask` (shaped as the engine's). `systems` are the layer's Gram systems
/// (`build_layer_systems` with a bias column): X from the network pruned so far, Y the original
/// network's pre-activation output. Restoration may stop short of `keep` when no weight lowers
/// the error any more (`report.kept` says how many were kept).
inline layer_pruning_report prune_layer(const engine::layer_parameters& reference, const std::vector<gram_system>& systems,
                                        std::int64_t keep, const layer_pruning_options& options,
                                        engine::layer_parameters& weights, engine::layer_parameters& mask) {
    const std::int64_t total = static_cast<std::int64_t>(reference.weight_count());
    if (keep < 0 || keep > total)
        throw argument_error(detail::message("eap::prune_layer: keep = ", keep, " must be in [0, ", total, "]"));
    if (!(options.over_prune_margin >= 0.0 && options.over_prune_margin <= 1.0))
        throw argument_error(detail::message("eap::prune_layer: over_prune_margin = ", options.over_prune_margin,
                                             " must be in [0, 1]"));
    if (reference.conv.size() != 0) {
        weights.fc = {};
        mask.fc = {};
        return detail::prune_weights(reference.conv, reference.bias, systems, keep, options, weights.conv, mask.conv,
                                     weights.bias);
    }
    weights.conv = {};
    mask.conv = {};
    return detail::prune_weights(reference.fc, reference.bias, systems, keep, options, weights.fc, mask.fc, weights.bias);
}

}  // namespace eap
