// SPDX-License-Identifier: MIT
#pragma once

#include <array>
#include <cctype>
#include <cstddef>
#include <cstdint>
#include <filesystem>
#include <fstream>
#include <istream>
#include <optional>
#include <ostream>
#include <string>
#include <vector>

#include "eap/detail/checked_arithmetic.hpp"
#include "eap/energy/energy_model.hpp"
#include "eap/error.hpp"
#include "eap/io/atomic_file.hpp"
#include "eap/shape/conv_shape.hpp"

// The per-layer text format of the MIT Eyeriss energy estimation tool, as eap reads and writes
// it. One line per CONV/FC layer with 25 integer fields, separated by commas and/or white space:
//
//   index,
//   ifmap  height, width, channels, maps (images), zero entries, bit width,
//   filter height, width, channels, filters,       zero entries, bit width,
//   ofmap  height, width, channels, maps (images), zero entries, bit width,
//   stride y, stride x,
//   pad top, pad bottom, pad left, pad right
//
// Blank lines and everything after '#' are ignored. A filter with fewer channels than the ifmap
// is a grouped convolution (groups = ifmap channels / filter channels). The ofmap size must be
// the one the ifmap, filter, stride and padding give.

namespace eap {

/// One tensor of a line: its shape, how many of its entries are zero, and its bit width.
struct eyeriss_tool_tensor {
    std::int64_t height = 1;
    std::int64_t width = 1;
    std::int64_t channels = 1;
    std::int64_t count = 1;  ///< maps (images) for ifmap/ofmap, filters for the filter
    std::int64_t zeros = 0;
    int bits = 16;

    std::int64_t size() const {
        return detail::checked_product("eyeriss_tool_tensor::size", height, width, channels, count);
    }
    /// Fraction of non-zero entries.
    double density() const {
        const std::int64_t n = size();
        return n == 0 ? 1.0 : static_cast<double>(n - zeros) / static_cast<double>(n);
    }
    friend bool operator==(const eyeriss_tool_tensor& a, const eyeriss_tool_tensor& b) {
        return a.height == b.height && a.width == b.width && a.channels == b.channels && a.count == b.count &&
               a.zeros == b.zeros && a.bits == b.bits;
    }
};

/// One line of the format.
struct eyeriss_tool_layer {
    std::int64_t index = 0;
    eyeriss_tool_tensor ifmap;
    eyeriss_tool_tensor filter;
    eyeriss_tool_tensor ofmap;
    std::int64_t stride_y = 1;
    std::int64_t stride_x = 1;
    padding pad{};

    /// The layer as a `conv_shape` (batch = ifmap maps).
    conv_shape shape() const {
        return conv_shape{}
            .with_batch(ifmap.count)
            .with_channels(ifmap.channels, filter.count)
            .with_input(ifmap.height, ifmap.width)
            .with_kernel(filter.height, filter.width)
            .with_stride(stride_y, stride_x)
            .with_padding(pad)
            .with_groups(filter.channels == 0 ? 1 : ifmap.channels / filter.channels);
    }
    /// Densities from the zero counts.
    layer_density density() const { return layer_density{filter.density(), ifmap.density(), ofmap.density()}; }
    /// Bit widths: weights from the filter, ifmaps from the ifmap, psums from the ofmap.
    per_data_type<int> word_bits() const { return make_per_data_type(filter.bits, ifmap.bits, ofmap.bits); }

