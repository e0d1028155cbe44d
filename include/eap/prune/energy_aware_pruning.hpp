// SPDX-License-Identifier: MIT
#pragma once

#include <algorithm>
#include <chrono>
#include <cmath>
#include <cstdint>
#include <filesystem>
#include <functional>
#include <numeric>
#include <optional>
#include <string>
#include <utility>
#include <vector>

#include "eap/data/labeled_images.hpp"
#include "eap/energy/energy_model.hpp"
#include "eap/engine/capture.hpp"
#include "eap/engine/evaluate.hpp"
#include "eap/engine/partial_model.hpp"
#include "eap/engine/trainer.hpp"
#include "eap/error.hpp"
#include "eap/hardware/presets.hpp"
#include "eap/measure/model_energy.hpp"
#include "eap/prune/fine_tuning.hpp"
#include "eap/prune/layer_pruning.hpp"
#include "eap/prune/layer_systems.hpp"
#include "eap/prune/patch_sampling.hpp"
#include "eap/prune/pruning_records.hpp"

// Energy-aware pruning (Yang, Chen, Sze, CVPR 2017): prune the layers in order of their energy,
// highest first; in each layer keep the fewest weights whose output-feature-map fit (magnitude
// removal, restoration by output error, least-squares local fine-tuning) keeps the accuracy within
// a budget; then fine-tune globally with the masks; repeat with a tighter or looser budget until
// the accuracy loss limit is met at the lowest energy.

