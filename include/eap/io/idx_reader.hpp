// SPDX-License-Identifier: MIT
#pragma once

#include <zlib.h>

#include <algorithm>
#include <cstdint>
#include <filesystem>
#include <fstream>
#include <iterator>
#include <limits>
#include <string>
#include <vector>

#include "eap/detail/checked_arithmetic.hpp"
#include "eap/error.hpp"

namespace eap {

/// An array read from an IDX file (the format of MNIST and Fashion-MNIST): its dimensions and
/// its unsigned-byte values in row-major order.
struct idx_array {
    std::vector<std::int64_t> dims;
    std::vector<std::uint8_t> values;
};

namespace detail {

/// Hands out the bytes of an IDX file, inflating them on the fly when the file is gzipped.
/// Every way the input can end early or be corrupt becomes an `eap::parse_error`.
class idx_byte_source {
public:
    idx_byte_source(const std::vector<std::uint8_t>& bytes, std::string source)
        : bytes_(bytes), source_(std::move(source)) {
        gzipped_ = bytes_.size() >= 2 && bytes_[0] == 0x1f && bytes_[1] == 0x8b;
        if (gzipped_) {
            if (bytes_.size() > std::numeric_limits<uInt>::max())
                throw parse_error(source_, 0, "gzip", "the file is larger than zlib's 4 GiB input limit");
            stream_.zalloc = Z_NULL;
            stream_.zfree = Z_NULL;
            stream_.opaque = Z_NULL;
            stream_.next_in = const_cast<Bytef*>(bytes_.data());
            stream_.avail_in = static_cast<uInt>(bytes_.size());
            // 16 + MAX_WBITS: a gzip wrapper (header, CRC-32 and length checked by zlib).
            if (inflateInit2(&stream_, 16 + MAX_WBITS) != Z_OK)
                throw parse_error(source_, 0, "gzip", "zlib could not start inflating");
            open_ = true;
        }
    }
    ~idx_byte_source() {
        if (open_) inflateEnd(&stream_);
    }
    idx_byte_source(const idx_byte_source&) = delete;
    idx_byte_source& operator=(const idx_byte_source&) = delete;

    /// Exactly `count` bytes into `out`, or a parse_error naming `field`.
    void read(std::uint8_t* out, std::size_t count, const char* field) {
        if (!gzipped_) {
            if (bytes_.size() - position_ < count)
                throw parse_error(source_, 0, field, eap::detail::message("the file is truncated (", bytes_.size() - position_,
                                                                          " bytes left, ", count, " needed)"));
            std::copy(bytes_.begin() + static_cast<std::ptrdiff_t>(position_),
                      bytes_.begin() + static_cast<std::ptrdiff_t>(position_ + count), out);
            position_ += count;
            return;
        }
        while (count > 0) {
            const uInt chunk = static_cast<uInt>(std::min<std::size_t>(count, 1u << 30));
            stream_.next_out = out;
            stream_.avail_out = chunk;
            while (stream_.avail_out > 0) {
                if (ended_)
                    throw parse_error(source_, 0, field, "the data is truncated (the gzip stream ends before it)");
                const int rc = inflate(&stream_, Z_NO_FLUSH);
                if (rc == Z_STREAM_END) {
                    ended_ = true;
                } else if (rc == Z_BUF_ERROR) {
                    throw parse_error(source_, 0, field, "the gzip stream is truncated");
                } else if (rc != Z_OK) {
                    throw parse_error(source_, 0, field,
                                      std::string("the gzip stream is corrupt (") + (stream_.msg ? stream_.msg : "zlib error") + ")");
                }
            }
            out += chunk;
            count -= chunk;
        }
    }

