// SPDX-License-Identifier: MIT
#pragma once

#include <cstdint>

#include "eap/detail/checked_arithmetic.hpp"
#include "eap/detail/xtensor.hpp"
#include "eap/shape/conv_shape.hpp"
#include "eap/sparse/detail/layer_pass.hpp"
#include "eap/sparse/detail/tensor_access.hpp"
#include "eap/sparse/kernel_arch.hpp"
#include "eap/sparse/layer_sparsity.hpp"
#include "eap/sparse/run_length_code.hpp"
#include "eap/sparse/tensor_statistics.hpp"

namespace eap {

namespace detail {

template <class Arch, class W, class X>
layer_sparse_counts count_layer_inputs(const char* function, const xt::xexpression<W>& weights,
                                       const xt::xexpression<X>& inputs, const conv_shape& layer) {
    detail::check_sparse_element_type<W>();
    detail::check_sparse_element_type<X>();
    layer.validate();
    const detail::row_major_values<detail::sparse_value_t<W>> w(weights.derived_cast());
    const detail::row_major_values<detail::sparse_value_t<X>> x(inputs.derived_cast());
    detail::check_weight_tensor(function, w.shape(), layer);
    detail::check_input_tensor(function, x.shape(), layer);

    weight_statistics weight_stats;
    fmap_statistics input_stats;
    layer_sparse_counts counts;
    counts.nonskipped_macs =
        detail::nonskipped_macs_pass<Arch, true>(function, w.data(), x.data(), layer, &weight_stats, &input_stats);
    counts.batch = layer.batch;
    counts.weights = layer.weight_count();
    counts.nonzero_weights = weight_stats.nonzeros;
    counts.weight_rlc_words = weight_stats.rlc_words;
    counts.ifmap_values = layer.ifmap_size();
    counts.nonzero_ifmap_values = input_stats.nonzeros;
    counts.ifmap_rlc_words = input_stats.rlc_words;
    counts.dense_macs = layer.mac_count();
    return counts;
}

}  // namespace detail

/// Fills the energy model's exact-sparsity record (`eap::layer_sparse_counts`) of a CONV or FC
/// layer from its weights and the batch of input activations (layouts, element types and errors
/// as for `eap::count_nonskipped_macs`), in one pass over each tensor: the non-skipped MACs,
/// non-zero weights and input activations, and the exact Eyeriss run-length-coded sizes of the
/// weights (one stream) and of the input feature maps (one stream per image).
///
/// Without the output activations the ofmaps are taken as dense: nonzero_ofmap_values =
/// ofmap_values and ofmap_rlc_words is the size of a code with no zero (ceil(M*E*F / 3) words
/// per image), an upper bound. Pass the outputs (after the activation function) to count them.
/// The run-length size of the inputs is reported for every layer; whether the network's first
/// layer moves its image uncoded is the energy model's decision.
template <class Arch = default_kernel_arch, class W, class X>
layer_sparse_counts count_layer_sparsity(const xt::xexpression<W>& weights, const xt::xexpression<X>& inputs,
                                         const conv_shape& layer) {
    layer_sparse_counts counts =
        detail::count_layer_inputs<Arch>("eap::count_layer_sparsity", weights, inputs, layer);
    counts.ofmap_values = layer.ofmap_size();
    counts.nonzero_ofmap_values = counts.ofmap_values;
    counts.ofmap_rlc_words = detail::checked_mul(
        layer.batch, detail::ceil_div(layer.output_fmap().size(), rlc_pairs_per_word), "eap::count_layer_sparsity");
    return counts;
}

/// As above, with the layer's output activations (N x M x E x F, or N x M for a fully-connected
/// layer; after the activation function, e.g. ReLU) counted too: their non-zeros and their exact
/// run-length-coded size (one stream per image).
template <class Arch = default_kernel_arch, class W, class X, class Y>
layer_sparse_counts count_layer_sparsity(const xt::xexpression<W>& weights, const xt::xexpression<X>& inputs,
                                         const xt::xexpression<Y>& outputs, const conv_shape& layer) {
    constexpr const char* function = "eap::count_layer_sparsity";
    detail::check_sparse_element_type<Y>();
    layer.validate();
    const detail::row_major_values<detail::sparse_value_t<Y>> y(outputs.derived_cast());
    // Check the outputs' shape before the (longer) passes over weights and inputs.
    detail::check_output_tensor(function, y.shape(), layer);
    layer_sparse_counts counts = detail::count_layer_inputs<Arch>(function, weights, inputs, layer);
    const fmap_statistics output_stats = detail::measure_fmaps<Arch>(function, "outputs", y.data(), y.shape());
    counts.ofmap_values = layer.ofmap_size();
    counts.nonzero_ofmap_values = output_stats.nonzeros;
    counts.ofmap_rlc_words = output_stats.rlc_words;
    return counts;
}

}  // namespace eap
