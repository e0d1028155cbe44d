// SPDX-License-Identifier: MIT
#pragma once

#include <algorithm>
#include <array>
#include <cstdint>
#include <string>

#include "eap/engine/detail/elementwise.hpp"
#include "eap/engine/detail/engine_checks.hpp"
#include "eap/engine/gemm.hpp"
#include "eap/engine/tensor.hpp"
#include "eap/error.hpp"
#include "eap/network/layer.hpp"

namespace eap::engine {

/// The forward and backward pass of a fully-connected layer (bias, fused ReLU) as one OpenBLAS
/// sgemm per pass. The input is any N x C x H x W tensor, read as the N x K matrix of its
/// images flattened in C, H, W order (the layout already is that matrix, so nothing is copied);
/// the output is N x M x 1 x 1.
class fc_layer {
public:
    /// out = act(in * weights^T + bias); `weights` is M x K, `bias` M values or empty.
    void forward(const activation_tensor& in, const fc_weight_tensor& weights, const bias_tensor& bias,
                 activation act, activation_tensor& out) const {
        const auto [batch, k, m] = check(in, weights, bias, "forward");
        const std::array<std::size_t, 4> out_shape{static_cast<std::size_t>(batch), static_cast<std::size_t>(m), 1, 1};
        if (out.shape() != out_shape) out.resize(out_shape);
        engine::gemm(transpose::no, transpose::yes, batch, m, k, 1.0f, in.data(), k, weights.data(), k, 0.0f,
                     out.data(), m);
        const bool relu = act == activation::relu;
        const float* b = bias.size() == 0 ? nullptr : bias.data();
        for (std::int64_t n = 0; n < batch; ++n) {
            float* row = out.data() + n * m;
            if (b) eap::detail::add_to(b, row, m);
            if (relu) eap::detail::relu_in_place(row, m);
        }
    }

    /// Gradients: writes `weight_grad` (M x K) and `bias_grad` (M, or empty without bias) and
    /// *adds* the input gradient to `*in_grad` unless it is null. `out` is the forward output.
    /// `out_grad` is the gradient with respect to `out`; it is used through the ReLU derivative
    /// in `delta_`, a scratch copy, so the caller's tensor is not changed.
    void backward(const activation_tensor& in, const fc_weight_tensor& weights, const bias_tensor& bias,
                  activation act, const activation_tensor& out, const activation_tensor& out_grad,
                  fc_weight_tensor& weight_grad, bias_tensor& bias_grad, activation_tensor* in_grad) {
        const auto [batch, k, m] = check(in, weights, bias, "backward");
        const char* function = "eap::engine::fc_layer::backward";
        eap::detail::check_activation_shape(function, "out", out, batch, m, 1, 1);
        eap::detail::check_activation_shape(function, "out_grad", out_grad, batch, m, 1, 1);
        if (in_grad) {
            if (in_grad->shape() != in.shape())
                throw shape_error(eap::detail::message(function, ": tensor 'in_grad' must have the shape of 'in'"));
        }
        if (weight_grad.shape() != weights.shape()) weight_grad.resize(weights.shape());
        const std::size_t values = static_cast<std::size_t>(batch * m);
        if (delta_.size() != values) delta_.resize({values});
        if (act == activation::relu) {
            eap::detail::copy_where_positive(out.data(), out_grad.data(), delta_.data(), static_cast<std::int64_t>(values));
        } else {
            std::copy(out_grad.data(), out_grad.data() + values, delta_.data());
        }
        const float* delta = delta_.data();
        // dW = delta^T * X (M x K)
        engine::gemm(transpose::yes, transpose::no, m, k, batch, 1.0f, delta, m, in.data(), k, 0.0f,
                     weight_grad.data(), k);
        if (bias.size() != 0) {
            if (bias_grad.size() != bias.size()) bias_grad.resize(bias.shape());
            std::fill(bias_grad.begin(), bias_grad.end(), 0.0f);
            for (std::int64_t n = 0; n < batch; ++n) eap::detail::add_to(delta + n * m, bias_grad.data(), m);
        } else if (bias_grad.size() != 0) {
            bias_grad.resize({0});
        }
        // dX += delta * W (N x K)
        if (in_grad)
            engine::gemm(transpose::no, transpose::no, batch, k, m, 1.0f, delta, m, weights.data(), k, 1.0f,
                         in_grad->data(), k);
    }

private:
    struct sizes {
        std::int64_t batch, k, m;
    };

    static sizes check(const activation_tensor& in, const fc_weight_tensor& weights, const bias_tensor& bias,
                       const char* pass) {
        const std::string function = std::string("eap::engine::fc_layer::") + pass;
        const std::int64_t batch = static_cast<std::int64_t>(in.shape()[0]);
        if (batch < 1) throw shape_error(eap::detail::message(function, ": tensor 'in' has an empty batch"));
        const std::int64_t k = static_cast<std::int64_t>(in.size()) / batch;
        const std::int64_t m = static_cast<std::int64_t>(weights.shape()[0]);
        if (static_cast<std::int64_t>(weights.shape()[1]) != k)
            throw shape_error(eap::detail::message(function, ": tensor 'weights' has ", weights.shape()[1],
                                                   " columns (axis 1), expected ", k,
                                                   " (the input's C * H * W)"));
        if (m < 1) throw shape_error(eap::detail::message(function, ": tensor 'weights' has no rows"));
        if (bias.size() != 0 && static_cast<std::int64_t>(bias.size()) != m)
            throw shape_error(eap::detail::message(function, ": tensor 'bias' has ", bias.size(), " values, expected ",
                                                   m, " (or none)"));
        return {batch, k, m};
    }

    xt::xtensor<float, 1> delta_;
};

}  // namespace eap::engine
