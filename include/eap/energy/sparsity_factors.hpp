// SPDX-License-Identifier: MIT
#pragma once

#include <algorithm>
#include <cstddef>
#include <cstdint>
#include <string>

#include "eap/detail/checked_arithmetic.hpp"
#include "eap/energy/effective_access_counts.hpp"
#include "eap/energy/energy_options.hpp"
#include "eap/energy/run_length_code_model.hpp"
#include "eap/energy/sparsity_rules.hpp"
#include "eap/error.hpp"
#include "eap/hardware/data_type.hpp"
#include "eap/mapping/access_counts.hpp"
#include "eap/shape/conv_shape.hpp"
#include "eap/sparse/layer_sparsity.hpp"

// How a layer's sparsity (densities or exact counts, checked against its shape) becomes
// multipliers of its dense access counts under the sparsity rules.

namespace eap {

namespace detail {

/// Multipliers the sparsity rules apply to dense counts of one layer.
struct sparsity_factors {
    double nonskipped = 1.0;     ///< MACs and scratchpad accesses
    double weights = 1.0;        ///< weights at every storage level and over the network
    double ifmap_dram = 1.0;     ///< ifmaps at the outermost level
    double ifmap_onchip = 1.0;   ///< ifmaps at inner storage levels and over the network
    double ofmap_dram = 1.0;     ///< final outputs written to the outermost level
};

inline void check_density(const char* field, double v) {
    if (!(v >= 0.0 && v <= 1.0))
        throw argument_error(message("eap::estimate_layer_energy: density.", field, " must be in [0, 1] (got ", v, ")"));
}

inline double fraction_of(std::int64_t part, std::int64_t whole) {
    return whole == 0 ? 1.0 : static_cast<double>(part) / static_cast<double>(whole);
}

/// Coded size over raw size of a stream of `values` values of `bits` bits with `coded_words`
/// 64-bit words of run-length code.
inline double coded_ratio(double coded_words, std::int64_t values, int bits) {
    if (values == 0) return 1.0;
    return coded_words * 64.0 / (static_cast<double>(values) * static_cast<double>(bits));
}

inline void validate_sparse_counts(const conv_shape& s, const layer_sparse_counts& c) {
    auto fail = [](const std::string& what) {
        throw argument_error("eap::estimate_layer_energy: the exact sparse counts " + what);
    };
    if (c.batch < 1) fail(message("have batch ", c.batch, "; it must be at least 1"));
    if (c.weights != s.weight_count())
        fail(message("are for ", c.weights, " weights but the layer has ", s.weight_count()));
    const std::int64_t in = s.input_fmap().size(), out = s.output_fmap().size();
    const std::int64_t macs = s.with_batch(1).mac_count();
    if (c.ifmap_values != checked_mul(in, c.batch, "sparse counts"))
        fail(message("have ", c.ifmap_values, " ifmap values; ", c.batch, " images of the layer's input have ",
                     checked_mul(in, c.batch, "sparse counts")));
    if (c.ofmap_values != checked_mul(out, c.batch, "sparse counts"))
        fail(message("have ", c.ofmap_values, " ofmap values; ", c.batch, " images of the layer's output have ",
                     checked_mul(out, c.batch, "sparse counts")));
    if (c.dense_macs != checked_mul(macs, c.batch, "sparse counts"))
        fail(message("have ", c.dense_macs, " dense MACs; ", c.batch, " images of the layer have ",
                     checked_mul(macs, c.batch, "sparse counts")));
    if (c.nonzero_weights < 0 || c.nonzero_weights > c.weights)
        fail(message("have ", c.nonzero_weights, " non-zero weights of ", c.weights));
    if (c.nonzero_ifmap_values < 0 || c.nonzero_ifmap_values > c.ifmap_values)
        fail(message("have ", c.nonzero_ifmap_values, " non-zero ifmap values of ", c.ifmap_values));
    if (c.nonzero_ofmap_values < 0 || c.nonzero_ofmap_values > c.ofmap_values)
        fail(message("have ", c.nonzero_ofmap_values, " non-zero ofmap values of ", c.ofmap_values));
    if (c.nonskipped_macs < 0 || c.nonskipped_macs > c.dense_macs)
        fail(message("have ", c.nonskipped_macs, " non-skipped MACs of ", c.dense_macs));
    if (c.ifmap_rlc_words < 0 || c.ofmap_rlc_words < 0 || c.weight_rlc_words < 0)
        fail("have a negative run-length-code size");
}

inline sparsity_factors make_sparsity_factors(const conv_shape& s, const sparsity_rules& rules,
                                              const layer_energy_options& lo, const per_data_type<int>& bits,
                                              bool input_is_image, layer_density& density, double& nonskipped,
                                              sparsity_source& source) {
    sparsity_factors f;
    density = layer_density{};
    nonskipped = 1.0;
    source = sparsity_source::none;
    if (!lo.counts && !lo.density) return f;
    const std::int64_t in_stream = s.input_fmap().size(), out_stream = s.output_fmap().size();
    const std::int64_t weights = s.weight_count();
    double ifmap_words = 0.0, ofmap_words = 0.0, weight_words = 0.0;  // expected code words per stream
    if (lo.counts) {
        const layer_sparse_counts& c = *lo.counts;
        validate_sparse_counts(s, c);
        source = sparsity_source::exact_counts;
        density.weights = fraction_of(c.nonzero_weights, c.weights);
        density.ifmaps = fraction_of(c.nonzero_ifmap_values, c.ifmap_values);
        density.ofmaps = fraction_of(c.nonzero_ofmap_values, c.ofmap_values);
        nonskipped = fraction_of(c.nonskipped_macs, c.dense_macs);
        // Exact code sizes when the counts have them; else the expectation at the exact density.
        ifmap_words = c.ifmap_rlc_words > 0 ? static_cast<double>(c.ifmap_rlc_words) / static_cast<double>(c.batch)
                                            : expected_run_length_code_words(in_stream, density.ifmaps);
        ofmap_words = c.ofmap_rlc_words > 0 ? static_cast<double>(c.ofmap_rlc_words) / static_cast<double>(c.batch)
                                            : expected_run_length_code_words(out_stream, density.ofmaps);
        weight_words = c.weight_rlc_words > 0 ? static_cast<double>(c.weight_rlc_words)
                                              : expected_run_length_code_words(weights, density.weights);
    } else {
        density = *lo.density;
        check_density("weights", density.weights);
        check_density("ifmaps", density.ifmaps);
        check_density("ofmaps", density.ofmaps);
        source = sparsity_source::densities;
        nonskipped = density.weights * density.ifmaps;
        ifmap_words = expected_run_length_code_words(in_stream, density.ifmaps);
        ofmap_words = expected_run_length_code_words(out_stream, density.ofmaps);
        weight_words = expected_run_length_code_words(weights, density.weights);
    }
    if (rules.skip_zero_macs) f.nonskipped = nonskipped;
    if (rules.compress_weights) {
        if (rules.weight_storage == weight_format::nonzero_values)
            f.weights = density.weights * static_cast<double>(bits[data_type::weights] + rules.weight_index_bits) /
                        static_cast<double>(bits[data_type::weights]);
        else
            f.weights = coded_ratio(weight_words, weights, bits[data_type::weights]);
    }
    if (rules.run_length_code_dram_fmaps) {
        if (!input_is_image) f.ifmap_dram = coded_ratio(ifmap_words, in_stream, bits[data_type::ifmaps]);
        f.ofmap_dram = coded_ratio(ofmap_words, out_stream, bits[data_type::psums]);
        if (rules.run_length_code_only_when_smaller) {
            f.ifmap_dram = std::min(f.ifmap_dram, 1.0);
            f.ofmap_dram = std::min(f.ofmap_dram, 1.0);
        }
    }
    if (rules.compress_onchip_fmaps) f.ifmap_onchip = density.ifmaps;
    return f;
}

inline effective_access_counts apply_sparsity(const access_counts& dense, const sparsity_factors& f,
                                              std::int64_t final_outputs) {
    effective_access_counts e = effective_access_counts::from(dense);
    const std::size_t levels = dense.storage_levels;
    for (std::size_t p = 0; p <= levels; ++p) {  // storage levels and the network
        e.at[p][data_type::weights].reads *= f.weights;
        e.at[p][data_type::ifmaps].reads *= p == 0 ? f.ifmap_dram : f.ifmap_onchip;
    }
    // The last write of each output to the outermost level is the (coded) output; earlier
    // writes and all reads there are partial sums.
    auto& out = e.at[0][data_type::psums];
    const double finals = std::min(out.writes, static_cast<double>(final_outputs));
    out.writes = (out.writes - finals) + finals * f.ofmap_dram;
    for (data_type d : all_data_types) {
        e.at[levels + 1][d].reads *= f.nonskipped;
        e.at[levels + 1][d].writes *= f.nonskipped;
    }
    e.macs *= f.nonskipped;
    return e;
}

}  // namespace detail

}  // namespace eap
