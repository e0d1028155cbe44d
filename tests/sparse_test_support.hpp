// Shared helpers of the sparse-counting tests: random tensors with chosen zero patterns, random
// layer shapes, brute-force references, and the list of kernel architectures this translation
// unit can run.
#pragma once

#include <algorithm>
#include <array>
#include <cstdint>
#include <limits>
#include <random>
#include <tuple>
#include <type_traits>
#include <vector>

#include "eap/eap.hpp"

namespace sparse_test {

/// Every architecture the test binary was compiled for, plus the scalar kernels.
template <class F>
void for_each_arch(F&& f) {
    f(eap::scalar_arch{});
#if XSIMD_WITH_SSE2
    f(xsimd::sse2{});
#endif
#if XSIMD_WITH_AVX2
    f(xsimd::avx2{});
#endif
#if XSIMD_WITH_AVX512BW
    f(xsimd::avx512bw{});
#endif
}

/// A non-zero value of type T: random sign and magnitude, including the extremes of integers.
template <class T>
T random_nonzero(std::mt19937_64& rng) {
    if constexpr (std::is_floating_point<T>::value) {
        std::uniform_real_distribution<double> magnitude(1e-3, 4.0);
        const double v = std::bernoulli_distribution(0.5)(rng) ? magnitude(rng) : -magnitude(rng);
        return static_cast<T>(v);
    } else {
        std::uniform_int_distribution<std::int64_t> value(std::numeric_limits<T>::min(), std::numeric_limits<T>::max());
        T v = 0;
        while (v == 0) v = static_cast<T>(value(rng));
        return v;
    }
}

/// A zero of type T; for floating point, -0.0 half of the time (it must count as zero).
template <class T>
T random_zero(std::mt19937_64& rng) {
    if constexpr (std::is_floating_point<T>::value) {
        return std::bernoulli_distribution(0.5)(rng) ? T(0) : -T(0);
    } else {
        (void)rng;
        return T(0);
    }
}

/// Fills `t` with non-zeros of probability `density`.
template <class Tensor>
void fill_random(Tensor& t, double density, std::mt19937_64& rng) {
    using T = typename Tensor::value_type;
    std::bernoulli_distribution keep(density);
    for (auto& v : t) v = keep(rng) ? random_nonzero<T>(rng) : random_zero<T>(rng);
}

/// Zero patterns a test tensor is drawn with.
enum class pattern { random, all_zero, all_nonzero, zero_rows, zero_channels };

inline pattern random_pattern(std::mt19937_64& rng) {
    switch (std::uniform_int_distribution<int>(0, 9)(rng)) {
    case 0: return pattern::all_zero;
    case 1: return pattern::all_nonzero;
    case 2: return pattern::zero_rows;
    case 3: return pattern::zero_channels;
    default: return pattern::random;
    }
}

/// A 4-D tensor (axes 0..3) filled with `p`: random density, or random with whole rows
/// (axis 2) or whole channels (axis 1) set to zero.
template <class T>
xt::xtensor<T, 4> make_tensor(std::array<std::size_t, 4> shape, pattern p, std::mt19937_64& rng) {
    xt::xtensor<T, 4> t(shape);
    const double density = std::uniform_real_distribution<double>(0.05, 0.95)(rng);
    switch (p) {
    case pattern::all_zero: fill_random(t, 0.0, rng); break;
    case pattern::all_nonzero: fill_random(t, 1.0, rng); break;
    default: fill_random(t, density, rng); break;
    }
    std::bernoulli_distribution drop(0.4);
    if (p == pattern::zero_rows) {
        for (std::size_t a = 0; a < shape[0]; ++a)
            for (std::size_t b = 0; b < shape[1]; ++b)
                for (std::size_t r = 0; r < shape[2]; ++r)
                    if (drop(rng)) xt::view(t, a, b, r, xt::all()) = T(0);
    } else if (p == pattern::zero_channels) {
        for (std::size_t a = 0; a < shape[0]; ++a)
            for (std::size_t b = 0; b < shape[1]; ++b)
                if (drop(rng)) xt::view(t, a, b, xt::all(), xt::all()) = T(0);
    }
    return t;
}

inline std::int64_t uniform(std::mt19937_64& rng, std::int64_t lo, std::int64_t hi) {
    return std::uniform_int_distribution<std::int64_t>(lo, hi)(rng);
}

/// A random valid CONV layer: stride 1..4 per axis, padding 0..3 per side, kernel 1..5, groups
/// 1..3 or depthwise, batch 1..4, input 1..20 per axis.
inline eap::conv_shape random_layer(std::mt19937_64& rng) {
    const std::int64_t kind = uniform(rng, 0, 5);
    std::int64_t groups = uniform(rng, 1, 3);
    std::int64_t in = groups * uniform(rng, 1, 4);
    std::int64_t out = groups * uniform(rng, 1, 4);
    if (kind == 0) {  // depthwise, channel multiplier 1 or 2
        in = uniform(rng, 1, 6);
        groups = in;
        out = in * uniform(rng, 1, 2);
    }
    const std::int64_t height = uniform(rng, 1, 20), width = uniform(rng, 1, 20);
    const eap::padding pad{uniform(rng, 0, 3), uniform(rng, 0, 3), uniform(rng, 0, 3), uniform(rng, 0, 3)};
    std::int64_t kh = std::min(uniform(rng, 1, 5), height + pad.top + pad.bottom);
    std::int64_t kw = std::min(uniform(rng, 1, 5), width + pad.left + pad.right);
    if (kind == 1) kh = kw = 1;  // 1x1
    return eap::conv_shape{}
        .with_batch(uniform(rng, 1, 4))
        .with_channels(in, out)
        .with_input(height, width)
        .with_kernel(kh, kw)
        .with_stride(uniform(rng, 1, 4), uniform(rng, 1, 4))
        .with_padding(pad)
        .with_groups(groups)
        .validated();
}

inline std::array<std::size_t, 4> weight_shape(const eap::conv_shape& s) {
    return {static_cast<std::size_t>(s.out_channels), static_cast<std::size_t>(s.in_channels_per_group()),
            static_cast<std::size_t>(s.kernel_height), static_cast<std::size_t>(s.kernel_width)};
}
inline std::array<std::size_t, 4> input_shape(const eap::conv_shape& s) {
    return {static_cast<std::size_t>(s.batch), static_cast<std::size_t>(s.in_channels),
            static_cast<std::size_t>(s.in_height), static_cast<std::size_t>(s.in_width)};
}
inline std::array<std::size_t, 4> output_shape(const eap::conv_shape& s) {
    return {static_cast<std::size_t>(s.batch), static_cast<std::size_t>(s.out_channels),
            static_cast<std::size_t>(s.out_height()), static_cast<std::size_t>(s.out_width())};
}

/// The brute-force reference: one step per dense MAC.
template <class W, class X>
std::int64_t brute_force_macs(const W& w, const X& x, const eap::conv_shape& s) {
    std::int64_t count = 0;
    const std::int64_t in_per_group = s.in_channels_per_group(), out_per_group = s.out_channels_per_group();
    for (std::int64_t n = 0; n < s.batch; ++n)
        for (std::int64_t m = 0; m < s.out_channels; ++m)
            for (std::int64_t p = 0; p < s.out_height(); ++p)
                for (std::int64_t q = 0; q < s.out_width(); ++q)
                    for (std::int64_t c = 0; c < in_per_group; ++c)
                        for (std::int64_t r = 0; r < s.kernel_height; ++r)
                            for (std::int64_t t = 0; t < s.kernel_width; ++t) {
                                const std::int64_t i = p * s.stride_height + r - s.pad.top;
                                const std::int64_t j = q * s.stride_width + t - s.pad.left;
                                if (i < 0 || j < 0 || i >= s.in_height || j >= s.in_width) continue;
                                const std::int64_t channel = (m / out_per_group) * in_per_group + c;
                                if (w(m, c, r, t) != 0 && x(n, channel, i, j) != 0) ++count;
                            }
    return count;
}

/// The same stream with its zeros kept and every non-zero replaced by a non-zero 16-bit level,
/// so any element type can be run through the reference encoder.
template <class It>
std::vector<std::int16_t> as_levels(It first, It last) {
    std::vector<std::int16_t> levels;
    for (auto it = first; it != last; ++it) {
        if (*it == 0) {
            levels.push_back(0);
        } else if constexpr (std::is_floating_point<std::decay_t<decltype(*it)>>::value) {
            levels.push_back(static_cast<std::int16_t>(*it > 0 ? 1 : -1));
        } else {
            const auto level = static_cast<std::int16_t>(*it);  // wider values may wrap to 0
            levels.push_back(level != 0 ? level : std::int16_t{1});
        }
    }
    return levels;
}

/// Words of the reference encoder's code of [first, last).
template <class It>
std::int64_t encoded_words(It first, It last) {
    const auto levels = as_levels(first, last);
    return static_cast<std::int64_t>(eap::run_length_encode(levels.data(), static_cast<std::int64_t>(levels.size())).words.size());
}

}  // namespace sparse_test
