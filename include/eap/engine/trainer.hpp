// SPDX-License-Identifier: MIT
#pragma once

#include <algorithm>
#include <array>
#include <chrono>
#include <cstdint>
#include <functional>
#include <numeric>
#include <vector>

#include "eap/detail/random.hpp"
#include "eap/engine/executor.hpp"
#include "eap/engine/loss.hpp"
#include "eap/engine/model.hpp"
#include "eap/engine/sgd.hpp"
#include "eap/engine/tensor.hpp"
#include "eap/error.hpp"

namespace eap::engine {

/// Random changes applied to each training image as its batch is assembled.
struct augmentation {
    /// Shift by up to this many pixels in each direction (uniform), filling with zeros.
    std::int64_t max_shift = 0;
    /// Mirror left-right with probability 1/2.
    bool horizontal_flip = false;
};

struct training_options {
    std::int64_t epochs = 1;
    std::int64_t batch_size = 64;
    /// Stop after this many steps in all (0: run every epoch to the end).
    std::int64_t max_steps = 0;
    sgd_options optimizer{};
    learning_rate_schedule schedule{};
    augmentation augment{};
    /// Seeds the order of the images and the augmentation: a seed gives the same training run.
    std::uint64_t seed = 1;
};

/// What one epoch did.
struct epoch_report {
    std::int64_t epoch = 0;            ///< 1-based
    std::int64_t steps = 0;            ///< mini-batches in this epoch
    double mean_loss = 0.0;            ///< over the epoch's training images (as augmented)
    double accuracy = 0.0;             ///< top-1 on the epoch's training batches, as they were seen
    double learning_rate = 0.0;        ///< at the epoch's last step
    double seconds = 0.0;
};

/// Mini-batch training of a model with masked SGD (see `eap::engine::sgd`): every epoch visits
/// the training images once in a seeded random order. Holds the executor, the optimiser and the
/// batch buffers, so `step` can also drive a custom loop.
class trainer {
public:
    trainer(model& m, training_options options) : model_(m), options_(options), optimizer_(options.optimizer) {
        if (options_.epochs < 1)
            throw argument_error(eap::detail::message("eap::engine::trainer: epochs = ", options_.epochs, " must be at least 1"));
        if (options_.batch_size < 1)
            throw argument_error(eap::detail::message("eap::engine::trainer: batch_size = ", options_.batch_size,
                                                      " must be at least 1"));
        if (options_.max_steps < 0)
            throw argument_error(eap::detail::message("eap::engine::trainer: max_steps = ", options_.max_steps,
                                                      " must not be negative"));
        if (options_.augment.max_shift < 0)
            throw argument_error(eap::detail::message("eap::engine::trainer: augment.max_shift = ",
                                                      options_.augment.max_shift, " must not be negative"));
        options_.schedule.validate();
    }

    /// One SGD step on a batch (N x C x H x W images, N labels) at learning rate `rate`; returns
    /// the batch's mean loss. `correct`, when not null, receives the batch's top-1 hits.
    double step(const activation_tensor& images, const label_tensor& labels, float rate,
                std::int64_t* correct = nullptr) {
        const activation_tensor& logits = runner_.forward(model_, images);
        const double loss = engine::softmax_cross_entropy(logits, labels, &logit_grad_);
        if (correct) *correct = engine::count_top_k(logits, labels, 1);
        runner_.backward(model_, logit_grad_, gradients_);
        optimizer_.step(model_, gradients_, rate);
        return loss;
    }

