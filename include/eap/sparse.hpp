// SPDX-License-Identifier: MIT
// Exact sparse counting on real tensors (xtensor + xsimd): non-skipped MACs, zero statistics,
// run-length-coded sizes and the energy model's exact-sparsity record.
#pragma once

#include "eap/sparse/kernel_arch.hpp"
#include "eap/sparse/layer_counts.hpp"
#include "eap/sparse/layer_sparsity.hpp"
#include "eap/sparse/nonskipped_macs.hpp"
#include "eap/sparse/run_length_code.hpp"
#include "eap/sparse/tensor_statistics.hpp"
