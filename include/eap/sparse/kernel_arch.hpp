// SPDX-License-Identifier: MIT
#pragma once

#include <type_traits>

#include <xsimd/xsimd.hpp>

namespace eap {

/// The instruction set a sparse-counting kernel is built for. Every sparse counter of eap
/// (`count_nonskipped_macs`, `fmap_statistics_of`, `weight_statistics_of`,
/// `count_layer_sparsity`, `run_length_code_words`) takes it as its first template argument:
///
/// * an xsimd architecture tag (`xsimd::sse2`, `xsimd::avx2`, `xsimd::avx512bw`, ...): the
///   vectorised kernels, built with `xsimd::batch<T, Arch>`;
/// * `eap::scalar_arch`: the plain scalar kernels, which are also the reference the vectorised
///   ones are tested against;
/// * by default `eap::default_kernel_arch`: the best architecture the translation unit is
///   compiled for (`xsimd::default_arch`; SSE2 on any x86-64 build, AVX-512BW with
///   `-march=native` on a recent Xeon), or the scalar kernels where xsimd has none.
///
/// Because the architecture is a template argument, code built for different instruction sets
/// never shares a symbol (as xsimd recommends), so translation units compiled with different
/// `-m` flags can be linked together safely.
///
/// Runtime dispatch (one binary that picks AVX-512, AVX2 or SSE2 on the machine it runs on)
/// follows xsimd's recipe with one translation unit per architecture:
///
/// \code
/// // sparse_dispatch.hpp
/// struct count_macs {
///     template <class Arch>
///     std::int64_t operator()(Arch, const xt::xtensor<float, 4>& w, const xt::xtensor<float, 4>& x,
///                             const eap::conv_shape& s) const;
/// };
/// extern template std::int64_t count_macs::operator()<xsimd::avx512bw>(xsimd::avx512bw, ...) const;
/// extern template std::int64_t count_macs::operator()<xsimd::avx2>(xsimd::avx2, ...) const;
/// extern template std::int64_t count_macs::operator()<xsimd::sse2>(xsimd::sse2, ...) const;
///
/// // sparse_avx2.cpp, compiled with -mavx2 (likewise sparse_avx512bw.cpp, sparse_sse2.cpp)
/// template <class Arch>
/// std::int64_t count_macs::operator()(Arch, const xt::xtensor<float, 4>& w,
///                                     const xt::xtensor<float, 4>& x, const eap::conv_shape& s) const {
///     return eap::count_nonskipped_macs<Arch>(w, x, s);
/// }
/// template std::int64_t count_macs::operator()<xsimd::avx2>(xsimd::avx2, ...) const;
///
/// // caller, compiled without -m flags
/// auto count = xsimd::dispatch<xsimd::arch_list<xsimd::avx512bw, xsimd::avx2, xsimd::sse2>>(count_macs{});
/// std::int64_t macs = count(w, x, s);
/// \endcode
///
/// The operator must be defined out of class (an in-class or `inline` definition would bypass
/// the `extern template` lines). xsimd 8.1's dispatcher is `noexcept`: an exception that leaves
/// the functor terminates the program, so catch `eap::error` inside the functor (or validate
/// the tensors first) when the input may be bad. Every loop of the sparse counters is a
/// template on `Arch`; the small helpers around them (shape checks, messages) are ordinary
/// inline functions, of which the linker keeps one copy, possibly one compiled with a
/// per-architecture unit's `-m` flag -- the general caveat of mixing `-m` flags with inline
/// code, which xsimd's recipe shares.
struct scalar_arch {
    static constexpr const char* name() noexcept { return "scalar"; }
};

/// The architecture the sparse counters use unless told otherwise: `xsimd::default_arch`, or
/// `eap::scalar_arch` when xsimd has no SIMD architecture for this build.
using default_kernel_arch = std::conditional_t<std::is_same<xsimd::default_arch, xsimd::unavailable>::value,
                                               scalar_arch, xsimd::default_arch>;

}  // namespace eap
