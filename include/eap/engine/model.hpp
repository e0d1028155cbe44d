// SPDX-License-Identifier: MIT
#pragma once

#include <algorithm>
#include <cmath>
#include <cstddef>
#include <cstdint>
#include <string>
#include <utility>
#include <variant>
#include <vector>

#include "eap/detail/random.hpp"
#include "eap/engine/tensor.hpp"
#include "eap/error.hpp"
#include "eap/network/network.hpp"

namespace eap::engine {

/// The tensors of one CONV or FC layer: its weights (`conv` for a CONV layer, M x C/groups x R x
/// S; `fc` for an FC layer, M x K; the other one stays empty) and its bias (M values, empty when
/// the layer has none). The same type holds weights, masks (bias unused), gradients and the
/// momentum of the optimiser, so that one loop serves them all.
struct layer_parameters {
    conv_weight_tensor conv;
    fc_weight_tensor fc;
    bias_tensor bias;

    /// The weights as one contiguous array (whichever of `conv` and `fc` is in use).
    float* weight_data() noexcept { return conv.size() != 0 ? conv.data() : fc.data(); }
    const float* weight_data() const noexcept { return conv.size() != 0 ? conv.data() : fc.data(); }
    std::size_t weight_count() const noexcept { return conv.size() != 0 ? conv.size() : fc.size(); }
};

/// One `layer_parameters` per layer of a network, by layer index (empty for layers without
/// weights).
using parameter_set = std::vector<layer_parameters>;

/// Tensors shaped for every CONV and FC layer of `net`, filled with `weight_value` (weights) and
/// `bias_value` (biases of the layers that have one).
inline parameter_set make_parameter_set(const network& net, float weight_value, float bias_value) {
    parameter_set set(net.size());
    for (std::size_t i : net.compute_layers()) {
        const layer& l = net[i];
        const conv_shape s = net.layer_shape(i);
        layer_parameters& p = set[i];
        bool bias = true;
        if (const auto* c = std::get_if<conv_params>(&l.params)) {
            p.conv = xt::empty<float>({static_cast<std::size_t>(s.out_channels),
                                       static_cast<std::size_t>(s.in_channels_per_group()),
                                       static_cast<std::size_t>(s.kernel_height), static_cast<std::size_t>(s.kernel_width)});
            std::fill(p.conv.begin(), p.conv.end(), weight_value);
            bias = c->bias;
        } else {
            const std::int64_t k = s.in_channels * s.in_height * s.in_width;
            p.fc = xt::empty<float>({static_cast<std::size_t>(s.out_channels), static_cast<std::size_t>(k)});
            std::fill(p.fc.begin(), p.fc.end(), weight_value);
            bias = std::get<fc_params>(l.params).bias;
        }
        if (bias) {
            p.bias = xt::empty<float>({static_cast<std::size_t>(s.out_channels)});
            std::fill(p.bias.begin(), p.bias.end(), bias_value);
        }
    }
    return set;
}

/// A network with its parameters: weights and biases of every CONV and FC layer, and one 0/1
/// mask per weight tensor. A weight whose mask is 0 is pruned: `apply_masks` zeroes it, and
/// training (`eap::engine::sgd`) keeps it exactly zero through every update.
///
/// Tensors are reached by layer index (`network::index_of` turns a name into one). The weight
/// accessors return the containers themselves, so a caller may overwrite values in place; the
/// shapes must stay as the network says (`validate` checks them, every pass rejects a wrong one).
class model {
public:
    /// All weights and biases zero, all masks one. Call `initialize` or load trained values.
    explicit model(network net)
        : net_(std::move(net)), weights_(make_parameter_set(net_, 0.0f, 0.0f)),
          masks_(make_parameter_set(net_, 1.0f, 0.0f)) {
        for (auto& m : masks_) m.bias = bias_tensor{};
    }

    const network& graph() const noexcept { return net_; }

    /// He initialisation from `seed`: weights ~ N(0, gain / fan_in) with gain 2 for layers
    /// followed by a ReLU and 1 otherwise; biases zero; masks applied afterwards.
    void initialize(std::uint64_t seed) {
        eap::detail::random_generator random(seed);
        for (std::size_t i : net_.compute_layers()) {
            const conv_shape s = net_.layer_shape(i);
            const double fan_in = static_cast<double>(s.in_channels_per_group() * s.kernel_height * s.kernel_width);
            const double gain = net_[i].act == activation::relu ? 2.0 : 1.0;
            const double scale = std::sqrt(gain / fan_in);
            layer_parameters& p = weights_[i];
            float* w = p.weight_data();
            for (std::size_t j = 0; j < p.weight_count(); ++j) w[j] = static_cast<float>(scale * random.normal());
            std::fill(p.bias.begin(), p.bias.end(), 0.0f);
        }
        apply_masks();
    }

    /// True for the CONV and FC layers (the ones with parameters).
    bool has_parameters(std::size_t layer) const { return net_.at(layer).is_compute(); }

    layer_parameters& parameters(std::size_t layer) { return weights_[check_compute(layer, "parameters")]; }
    const layer_parameters& parameters(std::size_t layer) const { return weights_[check_compute(layer, "parameters")]; }
    /// The mask of a layer (in `conv` or `fc`; its `bias` is empty).
    layer_parameters& mask(std::size_t layer) { return masks_[check_compute(layer, "mask")]; }
    const layer_parameters& mask(std::size_t layer) const { return masks_[check_compute(layer, "mask")]; }

