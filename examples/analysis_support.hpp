// Small helpers shared by the analysis examples (weights_vs_energy, energy_vs_accuracy,
// paper_table, fewer_classes, published_numbers): command-line options, number formatting,
// aligned tables printed to the console and written as CSV next to the charts.
#pragma once

#include <algorithm>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <filesystem>
#include <iostream>
#include <map>
#include <ostream>
#include <string>
#include <vector>

#include <eap/energy/energy_model.hpp>
#include <eap/error.hpp>
#include <eap/io/atomic_file.hpp>

namespace analysis {

/// Deep Compression's AlexNet (Han et al., as the energy-aware pruning paper quotes it): the
/// density of the weights each layer keeps.
inline const std::map<std::string, double>& deep_compression_alexnet_densities() {
    static const std::map<std::string, double> densities{{"conv1", 0.84}, {"conv2", 0.38}, {"conv3", 0.35},
                                                         {"conv4", 0.37}, {"conv5", 0.37}, {"fc6", 0.09},
                                                         {"fc7", 0.09},   {"fc8", 0.25}};
    return densities;
}

/// The non-zero weights an estimate with statistical weight densities stands for.
inline double expected_nonzero_weights(const eap::network_energy& e) {
    double n = 0.0;
    for (const eap::layer_energy& l : e.layers) n += static_cast<double>(l.shape.weight_count()) * l.density.weights;
    return n;
}

/// `--name value` options and `--flag` switches after the program name; `--help` prints `usage`.
/// Unknown options and missing values end the program with the usage text.
class options {
public:
    options(int argc, char** argv, std::string usage, const std::vector<std::string>& known,
            const std::vector<std::string>& flags = {})
        : usage_(std::move(usage)) {
        for (int i = 1; i < argc; ++i) {
            const std::string arg = argv[i];
            if (arg == "--help" || arg == "-h") {
                std::cout << usage_ << '\n';
                std::exit(0);
            }
            if (std::find(flags.begin(), flags.end(), arg) != flags.end()) {
                values_[arg] = "";
                continue;
            }
            if (std::find(known.begin(), known.end(), arg) == known.end()) fail("unknown option '" + arg + "'");
            if (i + 1 >= argc) fail(arg + " needs a value");
            values_[arg] = argv[++i];
        }
    }

    std::string text(const std::string& name, const std::string& fallback) const {
        const auto it = values_.find(name);
        return it == values_.end() ? fallback : it->second;
    }
    bool has(const std::string& name) const { return values_.count(name) != 0; }
    double number(const std::string& name, double fallback) const {
        const auto it = values_.find(name);
        if (it == values_.end()) return fallback;
        try {
            std::size_t used = 0;
            const double v = std::stod(it->second, &used);
            if (used == it->second.size()) return v;
        } catch (const std::logic_error&) {
        }
        fail("bad number '" + it->second + "' for " + name);
    }
    std::int64_t integer(const std::string& name, std::int64_t fallback) const {
        const double v = number(name, static_cast<double>(fallback));
        if (v != static_cast<double>(static_cast<std::int64_t>(v))) fail(name + " takes a whole number");
        return static_cast<std::int64_t>(v);
    }

