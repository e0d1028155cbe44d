// SPDX-License-Identifier: MIT
#pragma once

#include <cstddef>
#include <cstdint>
#include <string>
#include <variant>
#include <vector>

#include "eap/shape/fmap_shape.hpp"
#include "eap/shape/padding.hpp"
#include "eap/shape/pool_shape.hpp"

namespace eap {

/// The network's input image.
struct input_params {
    fmap_shape shape;

    friend bool operator==(const input_params& a, const input_params& b) { return a.shape == b.shape; }
};

/// A convolution; its input channels and size come from the layer that feeds it.
struct conv_params {
    std::int64_t out_channels = 1;
    std::int64_t kernel_height = 1;
    std::int64_t kernel_width = 1;
    std::int64_t stride_height = 1;
    std::int64_t stride_width = 1;
    padding pad{};
    std::int64_t groups = 1;
    bool bias = true;

    /// A square kernel with one stride and the same padding on all sides.
    static constexpr conv_params square(std::int64_t out, std::int64_t kernel, std::int64_t stride = 1,
                                        std::int64_t pad_all = 0, std::int64_t groups_count = 1) {
        return conv_params{out, kernel, kernel, stride, stride, padding::uniform(pad_all), groups_count, true};
    }

    friend bool operator==(const conv_params& a, const conv_params& b) {
        return a.out_channels == b.out_channels && a.kernel_height == b.kernel_height &&
               a.kernel_width == b.kernel_width && a.stride_height == b.stride_height &&
               a.stride_width == b.stride_width && a.pad == b.pad && a.groups == b.groups && a.bias == b.bias;
    }
};

/// A fully-connected layer; it flattens whatever feeds it.
struct fc_params {
    std::int64_t out_features = 1;
    bool bias = true;

    friend bool operator==(const fc_params& a, const fc_params& b) {
        return a.out_features == b.out_features && a.bias == b.bias;
    }
};

/// Channel-wise concatenation of all inputs (same height and width).
struct concat_params {
    friend bool operator==(const concat_params&, const concat_params&) { return true; }
};

/// Element-wise sum of all inputs (same shape).
struct add_params {
    friend bool operator==(const add_params&, const add_params&) { return true; }
};

using layer_params = std::variant<input_params, conv_params, fc_params, pool_params, concat_params, add_params>;

/// The kind of a layer; the order matches `layer_params`.
enum class layer_kind : std::uint8_t { input, conv, fully_connected, pool, concat, add };

constexpr const char* to_string(layer_kind k) {
    switch (k) {
    case layer_kind::input: return "input";
    case layer_kind::conv: return "conv";
    case layer_kind::fully_connected: return "fc";
    case layer_kind::pool: return "pool";
    case layer_kind::concat: return "concat";
    case layer_kind::add: return "add";
    }
    return "?";
}

/// The non-linearity applied to a layer's output (fused into the layer).
enum class activation : std::uint8_t { none, relu };

constexpr const char* to_string(activation a) { return a == activation::relu ? "relu" : "none"; }

/// One node of a network graph.
struct layer {
    std::string name;
    layer_params params;
    std::vector<std::size_t> inputs;  ///< indices of the producing layers (all earlier in the network)
    activation act = activation::none;
    fmap_shape output;                ///< one image's output shape, inferred when the layer is added

    layer_kind kind() const { return static_cast<layer_kind>(params.index()); }
    /// True for CONV and FC layers: the only ones with weights and MACs.
    bool is_compute() const { return kind() == layer_kind::conv || kind() == layer_kind::fully_connected; }

    friend bool operator==(const layer& a, const layer& b) {
        return a.name == b.name && a.params == b.params && a.inputs == b.inputs && a.act == b.act &&
               a.output == b.output;
    }
    friend bool operator!=(const layer& a, const layer& b) { return !(a == b); }
};

}  // namespace eap