    friend bool operator==(const eyeriss_tool_layer& a, const eyeriss_tool_layer& b) {
        return a.index == b.index && a.ifmap == b.ifmap && a.filter == b.filter && a.ofmap == b.ofmap &&
               a.stride_y == b.stride_y && a.stride_x == b.stride_x && a.pad == b.pad;
    }
};

/// The line for a layer of shape `s` with the zero counts of `density` (rounded to whole
/// entries) and bit widths `bits`.
inline eyeriss_tool_layer make_eyeriss_tool_layer(std::int64_t index, const conv_shape& s, const layer_density& density = {},
                                                  const per_data_type<int>& bits = make_per_data_type(16, 16, 16)) {
    s.validate();
    auto zeros = [](std::int64_t n, double d, const char* field) {
        if (!(d >= 0.0 && d <= 1.0))
            throw argument_error(detail::message("eap::make_eyeriss_tool_layer: density.", field,
                                                 " must be in [0, 1] (got ", d, ")"));
        return static_cast<std::int64_t>(static_cast<double>(n) * (1.0 - d) + 0.5);
    };
    eyeriss_tool_layer l;
    l.index = index;
    l.ifmap = {s.in_height, s.in_width, s.in_channels, s.batch, 0, bits[data_type::ifmaps]};
    l.ifmap.zeros = zeros(l.ifmap.size(), density.ifmaps, "ifmaps");
    l.filter = {s.kernel_height, s.kernel_width, s.in_channels_per_group(), s.out_channels, 0, bits[data_type::weights]};
    l.filter.zeros = zeros(l.filter.size(), density.weights, "weights");
    l.ofmap = {s.out_height(), s.out_width(), s.out_channels, s.batch, 0, bits[data_type::psums]};
    l.ofmap.zeros = zeros(l.ofmap.size(), density.ofmaps, "ofmaps");
    l.stride_y = s.stride_height;
    l.stride_x = s.stride_width;
    l.pad = s.pad;
    return l;
}

namespace detail {

inline constexpr std::array<const char*, 25> eyeriss_tool_fields{
    "index",         "ifmap.height", "ifmap.width",  "ifmap.channels", "ifmap.maps",     "ifmap.zeros",
    "ifmap.bits",    "filter.height", "filter.width", "filter.channels", "filter.filters", "filter.zeros",
    "filter.bits",   "ofmap.height", "ofmap.width",  "ofmap.channels", "ofmap.maps",     "ofmap.zeros",
    "ofmap.bits",    "stride_y",     "stride_x",     "pad_top",        "pad_bottom",     "pad_left",
    "pad_right"};

/// Splits a line into fields at commas and white space; returns false on an empty field
/// (two commas with nothing between, or a comma at either end).
inline bool split_eyeriss_tool_line(const std::string& line, std::vector<std::string>& fields) {
    fields.clear();
    std::string current;
    bool comma_pending = false;  // a comma was seen since the last field
    bool any_field = false;
    for (char c : line) {
        if (c == ',' || std::isspace(static_cast<unsigned char>(c))) {
            if (!current.empty()) {
                fields.push_back(current);
                current.clear();
                any_field = true;
                comma_pending = false;
            }
            if (c == ',') {
                if (comma_pending || !any_field) return false;
                comma_pending = true;
            }
        } else {
            current += c;
        }
    }
    if (!current.empty()) {
        fields.push_back(current);
        comma_pending = false;
    }
    return !comma_pending;
}

inline std::int64_t parse_eyeriss_tool_integer(const std::string& source, std::size_t line, const char* field,
                                               const std::string& text) {
    if (text.empty() || text.size() > 18)
        throw parse_error(source, line, field, "expected a non-negative integer of at most 18 digits, got '" + text + "'");
    std::int64_t v = 0;
    for (char c : text) {
        if (c < '0' || c > '9')
            throw parse_error(source, line, field, "expected a non-negative integer, got '" + text + "'");
        v = v * 10 + (c - '0');
    }
    return v;
}

inline eyeriss_tool_layer parse_eyeriss_tool_line(const std::string& source, std::size_t line,
                                                  const std::vector<std::string>& fields) {
    if (fields.size() != eyeriss_tool_fields.size())
        throw parse_error(source, line, fields.size() < eyeriss_tool_fields.size() ? eyeriss_tool_fields[fields.size()] : "",
                          message("expected ", eyeriss_tool_fields.size(), " fields, got ", fields.size()));
    std::array<std::int64_t, 25> v{};
    for (std::size_t i = 0; i < fields.size(); ++i)
        v[i] = parse_eyeriss_tool_integer(source, line, eyeriss_tool_fields[i], fields[i]);
    auto at_least_one = [&](std::size_t i) {
        if (v[i] < 1) throw parse_error(source, line, eyeriss_tool_fields[i], message("must be at least 1, got ", v[i]));
    };
    for (std::size_t i : {1, 2, 3, 4, 7, 8, 9, 10, 13, 14, 15, 16, 19, 20}) at_least_one(i);
    for (std::size_t i : {6, 12, 18})
        if (v[i] < 1 || v[i] > 64)
            throw parse_error(source, line, eyeriss_tool_fields[i], message("must be between 1 and 64, got ", v[i]));
    eyeriss_tool_layer l;
    l.index = v[0];
    auto tensor = [&](std::size_t first) {
        eyeriss_tool_tensor t;
        t.height = v[first];
        t.width = v[first + 1];
        t.channels = v[first + 2];
        t.count = v[first + 3];
        t.zeros = v[first + 4];
        t.bits = static_cast<int>(v[first + 5]);
        std::int64_t size = 0;
        try {
            size = t.size();
        } catch (const overflow_error&) {
            throw parse_error(source, line, eyeriss_tool_fields[first], "the tensor is too large to count in 64 bits");
        }
        if (t.zeros > size)
            throw parse_error(source, line, eyeriss_tool_fields[first + 4],
                              message("is ", t.zeros, " but the tensor has only ", size, " entries"));
        return t;
    };
    l.ifmap = tensor(1);
    l.filter = tensor(7);
    l.ofmap = tensor(13);
    l.stride_y = v[19];
    l.stride_x = v[20];
    l.pad = padding{v[21], v[22], v[23], v[24]};
    if (l.ifmap.channels % l.filter.channels != 0)
        throw parse_error(source, line, "filter.channels",
                          message("is ", l.filter.channels, "; it must divide the ifmap channels (", l.ifmap.channels, ")"));
    const std::int64_t groups = l.ifmap.channels / l.filter.channels;
    if (l.filter.count % groups != 0)
        throw parse_error(source, line, "filter.filters",
                          message("is ", l.filter.count, "; it must be a multiple of the groups (", groups, ")"));
    if (l.ofmap.channels != l.filter.count)
        throw parse_error(source, line, "ofmap.channels",
                          message("is ", l.ofmap.channels, " but there are ", l.filter.count, " filters"));
    if (l.ofmap.count != l.ifmap.count)
        throw parse_error(source, line, "ofmap.maps",
                          message("is ", l.ofmap.count, " but there are ", l.ifmap.count, " ifmaps"));
    conv_shape s;
    try {
        s = l.shape();
        s.validate();
    } catch (const error& e) {
        throw parse_error(source, line, "", std::string("the layer is impossible: ") + e.what());
    }
    if (s.out_height() != l.ofmap.height)
        throw parse_error(source, line, "ofmap.height",
                          message("is ", l.ofmap.height, " but the ifmap, filter, stride and padding give ", s.out_height()));
    if (s.out_width() != l.ofmap.width)
        throw parse_error(source, line, "ofmap.width",
                          message("is ", l.ofmap.width, " but the ifmap, filter, stride and padding give ", s.out_width()));
    return l;
}

}  // namespace detail

/// Reads every layer line of `in`; `source` names the input in error messages. Throws
/// `eap::parse_error` (source, line, field) on malformed input.
inline std::vector<eyeriss_tool_layer> read_eyeriss_tool_layers(std::istream& in, const std::string& source = "<stream>") {
    std::vector<eyeriss_tool_layer> layers;
    std::string text;
    std::vector<std::string> fields;
    std::size_t line = 0;
    while (std::getline(in, text)) {
        ++line;
        const auto hash = text.find('#');
        if (hash != std::string::npos) text.erase(hash);
        if (!detail::split_eyeriss_tool_line(text, fields))
            throw parse_error(source, line, "", "empty field (two separating commas with no value, or a comma at an end)");
        if (fields.empty()) continue;
        layers.push_back(detail::parse_eyeriss_tool_line(source, line, fields));
    }
    if (in.bad()) throw io_error("eap::read_eyeriss_tool_layers: reading '" + source + "' failed");
    return layers;
}

/// Reads the file at `path`. Throws `eap::io_error` when it cannot be opened, `eap::parse_error`
/// when it is malformed.
inline std::vector<eyeriss_tool_layer> read_eyeriss_tool_file(const std::filesystem::path& path) {
    std::ifstream in(path);
    if (!in) throw io_error("eap::read_eyeriss_tool_file: cannot open '" + path.string() + "'");
    return read_eyeriss_tool_layers(in, path.string());
}

/// Writes `layers` in the format (a comment line naming the fields, then one line per layer).
inline void write_eyeriss_tool_layers(std::ostream& out, const std::vector<eyeriss_tool_layer>& layers) {
    out << "# index, ifmap: height, width, channels, maps, zeros, bits, filter: height, width, channels, filters, "
           "zeros, bits, ofmap: height, width, channels, maps, zeros, bits, stride y, x, pad top, bottom, left, right\n";
    for (const auto& l : layers) {
        out << l.index;
        for (const eyeriss_tool_tensor* t : {&l.ifmap, &l.filter, &l.ofmap})
            out << ", " << t->height << ", " << t->width << ", " << t->channels << ", " << t->count << ", " << t->zeros
                << ", " << t->bits;
        out << ", " << l.stride_y << ", " << l.stride_x << ", " << l.pad.top << ", " << l.pad.bottom << ", "
            << l.pad.left << ", " << l.pad.right << '\n';
    }
}

/// `write_eyeriss_tool_layers` to a file, atomically.
inline void write_eyeriss_tool_file(const std::filesystem::path& path, const std::vector<eyeriss_tool_layer>& layers) {
    write_file_atomically(path, [&](std::ostream& out) { write_eyeriss_tool_layers(out, layers); });
}

/// The energy of the layers of a tool file on `hw`, each with the densities and bit widths of
/// its line (the first line's input is taken as the network's image, moved raw). All lines must
/// have the same number of images. Layers are named "layer<index>".
inline network_energy estimate_eyeriss_tool_energy(const hardware& hw, const std::vector<eyeriss_tool_layer>& layers,
                                                   const energy_options& options = {},
                                                   const std::string& name = "eyeriss tool layers",
                                                   mapping_cache* cache = nullptr) {
    detail::validate_rs_hardware("eap::estimate_eyeriss_tool_energy", hw);
    std::optional<mapping_cache> local;
    if (cache == nullptr) {
        local.emplace(hw, options.mapping);
        cache = &*local;
    } else if (!cache->serves(hw, options.mapping)) {
        throw argument_error("eap::estimate_eyeriss_tool_energy: the mapping cache was built for another hardware or "
                             "other mapping options");
    }
    network_energy out;
    out.network = name;
    out.hardware = hw.name;
    out.unit = hw.unit;
    out.batch = layers.empty() ? 1 : layers.front().ifmap.count;
    out.total.unit = hw.unit;
    out.total.storage_levels = hw.levels.size();
    for (std::size_t p = 0; p < hw.levels.size() + 2; ++p) out.positions.push_back(position_name(hw, p));
    const std::size_t searches = cache->searches(), hits = cache->hits();
    for (std::size_t i = 0; i < layers.size(); ++i) {
        const eyeriss_tool_layer& l = layers[i];
        if (l.ifmap.count != out.batch)
            throw argument_error(detail::message("eap::estimate_eyeriss_tool_energy: layer ", l.index, " has ",
                                                 l.ifmap.count, " images but the first layer has ", out.batch));
        layer_energy_options lo;
        lo.density = l.density();
        lo.word_bits = l.word_bits();
        out.layers.push_back(detail::estimate_layer(hw, "layer" + std::to_string(l.index), l.shape(), lo, options,
                                                    i == 0, *cache));
        out.total += out.layers.back().energy;
    }
    out.searches = cache->searches() - searches;
    out.reused_searches = cache->hits() - hits;
    return out;
}

}  // namespace eap
