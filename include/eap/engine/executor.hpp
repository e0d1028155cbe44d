// SPDX-License-Identifier: MIT
#pragma once

#include <algorithm>
#include <array>
#include <cstddef>
#include <cstdint>
#include <functional>
#include <string>
#include <variant>
#include <vector>

#include "eap/engine/conv_layer.hpp"
#include "eap/engine/detail/elementwise.hpp"
#include "eap/engine/detail/engine_checks.hpp"
#include "eap/engine/fc_layer.hpp"
#include "eap/engine/model.hpp"
#include "eap/engine/pool_layer.hpp"
#include "eap/engine/tensor.hpp"
#include "eap/error.hpp"
#include "eap/network/network.hpp"

namespace eap::engine {

/// When a forward hook sees a layer's values.
enum class forward_stage : std::uint8_t {
    /// The linear result of a CONV, FC or add layer before its activation (for a layer without
    /// activation, the same values as its output). Not reported for other layers.
    pre_activation,
    /// The layer's output, as the next layers read it.
    output,
};

/// What a forward hook is shown: one layer's inputs and its values at one stage. The references
/// are valid during the call only.
struct layer_event {
    std::size_t layer;                              ///< index in the network
    const eap::layer& description;
    std::vector<const activation_tensor*> inputs;   ///< the outputs of the layers it reads
    forward_stage stage;
    const activation_tensor& values;                ///< N x C x H x W
};

/// Called during `executor::forward` for every layer and stage, in evaluation order. Hooks see
/// the values the engine computes with; they must not keep references past the call.
using forward_hook = std::function<void(const layer_event&)>;

/// Runs a `model` forward and backward on batches. It owns every buffer of a pass (the output
/// and the gradient of each layer, each layer's im2col scratch), sized by the first batch and
/// reused for every later batch of the same size: keep one executor per model and loop.
///
/// The network's input layer is fed with images (N x C x H x W, the input layer's shape); the
/// last layer's output is the network output (logits for a classifier).
class executor {
public:
    /// Runs images [first, first + count) of `images` (count < 0: all from `first`) through the
    /// network and returns the last layer's output (N x C x H x W; N x classes x 1 x 1 for a
    /// classifier). Per-layer outputs stay available through `output` until the next pass.
    const activation_tensor& forward(const model& m, const activation_tensor& images, std::int64_t first = 0,
                                     std::int64_t count = -1, const forward_hook& hook = {}) {
        const network& net = m.graph();
        prepare(net);
        const fmap_shape in = net.input().output;
        eap::detail::check_activation_shape("eap::engine::executor::forward", "images", images, -1, in.channels,
                                            in.height, in.width);
        const auto total = static_cast<std::int64_t>(images.shape()[0]);
        if (first < 0 || first > total)
            throw argument_error(eap::detail::message("eap::engine::executor::forward: first = ", first,
                                                      " is outside [0, ", total, "]"));
        if (count < 0) count = total - first;
        if (count < 1 || first + count > total)
            throw argument_error(eap::detail::message("eap::engine::executor::forward: count = ", count,
                                                      " images from first = ", first, " do not fit the ", total,
                                                      " images given (at least one is needed)"));
        const std::size_t image_size = static_cast<std::size_t>(in.size());
        resize(outputs_[0], count, in);
        std::copy(images.data() + static_cast<std::size_t>(first) * image_size,
                  images.data() + static_cast<std::size_t>(first + count) * image_size, outputs_[0].data());
        batch_ = count;
        if (hook) hook(event(net, 0, forward_stage::output));

        for (std::size_t i = 1; i < net.size(); ++i) {
            const layer& l = net[i];
            // With a hook, the activation is applied separately so that the hook sees the
            // linear result first.
            const activation act = hook ? activation::none : l.act;
            activation_tensor& out = outputs_[i];
            switch (l.kind()) {
            case layer_kind::conv:
                state_[i].conv.forward(net.layer_shape(i), outputs_[l.inputs[0]], m.parameters(i).conv,
                                       m.parameters(i).bias, act, out);
                break;
            case layer_kind::fully_connected:
                state_[i].fc.forward(outputs_[l.inputs[0]], m.parameters(i).fc, m.parameters(i).bias, act, out);
                break;
            case layer_kind::pool:
                state_[i].pool.forward(std::get<pool_params>(l.params), outputs_[l.inputs[0]], out);
                break;
            case layer_kind::concat: concat_forward(net, i); break;
            case layer_kind::add: add_forward(net, i, act); break;
            case layer_kind::input:
                throw argument_error("eap::engine::executor::forward: an input layer after the first layer");
            }
            if (hook) {
                const bool linear = l.kind() == layer_kind::conv || l.kind() == layer_kind::fully_connected ||
                                    l.kind() == layer_kind::add;
                if (linear) hook(event(net, i, forward_stage::pre_activation));
                if (l.act == activation::relu)
                    eap::detail::relu_in_place(out.data(), static_cast<std::int64_t>(out.size()));
                hook(event(net, i, forward_stage::output));
            }
        }
        return outputs_.back();
    }

