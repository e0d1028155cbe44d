// The energy-aware pruning loop end to end on a small task: masks, energy, reproducibility,
// resuming, the energy-budget mode.
#include <filesystem>
#include <random>
#include <string>
#include <vector>

#include "catch.hpp"
#include "eap/prune/energy_aware_pruning.hpp"
#include "prune_loop_support.hpp"

namespace {

struct stop_run {};

struct fixture {
    eap::engine::model original = prune_loop_test::trained_strokes_model();
    eap::data::labeled_images train = prune_loop_test::strokes(1500, 11);
    eap::data::labeled_images validation = prune_loop_test::strokes(600, 12);
    eap::engine::activation_tensor calibration = prune_loop_test::strokes(300, 13).images;

    eap::energy_aware_options options() const {
        eap::energy_aware_options o;
        o.energy_batch = 16;
        o.accuracy_budget = 0.03;
        o.accuracy_loss_limit = 0.03;
        o.rounds = 2;
        o.search_steps = 4;
        o.positions_per_layer = 1024;
        o.conv_calibration_images = 100;
        o.sparsity_images = 100;
        o.fine_tuning.epochs = 1;
        o.fine_tuning.max_steps = 20;
        o.fine_tuning.batch_size = 32;
        o.fine_tuning.schedule.base = 0.005;
        return o;
    }
};

std::filesystem::path fresh_directory(const std::string& name) {
    const auto dir = std::filesystem::temp_directory_path() / (name + "_" + std::to_string(std::random_device{}()));
    std::filesystem::remove_all(dir);
    return dir;
}

}  // namespace

TEST_CASE("energy-aware pruning keeps pruned weights at zero, never raises the energy, and is reproducible",
          "[prune][loop]") {
    fixture f;
    const eap::pruning_data data{f.calibration, f.validation, f.train};
    std::vector<eap::pruning_progress> seen;
    auto options = f.options();
    options.progress = [&seen](const eap::pruning_progress& p) { seen.push_back(p); };
    const eap::energy_aware_result r = eap::prune_for_energy(f.original, data, options);

    REQUIRE(r.points.size() == 2);
    CHECK(r.original_accuracy > 0.9);
    // Something was pruned, and every pruned weight is exactly zero.
    CHECK(r.model.nonzero_weights() < f.original.nonzero_weights() / 2);
    for (std::size_t i : r.model.graph().compute_layers()) {
        const auto& p = r.model.parameters(i);
        const auto& k = r.model.mask(i);
        for (std::size_t j = 0; j < p.weight_count(); ++j)
            if (k.weight_data()[j] == 0.0f) REQUIRE(p.weight_data()[j] == 0.0f);
    }
    // The energy falls (or stays) at every step of every round, and ends below the original.
    for (const eap::operating_point& point : r.points) {
        double previous = point.layers.front().energy_before;
        for (const eap::layer_record& layer : point.layers) {
            INFO(layer.layer);
            CHECK(layer.energy_before == Approx(previous));
            CHECK(layer.energy_after <= layer.energy_before);
            CHECK(layer.keep_fraction <= 1.0);
            previous = layer.energy_after;
        }
        CHECK(point.energy < r.original_energy);
    }
    CHECK(r.points[r.best].energy_fraction < 0.9);
    CHECK(r.limit_met == r.points[r.best].meets_limit);
    // Every layer was decided and said so: a commit, or a reason it was left.
    std::size_t decided = 0;
    for (const auto& p : seen)
        if (p.what == eap::pruning_progress::stage::commit || p.what == eap::pruning_progress::stage::unprunable ||
            p.what == eap::pruning_progress::stage::skipped)
            ++decided;
    CHECK(decided == 2 * r.model.graph().compute_layers().size());

    // The same inputs give the same result, bit for bit.
    const eap::energy_aware_result again = eap::prune_for_energy(f.original, data, f.options());
    CHECK(prune_loop_test::same_parameters(r.model, again.model));
    CHECK(again.points[again.best].energy == r.points[r.best].energy);
    CHECK(again.points[again.best].accuracy == r.points[r.best].accuracy);
}

