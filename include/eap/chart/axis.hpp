// SPDX-License-Identifier: MIT
#pragma once

#include <cmath>
#include <cstdio>
#include <string>
#include <vector>

#include "eap/error.hpp"

namespace eap::chart {

/// A numeric axis: its range, its scale and the tick values to label.
struct axis {
    double low = 0.0;
    double high = 1.0;
    bool logarithmic = false;
    std::vector<double> ticks;

    /// Position of `value` along the axis as a fraction in [0, 1] (outside for values out of range).
    double fraction(double value) const {
        if (logarithmic) return (std::log10(value) - std::log10(low)) / (std::log10(high) - std::log10(low));
        return (value - low) / (high - low);
    }
};

/// A linear axis with ticks at 1, 2, 2.5 or 5 times a power of ten, about `target_ticks` of
/// them, covering the data; from 0 when `include_zero` (bar heights), else tight around the data
/// (accuracies cluster far from zero).
inline axis linear_axis(double data_low, double data_high, int target_ticks = 6, bool include_zero = true) {
    if (!std::isfinite(data_low) || !std::isfinite(data_high) || data_low > data_high)
        throw argument_error("eap::chart::linear_axis: the data range must be finite and ordered");
    if (target_ticks < 2) throw argument_error("eap::chart::linear_axis: target_ticks must be at least 2");
    double low = include_zero ? std::min(0.0, data_low) : data_low;
    double high = include_zero ? std::max(0.0, data_high) : data_high;
    if (high == low) {
        const double half = low == 0.0 ? 1.0 : std::abs(low) * 0.05;
        low -= include_zero && low == 0.0 ? 0.0 : half;
        high += half;
    }
    const double raw_step = (high - low) / target_ticks;
    const double magnitude = std::pow(10.0, std::floor(std::log10(raw_step)));
    double step = 10.0 * magnitude;
    for (double m : {1.0, 2.0, 2.5, 5.0})
        if (m * magnitude >= raw_step) {
            step = m * magnitude;
            break;
        }
    axis a;
    // A value a rounding error past a tick (a share summing to 100.00000000000001) ends there.
    a.low = std::floor(low / step + 1e-12) * step;
    a.high = std::ceil(high / step - 1e-12) * step;
    const long count = std::lround((a.high - a.low) / step);
    for (long i = 0; i <= count; ++i) {
        const double t = a.low + step * static_cast<double>(i);
        a.ticks.push_back(std::abs(t) < step * 1e-9 ? 0.0 : t);
    }
    return a;
}

/// A logarithmic axis spanning whole decades around the (positive) data, ticks at each decade
/// (and at 2x and 5x when it spans at most two decades).
inline axis log_axis(double data_low, double data_high) {
    if (!(data_low > 0.0) || !(data_high > 0.0) || !std::isfinite(data_low) || !std::isfinite(data_high))
        throw argument_error("eap::chart::log_axis: a logarithmic axis needs positive, finite data");
    axis a;
    a.logarithmic = true;
    const double lo = std::floor(std::log10(data_low));
    double hi = std::ceil(std::log10(data_high));
    if (hi <= lo) hi = lo + 1.0;
    a.low = std::pow(10.0, lo);
    a.high = std::pow(10.0, hi);
    // Few decades leave the axis nearly unlabelled: add 2x and 5x ticks then.
    const bool fine = hi - lo <= 2.0;
    for (double e = lo; e <= hi + 1e-9; e += 1.0) {
        const double decade = std::pow(10.0, e);
        a.ticks.push_back(decade);
        if (fine && e < hi - 0.5) {
            a.ticks.push_back(2.0 * decade);
            a.ticks.push_back(5.0 * decade);
        }
    }
    return a;
}

/// A short label for a tick value: 0.25, 40, 1.5k, 2M, 1e9, ...
inline std::string tick_label(double v) {
    char buffer[32];
    const double a = std::abs(v);
    if (a == 0.0) return "0";
    if (a >= 1e12 || a < 1e-3) {
        std::snprintf(buffer, sizeof buffer, "%.3g", v);
    } else if (a >= 1e9) {
        std::snprintf(buffer, sizeof buffer, "%gG", v / 1e9);
    } else if (a >= 1e6) {
        std::snprintf(buffer, sizeof buffer, "%gM", v / 1e6);
    } else if (a >= 1e4) {
        std::snprintf(buffer, sizeof buffer, "%gk", v / 1e3);
    } else {
        std::snprintf(buffer, sizeof buffer, "%g", v);
    }
    return buffer;
}

}  // namespace eap::chart
