#include <algorithm>
#include <cmath>
#include <cstdint>
#include <random>
#include <vector>

#include "catch.hpp"
#include "eap/prune/gram_matrix.hpp"
#include "eap/prune/least_squares_fit.hpp"
#include "eap/prune/restoration.hpp"
#include "prune_test_support.hpp"

namespace {

struct pick {
    std::int64_t channel;
    std::int64_t column;
    double gain;
};

// Greedy restoration by brute force: at every step refit every channel with every candidate
// added (Gaussian elimination from X and Y), take the largest error reduction (ties: lower
// channel, then lower column). `per_channel_steps` empty: `steps` picks across the layer;
// otherwise that many picks in each channel on its own.
std::vector<pick> brute_force(const xt::xtensor<float, 2>& x, const xt::xtensor<float, 2>& y,
                              const xt::xtensor<std::uint8_t, 2>& mask, const xt::xtensor<std::uint8_t, 2>* eligible,
                              bool bias, std::int64_t steps, const std::vector<std::int64_t>& per_channel_steps) {
    const std::size_t m = y.shape()[1], k = x.shape()[1];
    std::vector<std::vector<int>> sets;
    std::vector<double> errors;
    std::vector<std::vector<double>> ys;
    for (std::size_t c = 0; c < m; ++c) {
        sets.push_back(prune_test::kept_set(mask, c, bias));
        ys.push_back(prune_test::column(y, c));
        errors.push_back(prune_test::refit_error(x, ys.back(), sets.back()));
    }
    auto best_in = [&](std::size_t c, pick& best) {
        bool found = false;
        for (std::size_t j = 0; j < k; ++j) {
            if (std::find(sets[c].begin(), sets[c].end(), static_cast<int>(j)) != sets[c].end()) continue;
            if (eligible != nullptr && !(*eligible)(c, j)) continue;
            std::vector<int> trial = sets[c];
            trial.push_back(static_cast<int>(j));
            const double gain = errors[c] - prune_test::refit_error(x, ys[c], trial);
            if (!found || gain > best.gain) {
                best = pick{static_cast<std::int64_t>(c), static_cast<std::int64_t>(j), gain};
                found = true;
            }
        }
        return found;
    };
    auto take = [&](const pick& p) {
        sets[static_cast<std::size_t>(p.channel)].push_back(static_cast<int>(p.column));
        errors[static_cast<std::size_t>(p.channel)] -= p.gain;
    };
    std::vector<pick> out;
    if (per_channel_steps.empty()) {
        for (std::int64_t step = 0; step < steps; ++step) {
            pick best{0, 0, -1.0};
            bool any = false;
            for (std::size_t c = 0; c < m; ++c) {
                pick p{};
                if (best_in(c, p) && (!any || p.gain > best.gain)) {
                    best = p;
                    any = true;
                }
            }
            if (!any) break;
            take(best);
            out.push_back(best);
        }
    } else {
        for (std::size_t c = 0; c < m; ++c)
            for (std::int64_t step = 0; step < per_channel_steps[c]; ++step) {
                pick p{};
                if (!best_in(c, p)) break;
                take(p);
                out.push_back(p);
            }
    }
    return out;
}

void check_same_picks(const std::vector<eap::restoration_step>& got, const std::vector<pick>& expected) {
    REQUIRE(got.size() == expected.size());
    for (std::size_t i = 0; i < got.size(); ++i) {
        INFO("step " << i);
        CHECK(got[i].channel == expected[i].channel);
        CHECK(got[i].column == expected[i].column);
        CHECK(got[i].gain == Approx(expected[i].gain).epsilon(1e-6).margin(1e-9));
    }
}

// Invariants of every restoration: gains are reductions, the error never rises, pruned weights
// are zero, the returned weights are the least-squares fit on the returned mask.
template <std::size_t Rank>
void check_invariants(const eap::restoration_result<Rank>& r, const std::vector<eap::gram_system>& systems,
                      const xt::xtensor<float, Rank>& w, const xt::xtensor<float, 1>& bias) {
    for (const auto& c : r.report.channels) {
        double running = c.error_start;
        for (double g : c.gains) {
            CHECK(g >= 0.0);
            running -= g;
            CHECK(running <= c.error_start);
        }
        CHECK(c.error_restored <= c.error_start + 1e-12);
        CHECK(c.kept_after == c.kept_before + static_cast<std::int64_t>(c.restored.size()));
    }
    CHECK(r.report.error_after <= r.report.error_start * (1 + 1e-9) + 1e-9);
    for (std::size_t i = 0; i < r.weights.size(); ++i)
        if (!r.mask.data()[i]) CHECK(r.weights.data()[i] == 0.0f);
    const auto refit = eap::fit_least_squares(systems, w, r.mask, bias);
    CHECK((refit.weights == r.weights));
    CHECK(eap::kept_count(r.mask) == r.report.kept_after);
}

}  // namespace