    /// Trains on `images` (N x C x H x W) with `labels` (N) for the configured epochs, calling
    /// `on_epoch` after each; returns one report per epoch run.
    std::vector<epoch_report> fit(const activation_tensor& images, const label_tensor& labels,
                                  const std::function<void(const epoch_report&)>& on_epoch = {}) {
        const auto total = static_cast<std::int64_t>(images.shape()[0]);
        if (total < 1) throw argument_error("eap::engine::trainer::fit: no training images");
        if (static_cast<std::int64_t>(labels.size()) != total)
            throw shape_error(eap::detail::message("eap::engine::trainer::fit: ", labels.size(), " labels for ", total,
                                                   " images"));
        const std::int64_t per_epoch = (total + options_.batch_size - 1) / options_.batch_size;
        std::int64_t planned = per_epoch * options_.epochs;
        if (options_.max_steps > 0) planned = std::min(planned, options_.max_steps);
        eap::detail::random_generator random(options_.seed);
        std::vector<std::int64_t> order(static_cast<std::size_t>(total));
        std::vector<epoch_report> reports;
        std::int64_t done = 0;
        for (std::int64_t epoch = 1; epoch <= options_.epochs && done < planned; ++epoch) {
            const auto start = std::chrono::steady_clock::now();
            std::iota(order.begin(), order.end(), std::int64_t{0});
            random.shuffle(order.data(), total);
            epoch_report report;
            report.epoch = epoch;
            double loss_sum = 0.0;
            std::int64_t seen = 0, hits = 0;
            for (std::int64_t first = 0; first < total && done < planned; first += options_.batch_size) {
                const std::int64_t count = std::min(options_.batch_size, total - first);
                assemble(images, labels, order.data() + first, count, random);
                const double rate = options_.schedule.at(static_cast<double>(done) / static_cast<double>(planned));
                std::int64_t correct = 0;
                loss_sum += step(batch_images_, batch_labels_, static_cast<float>(rate), &correct) *
                            static_cast<double>(count);
                hits += correct;
                seen += count;
                ++done;
                ++report.steps;
                report.learning_rate = rate;
            }
            report.mean_loss = loss_sum / static_cast<double>(seen);
            report.accuracy = static_cast<double>(hits) / static_cast<double>(seen);
            report.seconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
            reports.push_back(report);
            if (on_epoch) on_epoch(report);
        }
        return reports;
    }

    executor& runner() noexcept { return runner_; }
    sgd& optimizer() noexcept { return optimizer_; }

private:
    void assemble(const activation_tensor& images, const label_tensor& labels, const std::int64_t* indices,
                  std::int64_t count, eap::detail::random_generator& random) {
        const std::size_t c = images.shape()[1], h = images.shape()[2], w = images.shape()[3];
        const std::array<std::size_t, 4> shape{static_cast<std::size_t>(count), c, h, w};
        if (batch_images_.shape() != shape) batch_images_.resize(shape);
        if (batch_labels_.size() != static_cast<std::size_t>(count)) batch_labels_.resize({static_cast<std::size_t>(count)});
        const std::int64_t image_size = static_cast<std::int64_t>(c * h * w);
        const auto height = static_cast<std::int64_t>(h), width = static_cast<std::int64_t>(w);
        const std::int64_t shift = options_.augment.max_shift;
        for (std::int64_t n = 0; n < count; ++n) {
            const float* source = images.data() + indices[n] * image_size;
            float* target = batch_images_.data() + n * image_size;
            batch_labels_(n) = labels(indices[n]);
            const std::int64_t dy = shift > 0 ? static_cast<std::int64_t>(random.below(2 * shift + 1)) - shift : 0;
            const std::int64_t dx = shift > 0 ? static_cast<std::int64_t>(random.below(2 * shift + 1)) - shift : 0;
            const bool flip = options_.augment.horizontal_flip && random.below(2) == 1;
            if (dy == 0 && dx == 0 && !flip) {
                std::copy(source, source + image_size, target);
                continue;
            }
            // target(y, x) = source(y - dy, x' - dx) where x' mirrors x when flipping.
            for (std::int64_t plane = 0; plane < static_cast<std::int64_t>(c); ++plane) {
                const float* sp = source + plane * height * width;
                float* tp = target + plane * height * width;
                for (std::int64_t y = 0; y < height; ++y) {
                    const std::int64_t sy = y - dy;
                    for (std::int64_t x = 0; x < width; ++x) {
                        const std::int64_t xm = flip ? width - 1 - x : x;
                        const std::int64_t sx = xm - dx;
                        tp[y * width + x] = (sy >= 0 && sy < height && sx >= 0 && sx < width) ? sp[sy * width + sx] : 0.0f;
                    }
                }
            }
        }
    }

    model& model_;
    training_options options_;
    sgd optimizer_;
    executor runner_;
    parameter_set gradients_;
    activation_tensor logit_grad_;
    activation_tensor batch_images_;
    label_tensor batch_labels_;
};

/// Trains `m` on `images` and `labels` as `options` say (see `trainer`).
inline std::vector<epoch_report> train(model& m, const activation_tensor& images, const label_tensor& labels,
                                       const training_options& options,
                                       const std::function<void(const epoch_report&)>& on_epoch = {}) {
    trainer t(m, options);
    return t.fit(images, labels, on_epoch);
}

}  // namespace eap::engine
