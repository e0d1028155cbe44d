// SPDX-License-Identifier: MIT
#pragma once

#include <algorithm>
#include <array>
#include <cctype>
#include <cstdint>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <istream>
#include <limits>
#include <ostream>
#include <sstream>
#include <string>
#include <type_traits>
#include <vector>

#include "eap/detail/checked_arithmetic.hpp"
#include "eap/detail/xtensor.hpp"
#include "eap/error.hpp"
#include "eap/io/atomic_file.hpp"

namespace eap {

// NumPy's .npy format (version 1.0 written; 1.0, 2.0 and 3.0 read): the magic "\x93NUMPY", a
// version, a little-endian header length, a Python dict literal with 'descr', 'fortran_order'
// and 'shape', padded with spaces to a multiple of 64 bytes and ended by '\n', then the raw
// C-order data. Reading accepts exactly that and nothing else: every malformed or truncated file
// is an `eap::parse_error`, never a crash or a partial tensor.

/// The parsed header of a .npy file.
struct npy_header {
    char byte_order = '<';             ///< '<' little-endian, '>' big-endian, '|' not applicable
    char kind = 'f';                   ///< 'f' float, 'i' signed, 'u' unsigned integer
    std::int64_t item_size = 4;        ///< bytes per element
    bool fortran_order = false;
    std::vector<std::int64_t> shape;
    std::int64_t data_offset = 0;      ///< bytes before the data

    /// Elements in the array (the product of `shape`; 1 for a scalar).
    std::int64_t element_count() const {
        std::int64_t n = 1;
        for (std::int64_t d : shape) n = eap::detail::checked_mul(n, d, "npy element count");
        return n;
    }
    /// The descr string, such as "<f4".
    std::string descr() const { return std::string{byte_order, kind} + std::to_string(item_size); }
};

namespace detail {

inline constexpr bool host_is_little_endian() {
#if defined(__BYTE_ORDER__) && defined(__ORDER_BIG_ENDIAN__) && __BYTE_ORDER__ == __ORDER_BIG_ENDIAN__
    return false;
#else
    return true;
#endif
}

/// The .npy kind and size of an element type.
template <class T>
struct npy_type {
    static_assert(std::is_arithmetic_v<T> && !std::is_same_v<T, bool> && !std::is_same_v<T, long double>,
                  "eap::save_npy / eap::load_npy: the element type must be a float, a double or a fixed-size integer");
    static constexpr char kind = std::is_floating_point_v<T> ? 'f' : (std::is_signed_v<T> ? 'i' : 'u');
    static constexpr std::int64_t size = static_cast<std::int64_t>(sizeof(T));
    /// The descr NumPy gives this type on this machine, such as "<f4".
    static std::string descr() {
        return std::string{size == 1 ? '|' : (host_is_little_endian() ? '<' : '>'), kind} + std::to_string(size);
    }
};

/// A small recursive-descent parser of the header dict; `fail` throws a parse_error naming the
/// source and the field.
class npy_header_parser {
public:
    npy_header_parser(const std::string& text, const std::string& source) : text_(text), source_(source) {}

