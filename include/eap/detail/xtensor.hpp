// SPDX-License-Identifier: MIT
#pragma once

// Every xtensor include of eap goes through this header, so that a move to xtensor >= 0.26
// (which moved its headers into containers/, core/, views/ ...) changes one file.
// XTENSOR_USE_XSIMD must be the same in every translation unit; the CMake target sets it.
#include <xtensor/xadapt.hpp>
#include <xtensor/xarray.hpp>
#include <xtensor/xbuilder.hpp>
#include <xtensor/xmath.hpp>
#include <xtensor/xnoalias.hpp>
#include <xtensor/xtensor.hpp>
#include <xtensor/xview.hpp>