    /// Back-propagates `output_grad` (the gradient of the loss with respect to the last layer's
    /// output of the last `forward`, same shape) and writes the gradient of every weight and bias
    /// into `gradients` (one entry per layer, shaped as the model's parameters; allocated on
    /// first use). Gradients of masked weights are computed like any other; the optimiser
    /// ignores them. `m` must be the model of the last `forward`, unchanged since.
    void backward(const model& m, const activation_tensor& output_grad, parameter_set& gradients) {
        const network& net = m.graph();
        if (outputs_.size() != net.size() || batch_ == 0)
            throw argument_error("eap::engine::executor::backward: run forward on this model first");
        if (output_grad.shape() != outputs_.back().shape())
            throw shape_error(eap::detail::message(
                "eap::engine::executor::backward: tensor 'output_grad' must have the shape of the network output (",
                outputs_.back().shape()[0], " x ", outputs_.back().shape()[1], " x ", outputs_.back().shape()[2], " x ",
                outputs_.back().shape()[3], ")"));
        if (gradients.size() != net.size()) gradients.assign(net.size(), layer_parameters{});
        for (std::size_t i = 1; i < net.size(); ++i) {
            if (grads_[i].shape() != outputs_[i].shape()) grads_[i].resize(outputs_[i].shape());
            if (i + 1 == net.size())
                std::copy(output_grad.begin(), output_grad.end(), grads_[i].begin());
            else
                std::fill(grads_[i].begin(), grads_[i].end(), 0.0f);
        }

        for (std::size_t i = net.size() - 1; i >= 1; --i) {
            const layer& l = net[i];
            // No gradient flows into the network input.
            auto input_grad = [&](std::size_t input) -> activation_tensor* {
                return input == 0 ? nullptr : &grads_[input];
            };
            switch (l.kind()) {
            case layer_kind::conv: {
                const layer_parameters& p = m.parameters(i);
                state_[i].conv.backward(net.layer_shape(i), outputs_[l.inputs[0]], p.conv, p.bias, l.act, outputs_[i],
                                        grads_[i], gradients[i].conv, gradients[i].bias, input_grad(l.inputs[0]));
                break;
            }
            case layer_kind::fully_connected: {
                const layer_parameters& p = m.parameters(i);
                state_[i].fc.backward(outputs_[l.inputs[0]], p.fc, p.bias, l.act, outputs_[i], grads_[i],
                                      gradients[i].fc, gradients[i].bias, input_grad(l.inputs[0]));
                break;
            }
            case layer_kind::pool:
                if (activation_tensor* g = input_grad(l.inputs[0]))
                    state_[i].pool.backward(std::get<pool_params>(l.params), outputs_[l.inputs[0]], outputs_[i], grads_[i],
                                            *g);
                break;
            case layer_kind::concat: concat_backward(net, i); break;
            case layer_kind::add: add_backward(net, i); break;
            case layer_kind::input: break;
            }
        }
    }

