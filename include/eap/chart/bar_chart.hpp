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

/// One stacked component of every bar (e.g. "weights", or "DRAM"), one value per category.
struct bar_series {
    std::string name;
    std::vector<double> values;
};

/// Stacked bars: one bar per category (e.g. per layer), each split into the series.
struct stacked_bar_chart {
    std::string title;
    std::string x_label;  ///< what the categories are, e.g. "layer"
    std::string y_label;  ///< the quantity with its unit, e.g. "energy (normalised to one MAC)"
    std::vector<std::string> categories;
    std::vector<bar_series> series;

    /// Throws `eap::argument_error` when the series do not match the categories or hold a value
    /// that is negative or not finite.
    void validate() const {
        if (categories.empty()) throw argument_error("eap::chart::stacked_bar_chart: no categories");
        if (series.empty()) throw argument_error("eap::chart::stacked_bar_chart: no series");
        for (const auto& s : series) {
            if (s.values.size() != categories.size())
                throw argument_error(eap::detail::message("eap::chart::stacked_bar_chart: series '", s.name, "' has ",
                                                          s.values.size(), " values for ", categories.size(),
                                                          " categories"));
            for (double v : s.values)
                if (!std::isfinite(v) || v < 0.0)
                    throw argument_error(eap::detail::message("eap::chart::stacked_bar_chart: series '", s.name,
                                                              "' holds ", v, "; stacked values must be finite and >= 0"));
        }
    }

    /// Height of the bar of category `i`.
    double total(std::size_t i) const {
        double sum = 0.0;
        for (const auto& s : series) sum += s.values[i];
        return sum;
    }
};

/// The chart as an SVG document.
inline std::string to_svg(const stacked_bar_chart& chart) {
    chart.validate();
    const std::size_t n = chart.categories.size();
    const double slot = std::max(14.0, std::min(90.0, 720.0 / static_cast<double>(n)));
    // Category labels: level when every one fits its slot, else slanted (-50 degrees), else,
    // when the slots are too narrow for slanted lines not to touch, vertical. Margins follow the
    // longest label, so nothing is cut off and no space is wasted.
    const double label_size = std::min(11.0, std::max(7.0, slot * 0.72));
    double longest = 0.0;
    for (const auto& c : chart.categories) longest = std::max(longest, detail::text_width(c, label_size));
    const double angle = longest <= slot * 0.95 ? 0.0 : (slot >= 22.0 ? 50.0 : 90.0);
    const double pi = 3.14159265358979323846;
    const double sin_a = std::sin(angle * pi / 180.0), cos_a = std::cos(angle * pi / 180.0);
    double legend_w = 0.0;
    for (const auto& s : chart.series) legend_w = std::max(legend_w, detail::text_width(s.name, 12));
    const double first_reach = detail::text_width(chart.categories.front(), label_size) * cos_a - slot * 0.5;
    const double left = angle == 0.0 ? 80.0 : std::max(80.0, first_reach + 12.0);
    const double right = std::max(170.0, 50.0 + legend_w), top = 44;
    const double bottom = 44 + (angle == 0.0 ? label_size : longest * sin_a + label_size * cos_a);
    const double plot_w = slot * static_cast<double>(n), plot_h = 320;
    const double width = left + plot_w + right, height = top + plot_h + bottom;

    double highest = 0.0;
    for (std::size_t i = 0; i < n; ++i) highest = std::max(highest, chart.total(i));
    const axis y = linear_axis(0.0, highest);

    detail::svg_writer svg(width, height);
    svg.text(width / 2, 24, chart.title, "middle", 15, 0, true);
    for (double t : y.ticks) {
        const double py = top + plot_h * (1.0 - y.fraction(t));
        svg.line(left, py, left + plot_w, py, "#dddddd");
        svg.text(left - 6, py + 4, tick_label(t), "end");
    }
    for (std::size_t i = 0; i < n; ++i) {
        const double x = left + slot * static_cast<double>(i) + slot * 0.15;
        double base = 0.0;
        for (std::size_t k = 0; k < chart.series.size(); ++k) {
            const double v = chart.series[k].values[i];
            if (v <= 0.0) continue;
            const double y0 = top + plot_h * (1.0 - y.fraction(base));
            const double y1 = top + plot_h * (1.0 - y.fraction(base + v));
            svg.rect(x, y1, slot * 0.7, y0 - y1, detail::palette(k),
                     chart.categories[i] + ", " + chart.series[k].name + ": " + tick_label(v));
            base += v;
        }
        const double cx = x + slot * 0.35;
        if (angle == 0.0) {
            svg.text(cx, top + plot_h + 8 + label_size, chart.categories[i], "middle", label_size);
        } else {
            // Rotated about its end, the label hangs below the bar; a vertical one is centred on it.
            svg.text(cx + (angle == 90.0 ? 0.35 * label_size : 0.0), top + plot_h + 10, chart.categories[i], "end",
                     label_size, -angle);
        }
    }
    svg.line(left, top + plot_h, left + plot_w, top + plot_h, "#333333");
    svg.line(left, top, left, top + plot_h, "#333333");
    svg.text(18, top + plot_h / 2, chart.y_label, "middle", 12, -90);
    svg.text(left + plot_w / 2, height - 8, chart.x_label, "middle");
    for (std::size_t k = 0; k < chart.series.size(); ++k) {
        const double ly = top + 10 + 20.0 * static_cast<double>(k);
        svg.rect(left + plot_w + 16, ly - 10, 12, 12, detail::palette(k));
        svg.text(left + plot_w + 34, ly, chart.series[k].name);
    }
    return svg.finish();
}

/// The data behind the chart: one row per category, one column per series, and the total.
inline void write_csv(std::ostream& out, const stacked_bar_chart& chart) {
    chart.validate();
    out << detail::csv_field(chart.x_label.empty() ? "category" : chart.x_label);
    for (const auto& s : chart.series) out << ',' << detail::csv_field(s.name);
    out << ",total\n";
    for (std::size_t i = 0; i < chart.categories.size(); ++i) {
        out << detail::csv_field(chart.categories[i]);
        for (const auto& s : chart.series) out << ',' << detail::csv_number(s.values[i]);
        out << ',' << detail::csv_number(chart.total(i)) << '\n';
    }
}

/// Writes `<stem>.svg` and `<stem>.csv` (each through a temporary file and a rename).
inline void save_chart(const std::filesystem::path& stem, const stacked_bar_chart& chart) {
    const std::string svg = to_svg(chart);
    write_file_atomically(std::filesystem::path(stem).concat(".svg"), [&svg](std::ostream& out) { out << svg; });
    write_file_atomically(std::filesystem::path(stem).concat(".csv"), [&chart](std::ostream& out) { write_csv(out, chart); });
}

}  // namespace eap::chart
