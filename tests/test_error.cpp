#include <cmath>
#include <cstdint>
#include <limits>
#include <ostream>
#include <random>
#include <sstream>
#include <string>

#include "catch.hpp"
#include "eap/error.hpp"

namespace {
struct streamable_point {
    int x = 0, y = 0;
    friend std::ostream& operator<<(std::ostream& out, const streamable_point& p) {
        return out << '(' << p.x << ", " << p.y << ')';
    }
};

template <class... Parts>
std::string streamed(const Parts&... parts) {
    std::ostringstream out;
    (out << ... << parts);
    return out.str();
}
}  // namespace

TEST_CASE("message writes every argument as a default std::ostream would", "[error]") {
    using eap::detail::message;
    const std::string s = "text";
    const std::string_view v = "view";
    const std::int64_t big = std::numeric_limits<std::int64_t>::min();
    const std::uint64_t huge = std::numeric_limits<std::uint64_t>::max();
    const std::size_t size = 42;
    const short small = -7;
    CHECK(message("a", 'b', s, v, 1, -2L, big, huge, size, small, true, false) ==
          streamed("a", 'b', s, v, 1, -2L, big, huge, size, small, true, false));
    CHECK(message(streamable_point{3, -4}, " at ", 0.5) == streamed(streamable_point{3, -4}, " at ", 0.5));
    CHECK(message() == std::string());

    // Floating point: %g with 6 significant digits, infinities and NaN as the stream writes them.
    std::mt19937_64 rng(11);
    std::uniform_real_distribution<double> mantissa(-10.0, 10.0);
    std::uniform_int_distribution<int> exponent(-40, 40);
    for (int i = 0; i < 2000; ++i) {
        const double d = std::ldexp(mantissa(rng), exponent(rng));
        const float f = static_cast<float>(d);
        REQUIRE(message(d) == streamed(d));
        REQUIRE(message(f) == streamed(f));
    }
    for (double d : {0.0, -0.0, 1e300, 1e-300, std::numeric_limits<double>::infinity(),
                     -std::numeric_limits<double>::infinity(), std::numeric_limits<double>::quiet_NaN()})
        CHECK(message(d) == streamed(d));
}

TEST_CASE("parse_error carries file, line and field", "[error]") {
    const eap::parse_error e("net.txt", 3, "kernel", "must be positive");
    CHECK(std::string(e.what()) == "net.txt:3: field 'kernel': must be positive");
    CHECK(e.file() == "net.txt");
    CHECK(e.line() == 3);
    CHECK(e.field() == "kernel");
    CHECK(std::string(eap::parse_error("x.npy", 0, "", "truncated").what()) == "x.npy: truncated");
}

TEST_CASE("every eap exception is an eap::error", "[error]") {
    CHECK_THROWS_AS(throw eap::shape_error("s"), eap::argument_error);
    CHECK_THROWS_AS(throw eap::hardware_error("h"), eap::argument_error);
    CHECK_THROWS_AS(throw eap::argument_error("a"), eap::error);
    CHECK_THROWS_AS(throw eap::overflow_error("o"), eap::error);
    CHECK_THROWS_AS(throw eap::io_error("i"), eap::error);
    CHECK_THROWS_AS(throw eap::parse_error("f", 1, "x", "p"), eap::error);
}
