// SPDX-License-Identifier: MIT
#pragma once

#include <cblas.h>

#include <cstdint>
#include <limits>

#include "eap/error.hpp"

namespace eap::engine {

/// Whether a GEMM operand is used as stored or transposed.
enum class transpose : std::uint8_t { no, yes };

namespace detail {
inline blasint blas_extent(std::int64_t value, const char* argument) {
    if (value < 0 || value > static_cast<std::int64_t>(std::numeric_limits<blasint>::max()))
        throw argument_error(eap::detail::message("eap::engine::gemm: ", argument, " = ", value,
                                                  " is outside the range of the BLAS integer [0, ",
                                                  std::numeric_limits<blasint>::max(), "]"));
    return static_cast<blasint>(value);
}
}  // namespace detail

/// C = alpha * op(A) * op(B) + beta * C on row-major float matrices, where op(A) is m x k,
/// op(B) is k x n and C is m x n; `lda`, `ldb`, `ldc` are the row strides of the matrices as
/// stored. A thin wrapper over OpenBLAS `cblas_sgemm` that checks the sizes fit the BLAS integer.
/// With beta == 0, C need not be initialised (BLAS does not read it).
inline void gemm(transpose trans_a, transpose trans_b, std::int64_t m, std::int64_t n, std::int64_t k, float alpha,
                 const float* a, std::int64_t lda, const float* b, std::int64_t ldb, float beta, float* c,
                 std::int64_t ldc) {
    const blasint bm = engine::detail::blas_extent(m, "m");
    const blasint bn = engine::detail::blas_extent(n, "n");
    const blasint bk = engine::detail::blas_extent(k, "k");
    const blasint blda = engine::detail::blas_extent(lda, "lda");
    const blasint bldb = engine::detail::blas_extent(ldb, "ldb");
    const blasint bldc = engine::detail::blas_extent(ldc, "ldc");
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
