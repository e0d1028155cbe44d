// SPDX-License-Identifier: MIT
#pragma once

#include <atomic>
#include <cstdio>
#include <filesystem>
#include <fstream>
#include <string>
#include <system_error>
#include <utility>

#include "eap/error.hpp"

namespace eap {

namespace detail {
inline std::string temporary_name_for(const std::filesystem::path& path) {
    // Unique within the process; the process id keeps two processes apart.
    static std::atomic<unsigned long> counter{0};
    const auto token = std::to_string(static_cast<unsigned long>(std::hash<std::string>{}(path.string()))) + "." +
                       std::to_string(++counter);
    return path.string() + ".tmp." + token;
}
}  // namespace detail

/// Writes the file at `path` by calling `write(std::ostream&)` on a temporary file next to it and
/// renaming it over `path` once everything is written and flushed, so that a crash never leaves
/// a half-written result under the final name. Throws `eap::io_error` on any failure (and
/// removes the temporary file).
template <class Writer>
void write_file_atomically(const std::filesystem::path& path, Writer&& write, bool binary = false) {
    const std::string temporary = detail::temporary_name_for(path);
    try {
        {
            std::ofstream out(temporary, binary ? std::ios::out | std::ios::binary | std::ios::trunc
                                                : std::ios::out | std::ios::trunc);
            if (!out) throw io_error("eap: cannot open '" + temporary + "' for writing (for '" + path.string() + "')");
            std::forward<Writer>(write)(static_cast<std::ostream&>(out));
            out.flush();
            if (!out) throw io_error("eap: writing '" + path.string() + "' failed");
        }
        std::error_code ec;
        std::filesystem::rename(temporary, path, ec);
        if (ec) throw io_error("eap: cannot rename '" + temporary + "' to '" + path.string() + "': " + ec.message());
    } catch (...) {
        std::error_code ignored;
        std::filesystem::remove(temporary, ignored);
        throw;
    }
}

}  // namespace eap
