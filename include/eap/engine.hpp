// SPDX-License-Identifier: MIT
// The CNN engine (xtensor + OpenBLAS): layers, forward and backward passes, masked training,
// evaluation, capture, partial models, model files, and the data it trains on.
#pragma once

#include "eap/io/atomic_file.hpp"
#include "eap/io/idx_reader.hpp"
#include "eap/io/npy.hpp"
#include "eap/data/fashion_mnist.hpp"
#include "eap/data/labeled_images.hpp"
#include "eap/engine/capture.hpp"
#include "eap/engine/conv_layer.hpp"
#include "eap/engine/evaluate.hpp"
#include "eap/engine/executor.hpp"
#include "eap/engine/fc_layer.hpp"
#include "eap/engine/gemm.hpp"
#include "eap/engine/im2col.hpp"
#include "eap/engine/loss.hpp"
#include "eap/engine/model.hpp"
#include "eap/engine/model_files.hpp"
#include "eap/engine/partial_model.hpp"
#include "eap/engine/pool_layer.hpp"
#include "eap/engine/sgd.hpp"
#include "eap/engine/tensor.hpp"
#include "eap/engine/trainer.hpp"
