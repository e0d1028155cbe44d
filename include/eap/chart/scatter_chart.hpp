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
#include "eap/chart/detail/label_placement.hpp"
#include "eap/chart/detail/svg_writer.hpp"
#include "eap/error.hpp"
#include "eap/io/atomic_file.hpp"

namespace eap::chart {

/// A labelled point. Points of the same `group` share a colour and a legend entry; when the
/// chart connects groups, the points of a group are joined in order (e.g. original -> pruned).
/// An empty label draws the marker alone (e.g. the inner points of a curve).
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
    /// Groups whose points are joined in order even when `connect_groups` is off (e.g. only the
    /// original -> pruned pairs, not a family of unrelated networks).
    std::vector<std::string> connected_groups{};
    std::vector<scatter_point> points;

    /// True when the points of `group` are joined.
    bool connects(const std::string& group) const {
        return connect_groups || std::find(connected_groups.begin(), connected_groups.end(), group) != connected_groups.end();
    }

    void validate() const {
        if (points.empty()) throw argument_error("eap::chart::scatter_chart: no points");
        for (const auto& p : points) {
            if (!std::isfinite(p.x) || !std::isfinite(p.y))
                throw argument_error("eap::chart::scatter_chart: point '" + p.label + "' is not finite");
            if ((log_x && p.x <= 0.0) || (log_y && p.y <= 0.0))
                throw argument_error("eap::chart::scatter_chart: point '" + p.label +
                                     "' is not positive on a logarithmic axis");
        }
        for (const auto& g : connected_groups)
            if (std::none_of(points.begin(), points.end(), [&g](const scatter_point& p) { return p.group == g; }))
                throw argument_error("eap::chart::scatter_chart: connected_groups names '" + g +
                                     "', a group without points");
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
    const auto groups = chart.groups();
    // The legend sits right of the plot, never over the data: as wide as its longest entry.
    double legend_w = 0.0;
    for (const auto& g : groups) legend_w = std::max(legend_w, detail::text_width(g, 12));
    const double left = 80, right = std::max(190.0, 50.0 + legend_w), top = 44, bottom = 56, plot_w = 560, plot_h = 380;
    const double width = left + plot_w + right, height = top + plot_h + bottom;
    auto [xmin, xmax] = std::minmax_element(chart.points.begin(), chart.points.end(),
                                            [](const auto& a, const auto& b) { return a.x < b.x; });
    auto [ymin, ymax] = std::minmax_element(chart.points.begin(), chart.points.end(),
                                            [](const auto& a, const auto& b) { return a.y < b.y; });
    // A linear axis leaves a margin around the data, so no point sits on the frame and its label
    // has room on every side.
    auto make_axis = [](bool logarithmic, double lo, double hi) {
        const double margin = 0.06 * (hi - lo);
        return logarithmic ? log_axis(lo, hi) : linear_axis(lo - margin, hi + margin, 6, false);
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
    // Labels go where they cover no marker and no other label (points in group order, as drawn).
    std::vector<const scatter_point*> drawn;
    for (const auto& g : groups)
        for (const auto& p : chart.points)
            if (p.group == g) drawn.push_back(&p);
    std::vector<detail::label_request> requests;
    for (const scatter_point* p : drawn) requests.push_back({px(p->x), py(p->y), 5.0, p->label, 11.0});
    const auto labels = detail::place_labels(requests, {left, top, left + plot_w, top + plot_h});
    // Leader lines first, so that markers and labels sit on top of them.
    for (std::size_t i = 0; i < drawn.size(); ++i) {
        if (!labels[i].leader || drawn[i]->label.empty()) continue;
        const auto end = labels[i].nearest_to(requests[i].x, requests[i].y);
        svg.line(requests[i].x, requests[i].y, end[0], end[1], "#999999", 0.8);
    }
    std::size_t next_label = 0;
    for (std::size_t g = 0; g < groups.size(); ++g) {
        const scatter_point* previous = nullptr;
        for (const auto& p : chart.points) {
            if (p.group != groups[g]) continue;
            if (previous && chart.connects(groups[g]))
                svg.line(px(previous->x), py(previous->y), px(p.x), py(p.y), detail::palette(g), 1.5, "4 3");
            previous = &p;
        }
        for (const auto& p : chart.points) {
            if (p.group != groups[g]) continue;
            svg.circle(px(p.x), py(p.y), 5, detail::palette(g), p.label.empty() ? p.group : p.label);
            const detail::label_placement& at = labels[next_label++];
            if (!p.label.empty()) svg.text(at.x, at.y, p.label, at.anchor, 11);
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
