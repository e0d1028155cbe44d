// SPDX-License-Identifier: MIT
// Accelerators: hardware described as types (checked at compile time) and their runtime mirror,
// with the Eyeriss presets. Standard library only.
#pragma once

#include "eap/hardware/accelerator.hpp"
#include "eap/hardware/data_type.hpp"
#include "eap/hardware/hardware.hpp"
#include "eap/hardware/presets.hpp"
