// SPDX-License-Identifier: MIT
// eap: energy estimation of CNN inference on a described accelerator, and energy-aware pruning.
// The umbrella header: includes every public part of the library.
#pragma once

#include "eap/version.hpp"
#include "eap/error.hpp"

// Hardware and shapes (standard library only).
#include "eap/hardware/data_type.hpp"
#include "eap/hardware/hardware.hpp"
#include "eap/hardware/accelerator.hpp"
#include "eap/hardware/presets.hpp"
#include "eap/shape/padding.hpp"
#include "eap/shape/fmap_shape.hpp"
#include "eap/shape/conv_shape.hpp"
#include "eap/shape/pool_shape.hpp"

// Networks.
#include "eap/network/layer.hpp"
#include "eap/network/network.hpp"
#include "eap/zoo/zoo.hpp"

// Tensor support (xtensor).
#include "eap/detail/xtensor.hpp"

// Files.
#include "eap/io/atomic_file.hpp"
#include "eap/io/network_text.hpp"

// Energy model (standard library only): row-stationary mapping, access counts, energy, reports.
#include "eap/energy/sparsity.hpp"
#include "eap/energy/sparsity_rules.hpp"
#include "eap/energy/run_length_code_model.hpp"
#include "eap/mapping/blocking_loop.hpp"
#include "eap/mapping/loop_order.hpp"
#include "eap/mapping/layer_part.hpp"
#include "eap/mapping/layer_partition.hpp"
#include "eap/mapping/pe_set_folding.hpp"
#include "eap/mapping/replica_split.hpp"
#include "eap/mapping/row_stationary_mapping.hpp"
#include "eap/mapping/row_stationary_options.hpp"
#include "eap/energy/access_counts.hpp"
#include "eap/energy/effective_access_counts.hpp"
#include "eap/energy/energy_breakdown.hpp"
#include "eap/mapping/mapping_evaluation.hpp"
#include "eap/mapping/mapping_search.hpp"
#include "eap/mapping/mapping_cache.hpp"
#include "eap/energy/energy_model.hpp"
#include "eap/energy/assumed_densities.hpp"
#include "eap/report/energy_table.hpp"
#include "eap/report/energy_csv.hpp"
#include "eap/report/energy_json.hpp"
#include "eap/io/eyeriss_tool_format.hpp"

// CNN engine: forward and backward passes, masked training, evaluation, capture (xtensor + OpenBLAS).
#include "eap/engine/tensor.hpp"
#include "eap/engine/gemm.hpp"
#include "eap/engine/im2col.hpp"
#include "eap/engine/conv_layer.hpp"
#include "eap/engine/fc_layer.hpp"
#include "eap/engine/pool_layer.hpp"
#include "eap/engine/model.hpp"
#include "eap/engine/executor.hpp"
#include "eap/engine/loss.hpp"
#include "eap/engine/sgd.hpp"
#include "eap/engine/trainer.hpp"
#include "eap/engine/evaluate.hpp"
#include "eap/engine/capture.hpp"
#include "eap/engine/activation_density.hpp"
#include "eap/io/npy.hpp"
#include "eap/io/model_files.hpp"
#include "eap/data/idx_reader.hpp"
#include "eap/data/fashion_mnist.hpp"
#include "eap/zoo/fashion_mnist.hpp"

// Charts (SVG and the CSV behind them).
#include "eap/chart/axis.hpp"
#include "eap/chart/bar_chart.hpp"
#include "eap/chart/scatter_chart.hpp"
#include "eap/report/energy_charts.hpp"

// Pruning solvers: masks, magnitude pruning, Gram systems, least-squares fit, restoration.
#include "eap/prune/weight_mask.hpp"
#include "eap/prune/magnitude_pruning.hpp"
#include "eap/prune/gram_matrix.hpp"
#include "eap/prune/least_squares_fit.hpp"
#include "eap/prune/restoration.hpp"
#include "eap/prune/patch_sampling.hpp"
#include "eap/prune/layer_systems.hpp"

// Sparse counting on real tensors (xtensor + xsimd): non-skipped MACs, zero statistics,
// run-length-coded sizes, and the energy model's exact-sparsity record.
#include "eap/sparse/kernel_arch.hpp"
#include "eap/sparse/run_length_code.hpp"
#include "eap/sparse/tensor_statistics.hpp"
#include "eap/sparse/nonskipped_macs.hpp"
#include "eap/sparse/layer_counts.hpp"

// Energy-aware pruning: the model's energy from its exact sparsity, one layer's pruning, the
// energy-ordered loop with its resumable state, and the magnitude-pruning baseline.
#include "eap/prune/model_energy.hpp"
#include "eap/prune/layer_pruning.hpp"
#include "eap/prune/fine_tuning.hpp"
#include "eap/prune/partial_model.hpp"
#include "eap/prune/pruning_records.hpp"
#include "eap/prune/energy_aware_pruning.hpp"
#include "eap/prune/magnitude_baseline.hpp"
#include "eap/prune/model_summary.hpp"