    conv_weight_tensor& conv_weights(std::size_t layer) { return weights_[check_kind(layer, layer_kind::conv, "conv_weights")].conv; }
    const conv_weight_tensor& conv_weights(std::size_t layer) const {
        return weights_[check_kind(layer, layer_kind::conv, "conv_weights")].conv;
    }
    fc_weight_tensor& fc_weights(std::size_t layer) {
        return weights_[check_kind(layer, layer_kind::fully_connected, "fc_weights")].fc;
    }
    const fc_weight_tensor& fc_weights(std::size_t layer) const {
        return weights_[check_kind(layer, layer_kind::fully_connected, "fc_weights")].fc;
    }
    bias_tensor& bias(std::size_t layer) { return weights_[check_compute(layer, "bias")].bias; }
    const bias_tensor& bias(std::size_t layer) const { return weights_[check_compute(layer, "bias")].bias; }
    conv_weight_tensor& conv_mask(std::size_t layer) { return masks_[check_kind(layer, layer_kind::conv, "conv_mask")].conv; }
    const conv_weight_tensor& conv_mask(std::size_t layer) const {
        return masks_[check_kind(layer, layer_kind::conv, "conv_mask")].conv;
    }
    fc_weight_tensor& fc_mask(std::size_t layer) {
        return masks_[check_kind(layer, layer_kind::fully_connected, "fc_mask")].fc;
    }
    const fc_weight_tensor& fc_mask(std::size_t layer) const {
        return masks_[check_kind(layer, layer_kind::fully_connected, "fc_mask")].fc;
    }

    /// All parameters and all masks, by layer index.
    parameter_set& all_parameters() noexcept { return weights_; }
    const parameter_set& all_parameters() const noexcept { return weights_; }
    parameter_set& all_masks() noexcept { return masks_; }
    const parameter_set& all_masks() const noexcept { return masks_; }

    /// Zeroes every weight whose mask is 0 (after a caller changed masks or weights).
    void apply_masks() {
        validate();
        for (std::size_t i : net_.compute_layers()) {
            float* w = weights_[i].weight_data();
            const float* m = masks_[i].weight_data();
            for (std::size_t j = 0; j < weights_[i].weight_count(); ++j)
                if (m[j] == 0.0f) w[j] = 0.0f;
        }
    }

    /// Weights of the CONV and FC layers whose value is not zero.
    std::int64_t nonzero_weights() const {
        std::int64_t count = 0;
        for (std::size_t i : net_.compute_layers()) {
            const float* w = weights_[i].weight_data();
            count += static_cast<std::int64_t>(std::count_if(w, w + weights_[i].weight_count(),
                                                             [](float v) { return v != 0.0f; }));
        }
        return count;
    }

    /// Throws `eap::shape_error` naming the first tensor whose shape differs from what the
    /// network implies, and `eap::argument_error` for a mask value other than 0 or 1.
    void validate() const {
        const parameter_set expected = make_parameter_set(net_, 0.0f, 0.0f);
        for (std::size_t i : net_.compute_layers()) {
            const layer_parameters& e = expected[i];
            check_same(i, "weights", e.conv.shape() == weights_[i].conv.shape() && e.fc.shape() == weights_[i].fc.shape());
            check_same(i, "bias", e.bias.shape() == weights_[i].bias.shape());
            check_same(i, "mask", e.conv.shape() == masks_[i].conv.shape() && e.fc.shape() == masks_[i].fc.shape());
            const float* m = masks_[i].weight_data();
            for (std::size_t j = 0; j < masks_[i].weight_count(); ++j)
                if (m[j] != 0.0f && m[j] != 1.0f)
                    throw argument_error(eap::detail::message("eap::engine::model: the mask of layer '", net_[i].name,
                                                              "' holds ", m[j], " at flat index ", j,
                                                              "; masks hold 0 or 1"));
        }
    }

private:
    void check_same(std::size_t i, const char* what, bool same) const {
        if (!same)
            throw shape_error(eap::detail::message("eap::engine::model: the ", what, " tensor of layer '", net_[i].name,
                                                   "' does not have the shape the network '", net_.name(),
                                                   "' gives it"));
    }

    std::size_t check_compute(std::size_t layer, const char* accessor) const {
        const eap::layer& l = net_.at(layer);
        if (!l.is_compute())
            throw argument_error(eap::detail::message("eap::engine::model::", accessor, ": layer '", l.name,
                                                      "' (index ", layer, ") is a ", to_string(l.kind()),
                                                      " layer and has no parameters"));
        return layer;
    }

    std::size_t check_kind(std::size_t layer, layer_kind kind, const char* accessor) const {
        const eap::layer& l = net_.at(layer);
        if (l.kind() != kind)
            throw argument_error(eap::detail::message("eap::engine::model::", accessor, ": layer '", l.name,
                                                      "' (index ", layer, ") is a ", to_string(l.kind()),
                                                      " layer, not a ", to_string(kind), " layer"));
        return layer;
    }

    network net_;
    parameter_set weights_;
    parameter_set masks_;
};

}  // namespace eap::engine
