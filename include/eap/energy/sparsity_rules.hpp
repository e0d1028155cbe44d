// SPDX-License-Identifier: MIT
#pragma once

#include <cstdint>

namespace eap {

/// How weights move when rule 2 of `sparsity_rules` compresses them.
enum class weight_format : std::uint8_t {
    nonzero_values,   ///< only the non-zero weights move, plus `weight_index_bits` per non-zero
    run_length_code,  ///< the weights of a layer as one Eyeriss run-length-coded stream
};

constexpr const char* to_string(weight_format f) {
    return f == weight_format::nonzero_values ? "nonzero_values" : "run_length_code";
}

/// The rules by which zeros save energy (Yang et al., CVPR 2017, with Eyeriss' run-length code).
/// Each is a switch; the defaults are the paper's. They apply only when a layer has sparsity
/// information (densities or exact counts); a layer without it is dense and moves raw words.
/// The mapping is always searched on the dense layer.
struct sparsity_rules {
    /// Rule 1: a MAC whose weight or input activation is zero is skipped, and the scratchpad
    /// reads and the psum update that belong to it are gated (not charged).
    bool skip_zero_macs = true;
    /// Rule 2: weights are stored and moved compressed at every storage level and over the array
    /// network: only the non-zeros move (see `weight_storage`).
    bool compress_weights = true;
    weight_format weight_storage = weight_format::nonzero_values;
    /// Extra bits per non-zero weight for its index (rule 2 with `nonzero_values`).
    int weight_index_bits = 0;
    /// Rule 3: input and output feature maps moved to and from the outermost level (DRAM) are
    /// run-length coded as in Eyeriss; the network's input image is moved raw. Partial sums
    /// spilled to DRAM before the last accumulation are dense and moved raw.
    bool run_length_code_dram_fmaps = true;
    /// Keep the raw size where the run-length code would be larger (dense feature maps).
    bool run_length_code_only_when_smaller = false;
    /// Rule 4: on-chip movement (storage levels other than the outermost, array network) of
    /// input feature maps carries only the non-zeros. Off: zeros are carried.
    bool compress_onchip_fmaps = false;
};

}  // namespace eap
