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

// Energy model.
#include "eap/energy/sparsity.hpp"

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
