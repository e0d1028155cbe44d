// SPDX-License-Identifier: MIT
#pragma once

#include <cstddef>
#include <cstdint>
#include <type_traits>

#include <xsimd/xsimd.hpp>

namespace eap::detail {

// xsimd 8.1 has no batch_bool::mask(), so the run-length counter gets its one-bit-per-lane
// masks here: a movemask for the x86 families, and a store-and-pack fallback for any other
// architecture. Bit i of the result is lane i. The function is a template on the architecture
// like every kernel, so builds for different instruction sets never share a symbol; the #if
// blocks only add branches for architectures the translation unit can use, and a branch is
// taken only for its own architecture family.

/// Lane mask of `m`, one bit per lane (lane 0 in bit 0), for any architecture.
template <class I, class Arch>
std::uint64_t lane_bits_by_store(const xsimd::batch_bool<I, Arch>& m) noexcept {
    constexpr std::size_t lanes = xsimd::batch_bool<I, Arch>::size;
    static_assert(lanes <= 64, "eap: a SIMD batch has more than 64 lanes");
    alignas(64) bool flags[lanes];
    m.store_aligned(flags);
    std::uint64_t bits = 0;
    for (std::size_t i = 0; i < lanes; ++i) bits |= static_cast<std::uint64_t>(flags[i]) << i;
    return bits;
}

/// Lane mask of `m` (an integer-lane batch_bool), one bit per lane, lane 0 in bit 0.
template <class I, class Arch>
std::uint64_t lane_bits(const xsimd::batch_bool<I, Arch>& m) noexcept {
    static_assert(std::is_integral<I>::value, "eap: lane_bits works on integer-lane masks");
    using register_type = typename xsimd::batch_bool<I, Arch>::register_type;
#if XSIMD_WITH_AVX512F
    // AVX-512 keeps comparisons in mask registers: already one bit per lane.
    if constexpr (std::is_base_of<xsimd::avx512f, Arch>::value) {
        return static_cast<std::uint64_t>(static_cast<register_type>(m));
    } else
#endif
#if XSIMD_WITH_AVX2
    if constexpr (std::is_base_of<xsimd::avx2, Arch>::value) {
        const __m256i r = static_cast<register_type>(m);
        if constexpr (sizeof(I) == 1) {
            return static_cast<std::uint32_t>(_mm256_movemask_epi8(r));
        } else if constexpr (sizeof(I) == 2) {
            // Narrow the 16-bit lanes to bytes (packs works per 128-bit half), gather the two
            // halves' low quadwords, then take the byte signs.
            const __m256i packed = _mm256_permute4x64_epi64(_mm256_packs_epi16(r, _mm256_setzero_si256()), 0xD8);
            return static_cast<std::uint32_t>(_mm256_movemask_epi8(packed)) & 0xffffu;
        } else if constexpr (sizeof(I) == 4) {
            return static_cast<std::uint32_t>(_mm256_movemask_ps(_mm256_castsi256_ps(r)));
        } else {
            return static_cast<std::uint32_t>(_mm256_movemask_pd(_mm256_castsi256_pd(r)));
        }
    } else
#endif
#if XSIMD_WITH_SSE2
    // 128-bit families (SSE2 .. SSE4.2); AVX without AVX2 has 256-bit integer masks and takes
    // the fallback below.
    if constexpr (std::is_base_of<xsimd::sse2, Arch>::value && !std::is_base_of<xsimd::avx, Arch>::value) {
        const __m128i r = static_cast<register_type>(m);
        if constexpr (sizeof(I) == 1) {
            return static_cast<std::uint32_t>(_mm_movemask_epi8(r));
        } else if constexpr (sizeof(I) == 2) {
            return static_cast<std::uint32_t>(_mm_movemask_epi8(_mm_packs_epi16(r, _mm_setzero_si128())));
        } else if constexpr (sizeof(I) == 4) {
            return static_cast<std::uint32_t>(_mm_movemask_ps(_mm_castsi128_ps(r)));
        } else {
            return static_cast<std::uint32_t>(_mm_movemask_pd(_mm_castsi128_pd(r)));
        }
    } else
#endif
    {
        (void)sizeof(register_type);
        return detail::lane_bits_by_store(m);
    }
}

}  // namespace eap::detail
