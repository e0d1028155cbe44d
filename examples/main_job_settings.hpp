// The pruning settings of the main job, shared by the examples that prune "as the main job does"
// (main_job, its ablation, fewer_classes), so that their numbers stay comparable.
#pragma once

#include <eap/hardware/hardware.hpp>
#include <eap/network/network.hpp>
#include <eap/prune/energy_aware_pruning.hpp>

namespace main_job_settings {

/// Energy-aware pruning of `net` on `hw` as the main job runs it, without a progress callback.
inline eap::energy_aware_options energy_aware(const eap::network& net, const eap::hardware& hw, int rounds = 1) {
    // The same fine-tuning for both methods after every pruning step: 200 masked SGD steps of 64.
    eap::engine::training_options tuning;
    tuning.epochs = 1;
    tuning.max_steps = 200;
    tuning.batch_size = 64;
    tuning.schedule.base = 0.01;

    // Ordered and budgeted by the energy at batch 16 (where the CONV layers dominate; the FC layers
    // that dominate at batch 1 prune easily whatever their place).
    eap::energy_aware_options options;
    options.hw = hw;
    options.energy_batch = 16;
    options.accuracy_budget = 0.015;
    options.accuracy_loss_limit = 0.01;
    // A later round re-prunes a model that already used most of the limit: half the budget.
    options.rounds = rounds;
    options.budget_growth = 0.5;
    options.fine_tuning = tuning;
    options.search_steps = net.compute_layers().size() > 8 ? 5 : 7;
    return options;
}

}  // namespace main_job_settings
