// The Eyeriss run-length code: the reference encoder and decoder, and the size counters.
#include <cstdint>
#include <random>
#include <vector>

#include "catch.hpp"
#include "sparse_test_support.hpp"

using sparse_test::for_each_arch;

namespace {

std::vector<std::int16_t> zeros_then(std::int64_t zeros, std::vector<std::int16_t> tail) {
    std::vector<std::int16_t> v(static_cast<std::size_t>(zeros), 0);
    v.insert(v.end(), tail.begin(), tail.end());
    return v;
}

struct pair_value {
    std::int64_t run;
    std::int16_t level;
    bool operator==(const pair_value& o) const { return run == o.run && level == o.level; }
};

std::vector<pair_value> pairs_of(const eap::rlc_stream& s) {
    std::vector<pair_value> out;
    for (std::int64_t k = 0; k < s.pairs; ++k) {
        const std::uint64_t word = s.words[static_cast<std::size_t>(k / 3)];
        const std::uint64_t bits = (word >> (21 * (k % 3))) & ((1u << 21) - 1);
        out.push_back({static_cast<std::int64_t>(bits >> 16), static_cast<std::int16_t>(bits & 0xffff)});
    }
    return out;
}

eap::rlc_stream encode(const std::vector<std::int16_t>& v) {
    return eap::run_length_encode(v.data(), static_cast<std::int64_t>(v.size()));
}

// A stream mixing random values and runs of the lengths where the code changes behaviour.
template <class T>
std::vector<T> adversarial_stream(std::mt19937_64& rng) {
    static const std::int64_t runs[] = {0, 1, 30, 31, 32, 33, 62, 63, 64, 65, 95, 96, 97, 200};
    std::vector<T> v;
    const std::int64_t pieces = sparse_test::uniform(rng, 0, 8);
    for (std::int64_t k = 0; k < pieces; ++k) {
        const std::int64_t zeros = runs[sparse_test::uniform(rng, 0, 13)];
        for (std::int64_t z = 0; z < zeros; ++z) v.push_back(sparse_test::random_zero<T>(rng));
        const std::int64_t values = sparse_test::uniform(rng, 0, 3);
        for (std::int64_t z = 0; z < values; ++z) v.push_back(sparse_test::random_nonzero<T>(rng));
    }
    return v;
}

template <class T>
std::vector<T> random_stream(std::mt19937_64& rng) {
    std::vector<T> v(static_cast<std::size_t>(sparse_test::uniform(rng, 0, 700)));
    const double density = std::uniform_real_distribution<double>(0.0, 1.0)(rng);
    std::bernoulli_distribution keep(density * density);  // favour sparse streams: long runs
    for (auto& x : v) x = keep(rng) ? sparse_test::random_nonzero<T>(rng) : sparse_test::random_zero<T>(rng);
    return v;
}

}  // namespace

TEST_CASE("the encoder follows the definition on small streams", "[sparse][rlc]") {
    using P = pair_value;
    CHECK(encode({}).words.empty());
    CHECK(encode({}).pairs == 0);
    CHECK(pairs_of(encode({5})) == std::vector<P>{{0, 5}});
    CHECK(pairs_of(encode({0})) == std::vector<P>{{0, 0}});
    CHECK(pairs_of(encode({1, 0, 0})) == std::vector<P>{{0, 1}, {1, 0}});
    CHECK(pairs_of(encode({0, 0, -7, 3})) == std::vector<P>{{2, -7}, {0, 3}});
    // A run of exactly 31 zeros fits in one pair with its value, 32 and 33 need a zero level.
    CHECK(pairs_of(encode(zeros_then(31, {7}))) == std::vector<P>{{31, 7}});
    CHECK(pairs_of(encode(zeros_then(32, {7}))) == std::vector<P>{{31, 0}, {0, 7}});
    CHECK(pairs_of(encode(zeros_then(33, {7}))) == std::vector<P>{{31, 0}, {1, 7}});
    CHECK(pairs_of(encode(zeros_then(64, {7}))) == std::vector<P>{{31, 0}, {31, 0}, {0, 7}});
    // All zeros: pairs of 32, the last one covering what is left.
    CHECK(pairs_of(encode(zeros_then(32, {}))) == std::vector<P>{{31, 0}});
    CHECK(pairs_of(encode(zeros_then(33, {}))) == std::vector<P>{{31, 0}, {0, 0}});
    CHECK(pairs_of(encode(zeros_then(40, {}))) == std::vector<P>{{31, 0}, {7, 0}});
    CHECK(pairs_of(encode({4, 0, 0, 0})) == std::vector<P>{{0, 4}, {2, 0}});
    // Extreme levels survive.
    CHECK(pairs_of(encode({-32768, 32767})) == std::vector<P>{{0, -32768}, {0, 32767}});
}

