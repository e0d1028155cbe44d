// SPDX-License-Identifier: MIT
#pragma once

#include <algorithm>
#include <cmath>
#include <cstddef>
#include <cstdint>
#include <queue>
#include <vector>

#include "eap/detail/blas_lapack.hpp"
#include "eap/detail/checked_arithmetic.hpp"
#include "eap/detail/xtensor.hpp"
#include "eap/error.hpp"
#include "eap/prune/gram_matrix.hpp"
#include "eap/prune/least_squares_fit.hpp"
#include "eap/prune/weight_mask.hpp"

namespace eap {

/// Restoration: from an over-pruned mask, greedily put back the removed weights whose return
/// (with the channel's kept weights re-fitted) cuts the layer's output error the most. The gain
/// of candidate j is exactly r_j^2 / d_j (r = b - G_{:,S} w_S, d_j what column j adds beyond
/// the span of S); both come from a Cholesky factor of G_SS grown one row per restored weight,
/// at O(K s) per restored weight, never a refit per candidate.
struct restoration_options {
    /// The ridge ladder of the incremental factor and of the final least-squares fit.
    least_squares_options fit{};
    /// A channel stops restoring when its best gain falls below this fraction of ||y_m||^2.
    double min_relative_gain = 0.0;
    /// Candidate j is skipped while d_j <= spanned_tolerance * G_jj: its input column is (up to
    /// rounding) a combination of the kept ones, so returning it cannot lower the error.
    double spanned_tolerance = 1e-6;
};

/// What happened to one output channel.
struct channel_restoration {
    std::int64_t kept_before = 0;
    std::int64_t kept_after = 0;
    /// Output error of the over-pruned set refitted, before any weight returns (with a ridge term
    /// `ridge` > 0 this is the ridge objective).
    double error_start = 0.0;
    /// error_start minus the gains: the (ridge) objective of the restored set.
    double error_restored = 0.0;
    double ridge = 0.0;
    std::vector<std::int64_t> restored;  ///< columns (0..K-1 within the channel) in the order returned
    std::vector<double> gains;           ///< the error reduction of each
    /// True when the channel stopped with gain left to take only because no candidate remained,
    /// every candidate was spanned, or the best gain fell below the threshold.
    bool exhausted = false;
};

/// One restored weight of the layer: output channel, column within the channel, gain.
struct restoration_step {
    std::int64_t channel = 0;
    std::int64_t column = 0;
    double gain = 0.0;
};

/// What happened to the layer. `fit` is the final least-squares fit on the restored masks (its
/// error_before is that of the given weights under the restored mask).
struct restoration_report {
    std::vector<channel_restoration> channels;
    std::vector<restoration_step> steps;  ///< in the order the weights were returned
    std::int64_t kept_before = 0;
    std::int64_t kept_after = 0;
    std::int64_t target = 0;
    bool target_reached = false;
    double output_energy = 0.0;
    double error_given = 0.0;     ///< given weights under the given (over-pruned) mask, not refitted
    double error_start = 0.0;     ///< sum of the channels' error_start
    double error_restored = 0.0;  ///< sum of the channels' error_restored
    double error_after = 0.0;     ///< after the final fit, float weights (= fit.error_after)
    least_squares_report fit;
};

/// The restored mask, the weights and bias fitted on it, and the report.
template <std::size_t Rank>
struct restoration_result {
    xt::xtensor<float, Rank> weights;
    weight_mask<Rank> mask;
    xt::xtensor<float, 1> bias;
    restoration_report report;
};

namespace detail {

/// The incremental greedy state of one output channel: L (Cholesky factor of G_SS + ridge I,
/// grown row by row), z = L^-1 b_S, and for every candidate j: v_j = L^-1 G_Sj, d_j = G_jj +
/// ridge - |v_j|^2, t_j = v_j . z. Then E(S) = c - |z|^2 and gain_j = (b_j - t_j)^2 / d_j.
class channel_restorer {
public:
    /// `active`: the unknowns in S (kept weights with a non-zero input column, and the bias);
    /// `candidates`: columns that may return. Room is made for `capacity` restorations.
    channel_restorer(const char* function, const gram_system& system, std::int64_t channel, std::vector<int> active,
                     std::vector<int> candidates, std::int64_t capacity, const restoration_options& options)
        : system_(&system),
          channel_(channel),
          k_(system.unknowns()),
          active_(std::move(active)),
          candidates_(std::move(candidates)),
          options_(options) {
        const std::int64_t s0 = static_cast<std::int64_t>(active_.size());
        capacity = std::min<std::int64_t>(capacity, static_cast<std::int64_t>(candidates_.size()));
        // Without room for a restoration the candidates' state would never be used.
        if (capacity <= 0) candidates_.clear();
        ld_ = static_cast<int>(s0 + std::max<std::int64_t>(capacity, 0));
        ld_ = std::max(ld_, 1);
        const double* g = system.gram.data();
        const double* b = &system.cross(channel, 0);
        l_.assign(static_cast<std::size_t>(ld_) * static_cast<std::size_t>(ld_), 0.0);
        const int s = static_cast<int>(s0);
        {
            ridge_factoriser factoriser;
            ridge_ = factoriser.factor(function, system, channel, active_, l_.data(), ld_, options.fit);
        }
        s_ = s;

        z_.assign(static_cast<std::size_t>(ld_), 0.0);
        for (int i = 0; i < s; ++i) z_[static_cast<std::size_t>(i)] = b[active_[static_cast<std::size_t>(i)]];
        if (s > 0) cblas_dtrsv(CblasRowMajor, CblasLower, CblasNoTrans, CblasNonUnit, s, l_.data(), ld_, z_.data(), 1);
        energy_ = system.output_energy(channel);
        double zz = 0.0;
        for (int i = 0; i < s; ++i) zz += z_[static_cast<std::size_t>(i)] * z_[static_cast<std::size_t>(i)];
        error_ = energy_ - zz;

        // V (one row per candidate) = G_CS L^-T, then d and t.
        const std::size_t c = candidates_.size();
        v_.assign(c * static_cast<std::size_t>(ld_), 0.0);
        d_.assign(c, 0.0);
        t_.assign(c, 0.0);
        for (std::size_t r = 0; r < c; ++r) {
            const double* row = g + static_cast<std::int64_t>(candidates_[r]) * k_;
            double* out = &v_[r * static_cast<std::size_t>(ld_)];
            for (int i = 0; i < s; ++i) out[i] = row[active_[static_cast<std::size_t>(i)]];
        }
        if (s > 0 && c > 0)
            cblas_dtrsm(CblasRowMajor, CblasRight, CblasLower, CblasTrans, CblasNonUnit, static_cast<int>(c), s, 1.0,
                        l_.data(), ld_, v_.data(), ld_);
        for (std::size_t r = 0; r < c; ++r) {
            const double* v = &v_[r * static_cast<std::size_t>(ld_)];
            double vv = 0.0;
            double vz = 0.0;
            for (int i = 0; i < s; ++i) {
                vv += v[i] * v[i];
                vz += v[i] * z_[static_cast<std::size_t>(i)];
            }
            d_[r] = g[static_cast<std::int64_t>(candidates_[r]) * (k_ + 1)] + ridge_ - vv;
            t_[r] = vz;
        }
    }