namespace eap {

/// The images energy-aware pruning works on.
struct pruning_data {
    /// Inputs for the per-layer fits (X from the network pruned so far, Y from the original)
    /// and for counting the exact sparsity behind the energy estimates.
    const engine::activation_tensor& calibration;
    /// The accuracy judge of every decision; keep it apart from the images results are reported on.
    const data::labeled_images& validation;
    /// Global fine-tuning.
    const data::labeled_images& training;
};

/// One line of progress, as the loop reports it.
struct pruning_progress {
    enum class stage : std::uint8_t {
        start,        ///< a round begins (energy = the model's, accuracy = original)
        reference,    ///< a layer was refitted with nothing pruned: the accuracy its trials are judged against
        trial,        ///< a kept fraction was tried
        commit,       ///< the layer's kept fraction is chosen
        unprunable,   ///< the layer could not lose even the largest pruned fraction tried within the budget
        skipped,      ///< the layer's budget is below what the validation set can resolve: not searched
        refit,        ///< an already pruned later layer was refitted to the new inputs
        fine_tuned,   ///< global fine-tuning ended (accuracy on the validation set)
        round_end,    ///< the round's operating point
    };
    stage what = stage::start;
    int round = 0;
    std::string layer;
    double keep_fraction = 1.0;
    double accuracy = 0.0;
    double reference_accuracy = 0.0;
    bool accepted = false;
    double energy = 0.0;           ///< per image at the energy batch
    double energy_fraction = 1.0;  ///< of the original model's
    double seconds = 0.0;          ///< since the loop started
};

constexpr const char* to_string(pruning_progress::stage s) {
    switch (s) {
    case pruning_progress::stage::start: return "start";
    case pruning_progress::stage::reference: return "reference";
    case pruning_progress::stage::trial: return "trial";
    case pruning_progress::stage::commit: return "commit";
    case pruning_progress::stage::unprunable: return "unprunable";
    case pruning_progress::stage::skipped: return "skipped";
    case pruning_progress::stage::refit: return "refit";
    case pruning_progress::stage::fine_tuned: return "fine-tuned";
    case pruning_progress::stage::round_end: return "round-end";
    }
    return "?";
}

struct energy_aware_options {
    hardware hw = presets::eyeriss_v1_hardware();
    /// Batch size of the energy estimates that order the layers and judge the result.
    std::int64_t energy_batch = 1;
    /// Sparsity rules and other options of the energy model (the exact counts are filled in).
    network_energy_options energy{};
    /// Top-1 accuracy the layers of the first round may lose together, before fine-tuning; each
    /// layer's trials are judged against its reference (the accuracy with the layer refitted and
    /// nothing pruned) with its share of this budget.
    double accuracy_budget = 0.015;
    /// How the budget is shared: the same for every layer, or in proportion to the layer's share
    /// of the energy at the start of the round (the layers that cost most may lose most).
    enum class budget_split : std::uint8_t { uniform, by_energy } split = budget_split::by_energy;
    /// The largest top-1 loss against the original model after global fine-tuning.
    double accuracy_loss_limit = 0.01;
    /// Energy-budget mode: when set, the goal is an energy (per image at `energy_batch`) of at
    /// most this fraction of the original's at the best accuracy, instead of the least energy
    /// within the accuracy limit. Every round then starts from the original model and the budget
    /// is bisected between rounds that missed the energy and rounds that met it.
    std::optional<double> energy_target{};
    /// Rounds of the whole procedure. Accuracy mode: a round that meets the limit is kept and the
    /// next one prunes it further with the budget times `budget_growth` (below 1 when little of
    /// the limit is left); after a round that misses the limit the budget shrinks by
    /// `budget_shrink` and the next round starts again from the last kept model.
    int rounds = 2;
    double budget_growth = 1.6;
    double budget_shrink = 0.5;
    layer_pruning_options layer{};
    /// Sampled output positions per CONV layer for its Gram systems, drawn from the first
    /// `conv_calibration_images` calibration images (an FC layer uses every calibration image,
    /// one row each: it needs more images than inputs for a well-posed fit).
    std::int64_t positions_per_layer = 8192;
    std::int64_t conv_calibration_images = 512;
    /// Bisection steps on the logarithm of the kept fraction, between `min_keep_fraction` and 1.
    int search_steps = 7;
    double min_keep_fraction = 0.002;
    /// After a layer is pruned, refit (least squares, masks kept) the already pruned layers after
    /// it, whose inputs just changed.
    bool refit_downstream = true;
    /// The order layers are pruned in: by energy, highest first (the method), or in network order
    /// (for comparison).
    enum class layer_order : std::uint8_t { by_energy, network } order = layer_order::by_energy;
    /// Re-rank the remaining layers by energy after each layer (the paper ranks once).
    bool rerank = false;
    /// Calibration images whose activations are counted for the energy estimates.
    std::int64_t sparsity_images = 256;
    /// Global fine-tuning after the layers are pruned (masks kept).
    engine::training_options fine_tuning{};
    bool fine_tune = true;
    std::int64_t evaluation_batch = 250;
    std::uint64_t seed = 1;
    /// Where the loop saves its state after every layer, so that a stopped run resumes from its
    /// last saved step (empty: no state is kept).
    std::filesystem::path state_directory{};
    /// Called for every step.
    std::function<void(const pruning_progress&)> progress{};
};

struct energy_aware_result {
    engine::model model;  ///< the model of the best operating point
    std::vector<operating_point> points;
    std::size_t best = 0;
    double original_accuracy = 0.0;
    double original_energy = 0.0;
    bool limit_met = false;
};

namespace detail {

inline double elapsed_seconds(std::chrono::steady_clock::time_point start) {
    return std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
}

/// Weights of `layer` its mask keeps.
inline std::int64_t kept_weights(const engine::model& m, std::size_t layer) {
    const engine::layer_parameters& mask = m.mask(layer);
    const float* k = mask.weight_data();
    return static_cast<std::int64_t>(std::count_if(k, k + mask.weight_count(), [](float v) { return v != 0.0f; }));
}

/// Which layers depend on `layer`'s output (`layer` itself excluded).
inline std::vector<bool> downstream_of(const network& net, std::size_t layer) {
    std::vector<bool> below(net.size(), false);
    for (std::size_t k = layer + 1; k < net.size(); ++k)
        for (std::size_t i : net[k].inputs)
            if (i == layer || below[i]) below[k] = true;
    return below;
}

/// The CONV/FC layers that read `layer`'s output directly or through layers without weights.
inline std::vector<bool> compute_successors(const network& net, std::size_t layer) {
    std::vector<bool> reached(net.size(), false), out(net.size(), false);
    reached[layer] = true;
    for (std::size_t k = layer + 1; k < net.size(); ++k) {
        bool reads = false;
        for (std::size_t i : net[k].inputs) reads = reads || (reached[i] && (i == layer || !net[i].is_compute()));
        if (!reads) continue;
        reached[k] = true;
        if (net[k].is_compute()) out[k] = true;
    }
    return out;
}

/// The teacher's side of one layer's Gram systems: the sampled output positions and, per group,
/// the teacher's pre-activation output there (the Y of the fit).
struct layer_targets {
    conv_shape shape;                         ///< over the calibration images the positions are drawn from
    std::vector<output_position> positions;   ///< sorted by image
    std::vector<xt::xtensor<float, 2>> rows;  ///< per group: positions x output channels of the group
};

/// Runs `teacher` once over `images` and keeps, for every layer of `layers`, its pre-activation
/// output at the positions of its entry in `targets` (positions and shape already set).
inline void capture_targets(engine::executor& runner, const engine::model& teacher,
                            const engine::activation_tensor& images, std::vector<layer_targets>& targets,
                            const std::vector<std::size_t>& layers, std::int64_t batch) {
    const network& net = teacher.graph();
    std::vector<std::ptrdiff_t> slot(net.size(), -1);
    std::int64_t needed = 0;
    for (std::size_t k = 0; k < layers.size(); ++k) {
        slot[layers[k]] = static_cast<std::ptrdiff_t>(k);
        needed = std::max(needed, targets[k].shape.batch);
    }
    std::vector<std::vector<std::vector<float>>> buffers(layers.size());
    for (std::size_t k = 0; k < layers.size(); ++k)
        buffers[k].resize(static_cast<std::size_t>(targets[k].shape.groups));
    std::int64_t first = 0, count = 0;
    const engine::forward_hook hook = [&](const engine::layer_event& e) {
        if (e.stage != engine::forward_stage::pre_activation || slot[e.layer] < 0) return;
        const std::size_t k = static_cast<std::size_t>(slot[e.layer]);
        const layer_targets& t = targets[k];
        auto in_batch = [&](std::int64_t image) {
            return std::lower_bound(t.positions.begin(), t.positions.end(), image,
                                    [](const output_position& p, std::int64_t i) { return p.image < i; });
        };
        const auto begin = in_batch(first), end = in_batch(first + count);
        if (begin == end) return;
        std::vector<output_position> local(begin, end);
        for (auto& p : local) p.image -= first;
        const conv_shape shape = t.shape.with_batch(count);
        for (std::int64_t g = 0; g < shape.groups; ++g) {
            const xt::xtensor<float, 2> rows = sample_outputs(e.values, shape, local, g);
            auto& buffer = buffers[k][static_cast<std::size_t>(g)];
            buffer.insert(buffer.end(), rows.begin(), rows.end());
        }
    };
    for (first = 0; first < needed; first += batch) {
        count = std::min(batch, needed - first);
        runner.forward(teacher, images, first, count, hook);
    }
    for (std::size_t k = 0; k < layers.size(); ++k) {
        const std::size_t per_group = static_cast<std::size_t>(targets[k].shape.out_channels_per_group());
        targets[k].rows.clear();
        for (auto& buffer : buffers[k]) {
            xt::xtensor<float, 2> rows = xt::empty<float>({buffer.size() / per_group, per_group});
            std::copy(buffer.begin(), buffer.end(), rows.begin());
            targets[k].rows.push_back(std::move(rows));
        }
    }
}

/// Evaluates trials of one layer on the part of the network after its suffix cut, fed with the
/// cut's output on the validation images, computed once.
class suffix_evaluator {
public:
    suffix_evaluator(engine::executor& runner, const engine::model& m, std::size_t layer,
                     const data::labeled_images& validation, std::int64_t batch)
        : cut_(suffix_cut(m.graph(), layer)), model_(suffix_model(m, cut_)), labels_(validation.labels),
          batch_(batch) {
        if (cut_ == 0) {
            inputs_ = validation.images;
        } else {
            engine::capture_options options;
            options.inputs = options.pre_activation = false;
            inputs_ = std::move(
                engine::capture_layers(runner, prefix_model(m, cut_), validation.images, {cut_}, options).front().output);
        }
    }

