// SPDX-License-Identifier: MIT
#pragma once

#include <charconv>
#include <cstdint>
#include <filesystem>
#include <fstream>
#include <istream>
#include <map>
#include <optional>
#include <ostream>
#include <sstream>
#include <string>
#include <string_view>
#include <system_error>
#include <tuple>
#include <utility>
#include <variant>
#include <vector>

#include "eap/error.hpp"
#include "eap/io/atomic_file.hpp"
#include "eap/network/network.hpp"

// The plain-text network description: one layer per line, so users describe networks without
// recompiling.
//
//     # comments run from '#' to the end of the line; blank lines are ignored
//     eap-network 1
//     name lenet
//     input data channels=1 height=28 width=28
//     conv conv1 input=data out=32 kernel=5 stride=1 pad=2 groups=1 bias=1 act=relu
//     pool pool1 input=conv1 method=max kernel=2 stride=2 pad=0 ceil=0
//     conv c3 input=pool1 out=16 kernel=3x1 stride=1x1 pad=1,1,0,0 act=none
//     concat cat input=conv1,c3
//     add sum input=a,b act=relu
//     pool gap input=sum method=average global=1
//     fc fc1 input=gap out=10 act=none
//
// The first line (after comments) is `eap-network 1`; then `name`, then exactly one `input`
// line, then the layers, each naming its inputs (earlier layers) with `input=`. Sizes are
// `N` or `HxW`; `pad` is `P` (all sides), `V,H` (top/bottom, left/right) or `T,B,L,R`.
// Optional keys and their defaults: stride=1 (conv) or the kernel (pool), pad=0, groups=1,
// bias=1, act=none, ceil=0, global=0. A key may appear once per line. Every error is an
// `eap::parse_error` with the source name, the line and the field.

namespace eap {

namespace detail {

struct network_text_line {
    const std::string* source;
    std::size_t number;
    std::string kind;
    std::string name;
    std::map<std::string, std::string, std::less<>> fields;
    std::map<std::string, bool, std::less<>> used;

    [[noreturn]] void fail(const std::string& field, const std::string& what) const {
        throw parse_error(*source, number, field, what);
    }

    bool has(std::string_view key) const { return fields.find(key) != fields.end(); }

    const std::string& text(std::string_view key) {
        auto it = fields.find(key);
        if (it == fields.end()) fail(std::string(key), "is required for a '" + kind + "' line");
        used[it->first] = true;
        return it->second;
    }

    std::int64_t integer(std::string_view key, std::string_view value, std::int64_t min_value) const {
        std::int64_t v = 0;
        const char* end = value.data() + value.size();
        auto [ptr, ec] = std::from_chars(value.data(), end, v);
        if (ec == std::errc::result_out_of_range)
            fail(std::string(key), "'" + std::string(value) + "' does not fit in a 64-bit integer");
        if (ec != std::errc() || ptr != end || value.empty())
            fail(std::string(key), "'" + std::string(value) + "' is not an integer");
        if (v < min_value)
            fail(std::string(key), message("is ", v, "; it must be at least ", min_value));
        return v;
    }

    std::int64_t integer(std::string_view key, std::int64_t min_value) { return integer(key, text(key), min_value); }

    std::int64_t integer_or(std::string_view key, std::int64_t fallback, std::int64_t min_value) {
        return has(key) ? integer(key, min_value) : fallback;
    }

    bool flag_or(std::string_view key, bool fallback) {
        if (!has(key)) return fallback;
        const std::string& v = text(key);
        if (v == "1" || v == "true") return true;
        if (v == "0" || v == "false") return false;
        fail(std::string(key), "'" + v + "' is not 0 or 1");
    }

