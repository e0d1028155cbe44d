// SPDX-License-Identifier: MIT
#pragma once

#include <algorithm>
#include <cmath>
#include <cstddef>
#include <cstdint>
#include <vector>

#include "eap/detail/blas_lapack.hpp"
#include "eap/detail/xtensor.hpp"
#include "eap/error.hpp"
#include "eap/prune/gram_matrix.hpp"
#include "eap/prune/weight_mask.hpp"

namespace eap {

/// Least-squares local fine-tuning: for every output channel m with kept set S, the weights
/// (and bias) that minimise the layer's output error on the samples, w_S = G_SS^-1 b_S, solved by
/// Cholesky on the submatrix of the shared Gram matrix G. Pruned weights stay exactly zero.
struct least_squares_options {
    /// First ridge term tried when G_SS is singular or ill-conditioned:
    /// lambda = ridge_scale * trace(G) / K' (K' = unknowns, bias included).
    double ridge_scale = 1e-6;
    /// Factor lambda grows by on each further failure.
    double ridge_growth = 10.0;
    /// Ridge attempts before giving up (with an `eap::error`).
    int max_ridge_steps = 20;
    /// A factorisation whose estimated 1-norm condition number exceeds this counts as failed, so
    /// a ridge term is added: near-singular systems otherwise give huge weights that fit the
    /// samples and nothing else.
    double max_condition = 1e10;
};

/// What happened to one output channel.
struct channel_fit {
    std::int64_t kept = 0;             ///< kept weights (bias excluded)
    std::int64_t inactive_inputs = 0;  ///< kept weights whose input is zero at every sample: left unchanged
    double error_before = 0.0;         ///< ||y_m - X w||^2 with the given weights (pruned ones zeroed) and bias
    double error_after =
        0.0;             ///< the same with the fitted weights (the double solution; rounding to float changes ~1e-7)
    double ridge = 0.0;  ///< lambda added to the diagonal of G_SS; 0 when the plain system was solved
};

/// What happened to a layer. Errors are sums of squares over the samples; `output_energy` is
/// sum_m ||y_m||^2, so error / output_energy is the relative error of the layer's output.
struct least_squares_report {
    std::vector<channel_fit> channels;
    double output_energy = 0.0;
    double error_before = 0.0;
    double error_after = 0.0;
    std::int64_t ridge_channels = 0;  ///< channels that needed a ridge term
    double max_ridge = 0.0;
};

/// Fitted weights (same shape as given, pruned entries exactly 0), the bias (fitted when the
/// systems have a bias column, otherwise as given) and the report.
template <std::size_t Rank>
struct least_squares_result {
    xt::xtensor<float, Rank> weights;
    xt::xtensor<float, 1> bias;
    least_squares_report report;
};

namespace detail {

/// A non-owning list of per-group systems (so that one system need not be copied into a vector).
struct system_list {
    const gram_system* first = nullptr;
    std::size_t count = 0;
    std::size_t size() const { return count; }
    bool empty() const { return count == 0; }
    const gram_system& operator[](std::size_t i) const { return first[i]; }
};

inline void check_least_squares_options(const char* function, const least_squares_options& o) {
    if (!(o.ridge_scale > 0.0) || !std::isfinite(o.ridge_scale))
        throw argument_error(
            detail::message(function, ": option 'ridge_scale' must be positive and finite (got ", o.ridge_scale, ")"));
    if (!(o.ridge_growth > 1.0) || !std::isfinite(o.ridge_growth))
        throw argument_error(
            detail::message(function, ": option 'ridge_growth' must be greater than 1 (got ", o.ridge_growth, ")"));
    if (o.max_ridge_steps < 0)
        throw argument_error(
            detail::message(function, ": option 'max_ridge_steps' must not be negative (got ", o.max_ridge_steps, ")"));
    if (!(o.max_condition >= 1.0))
        throw argument_error(
            detail::message(function, ": option 'max_condition' must be at least 1 (got ", o.max_condition, ")"));
}

/// Checks a layer against its per-group systems and returns the output channels per group.
template <class M, std::size_t Rank>
std::int64_t check_layer_systems(const char* function, system_list groups, const xt::xtensor<float, Rank>& weights,
                                 const xt::xtensor<M, Rank>& mask, const xt::xtensor<float, 1>& bias) {
    static_assert(Rank == 2 || Rank == 4, "eap: layer weights are M x K (FC) or M x C/groups x R x S (CONV) tensors");
    if (groups.empty())
        throw argument_error(detail::message(function, ": argument 'systems' is empty (one per group needed)"));
    detail::check_mask(function, "mask", mask, "weights", weights);
    detail::check_finite(function, "weights", weights);
    detail::check_finite(function, "bias", bias);
    const std::int64_t rows = detail::matrix_rows(weights);
    const std::int64_t cols = detail::matrix_cols(weights);
    const std::int64_t g = static_cast<std::int64_t>(groups.size());
    if (rows % g != 0)
        throw shape_error(detail::message(function, ": argument 'weights' has ", rows,
                                          " output channels, not divisible by the ", g, " systems (groups)"));
    const std::int64_t per_group = rows / g;
    for (std::size_t i = 0; i < groups.size(); ++i) {
        const gram_system& s = groups[i];
        if (s.gram.dimension() != 2 || s.gram.shape()[0] != s.gram.shape()[1] || s.unknowns() < 1)
            throw shape_error(
                detail::message(function, ": argument 'systems[", i, "]' has a non-square or empty Gram matrix"));
        if (s.inputs() != cols)
            throw shape_error(detail::message(function, ": argument 'systems[", i, "]' has ", s.inputs(),
                                              " inputs but 'weights' has ", cols, " weights per output channel"));
        if (s.outputs() != per_group || static_cast<std::int64_t>(s.cross.shape()[1]) != s.unknowns() ||
            static_cast<std::int64_t>(s.output_energy.size()) != per_group)
            throw shape_error(detail::message(function, ": argument 'systems[", i, "]' covers ", s.outputs(),
                                              " output channels but each of the ", g, " groups of 'weights' has ",
                                              per_group));
        if (s.samples < 1)
            throw argument_error(detail::message(function, ": argument 'systems[", i, "]' was built from no samples"));
        if (s.bias_column != groups[0].bias_column)
            throw argument_error(detail::message(function, ": argument 'systems[", i,
                                                 "]' differs from systems[0] in having a bias column"));
    }
    if (bias.size() != 0 && static_cast<std::int64_t>(bias.size()) != rows)
        throw shape_error(detail::message(function, ": argument 'bias' has ", bias.size(),
                                          " entries but 'weights' has ", rows,
                                          " output channels (give M entries, or none for a zero bias)"));
    return per_group;
}

/// Gathers G_SS + ridge I for the unknowns `active` into the row-major lower triangle of `a`
/// (leading dimension ld >= |active|) and factorises it, A = L L^T. When the factorisation fails
/// or its estimated condition number exceeds options.max_condition, the ridge ladder runs:
/// ridge = ridge_scale * trace(G) / K', growing by ridge_growth per attempt. Returns the ridge
/// used (0 when none); throws `eap::error` when the ladder is exhausted.
class ridge_factoriser {
public:
    /// When `quadratic_vector` is given, `*quadratic_value` receives v^T G_SS v (from the first
    /// gather, before any ridge), which costs nothing extra next to the factorisation.
    double factor(const char* function, const gram_system& system, std::int64_t channel, const std::vector<int>& active,
                  double* a, int ld, const least_squares_options& options, const double* quadratic_vector = nullptr,
                  double* quadratic_value = nullptr) {
        const int s = static_cast<int>(active.size());
        if (s == 0) return 0.0;
        const std::int64_t k = system.unknowns();
        const double* g = system.gram.data();
        work_.resize(3 * static_cast<std::size_t>(s));
        iwork_.resize(static_cast<std::size_t>(s));
        double ridge = 0.0;
        const double first_ridge = options.ridge_scale * system.trace() / static_cast<double>(k);
        for (int attempt = 0;; ++attempt) {
            // The lower triangle and the 1-norm (largest column sum of |a|) of G_SS + ridge I.
            column_sums_.assign(static_cast<std::size_t>(s), 0.0);
            for (int i = 0; i < s; ++i) {
                const double* row = g + static_cast<std::int64_t>(active[static_cast<std::size_t>(i)]) * k;
                double* out = a + static_cast<std::size_t>(i) * static_cast<std::size_t>(ld);
                for (int j = 0; j <= i; ++j) {
                    const double v = row[active[static_cast<std::size_t>(j)]] + (i == j ? ridge : 0.0);
                    out[j] = v;
                    column_sums_[static_cast<std::size_t>(j)] += std::abs(v);
                    if (j != i) column_sums_[static_cast<std::size_t>(i)] += std::abs(v);
                }
            }
            double norm1 = 0.0;
            for (double c : column_sums_) norm1 = std::max(norm1, c);
            if (attempt == 0 && quadratic_vector != nullptr) {
                product_.resize(static_cast<std::size_t>(s));
                cblas_dsymv(CblasRowMajor, CblasLower, s, 1.0, a, ld, quadratic_vector, 1, 0.0, product_.data(), 1);
                double q = 0.0;
                for (int i = 0; i < s; ++i) q += quadratic_vector[i] * product_[static_cast<std::size_t>(i)];
                *quadratic_value = q;
            }
            if (detail::lapack::cholesky_factor(a, s, ld) == 0) {
                const double rcond = detail::lapack::reciprocal_condition(a, s, ld, norm1, work_.data(), iwork_.data());
                if (rcond * options.max_condition >= 1.0) return ridge;
            }
            if (attempt >= options.max_ridge_steps || !(first_ridge > 0.0))
                throw error(detail::message(function, ": the least-squares system of output channel ", channel, " (", s,
                                            " unknowns) stays singular with a ridge term of ", ridge,
                                            "; raise least_squares_options::max_ridge_steps or check the samples"));
            ridge = ridge == 0.0 ? first_ridge : ridge * options.ridge_growth;
        }
    }

private:
    std::vector<double> column_sums_;
    std::vector<double> product_;
    std::vector<double> work_;
    std::vector<int> iwork_;
};

/// What one channel's solve gives: the ridge used and the output errors of the given and of the
/// fitted unknowns.
struct channel_solution {
    double ridge = 0.0;
    double error_before = 0.0;
    double error_after = 0.0;
};

/// Solves (G_SS + ridge I) w = b_S for one channel. Reuses its buffers from call to call.
class channel_solver {
public:
    /// Solves for the unknowns `active` (indices into 0..K'-1) of channel `channel` of `system`;
    /// `given` holds their current values (for error_before), `solution` receives the fit.
    /// error_after = c - w^T b - ridge |w|^2, which equals ||y - X w||^2 at the solution of the
    /// ridge system and needs O(s) instead of another pass over G_SS.
    channel_solution solve(const char* function, const gram_system& system, std::int64_t channel,
                           const std::vector<int>& active, const std::vector<double>& given,
                           std::vector<double>& solution, const least_squares_options& options) {
        channel_solution out;
        const int s = static_cast<int>(active.size());
        const double c = system.output_energy(channel);
        solution.assign(active.size(), 0.0);
        if (s == 0) {
            out.error_before = out.error_after = c;
            return out;
        }
        double quadratic = 0.0;
        if (&system == factored_system_ && active == factored_active_) {
            // Channels with the same kept set (all of them, when nothing is pruned) share the
            // factor of G_SS: one s^3/3 factorisation instead of one per channel.
            out.ridge = factored_ridge_;
            const std::int64_t k = system.unknowns();
            for (int i = 0; i < s; ++i) {
                const double* row = system.gram.data() + static_cast<std::int64_t>(active[static_cast<std::size_t>(i)]) * k;
                double dot = 0.0;
                for (int j = 0; j < s; ++j) dot += row[active[static_cast<std::size_t>(j)]] * given[static_cast<std::size_t>(j)];
                quadratic += given[static_cast<std::size_t>(i)] * dot;
            }
        } else {
            matrix_.resize(static_cast<std::size_t>(s) * static_cast<std::size_t>(s));
            out.ridge =
                factoriser_.factor(function, system, channel, active, matrix_.data(), s, options, given.data(), &quadratic);
            factored_system_ = &system;
            factored_active_ = active;
            factored_ridge_ = out.ridge;
        }
        const double* b = &system.cross(channel, 0);
        double given_linear = 0.0;
        for (int i = 0; i < s; ++i) {
            solution[static_cast<std::size_t>(i)] = b[active[static_cast<std::size_t>(i)]];
            given_linear += given[static_cast<std::size_t>(i)] * b[active[static_cast<std::size_t>(i)]];
        }
        out.error_before = c - 2.0 * given_linear + quadratic;
        detail::lapack::cholesky_solve(matrix_.data(), s, s, solution.data());
        double linear = 0.0, norm = 0.0;
        for (int i = 0; i < s; ++i) {
            const double w = solution[static_cast<std::size_t>(i)];
            linear += w * b[active[static_cast<std::size_t>(i)]];
            norm += w * w;
        }
        out.error_after = c - linear - out.ridge * norm;
        return out;
    }

private:
    std::vector<double> matrix_;
    ridge_factoriser factoriser_;
    // The kept set `matrix_` holds the factor of.
    const gram_system* factored_system_ = nullptr;
    std::vector<int> factored_active_;
    double factored_ridge_ = 0.0;
};

/// Fits the channels of one layer (rows of the M x K view) with the kept sets `keep` (an M x K
/// 0/1 array). Shared by the least-squares fit and by restoration's final fit.
template <class M, std::size_t Rank>
least_squares_result<Rank> fit_rows(const char* function, system_list groups, const xt::xtensor<float, Rank>& weights,
                                    const M* keep, const xt::xtensor<float, 1>& bias, std::int64_t per_group,
                                    const least_squares_options& options) {
    const std::int64_t rows = detail::matrix_rows(weights);
    const std::int64_t cols = detail::matrix_cols(weights);
    const bool fit_bias = groups[0].bias_column;
    least_squares_result<Rank> result;
    result.weights = xt::zeros<float>(weights.shape());
    result.bias = fit_bias ? xt::xtensor<float, 1>(xt::zeros<float>({static_cast<std::size_t>(rows)})) : bias;
    result.report.channels.resize(static_cast<std::size_t>(rows));
    channel_solver solver;
    std::vector<int> active;
    std::vector<double> solution;
    std::vector<double> given;
    for (std::int64_t m = 0; m < rows; ++m) {
        const gram_system& system = groups[static_cast<std::size_t>(m / per_group)];
        const std::int64_t channel = m % per_group;
        const float* w = weights.data() + m * cols;
        const M* kept = keep + m * cols;
        const float given_bias = bias.size() != 0 ? bias(m) : 0.0f;
        channel_fit& report = result.report.channels[static_cast<std::size_t>(m)];

        // Unknowns: kept weights whose input is not identically zero, and the bias. A kept
        // weight on an all-zero input column cannot be fitted (it changes nothing on the
        // samples); it keeps its value rather than making G_SS singular.
        active.clear();
        given.clear();
        float* out = result.weights.data() + m * cols;
        for (std::int64_t j = 0; j < cols; ++j) {
            if (kept[j] == M(0)) continue;
            ++report.kept;
            if (system.gram(j, j) > 0.0) {
                active.push_back(static_cast<int>(j));
                given.push_back(w[j]);
            } else {
                ++report.inactive_inputs;
                out[j] = w[j];
            }
        }
        if (fit_bias) {
            active.push_back(static_cast<int>(cols));
            given.push_back(given_bias);
        }
        const channel_solution solved = solver.solve(function, system, channel, active, given, solution, options);
        report.ridge = solved.ridge;
        report.error_before = std::max(0.0, solved.error_before);
        report.error_after = std::max(0.0, solved.error_after);
        for (std::size_t i = 0; i < active.size(); ++i) {
            const float value = static_cast<float>(solution[i]);
            if (active[i] == cols) {
                result.bias(m) = value;
            } else {
                out[active[i]] = value;
            }
        }

        result.report.output_energy += system.output_energy(channel);
        result.report.error_before += report.error_before;
        result.report.error_after += report.error_after;
        if (report.ridge > 0.0) {
            ++result.report.ridge_channels;
            result.report.max_ridge = std::max(result.report.max_ridge, report.ridge);
        }
    }
    return result;
}

}  // namespace detail

/// Least-squares local fine-tuning of a layer: `systems` holds one `gram_system` per group (one
/// for an ungrouped layer), group g covering output channels [g M/groups, (g+1) M/groups);
/// `weights` is M x K (FC) or M x C/groups x R x S (CONV); `mask` says which weights are kept;
/// `bias` has M entries, or none for a zero bias. When the systems have a bias column the bias
/// is fitted as well. Throws `eap::shape_error` / `eap::argument_error` on mismatched shapes or
/// a mask that is not 0/1, and `eap::error` if a system stays singular even with a ridge term.
template <class M, std::size_t Rank>
least_squares_result<Rank> fit_least_squares(const std::vector<gram_system>& systems,
                                             const xt::xtensor<float, Rank>& weights, const xt::xtensor<M, Rank>& mask,
                                             const xt::xtensor<float, 1>& bias,
                                             const least_squares_options& options = {}) {
    const char* function = "eap::fit_least_squares";
    const detail::system_list groups{systems.data(), systems.size()};
    detail::check_least_squares_options(function, options);
    const std::int64_t per_group = detail::check_layer_systems(function, groups, weights, mask, bias);
    return detail::fit_rows(function, groups, weights, mask.data(), bias, per_group, options);
}

/// The same for an ungrouped layer (one system).
template <class M, std::size_t Rank>
least_squares_result<Rank> fit_least_squares(const gram_system& system, const xt::xtensor<float, Rank>& weights,
                                             const xt::xtensor<M, Rank>& mask, const xt::xtensor<float, 1>& bias,
                                             const least_squares_options& options = {}) {
    const char* function = "eap::fit_least_squares";
    const detail::system_list groups{&system, 1};
    detail::check_least_squares_options(function, options);
    const std::int64_t per_group = detail::check_layer_systems(function, groups, weights, mask, bias);
    return detail::fit_rows(function, groups, weights, mask.data(), bias, per_group, options);
}

}  // namespace eap
