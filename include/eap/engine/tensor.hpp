// SPDX-License-Identifier: MIT
#pragma once

#include <cstdint>

#include "eap/detail/xtensor.hpp"

namespace eap::engine {

// The tensor conventions of the engine, shared with the sparse counters and the pruning solvers.
// All are row-major xtensor containers of float.

/// Activations of a batch: N images x C channels x H rows x W columns. An FC layer's output is
/// N x M x 1 x 1.
using activation_tensor = xt::xtensor<float, 4>;
/// CONV filter weights: M filters x C/groups channels x R rows x S columns. Row m of the M x K
/// matrix (K = C/groups * R * S) is filter m flattened in C, R, S order, the order of the im2col
/// rows.
using conv_weight_tensor = xt::xtensor<float, 4>;
/// FC weights: M outputs x K inputs, K = C * H * W of the layer's input flattened in C, H, W order.
using fc_weight_tensor = xt::xtensor<float, 2>;
/// One bias per output channel (CONV) or output (FC).
using bias_tensor = xt::xtensor<float, 1>;
/// Class labels of a batch (0-based).
using label_tensor = xt::xtensor<std::int32_t, 1>;

}  // namespace eap::engine
