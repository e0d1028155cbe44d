// SPDX-License-Identifier: MIT
#pragma once

#include <algorithm>
#include <cstddef>
#include <cstdint>
#include <vector>

#include "eap/detail/blas_lapack.hpp"
#include "eap/detail/checked_arithmetic.hpp"
#include "eap/detail/xtensor.hpp"
#include "eap/error.hpp"
#include "eap/prune/weight_mask.hpp"

namespace eap {

/// How the products of G = X^T X and b = X^T Y are summed.
///
/// `single_precision` (the default) is one SSYRK (and one SGEMM for b) on the float data, with
/// the result widened to double once per `add`. The inputs are float activations, so every
/// product is as exact as the data; only the sums round. Measured on ReLU-like correlated
/// patches (N = 4,096 rows, K = 576 columns, correlation up to 0.99999), the least-squares fit
/// from a single-precision G had a relative output error within 1e-9 of the fit from an exact
/// double G, while SSYRK runs about twice as fast as DSYRK and needs no double copy of X. The
/// solves themselves always run in double: G's condition number is that of X squared, and the
/// error c - b^T G^-1 b is a difference of close numbers.
///
/// `double_precision` widens X and Y to double and uses DSYRK/DGEMM, for inputs whose rows are
/// many more than a few thousand or whose conditioning is extreme.
enum class gram_accumulation { single_precision, double_precision };

struct gram_options {
    /// Append a column of ones to X, so that the fit also solves for the output channel's bias.
    bool bias_column = true;
    gram_accumulation accumulation = gram_accumulation::single_precision;
};

/// Everything the least-squares solvers need about one layer (or one group of a grouped layer):
/// G = X^T X (K' x K', both triangles filled), b = X^T Y stored as M x K' (row m is X^T y_m,
/// contiguous for channel m), and c_m = y_m^T y_m, all in double. K' = K + 1 with the bias
/// column, which is then the last column.
///
/// For every weight vector w (K' entries, bias last) the channel's output error over the samples
/// is ||y_m - X w||^2 = c_m - 2 w^T b_m + w^T G w; no solver ever touches X again.
struct gram_system {
    xt::xtensor<double, 2> gram;
    xt::xtensor<double, 2> cross;
    xt::xtensor<double, 1> output_energy;
    std::int64_t samples = 0;
    bool bias_column = false;

    /// K' (the unknowns per channel, bias included).
    std::int64_t unknowns() const { return static_cast<std::int64_t>(gram.shape()[0]); }
    /// K (the weights per channel, bias excluded).
    std::int64_t inputs() const { return unknowns() - (bias_column ? 1 : 0); }
    /// M (the output channels this system covers).
    std::int64_t outputs() const { return static_cast<std::int64_t>(cross.shape()[0]); }
    /// trace(G), the scale of the ridge term.
    double trace() const {
        double t = 0.0;
        for (std::int64_t i = 0; i < unknowns(); ++i) t += gram(i, i);
        return t;
    }
    /// ||y_m - X w||^2 for a full weight vector w of `unknowns()` entries.
    double output_error(std::int64_t channel, const double* w) const {
        const std::int64_t k = unknowns();
        double quadratic = 0.0;
        double linear = 0.0;
        for (std::int64_t i = 0; i < k; ++i) {
            if (w[i] == 0.0) continue;
            const double* row = &gram(i, 0);
            double gw = 0.0;
            for (std::int64_t j = 0; j < k; ++j) gw += row[j] * w[j];
            quadratic += w[i] * gw;
            linear += w[i] * cross(channel, i);
        }
        return output_energy(channel) - 2.0 * linear + quadratic;
    }
    /// The same for a sparse w: `values[i]` is the entry of unknown `indices[i]`, all others 0.
    /// O(|indices|^2).
    double output_error(std::int64_t channel, const std::vector<int>& indices, const double* values) const {
        const std::int64_t k = unknowns();
        const double* g = gram.data();
        const double* b = &cross(channel, 0);
        double quadratic = 0.0;
        double linear = 0.0;
        for (std::size_t i = 0; i < indices.size(); ++i) {
            const double* row = g + static_cast<std::int64_t>(indices[i]) * k;
            double gw = 0.0;
            for (std::size_t j = 0; j < i; ++j) gw += row[indices[j]] * values[j];
            quadratic += values[i] * (2.0 * gw + row[indices[i]] * values[i]);
            linear += values[i] * b[indices[i]];
        }
        return output_energy(channel) - 2.0 * linear + quadratic;
    }
};

/// Builds a `gram_system` from rows of X and Y added in batches (e.g. one batch of images at a
/// time), so that X never has to be held whole. The result does not depend on how the rows are
/// split, up to rounding of the sums.
class gram_accumulator {
public:
    /// `inputs` = K (columns of X, bias excluded), `outputs` = M (columns of Y).
    gram_accumulator(std::int64_t inputs, std::int64_t outputs, gram_options options = {})
        : inputs_(inputs), outputs_(outputs), options_(options) {
        if (inputs < 1)
            throw argument_error(
                detail::message("eap::gram_accumulator: argument 'inputs' must be at least 1 (got ", inputs, ")"));
        if (outputs < 1)
            throw argument_error(
                detail::message("eap::gram_accumulator: argument 'outputs' must be at least 1 (got ", outputs, ")"));
        const std::int64_t k = inputs + (options.bias_column ? 1 : 0);
        detail::lapack::blas_size(detail::checked_mul(k, k, "gram matrix size"), "gram matrix entries");
        detail::lapack::blas_size(detail::checked_mul(outputs, k, "cross matrix size"), "cross matrix entries");
        gram_ = xt::zeros<double>({static_cast<std::size_t>(k), static_cast<std::size_t>(k)});
        cross_ = xt::zeros<double>({static_cast<std::size_t>(outputs), static_cast<std::size_t>(k)});
        energy_ = xt::zeros<double>({static_cast<std::size_t>(outputs)});
    }

