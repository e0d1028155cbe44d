// SPDX-License-Identifier: MIT
#pragma once

#include <cstdint>

namespace eap {

/// The fraction of non-zero values in each tensor of one layer: the statistical way to give
/// sparsity to the energy model (zeros are assumed independent and uniformly spread).
struct layer_density {
    double weights = 1.0;
    double ifmaps = 1.0;
    double ofmaps = 1.0;
};

/// Exact counts measured on real tensors of one CONV/FC layer over a batch: the exact way to give
/// sparsity to the energy model. Produced by the sparse counters (`eap/sparse/...`) from weight
/// and activation tensors; all counts are over the whole batch the counts were taken on.
struct layer_sparse_counts {
    std::int64_t batch = 0;                 ///< images the activation counts cover
    std::int64_t weights = 0;               ///< all filter weights (no biases)
    std::int64_t nonzero_weights = 0;
    std::int64_t ifmap_values = 0;          ///< all input activations over the batch (unpadded)
    std::int64_t nonzero_ifmap_values = 0;
    std::int64_t ofmap_values = 0;          ///< all output activations over the batch (after the activation function)
    std::int64_t nonzero_ofmap_values = 0;
    std::int64_t dense_macs = 0;            ///< MACs of the dense layer over the batch
    std::int64_t nonskipped_macs = 0;       ///< MACs whose weight and input activation are both non-zero
    std::int64_t ifmap_rlc_words = 0;       ///< 64-bit words of the Eyeriss run-length code of the ifmaps
    std::int64_t ofmap_rlc_words = 0;       ///< 64-bit words of the Eyeriss run-length code of the ofmaps
    std::int64_t weight_rlc_words = 0;      ///< 64-bit words of the run-length code of the weights
};

}  // namespace eap
