// The IDX reader (gzipped or raw) and the Fashion-MNIST loader, on small files made here.
#include <zlib.h>

#include <cstdint>
#include <filesystem>
#include <fstream>
#include <random>
#include <string>
#include <vector>

#include "catch.hpp"
#include "eap/data/fashion_mnist.hpp"
#include "eap/io/idx_reader.hpp"

namespace fs = std::filesystem;
using bytes = std::vector<std::uint8_t>;

namespace {

bytes idx_file(const std::vector<std::uint32_t>& dims, const bytes& values) {
    bytes out = {0, 0, 0x08, static_cast<std::uint8_t>(dims.size())};
    for (std::uint32_t d : dims)
        for (int shift = 24; shift >= 0; shift -= 8) out.push_back(static_cast<std::uint8_t>(d >> shift));
    out.insert(out.end(), values.begin(), values.end());
    return out;
}

bytes gzip(const bytes& raw) {
    z_stream s{};
    REQUIRE(deflateInit2(&s, 9, Z_DEFLATED, 16 + MAX_WBITS, 8, Z_DEFAULT_STRATEGY) == Z_OK);
    bytes out(deflateBound(&s, static_cast<uLong>(raw.size())) + 64);
    s.next_in = const_cast<Bytef*>(raw.data());
    s.avail_in = static_cast<uInt>(raw.size());
    s.next_out = out.data();
    s.avail_out = static_cast<uInt>(out.size());
    REQUIRE(deflate(&s, Z_FINISH) == Z_STREAM_END);
    out.resize(s.total_out);
    deflateEnd(&s);
    return out;
}

bytes counting_values(std::size_t n) {
    bytes v(n);
    for (std::size_t i = 0; i < n; ++i) v[i] = static_cast<std::uint8_t>(i * 7 + 3);
    return v;
}

void write(const fs::path& path, const bytes& content) {
    std::ofstream out(path, std::ios::binary);
    out.write(reinterpret_cast<const char*>(content.data()), static_cast<std::streamsize>(content.size()));
}

fs::path fresh_directory(const std::string& name) {
    const fs::path dir = fs::temp_directory_path() / ("eap_test_data_idx_" + name);
    fs::remove_all(dir);
    fs::create_directories(dir);
    return dir;
}

}  // namespace

TEST_CASE("IDX files parse raw and gzipped", "[data][idx]") {
    const bytes values = counting_values(60);
    const bytes raw = idx_file({3, 4, 5}, values);
    for (const bytes& file : {raw, gzip(raw)}) {
        const eap::idx_array a = eap::parse_idx(file, "test");
        CHECK(a.dims == std::vector<std::int64_t>{3, 4, 5});
        CHECK(a.values == values);
    }
    // A file larger than one 1 MiB read piece.
    const bytes big_values = counting_values((1u << 20) + 17);
    const auto big = eap::parse_idx(gzip(idx_file({static_cast<std::uint32_t>(big_values.size())}, big_values)), "big");
    CHECK(big.values == big_values);
}

TEST_CASE("malformed IDX content is a parse_error that says what is wrong", "[data][idx]") {
    auto fails_with = [](const bytes& file, const char* text) {
        CHECK_THROWS_AS(eap::parse_idx(file, "bad.idx"), eap::parse_error);
        CHECK_THROWS_WITH(eap::parse_idx(file, "bad.idx"), Catch::Contains("bad.idx") && Catch::Contains(text));
        CHECK_THROWS_AS(eap::parse_idx(gzip(file), "bad.idx"), eap::parse_error);
    };
    const bytes values = counting_values(12);
    fails_with({}, "truncated");
    fails_with({1, 0, 8, 1, 0, 0, 0, 1, 5}, "not an IDX file");
    fails_with({0, 0, 0x0D, 1, 0, 0, 0, 1, 5}, "not supported");
    fails_with({0, 0, 8, 0}, "dimensions");
    fails_with({0, 0, 8, 9}, "dimensions");
    fails_with(idx_file({3, 5}, values), "truncated");          // 15 announced, 12 present
    fails_with(idx_file({2, 5}, values), "after the data");     // 10 announced, 12 present
    CHECK_THROWS_WITH(eap::parse_idx(gzip(idx_file({2, 5}, values)), "bad.idx"), Catch::Contains("more data"));
    CHECK_THROWS_WITH(eap::parse_idx(idx_file({3, 4}, values), "bad.idx", 10), Catch::Contains("more than 10"));
    // 2^32 - 1 in every dimension: the count overflows nothing but is refused, without allocating.
    CHECK_THROWS_AS(eap::parse_idx(idx_file({0xffffffffu, 0xffffffffu, 0xffffffffu}, values), "bad.idx"),
                    eap::parse_error);

    // Gzip-level damage: bytes after the stream, a second member, a wrong CRC.
    const bytes good = gzip(idx_file({3, 4}, values));
    bytes trailing = good;
    trailing.push_back(0);
    CHECK_THROWS_WITH(eap::parse_idx(trailing, "bad.idx"), Catch::Contains("follow"));
    bytes twice = good;
    twice.insert(twice.end(), good.begin(), good.end());
    CHECK_THROWS_AS(eap::parse_idx(twice, "bad.idx"), eap::parse_error);
    bytes crc = good;
    crc[crc.size() - 6] ^= 0x40;
    CHECK_THROWS_WITH(eap::parse_idx(crc, "bad.idx"), Catch::Contains("corrupt"));
}