    /// Puts `weights` and `mask` in place of layer `layer` (an index of the whole network).
    void install(std::size_t layer, const engine::layer_parameters& weights, const engine::layer_parameters& mask) {
        model_.parameters(layer - cut_) = weights;
        model_.mask(layer - cut_) = mask;
        model_.mask(layer - cut_).bias = {};
        model_.apply_masks();
    }

    double accuracy() { return engine::evaluate(runner_, model_, inputs_, labels_, batch_).top1(); }

private:
    // Its own executor: an executor keeps buffers shaped for one network.
    engine::executor runner_;
    std::size_t cut_;
    engine::model model_;
    engine::activation_tensor inputs_;
    const engine::label_tensor& labels_;
    std::int64_t batch_;
};

/// The pruning state of one model: its weights, masks and what was decided so far.
class energy_aware_run {
public:
    energy_aware_run(const engine::model& original, const pruning_data& data, const energy_aware_options& options)
        : original_(original), data_(data), options_(options), start_(std::chrono::steady_clock::now()),
          cache_(options.hw, options.energy.common.mapping) {
        validate();
    }

    energy_aware_result run() {
        const network& net = original_.graph();
        const auto calibration_images = images_in(data_.calibration);
        sparsity_images_ = xt::view(data_.calibration, xt::range(0, std::min(options_.sparsity_images, calibration_images)),
                                    xt::all(), xt::all(), xt::all());
        original_accuracy_ = accuracy(original_);
        original_energy_ = energy(original_).per_image();

        const bool resuming = !options_.state_directory.empty() && pruning_state_exists(options_.state_directory);
        pruning_state state;
        state.budget = options_.accuracy_budget;
        if (resuming) state = load_pruning_state(options_.state_directory, net);
        std::vector<operating_point> points = state.finished_points;
        std::optional<engine::model> best_model;
        std::size_t best = 0;
        if (!points.empty()) {
            for (std::size_t i = 1; i < points.size(); ++i)
                if (better(points[i], points[best])) best = i;
            best_model = load_pruning_model(options_.state_directory / "best");
        }

        // Each round starts from the model of the last round that met the limit (at first, the
        // original) and prunes it further; a round that misses the limit is dropped and the next
        // one retries from the same start with a smaller budget.
        engine::model start = state.round > 0 && std::filesystem::exists(options_.state_directory / "start")
                                  ? load_pruning_model(options_.state_directory / "start")
                                  : original_;
        for (int round = state.round; round < options_.rounds; ++round) {
            engine::model m = start;
            operating_point point;
            point.round = round;
            point.accuracy_budget = state.budget;
            std::vector<std::size_t> order;
            if (state.in_round && state.round == round) {
                m = load_pruning_model(options_.state_directory / "current");
                point.layers = state.layers;
                order = state.order;
            } else {
                order = options_.order == energy_aware_options::layer_order::by_energy
                            ? energy_order(m, net.compute_layers())
                            : net.compute_layers();
            }
            prepare_targets(start);
            measure_energy_shares(start);
            const double start_energy = energy(m).per_image();
            report({pruning_progress::stage::start, round, "", 1.0, original_accuracy_, original_accuracy_, true,
                    start_energy, start_energy / original_energy_, elapsed_seconds(start_)});
            for (std::size_t position = point.layers.size(); position < order.size(); ++position) {
                point.layers.push_back(prune_one_layer(m, order[position], point, layer_budget(order[position], state.budget), round));
                if (options_.rerank && options_.order == energy_aware_options::layer_order::by_energy &&
                    position + 1 < order.size()) {
                    const auto next = order.begin() + static_cast<std::ptrdiff_t>(position) + 1;
                    const std::vector<std::size_t> rest = energy_order(m, std::vector<std::size_t>(next, order.end()));
                    std::copy(rest.begin(), rest.end(), next);
                }
                save_progress(m, round, state.budget, order, point.layers, points);
            }
            point.accuracy_before_fine_tuning = accuracy(m);
            point.accuracy = options_.fine_tune
                                 ? fine_tune(m, options_.fine_tuning, options_.seed + static_cast<std::uint64_t>(round),
                                             data_.training, data_.validation, point.accuracy_before_fine_tuning,
                                             runner_, options_.evaluation_batch)
                                 : point.accuracy_before_fine_tuning;
            const model_energy e = energy(m);
            point.energy = e.per_image();
            point.energy_fraction = point.energy / original_energy_;
            point.nonzero_weights = e.sparsity.nonzero_weights();
            point.nonskipped_macs = e.sparsity.nonskipped_macs_per_image();
            point.meets_limit = options_.energy_target
                                    ? point.energy_fraction <= *options_.energy_target
                                    : within_limit(original_accuracy_ - point.accuracy, options_.accuracy_loss_limit);
            report({pruning_progress::stage::fine_tuned, round, "", 1.0, point.accuracy, point.accuracy_before_fine_tuning,
                    point.meets_limit, point.energy, point.energy_fraction, elapsed_seconds(start_)});
            points.push_back(point);
            if (!best_model || better(point, points[best])) {
                best = points.size() - 1;
                best_model = m;
                if (!options_.state_directory.empty()) save_pruning_model(options_.state_directory / "best", m);
            }
            if (point.meets_limit && !options_.energy_target) {
                start = std::move(m);
                if (!options_.state_directory.empty()) save_pruning_model(options_.state_directory / "start", start);
            }
            state.budget = next_budget(points);
            state.in_round = false;
            save_state(round + 1, state.budget, false, {}, {}, points);
            report({pruning_progress::stage::round_end, round, "", 1.0, point.accuracy, original_accuracy_,
                    point.meets_limit, point.energy, point.energy_fraction, elapsed_seconds(start_)});
        }
        energy_aware_result result{*best_model, points, best, original_accuracy_, original_energy_, points[best].meets_limit};
        return result;
    }

