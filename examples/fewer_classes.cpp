// Fewer classes save weights, but little energy.
//
//     fewer_classes [--out DIR] [--batch N] [--relu-density D] [--epochs E] [--seed S]
//                   [--classes 10,5,2] [--skip-training]
//
// (a) On the energy model: AlexNet with fc8 reduced from 1000 to 100 and 10 classes (dense
//     weights, ReLU outputs at density D = 0.43, Eyeriss v1 at batch N = 16 and at batch 1):
//     weights and energy against the 1000-class network.
// (b) On real models: the AlexNet-like Fashion-MNIST network trained from seed S for E epochs
//     (default 4, the shipped reference model's recipe) on three tasks, then pruned with
//     energy-aware pruning as the main job does (energy at batch 16 orders the layers; 1.5% top-1
//     budget, 1% loss limit, 200 fine-tuning steps), its weights and energy (batch 1 and 16, exact
//     sparsity of the real activations) measured before and after:
//       10 classes: the Fashion-MNIST labels;
//        5 classes: by kind of item: upper-body garments (T-shirt/top, Pullover, Coat, Shirt),
//                   trousers, dresses, footwear (Sandal, Sneaker, Ankle boot), bags;
//        2 classes: clothes (T-shirt/top, Trouser, Pullover, Dress, Coat, Shirt) against
//                   shoes and bags (Sandal, Sneaker, Bag, Ankle boot).
//     As in the main job, decisions use test images 0-3,999 and accuracies are reported on test
//     images 4,000-9,999. Each task takes minutes (training ~2 min per epoch on one core, pruning
//     ~2-3 min); --epochs shortens it, --classes picks tasks, --skip-training runs part (a) only.
//
// Writes into DIR (default eap_results/fewer_classes): alexnet_classes.csv,
// alexnet_classes.svg/.csv, and for (b) fashion_classes.csv and
// fashion_weights_vs_energy_batch<1|16>.svg/.csv.
#include <chrono>
#include <cstdint>
#include <cstdio>
#include <filesystem>
#include <iostream>
#include <sstream>
#include <string>
#include <vector>

#include <eap/chart/bar_chart.hpp>
#include <eap/chart/scatter_chart.hpp>
#include <eap/data/fashion_mnist.hpp>
#include <eap/energy/assumed_densities.hpp>
#include <eap/energy/energy_model.hpp>
#include <eap/engine/evaluate.hpp>
#include <eap/engine/trainer.hpp>
#include <eap/hardware/presets.hpp>
#include <eap/prune/energy_aware_pruning.hpp>
#include <eap/measure/model_energy.hpp>
#include <eap/zoo/alexnet.hpp>
#include <eap/zoo/fashion_mnist_models.hpp>

#include "analysis_support.hpp"
#include "main_job_settings.hpp"