TEST_CASE("restoration per channel picks, at every step, the weight brute force picks", "[prune][restoration]") {
    std::mt19937 rng(41);
    for (int trial = 0; trial < 24; ++trial) {
        const std::size_t k = 4 + rng() % 8, m = 1 + rng() % 3, n = k + 8 + rng() % 30;
        const bool bias = trial % 2 == 1;
        const auto x = prune_test::random_matrix(rng, n, k);
        const auto w = prune_test::random_matrix(rng, m, k);
        const auto y = prune_test::outputs_of(rng, x, w, 0.3f);
        const auto mask = prune_test::random_mask(rng, m, k, 0.3);
        std::vector<std::int64_t> targets;
        std::vector<std::int64_t> steps;
        const auto kept = eap::kept_per_output_channel(mask);
        for (std::size_t c = 0; c < m; ++c) {
            targets.push_back(kept[c] + static_cast<std::int64_t>(
                                            rng() % static_cast<unsigned>(k - static_cast<std::size_t>(kept[c]) + 1)));
            steps.push_back(targets.back() - kept[c]);
        }
        const std::vector<eap::gram_system> systems{
            eap::build_gram_system(x, y, {bias, eap::gram_accumulation::double_precision})};
        const xt::xtensor<float, 1> b = bias ? xt::xtensor<float, 1>(xt::zeros<float>({m})) : xt::xtensor<float, 1>{};
        const auto r = eap::restore_weights_per_channel(systems, w, mask, b, targets);
        INFO("trial " << trial);
        check_same_picks(r.report.steps, brute_force(x, y, mask, nullptr, bias, 0, steps));
        CHECK(r.report.target_reached);
        CHECK(eap::kept_per_output_channel(r.mask) == targets);
        for (std::size_t c = 0; c < m; ++c)
            CHECK(r.report.channels[c].error_start ==
                  Approx(prune_test::refit_error(x, prune_test::column(y, c), prune_test::kept_set(mask, c, bias)))
                      .epsilon(1e-8)
                      .margin(1e-9));
        check_invariants(r, systems, w, b);
    }
}

TEST_CASE("restoration to a layer total equals the brute-force greedy across channels", "[prune][restoration]") {
    std::mt19937 rng(42);
    for (int trial = 0; trial < 24; ++trial) {
        const std::size_t k = 4 + rng() % 8, m = 1 + rng() % 4, n = k + 8 + rng() % 30;
        const bool bias = trial % 2 == 0;
        const auto x = prune_test::random_matrix(rng, n, k);
        const auto w = prune_test::random_matrix(rng, m, k);
        auto y = prune_test::outputs_of(rng, x, w, 0.3f);
        // Channels of very different scale, so that some take many weights and some none.
        for (std::size_t r = 0; r < n; ++r) y(r, 0) *= 8.0f;
        const auto mask = prune_test::random_mask(rng, m, k, 0.25);
        const std::int64_t kept = eap::kept_count(mask);
        const std::int64_t target =
            kept + static_cast<std::int64_t>(rng() % static_cast<unsigned>(m * k - static_cast<std::size_t>(kept) + 1));
        const std::vector<eap::gram_system> systems{
            eap::build_gram_system(x, y, {bias, eap::gram_accumulation::double_precision})};
        const xt::xtensor<float, 1> b = bias ? xt::xtensor<float, 1>(xt::ones<float>({m})) : xt::xtensor<float, 1>{};
        const auto r = eap::restore_weights(systems, w, mask, b, target);
        INFO("trial " << trial << " kept " << kept << " target " << target);
        check_same_picks(r.report.steps, brute_force(x, y, mask, nullptr, bias, target - kept, {}));
        CHECK(r.report.target_reached);
        CHECK(r.report.kept_after == target);
        check_invariants(r, systems, w, b);
    }
}

