// SPDX-License-Identifier: MIT
// Pruning: masks, magnitude pruning, Gram systems, least-squares fitting, restoration, and the
// energy-aware loop with its magnitude-pruning baseline.
#pragma once

#include "eap/prune/energy_aware_pruning.hpp"
#include "eap/prune/fine_tuning.hpp"
#include "eap/prune/gram_matrix.hpp"
#include "eap/prune/layer_pruning.hpp"
#include "eap/prune/layer_systems.hpp"
#include "eap/prune/least_squares_fit.hpp"
#include "eap/prune/magnitude_baseline.hpp"
#include "eap/prune/magnitude_pruning.hpp"
#include "eap/prune/patch_sampling.hpp"
#include "eap/prune/pruning_records.hpp"
#include "eap/prune/restoration.hpp"
#include "eap/prune/weight_mask.hpp"