    [[noreturn]] void fail(const std::string& why) const {
        std::cerr << why << "\n\n" << usage_ << '\n';
        std::exit(2);
    }

private:
    std::string usage_;
    std::map<std::string, std::string> values_;
};

/// The name a reader knows a zoo network by ("squeezenet_v1_0" -> "SqueezeNet 1.0").
inline std::string display_name(const std::string& network) {
    static const std::map<std::string, std::string> names{
        {"alexnet", "AlexNet"},         {"googlenet", "GoogLeNet"}, {"squeezenet_v1_0", "SqueezeNet 1.0"},
        {"squeezenet_v1_1", "SqueezeNet 1.1"}, {"vgg16", "VGG-16"},  {"resnet50", "ResNet-50"},
        {"mobilenet_v1", "MobileNet v1"}};
    const auto it = names.find(network);
    return it == names.end() ? network : it->second;
}

/// 60954656 -> "60,954,656".
inline std::string with_commas(std::int64_t n) {
    const bool negative = n < 0;
    std::string digits = std::to_string(negative ? -n : n), out;
    for (std::size_t i = 0; i < digits.size(); ++i) {
        if (i != 0 && (digits.size() - i) % 3 == 0) out += ',';
        out += digits[i];
    }
    return negative ? "-" + out : out;
}

/// printf-style formatting into a string.
template <class... Args>
std::string format(const char* pattern, Args... args) {
    char buffer[256];
    std::snprintf(buffer, sizeof buffer, pattern, args...);
    return buffer;
}

inline std::string sci(double v) { return format("%.3e", v); }
inline std::string percent(double part, double whole) { return format("%.1f%%", 100.0 * part / whole); }

/// A table cell: the text printed on the console and the plain value written to the CSV.
struct cell {
    std::string shown, raw;
    cell(const char* text) : shown(text), raw(text) {}  // NOLINT: plain text cells read naturally
    cell(std::string text) : shown(text), raw(std::move(text)) {}  // NOLINT
    cell(std::string display, std::string value) : shown(std::move(display)), raw(std::move(value)) {}
};

/// A count with thousands separators (plain digits in the CSV).
inline cell count_cell(std::int64_t n) { return {with_commas(n), std::to_string(n)}; }
/// A number printed with `pattern` (full precision in the CSV).
inline cell number_cell(double v, const char* pattern = "%.3e") { return {format(pattern, v), format("%.17g", v)}; }
/// `part` as a percentage of `whole` (the CSV holds the percentage without the sign).
inline cell percent_cell(double part, double whole, const char* pattern = "%.1f%%") {
    return {format(pattern, 100.0 * part / whole), format("%.6g", 100.0 * part / whole)};
}

/// A table: a header row and data rows.
struct table {
    std::vector<std::string> header;
    std::vector<std::vector<cell>> rows;

    void print(std::ostream& out) const {
        std::vector<std::size_t> width(header.size(), 0);
        auto widen = [&width](const std::vector<std::string>& r) {
            for (std::size_t i = 0; i < r.size() && i < width.size(); ++i) width[i] = std::max(width[i], r[i].size());
        };
        widen(header);
        for (const auto& r : rows) widen(shown(r));
        auto line = [&](const std::vector<std::string>& r) {
            for (std::size_t i = 0; i < r.size(); ++i) {
                const std::string pad(width[i] > r[i].size() ? width[i] - r[i].size() : 0, ' ');
                out << (i == 0 ? r[i] + pad : "  " + pad + r[i]);
            }
            out << '\n';
        };
        line(header);
        for (const auto& r : rows) line(shown(r));
    }

    /// The same table as CSV (RFC 4180 quoting).
    void write_csv(const std::filesystem::path& path) const {
        eap::write_file_atomically(path, [this](std::ostream& out) {
            auto field = [](const std::string& s) {
                if (s.find_first_of(",\"\n") == std::string::npos) return s;
                std::string q = "\"";
                for (char c : s) q += c == '"' ? std::string("\"\"") : std::string(1, c);
                return q + "\"";
            };
            auto line = [&](const std::vector<std::string>& r) {
                for (std::size_t i = 0; i < r.size(); ++i) out << (i ? "," : "") << field(r[i]);
                out << '\n';
            };
            line(header);
            for (const auto& r : rows) {
                std::vector<std::string> values;
                for (const cell& c : r) values.push_back(c.raw);
                line(values);
            }
        });
    }

private:
    static std::vector<std::string> shown(const std::vector<cell>& r) {
        std::vector<std::string> out;
        for (const cell& c : r) out.push_back(c.shown);
        return out;
    }
};

}  // namespace analysis