TEST_CASE("one dominant channel outgrows its first batch of steps and is extended exactly", "[prune][restoration]") {
    std::mt19937 rng(43);
    const std::size_t k = 30, m = 3, n = 80;
    const auto x = prune_test::random_matrix(rng, n, k);
    const auto w = prune_test::random_matrix(rng, m, k);
    auto y = prune_test::outputs_of(rng, x, w, 0.1f);
    for (std::size_t r = 0; r < n; ++r) y(r, 0) *= 100.0f;
    xt::xtensor<std::uint8_t, 2> mask = xt::zeros<std::uint8_t>({m, k});
    for (std::size_t c = 0; c < m; ++c)
        for (std::size_t j = 0; j < 4; ++j) mask(c, j) = 1;
    // 22 restorations; the first pass runs max(8, ceil(2 * 22 / 3)) = 15 steps per channel.
    const std::int64_t target = 12 + 22;
    const std::vector<eap::gram_system> systems{
        eap::build_gram_system(x, y, {false, eap::gram_accumulation::double_precision})};
    const auto r = eap::restore_weights(systems, w, mask, xt::xtensor<float, 1>{}, target);
    CHECK(r.report.channels[0].restored.size() > 15);
    check_same_picks(r.report.steps, brute_force(x, y, mask, nullptr, false, 22, {}));
    check_invariants(r, systems, w, xt::xtensor<float, 1>{});
}

TEST_CASE("single-precision Gram systems pick the same weights where the choice is clear", "[prune][restoration]") {
    std::mt19937 rng(44);
    for (int trial = 0; trial < 10; ++trial) {
        const std::size_t k = 12, m = 2, n = 60;
        const auto x = prune_test::random_matrix(rng, n, k);
        const auto w = prune_test::random_matrix(rng, m, k);
        const auto y = prune_test::outputs_of(rng, x, w, 0.3f);
        const auto mask = prune_test::random_mask(rng, m, k, 0.3);
        const std::int64_t target = eap::kept_count(mask) + 8;
        const std::vector<eap::gram_system> systems{eap::build_gram_system(x, y)};
        const auto r = eap::restore_weights(systems, w, mask, xt::xtensor<float, 1>(xt::zeros<float>({m})), target);
        const auto expected = brute_force(x, y, mask, nullptr, true, 8, {});
        REQUIRE(r.report.steps.size() == expected.size());
        for (std::size_t i = 0; i < expected.size(); ++i) {
            CHECK(r.report.steps[i].gain == Approx(expected[i].gain).epsilon(1e-4).margin(1e-6));
            if (r.report.steps[i].column != expected[i].column || r.report.steps[i].channel != expected[i].channel) {
                // Only a near tie may go the other way, after which the sequences part.
                CHECK(std::abs(r.report.steps[i].gain - expected[i].gain) <= 1e-4 * expected[i].gain);
                break;
            }
        }
    }
}