    double ridge() const { return ridge_; }
    /// c - |z|^2: the (ridge) objective of the current set.
    double objective() const { return error_; }
    double output_energy() const { return energy_; }
    std::int64_t restorations_left() const { return ld_ - s_; }

    /// The best candidate (column, gain); false when none adds anything beyond the kept columns.
    /// Ties go to the lower column.
    bool best(int& column, double& gain, std::size_t& position) const {
        const double* g = system_->gram.data();
        const double* b = &system_->cross(channel_, 0);
        bool found = false;
        for (std::size_t r = 0; r < candidates_.size(); ++r) {
            const int j = candidates_[r];
            const double gjj = g[static_cast<std::int64_t>(j) * (k_ + 1)] + ridge_;
            if (!(d_[r] > options_.spanned_tolerance * gjj)) continue;
            const double residual = b[j] - t_[r];
            const double candidate_gain = residual * residual / d_[r];
            if (!found || candidate_gain > gain || (candidate_gain == gain && j < column)) {
                found = true;
                column = j;
                gain = candidate_gain;
                position = r;
            }
        }
        return found;
    }

    /// Moves candidate `position` into S: appends (v_k, sqrt(d_k)) to L and (b_k - t_k)/sqrt(d_k)
    /// to z, and updates every other candidate's v, d and t in O(|C| s).
    void add(std::size_t position) {
        if (s_ >= ld_) throw eap::error("eap::detail::channel_restorer::add: no room left (internal error)");
        const double* g = system_->gram.data();
        const double* b = &system_->cross(channel_, 0);
        const int k = candidates_[position];
        const double dk = d_[position];
        const double root = std::sqrt(dk);
        const double z_new = (b[k] - t_[position]) / root;
        vk_.assign(v_.begin() + static_cast<std::ptrdiff_t>(position) * ld_,
                   v_.begin() + static_cast<std::ptrdiff_t>(position) * ld_ + s_);
        double* lrow = &l_[static_cast<std::size_t>(s_) * ld_];
        std::copy(vk_.begin(), vk_.end(), lrow);
        lrow[s_] = root;
        z_[static_cast<std::size_t>(s_)] = z_new;
        error_ -= z_new * z_new;
        active_.push_back(k);

        // Remove k from the candidates (the last one takes its place).
        const std::size_t last = candidates_.size() - 1;
        if (position != last) {
            std::copy(v_.begin() + static_cast<std::ptrdiff_t>(last) * ld_,
                      v_.begin() + static_cast<std::ptrdiff_t>(last) * ld_ + s_,
                      v_.begin() + static_cast<std::ptrdiff_t>(position) * ld_);
            candidates_[position] = candidates_[last];
            d_[position] = d_[last];
            t_[position] = t_[last];
        }
        candidates_.pop_back();
        d_.pop_back();
        t_.pop_back();

        // u_j = (G_kj - v_k . v_j) / sqrt(d_k) for every remaining candidate.
        const std::size_t c = candidates_.size();
        u_.resize(c);
        const double* gk = g + static_cast<std::int64_t>(k) * k_;
        for (std::size_t r = 0; r < c; ++r) u_[r] = gk[candidates_[r]];
        if (c > 0 && s_ > 0)
            cblas_dgemv(CblasRowMajor, CblasNoTrans, static_cast<int>(c), s_, -1.0, v_.data(), ld_, vk_.data(), 1, 1.0,
                        u_.data(), 1);
        for (std::size_t r = 0; r < c; ++r) {
            const double u = u_[r] / root;
            v_[r * static_cast<std::size_t>(ld_) + static_cast<std::size_t>(s_)] = u;
            d_[r] -= u * u;
            t_[r] += u * z_new;
        }
        ++s_;
    }

