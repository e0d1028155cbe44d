// Zero statistics of tensors, the energy model's exact-sparsity record, and bad input.
#include <cstdint>
#include <limits>
#include <random>

#include "catch.hpp"
#include "sparse_test_support.hpp"

using sparse_test::brute_force_macs;
using sparse_test::for_each_arch;
using sparse_test::make_tensor;
using sparse_test::pattern;

namespace {

template <class T>
std::int64_t nonzeros(const xt::xtensor<T, 4>& t) {
    std::int64_t n = 0;
    for (auto v : t) n += v != 0;
    return n;
}

// Words of one run-length stream per image (axis 0), by the reference encoder.
template <class T>
std::int64_t per_image_words(const xt::xtensor<T, 4>& t, std::size_t image) {
    auto view = xt::view(t, image, xt::all(), xt::all(), xt::all());
    const xt::xtensor<T, 3> copy = view;
    return sparse_test::encoded_words(copy.begin(), copy.end());
}

}  // namespace

TEMPLATE_TEST_CASE("fmap and weight statistics count every zero and size every stream", "[sparse][stats]", float,
                   std::int16_t, std::int8_t) {
    std::mt19937_64 rng(41);
    for (int trial = 0; trial < 60; ++trial) {
        // Planes of 1..400 values: below and above the 64-value switch between the two passes.
        const std::array<std::size_t, 4> shape{static_cast<std::size_t>(sparse_test::uniform(rng, 1, 5)),
                                               static_cast<std::size_t>(sparse_test::uniform(rng, 1, 6)),
                                               static_cast<std::size_t>(sparse_test::uniform(rng, 1, 20)),
                                               static_cast<std::size_t>(sparse_test::uniform(rng, 1, 20))};
        const auto p = sparse_test::random_pattern(rng);
        const auto t = make_tensor<TestType>(shape, p, rng);
        INFO("trial " << trial << " pattern " << int(p) << " shape " << shape[0] << 'x' << shape[1] << 'x' << shape[2] << 'x' << shape[3]);
        for_each_arch([&](auto arch) {
            using Arch = decltype(arch);
            INFO("arch " << Arch::name());
            const eap::fmap_statistics f = eap::fmap_statistics_of<Arch>(t);
            CHECK(f.batch == static_cast<std::int64_t>(shape[0]));
            CHECK(f.channels == static_cast<std::int64_t>(shape[1]));
            CHECK(f.values == static_cast<std::int64_t>(t.size()));
            CHECK(f.nonzeros == nonzeros(t));
            std::int64_t words = 0;
            for (std::size_t n = 0; n < shape[0]; ++n) {
                const auto image = xt::view(t, xt::keep(n), xt::all(), xt::all(), xt::all());
                CHECK(f.nonzeros_per_image[n] == nonzeros(xt::xtensor<TestType, 4>(image)));
                CHECK(f.rlc_words_per_image[n] == per_image_words(t, n));
                words += per_image_words(t, n);
            }
            CHECK(f.rlc_words == words);
            for (std::size_t c = 0; c < shape[1]; ++c) {
                const auto channel = xt::view(t, xt::all(), xt::keep(c), xt::all(), xt::all());
                const std::int64_t expected = nonzeros(xt::xtensor<TestType, 4>(channel));
                CHECK(f.nonzeros_per_channel[c] == expected);
                CHECK(f.channel_density(static_cast<std::int64_t>(c)) == Approx(double(expected) / (shape[0] * shape[2] * shape[3])));
            }
            CHECK(f.density() == Approx(double(nonzeros(t)) / t.size()));

            // The same tensor read as weights: axis 0 is the filter, one stream.
            const eap::weight_statistics w = eap::weight_statistics_of<Arch>(t);
            CHECK(w.filters == static_cast<std::int64_t>(shape[0]));
            CHECK(w.nonzeros == nonzeros(t));
            CHECK(w.rlc_words == sparse_test::encoded_words(t.begin(), t.end()));
            for (std::size_t m = 0; m < shape[0]; ++m) {
                const auto filter = xt::view(t, xt::keep(m), xt::all(), xt::all(), xt::all());
                CHECK(w.nonzeros_per_filter[m] == nonzeros(xt::xtensor<TestType, 4>(filter)));
            }
        });
    }
}

TEST_CASE("2-D feature maps: one stream per row, one channel per column", "[sparse][stats]") {
    const xt::xtensor<float, 2> x{{0.0f, 1.0f, 0.0f}, {2.0f, 0.0f, 0.0f}};
    const auto f = eap::fmap_statistics_of(x);
    CHECK(f.batch == 2);
    CHECK(f.channels == 3);
    CHECK(f.nonzeros_per_channel == std::vector<std::int64_t>{1, 1, 0});
    CHECK(f.nonzeros_per_image == std::vector<std::int64_t>{1, 1});
    CHECK(f.rlc_words_per_image == std::vector<std::int64_t>{1, 1});  // (1,1)(0,0) and (0,2)(1,0)
    CHECK(f.rlc_pairs == 4);
    CHECK(f.channel_density(2) == 0.0);
    CHECK_THROWS_AS(f.channel_density(3), eap::argument_error);
}

