// SPDX-License-Identifier: MIT
#pragma once

#include <algorithm>
#include <cmath>
#include <cstdint>
#include <vector>

#include "eap/engine/tensor.hpp"
#include "eap/error.hpp"

namespace eap::engine {

namespace detail {
inline std::int64_t class_count(const activation_tensor& logits, const label_tensor& labels, const char* function) {
    const auto batch = static_cast<std::int64_t>(logits.shape()[0]);
    if (batch < 1) throw shape_error(eap::detail::message(function, ": tensor 'logits' has an empty batch"));
    if (static_cast<std::int64_t>(labels.size()) != batch)
        throw shape_error(eap::detail::message(function, ": tensor 'labels' has ", labels.size(),
                                               " values for a batch of ", batch));
    const std::int64_t classes = static_cast<std::int64_t>(logits.size()) / batch;
    for (std::int64_t n = 0; n < batch; ++n)
        if (labels(n) < 0 || labels(n) >= classes)
            throw argument_error(eap::detail::message(function, ": label ", labels(n), " of image ", n,
                                                      " is outside [0, ", classes, ")"));
    return classes;
}
}  // namespace detail

/// Mean softmax cross-entropy of a batch: the logits of image n are its C * H * W outputs
/// (N x classes x 1 x 1 for a classifier), `labels` holds one class index per image. When
/// `grad` is not null it receives the gradient of the mean loss with respect to the logits
/// ((softmax - one_hot) / N, same shape as `logits`).
inline double softmax_cross_entropy(const activation_tensor& logits, const label_tensor& labels,
                                    activation_tensor* grad = nullptr) {
    const std::int64_t classes = engine::detail::class_count(logits, labels, "eap::engine::softmax_cross_entropy");
    const auto batch = static_cast<std::int64_t>(logits.shape()[0]);
    if (grad && grad->shape() != logits.shape()) grad->resize(logits.shape());
    std::vector<double> p(static_cast<std::size_t>(classes));
    double total = 0.0;
    for (std::int64_t n = 0; n < batch; ++n) {
        const float* z = logits.data() + n * classes;
        const float top = *std::max_element(z, z + classes);
        double sum = 0.0;
        for (std::int64_t c = 0; c < classes; ++c) sum += p[static_cast<std::size_t>(c)] = std::exp(double(z[c]) - top);
        const std::int64_t label = labels(n);
        total += std::log(sum) - (double(z[label]) - top);
        if (grad) {
            float* g = grad->data() + n * classes;
            for (std::int64_t c = 0; c < classes; ++c)
                g[c] = static_cast<float>((p[static_cast<std::size_t>(c)] / sum - (c == label ? 1.0 : 0.0)) /
                                          static_cast<double>(batch));
        }
    }
    return total / static_cast<double>(batch);
}

/// Images of the batch whose label is among the `k` highest logits. Ties count for the label
/// when the tied class has a higher index, so that k = 1 agrees with the first-maximum argmax.
inline std::int64_t count_top_k(const activation_tensor& logits, const label_tensor& labels, std::int64_t k) {
    const std::int64_t classes = engine::detail::class_count(logits, labels, "eap::engine::count_top_k");
    if (k < 1) throw argument_error(eap::detail::message("eap::engine::count_top_k: k = ", k, " must be at least 1"));
    const auto batch = static_cast<std::int64_t>(logits.shape()[0]);
    std::int64_t correct = 0;
    for (std::int64_t n = 0; n < batch; ++n) {
        const float* z = logits.data() + n * classes;
        const std::int64_t label = labels(n);
        std::int64_t ahead = 0;
        for (std::int64_t c = 0; c < classes; ++c)
            if (z[c] > z[label] || (z[c] == z[label] && c < label)) ++ahead;
        if (ahead < k) ++correct;
    }
    return correct;
}

}  // namespace eap::engine