    /// A point that meets the goal beats one that does not. Accuracy mode: among those that meet
    /// the limit the lower energy wins, among the others the higher accuracy. Energy-budget mode:
    /// among those within the energy target the higher accuracy wins, among the others the lower
    /// energy.
    bool better(const operating_point& a, const operating_point& b) const {
        if (a.meets_limit != b.meets_limit) return a.meets_limit;
        const bool by_energy = a.meets_limit != options_.energy_target.has_value();
        return by_energy ? a.energy < b.energy : a.accuracy > b.accuracy;
    }

    /// The budget of the round after `points`. Accuracy mode: grown after a round that met the
    /// limit, shrunk after one that missed it. Energy-budget mode: the geometric middle of the
    /// largest budget that missed the energy target and the smallest that met it.
    double next_budget(const std::vector<operating_point>& points) const {
        const operating_point& last = points.back();
        if (!options_.energy_target)
            return last.accuracy_budget * (last.meets_limit ? options_.budget_growth : options_.budget_shrink);
        double missed = 0.0, met = 0.0;
        for (const operating_point& p : points) {
            if (p.meets_limit) met = met == 0.0 ? p.accuracy_budget : std::min(met, p.accuracy_budget);
            else missed = std::max(missed, p.accuracy_budget);
        }
        if (missed > 0.0 && met > 0.0) return std::sqrt(missed * met);
        return met > 0.0 ? met * options_.budget_shrink : missed * options_.budget_growth;
    }

private:
    static std::int64_t images_in(const engine::activation_tensor& t) { return static_cast<std::int64_t>(t.shape()[0]); }