    /// Checks that nothing follows the data: neither more (decompressed) bytes nor trailing
    /// bytes after the gzip stream, and that a gzip stream ends with a valid trailer.
    void finish() {
        if (!gzipped_) {
            if (position_ != bytes_.size())
                throw parse_error(source_, 0, "data", eap::detail::message("the file has ", bytes_.size() - position_,
                                                                           " bytes after the data its header announces"));
            return;
        }
        if (!ended_) {
            std::uint8_t extra = 0;
            stream_.next_out = &extra;
            stream_.avail_out = 1;
            int rc = Z_OK;
            while (rc == Z_OK && stream_.avail_out == 1) rc = inflate(&stream_, Z_NO_FLUSH);
            if (stream_.avail_out == 0)
                throw parse_error(source_, 0, "data", "the file holds more data than its header announces");
            if (rc == Z_BUF_ERROR) throw parse_error(source_, 0, "gzip", "the gzip stream is truncated (no trailer)");
            if (rc != Z_STREAM_END)
                throw parse_error(source_, 0, "gzip",
                                  std::string("the gzip stream is corrupt (") + (stream_.msg ? stream_.msg : "zlib error") + ")");
            ended_ = true;
        }
        if (stream_.avail_in != 0)
            throw parse_error(source_, 0, "gzip", eap::detail::message(stream_.avail_in, " bytes follow the gzip stream"));
    }

private:
    const std::vector<std::uint8_t>& bytes_;
    std::string source_;
    bool gzipped_ = false;
    bool open_ = false;
    bool ended_ = false;
    std::size_t position_ = 0;
    z_stream stream_{};
};

}  // namespace detail

/// Parses an IDX file held in memory, gzipped or not (told apart by the gzip magic). Only the
/// unsigned-byte element type (0x08) is supported, the type of every MNIST-style file. Anything
/// malformed (bad magic, an unsupported type, zero or more than 8 dimensions, a truncated or
/// corrupt gzip stream, a wrong CRC, missing or extra data, more than `max_values` values) is an
/// `eap::parse_error` naming `source`.
inline idx_array parse_idx(const std::vector<std::uint8_t>& bytes, const std::string& source,
                           std::int64_t max_values = std::int64_t{1} << 32) {
    if (max_values < 0)
        throw argument_error(eap::detail::message("eap::parse_idx: max_values = ", max_values, " must not be negative"));
    detail::idx_byte_source in(bytes, source);
    std::uint8_t magic[4];
    in.read(magic, 4, "magic");
    if (magic[0] != 0 || magic[1] != 0)
        throw parse_error(source, 0, "magic", "not an IDX file (the first two bytes must be zero)");
    if (magic[2] != 0x08)
        throw parse_error(source, 0, "type", eap::detail::message("element type code ", int(magic[2]),
                                                                  " is not supported (only unsigned bytes, code 8)"));
    const int rank = magic[3];
    if (rank < 1 || rank > 8)
        throw parse_error(source, 0, "dimensions", eap::detail::message(rank, " dimensions (1 to 8 are supported)"));
    idx_array result;
    std::int64_t count = 1;
    for (int i = 0; i < rank; ++i) {
        std::uint8_t raw[4];
        in.read(raw, 4, "dimensions");
        const std::int64_t d = (std::int64_t{raw[0]} << 24) | (std::int64_t{raw[1]} << 16) | (std::int64_t{raw[2]} << 8) | raw[3];
        result.dims.push_back(d);
        // Each dimension is below 2^32 and the count so far at most max_values, so checking
        // before multiplying keeps the product in range.
        if (d != 0 && count > max_values / d)
            throw parse_error(source, 0, "dimensions", eap::detail::message("more than ", max_values, " values"));
        count *= d;
    }
    // Read in pieces so that a corrupt size fails at the end of the real data instead of
    // allocating what the header claims up front.
    const std::size_t total = static_cast<std::size_t>(count);
    constexpr std::size_t piece = std::size_t{1} << 20;
    while (result.values.size() < total) {
        const std::size_t done = result.values.size();
        const std::size_t n = std::min(piece, total - done);
        result.values.resize(done + n);
        in.read(result.values.data() + done, n, "data");
    }
    in.finish();
    return result;
}

/// Reads an IDX file (gzipped or not) from disk. A missing or unreadable file is an
/// `eap::io_error`, a malformed one an `eap::parse_error` (see `parse_idx`).
inline idx_array read_idx(const std::filesystem::path& path, std::int64_t max_values = std::int64_t{1} << 32) {
    std::ifstream in(path, std::ios::binary);
    if (!in) throw io_error("eap::read_idx: cannot open '" + path.string() + "'");
    std::vector<std::uint8_t> bytes((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
    if (in.bad()) throw io_error("eap::read_idx: reading '" + path.string() + "' failed");
    return parse_idx(bytes, path.string(), max_values);
}

}  // namespace eap