TEST_CASE("IDX fuzzing: truncations, random bytes and bit flips never crash", "[data][idx][fuzz]") {
    std::mt19937_64 rng(42);
    const bytes values = counting_values(3 * 7 * 6);
    const bytes raw = idx_file({3, 7, 6}, values);
    const bytes gz = gzip(raw);
    // Every truncation of both forms.
    for (const bytes& file : {raw, gz})
        for (std::size_t n = 0; n < file.size(); ++n) {
            INFO("truncated to " << n << " of " << file.size() << " bytes");
            CHECK_THROWS_AS(eap::parse_idx(bytes(file.begin(), file.begin() + static_cast<std::ptrdiff_t>(n)), "t"),
                            eap::parse_error);
        }
    // Random bytes, sometimes behind a valid magic.
    for (int trial = 0; trial < 2000; ++trial) {
        bytes noise(rng() % 300);
        for (auto& b : noise) b = static_cast<std::uint8_t>(rng());
        if (trial % 4 == 1 && noise.size() >= 2) noise[0] = 0x1f, noise[1] = 0x8b;
        if (trial % 4 == 2 && noise.size() >= 4) noise[0] = 0, noise[1] = 0, noise[2] = 8, noise[3] = static_cast<std::uint8_t>(1 + rng() % 3);
        try {
            (void)eap::parse_idx(noise, "noise");
        } catch (const eap::parse_error&) {
        }
    }
    // Bit flips: a gzipped file either still decodes to exactly the original (flips in header
    // fields zlib ignores) or is rejected; a raw file parses or is rejected.
    int rejected = 0, intact = 0;
    for (int trial = 0; trial < 3000; ++trial) {
        const bool use_gz = trial % 2 == 0;
        bytes file = use_gz ? gz : raw;
        const int flips = 1 + static_cast<int>(rng() % 3);
        for (int f = 0; f < flips; ++f) file[rng() % file.size()] ^= static_cast<std::uint8_t>(1u << (rng() % 8));
        try {
            const auto a = eap::parse_idx(file, "flipped");
            if (use_gz) {
                CHECK(a.values == values);
                CHECK(a.dims == std::vector<std::int64_t>{3, 7, 6});
                ++intact;
            }
        } catch (const eap::parse_error&) {
            ++rejected;
        }
    }
    CHECK(rejected > 1000);
    CHECK(intact > 0);
}

TEST_CASE("the Fashion-MNIST loader reads the four files and says how to install them", "[data][fashion_mnist]") {
    const fs::path empty = fresh_directory("missing");
    CHECK_FALSE(eap::data::fashion_mnist_available(empty));
    CHECK_THROWS_AS(eap::data::load_fashion_mnist(eap::data::fashion_mnist_split::train, empty), eap::io_error);
    CHECK_THROWS_WITH(eap::data::load_fashion_mnist(eap::data::fashion_mnist_split::test, empty),
                      Catch::Contains("apt-get install dataset-fashion-mnist") && Catch::Contains("t10k-images-idx3-ubyte.gz"));
    CHECK_THROWS_AS(eap::read_idx(empty / "nothing.gz"), eap::io_error);

    // A miniature data set in the real layout: 3 training and 2 test images of 2 x 3 pixels.
    const fs::path dir = fresh_directory("mini");
    const bytes train_pixels = {0, 255, 51, 102, 0, 0, 1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12};
    write(dir / "train-images-idx3-ubyte.gz", gzip(idx_file({3, 2, 3}, train_pixels)));
    write(dir / "train-labels-idx1-ubyte.gz", gzip(idx_file({3}, {9, 0, 4})));
    write(dir / "t10k-images-idx3-ubyte.gz", gzip(idx_file({2, 2, 3}, bytes(12, 255))));
    write(dir / "t10k-labels-idx1-ubyte.gz", gzip(idx_file({2}, {1, 2})));
    CHECK(eap::data::fashion_mnist_available(dir));
    const auto train = eap::data::load_fashion_mnist(eap::data::fashion_mnist_split::train, dir);
    REQUIRE(train.size() == 3);
    CHECK(train.images.shape() == std::array<std::size_t, 4>{3, 1, 2, 3});
    CHECK(train.images(0, 0, 0, 0) == 0.0f);
    CHECK(train.images(0, 0, 0, 1) == 1.0f);
    CHECK(train.images(0, 0, 0, 2) == Approx(0.2f));
    CHECK(train.labels(0) == 9);
    CHECK(train.labels(2) == 4);
    const auto part = eap::data::subset(train, 1, 2);
    CHECK(part.size() == 2);
    CHECK(part.images(0, 0, 0, 0) == Approx(1.0f / 255.0f));
    CHECK(part.labels(1) == 4);
    CHECK_THROWS_AS(eap::data::subset(train, 2, 2), eap::argument_error);
    CHECK(eap::data::load_fashion_mnist(eap::data::fashion_mnist_split::test, dir).size() == 2);

    // Labels that do not match the images, a label out of 0-9, a corrupt file.
    write(dir / "t10k-labels-idx1-ubyte.gz", gzip(idx_file({3}, {1, 2, 3})));
    CHECK_THROWS_WITH(eap::data::load_fashion_mnist(eap::data::fashion_mnist_split::test, dir), Catch::Contains("3 labels for 2 images"));
    write(dir / "t10k-labels-idx1-ubyte.gz", gzip(idx_file({2}, {1, 10})));
    CHECK_THROWS_WITH(eap::data::load_fashion_mnist(eap::data::fashion_mnist_split::test, dir), Catch::Contains("0-9"));
    bytes broken = gzip(idx_file({2}, {1, 2}));
    broken.resize(broken.size() - 3);
    write(dir / "t10k-labels-idx1-ubyte.gz", broken);
    CHECK_THROWS_AS(eap::data::load_fashion_mnist(eap::data::fashion_mnist_split::test, dir), eap::parse_error);
    fs::remove_all(dir);
    fs::remove_all(empty);
}
