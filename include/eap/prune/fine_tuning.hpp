// SPDX-License-Identifier: MIT
#pragma once

#include <cstdint>

#include "eap/data/labeled_images.hpp"
#include "eap/engine/evaluate.hpp"
#include "eap/engine/model.hpp"
#include "eap/engine/trainer.hpp"

namespace eap {

/// Global fine-tuning of a pruned model with masked SGD (pruned weights stay exactly zero):
/// trains `m` on `training` with `options` (its seed replaced by `seed`) and returns the top-1 on
/// `validation`. A fine-tuning that lowers that accuracy below `accuracy_before` (a learning rate
/// too high for a model near its optimum can do that) is undone, and `accuracy_before` returned.
/// Energy-aware pruning and the magnitude baseline both fine-tune through it, so they get the
/// same budget and the same rule.
inline double fine_tune(engine::model& m, engine::training_options options, std::uint64_t seed,
                        const data::labeled_images& training, const data::labeled_images& validation,
                        double accuracy_before, engine::executor& runner, std::int64_t evaluation_batch = 250) {
    const engine::model before = m;
    options.seed = seed;
    engine::trainer(m, options).fit(training.images, training.labels);
    const double after = engine::evaluate(runner, m, validation.images, validation.labels, evaluation_batch).top1();
    if (after >= accuracy_before) return after;
    m = before;
    return accuracy_before;
}

/// Whether an accuracy loss is within a limit, up to rounding: accuracies are ratios of image
/// counts, and 0.91 - 0.90 is a hair above 0.01 in binary.
constexpr bool within_limit(double loss, double limit) { return loss <= limit + 1e-9; }

}  // namespace eap
