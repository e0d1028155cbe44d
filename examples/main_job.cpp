// The main job: prunes the two Fashion-MNIST reference models (AlexNet-like and GoogLeNet-like)
// for energy on Eyeriss v1, with energy-aware pruning and with the magnitude-pruning baseline,
// and prints the paper's table (accuracy, non-zero weights, non-skipped MACs, energy, each with
// its share of the original) and the per-layer energy of the original and pruned models.
//
//     main_job [--out DIR] [--models alexnet_like,googlenet_like] [--threads N] [--resume] [--rounds R]
//     main_job --ablation --models alexnet_like      what each mechanism contributes (slow)
//
// --rounds R (default 1) gives both methods R rounds: energy-aware pruning re-prunes the last
// model within the limit with half the previous budget; the baseline prunes and retrains again.
//
// The two models are pruned at the same time on two threads. Decisions (kept fractions, the
// baseline's threshold, the accuracy limit) use the first 4,000 test images; the accuracies in
// the table are on the other 6,000, which no decision saw. Everything is written to DIR
// (default eap_results/): pruned models, CSV tables and SVG charts.
#include <algorithm>
#include <chrono>
#include <cstdio>
#include <filesystem>
#include <fstream>
#include <map>
#include <mutex>
#include <sstream>
#include <string>
#include <thread>
#include <vector>

#include <eap/eap.hpp>

#include "main_job_settings.hpp"

#ifndef EAP_SOURCE_DIR
#define EAP_SOURCE_DIR "."
#endif

