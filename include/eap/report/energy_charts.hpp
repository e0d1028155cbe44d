// SPDX-License-Identifier: MIT
#pragma once

#include <cstddef>
#include <string>
#include <vector>

#include "eap/chart/bar_chart.hpp"
#include "eap/energy/energy_breakdown.hpp"
#include "eap/energy/energy_model.hpp"
#include "eap/error.hpp"
#include "eap/hardware/data_type.hpp"
#include "eap/report/energy_table.hpp"

// Stacked-bar charts of energy estimates: per layer of a network, or one bar per network, each
// bar split into computation and data movement by data type (weights, ifmaps, psums) or by
// position (storage levels, array network, scratchpads). The chart is a plain
// `eap::chart::stacked_bar_chart`: save it with `eap::chart::save_chart(stem, chart)`, which
// writes the SVG and the CSV behind it.

namespace eap {

/// How each bar is split.
enum class energy_split : std::uint8_t {
    data_type,  ///< computation, weights, ifmaps, psums
    position,   ///< computation, then each storage level (outermost first), array network, scratchpads
};

/// Options of the energy charts.
struct energy_chart_options {
    energy_split split = energy_split::data_type;
    /// Bars as percentages of their own total (every bar 100%) instead of energy per image:
    /// compares where the energy goes across networks of very different totals.
    bool shares = false;
    /// The chart's title; empty: one is made from the estimate.
    std::string title{};
};

namespace detail {

inline const char* split_name(energy_split s) { return s == energy_split::data_type ? "data type" : "level"; }

inline std::string energy_axis_label(cost_unit unit, bool shares) {
    if (shares) return "share of the energy (%)";
    return unit == cost_unit::normalized ? "energy per image (one MAC = 1)" : "energy per image (pJ)";
}

/// The chart's series for `split`, empty, named after `positions` (the estimate's position names).
inline std::vector<chart::bar_series> energy_series(energy_split split, const std::vector<std::string>& positions) {
    std::vector<chart::bar_series> series{{"computation", {}}};
    if (split == energy_split::data_type) {
        for (data_type d : all_data_types) series.push_back({to_string(d), {}});
    } else {
        for (const std::string& p : positions) series.push_back({p, {}});
    }
    return series;
}

/// Appends one bar: `e` scaled by `scale` (or as shares of its total), split as the series are.
inline void append_energy_bar(std::vector<chart::bar_series>& series, energy_split split, const energy_breakdown& e,
                              double scale, bool shares) {
    const double total = e.total();
    if (shares) scale = total > 0.0 ? 100.0 / total : 0.0;
    series[0].values.push_back(e.computation * scale);
    if (split == energy_split::data_type) {
        for (std::size_t k = 0; k < data_type_count; ++k) series[k + 1].values.push_back(e.of_type(all_data_types[k]) * scale);
    } else {
        for (std::size_t p = 0; p < e.positions(); ++p) series[p + 1].values.push_back(e.at_position(p) * scale);
    }
}

inline void check_chart_input(const char* function, const network_energy& e) {
    check_report_input(function, e);  // positions named and consistent
    if (e.batch < 1) throw argument_error(message(function, ": the estimate of '", e.network, "' has batch ", e.batch));
}

}  // namespace detail

/// One bar per CONV/FC layer of `e`, energy per image (or each layer's shares), split by data type
/// or by level. Throws `eap::argument_error` for an estimate without layers or with inconsistent
/// positions.
inline chart::stacked_bar_chart layer_energy_chart(const network_energy& e, const energy_chart_options& options = {}) {
    const char* function = "eap::layer_energy_chart";
    detail::check_chart_input(function, e);
    if (e.layers.empty()) throw argument_error("eap::layer_energy_chart: the estimate of '" + e.network + "' has no layers");
    chart::stacked_bar_chart c;
    c.title = !options.title.empty()
                  ? options.title
                  : e.network + " on " + e.hardware + ", batch " + std::to_string(e.batch) + ": energy per layer by " +
                        detail::split_name(options.split);
    c.x_label = "layer";
    c.y_label = detail::energy_axis_label(e.unit, options.shares);
    c.series = detail::energy_series(options.split, e.positions);
    const double scale = 1.0 / static_cast<double>(e.batch);
    for (const layer_energy& l : e.layers) {
        c.categories.push_back(l.name);
        detail::append_energy_bar(c.series, options.split, l.energy, scale, options.shares);
    }
    return c;
}

/// One bar per estimate (e.g. per network of the zoo), labelled by `labels` (default: the
/// network names), energy per image (or shares), split by data type or by level. The estimates
/// must come from hardware with the same positions. Throws `eap::argument_error` when there are
/// none, the labels do not match, or the positions differ.
inline chart::stacked_bar_chart network_energy_chart(const std::vector<network_energy>& estimates,
                                                     const energy_chart_options& options = {},
                                                     std::vector<std::string> labels = {}) {
    const char* function = "eap::network_energy_chart";
    if (estimates.empty()) throw argument_error("eap::network_energy_chart: no estimates");
    if (!labels.empty() && labels.size() != estimates.size())
        throw argument_error(detail::message(function, ": ", labels.size(), " labels for ", estimates.size(), " estimates"));
    for (const network_energy& e : estimates) {
        detail::check_chart_input(function, e);
        if (e.positions != estimates.front().positions || e.unit != estimates.front().unit)
            throw argument_error(detail::message(function, ": '", e.network, "' was estimated on hardware with other ",
                                                 "positions or units than '", estimates.front().network, "'"));
    }
    chart::stacked_bar_chart c;
    c.title = !options.title.empty() ? options.title
                                     : "energy per image on " + estimates.front().hardware + " by " +
                                           detail::split_name(options.split);
    c.x_label = "network";
    c.y_label = detail::energy_axis_label(estimates.front().unit, options.shares);
    c.series = detail::energy_series(options.split, estimates.front().positions);
    for (std::size_t i = 0; i < estimates.size(); ++i) {
        const network_energy& e = estimates[i];
        c.categories.push_back(labels.empty() ? e.network : labels[i]);
        detail::append_energy_bar(c.series, options.split, e.total, 1.0 / static_cast<double>(e.batch), options.shares);
    }
    return c;
}

}  // namespace eap