TEST_CASE("a stopped energy-aware pruning run resumes from its saved state to the same result", "[prune][loop]") {
    fixture f;
    const eap::pruning_data data{f.calibration, f.validation, f.train};
    auto options = f.options();
    options.state_directory = fresh_directory("eap_resume_whole");
    const eap::energy_aware_result whole = eap::prune_for_energy(f.original, data, options);

    // Stop in the middle of the second round (after its first layer was saved), then run again.
    for (int stop_after : {5}) {
        auto interrupted = f.options();
        interrupted.state_directory = fresh_directory("eap_resume_part");
        int commits = 0;
        interrupted.progress = [&commits, stop_after](const eap::pruning_progress& p) {
            if (p.what == eap::pruning_progress::stage::commit && ++commits == stop_after) throw stop_run{};
        };
        CHECK_THROWS_AS(eap::prune_for_energy(f.original, data, interrupted), stop_run);
        CHECK(eap::pruning_state_exists(interrupted.state_directory));
        interrupted.progress = {};
        const eap::energy_aware_result resumed = eap::prune_for_energy(f.original, data, interrupted);
        INFO("stopped after commit " << stop_after);
        CHECK(prune_loop_test::same_parameters(resumed.model, whole.model));
        REQUIRE(resumed.points.size() == whole.points.size());
        for (std::size_t i = 0; i < whole.points.size(); ++i) {
            CHECK(resumed.points[i].energy == whole.points[i].energy);
            CHECK(resumed.points[i].accuracy == whole.points[i].accuracy);
            CHECK(resumed.points[i].layers.size() == whole.points[i].layers.size());
        }
        std::filesystem::remove_all(interrupted.state_directory);
    }
    std::filesystem::remove_all(options.state_directory);
}

TEST_CASE("energy-budget mode returns the most accurate point within the energy target", "[prune][loop]") {
    fixture f;
    const eap::pruning_data data{f.calibration, f.validation, f.train};
    auto options = f.options();
    options.energy_target = 0.5;
    options.rounds = 3;
    const eap::energy_aware_result r = eap::prune_for_energy(f.original, data, options);
    REQUIRE(r.points.size() == 3);
    bool any = false;
    for (const auto& p : r.points) {
        CHECK(p.meets_limit == (p.energy_fraction <= 0.5));
        any = any || p.meets_limit;
    }
    if (any) {
        CHECK(r.points[r.best].meets_limit);
        for (const auto& p : r.points)
            if (p.meets_limit) CHECK(p.accuracy <= r.points[r.best].accuracy);
    } else {
        for (const auto& p : r.points) CHECK(p.energy >= r.points[r.best].energy);
    }
    // Each round starts from the original: a round that met the target was not pruned further.
    CHECK(r.points[1].accuracy_budget != r.points[0].accuracy_budget);
}

TEST_CASE("energy-aware pruning rejects bad options with their name", "[prune][loop][errors]") {
    fixture f;
    const eap::pruning_data data{f.calibration, f.validation, f.train};
    auto bad = [&](auto change) {
        auto o = f.options();
        change(o);
        return o;
    };
    CHECK_THROWS_WITH(eap::prune_for_energy(f.original, data, bad([](auto& o) { o.rounds = 0; })),
                      Catch::Contains("options.rounds = 0"));
    CHECK_THROWS_WITH(eap::prune_for_energy(f.original, data, bad([](auto& o) { o.accuracy_budget = 2; })),
                      Catch::Contains("options.accuracy_budget = 2"));
    CHECK_THROWS_WITH(eap::prune_for_energy(f.original, data, bad([](auto& o) { o.energy_target = 0.0; })),
                      Catch::Contains("options.energy_target"));
    CHECK_THROWS_WITH(eap::prune_for_energy(f.original, data, bad([](auto& o) { o.min_keep_fraction = 1.5; })),
                      Catch::Contains("min_keep_fraction"));
    CHECK_THROWS_AS(eap::prune_for_energy(f.original, data, bad([](auto& o) { o.energy_batch = 0; })),
                    eap::argument_error);
    // A growth below 1 is a smaller budget for re-pruning; the energy mode must grow.
    CHECK_THROWS_WITH(eap::prune_for_energy(f.original, data, bad([](auto& o) { o.budget_growth = 0; })),
                      Catch::Contains("options.budget_growth = 0 must be positive"));
    CHECK_THROWS_WITH(eap::prune_for_energy(f.original, data, bad([](auto& o) {
                          o.energy_target = 0.5;
                          o.budget_growth = 0.5;
                      })),
                      Catch::Contains("options.budget_growth = 0.5 must be above 1 in the energy-budget mode"));
}