    void validate() const {
        const char* f = "eap::prune_for_energy";
        auto fail = [f](const char* field, double value, const char* limit) {
            throw argument_error(detail::message(f, ": options.", field, " = ", value, " ", limit));
        };
        if (options_.energy_batch < 1) fail("energy_batch", static_cast<double>(options_.energy_batch), "must be at least 1");
        if (!(options_.accuracy_budget >= 0.0 && options_.accuracy_budget <= 1.0))
            fail("accuracy_budget", options_.accuracy_budget, "must be in [0, 1]");
        if (!(options_.accuracy_loss_limit >= 0.0 && options_.accuracy_loss_limit <= 1.0))
            fail("accuracy_loss_limit", options_.accuracy_loss_limit, "must be in [0, 1]");
        if (options_.rounds < 1) fail("rounds", options_.rounds, "must be at least 1");
        if (options_.energy_target && !(*options_.energy_target > 0.0 && *options_.energy_target <= 1.0))
            fail("energy_target", *options_.energy_target, "must be in (0, 1]");
        // Accuracy mode re-prunes an already pruned model, for which a smaller budget can suit;
        // the energy mode grows the budget of rounds that all missed the target, so it must grow.
        if (options_.energy_target ? !(options_.budget_growth > 1.0) : !(options_.budget_growth > 0.0))
            fail("budget_growth", options_.budget_growth,
                 options_.energy_target ? "must be above 1 in the energy-budget mode" : "must be positive");
        if (!(options_.budget_shrink > 0.0 && options_.budget_shrink <= 1.0))
            fail("budget_shrink", options_.budget_shrink, "must be in (0, 1]");
        if (options_.positions_per_layer < 1)
            fail("positions_per_layer", static_cast<double>(options_.positions_per_layer), "must be at least 1");
        if (options_.search_steps < 1) fail("search_steps", options_.search_steps, "must be at least 1");
        if (!(options_.min_keep_fraction > 0.0 && options_.min_keep_fraction < 1.0))
            fail("min_keep_fraction", options_.min_keep_fraction, "must be in (0, 1)");
        if (options_.sparsity_images < 1) fail("sparsity_images", static_cast<double>(options_.sparsity_images), "must be at least 1");
        if (images_in(data_.calibration) < 1) throw argument_error(detail::message(f, ": no calibration images"));
        if (data_.validation.size() < 1) throw argument_error(detail::message(f, ": no validation images"));
        if (options_.fine_tune && data_.training.size() < 1) throw argument_error(detail::message(f, ": no training images"));
        options_.hw.validate();
        original_.validate();
    }