TEST_CASE("restoration only returns eligible candidates and stops at the gain threshold", "[prune][restoration]") {
    std::mt19937 rng(45);
    const std::size_t k = 10, m = 3, n = 50;
    const auto x = prune_test::random_matrix(rng, n, k);
    const auto w = prune_test::random_matrix(rng, m, k);
    const auto y = prune_test::outputs_of(rng, x, w, 0.3f);
    const auto mask = prune_test::random_mask(rng, m, k, 0.3);
    const auto eligible = prune_test::random_mask(rng, m, k, 0.5);
    const std::vector<eap::gram_system> systems{
        eap::build_gram_system(x, y, {false, eap::gram_accumulation::double_precision})};
    std::int64_t available = eap::kept_count(mask);
    for (std::size_t i = 0; i < mask.size(); ++i) available += (!mask.data()[i] && eligible.data()[i]) ? 1 : 0;
    const auto r =
        eap::restore_weights(systems, w, mask, eligible, xt::xtensor<float, 1>{}, static_cast<std::int64_t>(m * k));
    CHECK_FALSE(r.report.target_reached);
    CHECK(r.report.kept_after == available);
    for (std::size_t i = 0; i < mask.size(); ++i)
        if (r.mask.data()[i] && !mask.data()[i]) CHECK(eligible.data()[i] == 1);
    for (const auto& c : r.report.channels) CHECK(c.exhausted);
    check_same_picks(r.report.steps, brute_force(x, y, mask, &eligible, false, available - eap::kept_count(mask), {}));

    // A threshold of 5% of ||y_m||^2: every returned weight gained at least that, and every
    // channel stopped because its next best gain fell below it.
    eap::restoration_options options;
    options.min_relative_gain = 0.05;
    const auto t =
        eap::restore_weights(systems, w, mask, xt::xtensor<float, 1>{}, static_cast<std::int64_t>(m * k), options);
    CHECK_FALSE(t.report.target_reached);
    for (std::size_t c = 0; c < m; ++c) {
        const double energy = systems[0].output_energy(static_cast<std::int64_t>(c));
        for (double g : t.report.channels[c].gains) CHECK(g >= 0.05 * energy);
        CHECK(t.report.channels[c].exhausted);
    }
}

TEST_CASE("inputs that are always zero are never restored; a target already met changes no mask",
          "[prune][restoration]") {
    std::mt19937 rng(46);
    auto x = prune_test::random_matrix(rng, 40, 8);
    for (std::size_t r = 0; r < 40; ++r) x(r, 5) = 0.0f;
    const auto w = prune_test::random_matrix(rng, 2, 8);
    const auto y = prune_test::outputs_of(rng, x, w, 0.3f);
    xt::xtensor<std::uint8_t, 2> mask = xt::zeros<std::uint8_t>({2, 8});
    const std::vector<eap::gram_system> systems{eap::build_gram_system(x, y)};
    const auto r = eap::restore_weights(systems, w, mask, xt::xtensor<float, 1>(xt::zeros<float>({2})), 16);
    CHECK(r.report.kept_after == 14);
    CHECK(r.mask(0, 5) == 0);
    CHECK(r.mask(1, 5) == 0);
    const auto same = eap::restore_weights(systems, w, mask, xt::xtensor<float, 1>(xt::zeros<float>({2})), 0);
    CHECK((same.mask == mask));
    CHECK(same.report.steps.empty());
    CHECK(same.report.target_reached);
}

TEST_CASE("restoration is deterministic and works on grouped CONV weights", "[prune][restoration]") {
    std::mt19937 rng(47);
    xt::xtensor<float, 4> w = xt::empty<float>({4, 2, 2, 2});  // 2 groups of 2 filters, K = 8
    for (auto& v : w) v = std::normal_distribution<float>()(rng);
    const xt::xtensor<float, 2> w2 = xt::xtensor<float, 2>(xt::reshape_view(w, {4, 8}));
    std::vector<eap::gram_system> systems;
    std::vector<xt::xtensor<float, 2>> xs, ys;
    for (std::size_t g = 0; g < 2; ++g) {
        xs.push_back(prune_test::random_matrix(rng, 40, 8));
        ys.push_back(prune_test::outputs_of(
            rng, xs.back(), xt::xtensor<float, 2>(xt::view(w2, xt::range(2 * g, 2 * g + 2), xt::all())), 0.2f));
        systems.push_back(
            eap::build_gram_system(xs.back(), ys.back(), {true, eap::gram_accumulation::double_precision}));
    }
    const auto mask2 = prune_test::random_mask(rng, 4, 8, 0.3);
    xt::xtensor<std::uint8_t, 4> mask4 = xt::empty<std::uint8_t>({4, 2, 2, 2});
    std::copy(mask2.begin(), mask2.end(), mask4.begin());
    const xt::xtensor<float, 1> bias = xt::zeros<float>({4});
    const std::int64_t target = eap::kept_count(mask4) + 9;
    const auto a = eap::restore_weights(systems, w, mask4, bias, target);
    const auto b = eap::restore_weights(systems, w, mask4, bias, target);
    CHECK((a.mask == b.mask));
    CHECK((a.weights == b.weights));
    CHECK(a.report.error_after == b.report.error_after);
    CHECK(a.report.kept_after == target);
    check_invariants(a, systems, w, bias);
    // The greedy across both groups: brute force over the group systems merged by gain.
    std::vector<pick> merged;
    for (std::size_t g = 0; g < 2; ++g) {
        const xt::xtensor<std::uint8_t, 2> group_mask = xt::view(mask2, xt::range(2 * g, 2 * g + 2), xt::all());
        for (pick p : brute_force(xs[g], ys[g], group_mask, nullptr, true, 9, {})) {
            p.channel += static_cast<std::int64_t>(2 * g);
            merged.push_back(p);
        }
    }
    // Each group's brute-force sequence is its own greedy order; the layer order is their merge.
    std::vector<pick> expected;
    std::size_t i0 = 0, i1 = 0;
    std::vector<pick> g0, g1;
    for (const pick& p : merged) (p.channel < 2 ? g0 : g1).push_back(p);
    while (expected.size() < 9) {
        const bool from0 = i1 >= g1.size() || (i0 < g0.size() && g0[i0].gain >= g1[i1].gain);
        expected.push_back(from0 ? g0[i0++] : g1[i1++]);
    }
    check_same_picks(a.report.steps, expected);
}