    /// Returns the candidate of column `column` (replaying a recorded sequence).
    void add_column(int column) {
        for (std::size_t r = 0; r < candidates_.size(); ++r) {
            if (candidates_[r] == column) {
                add(r);
                return;
            }
        }
        throw eap::error("eap::detail::channel_restorer::add_column: not a candidate (internal error)");
    }

private:
    const gram_system* system_;
    std::int64_t channel_;
    std::int64_t k_;
    std::vector<int> active_;
    std::vector<int> candidates_;
    restoration_options options_;
    int ld_ = 1;
    int s_ = 0;
    double ridge_ = 0.0;
    double energy_ = 0.0;
    double error_ = 0.0;
    std::vector<double> l_, z_, v_, d_, t_, vk_, u_;
};

/// The unknowns and candidates of row m: active = kept columns with a non-zero input (and the
/// bias), candidates = eligible columns not kept with a non-zero input.
template <class M, class C>
void restoration_sets(const gram_system& system, const M* kept, const C* eligible, std::int64_t cols,
                      std::vector<int>& active, std::vector<int>& candidates) {
    active.clear();
    candidates.clear();
    for (std::int64_t j = 0; j < cols; ++j) {
        const bool nonzero_column = system.gram(j, j) > 0.0;
        if (kept[j] != M(0)) {
            if (nonzero_column) active.push_back(static_cast<int>(j));
        } else if ((eligible == nullptr || eligible[j] != C(0)) && nonzero_column) {
            candidates.push_back(static_cast<int>(j));
        }
    }
    if (system.bias_column) active.push_back(static_cast<int>(cols));
}

inline void check_restoration_options(const char* function, const restoration_options& o) {
    detail::check_least_squares_options(function, o.fit);
    if (!(o.min_relative_gain >= 0.0) || !std::isfinite(o.min_relative_gain))
        throw argument_error(detail::message(
            function, ": option 'min_relative_gain' must be finite and not negative (got ", o.min_relative_gain, ")"));
    if (!(o.spanned_tolerance >= 0.0 && o.spanned_tolerance < 1.0))
        throw argument_error(detail::message(function, ": option 'spanned_tolerance' must be in [0, 1) (got ",
                                             o.spanned_tolerance, ")"));
}

/// Greedy restoration of one channel for up to `steps` weights, recording columns and gains.
/// Returns true when the channel is exhausted (no useful candidate left, or below threshold).
inline bool run_channel(channel_restorer& restorer, std::int64_t steps, double threshold,
                        std::vector<std::int64_t>& columns, std::vector<double>& gains) {
    for (std::int64_t step = 0; step < steps; ++step) {
        int column = -1;
        double gain = 0.0;
        std::size_t position = 0;
        if (!restorer.best(column, gain, position) || gain < threshold) return true;
        if (restorer.restorations_left() == 0) return false;
        restorer.add(position);
        columns.push_back(column);
        gains.push_back(gain);
    }
    int column = -1;
    double gain = 0.0;
    std::size_t position = 0;
    return !restorer.best(column, gain, position) || gain < threshold;
}

/// Shared driver. `targets` empty: one layer-wide target (greedy across all channels);
/// otherwise one target per output channel.
template <class M, class C, std::size_t Rank>
restoration_result<Rank> restore(const char* function, system_list groups, const xt::xtensor<float, Rank>& weights,
                                 const xt::xtensor<M, Rank>& mask, const C* eligible, const xt::xtensor<float, 1>& bias,
                                 std::int64_t layer_target, const std::vector<std::int64_t>& targets,
                                 const restoration_options& options) {
    detail::check_restoration_options(function, options);
    const std::int64_t per_group = detail::check_layer_systems(function, groups, weights, mask, bias);
    const std::int64_t rows = detail::matrix_rows(weights);
    const std::int64_t cols = detail::matrix_cols(weights);
    const bool per_channel = !targets.empty();
    const std::vector<std::int64_t> kept = eap::kept_per_output_channel(mask);
    const std::int64_t kept_before = eap::kept_count(mask);
    const std::int64_t total = static_cast<std::int64_t>(weights.size());
    if (per_channel) {
        if (static_cast<std::int64_t>(targets.size()) != rows)
            throw shape_error(detail::message(function, ": argument 'targets' has ", targets.size(),
                                              " entries but 'weights' has ", rows, " output channels"));
        for (std::size_t m = 0; m < targets.size(); ++m) {
            if (targets[m] < kept[m] || targets[m] > cols)
                throw argument_error(detail::message(function, ": argument 'targets[", m, "]' = ", targets[m],
                                                     " must lie between the channel's kept count ", kept[m],
                                                     " and its ", cols, " weights"));
        }
    } else if (layer_target < kept_before || layer_target > total) {
        throw argument_error(detail::message(function, ": argument 'target_kept' = ", layer_target,
                                             " must lie between the mask's kept count ", kept_before,
                                             " and the layer's ", total, " weights"));
    }

    restoration_report report;
    report.channels.resize(static_cast<std::size_t>(rows));
    report.kept_before = kept_before;
    std::vector<std::vector<int>> actives(static_cast<std::size_t>(rows));
    std::vector<std::vector<int>> candidate_sets(static_cast<std::size_t>(rows));
    std::vector<int> given_indices;
    std::vector<double> given_values;
    for (std::int64_t m = 0; m < rows; ++m) {
        const gram_system& system = groups[static_cast<std::size_t>(m / per_group)];
        const C* eligible_row = eligible != nullptr ? eligible + m * cols : nullptr;
        detail::restoration_sets(system, mask.data() + m * cols, eligible_row, cols,
                                 actives[static_cast<std::size_t>(m)], candidate_sets[static_cast<std::size_t>(m)]);
        // The given (masked) weights and bias as a sparse unknown vector.
        given_indices.clear();
        given_values.clear();
        const float* row = weights.data() + m * cols;
        const M* kept_row = mask.data() + m * cols;
        for (std::int64_t j = 0; j < cols; ++j)
            if (kept_row[j] != M(0) && row[j] != 0.0f) {
                given_indices.push_back(static_cast<int>(j));
                given_values.push_back(row[j]);
            }
        if (system.bias_column && bias.size() != 0) {
            given_indices.push_back(static_cast<int>(cols));
            given_values.push_back(bias(m));
        }
        report.error_given += std::max(0.0, system.output_error(m % per_group, given_indices, given_values.data()));
        report.channels[static_cast<std::size_t>(m)].kept_before = kept[static_cast<std::size_t>(m)];
    }

    auto make_restorer = [&](std::int64_t m, std::int64_t capacity) {
        const gram_system& system = groups[static_cast<std::size_t>(m / per_group)];
        return channel_restorer(function, system, m % per_group, actives[static_cast<std::size_t>(m)],
                                candidate_sets[static_cast<std::size_t>(m)], capacity, options);
    };
    auto threshold_of = [&](std::int64_t m) {
        return options.min_relative_gain * groups[static_cast<std::size_t>(m / per_group)].output_energy(m % per_group);
    };

    // Every channel's greedy sequence, computed one channel at a time (the state of one channel
    // can take |candidates| x s doubles, too much to hold for all channels at once).
    std::vector<std::vector<std::int64_t>> columns(static_cast<std::size_t>(rows));
    std::vector<std::vector<double>> gains(static_cast<std::size_t>(rows));
    std::vector<char> exhausted(static_cast<std::size_t>(rows), 0);
    const std::int64_t wanted = per_channel ? 0 : layer_target - kept_before;
    const std::int64_t first_steps =
        per_channel ? 0 : std::max<std::int64_t>(8, detail::ceil_div(2 * wanted, std::max<std::int64_t>(rows, 1)));
    for (std::int64_t m = 0; m < rows; ++m) {
        const std::size_t mi = static_cast<std::size_t>(m);
        const std::int64_t steps = per_channel ? targets[mi] - kept[mi] : std::min<std::int64_t>(first_steps, wanted);
        channel_restorer restorer = make_restorer(m, steps);
        channel_restoration& channel = report.channels[mi];
        channel.ridge = restorer.ridge();
        channel.error_start = restorer.objective();
        if (steps > 0)
            exhausted[mi] = detail::run_channel(restorer, steps, threshold_of(m), columns[mi], gains[mi]) ? 1 : 0;
    }

    // Which prefix of each sequence to take.
    std::vector<std::int64_t> taken(static_cast<std::size_t>(rows), 0);
    if (per_channel) {
        for (std::int64_t m = 0; m < rows; ++m) {
            const std::size_t mi = static_cast<std::size_t>(m);
            taken[mi] = static_cast<std::int64_t>(columns[mi].size());
            for (std::size_t i = 0; i < columns[mi].size(); ++i)
                report.steps.push_back(restoration_step{m, columns[mi][i], gains[mi][i]});
        }
    } else {
        // Channels are independent (the layer error is the sum of the channels' errors), so the
        // greedy choice across the layer is a merge of the channels' greedy sequences by gain.
        // A channel whose computed sequence runs out before it is exhausted is extended: its
        // state is rebuilt by replaying its sequence (bit for bit the same) and run further.
        struct head {
            double gain;
            std::int64_t channel;
            bool operator<(const head& other) const {
                return gain < other.gain || (gain == other.gain && channel > other.channel);
            }
        };
        std::priority_queue<head> heads;
        for (std::int64_t m = 0; m < rows; ++m)
            if (!gains[static_cast<std::size_t>(m)].empty()) heads.push(head{gains[static_cast<std::size_t>(m)][0], m});
        std::int64_t restored = 0;
        while (restored < wanted && !heads.empty()) {
            const head top = heads.top();
            heads.pop();
            const std::size_t mi = static_cast<std::size_t>(top.channel);
            const std::int64_t index = taken[mi]++;
            report.steps.push_back(
                restoration_step{top.channel, columns[mi][static_cast<std::size_t>(index)], top.gain});
            ++restored;
            if (taken[mi] == static_cast<std::int64_t>(columns[mi].size()) && !exhausted[mi] && restored < wanted) {
                const std::int64_t more = std::max<std::int64_t>(first_steps, taken[mi]);
                channel_restorer restorer = make_restorer(top.channel, taken[mi] + more);
                for (std::int64_t column : columns[mi]) restorer.add_column(static_cast<int>(column));
                exhausted[mi] =
                    detail::run_channel(restorer, more, threshold_of(top.channel), columns[mi], gains[mi]) ? 1 : 0;
            }
            if (taken[mi] < static_cast<std::int64_t>(columns[mi].size()))
                heads.push(head{gains[mi][static_cast<std::size_t>(taken[mi])], top.channel});
        }
    }

    // The restored masks and the final least-squares fit on them.
    weight_mask<Rank> new_mask = eap::mask_cast<std::uint8_t>(mask);
    for (std::int64_t m = 0; m < rows; ++m) {
        const std::size_t mi = static_cast<std::size_t>(m);
        channel_restoration& channel = report.channels[mi];
        channel.restored.assign(columns[mi].begin(), columns[mi].begin() + taken[mi]);
        channel.gains.assign(gains[mi].begin(), gains[mi].begin() + taken[mi]);
        channel.exhausted = exhausted[mi] != 0 && taken[mi] == static_cast<std::int64_t>(columns[mi].size());
        double restored_gain = 0.0;
        for (double g : channel.gains) restored_gain += g;
        channel.error_restored = channel.error_start - restored_gain;
        for (std::int64_t column : channel.restored) new_mask.data()[m * cols + column] = 1;
        channel.kept_after = channel.kept_before + static_cast<std::int64_t>(channel.restored.size());
        report.kept_after += channel.kept_after;
        report.error_start += channel.error_start;
        report.error_restored += channel.error_restored;
    }
    report.target = per_channel ? 0 : layer_target;
    if (per_channel) {
        report.target_reached = true;
        for (std::int64_t m = 0; m < rows; ++m) {
            report.target += targets[static_cast<std::size_t>(m)];
            report.target_reached = report.target_reached && report.channels[static_cast<std::size_t>(m)].kept_after ==
                                                                 targets[static_cast<std::size_t>(m)];
        }
    } else {
        report.target_reached = report.kept_after == layer_target;
    }

    least_squares_result<Rank> fitted =
        detail::fit_rows(function, groups, weights, new_mask.data(), bias, per_group, options.fit);
    report.output_energy = fitted.report.output_energy;
    report.error_after = fitted.report.error_after;
    report.fit = std::move(fitted.report);
    restoration_result<Rank> result;
    result.weights = std::move(fitted.weights);
    result.bias = std::move(fitted.bias);
    result.mask = std::move(new_mask);
    result.report = std::move(report);
    return result;
}

}  // namespace detail

/// Restores weights of a layer until `target_kept` weights are kept in all, choosing across all
/// output channels the return that cuts the layer's output error most (the layer error is the
/// sum of its channels' errors, so the gains compare directly). `systems` holds one
/// `gram_system` per group; `mask` is the over-pruned mask; any weight it prunes may return.
/// The result holds the new mask and the weights least-squares fitted on it. Stops early (and
/// says so in `report.target_reached`) when no candidate can lower the error any further or the
/// best gain falls below `options.min_relative_gain`. Throws `eap::argument_error` when
/// target_kept is below the mask's kept count or above the layer's weight count.
template <class M, std::size_t Rank>
restoration_result<Rank> restore_weights(const std::vector<gram_system>& systems,
                                         const xt::xtensor<float, Rank>& weights, const xt::xtensor<M, Rank>& mask,
                                         const xt::xtensor<float, 1>& bias, std::int64_t target_kept,
                                         const restoration_options& options = {}) {
    return detail::restore<M, std::uint8_t, Rank>("eap::restore_weights",
                                                  detail::system_list{systems.data(), systems.size()}, weights, mask,
                                                  nullptr, bias, target_kept, {}, options);
}

/// As above, only weights whose `candidates` entry is 1 may return (e.g. those the last
/// magnitude step removed, so that weights pruned in earlier rounds stay pruned).
template <class M, class C, std::size_t Rank>
restoration_result<Rank> restore_weights(const std::vector<gram_system>& systems,
                                         const xt::xtensor<float, Rank>& weights, const xt::xtensor<M, Rank>& mask,
                                         const xt::xtensor<C, Rank>& candidates, const xt::xtensor<float, 1>& bias,
                                         std::int64_t target_kept, const restoration_options& options = {}) {
    const char* function = "eap::restore_weights";
    detail::check_mask(function, "candidates", candidates, "weights", weights);
    return detail::restore<M, C, Rank>(function, detail::system_list{systems.data(), systems.size()}, weights, mask,
                                       candidates.data(), bias, target_kept, {}, options);
}

/// Restores each output channel m on its own until it keeps `targets[m]` weights (for example
/// the per-channel counts of a magnitude mask at the target density).
template <class M, std::size_t Rank>
restoration_result<Rank> restore_weights_per_channel(const std::vector<gram_system>& systems,
                                                     const xt::xtensor<float, Rank>& weights,
                                                     const xt::xtensor<M, Rank>& mask,
                                                     const xt::xtensor<float, 1>& bias,
                                                     const std::vector<std::int64_t>& targets,
                                                     const restoration_options& options = {}) {
    const char* function = "eap::restore_weights_per_channel";
    if (targets.empty())
        throw argument_error(
            detail::message(function, ": argument 'targets' is empty (one entry per output channel needed)"));
    return detail::restore<M, std::uint8_t, Rank>(function, detail::system_list{systems.data(), systems.size()},
                                                  weights, mask, nullptr, bias, 0, targets, options);
}

/// Single-system (ungrouped layer) forms.
template <class M, std::size_t Rank>
restoration_result<Rank> restore_weights(const gram_system& system, const xt::xtensor<float, Rank>& weights,
                                         const xt::xtensor<M, Rank>& mask, const xt::xtensor<float, 1>& bias,
                                         std::int64_t target_kept, const restoration_options& options = {}) {
    return detail::restore<M, std::uint8_t, Rank>("eap::restore_weights", detail::system_list{&system, 1}, weights,
                                                  mask, nullptr, bias, target_kept, {}, options);
}

template <class M, std::size_t Rank>
restoration_result<Rank> restore_weights_per_channel(const gram_system& system, const xt::xtensor<float, Rank>& weights,
                                                     const xt::xtensor<M, Rank>& mask,
                                                     const xt::xtensor<float, 1>& bias,
                                                     const std::vector<std::int64_t>& targets,
                                                     const restoration_options& options = {}) {
    const char* function = "eap::restore_weights_per_channel";
    if (targets.empty())
        throw argument_error(
            detail::message(function, ": argument 'targets' is empty (one entry per output channel needed)"));
    return detail::restore<M, std::uint8_t, Rank>(function, detail::system_list{&system, 1}, weights, mask, nullptr,
                                                  bias, 0, targets, options);
}

}  // namespace eap