    double accuracy(const engine::model& m) {
        return engine::evaluate(runner_, m, data_.validation.images, data_.validation.labels, options_.evaluation_batch)
            .top1();
    }

    model_energy energy(const engine::model& m) {
        return measure_model_energy(runner_, m, sparsity_images_, options_.hw, options_.energy_batch, options_.energy,
                                    &cache_);
    }

    /// Each CONV/FC layer's share of the energy of `m`, for `layer_budget`.
    void measure_energy_shares(const engine::model& m) {
        const model_energy e = energy(m);
        energy_share_.assign(m.graph().size(), 0.0);
        for (std::size_t k = 0; k < e.sparsity.layers.size(); ++k)
            energy_share_[e.sparsity.layers[k]] = e.layer_per_image(k) / e.per_image();
    }

    /// The accuracy `layer` may lose when all layers together may lose `budget`.
    double layer_budget(std::size_t layer, double budget) const {
        if (options_.split == energy_aware_options::budget_split::by_energy) return budget * energy_share_[layer];
        return budget / static_cast<double>(original_.graph().compute_layers().size());
    }

    /// `layers` sorted by their energy in `m`, highest first (ties: network order).
    std::vector<std::size_t> energy_order(const engine::model& m, std::vector<std::size_t> layers) {
        const model_energy e = energy(m);
        std::vector<double> by_layer(m.graph().size(), 0.0);
        for (std::size_t k = 0; k < e.sparsity.layers.size(); ++k) by_layer[e.sparsity.layers[k]] = e.layer_per_image(k);
        std::stable_sort(layers.begin(), layers.end(),
                         [&by_layer](std::size_t a, std::size_t b) { return by_layer[a] > by_layer[b]; });
        return layers;
    }

    /// Samples the positions of every CONV/FC layer and captures the teacher's outputs there:
    /// the targets of every fit of the round.
    void prepare_targets(const engine::model& teacher) {
        const network& net = teacher.graph();
        const std::vector<std::size_t> layers = net.compute_layers();
        const std::int64_t calibration = images_in(data_.calibration);
        targets_.assign(layers.size(), layer_targets{});
        target_slot_.assign(net.size(), 0);
        for (std::size_t k = 0; k < layers.size(); ++k) {
            const std::size_t layer = layers[k];
            target_slot_[layer] = k;
            const bool fc = net[layer].kind() == layer_kind::fully_connected;
            layer_targets& t = targets_[k];
            t.shape = net.layer_shape(layer, fc ? calibration : std::min(calibration, options_.conv_calibration_images));
            t.positions = fc ? all_output_positions(t.shape)
                             : random_output_positions(t.shape, options_.positions_per_layer, options_.seed + layer);
        }
        capture_targets(runner_, teacher, data_.calibration, targets_, layers, 100);
    }

    /// The Gram systems of `layer`: X from `m` (the network pruned so far) on the calibration
    /// images; Y the teacher's outputs captured by `prepare_targets`, or, with `keep_outputs`,
    /// the layer's own outputs in `m` (see `prune_one_layer`).
    std::vector<gram_system> layer_systems(const engine::model& m, std::size_t layer, bool keep_outputs) {
        const layer_targets& t = targets_[target_slot_[layer]];
        engine::capture_options options;
        options.output = false;
        options.pre_activation = keep_outputs;
        const engine::activation_tensor images =
            xt::view(data_.calibration, xt::range(0, t.shape.batch), xt::all(), xt::all(), xt::all());
        engine::layer_capture captured =
            std::move(engine::capture_layers(runner_, prefix_model(m, layer), images, {layer}, options).front());
        gram_options gram;
        gram.bias_column = m.parameters(layer).bias.size() != 0;
        std::vector<gram_system> systems;
        for (std::int64_t g = 0; g < t.shape.groups; ++g) {
            gram_accumulator accumulator(t.shape.in_channels_per_group() * t.shape.kernel_height * t.shape.kernel_width,
                                         t.shape.out_channels_per_group(), gram);
            accumulator.add(sample_patches(captured.inputs.front(), t.shape, t.positions, g),
                            keep_outputs ? sample_outputs(captured.pre_activation, t.shape, t.positions, g)
                                         : t.rows[static_cast<std::size_t>(g)]);
            systems.push_back(accumulator.system());
        }
        return systems;
    }

