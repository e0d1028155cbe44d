// SPDX-License-Identifier: MIT
#pragma once

#include <cstdint>
#include <limits>
#include <vector>

#include "eap/detail/checked_arithmetic.hpp"
#include "eap/detail/xtensor.hpp"
#include "eap/error.hpp"
#include "eap/sparse/detail/tensor_access.hpp"
#include "eap/sparse/kernel_arch.hpp"
#include "eap/sparse/kernels/nonzero_passes.hpp"
#include "eap/sparse/kernels/rlc_pair_counter.hpp"
#include "eap/sparse/run_length_code.hpp"

namespace eap {

/// Zero statistics of a batch of feature maps, N x C x H x W (a 2-D N x K batch counts as K
/// channels of 1 x 1). Each image is one run-length stream.
struct fmap_statistics {
    std::int64_t batch = 0;
    std::int64_t channels = 0;
    std::int64_t values_per_channel = 0;               ///< N * H * W: one channel over the batch
    std::int64_t values = 0;                           ///< N * C * H * W
    std::int64_t nonzeros = 0;
    std::vector<std::int64_t> nonzeros_per_channel;   ///< C entries, each over the whole batch
    std::vector<std::int64_t> nonzeros_per_image;     ///< N entries
    std::vector<std::int64_t> rlc_words_per_image;    ///< N entries: 64-bit words of each image's code
    std::int64_t rlc_pairs = 0;                        ///< (run, level) pairs, all images
    std::int64_t rlc_words = 0;                        ///< 64-bit words, all images

    /// Fraction of non-zero values (0 for an empty tensor).
    double density() const noexcept { return values == 0 ? 0.0 : static_cast<double>(nonzeros) / values; }

    /// Fraction of non-zero values of channel `c` over the batch.
    double channel_density(std::int64_t c) const {
        if (c < 0 || c >= channels)
            throw argument_error(detail::message("eap::fmap_statistics::channel_density: channel ", c,
                                                 " is outside [0, ", channels, ")"));
        return values_per_channel == 0 ? 0.0
                                       : static_cast<double>(nonzeros_per_channel[static_cast<std::size_t>(c)]) /
                                             values_per_channel;
    }
};

/// Zero statistics of a weight tensor whose first axis is the filter (M x C/groups x R x S, or
/// M x K). The whole tensor is one run-length stream.
struct weight_statistics {
    std::int64_t filters = 0;
    std::int64_t values_per_filter = 0;
    std::int64_t values = 0;
    std::int64_t nonzeros = 0;
    std::vector<std::int64_t> nonzeros_per_filter;  ///< M entries
    std::int64_t rlc_pairs = 0;
    std::int64_t rlc_words = 0;

    /// Fraction of non-zero weights (0 for an empty tensor).
    double density() const noexcept { return values == 0 ? 0.0 : static_cast<double>(nonzeros) / values; }