    /// `N` or `HxW`.
    std::pair<std::int64_t, std::int64_t> pair_or(std::string_view key, std::pair<std::int64_t, std::int64_t> fallback,
                                                  std::int64_t min_value) {
        if (!has(key)) return fallback;
        const std::string& v = text(key);
        const auto x = v.find('x');
        if (x == std::string::npos) {
            const auto n = integer(key, v, min_value);
            return {n, n};
        }
        return {integer(key, std::string_view(v).substr(0, x), min_value),
                integer(key, std::string_view(v).substr(x + 1), min_value)};
    }

    padding padding_or_zero() {
        if (!has("pad")) return padding{};
        const std::string& v = text("pad");
        std::vector<std::int64_t> parts;
        std::size_t start = 0;
        while (true) {
            const auto comma = v.find(',', start);
            parts.push_back(integer("pad", std::string_view(v).substr(start, comma - start), 0));
            if (comma == std::string::npos) break;
            start = comma + 1;
        }
        if (parts.size() == 1) return padding::uniform(parts[0]);
        if (parts.size() == 2) return padding::symmetric(parts[0], parts[1]);
        if (parts.size() == 4) return padding{parts[0], parts[1], parts[2], parts[3]};
        fail("pad", "'" + v + "' must be P, V,H or T,B,L,R");
    }

    activation activation_or_none() {
        if (!has("act")) return activation::none;
        const std::string& v = text("act");
        if (v == "relu") return activation::relu;
        if (v == "none") return activation::none;
        fail("act", "'" + v + "' is not relu or none");
    }