namespace {

using clock_type = std::chrono::steady_clock;

std::mutex print_mutex;

template <class... Args>
void say(const char* format, Args... args) {
    std::lock_guard<std::mutex> lock(print_mutex);
    std::printf(format, args...);
    std::fflush(stdout);
}

struct job_options {
    std::filesystem::path out = "eap_results";
    std::filesystem::path models = std::filesystem::path(EAP_SOURCE_DIR) / "tests" / "data" / "models";
    std::vector<std::string> names = {"alexnet_like", "googlenet_like"};
    int threads = 2;
    bool resume = false;
    bool ablation = false;
    int rounds = 1;
};

// Energy batch sizes of the table: energy[0] is batch 1, energy[1] batch 16.
const std::vector<std::int64_t> table_batches{1, 16};

struct model_result {
    std::string name;
    eap::model_summary original, magnitude, energy_aware;
    eap::model_energy floor1, floor16;
    double seconds = 0.0;
    bool eap_limit_met = false, magnitude_limit_met = false;
    /// Top-1 loss on the decision images, where the accuracy limit is enforced.
    double eap_decision_loss = 0.0, magnitude_decision_loss = 0.0;
};

struct shared_data {
    eap::data::labeled_images train, pruning, report;
    eap::engine::activation_tensor calibration, sparsity;
};

/// Top-1 loss of a pruning result's chosen model on the decision images (energy-aware or magnitude).
template <class PruningResult>
double decision_loss_of(const PruningResult& r) {
    return r.original_accuracy - r.points.at(r.best).accuracy;
}

eap::model_summary measure(const std::string& label, const eap::engine::model& m, const shared_data& d,
                          const eap::hardware& hw, eap::mapping_cache& cache) {
    return eap::summarize_model(label, m, d.report, d.sparsity, hw, table_batches, cache);
}

/// The main job's settings of energy-aware pruning with its progress lines (main job and ablation).
eap::energy_aware_options energy_aware_settings(const eap::engine::model& original, const eap::hardware& hw,
                                                const std::string& name, int rounds) {
    eap::energy_aware_options options = main_job_settings::energy_aware(original.graph(), hw, rounds);
    options.progress = [name](const eap::pruning_progress& p) {
        using stage = eap::pruning_progress::stage;
        switch (p.what) {
        case stage::skipped:
            say("[%s %5.0fs] energy-aware round %d: %-24s left as it is: its share of the budget is below what the "
                "pruning images resolve\n",
                name.c_str(), p.seconds, p.round, p.layer.c_str());
            break;
        case stage::commit:
        case stage::unprunable:
            say("[%s %5.0fs] energy-aware round %d: %-24s keeps %6.2f%% of its weights, top-1 %.2f%% (reference "
                "%.2f%%)%s, energy %.1f%% of the original\n",
                name.c_str(), p.seconds, p.round, p.layer.c_str(), 100 * p.keep_fraction, 100 * p.accuracy,
                100 * p.reference_accuracy,
                p.what == stage::unprunable ? " -- could not be pruned within its budget" : "",
                100 * p.energy_fraction);
            break;
        case stage::fine_tuned:
            say("[%s %5.0fs] energy-aware round %d: fine-tuned, top-1 %.2f%% (before %.2f%%), energy %.1f%%%s\n",
                name.c_str(), p.seconds, p.round, 100 * p.accuracy, 100 * p.reference_accuracy,
                100 * p.energy_fraction, p.accepted ? "" : " -- over the accuracy limit");
            break;
        default: break;
        }
    };
    return options;
}

model_result run_model(const std::string& name, const job_options& job, const shared_data& d) {
    const auto start = clock_type::now();
    auto seconds = [&start] { return std::chrono::duration<double>(clock_type::now() - start).count(); };
    const eap::hardware hw = eap::presets::eyeriss_v1_hardware();
    eap::mapping_cache cache(hw);
    const eap::engine::model original = eap::engine::load_model(job.models / name);
    model_result result;
    result.name = name;
    result.original = measure("original", original, d, hw, cache);
    say("[%s %5.0fs] original: top-1 %.2f%%, energy %.3g (batch 1), %.3g (batch 16) per image\n", name.c_str(),
        seconds(), 100 * result.original.accuracy, result.original.energy[0].per_image(),
        result.original.energy[1].per_image());

    eap::energy_aware_options options = energy_aware_settings(original, hw, name, job.rounds);
    options.state_directory = job.out / name / "energy_aware_state";
    if (!job.resume) std::filesystem::remove_all(options.state_directory);
    const eap::pruning_data data{d.calibration, d.pruning, d.train};
    const eap::energy_aware_result eap_result = eap::prune_for_energy(original, data, options);
    result.eap_limit_met = eap_result.limit_met;
    result.eap_decision_loss = decision_loss_of(eap_result);
    result.energy_aware = measure("energy-aware", eap_result.model, d, hw, cache);
    eap::engine::save_model(eap_result.model, job.out / name / "energy_aware");

    eap::magnitude_baseline_options baseline;
    baseline.accuracy_loss_limit = options.accuracy_loss_limit;
    baseline.rounds = options.rounds;  // as many (prune, retrain) rounds as energy-aware pruning
    baseline.search_steps = 4;
    baseline.fine_tuning = options.fine_tuning;
    baseline.progress = [&name, &seconds](const std::string& line) {
        say("[%s %5.0fs] %s\n", name.c_str(), seconds(), line.c_str());
    };
    const eap::magnitude_baseline_result magnitude = eap::prune_by_magnitude(original, d.pruning, d.train, baseline);
    result.magnitude_limit_met = magnitude.limit_met;
    result.magnitude_decision_loss = decision_loss_of(magnitude);
    result.magnitude = measure("magnitude + retraining", magnitude.model, d, hw, cache);
    eap::engine::save_model(magnitude.model, job.out / name / "magnitude");

    eap::engine::executor runner;
    const eap::model_sparsity sparsity = eap::count_model_sparsity(runner, eap_result.model, d.sparsity);
    result.floor1 = eap::estimate_energy_floor(original.graph(), sparsity, hw, 1, {}, &cache);
    result.floor16 = eap::estimate_energy_floor(original.graph(), sparsity, hw, 16, {}, &cache);
    result.seconds = seconds();
    say("[%s %5.0fs] done\n", name.c_str(), result.seconds);
    return result;
}

/// Energy-aware pruning of one model with one mechanism changed at a time: what each contributes.
void run_ablation(const std::string& name, const job_options& job, const shared_data& d) {
    const eap::hardware hw = eap::presets::eyeriss_v1_hardware();
    eap::mapping_cache cache(hw);
    const eap::engine::model original = eap::engine::load_model(job.models / name);
    const eap::pruning_data data{d.calibration, d.pruning, d.train};
    struct variant {
        const char* label;
        void (*change)(eap::energy_aware_options&);
    };
    const variant variants[] = {
        {"energy-aware pruning (all)", [](eap::energy_aware_options&) {}},
        {"layers in network order", [](eap::energy_aware_options& o) { o.order = eap::energy_aware_options::layer_order::network; }},
        {"budget shared equally", [](eap::energy_aware_options& o) { o.split = eap::energy_aware_options::budget_split::uniform; }},
        {"no restoration", [](eap::energy_aware_options& o) { o.layer.method = eap::layer_pruning_method::magnitude_fit; }},
        {"no least squares", [](eap::energy_aware_options& o) { o.layer.method = eap::layer_pruning_method::magnitude; }},
        {"no fine-tuning", [](eap::energy_aware_options& o) { o.fine_tune = false; }},
    };
    std::vector<eap::model_summary> rows{measure("original", original, d, hw, cache)};
    std::vector<double> decision_loss{0.0};  // top-1 loss on the decision images, where the limit is enforced
    for (const variant& v : variants) {
        eap::energy_aware_options options = energy_aware_settings(original, hw, name + ", " + v.label, job.rounds);
        v.change(options);
        const eap::energy_aware_result r = eap::prune_for_energy(original, data, options);
        rows.push_back(measure(v.label, r.model, d, hw, cache));
        decision_loss.push_back(decision_loss_of(r));
    }
    const double limit = energy_aware_settings(original, hw, name, job.rounds).accuracy_loss_limit;
    std::printf("\nAblation on %s (energy per image on Eyeriss v1 as %% of the original; top-1 on the report images; "
                "loss on the decision images, limit %.2f)\n",
                name.c_str(), 100 * limit);
    std::printf("%-30s %10s %14s %18s %14s %14s\n", "variant", "top-1", "decision loss", "non-zero weights",
                "energy b=1", "energy b=16");
    for (std::size_t i = 0; i < rows.size(); ++i) {
        const eap::model_summary& r = rows[i];
        std::printf("%-30s %9.2f%% %8.2f%s %17.1f%% %13.1f%% %13.1f%%\n", r.label.c_str(), 100 * r.accuracy,
                    100 * decision_loss[i], eap::within_limit(decision_loss[i], limit) ? "      " : " (over)",
                    100.0 * static_cast<double>(r.nonzero_weights) / static_cast<double>(rows[0].nonzero_weights),
                    100 * r.energy[0].per_image() / rows[0].energy[0].per_image(),
                    100 * r.energy[1].per_image() / rows[0].energy[1].per_image());
    }
    eap::write_file_atomically(job.out / (name + "_ablation.csv"), [&rows, &decision_loss](std::ostream& out) {
        out << "variant,top1,decision_loss,nonzero_weights,energy_batch1,energy_batch16\n";
        for (std::size_t i = 0; i < rows.size(); ++i) {
            const eap::model_summary& r = rows[i];
            out << r.label << ',' << r.accuracy << ',' << decision_loss[i] << ',' << r.nonzero_weights << ','
                << r.energy[0].per_image() << ',' << r.energy[1].per_image() << '\n';
        }
    });
}

std::string percent(double part, double whole) {
    char buffer[32];
    std::snprintf(buffer, sizeof buffer, "%.1f%%", 100.0 * part / whole);
    return buffer;
}

std::string with_commas(std::int64_t n) {
    std::string digits = std::to_string(n), out;
    for (std::size_t i = 0; i < digits.size(); ++i) {
        if (i != 0 && (digits.size() - i) % 3 == 0) out += ',';
        out += digits[i];
    }
    return out;
}

void print_table(const std::vector<model_result>& results) {
    std::printf("\nEnergy per image on Eyeriss v1 in units of one 16-bit MAC; top-1 on the 6,000 report images\n");
    std::printf("(the pruning decisions used the other 4,000 test images).\n\n");
    std::printf("%-15s %-24s %-16s %-20s %-20s %-18s %-18s\n", "model", "method", "top-1", "non-zero weights",
                "non-skipped MACs", "energy, batch 1", "energy, batch 16");
    for (const model_result& r : results) {
        const eap::model_summary& o = r.original;
        for (const eap::model_summary* m : {&r.original, &r.magnitude, &r.energy_aware}) {
            char top1[32], weights[48], macs[48], e1[40], e16[40];
            if (m == &r.original)
                std::snprintf(top1, sizeof top1, "%.2f%%", 100 * m->accuracy);
            else
                std::snprintf(top1, sizeof top1, "%.2f%% (%+.2f)", 100 * m->accuracy, 100 * (m->accuracy - o.accuracy));
            std::snprintf(weights, sizeof weights, "%s (%s)", with_commas(m->nonzero_weights).c_str(),
                          percent(static_cast<double>(m->nonzero_weights), static_cast<double>(o.nonzero_weights)).c_str());
            std::snprintf(macs, sizeof macs, "%.3g (%s)", m->nonskipped_macs, percent(m->nonskipped_macs, o.nonskipped_macs).c_str());
            std::snprintf(e1, sizeof e1, "%.3g (%s)", m->energy[0].per_image(),
                          percent(m->energy[0].per_image(), o.energy[0].per_image()).c_str());
            std::snprintf(e16, sizeof e16, "%.3g (%s)", m->energy[1].per_image(),
                          percent(m->energy[1].per_image(), o.energy[1].per_image()).c_str());
            std::printf("%-15s %-24s %-16s %-20s %-20s %-18s %-18s\n", m == &r.original ? r.name.c_str() : "",
                        m->label.c_str(), top1, weights, macs, e1, e16);
        }
        char f1[40], f16[40];
        std::snprintf(f1, sizeof f1, "%.3g (%s)", r.floor1.per_image(),
                      percent(r.floor1.per_image(), o.energy[0].per_image()).c_str());
        std::snprintf(f16, sizeof f16, "%.3g (%s)", r.floor16.per_image(),
                      percent(r.floor16.per_image(), o.energy[1].per_image()).c_str());
        std::printf("%-15s %-24s %-16s %-20s %-20s %-18s %-18s\n", "", "floor (no weights left)", "", "", "", f1, f16);
    }
}

void print_layers(const model_result& r) {
    std::printf("\n%s: energy per image by layer (share of the original model's total)\n", r.name.c_str());
    std::printf("%-26s %-28s %-28s %-28s\n", "", "batch 1: orig / magnitude / EA", "", "batch 16: orig / magnitude / EA");
    const auto& net_layers = r.original.energy[0].energy.layers;
    for (std::size_t k = 0; k < net_layers.size(); ++k) {
        auto share = [](const eap::model_energy& e, const eap::model_energy& base, std::size_t layer) {
            return 100.0 * e.layer_per_image(layer) / base.per_image();
        };
        std::printf("%-26s %6.2f%% %6.2f%% %6.2f%%          %6.2f%% %6.2f%% %6.2f%%\n", net_layers[k].name.c_str(),
                    share(r.original.energy[0], r.original.energy[0], k), share(r.magnitude.energy[0], r.original.energy[0], k),
                    share(r.energy_aware.energy[0], r.original.energy[0], k), share(r.original.energy[1], r.original.energy[1], k),
                    share(r.magnitude.energy[1], r.original.energy[1], k), share(r.energy_aware.energy[1], r.original.energy[1], k));
    }
}

void write_outputs(const std::vector<model_result>& results, const job_options& job) {
    eap::write_file_atomically(job.out / "table.csv", [&results](std::ostream& out) {
        out << "model,method,top1,nonzero_weights,weights,nonskipped_macs_per_image,energy_batch1,energy_batch16\n";
        for (const model_result& r : results)
            for (const eap::model_summary* m : {&r.original, &r.magnitude, &r.energy_aware})
                out << r.name << ',' << m->label << ',' << m->accuracy << ',' << m->nonzero_weights << ',' << m->weights
                    << ',' << m->nonskipped_macs << ',' << m->energy[0].per_image() << ',' << m->energy[1].per_image() << '\n';
    });
    for (const model_result& r : results) {
        for (const auto& [batch, label] : {std::pair<int, const char*>{1, "batch1"}, {16, "batch16"}}) {
            eap::chart::stacked_bar_chart chart;
            chart.title = r.name + " on Eyeriss v1, batch " + std::to_string(batch) + ": energy per layer";
            chart.x_label = "layer (original | magnitude | energy-aware)";
            chart.y_label = "energy per image (x one 16-bit MAC)";
            chart.series = {{"computation", {}}, {"weights", {}}, {"ifmaps", {}}, {"psums", {}}};
            for (const eap::model_summary* m : {&r.original, &r.magnitude, &r.energy_aware}) {
                const eap::model_energy& e = batch == 1 ? m->energy[0] : m->energy[1];
                for (std::size_t k = 0; k < e.energy.layers.size(); ++k) {
                    const auto& l = e.energy.layers[k];
                    const double scale = 1.0 / static_cast<double>(e.energy.batch);
                    const char* tag = m == &r.original ? "orig" : (m == &r.magnitude ? "mag" : "EA");
                    chart.categories.push_back(l.name + " " + tag);
                    chart.series[0].values.push_back(l.energy.computation * scale);
                    chart.series[1].values.push_back(l.energy.of_type(eap::data_type::weights) * scale);
                    chart.series[2].values.push_back(l.energy.of_type(eap::data_type::ifmaps) * scale);
                    chart.series[3].values.push_back(l.energy.of_type(eap::data_type::psums) * scale);
                }
            }
            eap::chart::save_chart(job.out / r.name / (std::string("layers_") + label), chart);
        }
    }
}

job_options parse(int argc, char** argv) {
    job_options job;
    for (int i = 1; i < argc; ++i) {
        const std::string arg = argv[i];
        auto value = [&]() -> std::string {
            if (i + 1 >= argc) throw eap::argument_error(arg + " needs a value");
            return argv[++i];
        };
        if (arg == "--out") {
            job.out = value();
        } else if (arg == "--models") {
            job.names.clear();
            std::stringstream list(value());
            for (std::string n; std::getline(list, n, ',');) job.names.push_back(n);
        } else if (arg == "--model-dir") {
            job.models = value();
        } else if (arg == "--threads") {
            job.threads = std::max(1, std::stoi(value()));
        } else if (arg == "--rounds") {
            job.rounds = std::stoi(value());
            if (job.rounds < 1) throw eap::argument_error("--rounds must be at least 1");
        } else if (arg == "--resume") {
            job.resume = true;
        } else if (arg == "--ablation") {
            job.ablation = true;
        } else {
            throw eap::argument_error("unknown argument '" + arg +
                                      "' (use --out DIR, --models a,b, --model-dir DIR, --threads N, --resume, --rounds R, --ablation)");
        }
    }
    return job;
}

}  // namespace