    /// Fraction of non-zero weights of filter `m`.
    double filter_density(std::int64_t m) const {
        if (m < 0 || m >= filters)
            throw argument_error(detail::message("eap::weight_statistics::filter_density: filter ", m,
                                                 " is outside [0, ", filters, ")"));
        return values_per_filter == 0 ? 0.0
                                      : static_cast<double>(nonzeros_per_filter[static_cast<std::size_t>(m)]) /
                                            values_per_filter;
    }
};

namespace detail {

/// The per-position counts of the activation pass are 32-bit: at most 2^31 - 1 images.
inline void check_batch_fits_counts(const char* function, std::int64_t batch) {
    if (batch > std::numeric_limits<std::int32_t>::max())
        throw argument_error(detail::message(function, ": batch is ", batch, "; at most ",
                                             std::numeric_limits<std::int32_t>::max(), " images per call"));
}

/// Finishes the per-image streams of `stats` from their counters.
inline void finish_fmap_streams(fmap_statistics& stats, const std::vector<rlc_pair_counter>& counters) {
    stats.nonzeros_per_image.resize(counters.size());
    stats.rlc_words_per_image.resize(counters.size());
    stats.nonzeros = 0;
    stats.rlc_pairs = 0;
    stats.rlc_words = 0;
    for (std::size_t n = 0; n < counters.size(); ++n) {
        stats.nonzeros_per_image[n] = counters[n].nonzeros;
        stats.rlc_words_per_image[n] = counters[n].total_words();
        stats.nonzeros += counters[n].nonzeros;
        stats.rlc_pairs += counters[n].total_pairs();
        stats.rlc_words += counters[n].total_words();
    }
}

/// Sizes of an (N, C, H, W) or (N, K) batch of feature maps: batch, channels, values per
/// channel per image.
inline void fmap_layout(const char* function, const char* tensor, const std::vector<std::int64_t>& shape,
                        fmap_statistics& stats) {
    if (shape.size() == 4) {
        stats.batch = shape[0];
        stats.channels = shape[1];
        stats.values_per_channel = detail::checked_product(function, shape[0], shape[2], shape[3]);
    } else if (shape.size() == 2) {
        stats.batch = shape[0];
        stats.channels = shape[1];
        stats.values_per_channel = shape[0];
    } else {
        detail::throw_rank_mismatch(function, tensor, shape.size(), "4 (N, C, H, W) or 2 (N, K)");
    }
    stats.values = detail::checked_mul(stats.values_per_channel, stats.channels, function);
}

}  // namespace detail

namespace detail {

/// `fmap_statistics_of` on row-major values; errors name `function` and `tensor`.
template <class Arch, class T>
fmap_statistics measure_fmaps(const char* function, const char* tensor, const T* data,
                              const std::vector<std::int64_t>& shape) {
    fmap_statistics stats;
    detail::fmap_layout(function, tensor, shape, stats);
    const std::int64_t plane = stats.batch == 0 ? 0 : stats.values_per_channel / stats.batch;
    std::vector<detail::rlc_pair_counter> counters(static_cast<std::size_t>(stats.batch));
    stats.nonzeros_per_channel.assign(static_cast<std::size_t>(stats.channels), 0);
    bool nan = false;
    if (plane >= 64) {
        // Long channels: one segment per (image, channel), its non-zeros counted from the bits.
        nan = detail::scan_streams<Arch>(data, stats.batch, stats.channels, plane, counters.data(),
                                         stats.nonzeros_per_channel.data());
    } else {
        // Short channels (FC inputs, small maps): count per position over the batch, then sum.
        detail::check_batch_fits_counts(function, stats.batch);
        const std::int64_t image_size = stats.channels * plane;
        std::vector<std::int32_t> counts(static_cast<std::size_t>(image_size), 0);
        nan = detail::count_fmap_nonzeros<Arch, true>(data, stats.batch, image_size, counts.data(), counters.data());
        for (std::int64_t k = 0; k < image_size; ++k) stats.nonzeros_per_channel[k / plane] += counts[k];
    }
    if (nan) detail::throw_nan(function, tensor);
    detail::finish_fmap_streams(stats, counters);
    return stats;
}

}  // namespace detail

/// Zero statistics and the exact run-length-coded size of a batch of feature maps: an
/// N x C x H x W (or N x K) xtensor expression of float, double, std::int32_t, std::int16_t,
/// std::int8_t, std::uint16_t or std::uint8_t. One pass over the values. Throws `eap::shape_error` for another rank and
/// `eap::argument_error` when a value is NaN.
template <class Arch = default_kernel_arch, class E>
fmap_statistics fmap_statistics_of(const xt::xexpression<E>& fmaps) {
    detail::check_sparse_element_type<E>();
    const detail::row_major_values<detail::sparse_value_t<E>> x(fmaps.derived_cast());
    return detail::measure_fmaps<Arch>("eap::fmap_statistics_of", "fmaps", x.data(), x.shape());
}

/// Zero statistics and the exact run-length-coded size (one stream) of a weight tensor whose
/// first axis is the filter: M x C/groups x R x S, M x K, or any rank >= 1. One pass over the
/// values. Throws `eap::argument_error` when a value is NaN.
template <class Arch = default_kernel_arch, class E>
weight_statistics weight_statistics_of(const xt::xexpression<E>& weights) {
    constexpr const char* function = "eap::weight_statistics_of";
    detail::check_sparse_element_type<E>();
    using T = detail::sparse_value_t<E>;
    const detail::row_major_values<T> w(weights.derived_cast());
    if (w.dimension() == 0) detail::throw_rank_mismatch(function, "weights", 0, "at least 1 (M, ...)");
    weight_statistics stats;
    stats.filters = w.extent(0);
    stats.values = w.size();
    stats.values_per_filter = stats.filters == 0 ? 0 : stats.values / stats.filters;
    stats.nonzeros_per_filter.assign(static_cast<std::size_t>(stats.filters), 0);
    detail::rlc_pair_counter counter;
    // One stream of M segments (the filters): segment k's non-zeros are filter k's.
    if (detail::scan_streams<Arch>(w.data(), 1, stats.filters, stats.values_per_filter, &counter,
                                   stats.nonzeros_per_filter.data()))
        detail::throw_nan(function, "weights");
    stats.nonzeros = counter.nonzeros;
    stats.rlc_pairs = counter.total_pairs();
    stats.rlc_words = counter.total_words();
    return stats;
}

}  // namespace eap