    void check_all_used() const {
        for (const auto& [key, value] : fields)
            if (used.find(key) == used.end()) fail(key, "is not a field of a '" + kind + "' line");
    }
};

inline network_text_line split_network_text_line(const std::string& source, std::size_t number, std::string_view line) {
    network_text_line out{&source, number, {}, {}, {}, {}};
    std::vector<std::string_view> tokens;
    std::size_t i = 0;
    while (i < line.size()) {
        while (i < line.size() && (line[i] == ' ' || line[i] == '\t' || line[i] == '\r')) ++i;
        if (i >= line.size()) break;
        const std::size_t start = i;
        while (i < line.size() && line[i] != ' ' && line[i] != '\t' && line[i] != '\r') ++i;
        tokens.push_back(line.substr(start, i - start));
    }
    if (tokens.empty()) return out;
    out.kind = std::string(tokens[0]);
    if (tokens.size() >= 2) out.name = std::string(tokens[1]);
    for (std::size_t t = 2; t < tokens.size(); ++t) {
        const auto eq = tokens[t].find('=');
        if (eq == std::string_view::npos || eq == 0)
            out.fail(std::string(tokens[t]), "expected key=value");
        std::string key(tokens[t].substr(0, eq));
        if (out.fields.count(key)) out.fail(key, "appears twice");
        out.fields.emplace(std::move(key), std::string(tokens[t].substr(eq + 1)));
    }
    return out;
}

inline std::vector<std::size_t> resolve_network_inputs(const network& net, network_text_line& line, bool many) {
    const std::string& list = line.text("input");
    std::vector<std::size_t> out;
    std::size_t start = 0;
    while (true) {
        const auto comma = list.find(',', start);
        const std::string name = list.substr(start, comma == std::string::npos ? std::string::npos : comma - start);
        const auto index = net.find(name);
        if (!index) line.fail("input", "'" + name + "' is not an earlier layer");
        out.push_back(*index);
        if (comma == std::string::npos) break;
        start = comma + 1;
    }
    if (!many && out.size() != 1) line.fail("input", "a '" + line.kind + "' layer takes exactly one input");
    if (many && out.size() < 2) line.fail("input", "a '" + line.kind + "' layer takes two or more inputs");
    return out;
}

inline void add_network_text_layer(network& net, network_text_line& line) {
    if (line.kind == "conv") {
        const auto inputs = resolve_network_inputs(net, line, false);
        conv_params p;
        p.out_channels = line.integer("out", 1);
        std::tie(p.kernel_height, p.kernel_width) = line.pair_or("kernel", {-1, -1}, 1);
        if (p.kernel_height < 0) line.fail("kernel", "is required for a 'conv' line");
        std::tie(p.stride_height, p.stride_width) = line.pair_or("stride", {1, 1}, 1);
        p.pad = line.padding_or_zero();
        p.groups = line.integer_or("groups", 1, 1);
        p.bias = line.flag_or("bias", true);
        const activation act = line.activation_or_none();
        line.check_all_used();
        net.add_conv(line.name, inputs.front(), p, act);
    } else if (line.kind == "fc") {
        const auto inputs = resolve_network_inputs(net, line, false);
        fc_params p;
        p.out_features = line.integer("out", 1);
        p.bias = line.flag_or("bias", true);
        const activation act = line.activation_or_none();
        line.check_all_used();
        net.add_fc(line.name, inputs.front(), p, act);
    } else if (line.kind == "pool") {
        const auto inputs = resolve_network_inputs(net, line, false);
        pool_params p;
        const std::string& method = line.text("method");
        if (method == "max") p.method = pool_method::max;
        else if (method == "average") p.method = pool_method::average;
        else line.fail("method", "'" + method + "' is not max or average");
        p.global = line.flag_or("global", false);
        if (p.global) {
            p.kernel_height = p.kernel_width = p.stride_height = p.stride_width = 1;
        } else {
            std::tie(p.kernel_height, p.kernel_width) = line.pair_or("kernel", {-1, -1}, 1);
            if (p.kernel_height < 0) line.fail("kernel", "is required for a pool line unless global=1");
            std::tie(p.stride_height, p.stride_width) = line.pair_or("stride", {p.kernel_height, p.kernel_width}, 1);
            p.pad = line.padding_or_zero();
            p.ceil_mode = line.flag_or("ceil", false);
        }
        line.check_all_used();
        net.add_pool(line.name, inputs.front(), p);
    } else if (line.kind == "concat") {
        auto inputs = resolve_network_inputs(net, line, true);
        line.check_all_used();
        net.add_concat(line.name, std::move(inputs));
    } else if (line.kind == "add") {
        auto inputs = resolve_network_inputs(net, line, true);
        const activation act = line.activation_or_none();
        line.check_all_used();
        net.add_add(line.name, std::move(inputs), act);
    } else {
        line.fail("", "unknown line kind '" + line.kind + "' (expected conv, fc, pool, concat, add)");
    }
}

}  // namespace detail

/// Reads a network description from `in`; `source` names the input in error messages.
/// Throws `eap::parse_error` (source, line, field) on any malformed or impossible line.
inline network read_network_text(std::istream& in, const std::string& source = "<stream>") {
    std::string raw;
    std::size_t number = 0;
    enum class expect { magic, name, input, layers } state = expect::magic;
    std::string name;
    std::optional<network> net;
    while (std::getline(in, raw)) {
        ++number;
        if (raw.size() > 65536) throw parse_error(source, number, "", "line longer than 65536 characters");
        const auto hash = raw.find('#');
        detail::network_text_line line =
            detail::split_network_text_line(source, number, std::string_view(raw).substr(0, hash));
        if (line.kind.empty()) continue;
        switch (state) {
        case expect::magic:
            if (line.kind != "eap-network") line.fail("", "the first line must be 'eap-network 1'");
            if (line.name != "1" || !line.fields.empty()) line.fail("version", "unsupported version '" + line.name + "' (this reader knows 1)");
            state = expect::name;
            break;
        case expect::name:
            if (line.kind != "name" || line.name.empty() || !line.fields.empty())
                line.fail("name", "expected 'name <network name>' after the version line");
            name = line.name;
            state = expect::input;
            break;
        case expect::input: {
            if (line.kind != "input" || line.name.empty()) line.fail("input", "expected 'input <name> channels=C height=H width=W'");
            fmap_shape shape{line.integer("channels", 1), line.integer("height", 1), line.integer("width", 1)};
            line.check_all_used();
            try {
                net.emplace(name, shape, line.name);
            } catch (const parse_error&) {
                throw;
            } catch (const error& e) {
                line.fail("", e.what());
            }
            state = expect::layers;
            break;
        }
        case expect::layers:
            if (line.name.empty()) line.fail("name", "a '" + line.kind + "' line needs a layer name");
            try {
                detail::add_network_text_layer(*net, line);
            } catch (const parse_error&) {
                throw;
            } catch (const error& e) {
                line.fail("", e.what());
            }
            break;
        }
    }
    if (in.bad()) throw parse_error(source, number, "", "read error");
    if (!net) throw parse_error(source, number, "", "the description ends before its 'input' line");
    if (net->size() < 2) throw parse_error(source, number, "", "the network has no layer after its input");
    return std::move(*net);
}

/// Reads the network description in the file at `path`.
inline network read_network_file(const std::filesystem::path& path) {
    std::ifstream in(path);
    if (!in) throw io_error("eap::read_network_file: cannot open '" + path.string() + "'");
    return read_network_text(in, path.string());
}

namespace detail {
inline void write_pair(std::ostream& out, const char* key, std::int64_t a, std::int64_t b) {
    out << ' ' << key << '=' << a;
    if (a != b) out << 'x' << b;
}
inline void write_padding(std::ostream& out, const padding& p) {
    out << " pad=";
    if (p.top == p.bottom && p.top == p.left && p.top == p.right) out << p.top;
    else out << p.top << ',' << p.bottom << ',' << p.left << ',' << p.right;
}
}  // namespace detail

/// Writes `net` in the text format; `read_network_text` gives back an equal network.
inline void write_network_text(std::ostream& out, const network& net) {
    out << "eap-network 1\nname " << net.name() << '\n';
    const fmap_shape in = net.input().output;
    out << "input " << net.input().name << " channels=" << in.channels << " height=" << in.height
        << " width=" << in.width << '\n';
    for (std::size_t i = 1; i < net.size(); ++i) {
        const layer& l = net[i];
        out << to_string(l.kind()) << ' ' << l.name << " input=";
        for (std::size_t k = 0; k < l.inputs.size(); ++k) out << (k ? "," : "") << net[l.inputs[k]].name;
        if (const auto* c = std::get_if<conv_params>(&l.params)) {
            out << " out=" << c->out_channels;
            detail::write_pair(out, "kernel", c->kernel_height, c->kernel_width);
            detail::write_pair(out, "stride", c->stride_height, c->stride_width);
            detail::write_padding(out, c->pad);
            out << " groups=" << c->groups << " bias=" << (c->bias ? 1 : 0);
        } else if (const auto* f = std::get_if<fc_params>(&l.params)) {
            out << " out=" << f->out_features << " bias=" << (f->bias ? 1 : 0);
        } else if (const auto* p = std::get_if<pool_params>(&l.params)) {
            out << " method=" << to_string(p->method);
            if (p->global) {
                out << " global=1";
            } else {
                detail::write_pair(out, "kernel", p->kernel_height, p->kernel_width);
                detail::write_pair(out, "stride", p->stride_height, p->stride_width);
                detail::write_padding(out, p->pad);
                out << " ceil=" << (p->ceil_mode ? 1 : 0);
            }
        }
        if (l.kind() == layer_kind::conv || l.kind() == layer_kind::fully_connected || l.kind() == layer_kind::add)
            out << " act=" << to_string(l.act);
        out << '\n';
    }
}

/// The text of `net` as a string.
inline std::string to_network_text(const network& net) {
    std::ostringstream out;
    write_network_text(out, net);
    return out.str();
}

/// Writes `net` to the file at `path` (through a temporary file and a rename).
inline void write_network_file(const std::filesystem::path& path, const network& net) {
    write_file_atomically(path, [&net](std::ostream& out) { write_network_text(out, net); });
}

}  // namespace eap