TEMPLATE_TEST_CASE("count_layer_sparsity fills the energy model's record exactly", "[sparse][layer]", float,
                   std::int16_t, std::int8_t) {
    std::mt19937_64 rng(43);
    for (int trial = 0; trial < 40; ++trial) {
        const eap::conv_shape s = sparse_test::random_layer(rng);
        const auto w = make_tensor<TestType>(sparse_test::weight_shape(s), sparse_test::random_pattern(rng), rng);
        const auto x = make_tensor<TestType>(sparse_test::input_shape(s), sparse_test::random_pattern(rng), rng);
        const auto y = make_tensor<TestType>(sparse_test::output_shape(s), sparse_test::random_pattern(rng), rng);
        INFO("trial " << trial << ": " << s);
        std::int64_t input_words = 0, output_words = 0;
        for (std::int64_t n = 0; n < s.batch; ++n) {
            input_words += per_image_words(x, static_cast<std::size_t>(n));
            output_words += per_image_words(y, static_cast<std::size_t>(n));
        }
        for_each_arch([&](auto arch) {
            using Arch = decltype(arch);
            INFO("arch " << Arch::name());
            const eap::layer_sparse_counts c = eap::count_layer_sparsity<Arch>(w, x, y, s);
            CHECK(c.batch == s.batch);
            CHECK(c.weights == s.weight_count());
            CHECK(c.nonzero_weights == nonzeros(w));
            CHECK(c.ifmap_values == s.ifmap_size());
            CHECK(c.nonzero_ifmap_values == nonzeros(x));
            CHECK(c.ofmap_values == s.ofmap_size());
            CHECK(c.nonzero_ofmap_values == nonzeros(y));
            CHECK(c.dense_macs == s.mac_count());
            CHECK(c.nonskipped_macs == brute_force_macs(w, x, s));
            CHECK(c.weight_rlc_words == sparse_test::encoded_words(w.begin(), w.end()));
            CHECK(c.ifmap_rlc_words == input_words);
            CHECK(c.ofmap_rlc_words == output_words);

            // Without outputs the ofmaps count as dense.
            const eap::layer_sparse_counts d = eap::count_layer_sparsity<Arch>(w, x, s);
            CHECK(d.nonskipped_macs == c.nonskipped_macs);
            CHECK(d.ifmap_rlc_words == c.ifmap_rlc_words);
            CHECK(d.weight_rlc_words == c.weight_rlc_words);
            CHECK(d.nonzero_ofmap_values == s.ofmap_size());
            CHECK(d.ofmap_rlc_words == s.batch * ((s.output_fmap().size() + 2) / 3));
        });
    }
}

TEST_CASE("count_layer_sparsity on a fully-connected layer with 2-D tensors", "[sparse][layer][fc]") {
    std::mt19937_64 rng(47);
    const auto s = eap::conv_shape::fully_connected(eap::fmap_shape{4, 3, 3}, 10, 3);
    const auto w4 = make_tensor<float>(sparse_test::weight_shape(s), pattern::random, rng);
    const auto x4 = make_tensor<float>(sparse_test::input_shape(s), pattern::random, rng);
    const xt::xtensor<float, 2> w2 = xt::reshape_view(w4, {10, 36});
    const xt::xtensor<float, 2> x2 = xt::reshape_view(x4, {3, 36});
    xt::xtensor<float, 2> y2({3, 10});
    sparse_test::fill_random(y2, 0.5, rng);
    const auto c = eap::count_layer_sparsity(w2, x2, y2, s);
    CHECK(c.nonskipped_macs == brute_force_macs(w4, x4, s));
    CHECK(c.weight_rlc_words == sparse_test::encoded_words(w4.begin(), w4.end()));
    std::int64_t y_nonzeros = 0, y_words = 0;
    for (std::size_t n = 0; n < 3; ++n) {
        const xt::xtensor<float, 1> row = xt::view(y2, n, xt::all());
        y_words += sparse_test::encoded_words(row.begin(), row.end());
        for (auto v : row) y_nonzeros += v != 0;
    }
    CHECK(c.nonzero_ofmap_values == y_nonzeros);
    CHECK(c.ofmap_rlc_words == y_words);
}

