// Exact non-skipped MAC counts against a brute-force per-MAC loop.
#include <cstdint>
#include <random>

#include "catch.hpp"
#include "sparse_test_support.hpp"

using sparse_test::brute_force_macs;
using sparse_test::for_each_arch;
using sparse_test::make_tensor;
using sparse_test::pattern;

namespace {

// Every architecture must give the brute-force count; returns it for further checks.
template <class W, class X>
std::int64_t check_all_archs(const W& w, const X& x, const eap::conv_shape& s, std::int64_t expected) {
    for_each_arch([&](auto arch) {
        using Arch = decltype(arch);
        INFO("arch " << Arch::name());
        CHECK(eap::count_nonskipped_macs<Arch>(w, x, s) == expected);
    });
    return expected;
}

}  // namespace

TEMPLATE_TEST_CASE("count_nonskipped_macs equals a per-MAC loop on random layers", "[sparse][macs]", float,
                   std::int16_t, std::int8_t) {
    std::mt19937_64 rng(20170721);
    for (int trial = 0; trial < 250; ++trial) {
        const eap::conv_shape s = sparse_test::random_layer(rng);
        const auto wp = sparse_test::random_pattern(rng), xp = sparse_test::random_pattern(rng);
        const auto w = make_tensor<TestType>(sparse_test::weight_shape(s), wp, rng);
        const auto x = make_tensor<TestType>(sparse_test::input_shape(s), xp, rng);
        INFO("trial " << trial << ": " << s << " weight pattern " << int(wp) << " input pattern " << int(xp));
        const std::int64_t expected = brute_force_macs(w, x, s);
        CHECK(eap::count_nonskipped_macs(w, x, s) == expected);
        check_all_archs(w, x, s, expected);
        if (wp == pattern::all_zero || xp == pattern::all_zero) CHECK(expected == 0);
    }
}

TEMPLATE_TEST_CASE("dense tensors give the dense MACs minus those on padding", "[sparse][macs]", float,
                   std::int16_t, std::int8_t) {
    std::mt19937_64 rng(7);
    // No padding: every MAC is non-skipped.
    const auto s = eap::conv_shape{}.with_batch(3).with_channels(6, 4).with_input(9, 11).with_kernel(3, 2).with_stride(2, 3).with_groups(2);
    const auto w = make_tensor<TestType>(sparse_test::weight_shape(s), pattern::all_nonzero, rng);
    const auto x = make_tensor<TestType>(sparse_test::input_shape(s), pattern::all_nonzero, rng);
    CHECK(eap::count_nonskipped_macs(w, x, s) == s.mac_count());
    // With padding the MACs on padded positions are skipped: fewer than dense, as brute force says.
    const auto padded = s.with_padding(eap::padding{2, 1, 0, 3});
    const auto xp = make_tensor<TestType>(sparse_test::input_shape(padded), pattern::all_nonzero, rng);
    const auto expected = brute_force_macs(w, xp, padded);
    CHECK(expected < padded.mac_count());
    check_all_archs(w, xp, padded, expected);
}