    /// Adds the rows of `patches` (n x K) and the matching rows of `outputs` (n x M).
    void add(const xt::xtensor<float, 2>& patches, const xt::xtensor<float, 2>& outputs) {
        const char* function = "eap::gram_accumulator::add";
        if (static_cast<std::int64_t>(patches.shape()[1]) != inputs_)
            throw shape_error(detail::message(function, ": argument 'patches' has ", patches.shape()[1],
                                              " columns but the accumulator was made for ", inputs_, " inputs"));
        if (static_cast<std::int64_t>(outputs.shape()[1]) != outputs_)
            throw shape_error(detail::message(function, ": argument 'outputs' has ", outputs.shape()[1],
                                              " columns but the accumulator was made for ", outputs_, " outputs"));
        if (patches.shape()[0] != outputs.shape()[0])
            throw shape_error(detail::message(function, ": argument 'patches' has ", patches.shape()[0],
                                              " rows but 'outputs' has ", outputs.shape()[0]));
        detail::check_finite(function, "patches", patches);
        detail::check_finite(function, "outputs", outputs);
        const std::int64_t n = static_cast<std::int64_t>(patches.shape()[0]);
        if (n == 0) return;
        const int rows = detail::lapack::blas_size(n, "rows of patches");
        const int k = static_cast<int>(inputs_);
        const int m = static_cast<int>(outputs_);

        if (options_.accumulation == gram_accumulation::single_precision) {
            // The FLOPs are here: n K^2 in one SSYRK. The result is widened to double once.
            scratch_.resize(static_cast<std::size_t>(k) * static_cast<std::size_t>(std::max(k, m)));
            cblas_ssyrk(CblasRowMajor, CblasUpper, CblasTrans, k, rows, 1.0f, patches.data(), k, 0.0f, scratch_.data(),
                        k);
            for (int i = 0; i < k; ++i) {
                double* g = &gram_(i, 0);
                const float* s = &scratch_[static_cast<std::size_t>(i) * k];
                for (int j = i; j < k; ++j) g[j] += s[j];
            }
            cblas_sgemm(CblasRowMajor, CblasTrans, CblasNoTrans, m, k, rows, 1.0f, outputs.data(), m, patches.data(), k,
                        0.0f, scratch_.data(), k);
            for (int i = 0; i < m; ++i) {
                double* b = &cross_(i, 0);
                const float* s = &scratch_[static_cast<std::size_t>(i) * k];
                for (int j = 0; j < k; ++j) b[j] += s[j];
            }
        } else {
            std::vector<double> x(patches.data(), patches.data() + patches.size());
            std::vector<double> y(outputs.data(), outputs.data() + outputs.size());
            std::vector<double> g(static_cast<std::size_t>(k) * k);
            cblas_dsyrk(CblasRowMajor, CblasUpper, CblasTrans, k, rows, 1.0, x.data(), k, 0.0, g.data(), k);
            for (int i = 0; i < k; ++i)
                for (int j = i; j < k; ++j) gram_(i, j) += g[static_cast<std::size_t>(i) * k + j];
            std::vector<double> b(static_cast<std::size_t>(m) * k);
            cblas_dgemm(CblasRowMajor, CblasTrans, CblasNoTrans, m, k, rows, 1.0, y.data(), m, x.data(), k, 0.0,
                        b.data(), k);
            for (int i = 0; i < m; ++i)
                for (int j = 0; j < k; ++j) cross_(i, j) += b[static_cast<std::size_t>(i) * k + j];
        }

        // The bias column (all ones) is summed directly in double: column sums of X and Y and the
        // row count, O(n (K + M)) next to the n K^2 of the SYRK.
        const float* x = patches.data();
        const float* y = outputs.data();
        if (options_.bias_column) {
            std::vector<double> x_sums(static_cast<std::size_t>(k), 0.0);
            std::vector<double> y_sums(static_cast<std::size_t>(m), 0.0);
            for (int r = 0; r < rows; ++r) {
                const float* xr = x + static_cast<std::size_t>(r) * k;
                for (int j = 0; j < k; ++j) x_sums[static_cast<std::size_t>(j)] += xr[j];
                const float* yr = y + static_cast<std::size_t>(r) * m;
                for (int i = 0; i < m; ++i) y_sums[static_cast<std::size_t>(i)] += yr[i];
            }
            for (int j = 0; j < k; ++j) gram_(j, k) += x_sums[static_cast<std::size_t>(j)];
            for (int i = 0; i < m; ++i) cross_(i, k) += y_sums[static_cast<std::size_t>(i)];
            gram_(k, k) += static_cast<double>(rows);
        }
        double* energy = energy_.data();
        for (int r = 0; r < rows; ++r) {
            const float* yr = y + static_cast<std::size_t>(r) * m;
            for (int i = 0; i < m; ++i) energy[i] += static_cast<double>(yr[i]) * yr[i];
        }
        samples_ += n;
    }