    void parse(npy_header& header) {
        bool have_descr = false, have_order = false, have_shape = false;
        skip_space();
        expect('{', "header");
        skip_space();
        while (peek() != '}') {
            const std::string key = string_literal("header key");
            skip_space();
            expect(':', key);
            skip_space();
            if (key == "descr") {
                if (have_descr) fail(key, "appears twice");
                have_descr = true;
                parse_descr(string_literal(key), header);
            } else if (key == "fortran_order") {
                if (have_order) fail(key, "appears twice");
                have_order = true;
                header.fortran_order = boolean(key);
            } else if (key == "shape") {
                if (have_shape) fail(key, "appears twice");
                have_shape = true;
                header.shape = tuple(key);
            } else {
                fail(key, "is not a key of the .npy header (expected 'descr', 'fortran_order', 'shape')");
            }
            skip_space();
            if (peek() == ',') {
                ++pos_;
                skip_space();
            } else if (peek() != '}') {
                fail("header", "expected ',' or '}' after a value");
            }
        }
        ++pos_;
        if (!have_descr) fail("descr", "is missing");
        if (!have_order) fail("fortran_order", "is missing");
        if (!have_shape) fail("shape", "is missing");
        // The rest is padding: spaces, ended by one '\n'.
        while (pos_ < text_.size() && text_[pos_] == ' ') ++pos_;
        if (pos_ + 1 != text_.size() || text_[pos_] != '\n')
            fail("header", "must end with spaces and one newline after the dict");
    }

private:
    [[noreturn]] void fail(const std::string& field, const std::string& what) const {
        throw parse_error(source_, 0, field, what);
    }
    char peek() const {
        if (pos_ >= text_.size()) fail("header", "ends inside the dict");
        return text_[pos_];
    }
    void skip_space() {
        while (pos_ < text_.size() && (text_[pos_] == ' ' || text_[pos_] == '\t')) ++pos_;
    }
    void expect(char c, const std::string& field) {
        if (peek() != c) fail(field, std::string("expected '") + c + "'");
        ++pos_;
    }
    std::string string_literal(const std::string& field) {
        const char quote = peek();
        if (quote != '\'' && quote != '"') fail(field, "expected a quoted string");
        ++pos_;
        std::string out;
        while (peek() != quote) {
            if (text_[pos_] == '\\' || text_[pos_] == '\n') fail(field, "unsupported character in a string");
            out += text_[pos_++];
            if (out.size() > 64) fail(field, "string is too long");
        }
        ++pos_;
        return out;
    }
    bool boolean(const std::string& field) {
        if (text_.compare(pos_, 4, "True") == 0) {
            pos_ += 4;
            return true;
        }
        if (text_.compare(pos_, 5, "False") == 0) {
            pos_ += 5;
            return false;
        }
        fail(field, "expected True or False");
    }
    std::vector<std::int64_t> tuple(const std::string& field) {
        expect('(', field);
        std::vector<std::int64_t> out;
        skip_space();
        bool trailing_comma = false;
        while (peek() != ')') {
            if (!std::isdigit(static_cast<unsigned char>(peek()))) fail(field, "expected a non-negative integer");
            std::int64_t value = 0;
            while (pos_ < text_.size() && std::isdigit(static_cast<unsigned char>(text_[pos_]))) {
                const int digit = text_[pos_] - '0';
                if (value > (std::numeric_limits<std::int64_t>::max() - digit) / 10)
                    fail(field, "a dimension does not fit in a 64-bit integer");
                value = value * 10 + digit;
                ++pos_;
            }
            // NumPy may write Python 2 long suffixes in old files.
            if (pos_ < text_.size() && text_[pos_] == 'L') ++pos_;
            out.push_back(value);
            if (out.size() > 32) fail(field, "has more than 32 dimensions");
            skip_space();
            trailing_comma = false;
            if (peek() == ',') {
                ++pos_;
                trailing_comma = true;
                skip_space();
            } else if (peek() != ')') {
                fail(field, "expected ',' or ')'");
            }
        }
        ++pos_;
        if (out.size() == 1 && !trailing_comma) fail(field, "a one-element tuple needs a trailing comma");
        return out;
    }
    void parse_descr(const std::string& d, npy_header& header) const {
        if (d.size() < 3) fail("descr", "'" + d + "' is not a supported dtype");
        const char order = d[0], kind = d[1];
        const std::string size = d.substr(2);
        if (order != '<' && order != '>' && order != '|' && order != '=')
            fail("descr", "'" + d + "' has an unknown byte order");
        if (kind != 'f' && kind != 'i' && kind != 'u')
            fail("descr", "'" + d + "' is not a supported dtype (float, signed or unsigned integer)");
        if (size != "1" && size != "2" && size != "4" && size != "8")
            fail("descr", "'" + d + "' has an unsupported item size");
        header.kind = kind;
        header.item_size = std::stoll(size);
        if (kind == 'f' && header.item_size != 4 && header.item_size != 8)
            fail("descr", "'" + d + "': only 4- and 8-byte floats are supported");
        header.byte_order = order == '=' ? (host_is_little_endian() ? '<' : '>') : order;
        if (header.item_size == 1) header.byte_order = '|';
        else if (header.byte_order == '|') fail("descr", "'" + d + "': a multi-byte type needs a byte order");
    }

