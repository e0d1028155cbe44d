// SPDX-License-Identifier: MIT
#pragma once

#include <algorithm>
#include <cstdint>

#include "eap/engine/executor.hpp"
#include "eap/engine/loss.hpp"
#include "eap/engine/model.hpp"
#include "eap/engine/tensor.hpp"
#include "eap/error.hpp"

namespace eap::engine {

/// Classification quality of a model on a labelled set of images.
struct accuracy_report {
    std::int64_t images = 0;
    std::int64_t top1_correct = 0;
    std::int64_t top5_correct = 0;
    double mean_loss = 0.0;  ///< mean softmax cross-entropy

    double top1() const noexcept { return images == 0 ? 0.0 : static_cast<double>(top1_correct) / static_cast<double>(images); }
    double top5() const noexcept { return images == 0 ? 0.0 : static_cast<double>(top5_correct) / static_cast<double>(images); }
};

/// Top-1 and top-5 accuracy and mean loss of `m` on `images` (N x C x H x W) with `labels` (N),
/// run `batch_size` images at a time on `runner` (whose buffers are reused). The result is
/// reproducible bit for bit for a given `batch_size`; another batch size makes BLAS tile its
/// products differently, which may move the last bits of the logits (and so, rarely, a
/// near-tie between two classes).
inline accuracy_report evaluate(executor& runner, const model& m, const activation_tensor& images,
                                const label_tensor& labels, std::int64_t batch_size = 250) {
    const auto total = static_cast<std::int64_t>(images.shape()[0]);
    if (static_cast<std::int64_t>(labels.size()) != total)
        throw shape_error(eap::detail::message("eap::engine::evaluate: ", labels.size(), " labels for ", total, " images"));
    if (batch_size < 1)
        throw argument_error(eap::detail::message("eap::engine::evaluate: batch_size = ", batch_size, " must be at least 1"));
    accuracy_report report;
    double loss_sum = 0.0;
    label_tensor batch_labels;
    for (std::int64_t first = 0; first < total; first += batch_size) {
        const std::int64_t count = std::min(batch_size, total - first);
        const activation_tensor& logits = runner.forward(m, images, first, count);
        batch_labels.resize({static_cast<std::size_t>(count)});
        std::copy(labels.data() + first, labels.data() + first + count, batch_labels.data());
        loss_sum += engine::softmax_cross_entropy(logits, batch_labels) * static_cast<double>(count);
        report.top1_correct += engine::count_top_k(logits, batch_labels, 1);
        report.top5_correct += engine::count_top_k(logits, batch_labels, 5);
        report.images += count;
    }
    report.mean_loss = total == 0 ? 0.0 : loss_sum / static_cast<double>(total);
    return report;
}

/// `evaluate` with a temporary executor.
inline accuracy_report evaluate(const model& m, const activation_tensor& images, const label_tensor& labels,
                                std::int64_t batch_size = 250) {
    executor runner;
    return engine::evaluate(runner, m, images, labels, batch_size);
}

}  // namespace eap::engine
