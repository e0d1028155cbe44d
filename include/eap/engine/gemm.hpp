// SPDX-License-Identifier: MIT
#pragma once

// The cblas declarations come from the copy xtensor-blas ships (the symbols are OpenBLAS's,
// linked through the eap target), not from OpenBLAS's <cblas.h>: the two headers define the same
// enums, so one translation unit cannot include both, and the pruning solvers reach BLAS and
// LAPACK through xtensor-blas (eap/detail/blas_lapack.hpp). This header is the lightweight part
// of it: the declarations only, without the rest of xtensor-blas.
#include <xflens/cxxblas/drivers/cblas.h>

#include <cstdint>
#include <limits>

#include "eap/error.hpp"

namespace eap::engine {

/// Whether a GEMM operand is used as stored or transposed.
enum class transpose : std::uint8_t { no, yes };

namespace detail {
using blas_int = CBLAS_INT;

inline blas_int blas_extent(std::int64_t value, const char* argument) {
    if (value < 0 || value > static_cast<std::int64_t>(std::numeric_limits<blas_int>::max()))
        throw argument_error(eap::detail::message("eap::engine::gemm: ", argument, " = ", value,
                                                  " is outside the range of the BLAS integer [0, ",
                                                  std::numeric_limits<blas_int>::max(), "]"));
    return static_cast<blas_int>(value);
}
}  // namespace detail

/// C = alpha * op(A) * op(B) + beta * C on row-major float matrices, where op(A) is m x k,
/// op(B) is k x n and C is m x n; `lda`, `ldb`, `ldc` are the row strides of the matrices as
/// stored. A thin wrapper over `cblas_sgemm` (OpenBLAS) that checks the sizes fit the BLAS integer.
/// With beta == 0, C need not be initialised (BLAS does not read it).
inline void gemm(transpose trans_a, transpose trans_b, std::int64_t m, std::int64_t n, std::int64_t k, float alpha,
                 const float* a, std::int64_t lda, const float* b, std::int64_t ldb, float beta, float* c,
                 std::int64_t ldc) {
    const engine::detail::blas_int bm = engine::detail::blas_extent(m, "m");
    const engine::detail::blas_int bn = engine::detail::blas_extent(n, "n");
    const engine::detail::blas_int bk = engine::detail::blas_extent(k, "k");
    const engine::detail::blas_int blda = engine::detail::blas_extent(lda, "lda");
    const engine::detail::blas_int bldb = engine::detail::blas_extent(ldb, "ldb");
    const engine::detail::blas_int bldc = engine::detail::blas_extent(ldc, "ldc");
    if (m == 0 || n == 0) return;
    const std::int64_t a_columns = trans_a == transpose::no ? k : m;
    const std::int64_t b_columns = trans_b == transpose::no ? n : k;
    if (lda < (a_columns > 0 ? a_columns : 1) || ldb < (b_columns > 0 ? b_columns : 1) || ldc < n)
        throw argument_error(eap::detail::message("eap::engine::gemm: a leading dimension is smaller than its row (lda = ",
                                                  lda, " for ", a_columns, " columns, ldb = ", ldb, " for ", b_columns,
                                                  " columns, ldc = ", ldc, " for ", n, " columns)"));
    cblas_sgemm(CblasRowMajor, trans_a == transpose::no ? CblasNoTrans : CblasTrans,
                trans_b == transpose::no ? CblasNoTrans : CblasTrans, bm, bn, bk, alpha, a, blda, b, bldb, beta, c,
                bldc);
}

}  // namespace eap::engine