    /// Installs `weights` and `mask` as layer `layer` of `m`.
    static void install(engine::model& m, std::size_t layer, engine::layer_parameters weights,
                        engine::layer_parameters mask) {
        m.parameters(layer) = std::move(weights);
        mask.bias = {};
        m.mask(layer) = std::move(mask);
        m.apply_masks();
    }

    layer_record prune_one_layer(engine::model& m, std::size_t layer,
                                 const operating_point& point, double budget, int round) {
        const network& net = m.graph();
        layer_record record;
        record.layer = net[layer].name;
        record.index = layer;
        record.energy_before = point.layers.empty() ? energy(m).per_image() : point.layers.back().energy_after;
        const engine::layer_parameters reference = m.parameters(layer);
        const std::int64_t total = static_cast<std::int64_t>(reference.weight_count());
        record.weights = total;
        // The trap of fitting layer by layer toward the teacher: a later layer already pruned was
        // fitted to this layer's current outputs, and a fit of this layer back toward the
        // teacher's would pull the ground from under it. So when a pruned layer lies downstream,
        // this layer is fitted to keep its own current outputs; otherwise toward the teacher's,
        // which also makes up for the layers pruned before it.
        const std::int64_t current = kept_weights(m, layer);
        // A budget worth less than two validation images cannot tell a pruned layer from noise
        // (with energy-shared budgets, the layers that cost next to nothing): leave the layer.
        if (budget * static_cast<double>(data_.validation.size()) < 2.0) {
            record.kept = current;
            record.keep_fraction = static_cast<double>(current) / static_cast<double>(total);
            record.energy_after = record.energy_before;
            report({pruning_progress::stage::skipped, round, record.layer, record.keep_fraction, 0.0, 0.0, false,
                    record.energy_after, record.energy_after / original_energy_, elapsed_seconds(start_)});
            return record;
        }
        const engine::model before = m;
        const std::vector<bool> below = downstream_of(net, layer);
        bool keep_outputs = false;
        for (const layer_record& done : point.layers) keep_outputs = keep_outputs || below[done.index];
        const std::vector<gram_system> systems = layer_systems(m, layer, keep_outputs);
        // Trials change this layer only: evaluate them on the network from the last layer before
        // it whose output determines the rest, fed with that output cached once.
        suffix_evaluator judge(runner_, m, layer, data_.validation, options_.evaluation_batch);

        // The reference: the layer refitted with nothing pruned. Trials are judged against it,
        // not against the accuracy before the refit, so that a refit that disturbs later layers
        // already fitted (they adapted to this layer's current outputs) does not block pruning.
        layer_pruning_options refit = options_.layer;
        refit.method = layer_pruning_method::magnitude_fit;
        engine::layer_parameters best_weights, best_mask;
        const layer_pruning_report full = prune_layer(reference, systems, current, refit, best_weights, best_mask);
        judge.install(layer, best_weights, best_mask);
        record.reference_accuracy = judge.accuracy();
        record.relative_error = full.relative_error();
        record.accuracy = record.reference_accuracy;
        const double current_fraction = static_cast<double>(current) / static_cast<double>(total);
        report({pruning_progress::stage::reference, round, record.layer, current_fraction, record.reference_accuracy,
                record.reference_accuracy, true, 0.0, 0.0, elapsed_seconds(start_)});

        double good = current_fraction, bad = std::min(options_.min_keep_fraction, current_fraction);
        for (int step = 0; step < options_.search_steps; ++step) {
            const double fraction = std::sqrt(good * bad);
            const std::int64_t keep = std::max<std::int64_t>(1, std::llround(fraction * static_cast<double>(total)));
            engine::layer_parameters weights, mask;
            const layer_pruning_report r = prune_layer(reference, systems, keep, options_.layer, weights, mask);
            judge.install(layer, weights, mask);
            const double acc = judge.accuracy();
            const bool accepted = acc >= record.reference_accuracy - budget;
            ++record.trials;
            report({pruning_progress::stage::trial, round, record.layer, fraction, acc, record.reference_accuracy,
                    accepted, 0.0, 0.0, elapsed_seconds(start_)});
            if (accepted) {
                good = fraction;
                best_weights = std::move(weights);
                best_mask = std::move(mask);
                record.kept = r.kept;
                record.accuracy = acc;
                record.relative_error = r.relative_error();
                record.pruned = true;
            } else {
                bad = fraction;
            }
        }
        install(m, layer, best_weights, best_mask);
        judge.install(layer, best_weights, best_mask);
        if (!record.pruned) record.kept = current;
        record.keep_fraction = static_cast<double>(record.kept) / static_cast<double>(total);
        if (options_.refit_downstream) refit_successors(m, layer, point, judge, record.accuracy, round);
        record.energy_after = energy(m).per_image();
        if (record.energy_after > record.energy_before) {
            // Fewer weights, yet more energy: the new weights made the activations denser. The
            // schedule never takes a step that raises the energy.
            m = before;
            record.pruned = false;
            record.kept = current;
            record.keep_fraction = current_fraction;
            record.accuracy = accuracy(m);
            record.energy_after = record.energy_before;
        }
        report({record.pruned ? pruning_progress::stage::commit : pruning_progress::stage::unprunable, round,
                record.layer, record.keep_fraction, record.accuracy, record.reference_accuracy, record.pruned,
                record.energy_after, record.energy_after / original_energy_, elapsed_seconds(start_)});
        return record;
    }

