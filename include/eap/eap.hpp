// SPDX-License-Identifier: MIT
// eap: energy estimation of CNN inference on a described accelerator, and energy-aware pruning.
// The umbrella header: every public part of the library. A program that needs only one area
// includes that area's entry header instead (eap/energy.hpp, eap/prune.hpp, ...) and compiles
// faster.
#pragma once

#include "eap/version.hpp"
#include "eap/error.hpp"
#include "eap/hardware.hpp"
#include "eap/network.hpp"
#include "eap/chart.hpp"
#include "eap/sparse.hpp"
#include "eap/energy.hpp"
#include "eap/engine.hpp"
#include "eap/measure.hpp"
#include "eap/prune.hpp"
