// SPDX-License-Identifier: MIT
#pragma once

#include <algorithm>
#include <array>
#include <cstddef>
#include <string>
#include <string_view>
#include <vector>

namespace eap::chart::detail {

/// Width of `text` at font size `size` in a sans-serif font, estimated generously (0.6 em per
/// character; narrower letters make the real text shorter, never longer, for ASCII labels).
inline double text_width(std::string_view text, double size) {
    return 0.6 * size * static_cast<double>(text.size());
}

/// An axis-aligned rectangle in SVG coordinates (y grows downwards).
struct box {
    double x0 = 0, y0 = 0, x1 = 0, y1 = 0;

    double overlap(const box& o) const {
        const double w = std::min(x1, o.x1) - std::max(x0, o.x0);
        const double h = std::min(y1, o.y1) - std::max(y0, o.y0);
        return w > 0 && h > 0 ? w * h : 0.0;
    }
    /// Area of this box outside `bounds` (exactly 0 when it lies inside).
    double outside(const box& bounds) const {
        if (x0 >= bounds.x0 && x1 <= bounds.x1 && y0 >= bounds.y0 && y1 <= bounds.y1) return 0.0;
        return std::max(0.0, (x1 - x0) * (y1 - y0) - overlap(bounds));
    }
};

/// A point marker to label: its centre, its radius and the label's text and font size.
struct label_request {
    double x = 0, y = 0, radius = 5;
    std::string text;
    double size = 11;
};

/// Where a label goes: the text's anchor point, its `text-anchor`, the box it covers, and
/// whether it sits far enough from its marker to need a leader line back to it.
struct label_placement {
    double x = 0, y = 0;
    const char* anchor = "start";
    box covers;
    bool leader = false;

    /// The point of the label's box nearest to (px, py): where a leader line from the marker ends.
    std::array<double, 2> nearest_to(double px, double py) const {
        return {std::clamp(px, covers.x0, covers.x1), std::clamp(py, covers.y0, covers.y1)};
    }
};

/// The box a label covers with its baseline at `y` (ascent ~0.8 em above, descent ~0.25 em below).
inline box text_box(double x, double y, const char* anchor, double width, double size) {
    const std::string_view a = anchor;
    const double left = a == "start" ? x : (a == "end" ? x - width : x - width / 2);
    return {left, y - 0.8 * size, left + width, y + 0.25 * size};
}

/// The candidate positions of a label around its marker: right-above, right-below, left-above,
/// left-below, above, below, right, left; then the same farther out (with a leader line).
inline std::vector<label_placement> label_candidates(const label_request& p) {
    const double w = detail::text_width(p.text, p.size), s = p.size;
    std::vector<label_placement> out;
    for (double reach : {1.0, 2.4, 4.0}) {
        const double dx = p.radius + 3.0 * reach, up = p.radius * reach + 1.0, down = p.radius * reach + 0.8 * s;
        const label_placement around[] = {
            {p.x + dx, p.y - up, "start", {}},
            {p.x + dx, p.y + down, "start", {}},
            {p.x - dx, p.y - up, "end", {}},
            {p.x - dx, p.y + down, "end", {}},
            {p.x, p.y - p.radius * reach - 0.3 * s, "middle", {}},
            {p.x, p.y + p.radius * reach + 0.85 * s, "middle", {}},
            {p.x + dx + 2.0, p.y + 0.3 * s, "start", {}},
            {p.x - dx - 2.0, p.y + 0.3 * s, "end", {}},
        };
        for (label_placement c : around) {
            c.covers = detail::text_box(c.x, c.y, c.anchor, w, s);
            c.leader = reach > 1.0;
            out.push_back(c);
        }
    }
    return out;
}

/// Places the labels of `points`: first one after the other, each at the first candidate
/// position (see `label_candidates`) that overlaps no marker, no label placed before it and stays
/// inside `bounds` (else at the one of least overlap); then a few sweeps move each label to its
/// least-overlap position given all the others, until nothing moves. Leaving `bounds` weighs
/// more than covering a marker, which weighs more than covering a label; a label that merely
/// comes close to another marker (within 6 px) costs a little too, so that it is not read as
/// that marker's. Deterministic.
inline std::vector<label_placement> place_labels(const std::vector<label_request>& points, const box& bounds) {
    std::vector<box> markers;
    markers.reserve(points.size());
    for (const auto& p : points) markers.push_back({p.x - p.radius, p.y - p.radius, p.x + p.radius, p.y + p.radius});
    std::vector<std::vector<label_placement>> candidates;
    for (const auto& p : points) candidates.push_back(detail::label_candidates(p));
    std::vector<label_placement> placed(points.size());
    std::vector<std::size_t> choice(points.size(), 0);
    // Cost of label i at candidate c against the labels placed so far (`others` of them).
    auto cost = [&](std::size_t i, const label_placement& c, std::size_t others, bool all) {
        double total = 4.0 * c.covers.outside(bounds);
        for (std::size_t k = 0; k < markers.size(); ++k) {
            if (k == i) continue;
            const box& m = markers[k];
            total += 2.0 * c.covers.overlap(m) + 0.5 * c.covers.overlap({m.x0 - 6, m.y0 - 6, m.x1 + 6, m.y1 + 6});
        }
        for (std::size_t k = 0; k < (all ? points.size() : others); ++k)
            if (k != i) total += c.covers.overlap(placed[k].covers);
        return total;
    };
    auto best_for = [&](std::size_t i, std::size_t others, bool all) {
        std::size_t best = 0;
        double best_cost = -1.0;
        for (std::size_t c = 0; c < candidates[i].size(); ++c) {
            const double v = cost(i, candidates[i][c], others, all);
            if (best_cost < 0.0 || v < best_cost - 1e-9) {
                best = c;
                best_cost = v;
            }
            if (v <= 1e-9) break;  // free: the first free position in the order of preference wins
        }
        return best;
    };
    for (std::size_t i = 0; i < points.size(); ++i) {
        choice[i] = best_for(i, i, false);
        placed[i] = candidates[i][choice[i]];
    }
    for (int sweep = 0; sweep < 4; ++sweep) {
        bool moved = false;
        for (std::size_t i = 0; i < points.size(); ++i) {
            const std::size_t c = best_for(i, points.size(), true);
            // Move only for a strict improvement, so the sweeps end.
            if (c != choice[i] && cost(i, candidates[i][c], 0, true) < cost(i, placed[i], 0, true) - 1e-9) {
                choice[i] = c;
                placed[i] = candidates[i][c];
                moved = true;
            }
        }
        if (!moved) break;
    }
    return placed;
}

}  // namespace eap::chart::detail
