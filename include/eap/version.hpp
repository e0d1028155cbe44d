// SPDX-License-Identifier: MIT
// eap: energy-aware pruning and energy estimation of CNN inference.
#pragma once

#define EAP_VERSION_MAJOR 0
#define EAP_VERSION_MINOR 1
#define EAP_VERSION_PATCH 0
#define EAP_VERSION_STRING "0.1.0"

namespace eap {

/// The library version as major * 10000 + minor * 100 + patch.
inline constexpr int version = EAP_VERSION_MAJOR * 10000 + EAP_VERSION_MINOR * 100 + EAP_VERSION_PATCH;

}  // namespace eap