    const std::string& text_;
    const std::string& source_;
    std::size_t pos_ = 0;
};

template <class T>
void byteswap_all(T* data, std::size_t count) {
    for (std::size_t i = 0; i < count; ++i) {
        unsigned char* b = reinterpret_cast<unsigned char*>(data + i);
        std::reverse(b, b + sizeof(T));
    }
}

template <class From, class To>
void read_converted(std::istream& in, const npy_header& h, To* out, std::size_t count, const std::string& source) {
    std::vector<From> buffer(std::min<std::size_t>(count, 1 << 16));
    std::size_t done = 0;
    const bool swap = h.byte_order != '|' && (h.byte_order == '<') != host_is_little_endian();
    while (done < count) {
        const std::size_t n = std::min(buffer.size(), count - done);
        in.read(reinterpret_cast<char*>(buffer.data()), static_cast<std::streamsize>(n * sizeof(From)));
        if (static_cast<std::size_t>(in.gcount()) != n * sizeof(From))
            throw parse_error(source, 0, "data", eap::detail::message("is truncated: ", count, " elements of ", h.descr(),
                                                                      " expected, the file ends after ", done + static_cast<std::size_t>(in.gcount()) / sizeof(From)));
        if (swap) byteswap_all(buffer.data(), n);
        for (std::size_t i = 0; i < n; ++i) out[done + i] = static_cast<To>(buffer[i]);
        done += n;
    }
}

}  // namespace detail

/// Reads and checks the header of a .npy stream (positioned at its start); `source` names it in
/// errors. Leaves the stream at the first data byte.
inline npy_header read_npy_header(std::istream& in, const std::string& source) {
    char magic[8];
    in.read(magic, 8);
    if (in.gcount() != 8 || std::memcmp(magic, "\x93NUMPY", 6) != 0)
        throw parse_error(source, 0, "magic", "not a .npy file (it must start with \\x93NUMPY)");
    const auto major = static_cast<unsigned char>(magic[6]);
    if (major < 1 || major > 3)
        throw parse_error(source, 0, "version", eap::detail::message("unsupported .npy version ", int(major), ".",
                                                                     int(static_cast<unsigned char>(magic[7]))));
    const int length_bytes = major == 1 ? 2 : 4;
    unsigned char raw[4] = {0, 0, 0, 0};
    in.read(reinterpret_cast<char*>(raw), length_bytes);
    if (in.gcount() != length_bytes) throw parse_error(source, 0, "header length", "the file ends inside the header length");
    std::uint32_t length = 0;
    for (int i = length_bytes - 1; i >= 0; --i) length = (length << 8) | raw[i];
    if (length > (1u << 20)) throw parse_error(source, 0, "header length", eap::detail::message(length, " bytes is implausibly long"));
    std::string text(length, '\0');
    in.read(text.data(), static_cast<std::streamsize>(length));
    if (static_cast<std::uint32_t>(in.gcount()) != length)
        throw parse_error(source, 0, "header", eap::detail::message("the file ends inside the header (", in.gcount(),
                                                                    " of ", length, " bytes)"));
    npy_header header;
    eap::detail::npy_header_parser(text, source).parse(header);
    header.data_offset = 8 + length_bytes + static_cast<std::int64_t>(length);
    try {
        (void)eap::detail::checked_mul(header.element_count(), header.item_size, "npy data size");
    } catch (const overflow_error&) {
        throw parse_error(source, 0, "shape", "the array would hold more than 2^63 bytes");
    }
    return header;
}

/// Reads a .npy stream holding an N-dimensional array of T (C order) into a tensor; `source`
/// names the stream in errors. The element type must be T exactly unless `convert` is true, in
/// which case any supported numeric type is converted with static_cast. Any other content
/// (wrong rank or type, Fortran order, a truncated or longer file) is an `eap::parse_error`.
template <class T, std::size_t N>
xt::xtensor<T, N> read_npy(std::istream& in, const std::string& source, bool convert = false) {
    const npy_header h = read_npy_header(in, source);
    if (h.fortran_order) throw parse_error(source, 0, "fortran_order", "Fortran-order arrays are not supported");
    if (h.shape.size() != N)
        throw parse_error(source, 0, "shape", eap::detail::message("has ", h.shape.size(), " dimensions, expected ", N));
    using info = eap::detail::npy_type<T>;
    if (!convert && (h.kind != info::kind || h.item_size != info::size))
        throw parse_error(source, 0, "descr",
                          eap::detail::message("holds '", h.descr(), "', expected '", info::descr(), "'"));
    std::array<std::size_t, N> shape{};
    for (std::size_t i = 0; i < N; ++i) shape[i] = static_cast<std::size_t>(h.shape[i]);
    const std::int64_t count = h.element_count();
    // A header may claim any size: refuse one larger than what is left in the stream before
    // allocating (seekable streams only; others fail while reading).
    const auto here = in.tellg();
    if (here != std::streampos(-1)) {
        in.seekg(0, std::ios::end);
        const auto end = in.tellg();
        in.seekg(here);
        const std::int64_t left = static_cast<std::int64_t>(end - here);
        const std::int64_t needed = eap::detail::checked_mul(count, h.item_size, "npy data size");
        if (left != needed)
            throw parse_error(source, 0, "data", eap::detail::message("holds ", left, " bytes, the header says ", needed,
                                                                      " (", count, " elements of ", h.descr(), ")"));
    }
    xt::xtensor<T, N> out = xt::empty<T>(shape);
    const std::size_t n = static_cast<std::size_t>(count);
    T* data = out.data();
    switch (h.kind) {
    case 'f':
        if (h.item_size == 4) eap::detail::read_converted<float>(in, h, data, n, source);
        else eap::detail::read_converted<double>(in, h, data, n, source);
        break;
    case 'i':
        if (h.item_size == 1) eap::detail::read_converted<std::int8_t>(in, h, data, n, source);
        else if (h.item_size == 2) eap::detail::read_converted<std::int16_t>(in, h, data, n, source);
        else if (h.item_size == 4) eap::detail::read_converted<std::int32_t>(in, h, data, n, source);
        else eap::detail::read_converted<std::int64_t>(in, h, data, n, source);
        break;
    default:
        if (h.item_size == 1) eap::detail::read_converted<std::uint8_t>(in, h, data, n, source);
        else if (h.item_size == 2) eap::detail::read_converted<std::uint16_t>(in, h, data, n, source);
        else if (h.item_size == 4) eap::detail::read_converted<std::uint32_t>(in, h, data, n, source);
        else eap::detail::read_converted<std::uint64_t>(in, h, data, n, source);
        break;
    }
    if (in.peek() != std::char_traits<char>::eof())
        throw parse_error(source, 0, "data", "the file is longer than its header says");
    return out;
}

/// Loads a .npy file (see `read_npy`). A missing or unreadable file is an `eap::io_error`.
template <class T, std::size_t N>
xt::xtensor<T, N> load_npy(const std::filesystem::path& path, bool convert = false) {
    std::ifstream in(path, std::ios::binary);
    if (!in) throw io_error("eap::load_npy: cannot open '" + path.string() + "'");
    return eap::read_npy<T, N>(in, path.string(), convert);
}

/// Writes `tensor` (an xtensor container, row-major) as a version 1.0 .npy stream that NumPy
/// reads with `numpy.load`.
template <class T, std::size_t N>
void write_npy(std::ostream& out, const xt::xtensor<T, N>& tensor) {
    using info = eap::detail::npy_type<T>;
    std::ostringstream dict;
    dict << "{'descr': '" << info::descr() << "', 'fortran_order': False, 'shape': (";
    for (std::size_t i = 0; i < N; ++i) dict << (i ? ", " : "") << tensor.shape()[i];
    if (N == 1) dict << ',';
    dict << "), }";
    std::string header = dict.str();
    // Pad so that the data starts at a multiple of 64 bytes, as NumPy does.
    const std::size_t unpadded = 10 + header.size() + 1;
    header.append((64 - unpadded % 64) % 64, ' ');
    header += '\n';
    if (header.size() > 65535) throw argument_error("eap::write_npy: the header is too long for .npy version 1.0");
    const auto length = static_cast<std::uint16_t>(header.size());
    const char preamble[10] = {'\x93', 'N', 'U', 'M', 'P', 'Y', '\x01', '\x00',
                               static_cast<char>(length & 0xff), static_cast<char>(length >> 8)};
    out.write(preamble, 10);
    out.write(header.data(), static_cast<std::streamsize>(header.size()));
    out.write(reinterpret_cast<const char*>(tensor.data()), static_cast<std::streamsize>(tensor.size() * sizeof(T)));
}

/// Saves `tensor` as a .npy file, written atomically (`eap::write_file_atomically`).
template <class T, std::size_t N>
void save_npy(const std::filesystem::path& path, const xt::xtensor<T, N>& tensor) {
    eap::write_file_atomically(path, [&](std::ostream& out) { eap::write_npy(out, tensor); }, true);
}

}  // namespace eap
