// SPDX-License-Identifier: MIT
#pragma once

#include <algorithm>
#include <cmath>
#include <filesystem>
#include <ostream>
#include <string>
#include <vector>

#include "eap/chart/axis.hpp"
#include "eap/chart/detail/csv.hpp"
#include "eap/chart/detail/svg_writer.hpp"
#include "eap/error.hpp"
#include "eap/io/atomic_file.hpp"

namespace eap::chart {

/// A labelled point. Points of the same `group` share a colour and a legend entry; when the
/// chart connects groups, the points of a group are joined in order (e.g. original -> pruned).
struct scatter_point {
    std::string label;
    double x = 0.0;
    double y = 0.0;
    std::string group;
};

struct scatter_chart {
    std::string title;
    std::string x_label;  ///< quantity and unit
    std::string y_label;
    bool log_x = false;
    bool log_y = false;
    bool connect_groups = false;
    std::vector<scatter_point> points;

    void validate() const {
        if (points.empty()) throw argument_error("eap::chart::scatter_chart: no points");
        for (const auto& p : points) {
            if (!std::isfinite(p.x) || !std::isfinite(p.y))
                throw argument_error("eap::chart::scatter_chart: point '" + p.label + "' is not finite");
            if ((log_x && p.x <= 0.0) || (log_y && p.y <= 0.0))
                throw argument_error("eap::chart::scatter_chart: point '" + p.label +
                                     "' is not positive on a logarithmic axis");
        }
    }

    /// The groups in order of first appearance.
    std::vector<std::string> groups() const {
        std::vector<std::string> out;
        for (const auto& p : points)
            if (std::find(out.begin(), out.end(), p.group) == out.end()) out.push_back(p.group);
        return out;
    }
};

inline std::string to_svg(const scatter_chart& chart) {
    chart.validate();
    const double left = 80, right = 190, top = 44, bottom = 56, plot_w = 560, plot_h = 380;
    const double width = left + plot_w + right, height = top + plot_h + bottom;
    auto [xmin, xmax] = std::minmax_element(chart.points.begin(), chart.points.end(),
                                            [](const auto& a, const auto& b) { return a.x < b.x; });
    auto [ymin, ymax] = std::minmax_element(chart.points.begin(), chart.points.end(),
                                            [](const auto& a, const auto& b) { return a.y < b.y; });
    auto make_axis = [](bool logarithmic, double lo, double hi) {
        return logarithmic ? log_axis(lo, hi) : linear_axis(lo, hi, 6, false);
    };
    const axis x = make_axis(chart.log_x, xmin->x, xmax->x);
    const axis y = make_axis(chart.log_y, ymin->y, ymax->y);
    auto px = [&](double v) { return left + plot_w * x.fraction(v); };
    auto py = [&](double v) { return top + plot_h * (1.0 - y.fraction(v)); };

    detail::svg_writer svg(width, height);
    svg.text(width / 2, 24, chart.title, "middle", 15, 0, true);
    for (double t : x.ticks) {
        svg.line(px(t), top, px(t), top + plot_h, "#dddddd");
        svg.text(px(t), top + plot_h + 18, tick_label(t), "middle");
    }
    for (double t : y.ticks) {
        svg.line(left, py(t), left + plot_w, py(t), "#dddddd");
        svg.text(left - 6, py(t) + 4, tick_label(t), "end");
    }
    svg.line(left, top + plot_h, left + plot_w, top + plot_h, "#333333");
    svg.line(left, top, left, top + plot_h, "#333333");
    const auto groups = chart.groups();
    for (std::size_t g = 0; g < groups.size(); ++g) {
        const scatter_point* previous = nullptr;
        for (const auto& p : chart.points) {
            if (p.group != groups[g]) continue;
            if (chart.connect_groups && previous)
                svg.line(px(previous->x), py(previous->y), px(p.x), py(p.y), detail::palette(g), 1.5, "4 3");
            previous = &p;
        }
        for (const auto& p : chart.points) {
            if (p.group != groups[g]) continue;
            svg.circle(px(p.x), py(p.y), 5, detail::palette(g), p.label);
            svg.text(px(p.x) + 8, py(p.y) - 6, p.label, "start", 11);
        }
        const double ly = top + 10 + 20.0 * static_cast<double>(g);
        svg.circle(left + plot_w + 22, ly - 4, 5, detail::palette(g));
        svg.text(left + plot_w + 34, ly, groups[g]);
    }
    svg.text(18, top + plot_h / 2, chart.y_label + (chart.log_y ? " (log scale)" : ""), "middle", 12, -90);
    svg.text(left + plot_w / 2, height - 10, chart.x_label + (chart.log_x ? " (log scale)" : ""), "middle");
    return svg.finish();
}

/// The data behind the chart: label, group, x, y.
inline void write_csv(std::ostream& out, const scatter_chart& chart) {
    chart.validate();
    out << "label,group," << detail::csv_field(chart.x_label.empty() ? "x" : chart.x_label) << ','
        << detail::csv_field(chart.y_label.empty() ? "y" : chart.y_label) << '\n';
    for (const auto& p : chart.points)
        out << detail::csv_field(p.label) << ',' << detail::csv_field(p.group) << ',' << detail::csv_number(p.x) << ','
            << detail::csv_number(p.y) << '\n';
}

/// Writes `<stem>.svg` and `<stem>.csv`.
inline void save_chart(const std::filesystem::path& stem, const scatter_chart& chart) {
    const std::string svg = to_svg(chart);
    write_file_atomically(std::filesystem::path(stem).concat(".svg"), [&svg](std::ostream& out) { out << svg; });
    write_file_atomically(std::filesystem::path(stem).concat(".csv"), [&chart](std::ostream& out) { write_csv(out, chart); });
}

}  // namespace eap::chart