namespace {

using clock_type = std::chrono::steady_clock;

double seconds_since(clock_type::time_point start) {
    return std::chrono::duration<double>(clock_type::now() - start).count();
}

// ---------------------------------------------------------------------------------------------
// (a) AlexNet with fewer classes on the energy model.

void alexnet_classes(const std::filesystem::path& out, std::int64_t batch, const eap::assumed_densities& assumed) {
    const eap::hardware hw = eap::presets::eyeriss_v1_hardware();
    eap::mapping_cache cache(hw);
    struct variant {
        std::int64_t classes;
        eap::network net;
        eap::network_energy batched, single;
    };
    std::vector<variant> variants;
    for (std::int64_t classes : {1000, 100, 10}) {
        eap::network net = eap::zoo::alexnet(classes);
        const eap::network_energy_options o = eap::assumed_density_options(net, assumed);
        eap::network_energy b = eap::estimate_network_energy(hw, net, batch, o, &cache);
        eap::network_energy s = eap::estimate_network_energy(hw, net, 1, o, &cache);
        variants.push_back({classes, std::move(net), std::move(b), std::move(s)});
    }
    const variant& base = variants.front();
    std::printf("(a) AlexNet with fewer classes on %s (dense weights, ReLU outputs at density %.2f); energy per "
                "image in units of one 16-bit MAC\n\n",
                hw.name.c_str(), assumed.relu_outputs);
    analysis::table t;
    const std::string b = "batch " + std::to_string(batch);
    t.header = {"classes", "weights", "% of 1000 classes", "energy, " + b, "% of 1000 classes", "energy, batch 1",
                "% of 1000 classes"};
    for (const variant& v : variants) {
        const double w = static_cast<double>(v.net.weight_count()), w0 = static_cast<double>(base.net.weight_count());
        t.rows.push_back({std::to_string(v.classes), analysis::count_cell(v.net.weight_count()),
                          analysis::percent_cell(w, w0, "%.2f%%"), analysis::number_cell(v.batched.per_image().total()),
                          analysis::percent_cell(v.batched.per_image().total(), base.batched.per_image().total(), "%.2f%%"),
                          analysis::number_cell(v.single.per_image().total()),
                          analysis::percent_cell(v.single.per_image().total(), base.single.per_image().total(), "%.2f%%")});
    }
    t.print(std::cout);
    t.write_csv(out / "alexnet_classes.csv");
    for (std::size_t i = 1; i < variants.size(); ++i) {
        const variant& v = variants[i];
        const double dw = 1.0 - static_cast<double>(v.net.weight_count()) / static_cast<double>(base.net.weight_count());
        const double de = 1.0 - v.batched.per_image().total() / base.batched.per_image().total();
        const double de1 = 1.0 - v.single.per_image().total() / base.single.per_image().total();
        std::printf("* %lld classes: %.2f%% fewer weights, %.2f%% less energy at %s (%.1fx less saved), %.2f%% at "
                    "batch 1\n",
                    static_cast<long long>(v.classes), 100.0 * dw, 100.0 * de, b.c_str(), dw / de, 100.0 * de1);
    }

    // Weights and energy as shares of the 1000-class network, split into CONV layers, fc6-fc7 and fc8.
    eap::chart::stacked_bar_chart c;
    c.title = "AlexNet with fewer classes: weights fall, energy barely moves";
    c.x_label = "quantity, classes";
    c.y_label = "% of the 1000-class network";
    c.series = {{"CONV layers", {}}, {"fc6 + fc7", {}}, {"fc8", {}}};
    auto add_bar = [&c](const std::string& name, const std::vector<double>& parts, double whole) {
        c.categories.push_back(name);
        for (std::size_t k = 0; k < 3; ++k) c.series[k].values.push_back(100.0 * parts[k] / whole);
    };
    auto group_of = [](const std::string& layer) { return layer == "fc8" ? 2 : (layer[0] == 'f' ? 1 : 0); };
    for (const variant& v : variants) {
        std::vector<double> parts(3, 0.0);
        for (const eap::layer_energy& l : v.batched.layers)
            parts[static_cast<std::size_t>(group_of(l.name))] += static_cast<double>(l.shape.weight_count());
        add_bar("weights, " + std::to_string(v.classes), parts, static_cast<double>(base.net.weight_count()));
    }
    for (const eap::network_energy variant::*which : {&variant::batched, &variant::single}) {
        const std::string label = which == &variant::batched ? "energy b" + std::to_string(batch) + ", " : "energy b1, ";
        for (const variant& v : variants) {
            std::vector<double> parts(3, 0.0);
            for (const eap::layer_energy& l : (v.*which).layers)
                parts[static_cast<std::size_t>(group_of(l.name))] += l.energy.total();
            add_bar(label + std::to_string(v.classes), parts, (base.*which).total.total());
        }
    }
    eap::chart::save_chart(out / "alexnet_classes", c);
}

// ---------------------------------------------------------------------------------------------
// (b) The AlexNet-like Fashion-MNIST model trained and pruned for 10, 5 and 2 classes.

/// The label of each Fashion-MNIST class in a task with `classes` classes.
std::vector<std::int32_t> label_map(std::int64_t classes) {
    // 0 T-shirt/top, 1 Trouser, 2 Pullover, 3 Dress, 4 Coat, 5 Sandal, 6 Shirt, 7 Sneaker, 8 Bag, 9 Ankle boot
    if (classes == 10) return {0, 1, 2, 3, 4, 5, 6, 7, 8, 9};
    if (classes == 5) return {0, 1, 0, 2, 0, 3, 0, 3, 4, 3};  // upper body, trousers, dresses, footwear, bags
    if (classes == 2) return {0, 0, 0, 0, 0, 1, 0, 1, 1, 1};  // clothes, shoes and bags
    throw eap::argument_error("fewer_classes: --classes takes 10, 5 and/or 2 (got " + std::to_string(classes) + ")");
}

eap::data::labeled_images relabel(const eap::data::labeled_images& set, const std::vector<std::int32_t>& map) {
    eap::data::labeled_images out = set;
    for (std::size_t i = 0; i < out.labels.size(); ++i) out.labels(i) = map[static_cast<std::size_t>(set.labels(i))];
    return out;
}

struct measured {
    double top1 = 0.0;
    std::int64_t weights = 0, nonzero_weights = 0;
    double macs = 0.0, energy1 = 0.0, energy16 = 0.0;
};

struct task_result {
    std::int64_t classes = 0;
    measured original, pruned;
    double train_seconds = 0.0, prune_seconds = 0.0;
};

measured measure(const eap::engine::model& m, const eap::data::labeled_images& report,
                 const eap::engine::activation_tensor& sparsity_images, const eap::hardware& hw,
                 eap::mapping_cache& cache) {
    eap::engine::executor runner;
    measured r;
    r.top1 = eap::engine::evaluate(runner, m, report.images, report.labels).top1();
    const eap::model_sparsity s = eap::count_model_sparsity(runner, m, sparsity_images);
    r.weights = s.weights();
    r.nonzero_weights = s.nonzero_weights();
    r.macs = s.nonskipped_macs_per_image();
    r.energy1 = eap::estimate_model_energy(m.graph(), s, hw, 1, {}, &cache).per_image();
    r.energy16 = eap::estimate_model_energy(m.graph(), s, hw, 16, {}, &cache).per_image();
    return r;
}

task_result run_task(std::int64_t classes, std::int64_t epochs, std::uint64_t seed,
                     const eap::data::labeled_images& train_all, const eap::data::labeled_images& test_all) {
    const std::vector<std::int32_t> map = label_map(classes);
    const eap::data::labeled_images train = relabel(train_all, map), test = relabel(test_all, map);
    const eap::data::labeled_images pruning = eap::data::subset(test, 0, 4000);
    const eap::data::labeled_images report = eap::data::subset(test, 4000, 6000);
    const eap::engine::activation_tensor calibration = eap::data::subset(train, 0, 2048).images;
    const eap::engine::activation_tensor sparsity = eap::data::subset(report, 0, 500).images;
    const eap::hardware hw = eap::presets::eyeriss_v1_hardware();
    eap::mapping_cache cache(hw);

    task_result result;
    result.classes = classes;
    auto start = clock_type::now();
    // The shipped reference model's recipe: momentum SGD, weight decay, cosine schedule after a warm-up.
    eap::engine::model m(eap::zoo::fashion_alexnet(classes));
    m.initialize(seed);
    eap::engine::training_options training;
    training.epochs = epochs;
    training.batch_size = 64;
    training.seed = seed;
    training.optimizer.momentum = 0.9f;
    training.optimizer.weight_decay = 5e-4f;
    training.schedule.kind = eap::engine::learning_rate_schedule::shape::cosine;
    training.schedule.base = 0.02;
    training.schedule.warmup = 0.03;
    eap::engine::train(m, train.images, train.labels, training, [&](const eap::engine::epoch_report& e) {
        std::printf("  [%lld classes] epoch %lld: loss %.4f, training top-1 %.2f%%, %.0f s\n",
                    static_cast<long long>(classes), static_cast<long long>(e.epoch), e.mean_loss, 100.0 * e.accuracy,
                    e.seconds);
        std::fflush(stdout);
    });
    result.train_seconds = seconds_since(start);
    result.original = measure(m, report, sparsity, hw, cache);
    std::printf("  [%lld classes] trained in %.0f s: top-1 %.2f%% on the report images\n", static_cast<long long>(classes),
                result.train_seconds, 100.0 * result.original.top1);

    start = clock_type::now();
    eap::energy_aware_options options = main_job_settings::energy_aware(m.graph(), hw);
    options.progress = [classes](const eap::pruning_progress& p) {
        using stage = eap::pruning_progress::stage;
        if (p.what != stage::commit && p.what != stage::fine_tuned) return;
        if (p.what == stage::commit)
            std::printf("  [%lld classes] pruned %-6s keeps %6.2f%% of its weights, top-1 %.2f%%, energy %.1f%% of the "
                        "original\n",
                        static_cast<long long>(classes), p.layer.c_str(), 100.0 * p.keep_fraction, 100.0 * p.accuracy,
                        100.0 * p.energy_fraction);
        else
            std::printf("  [%lld classes] fine-tuned: top-1 %.2f%% on the pruning images, energy %.1f%% of the original\n",
                        static_cast<long long>(classes), 100.0 * p.accuracy, 100.0 * p.energy_fraction);
        std::fflush(stdout);
    };
    const eap::pruning_data data{calibration, pruning, train};
    const eap::energy_aware_result pruned = eap::prune_for_energy(m, data, options);
    result.prune_seconds = seconds_since(start);
    result.pruned = measure(pruned.model, report, sparsity, hw, cache);
    std::printf("  [%lld classes] pruned in %.0f s%s\n", static_cast<long long>(classes), result.prune_seconds,
                pruned.limit_met ? "" : " (the accuracy limit was missed on the pruning images)");
    return result;
}

void fashion_classes(const std::filesystem::path& out, const std::vector<std::int64_t>& tasks, std::int64_t epochs,
                     std::uint64_t seed) {
    const auto start = clock_type::now();
    const auto train = eap::data::load_fashion_mnist(eap::data::fashion_mnist_split::train);
    const auto test = eap::data::load_fashion_mnist(eap::data::fashion_mnist_split::test);
    std::printf("\n(b) The AlexNet-like Fashion-MNIST model trained (%lld epochs, seed %llu) and pruned for energy for "
                "each task\n",
                static_cast<long long>(epochs), static_cast<unsigned long long>(seed));
    std::vector<task_result> results;
    for (std::int64_t classes : tasks) results.push_back(run_task(classes, epochs, seed, train, test));

    std::printf("\nTop-1 on test images 4,000-9,999; energy per image on Eyeriss v1 (units of one 16-bit MAC) from "
                "the exact sparsity of 500 of them; percentages against the same task's original model\n\n");
    analysis::table t;
    t.header = {"classes", "model", "top-1", "weights", "non-zero weights", "non-skipped MACs", "energy, batch 1",
                "energy, batch 16", "seconds"};
    for (const task_result& r : results) {
        for (const measured* m : {&r.original, &r.pruned}) {
            const bool original = m == &r.original;
            t.rows.push_back(
                {std::to_string(r.classes), original ? "trained" : "pruned for energy",
                 analysis::number_cell(100.0 * m->top1, "%.2f%%"), analysis::count_cell(m->weights),
                 analysis::cell(analysis::with_commas(m->nonzero_weights) + " (" +
                                    analysis::percent(static_cast<double>(m->nonzero_weights),
                                                      static_cast<double>(r.original.nonzero_weights)) +
                                    ")",
                                std::to_string(m->nonzero_weights)),
                 analysis::cell(analysis::sci(m->macs) + " (" + analysis::percent(m->macs, r.original.macs) + ")",
                                analysis::format("%.17g", m->macs)),
                 analysis::cell(analysis::sci(m->energy1) + " (" + analysis::percent(m->energy1, r.original.energy1) + ")",
                                analysis::format("%.17g", m->energy1)),
                 analysis::cell(analysis::sci(m->energy16) + " (" + analysis::percent(m->energy16, r.original.energy16) + ")",
                                analysis::format("%.17g", m->energy16)),
                 analysis::number_cell(original ? r.train_seconds : r.prune_seconds, "%.0f")});
        }
    }
    t.print(std::cout);
    t.write_csv(out / "fashion_classes.csv");
    const task_result* ten = nullptr;
    for (const task_result& r : results)
        if (r.classes == 10) ten = &r;
    if (ten != nullptr)
        for (const task_result& r : results) {
            if (&r == ten) continue;
            std::printf("* %lld classes against 10, both pruned: %.2fx the non-zero weights, %.2fx the energy at "
                        "batch 16, %.2fx at batch 1\n",
                        static_cast<long long>(r.classes),
                        static_cast<double>(r.pruned.nonzero_weights) / static_cast<double>(ten->pruned.nonzero_weights),
                        r.pruned.energy16 / ten->pruned.energy16, r.pruned.energy1 / ten->pruned.energy1);
        }

    for (int batch : {1, 16}) {
        eap::chart::scatter_chart c;
        c.title = "AlexNet-like on Fashion-MNIST tasks, batch " + std::to_string(batch) + ": energy vs weights";
        c.x_label = "non-zero weights";
        c.y_label = "energy per image (one MAC = 1)";
        c.log_x = c.log_y = true;
        c.connect_groups = true;
        for (const task_result& r : results) {
            const std::string group = std::to_string(r.classes) + " classes: trained -> pruned";
            for (const measured* m : {&r.original, &r.pruned})
                c.points.push_back({std::to_string(r.classes) + (m == &r.original ? " classes" : " cl., pruned"),
                                    static_cast<double>(m->nonzero_weights), batch == 1 ? m->energy1 : m->energy16, group});
        }
        eap::chart::save_chart(out / ("fashion_weights_vs_energy_batch" + std::to_string(batch)), c);
    }
    std::printf("\n(b) took %.0f s in all (loading, training, pruning and measuring)\n", seconds_since(start));
}

}  // namespace

