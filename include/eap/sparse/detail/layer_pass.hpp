// SPDX-License-Identifier: MIT
#pragma once

#include <cstdint>
#include <limits>
#include <memory>
#include <vector>

#include "eap/error.hpp"
#include "eap/shape/conv_shape.hpp"
#include "eap/sparse/detail/tensor_access.hpp"
#include "eap/sparse/kernels/kernel_sum.hpp"
#include "eap/sparse/kernels/nonzero_passes.hpp"
#include "eap/sparse/kernels/rlc_pair_counter.hpp"
#include "eap/sparse/tensor_statistics.hpp"

namespace eap::detail {

/// Non-skipped MACs of a validated layer whose tensors were checked against it: one pass over
/// the weights (non-zero filters per weight position), one over the input activations (non-zero
/// images per input position), then the kernel sum. With Statistics, the same passes also fill
/// `weight_stats` and `input_stats` (non-zeros per filter / channel / image, run-length sizes).
template <class Arch, bool Statistics, class TW, class TX>
std::int64_t nonskipped_macs_pass(const char* function, const TW* w, const TX* x, const conv_shape& layer,
                                  weight_statistics* weight_stats, fmap_statistics* input_stats) {
    detail::check_batch_fits_counts(function, layer.batch);
    const std::int64_t filters_per_group = layer.out_channels_per_group();
    if (filters_per_group > std::numeric_limits<std::int32_t>::max())
        throw argument_error(detail::message(function, ": ", filters_per_group, " filters per group; at most ",
                                             std::numeric_limits<std::int32_t>::max()));
    const std::int64_t filter_size = layer.in_channels_per_group() * layer.kernel_height * layer.kernel_width;
    const std::int64_t plane = layer.in_height * layer.in_width;
    const std::int64_t image_size = layer.in_channels * plane;

    std::vector<std::int32_t> filter_counts(static_cast<std::size_t>(layer.groups * filter_size), 0);
    rlc_pair_counter weight_counter;
    std::int64_t* filter_nonzeros = nullptr;
    if constexpr (Statistics) {
        weight_stats->filters = layer.out_channels;
        weight_stats->values_per_filter = filter_size;
        weight_stats->values = layer.weight_count();
        weight_stats->nonzeros_per_filter.assign(static_cast<std::size_t>(layer.out_channels), 0);
        filter_nonzeros = weight_stats->nonzeros_per_filter.data();
    }
    if (detail::count_filter_nonzeros<Arch, Statistics>(w, layer.groups, filters_per_group, filter_size,
                                                        filter_counts.data(), &weight_counter, filter_nonzeros))
        detail::throw_nan(function, "weights");

    // Not value-initialised: the pass clears it block by block.
    const std::unique_ptr<std::int32_t[]> counts(new std::int32_t[static_cast<std::size_t>(image_size)]);
    std::vector<rlc_pair_counter> image_counters(Statistics ? static_cast<std::size_t>(layer.batch) : 0);
    if (detail::count_fmap_nonzeros<Arch, Statistics>(x, layer.batch, image_size, counts.get(), image_counters.data()))
        detail::throw_nan(function, "inputs");

    if constexpr (Statistics) {
        weight_stats->nonzeros = weight_counter.nonzeros;
        weight_stats->rlc_pairs = weight_counter.total_pairs();
        weight_stats->rlc_words = weight_counter.total_words();

        input_stats->batch = layer.batch;
        input_stats->channels = layer.in_channels;
        input_stats->values_per_channel = layer.batch * plane;
        input_stats->values = layer.ifmap_size();
        input_stats->nonzeros_per_channel.assign(static_cast<std::size_t>(layer.in_channels), 0);
        for (std::int64_t c = 0; c < layer.in_channels; ++c) {
            std::int64_t sum = 0;
            for (std::int64_t k = c * plane; k < (c + 1) * plane; ++k) sum += counts[k];
            input_stats->nonzeros_per_channel[c] = sum;
        }
        detail::finish_fmap_streams(*input_stats, image_counters);
    }
    return detail::nonskipped_macs_from_counts<Arch>(counts.get(), filter_counts.data(), layer);
}

}  // namespace eap::detail
