// SPDX-License-Identifier: MIT
#pragma once

#include <algorithm>
#include <chrono>
#include <cmath>
#include <cstdint>
#include <functional>
#include <optional>
#include <string>
#include <vector>

#include "eap/data/labeled_images.hpp"
#include "eap/engine/evaluate.hpp"
#include "eap/engine/trainer.hpp"
#include "eap/error.hpp"
#include "eap/prune/fine_tuning.hpp"
#include "eap/prune/magnitude_pruning.hpp"

// The baseline energy-aware pruning is compared with: magnitude pruning with retraining in the
// style of Deep Compression (Han et al.): every layer drops the weights whose magnitude is below
// `quality` times the standard deviation of its weights, then the network is retrained with the
// masks. `quality` is the one knob, searched so that the retrained network stays within the
// accuracy loss limit; with several rounds the pruning is iterative, as in Deep Compression.

namespace eap {

struct magnitude_baseline_options {
    double accuracy_loss_limit = 0.01;
    /// Rounds of (prune, retrain); each round starts from the previous round's result when it
    /// met the limit.
    int rounds = 2;
    /// Bisection steps on `quality` per round, each a prune + retrain + evaluation.
    int search_steps = 4;
    double max_quality = 4.0;
    /// Retraining after each pruning, masks kept (the same budget energy-aware pruning uses).
    engine::training_options fine_tuning{};
    std::int64_t evaluation_batch = 250;
    std::uint64_t seed = 1;
    std::function<void(const std::string&)> progress{};
};

/// One retrained candidate of the search.
struct magnitude_point {
    int round = 0;
    double quality = 0.0;
    double accuracy = 0.0;  ///< validation top-1 after retraining
    std::int64_t nonzero_weights = 0;
    std::vector<double> keep_fractions;  ///< per CONV/FC layer, in network order
    bool meets_limit = false;
};

struct magnitude_baseline_result {
    engine::model model;
    std::vector<magnitude_point> points;  ///< every candidate tried, in order
    std::size_t best = 0;
    double original_accuracy = 0.0;
    bool limit_met = false;
};

namespace detail {

/// The mask that keeps, in every CONV/FC layer, the weights of magnitude above `quality` times
/// the standard deviation of the layer's non-zero weights (weights already pruned stay pruned).
inline void prune_by_layer_deviation(engine::model& m, double quality) {
    for (std::size_t i : m.graph().compute_layers()) {
        engine::layer_parameters& p = m.parameters(i);
        engine::layer_parameters& mask = m.mask(i);
        float* w = p.weight_data();
        float* k = mask.weight_data();
        const std::size_t n = p.weight_count();
        double sum = 0.0, squares = 0.0;
        std::int64_t count = 0;
        for (std::size_t j = 0; j < n; ++j)
            if (k[j] != 0.0f) {
                sum += w[j];
                squares += static_cast<double>(w[j]) * w[j];
                ++count;
            }
        if (count == 0) continue;
        const double mean = sum / static_cast<double>(count);
        const double deviation = std::sqrt(std::max(0.0, squares / static_cast<double>(count) - mean * mean));
        const double threshold = quality * deviation;
        for (std::size_t j = 0; j < n; ++j)
            if (std::abs(static_cast<double>(w[j])) <= threshold) k[j] = 0.0f;
    }
    m.apply_masks();
}

inline std::vector<double> keep_fractions(const engine::model& m) {
    std::vector<double> out;
    for (std::size_t i : m.graph().compute_layers()) {
        const engine::layer_parameters& mask = m.mask(i);
        const float* k = mask.weight_data();
        const auto kept = std::count_if(k, k + mask.weight_count(), [](float v) { return v != 0.0f; });
        out.push_back(static_cast<double>(kept) / static_cast<double>(mask.weight_count()));
    }
    return out;
}

}  // namespace detail

/// Magnitude pruning with retraining: returns the sparsest retrained model found that keeps the
/// top-1 loss on `validation` within the limit (or the most accurate candidate when none does).
inline magnitude_baseline_result prune_by_magnitude(const engine::model& original, const data::labeled_images& validation,
                                                    const data::labeled_images& training,
                                                    const magnitude_baseline_options& options = {}) {
    const char* f = "eap::prune_by_magnitude";
    if (options.rounds < 1) throw argument_error(detail::message(f, ": options.rounds = ", options.rounds, " must be at least 1"));
    if (options.search_steps < 1)
        throw argument_error(detail::message(f, ": options.search_steps = ", options.search_steps, " must be at least 1"));
    if (!(options.max_quality > 0.0))
        throw argument_error(detail::message(f, ": options.max_quality = ", options.max_quality, " must be positive"));
    if (validation.size() < 1 || training.size() < 1)
        throw argument_error(detail::message(f, ": the validation and training sets must not be empty"));
    engine::executor runner;
    auto accuracy = [&](const engine::model& m) {
        return engine::evaluate(runner, m, validation.images, validation.labels, options.evaluation_batch).top1();
    };
    magnitude_baseline_result result{original, {}, 0, accuracy(original), false};
    std::optional<std::size_t> best;
    engine::model start = original;
    for (int round = 0; round < options.rounds; ++round) {
        double good = 0.0, bad = options.max_quality;
        std::optional<engine::model> round_best;
        for (int step = 0; step < options.search_steps; ++step) {
            const double quality = 0.5 * (good + bad);
            engine::model m = start;
            detail::prune_by_layer_deviation(m, quality);
            magnitude_point point;
            point.round = round;
            point.quality = quality;
            point.accuracy = fine_tune(m, options.fine_tuning, options.seed + static_cast<std::uint64_t>(round), training,
                                       validation, accuracy(m), runner, options.evaluation_batch);
            point.nonzero_weights = m.nonzero_weights();
            point.keep_fractions = detail::keep_fractions(m);
            point.meets_limit = within_limit(result.original_accuracy - point.accuracy, options.accuracy_loss_limit);
            if (options.progress)
                options.progress(detail::message("magnitude round ", round, " quality ", quality, ": top-1 ", point.accuracy,
                                                 ", ", point.nonzero_weights, " weights",
                                                 point.meets_limit ? " (within the limit)" : " (over the limit)"));
            result.points.push_back(point);
            const std::size_t index = result.points.size() - 1;
            const bool improves = !best || (point.meets_limit && (!result.points[*best].meets_limit ||
                                                                  point.nonzero_weights < result.points[*best].nonzero_weights)) ||
                                  (!point.meets_limit && !result.points[*best].meets_limit &&
                                   point.accuracy > result.points[*best].accuracy);
            if (improves) {
                best = index;
                result.model = m;
            }
            if (point.meets_limit) {
                good = quality;
                round_best = std::move(m);
            } else {
                bad = quality;
            }
        }
        if (!round_best) break;  // nothing in this round met the limit: pruning further cannot
        start = std::move(*round_best);
    }
    result.best = *best;
    result.limit_met = result.points[result.best].meets_limit;
    return result;
}

}  // namespace eap