int main(int argc, char** argv) {
    try {
        const auto start = clock_type::now();
        const job_options job = parse(argc, argv);
        std::filesystem::create_directories(job.out);
        shared_data d;
        d.train = eap::data::load_fashion_mnist(eap::data::fashion_mnist_split::train);
        const eap::data::labeled_images test = eap::data::load_fashion_mnist(eap::data::fashion_mnist_split::test);
        d.pruning = eap::data::subset(test, 0, 4000);
        d.report = eap::data::subset(test, 4000, 6000);
        d.calibration = eap::data::subset(d.train, 0, 2048).images;
        d.sparsity = eap::data::subset(d.report, 0, 500).images;
        if (job.ablation) {
            for (const std::string& name : job.names) run_ablation(name, job, d);
            return 0;
        }
        std::printf("eap main job: energy-aware pruning vs magnitude pruning of %zu Fashion-MNIST models on Eyeriss v1\n",
                    job.names.size());

        std::vector<model_result> results(job.names.size());
        std::vector<std::thread> workers;
        std::size_t next = 0;
        std::mutex next_mutex;
        std::exception_ptr failure;
        for (int t = 0; t < job.threads; ++t)
            workers.emplace_back([&] {
                for (;;) {
                    std::size_t i;
                    {
                        std::lock_guard<std::mutex> lock(next_mutex);
                        if (next >= job.names.size() || failure) return;
                        i = next++;
                    }
                    try {
                        results[i] = run_model(job.names[i], job, d);
                    } catch (...) {
                        std::lock_guard<std::mutex> lock(next_mutex);
                        failure = std::current_exception();
                    }
                }
            });
        for (auto& w : workers) w.join();
        if (failure) std::rethrow_exception(failure);

        print_table(results);
        for (const model_result& r : results) {
            std::printf("\n%s: energy-aware / magnitude energy = %.2f at batch 1, %.2f at batch 16%s\n", r.name.c_str(),
                        r.energy_aware.energy[0].per_image() / r.magnitude.energy[0].per_image(),
                        r.energy_aware.energy[1].per_image() / r.magnitude.energy[1].per_image(),
                        r.eap_limit_met && r.magnitude_limit_met ? "" : " (a method missed the accuracy limit on the pruning images)");
            std::printf("%s: top-1 loss on the 4,000 decision images, where the limit is enforced: energy-aware %.2f, "
                        "magnitude %.2f\n",
                        r.name.c_str(), 100 * r.eap_decision_loss, 100 * r.magnitude_decision_loss);
            print_layers(r);
        }
        write_outputs(results, job);
        std::printf("\nwrote %s (table.csv, per-model charts and pruned models); total time %.0f s\n",
                    job.out.string().c_str(), std::chrono::duration<double>(clock_type::now() - start).count());
        return 0;
    } catch (const eap::io_error& e) {
        std::fprintf(stderr, "main_job: %s\n", e.what());
        return 2;
    } catch (const std::exception& e) {
        std::fprintf(stderr, "main_job: %s\n", e.what());
        return 1;
    }
}
