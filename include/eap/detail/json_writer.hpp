// SPDX-License-Identifier: MIT
#pragma once

#include <cmath>
#include <cstdint>
#include <cstdio>
#include <ostream>
#include <string>

namespace eap::detail {

/// Writes `s` as a JSON string literal.
inline void write_json_string(std::ostream& out, const std::string& s) {
    out << '"';
    for (char c : s) {
        switch (c) {
        case '"': out << "\\\""; break;
        case '\\': out << "\\\\"; break;
        case '\n': out << "\\n"; break;
        case '\r': out << "\\r"; break;
        case '\t': out << "\\t"; break;
        default:
            if (static_cast<unsigned char>(c) < 0x20) {
                char buf[8];
                std::snprintf(buf, sizeof buf, "\\u%04x", static_cast<unsigned>(static_cast<unsigned char>(c)));
                out << buf;
            } else {
                out << c;
            }
        }
    }
    out << '"';
}

/// Writes a double so that it reads back exactly; JSON has no NaN or infinity, so those become null.
inline void write_json_number(std::ostream& out, double v) {
    if (!std::isfinite(v)) {
        out << "null";
        return;
    }
    char buf[32];
    std::snprintf(buf, sizeof buf, "%.17g", v);
    out << buf;
}

inline void write_json_number(std::ostream& out, std::int64_t v) { out << v; }

/// Writes a CSV field, quoting it when it holds a comma, a quote or a line break.
inline void write_csv_field(std::ostream& out, const std::string& s) {
    if (s.find_first_of(",\"\n\r") == std::string::npos) {
        out << s;
        return;
    }
    out << '"';
    for (char c : s) {
        if (c == '"') out << '"';
        out << c;
    }
    out << '"';
}

inline std::string format_number(double v, const char* format = "%.6g") {
    char buf[48];
    std::snprintf(buf, sizeof buf, format, v);
    return buf;
}

}  // namespace eap::detail