    std::int64_t samples() const { return samples_; }

    /// The system of all rows added so far (G mirrored into both triangles).
    gram_system system() const {
        gram_system out;
        out.gram = gram_;
        const std::int64_t k = out.unknowns();
        for (std::int64_t i = 0; i < k; ++i)
            for (std::int64_t j = 0; j < i; ++j) out.gram(i, j) = out.gram(j, i);
        out.cross = cross_;
        out.output_energy = energy_;
        out.samples = samples_;
        out.bias_column = options_.bias_column;
        return out;
    }

private:
    std::int64_t inputs_;
    std::int64_t outputs_;
    gram_options options_;
    xt::xtensor<double, 2> gram_;  // upper triangle accumulated
    xt::xtensor<double, 2> cross_;
    xt::xtensor<double, 1> energy_;
    std::vector<float> scratch_;
    std::int64_t samples_ = 0;
};

/// G = X^T X, b = X^T Y and c = diag(Y^T Y) of the input patches X (N x K, one im2col row per
/// sampled output position, or one input vector per image for FC) and the original layer's
/// pre-activation outputs Y (N x M) at the same positions. One SYRK and one GEMM.
inline gram_system build_gram_system(const xt::xtensor<float, 2>& patches, const xt::xtensor<float, 2>& outputs,
                                     gram_options options = {}) {
    const char* function = "eap::build_gram_system";
    if (patches.shape()[1] == 0)
        throw shape_error(detail::message(function, ": argument 'patches' has no columns (K must be at least 1)"));
    if (outputs.shape()[1] == 0)
        throw shape_error(detail::message(function, ": argument 'outputs' has no columns (M must be at least 1)"));
    gram_accumulator acc(static_cast<std::int64_t>(patches.shape()[1]), static_cast<std::int64_t>(outputs.shape()[1]),
                         options);
    acc.add(patches, outputs);
    return acc.system();
}

}  // namespace eap
