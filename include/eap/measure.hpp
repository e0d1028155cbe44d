// SPDX-License-Identifier: MIT
// What a model costs and scores: measured activation densities, its energy from exact sparsity,
// and summaries (accuracy, non-zero weights, non-skipped MACs, energy).
#pragma once

#include "eap/measure/activation_density.hpp"
#include "eap/measure/model_energy.hpp"
#include "eap/measure/model_summary.hpp"
