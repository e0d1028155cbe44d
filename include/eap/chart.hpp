// SPDX-License-Identifier: MIT
// SVG charts (bars and scatter plots) with the CSV behind each. Standard library only.
#pragma once

#include "eap/chart/axis.hpp"
#include "eap/chart/bar_chart.hpp"
#include "eap/chart/scatter_chart.hpp"
