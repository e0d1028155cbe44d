#include <cstdint>

#include "catch.hpp"

std::int64_t odr_a();
std::int64_t odr_b();

TEST_CASE("two translation units including the umbrella header link and agree", "[odr]") {
    CHECK(odr_a() == odr_b());
    CHECK(odr_a() == 724406816 + 12);
}