    /// Refits the already pruned CONV/FC layers that read `layer`'s output (directly or through
    /// pooling, concatenation or addition): their inputs just changed. Their masks are kept and
    /// they are fitted toward the teacher. A refit that does not raise the accuracy (`accuracy` is
    /// the current one) is undone: the samples are a small part of the data.
    void refit_successors(engine::model& m, std::size_t layer, const operating_point& point, suffix_evaluator& judge,
                          double accuracy, int round) {
        const std::vector<bool> next = compute_successors(m.graph(), layer);
        for (const layer_record& done : point.layers) {
            if (!next[done.index]) continue;
            const std::vector<gram_system> systems = layer_systems(m, done.index, false);
            const engine::layer_parameters current = m.parameters(done.index);
            const engine::layer_parameters mask = m.mask(done.index);
            engine::layer_parameters fitted, fitted_mask;
            layer_pruning_options refit = options_.layer;
            refit.method = layer_pruning_method::magnitude_fit;
            prune_layer(current, systems, kept_weights(m, done.index), refit, fitted, fitted_mask);
            judge.install(done.index, fitted, fitted_mask);
            const double after = judge.accuracy();
            const bool kept = after >= accuracy;
            if (kept) {
                install(m, done.index, fitted, fitted_mask);
                accuracy = after;
            } else {
                judge.install(done.index, current, mask);
            }
            report({pruning_progress::stage::refit, round, done.layer, done.keep_fraction, after, accuracy, kept, 0.0,
                    0.0, elapsed_seconds(start_)});
        }
    }

    void save_progress(const engine::model& m, int round, double budget, const std::vector<std::size_t>& order,
                       const std::vector<layer_record>& layers, const std::vector<operating_point>& points) {
        if (options_.state_directory.empty()) return;
        save_pruning_model(options_.state_directory / "current", m);
        save_state(round, budget, true, order, layers, points);
    }

    void save_state(int round, double budget, bool in_round, const std::vector<std::size_t>& order,
                    const std::vector<layer_record>& layers, const std::vector<operating_point>& points) {
        if (options_.state_directory.empty()) return;
        pruning_state state;
        state.round = round;
        state.budget = budget;
        state.in_round = in_round;
        state.order = order;
        state.layers = layers;
        state.finished_points = points;
        save_pruning_state(options_.state_directory, state);
    }

    void report(const pruning_progress& p) const {
        if (options_.progress) options_.progress(p);
    }

    const engine::model& original_;
    const pruning_data& data_;
    const energy_aware_options& options_;
    std::chrono::steady_clock::time_point start_;
    engine::executor runner_;
    mapping_cache cache_;
    engine::activation_tensor sparsity_images_;
    std::vector<layer_targets> targets_;
    std::vector<double> energy_share_;
    std::vector<std::size_t> target_slot_;
    double original_energy_ = 0.0;
    double original_accuracy_ = 0.0;
};

}  // namespace detail

/// Energy-aware pruning of `original`: returns the model of the lowest-energy operating point that
/// keeps the top-1 loss on `data.validation` within `options.accuracy_loss_limit` (or, when no
/// round meets it, the most accurate), with every round's operating point. With a state
/// directory the run can be stopped at any point and resumed by calling again with the same
/// arguments.
inline energy_aware_result prune_for_energy(const engine::model& original, const pruning_data& data,
                                            const energy_aware_options& options = {}) {
    detail::energy_aware_run run(original, data, options);
    return run.run();
}

}  // namespace eap