TEST_CASE("the encoder's word layout", "[sparse][rlc]") {
    const auto s = encode({0, 0, 5, -1, 0, 0, 0, 9});  // pairs (2,5) (0,-1) (3,9): one word
    REQUIRE(s.words.size() == 1);
    const std::uint64_t expected = (std::uint64_t{2} << 16 | 5) | (std::uint64_t{0xffff} << 21) |
                                   ((std::uint64_t{3} << 16 | 9) << 42) | eap::rlc_last_word_flag;
    CHECK(s.words[0] == expected);
    const auto four = encode({1, 2, 3, 4});  // four pairs: two words, the flag on the second
    REQUIRE(four.words.size() == 2);
    CHECK((four.words[0] & eap::rlc_last_word_flag) == 0);
    CHECK(four.words[1] == (eap::rlc_last_word_flag | 4));
    CHECK(four.values == 4);
    CHECK(four.pairs == 4);
}

TEST_CASE("decode(encode(x)) == x", "[sparse][rlc]") {
    std::mt19937_64 rng(31);
    for (int trial = 0; trial < 400; ++trial) {
        const auto v = trial % 2 == 0 ? random_stream<std::int16_t>(rng) : adversarial_stream<std::int16_t>(rng);
        const auto code = encode(v);
        CHECK(code.words.size() == static_cast<std::size_t>((code.pairs + 2) / 3));
        CHECK(eap::run_length_decode(code) == v);
    }
    // 8-bit values are sign-extended into 16-bit levels.
    const std::vector<std::int8_t> bytes{0, -128, 0, 0, 127, -1, 0};
    const auto code = eap::run_length_encode(bytes.data(), 7);
    CHECK(eap::run_length_decode(code) == std::vector<std::int16_t>{0, -128, 0, 0, 127, -1, 0});
    // xtensor expressions are flattened row-major.
    const xt::xtensor<std::int16_t, 2> t{{0, 3, 0}, {0, 0, -4}};
    CHECK(eap::run_length_decode(eap::run_length_encode(t)) == std::vector<std::int16_t>{0, 3, 0, 0, 0, -4});
}

TEMPLATE_TEST_CASE("run_length_code_words equals the size of an actual encoding", "[sparse][rlc]", float,
                   std::int16_t, std::int8_t) {
    std::mt19937_64 rng(37);
    for (int trial = 0; trial < 300; ++trial) {
        const auto v = trial % 2 == 0 ? random_stream<TestType>(rng) : adversarial_stream<TestType>(rng);
        const std::int64_t expected = sparse_test::encoded_words(v.begin(), v.end());
        INFO("trial " << trial << " length " << v.size());
        for_each_arch([&](auto arch) {
            using Arch = decltype(arch);
            INFO("arch " << Arch::name());
            CHECK(eap::run_length_code_words<Arch>(v.data(), static_cast<std::int64_t>(v.size())) == expected);
        });
        CHECK(eap::run_length_code_words(xt::adapt(v)) == expected);
    }
    SECTION("all zeros and no zeros, around multiples of 64") {
        for (std::int64_t n : {0, 1, 31, 32, 33, 63, 64, 65, 127, 128, 129, 1000}) {
            const std::vector<TestType> zeros(static_cast<std::size_t>(n), TestType(0));
            const std::vector<TestType> ones(static_cast<std::size_t>(n), TestType(1));
            CHECK(eap::run_length_code_words(zeros.data(), n) == (n + 31) / 32 / 3 + ((n + 31) / 32 % 3 != 0));
            CHECK(eap::run_length_code_words(ones.data(), n) == (n + 2) / 3);
            CHECK(eap::run_length_code_words(zeros.data(), n) == sparse_test::encoded_words(zeros.begin(), zeros.end()));
        }
    }
}

