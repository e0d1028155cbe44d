// SPDX-License-Identifier: MIT
#pragma once

#include <cstdio>
#include <sstream>
#include <string>
#include <string_view>

namespace eap::chart::detail {

/// Text safe inside an XML element or a quoted attribute.
inline std::string xml_escape(std::string_view text) {
    std::string out;
    out.reserve(text.size());
    for (char c : text) {
        switch (c) {
        case '&': out += "&amp;"; break;
        case '<': out += "&lt;"; break;
        case '>': out += "&gt;"; break;
        case '"': out += "&quot;"; break;
        case '\'': out += "&apos;"; break;
        default: out += c;
        }
    }
    return out;
}

/// A fixed, colour-blind-friendly palette (Okabe-Ito), cycled for series and groups.
inline const char* palette(std::size_t i) {
    static const char* const colors[] = {"#0072B2", "#E69F00", "#009E73", "#CC79A7",
                                         "#56B4E9", "#D55E00", "#F0E442", "#000000"};
    return colors[i % (sizeof colors / sizeof colors[0])];
}

/// Builds an SVG document element by element; coordinates are written with two decimals so the
/// output is byte-for-byte reproducible.
class svg_writer {
public:
    svg_writer(double width, double height) {
        out_ << "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n"
             << "<svg xmlns=\"http://www.w3.org/2000/svg\" width=\"" << num(width) << "\" height=\"" << num(height)
             << "\" viewBox=\"0 0 " << num(width) << ' ' << num(height)
             << "\" font-family=\"Helvetica, Arial, sans-serif\" font-size=\"12\">\n"
             << "<rect x=\"0\" y=\"0\" width=\"" << num(width) << "\" height=\"" << num(height)
             << "\" fill=\"white\"/>\n";
    }

    void line(double x1, double y1, double x2, double y2, std::string_view stroke, double width = 1.0,
              std::string_view dash = {}) {
        out_ << "<line x1=\"" << num(x1) << "\" y1=\"" << num(y1) << "\" x2=\"" << num(x2) << "\" y2=\"" << num(y2)
             << "\" stroke=\"" << stroke << "\" stroke-width=\"" << num(width) << '"';
        if (!dash.empty()) out_ << " stroke-dasharray=\"" << dash << '"';
        out_ << "/>\n";
    }

    void rect(double x, double y, double w, double h, std::string_view fill, std::string_view title = {}) {
        out_ << "<rect x=\"" << num(x) << "\" y=\"" << num(y) << "\" width=\"" << num(w) << "\" height=\"" << num(h)
             << "\" fill=\"" << fill << '"';
        if (title.empty()) {
            out_ << "/>\n";
        } else {
            out_ << "><title>" << xml_escape(title) << "</title></rect>\n";
        }
    }

    void circle(double x, double y, double r, std::string_view fill, std::string_view title = {}) {
        out_ << "<circle cx=\"" << num(x) << "\" cy=\"" << num(y) << "\" r=\"" << num(r) << "\" fill=\"" << fill << '"';
        if (title.empty()) {
            out_ << "/>\n";
        } else {
            out_ << "><title>" << xml_escape(title) << "</title></circle>\n";
        }
    }

    /// `anchor` is start, middle or end; `rotate` turns the text about its anchor point.
    void text(double x, double y, std::string_view content, std::string_view anchor = "start", double size = 12,
              double rotate = 0, bool bold = false) {
        out_ << "<text x=\"" << num(x) << "\" y=\"" << num(y) << "\" text-anchor=\"" << anchor << "\" font-size=\""
             << num(size) << '"';
        if (bold) out_ << " font-weight=\"bold\"";
        if (rotate != 0) out_ << " transform=\"rotate(" << num(rotate) << ' ' << num(x) << ' ' << num(y) << ")\"";
        out_ << '>' << xml_escape(content) << "</text>\n";
    }

    std::string finish() {
        out_ << "</svg>\n";
        return out_.str();
    }

    static std::string num(double v) {
        char buffer[32];
        std::snprintf(buffer, sizeof buffer, "%.2f", v);
        return buffer;
    }

private:
    std::ostringstream out_;
};

}  // namespace eap::chart::detail
