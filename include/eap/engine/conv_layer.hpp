// SPDX-License-Identifier: MIT
#pragma once

#include <algorithm>
#include <array>
#include <cstdint>
#include <string>

#include "eap/engine/detail/elementwise.hpp"
#include "eap/engine/detail/engine_checks.hpp"
#include "eap/engine/detail/scratch_buffer.hpp"
#include "eap/engine/gemm.hpp"
#include "eap/engine/im2col.hpp"
#include "eap/engine/tensor.hpp"
#include "eap/error.hpp"
#include "eap/network/layer.hpp"
#include "eap/shape/conv_shape.hpp"

namespace eap::engine {

/// The forward and backward pass of a CONV layer (stride, padding per side, groups, bias, fused
/// ReLU) as im2col + OpenBLAS sgemm. The batch is cut into chunks whose patch matrix stays
/// below `patch_limit` floats; each chunk is one GEMM per group over all its images, so that
/// small feature maps (7 x 7) still give BLAS long rows. The object owns its scratch buffers and
/// reuses them from call to call: keep one per layer.
class conv_layer {
public:
    /// Floats of the patch matrix of one chunk (8 MiB): large enough for full-speed GEMM, small
    /// enough to stay out of the way of the other buffers.
    static constexpr std::int64_t patch_limit = std::int64_t{1} << 21;

    /// out = act(conv(in, weights) + bias). `shape` describes one image (its batch is ignored);
    /// `in` is N x C x H x W, `weights` M x C/groups x R x S, `bias` M values or empty (no bias).
    /// `out` is resized to N x M x E x F when it has another shape.
    void forward(const conv_shape& shape, const activation_tensor& in, const conv_weight_tensor& weights,
                 const bias_tensor& bias, activation act, activation_tensor& out) {
        const std::int64_t batch = check(shape, in, weights, bias, "forward");
        const std::int64_t m = shape.out_channels, groups = shape.groups, mg = m / groups;
        const std::int64_t k = shape.in_channels_per_group() * shape.kernel_height * shape.kernel_width;
        const std::int64_t positions = shape.out_height() * shape.out_width();
        const std::int64_t in_size = shape.in_channels * shape.in_height * shape.in_width;
        const std::array<std::size_t, 4> out_shape{static_cast<std::size_t>(batch), static_cast<std::size_t>(m),
                                                   static_cast<std::size_t>(shape.out_height()),
                                                   static_cast<std::size_t>(shape.out_width())};
        if (out.shape() != out_shape) out.resize(out_shape);
        const std::int64_t chunk = chunk_images(k, positions, batch);
        float* columns = columns_.get(static_cast<std::size_t>(k * chunk * positions));
        float* product = product_.get(static_cast<std::size_t>(mg * chunk * positions));
        const bool relu = act == activation::relu;
        const float* bias_data = bias.size() == 0 ? nullptr : bias.data();
        for (std::int64_t first = 0; first < batch; first += chunk) {
            const std::int64_t images = std::min(chunk, batch - first);
            const std::int64_t length = images * positions;
            for (std::int64_t g = 0; g < groups; ++g) {
                for (std::int64_t i = 0; i < images; ++i)
                    engine::im2col(shape, in.data() + (first + i) * in_size, g, columns + i * positions, length);
                engine::gemm(transpose::no, transpose::no, mg, length, k, 1.0f, weights.data() + g * mg * k, k,
                             columns, length, 0.0f, product, length);
                // Scatter the M/groups x (images * E * F) product into N, C, H, W order, adding the
                // bias and applying the activation on the way.
                for (std::int64_t i = 0; i < images; ++i) {
                    for (std::int64_t j = 0; j < mg; ++j) {
                        const std::int64_t channel = g * mg + j;
                        const float b = bias_data ? bias_data[channel] : 0.0f;
                        const float* source = product + j * length + i * positions;
                        float* target = out.data() + ((first + i) * m + channel) * positions;
                        eap::detail::add_bias(source, b, relu, target, positions);
                    }
                }
            }
        }
    }