int main(int argc, char** argv) {
    const analysis::options args(
        argc, argv,
        "usage: fewer_classes [--out DIR] [--batch N] [--relu-density D] [--epochs E] [--seed S] [--classes 10,5,2]\n"
        "                     [--skip-training]\n"
        "  (a) AlexNet with 1000, 100 and 10 classes on the energy model (batch N, default 16);\n"
        "  (b) the AlexNet-like Fashion-MNIST model trained for E epochs (default 4) and pruned for energy for\n"
        "  each task (10, 5, 2 classes; minutes per task). Writes into DIR (default eap_results/fewer_classes)",
        {"--out", "--batch", "--relu-density", "--epochs", "--seed", "--classes"}, {"--skip-training"});
    try {
        const auto start = clock_type::now();
        const std::filesystem::path out = args.text("--out", "eap_results/fewer_classes");
        const std::int64_t batch = args.integer("--batch", 16);
        const std::int64_t epochs = args.integer("--epochs", 4);
        const auto seed = static_cast<std::uint64_t>(args.integer("--seed", 2017));
        eap::assumed_densities assumed;
        assumed.relu_outputs = args.number("--relu-density", 0.43);
        std::vector<std::int64_t> tasks;
        std::stringstream list(args.text("--classes", "10,5,2"));
        for (std::string item; std::getline(list, item, ',');) {
            try {
                tasks.push_back(std::stoll(item));
            } catch (const std::logic_error&) {
                args.fail("bad --classes entry '" + item + "'");
            }
            label_map(tasks.back());  // rejects a task it does not know
        }
        if (epochs < 1) args.fail("--epochs must be at least 1");
        std::filesystem::create_directories(out);

        alexnet_classes(out, batch, assumed);
        if (!args.has("--skip-training")) fashion_classes(out, tasks, epochs, seed);
        std::printf("\nwrote the tables and charts (SVG + CSV) to %s; total time %.0f s\n", out.string().c_str(),
                    seconds_since(start));
        return 0;
    } catch (const std::exception& e) {
        std::fprintf(stderr, "fewer_classes: %s\n", e.what());
        return 1;
    }
}