TEMPLATE_TEST_CASE("depthwise, 1x1 and strided layers", "[sparse][macs]", float, std::int16_t, std::int8_t) {
    std::mt19937_64 rng(11);
    const eap::conv_shape shapes[] = {
        // depthwise 3x3, multiplier 1, stride 1 and 2 (MobileNet)
        eap::conv_shape{}.with_batch(2).with_channels(8, 8).with_input(14, 14).with_kernel(3, 3).with_padding(1).with_groups(8),
        eap::conv_shape{}.with_batch(2).with_channels(8, 8).with_input(14, 13).with_kernel(3, 3).with_stride(2).with_padding(eap::padding{0, 1, 0, 1}).with_groups(8),
        // depthwise with channel multiplier 3
        eap::conv_shape{}.with_batch(1).with_channels(5, 15).with_input(10, 7).with_kernel(5, 3).with_padding(2).with_groups(5),
        // 1x1, stride 1 and 2 (ResNet projection)
        eap::conv_shape{}.with_batch(3).with_channels(16, 12).with_input(9, 9),
        eap::conv_shape{}.with_batch(3).with_channels(16, 12).with_input(9, 10).with_stride(2),
        // AlexNet conv1-like: 11x11 stride 4, and conv2-like: 5x5 pad 2 groups 2
        eap::conv_shape{}.with_batch(2).with_channels(3, 4).with_input(35, 35).with_kernel(11, 11).with_stride(4),
        eap::conv_shape{}.with_batch(2).with_channels(8, 6).with_input(13, 13).with_kernel(5, 5).with_padding(2).with_groups(2),
        // strides 1..4 on each axis independently, kernel larger than the stride and smaller
        eap::conv_shape{}.with_batch(2).with_channels(3, 2).with_input(17, 19).with_kernel(2, 5).with_stride(4, 1).with_padding(eap::padding{3, 0, 1, 2}),
        eap::conv_shape{}.with_batch(2).with_channels(3, 2).with_input(17, 19).with_kernel(5, 2).with_stride(1, 4).with_padding(eap::padding{0, 3, 2, 1}),
        eap::conv_shape{}.with_batch(2).with_channels(3, 2).with_input(16, 16).with_kernel(3, 3).with_stride(3, 2).with_padding(eap::padding{1, 2, 2, 1}),
        // kernel as large as the padded input (a single output)
        eap::conv_shape{}.with_batch(2).with_channels(2, 3).with_input(4, 5).with_kernel(6, 6).with_padding(eap::padding{1, 1, 0, 1}),
    };
    for (const auto& s : shapes) {
        for (const pattern p : {pattern::random, pattern::zero_rows, pattern::zero_channels}) {
            INFO(s << " pattern " << int(p));
            const auto w = make_tensor<TestType>(sparse_test::weight_shape(s), pattern::random, rng);
            const auto x = make_tensor<TestType>(sparse_test::input_shape(s), p, rng);
            check_all_archs(w, x, s, brute_force_macs(w, x, s));
        }
    }
}

TEMPLATE_TEST_CASE("fully-connected layers as 2-D and 4-D tensors", "[sparse][macs][fc]", float, std::int16_t,
                   std::int8_t) {
    std::mt19937_64 rng(13);
    for (int trial = 0; trial < 20; ++trial) {
        const std::int64_t c = sparse_test::uniform(rng, 1, 9), h = sparse_test::uniform(rng, 1, 5),
                           w_ = sparse_test::uniform(rng, 1, 5), m = sparse_test::uniform(rng, 1, 40),
                           n = sparse_test::uniform(rng, 1, 6);
        const auto s = eap::conv_shape::fully_connected(eap::fmap_shape{c, h, w_}, m, n);
        REQUIRE(s.is_fully_connected());
        const auto w4 = make_tensor<TestType>(sparse_test::weight_shape(s), sparse_test::random_pattern(rng), rng);
        const auto x4 = make_tensor<TestType>(sparse_test::input_shape(s), sparse_test::random_pattern(rng), rng);
        const std::int64_t expected = brute_force_macs(w4, x4, s);
        INFO(s);
        check_all_archs(w4, x4, s, expected);
        // The same values as (M, K) weights and (N, K) inputs, and mixed 2-D / 4-D.
        const xt::xtensor<TestType, 2> w2 = xt::reshape_view(w4, {m, c * h * w_});
        const xt::xtensor<TestType, 2> x2 = xt::reshape_view(x4, {n, c * h * w_});
        check_all_archs(w2, x2, s, expected);
        check_all_archs(w2, x4, s, expected);
        check_all_archs(w4, x2, s, expected);
    }
}