    /// Gradients of the layer. `out` is the output of `forward` (used for the ReLU derivative),
    /// `out_grad` the gradient of the loss with respect to it. Writes `weight_grad` (resized to
    /// the weights' shape) and `bias_grad` (resized to M, left empty when `bias` is empty), and
    /// *adds* the input gradient to `*in_grad` unless it is null (the network input needs none).
    void backward(const conv_shape& shape, const activation_tensor& in, const conv_weight_tensor& weights,
                  const bias_tensor& bias, activation act, const activation_tensor& out,
                  const activation_tensor& out_grad, conv_weight_tensor& weight_grad, bias_tensor& bias_grad,
                  activation_tensor* in_grad) {
        const std::int64_t batch = check(shape, in, weights, bias, "backward");
        const std::int64_t m = shape.out_channels, groups = shape.groups, mg = m / groups;
        const std::int64_t k = shape.in_channels_per_group() * shape.kernel_height * shape.kernel_width;
        const std::int64_t positions = shape.out_height() * shape.out_width();
        const std::int64_t in_size = shape.in_channels * shape.in_height * shape.in_width;
        eap::detail::check_activation_shape("eap::engine::conv_layer::backward", "out", out, batch, m,
                                            shape.out_height(), shape.out_width());
        eap::detail::check_activation_shape("eap::engine::conv_layer::backward", "out_grad", out_grad, batch, m,
                                            shape.out_height(), shape.out_width());
        if (in_grad)
            eap::detail::check_activation_shape("eap::engine::conv_layer::backward", "in_grad", *in_grad, batch,
                                                shape.in_channels, shape.in_height, shape.in_width);
        if (weight_grad.shape() != weights.shape()) weight_grad.resize(weights.shape());
        const bool has_bias = bias.size() != 0;
        if (has_bias) {
            if (bias_grad.size() != bias.size()) bias_grad.resize(bias.shape());
            std::fill(bias_grad.begin(), bias_grad.end(), 0.0f);
        } else if (bias_grad.size() != 0) {
            bias_grad.resize({0});
        }
        const std::int64_t chunk = chunk_images(k, positions, batch);
        float* columns = columns_.get(static_cast<std::size_t>(k * chunk * positions));
        float* delta = product_.get(static_cast<std::size_t>(mg * chunk * positions));
        float* column_grad = in_grad ? column_grad_.get(static_cast<std::size_t>(k * chunk * positions)) : nullptr;
        const bool relu = act == activation::relu;
        for (std::int64_t first = 0; first < batch; first += chunk) {
            const std::int64_t images = std::min(chunk, batch - first);
            const std::int64_t length = images * positions;
            for (std::int64_t g = 0; g < groups; ++g) {
                // Gather the output gradient of this group into M/groups x (images * E * F),
                // through the ReLU derivative, and sum it for the bias gradient.
                for (std::int64_t j = 0; j < mg; ++j) {
                    const std::int64_t channel = g * mg + j;
                    float sum = 0.0f;
                    for (std::int64_t i = 0; i < images; ++i) {
                        const std::int64_t offset = ((first + i) * m + channel) * positions;
                        const float* source = out_grad.data() + offset;
                        const float* value = out.data() + offset;
                        float* target = delta + j * length + i * positions;
                        if (relu)
                            eap::detail::copy_where_positive(value, source, target, positions);
                        else
                            std::copy(source, source + positions, target);
                        sum += eap::detail::sum(target, positions);
                    }
                    if (has_bias) bias_grad(channel) += sum;
                }
                for (std::int64_t i = 0; i < images; ++i)
                    engine::im2col(shape, in.data() + (first + i) * in_size, g, columns + i * positions, length);
                // dW_g (+)= delta_g * patches^T
                engine::gemm(transpose::no, transpose::yes, mg, k, length, 1.0f, delta, length, columns, length,
                             first == 0 ? 0.0f : 1.0f, weight_grad.data() + g * mg * k, k);
                if (in_grad) {
                    // dPatches = W_g^T * delta_g, folded back onto the input.
                    engine::gemm(transpose::yes, transpose::no, k, length, mg, 1.0f, weights.data() + g * mg * k, k,
                                 delta, length, 0.0f, column_grad, length);
                    for (std::int64_t i = 0; i < images; ++i)
                        engine::col2im_add(shape, column_grad + i * positions, length, g,
                                           in_grad->data() + (first + i) * in_size);
                }
            }
        }
    }

    /// Images per chunk for a patch matrix of k rows and `positions` columns per image.
    static std::int64_t chunk_images(std::int64_t k, std::int64_t positions, std::int64_t batch) {
        const std::int64_t per_image = std::max<std::int64_t>(1, k * positions);
        return std::max<std::int64_t>(1, std::min(batch, patch_limit / per_image));
    }

private:
    static std::int64_t check(const conv_shape& shape, const activation_tensor& in, const conv_weight_tensor& weights,
                              const bias_tensor& bias, const char* pass) {
        const std::string function = std::string("eap::engine::conv_layer::") + pass;
        shape.with_batch(1).validate();
        eap::detail::check_activation_shape(function.c_str(), "in", in, -1, shape.in_channels, shape.in_height,
                                            shape.in_width);
        const std::int64_t expected[4] = {shape.out_channels, shape.in_channels_per_group(), shape.kernel_height,
                                          shape.kernel_width};
        static const char* const axes[4] = {"filters (axis 0)", "channels per group (axis 1)",
                                            "kernel height (axis 2)", "kernel width (axis 3)"};
        eap::detail::check_tensor_shape(function.c_str(), "weights", weights, expected, axes);
        if (bias.size() != 0 && static_cast<std::int64_t>(bias.size()) != shape.out_channels)
            throw shape_error(eap::detail::message(function, ": tensor 'bias' has ", bias.size(),
                                                   " values, expected ", shape.out_channels, " (or none)"));
        if (in.shape()[0] < 1)
            throw shape_error(eap::detail::message(function, ": tensor 'in' has an empty batch"));
        return static_cast<std::int64_t>(in.shape()[0]);
    }

    eap::detail::scratch_buffer columns_;
    eap::detail::scratch_buffer product_;
    eap::detail::scratch_buffer column_grad_;
};

}  // namespace eap::engine