TEST_CASE("run_length_code_words on unsigned and wide element types", "[sparse][rlc]") {
    std::mt19937_64 rng(39);
    for (int trial = 0; trial < 40; ++trial) {
        const auto u8 = adversarial_stream<std::uint8_t>(rng);
        const auto u16 = random_stream<std::uint16_t>(rng);
        const auto f64 = adversarial_stream<double>(rng);
        const auto i32 = random_stream<std::int32_t>(rng);
        CHECK(eap::run_length_code_words(u8.data(), static_cast<std::int64_t>(u8.size())) == sparse_test::encoded_words(u8.begin(), u8.end()));
        CHECK(eap::run_length_code_words(u16.data(), static_cast<std::int64_t>(u16.size())) == sparse_test::encoded_words(u16.begin(), u16.end()));
        CHECK(eap::run_length_code_words(f64.data(), static_cast<std::int64_t>(f64.size())) == sparse_test::encoded_words(f64.begin(), f64.end()));
        CHECK(eap::run_length_code_words(i32.data(), static_cast<std::int64_t>(i32.size())) == sparse_test::encoded_words(i32.begin(), i32.end()));
    }
}

TEST_CASE("a run of 32 zeros anywhere inside a 64-value chunk is found", "[sparse][rlc]") {
    // The counter looks at 64 values at a time: place every run length at every offset.
    for (std::int64_t zeros = 28; zeros <= 66; ++zeros) {
        for (std::int64_t offset = 0; offset < 70; ++offset) {
            std::vector<std::int8_t> v(200, 1);
            for (std::int64_t k = 0; k < zeros; ++k) v[static_cast<std::size_t>(offset + k)] = 0;
            const std::int64_t expected = sparse_test::encoded_words(v.begin(), v.end());
            for_each_arch([&](auto arch) {
                using Arch = decltype(arch);
                INFO("zeros " << zeros << " offset " << offset << " arch " << Arch::name());
                // Each value is a pair; the run adds one pair (level 0) per 32 zeros.
                CHECK(eap::run_length_code_pairs<Arch>(v.data(), 200) == (200 - zeros) + zeros / 32);
                CHECK(eap::run_length_code_words<Arch>(v.data(), 200) == expected);
            });
        }
    }
}

TEST_CASE("the decoder rejects malformed streams", "[sparse][rlc]") {
    const auto good = encode({0, 0, 5, -1, 0, 0, 0, 9, 0});  // 4 pairs, 2 words
    REQUIRE(eap::run_length_decode(good).size() == 9);
    auto missing_flag = good;
    missing_flag.words.back() &= ~eap::rlc_last_word_flag;
    CHECK_THROWS_AS(eap::run_length_decode(missing_flag), eap::argument_error);
    auto early_flag = good;
    early_flag.words.front() |= eap::rlc_last_word_flag;
    CHECK_THROWS_AS(eap::run_length_decode(early_flag), eap::argument_error);
    auto too_short = good;
    too_short.values = 5;
    CHECK_THROWS_WITH(eap::run_length_decode(too_short), Catch::Contains("runs past the end"));
    auto too_long = good;
    too_long.values = 12;
    CHECK_THROWS_WITH(eap::run_length_decode(too_long), Catch::Contains("the stream has 12"));
    auto padding = good;
    padding.words.back() |= std::uint64_t{1} << 50;  // the unused third slot
    CHECK_THROWS_WITH(eap::run_length_decode(padding), Catch::Contains("after the end"));
    auto extra = good;
    extra.words.back() &= ~eap::rlc_last_word_flag;
    extra.words.push_back(eap::rlc_last_word_flag | 1);
    CHECK_THROWS_AS(eap::run_length_decode(extra), eap::argument_error);
    eap::rlc_stream negative;
    negative.values = -1;
    CHECK_THROWS_AS(eap::run_length_decode(negative), eap::argument_error);
}

TEST_CASE("size counters reject NaN and negative lengths", "[sparse][rlc]") {
    const std::vector<float> v{0.0f, 1.0f, std::numeric_limits<float>::quiet_NaN(), 0.0f};
    for_each_arch([&](auto arch) {
        using Arch = decltype(arch);
        CHECK_THROWS_WITH(eap::run_length_code_words<Arch>(v.data(), 4), Catch::Contains("NaN"));
    });
    CHECK_THROWS_AS(eap::run_length_code_words(v.data(), -1), eap::argument_error);
    const std::vector<std::int16_t> i{1};
    CHECK_THROWS_AS(eap::run_length_encode(i.data(), -3), eap::argument_error);
}