TEST_CASE("mixed element types and long tensors that need the accumulator flushes", "[sparse][macs]") {
    std::mt19937_64 rng(17);
    SECTION("int8 weights, float inputs") {
        const auto s = eap::conv_shape{}.with_batch(5).with_channels(6, 9).with_input(12, 10).with_kernel(3, 3).with_padding(1).with_stride(1, 2);
        const auto w = make_tensor<std::int8_t>(sparse_test::weight_shape(s), pattern::random, rng);
        const auto x = make_tensor<float>(sparse_test::input_shape(s), pattern::random, rng);
        check_all_archs(w, x, s, brute_force_macs(w, x, s));
    }
    SECTION("batch of 300 images: 8- and 16-bit counters are flushed before they overflow") {
        const auto s = eap::conv_shape{}.with_batch(300).with_channels(2, 3).with_input(6, 5).with_kernel(3, 2).with_padding(1);
        const auto w = make_tensor<std::int8_t>(sparse_test::weight_shape(s), pattern::all_nonzero, rng);
        const auto x8 = make_tensor<std::int8_t>(sparse_test::input_shape(s), pattern::random, rng);
        check_all_archs(w, x8, s, brute_force_macs(w, x8, s));
        const auto dense = make_tensor<std::int8_t>(sparse_test::input_shape(s), pattern::all_nonzero, rng);
        check_all_archs(w, dense, s, brute_force_macs(w, dense, s));
    }
    SECTION("300 filters in a group, images longer than one block of the activation pass") {
        const auto s = eap::conv_shape{}.with_batch(2).with_channels(3, 300).with_input(100, 70).with_kernel(1, 2).with_stride(3, 2);
        const auto w = make_tensor<std::int8_t>(sparse_test::weight_shape(s), pattern::random, rng);
        const auto x = make_tensor<std::int8_t>(sparse_test::input_shape(s), pattern::zero_rows, rng);
        check_all_archs(w, x, s, brute_force_macs(w, x, s));
        const xt::xtensor<float, 4> xf = xt::cast<float>(x);
        const xt::xtensor<std::int16_t, 4> w16 = xt::cast<std::int16_t>(w);
        check_all_archs(w16, xf, s, brute_force_macs(w, x, s));
    }
    SECTION("unsigned 8- and 16-bit tensors (quantised activations), batch of 300") {
        const auto s = eap::conv_shape{}.with_batch(300).with_channels(2, 3).with_input(6, 5).with_kernel(3, 2).with_padding(1).with_stride(2, 1);
        const auto w = make_tensor<std::uint16_t>(sparse_test::weight_shape(s), pattern::random, rng);
        const auto x = make_tensor<std::uint8_t>(sparse_test::input_shape(s), pattern::random, rng);
        check_all_archs(w, x, s, brute_force_macs(w, x, s));
        const auto dense = make_tensor<std::uint8_t>(sparse_test::input_shape(s), pattern::all_nonzero, rng);
        check_all_archs(w, dense, s, brute_force_macs(w, dense, s));
    }
    SECTION("double and int32 tensors") {
        const auto s = eap::conv_shape{}.with_batch(3).with_channels(4, 5).with_input(11, 9).with_kernel(3, 3).with_stride(2).with_padding(1);
        const auto w = make_tensor<double>(sparse_test::weight_shape(s), pattern::random, rng);
        const auto x = make_tensor<std::int32_t>(sparse_test::input_shape(s), pattern::random, rng);
        check_all_archs(w, x, s, brute_force_macs(w, x, s));
    }
}

TEST_CASE("any xtensor expression is accepted", "[sparse][macs]") {
    std::mt19937_64 rng(19);
    const auto s = eap::conv_shape{}.with_batch(2).with_channels(4, 3).with_input(8, 7).with_kernel(3, 3).with_padding(1);
    const auto w = make_tensor<float>(sparse_test::weight_shape(s), pattern::random, rng);
    const auto x = make_tensor<float>(sparse_test::input_shape(s), pattern::random, rng);
    const std::int64_t expected = brute_force_macs(w, x, s);
    // A lazy expression (no memory of its own), a strided view of a larger tensor, a column-major
    // copy, an xarray and an adapted buffer.
    CHECK(eap::count_nonskipped_macs(w, xt::where(x > 0.0f, x, -x), s) == expected);
    xt::xtensor<float, 4> wider = xt::zeros<float>({2ul, 8ul, 8ul, 7ul});
    xt::view(wider, xt::all(), xt::range(0, 8, 2), xt::all(), xt::all()) = x;
    CHECK(eap::count_nonskipped_macs(w, xt::view(wider, xt::all(), xt::range(0, 8, 2), xt::all(), xt::all()), s) == expected);
    xt::xtensor<float, 4, xt::layout_type::column_major> column_major = x;
    CHECK(eap::count_nonskipped_macs(w, column_major, s) == expected);
    const xt::xarray<float> dynamic = w;
    CHECK(eap::count_nonskipped_macs(dynamic, x * 2.0f, s) == expected);
    std::vector<float> buffer(x.begin(), x.end());
    CHECK(eap::count_nonskipped_macs(w, xt::adapt(buffer, std::vector<std::size_t>{2, 4, 8, 7}), s) == expected);
}
