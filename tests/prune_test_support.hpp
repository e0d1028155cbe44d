// Reference implementations for the pruning-solver tests: everything here is computed directly
// from X and Y in double, independently of eap's Gram systems, BLAS and LAPACK.
#pragma once

#include <algorithm>
#include <cmath>
#include <cstdint>
#include <random>
#include <stdexcept>
#include <vector>

#include "eap/detail/xtensor.hpp"

namespace prune_test {

using matrix = std::vector<std::vector<double>>;

/// Solves A x = b by Gaussian elimination with partial pivoting in double.
inline std::vector<double> gauss_solve(matrix a, std::vector<double> b) {
    const std::size_t n = b.size();
    for (std::size_t col = 0; col < n; ++col) {
        std::size_t pivot = col;
        for (std::size_t r = col + 1; r < n; ++r)
            if (std::abs(a[r][col]) > std::abs(a[pivot][col])) pivot = r;
        if (a[pivot][col] == 0.0) throw std::runtime_error("gauss_solve: singular");
        std::swap(a[pivot], a[col]);
        std::swap(b[pivot], b[col]);
        for (std::size_t r = col + 1; r < n; ++r) {
            const double f = a[r][col] / a[col][col];
            for (std::size_t c = col; c < n; ++c) a[r][c] -= f * a[col][c];
            b[r] -= f * b[col];
        }
    }
    std::vector<double> x(n);
    for (std::size_t i = n; i-- > 0;) {
        double s = b[i];
        for (std::size_t c = i + 1; c < n; ++c) s -= a[i][c] * x[c];
        x[i] = s / a[i][i];
    }
    return x;
}

/// Column j of X, or the column of ones when j == K and the bias is fitted.
inline double column_value(const xt::xtensor<float, 2>& x, std::size_t row, int j) {
    return j == static_cast<int>(x.shape()[1]) ? 1.0 : static_cast<double>(x(row, static_cast<std::size_t>(j)));
}

/// Normal-equations solution of min ||y - X_S w||^2 + ridge ||w||^2 for the unknowns `set`
/// (column K = the bias column), formed and solved in double from X and y directly.
inline std::vector<double> normal_equations(const xt::xtensor<float, 2>& x, const std::vector<double>& y,
                                            const std::vector<int>& set, double ridge = 0.0) {
    const std::size_t s = set.size();
    matrix a(s, std::vector<double>(s, 0.0));
    std::vector<double> b(s, 0.0);
    for (std::size_t n = 0; n < x.shape()[0]; ++n) {
        for (std::size_t i = 0; i < s; ++i) {
            const double xi = column_value(x, n, set[i]);
            b[i] += xi * y[n];
            for (std::size_t j = 0; j < s; ++j) a[i][j] += xi * column_value(x, n, set[j]);
        }
    }
    for (std::size_t i = 0; i < s; ++i) a[i][i] += ridge;
    if (s == 0) return {};
    return gauss_solve(a, b);
}

/// ||y - X_S w||^2 in double.
inline double residual(const xt::xtensor<float, 2>& x, const std::vector<double>& y, const std::vector<int>& set,
                       const std::vector<double>& w) {
    double e = 0.0;
    for (std::size_t n = 0; n < x.shape()[0]; ++n) {
        double p = 0.0;
        for (std::size_t i = 0; i < set.size(); ++i) p += column_value(x, n, set[i]) * w[i];
        e += (y[n] - p) * (y[n] - p);
    }
    return e;
}

/// Refit error of the set: the least-squares residual (ridge = 0).
inline double refit_error(const xt::xtensor<float, 2>& x, const std::vector<double>& y, const std::vector<int>& set) {
    return residual(x, y, set, normal_equations(x, y, set));
}

/// Column m of Y in double.
inline std::vector<double> column(const xt::xtensor<float, 2>& y, std::size_t m) {
    std::vector<double> out(y.shape()[0]);
    for (std::size_t n = 0; n < out.size(); ++n) out[n] = y(n, m);
    return out;
}

/// A random N x K matrix of N(0,1) floats.
inline xt::xtensor<float, 2> random_matrix(std::mt19937& rng, std::size_t rows, std::size_t cols, float scale = 1.0f) {
    std::normal_distribution<float> normal(0.0f, scale);
    xt::xtensor<float, 2> out = xt::empty<float>({rows, cols});
    for (auto& v : out) v = normal(rng);
    return out;
}

/// Y = X W^T + noise (N x M), so that the data are not fitted exactly.
inline xt::xtensor<float, 2> outputs_of(std::mt19937& rng, const xt::xtensor<float, 2>& x,
                                        const xt::xtensor<float, 2>& w, float noise) {
    std::normal_distribution<float> normal(0.0f, noise);
    const std::size_t n = x.shape()[0], k = x.shape()[1], m = w.shape()[0];
    xt::xtensor<float, 2> y = xt::empty<float>({n, m});
    for (std::size_t r = 0; r < n; ++r)
        for (std::size_t c = 0; c < m; ++c) {
            double s = 0.0;
            for (std::size_t j = 0; j < k; ++j) s += static_cast<double>(x(r, j)) * w(c, j);
            y(r, c) = static_cast<float>(s) + normal(rng);
        }
    return y;
}

/// A random 0/1 mask of shape rows x cols keeping each entry with probability p.
inline xt::xtensor<std::uint8_t, 2> random_mask(std::mt19937& rng, std::size_t rows, std::size_t cols, double p) {
    std::bernoulli_distribution keep(p);
    xt::xtensor<std::uint8_t, 2> out = xt::empty<std::uint8_t>({rows, cols});
    for (auto& v : out) v = keep(rng) ? 1 : 0;
    return out;
}

/// The kept columns of row m of a mask, then the bias column K when `bias`.
inline std::vector<int> kept_set(const xt::xtensor<std::uint8_t, 2>& mask, std::size_t m, bool bias) {
    std::vector<int> set;
    for (std::size_t j = 0; j < mask.shape()[1]; ++j)
        if (mask(m, j)) set.push_back(static_cast<int>(j));
    if (bias) set.push_back(static_cast<int>(mask.shape()[1]));
    return set;
}

/// Relative difference |a - b| / max(1, |b|).
inline double relative(double a, double b) { return std::abs(a - b) / std::max(1.0, std::abs(b)); }

}  // namespace prune_test
