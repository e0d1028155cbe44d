// SPDX-License-Identifier: MIT
#pragma once

// BLAS and LAPACK for the pruning solvers, reached through xtensor-blas (which links OpenBLAS).
//
// Why not `#include <cblas.h>`: xtensor-blas ships its own declarations of the cblas_* functions
// and enums (xflens/cxxblas/drivers/cblas.h), and OpenBLAS's <cblas.h> redefines the same enums,
// so a translation unit that includes both does not compile. Taking the declarations from
// xtensor-blas keeps eap usable next to `xt::linalg`. The symbols are OpenBLAS's either way.
//
// Kept apart from eap/detail/xtensor.hpp because xtensor-blas is heavy to compile and only the
// solvers need it.

#include <cstdint>
#include <limits>

#include "eap/detail/xtensor.hpp"
#include "eap/error.hpp"

#include <xtensor-blas/xblas.hpp>
#include <xtensor-blas/xlapack.hpp>

namespace eap::detail::lapack {

/// BLAS/LAPACK take 32-bit sizes; every size eap hands them goes through this check.
inline int blas_size(std::int64_t n, const char* what) {
    if (n < 0 || n > std::numeric_limits<int>::max())
        throw overflow_error(message("eap: ", what, " = ", n, " does not fit a BLAS/LAPACK index"));
    return static_cast<int>(n);
}

// Matrices below are row-major with leading dimension ld. LAPACK is column-major, so a row-major
// lower triangle is LAPACK's upper one: the wrappers pass 'U', and the factor L (A = L L^T) ends
// up in the row-major lower triangle, where the incremental restoration appends rows to it. The
// strictly upper row-major triangle is never touched.

/// Cholesky factorisation A = L L^T of the symmetric n x n matrix `a` (row-major, leading
/// dimension ld; only the lower triangle is read). Overwrites the lower triangle with L. Returns
/// LAPACK's info: 0 on success, k > 0 when the leading minor of order k is not positive definite.
inline int cholesky_factor(double* a, int n, int ld) {
    if (n == 0) return 0;
    return cxxlapack::potrf<int>('U', n, a, ld);
}

/// Solves A x = rhs in place with the factor L from `cholesky_factor`.
inline int cholesky_solve(const double* l, int n, int ld, double* rhs) {
    if (n == 0) return 0;
    return cxxlapack::potrs<int>('U', n, 1, l, ld, rhs, n);
}

/// Reciprocal condition number (1-norm) of A from its factor L and ||A||_1. `work` holds 3n
/// doubles and `iwork` n ints.
inline double reciprocal_condition(const double* l, int n, int ld, double norm1, double* work, int* iwork) {
    if (n == 0) return 1.0;
    double rcond = 0.0;
    cxxlapack::pocon<int>('U', n, l, ld, norm1, rcond, work, iwork);
    return rcond;
}

}  // namespace eap::detail::lapack
