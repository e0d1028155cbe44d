#include <random>

#include "catch.hpp"
#include "eap/shape/conv_shape.hpp"
#include "eap/shape/pool_shape.hpp"

using eap::conv_shape;

namespace {
// Output size by counting the window positions one by one.
std::int64_t count_positions(std::int64_t size, std::int64_t before, std::int64_t after, std::int64_t kernel,
                             std::int64_t stride) {
    std::int64_t n = 0;
    for (std::int64_t start = -before; start + kernel <= size + after; start += stride) ++n;
    return n;
}
}  // namespace

TEST_CASE("conv_shape derived sizes agree with counting window positions", "[shape]") {
    std::mt19937_64 rng(7);
    std::uniform_int_distribution<int> small(1, 9), pad(0, 3), stride(1, 4);
    for (int trial = 0; trial < 2000; ++trial) {
        conv_shape s;
        s.batch = small(rng);
        s.groups = small(rng) % 3 + 1;
        s.in_channels = s.groups * small(rng);
        s.out_channels = s.groups * small(rng);
        s.in_height = small(rng) + 2;
        s.in_width = small(rng) + 2;
        s.kernel_height = small(rng) % 5 + 1;
        s.kernel_width = small(rng) % 5 + 1;
        s.stride_height = stride(rng);
        s.stride_width = stride(rng);
        s.pad = eap::padding{pad(rng), pad(rng), pad(rng), pad(rng)};
        if (s.kernel_height > s.padded_height() || s.kernel_width > s.padded_width()) {
            CHECK_THROWS_AS(s.validate(), eap::shape_error);
            continue;
        }
        REQUIRE_NOTHROW(s.validate());
        const auto e = count_positions(s.in_height, s.pad.top, s.pad.bottom, s.kernel_height, s.stride_height);
        const auto f = count_positions(s.in_width, s.pad.left, s.pad.right, s.kernel_width, s.stride_width);
        CHECK(s.out_height() == e);
        CHECK(s.out_width() == f);
        // MACs by brute force: every output position meets C/groups x R x S weights.
        CHECK(s.mac_count() == s.batch * s.out_channels * e * f * (s.in_channels / s.groups) * s.kernel_height * s.kernel_width);
        CHECK(s.weight_count() == s.out_channels * (s.in_channels / s.groups) * s.kernel_height * s.kernel_width);
        CHECK(s.ifmap_size() == s.batch * s.in_channels * s.in_height * s.in_width);
        CHECK(s.ofmap_size() == s.batch * s.out_channels * e * f);
    }
}

TEST_CASE("conv_shape works in constant expressions", "[shape]") {
    constexpr auto conv1 = conv_shape{}.with_channels(3, 96).with_input(227, 227).with_kernel(11, 11).with_stride(4).validated();
    static_assert(conv1.out_height() == 55 && conv1.out_width() == 55);
    static_assert(conv1.mac_count() == 105415200);
    static_assert(eap::static_conv<96, 256, 27, 27, 5, 5, 1, 2, 2>::value.weight_count() == 307200);
    static_assert(eap::static_fc<9216, 4096, 16>::value.mac_count() == 16 * 37748736);
    static_assert(eap::static_conv<32, 32, 112, 112, 3, 3, 1, 1, 32>::value.is_depthwise());
    constexpr auto fc = conv_shape::fully_connected(eap::fmap_shape{256, 6, 6}, 4096);
    static_assert(fc.is_fully_connected() && fc.out_height() == 1 && fc.weight_count() == 37748736);
    CHECK(conv1.output_fmap() == eap::fmap_shape{96, 55, 55});
}

TEST_CASE("conv_shape rejects impossible shapes with messages that name the field", "[shape]") {
    const conv_shape ok = conv_shape{}.with_channels(4, 8).with_input(8, 8).with_kernel(3, 3);
    CHECK_NOTHROW(ok.validate());
    CHECK_THROWS_WITH(ok.with_batch(0).validate(), Catch::Contains("batch must be at least 1"));
    CHECK_THROWS_WITH(ok.with_channels(0, 8).validate(), Catch::Contains("in_channels must be at least 1"));
    CHECK_THROWS_WITH(ok.with_groups(3).validate(), Catch::Contains("in_channels must be divisible by groups"));
    CHECK_THROWS_WITH(ok.with_channels(4, 6).with_groups(4).validate(), Catch::Contains("out_channels must be divisible"));
    CHECK_THROWS_WITH(ok.with_kernel(9, 3).validate(), Catch::Contains("kernel_height is larger than the padded input height"));
    CHECK_NOTHROW(ok.with_kernel(9, 3).with_padding(eap::padding{1, 0, 0, 0}).validate());
    CHECK_THROWS_WITH(ok.with_kernel(3, 11).with_padding(1).validate(), Catch::Contains("kernel_width is larger than the padded input width"));
    CHECK_THROWS_WITH(ok.with_stride(0).validate(), Catch::Contains("stride_height must be at least 1"));
    CHECK_THROWS_WITH(ok.with_padding(eap::padding{0, 0, -1, 0}).validate(), Catch::Contains("pad.left must not be negative"));
    CHECK_THROWS_AS(ok.with_groups(0).validate(), eap::shape_error);
}

TEST_CASE("conv_shape counts are 64-bit and overflow-checked", "[shape]") {
    // VGG-16 conv1_2 at batch 2^20 passes 2^40 MACs without trouble...
    const conv_shape big = conv_shape{}.with_batch(1 << 20).with_channels(64, 64).with_input(224, 224).with_kernel(3, 3).with_padding(1);
    CHECK(big.mac_count() == std::int64_t{1849688064} * (1 << 20));
    // ...but a product beyond 2^63 throws instead of wrapping.
    const conv_shape huge = big.with_batch(std::int64_t{1} << 40);
    CHECK_THROWS_AS(huge.mac_count(), eap::overflow_error);
    CHECK_THROWS_AS(huge.validate(), eap::overflow_error);
    CHECK_THROWS_AS(conv_shape{}.with_input(std::int64_t{1} << 62, 1).with_padding(std::int64_t{1} << 62).padded_height(),
                    eap::overflow_error);
}

TEST_CASE("pool_params output follows Caffe's rounding", "[shape]") {
    using eap::pool_params;
    const auto floor3 = pool_params::window(eap::pool_method::max, 3, 2);
    const auto ceil3 = pool_params::window(eap::pool_method::max, 3, 2, 0, true);
    CHECK(floor3.output({96, 55, 55}) == eap::fmap_shape{96, 27, 27});
    CHECK(ceil3.output({64, 112, 112}) == eap::fmap_shape{64, 56, 56});   // GoogLeNet pool1
    CHECK(floor3.output({64, 112, 112}) == eap::fmap_shape{64, 55, 55});
    CHECK(ceil3.output({96, 111, 111}) == eap::fmap_shape{96, 55, 55});   // SqueezeNet pool1
    CHECK(ceil3.output({1, 14, 14}) == eap::fmap_shape{1, 7, 7});
    // With padding, Caffe drops a last window that would start in the bottom padding.
    const auto padded = pool_params::window(eap::pool_method::max, 2, 2, 1, true);
    CHECK(padded.output({1, 4, 4}) == eap::fmap_shape{1, 3, 3});
    CHECK(pool_params::global_pool(eap::pool_method::average).output({1024, 7, 7}) == eap::fmap_shape{1024, 1, 1});
    CHECK_THROWS_AS(floor3.output({1, 2, 2}), eap::shape_error);
    CHECK_THROWS_WITH(pool_params::window(eap::pool_method::max, 2, 0).output({1, 4, 4}), Catch::Contains("stride"));
}