TEST_CASE("bad input gives a clear error", "[sparse][errors]") {
    const auto s = eap::conv_shape{}.with_batch(2).with_channels(4, 6).with_input(8, 8).with_kernel(3, 3).with_padding(1).with_groups(2);
    xt::xtensor<float, 4> w = xt::ones<float>({6ul, 2ul, 3ul, 3ul});
    xt::xtensor<float, 4> x = xt::ones<float>({2ul, 4ul, 8ul, 8ul});
    xt::xtensor<float, 4> y = xt::ones<float>({2ul, 6ul, 8ul, 8ul});
    REQUIRE(eap::count_nonskipped_macs(w, x, s) == brute_force_macs(w, x, s));

    SECTION("a tensor that does not match the layer names the tensor, axis and sizes") {
        const xt::xtensor<float, 4> w_wrong_c = xt::ones<float>({6ul, 4ul, 3ul, 3ul});  // C instead of C/groups
        CHECK_THROWS_AS(eap::count_nonskipped_macs(w_wrong_c, x, s), eap::shape_error);
        CHECK_THROWS_WITH(eap::count_nonskipped_macs(w_wrong_c, x, s),
                          Catch::Contains("eap::count_nonskipped_macs") && Catch::Contains("weights axis 1") &&
                              Catch::Contains("has size 4") && Catch::Contains("needs 2"));
        const xt::xtensor<float, 4> x_wrong_h = xt::ones<float>({2ul, 4ul, 9ul, 8ul});
        CHECK_THROWS_WITH(eap::count_nonskipped_macs(w, x_wrong_h, s),
                          Catch::Contains("inputs axis 2 (H, height) has size 9") && Catch::Contains("needs 8"));
        const xt::xtensor<float, 4> x_wrong_n = xt::ones<float>({3ul, 4ul, 8ul, 8ul});
        CHECK_THROWS_WITH(eap::count_nonskipped_macs(w, x_wrong_n, s), Catch::Contains("inputs axis 0 (N, batch)"));
        const xt::xtensor<float, 4> y_wrong_e = xt::ones<float>({2ul, 6ul, 7ul, 8ul});
        CHECK_THROWS_WITH(eap::count_layer_sparsity(w, x, y_wrong_e, s),
                          Catch::Contains("eap::count_layer_sparsity") && Catch::Contains("outputs axis 2 (E, height) has size 7"));
        const xt::xtensor<float, 3> x3 = xt::ones<float>({4ul, 8ul, 8ul});
        CHECK_THROWS_WITH(eap::count_nonskipped_macs(w, x3, s), Catch::Contains("inputs has 3 dimensions"));
        const xt::xtensor<float, 2> w2 = xt::ones<float>({6ul, 18ul});
        CHECK_THROWS_WITH(eap::count_nonskipped_macs(w2, x, s), Catch::Contains("needs a fully-connected conv_shape"));
        CHECK_THROWS_AS(eap::weight_statistics_of(xt::xtensor<float, 0>()), eap::shape_error);
        CHECK_THROWS_AS(eap::fmap_statistics_of(xt::xtensor<float, 3>(xt::ones<float>({2ul, 2ul, 2ul}))), eap::shape_error);
    }
    SECTION("an impossible layer") {
        CHECK_THROWS_AS(eap::count_nonskipped_macs(w, x, s.with_groups(3)), eap::shape_error);
        CHECK_THROWS_AS(eap::count_nonskipped_macs(w, x, s.with_stride(0)), eap::shape_error);
    }
    SECTION("NaN anywhere is an argument_error naming the tensor") {
        for_each_arch([&](auto arch) {
            using Arch = decltype(arch);
            INFO("arch " << Arch::name());
            auto wn = w;
            wn(5, 1, 2, 2) = std::numeric_limits<float>::quiet_NaN();
            CHECK_THROWS_AS(eap::count_nonskipped_macs<Arch>(wn, x, s), eap::argument_error);
            CHECK_THROWS_WITH(eap::count_nonskipped_macs<Arch>(wn, x, s), Catch::Contains("weights contain a NaN"));
            auto xn = x;
            xn(1, 0, 0, 3) = -std::numeric_limits<float>::quiet_NaN();
            CHECK_THROWS_WITH(eap::count_nonskipped_macs<Arch>(w, xn, s), Catch::Contains("inputs contain a NaN"));
            CHECK_THROWS_WITH(eap::count_layer_sparsity<Arch>(w, xn, y, s), Catch::Contains("inputs contain a NaN"));
            auto yn = y;
            yn(0, 5, 7, 7) = std::numeric_limits<float>::quiet_NaN();
            CHECK_THROWS_WITH(eap::count_layer_sparsity<Arch>(w, x, yn, s),
                              Catch::Contains("eap::count_layer_sparsity: outputs contain a NaN"));
            CHECK_THROWS_WITH(eap::fmap_statistics_of<Arch>(xn), Catch::Contains("eap::fmap_statistics_of: fmaps contain a NaN"));
            CHECK_THROWS_WITH(eap::weight_statistics_of<Arch>(wn), Catch::Contains("weights contain a NaN"));
            // Infinity is a value like any other.
            auto xi = x;
            xi(0, 0, 0, 0) = std::numeric_limits<float>::infinity();
            CHECK(eap::count_nonskipped_macs<Arch>(w, xi, s) == brute_force_macs(w, x, s));
        });
    }
}