    /// Output of layer `layer` in the last forward pass (N x C x H x W).
    const activation_tensor& output(std::size_t layer) const {
        if (layer >= outputs_.size())
            throw argument_error(eap::detail::message("eap::engine::executor::output: layer index ", layer,
                                                      " is out of range (", outputs_.size(), " layers)"));
        return outputs_[layer];
    }
    /// Images in the last forward pass.
    std::int64_t batch() const noexcept { return batch_; }

private:
    struct layer_state {
        conv_layer conv;
        fc_layer fc;
        pool_layer pool;
    };

    void prepare(const network& net) {
        if (outputs_.size() == net.size()) return;
        outputs_.assign(net.size(), activation_tensor{});
        grads_.assign(net.size(), activation_tensor{});
        state_.clear();
        state_.resize(net.size());
    }

    static void resize(activation_tensor& t, std::int64_t batch, const fmap_shape& s) {
        const std::array<std::size_t, 4> shape{static_cast<std::size_t>(batch), static_cast<std::size_t>(s.channels),
                                               static_cast<std::size_t>(s.height), static_cast<std::size_t>(s.width)};
        if (t.shape() != shape) t.resize(shape);
    }

    layer_event event(const network& net, std::size_t i, forward_stage stage) const {
        std::vector<const activation_tensor*> inputs;
        for (std::size_t j : net[i].inputs) inputs.push_back(&outputs_[j]);
        return layer_event{i, net[i], std::move(inputs), stage, outputs_[i]};
    }

    void concat_forward(const network& net, std::size_t i) {
        const layer& l = net[i];
        resize(outputs_[i], batch_, l.output);
        const std::int64_t plane = l.output.height * l.output.width;
        const std::int64_t out_image = l.output.channels * plane;
        std::int64_t offset = 0;
        for (std::size_t j : l.inputs) {
            const std::int64_t part = net[j].output.channels * plane;
            for (std::int64_t n = 0; n < batch_; ++n)
                std::copy(outputs_[j].data() + n * part, outputs_[j].data() + (n + 1) * part,
                          outputs_[i].data() + n * out_image + offset);
            offset += part;
        }
    }

    void concat_backward(const network& net, std::size_t i) {
        const layer& l = net[i];
        const std::int64_t plane = l.output.height * l.output.width;
        const std::int64_t out_image = l.output.channels * plane;
        std::int64_t offset = 0;
        for (std::size_t j : l.inputs) {
            const std::int64_t part = net[j].output.channels * plane;
            if (j != 0) {
                for (std::int64_t n = 0; n < batch_; ++n) {
                    eap::detail::add_to(grads_[i].data() + n * out_image + offset, grads_[j].data() + n * part, part);
                }
            }
            offset += part;
        }
    }

    void add_forward(const network& net, std::size_t i, activation act) {
        const layer& l = net[i];
        resize(outputs_[i], batch_, l.output);
        float* out = outputs_[i].data();
        const std::size_t size = outputs_[i].size();
        std::copy(outputs_[l.inputs[0]].begin(), outputs_[l.inputs[0]].end(), out);
        for (std::size_t k = 1; k < l.inputs.size(); ++k)
            eap::detail::add_to(outputs_[l.inputs[k]].data(), out, static_cast<std::int64_t>(size));
        if (act == activation::relu) eap::detail::relu_in_place(out, static_cast<std::int64_t>(size));
    }

    void add_backward(const network& net, std::size_t i) {
        const layer& l = net[i];
        const auto size = static_cast<std::int64_t>(grads_[i].size());
        // In place: the gradient buffer is this layer's own.
        if (l.act == activation::relu) eap::detail::zero_where_not_positive(outputs_[i].data(), grads_[i].data(), size);
        for (std::size_t j : l.inputs)
            if (j != 0) eap::detail::add_to(grads_[i].data(), grads_[j].data(), size);
    }

    std::vector<activation_tensor> outputs_;
    std::vector<activation_tensor> grads_;
    std::vector<layer_state> state_;
    std::int64_t batch_ = 0;
};

}  // namespace eap::engine
