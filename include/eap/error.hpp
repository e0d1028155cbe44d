// SPDX-License-Identifier: MIT
#pragma once

#include <cstddef>
#include <sstream>
#include <stdexcept>
#include <initializer_list>
#include <string>
#include <string_view>
#include <type_traits>
#include <utility>

namespace eap {

/// Base class of every exception eap throws. Catch this to handle any eap failure.
class error : public std::runtime_error {
public:
    using std::runtime_error::runtime_error;
};

/// A value passed to an eap function is out of its allowed range. The message names the
/// argument, its value and the limit it broke.
class argument_error : public error {
public:
    using error::error;
};

/// A layer or tensor shape that cannot exist (zero sizes, kernel larger than the padded input,
/// channels not divisible by groups, a tensor that does not match its layer...).
class shape_error : public argument_error {
public:
    using argument_error::argument_error;
};

/// A hardware description that cannot exist (zero capacity, negative cost, no PE array...).
class hardware_error : public argument_error {
public:
    using argument_error::argument_error;
};

/// A 64-bit count would overflow.
class overflow_error : public error {
public:
    using error::error;
};

/// A file or a stream could not be opened, read or written.
class io_error : public error {
public:
    using error::error;
};

/// Malformed input text or data. Carries where the problem is: the file (or stream name),
/// the 1-based line (0 when not line-oriented) and the field.
class parse_error : public error {
public:
    parse_error(std::string file, std::size_t line, std::string field, const std::string& what)
        : error(format(file, line, field, what)), file_(std::move(file)), line_(line),
          field_(std::move(field)) {}

    const std::string& file() const noexcept { return file_; }
    std::size_t line() const noexcept { return line_; }
    const std::string& field() const noexcept { return field_; }

private:
    static std::string format(const std::string& file, std::size_t line, const std::string& field,
                              const std::string& what) {
        std::ostringstream out;
        out << file;
        if (line != 0) out << ':' << line;
        if (!field.empty()) out << ": field '" << field << "'";
        out << ": " << what;
        return out.str();
    }

    std::string file_;
    std::size_t line_;
    std::string field_;
};

namespace detail {

/// One argument of `message`, turned into text as `operator<<` on a default std::ostream would.
/// Common argument types have non-template constructors, so that the hundreds of error messages
/// in eap's headers instantiate almost nothing; other streamable types go through a stream.
class message_part {
public:
    message_part(const char* s) : text_(s ? s : "(null)") {}
    message_part(const std::string& s) : text_(s) {}
    message_part(std::string_view s) : text_(s) {}
    message_part(char c) : text_(1, c) {}
    message_part(bool b) : text_(b ? "1" : "0") {}
    message_part(int v) : text_(std::to_string(v)) {}
    message_part(long v) : text_(std::to_string(v)) {}
    message_part(long long v) : text_(std::to_string(v)) {}
    message_part(unsigned v) : text_(std::to_string(v)) {}
    message_part(unsigned long v) : text_(std::to_string(v)) {}
    message_part(unsigned long long v) : text_(std::to_string(v)) {}
    message_part(double v) : text_(format_double(v)) {}
    message_part(float v) : text_(format_double(v)) {}
    template <class T, class = std::enable_if_t<!std::is_arithmetic_v<T> && !std::is_convertible_v<const T&, std::string_view>>>
    message_part(const T& v) {
        std::ostringstream out;
        out << v;
        text_ = out.str();
    }
    const std::string& text() const noexcept { return text_; }

private:
    static std::string format_double(double v) {
        std::ostringstream out;  // the stream's default: %g with 6 significant digits
        out << v;
        return out.str();
    }
    std::string text_;
};

inline std::string join_message(std::initializer_list<message_part> parts) {
    std::string out;
    for (const message_part& p : parts) out += p.text();
    return out;
}

/// Concatenates the arguments into one message.
template <class... Parts>
std::string message(const Parts&... parts) {
    return join_message({message_part(parts)...});
}

}  // namespace detail
}  // namespace eap