TEST_CASE("bad arguments to restoration are rejected with their name", "[prune][restoration][errors]") {
    std::mt19937 rng(48);
    const auto x = prune_test::random_matrix(rng, 30, 5);
    const auto y = prune_test::random_matrix(rng, 30, 2);
    const std::vector<eap::gram_system> systems{eap::build_gram_system(x, y)};
    const xt::xtensor<float, 2> w = xt::ones<float>({2, 5});
    const eap::weight_mask<2> mask = {{1, 1, 0, 0, 0}, {1, 0, 0, 0, 0}};
    const xt::xtensor<float, 1> bias = xt::zeros<float>({2});
    CHECK_THROWS_AS(eap::restore_weights(systems, w, mask, bias, 2), eap::argument_error);
    CHECK_THROWS_WITH(eap::restore_weights(systems, w, mask, bias, 2), Catch::Contains("eap::restore_weights") &&
                                                                           Catch::Contains("'target_kept' = 2") &&
                                                                           Catch::Contains("3"));
    CHECK_THROWS_WITH(eap::restore_weights(systems, w, mask, bias, 11), Catch::Contains("10 weights"));
    CHECK_THROWS_AS(eap::restore_weights_per_channel(systems, w, mask, bias, {2}), eap::shape_error);
    CHECK_THROWS_AS(eap::restore_weights_per_channel(systems, w, mask, bias, {2, 6}), eap::argument_error);
    CHECK_THROWS_WITH(eap::restore_weights_per_channel(systems, w, mask, bias, {2, 6}),
                      Catch::Contains("'targets[1]' = 6"));
    CHECK_THROWS_WITH(eap::restore_weights_per_channel(systems, w, mask, bias, {1, 1}),
                      Catch::Contains("'targets[0]' = 1"));
    CHECK_THROWS_AS(eap::restore_weights_per_channel(systems, w, mask, bias, {}), eap::argument_error);
    eap::restoration_options bad;
    bad.spanned_tolerance = 1.0;
    CHECK_THROWS_WITH(eap::restore_weights(systems, w, mask, bias, 4, bad), Catch::Contains("'spanned_tolerance'"));
    bad = {};
    bad.min_relative_gain = -1.0;
    CHECK_THROWS_AS(eap::restore_weights(systems, w, mask, bias, 4, bad), eap::argument_error);
    const eap::weight_mask<2> wrong = xt::ones<std::uint8_t>({2, 4});
    CHECK_THROWS_AS(eap::restore_weights(systems, w, mask, wrong, bias, 4), eap::shape_error);
    CHECK_THROWS_WITH(eap::restore_weights(systems, w, mask, wrong, bias, 4), Catch::Contains("'candidates'"));
}
