// The energy-aware pruning paper's AlexNet rows (Yang, Chen, Sze, CVPR 2017, Table 1) on eap's
// energy model: the original AlexNet and AlexNet with Deep Compression's per-layer weight
// densities (Han et al.: conv1 84%, conv2 38%, conv3 35%, conv4 37%, conv5 37%, fc6 9%, fc7 9%,
// fc8 25%), next to the published numbers.
//
//     paper_table [--out DIR] [--batch N] [--relu-density D]
//
// The main comparison runs on Eyeriss v1 at batch N (default 16) with every ReLU output at density
// D (default 0.43; the image dense; the pruned model keeps the dense model's activation
// densities, as the paper's tool would see them only if pruning left the activations alone).
// Then a sweep over batch sizes, activation densities and the two hardware presets shows which
// assumptions move the numbers, and where eap comes closest to the paper's absolute values.
// Writes into DIR (default eap_results/paper_table): table.csv, sweep.csv, and the charts
// alexnet_layers_original_vs_deep_compression.svg/.csv and energy_ratio_vs_batch.svg/.csv.
#include <algorithm>
#include <cmath>
#include <cstdint>
#include <cstdio>
#include <filesystem>
#include <iostream>
#include <limits>
#include <map>
#include <string>
#include <vector>

#include <eap/chart/bar_chart.hpp>
#include <eap/chart/scatter_chart.hpp>
#include <eap/energy/assumed_densities.hpp>
#include <eap/energy/energy_model.hpp>
#include <eap/hardware/presets.hpp>
#include <eap/zoo/alexnet.hpp>

#include "analysis_support.hpp"

namespace {

// Yang et al., CVPR 2017, Table 1 (energy in units of one 16-bit MAC).
struct paper_row {
    double weights, macs, energy;
};
constexpr paper_row paper_original{60.95e6, 3.71e8, 3.97e9};
constexpr paper_row paper_deep_compression{6.79e6, 1.79e8, 1.85e9};

/// The original and the Deep Compression AlexNet on one configuration.
struct pair_estimate {
    eap::network_energy original, pruned;
    double original_energy() const { return original.per_image().total(); }
    double pruned_energy() const { return pruned.per_image().total(); }
    double original_macs() const { return original.nonskipped_macs() / static_cast<double>(original.batch); }
    double pruned_macs() const { return pruned.nonskipped_macs() / static_cast<double>(pruned.batch); }
};

pair_estimate estimate_pair(const eap::hardware& hw, eap::mapping_cache& cache, std::int64_t batch, double density) {
    const eap::network net = eap::zoo::alexnet();
    eap::assumed_densities a;
    a.relu_outputs = density;
    return {eap::estimate_network_energy(hw, net, batch, eap::assumed_density_options(net, a), &cache),
            eap::estimate_network_energy(hw, net, batch,
                                         eap::assumed_density_options(net, a, analysis::deep_compression_alexnet_densities()),
                                         &cache)};
}


}  // namespace

int main(int argc, char** argv) {
    const analysis::options args(argc, argv,
                                 "usage: paper_table [--out DIR] [--batch N] [--relu-density D]\n"
                                 "  AlexNet original vs Deep Compression densities on eap's energy model, next to\n"
                                 "  Yang et al. (CVPR 2017) Table 1; default batch 16, ReLU-output density 0.43.\n"
                                 "  Writes into DIR (default eap_results/paper_table)",
                                 {"--out", "--batch", "--relu-density"});
    try {
        const std::filesystem::path out = args.text("--out", "eap_results/paper_table");
        const std::int64_t batch = args.integer("--batch", 16);
        const double density = args.number("--relu-density", 0.43);
        std::filesystem::create_directories(out);
        const eap::hardware eyeriss = eap::presets::eyeriss_v1_hardware();
        const eap::hardware isca16 = eap::presets::isca16_study_hardware();
        eap::mapping_cache eyeriss_cache(eyeriss), isca16_cache(isca16);

        const pair_estimate main = estimate_pair(eyeriss, eyeriss_cache, batch, density);
        const double w0 = analysis::expected_nonzero_weights(main.original);
        const double w1 = analysis::expected_nonzero_weights(main.pruned);
        std::printf("AlexNet on %s, batch %lld, ReLU-output density %.2f (the pruned model keeps the dense model's "
                    "activation densities).\nEnergy per image in units of one 16-bit MAC. Paper: Yang et al., CVPR "
                    "2017, Table 1.\n\n",
                    eyeriss.name.c_str(), static_cast<long long>(batch), density);
        analysis::table t;
        t.header = {"quantity", "original (eap)", "original (paper)", "Deep Compression (eap)",
                    "Deep Compression (paper)", "% of original (eap)", "% of original (paper)"};
        auto row = [&t](const std::string& what, double eap0, double paper0, double eap1, double paper1) {
            t.rows.push_back({what, analysis::number_cell(eap0), analysis::number_cell(paper0), analysis::number_cell(eap1),
                              analysis::number_cell(paper1), analysis::percent_cell(eap1, eap0),
                              analysis::percent_cell(paper1, paper0, "%.0f%%")});
        };
        row("non-zero weights", w0, paper_original.weights, w1, paper_deep_compression.weights);
        row("non-skipped MACs", main.original_macs(), paper_original.macs, main.pruned_macs(), paper_deep_compression.macs);
        row("energy", main.original_energy(), paper_original.energy, main.pruned_energy(), paper_deep_compression.energy);
        t.print(std::cout);
        t.write_csv(out / "table.csv");

        // Where the saving comes from, per layer and data type.
        eap::chart::stacked_bar_chart layers;
        layers.title = "AlexNet on Eyeriss v1, batch " + std::to_string(batch) + ": original vs Deep Compression densities";
        layers.x_label = "layer (original | Deep Compression)";
        layers.y_label = "energy per image (one MAC = 1)";
        layers.series = {{"computation", {}}, {"weights", {}}, {"ifmaps", {}}, {"psums", {}}};
        const double scale = 1.0 / static_cast<double>(batch);
        std::printf("\nPer layer (energy per image): original -> Deep Compression densities\n");
        for (std::size_t k = 0; k < main.original.layers.size(); ++k) {
            for (const eap::network_energy* e : {&main.original, &main.pruned}) {
                const eap::layer_energy& l = e->layers[k];
                layers.categories.push_back(l.name + (e == &main.original ? "" : " DC"));
                layers.series[0].values.push_back(l.energy.computation * scale);
                layers.series[1].values.push_back(l.energy.of_type(eap::data_type::weights) * scale);
                layers.series[2].values.push_back(l.energy.of_type(eap::data_type::ifmaps) * scale);
                layers.series[3].values.push_back(l.energy.of_type(eap::data_type::psums) * scale);
            }
            const double e0 = main.original.layers[k].energy.total() * scale, e1 = main.pruned.layers[k].energy.total() * scale;
            std::printf("  %-6s weights %5.0f%%  energy %.3e -> %.3e (%5.1f%%)\n", main.original.layers[k].name.c_str(),
                        100.0 * analysis::deep_compression_alexnet_densities().at(main.original.layers[k].name), e0, e1, 100.0 * e1 / e0);
        }
        eap::chart::save_chart(out / "alexnet_layers_original_vs_deep_compression", layers);

        // The sweep: which assumption moves which number.
        const std::vector<std::int64_t> batches{1, 2, 4, 8, 16, 32, 64};
        const std::vector<double> densities{0.3, 0.35, 0.4, 0.43, 0.45, 0.5, 0.6, 1.0};
        analysis::table sweep;
        sweep.header = {"hardware", "batch", "ReLU density", "non-skipped MACs", "MACs % of original", "energy (original)",
                        "energy (Deep Compression)", "energy % of original"};
        struct closest {
            double distance = std::numeric_limits<double>::infinity();
            std::string where;
            double value = 0.0;
        } closest_energy, closest_ratio, closest_energy_at_density;
        eap::chart::scatter_chart ratio_chart;
        ratio_chart.title = "AlexNet with Deep Compression densities on Eyeriss v1: energy vs batch (paper: 47%)";
        ratio_chart.x_label = "batch size";
        ratio_chart.y_label = "energy, % of the original";
        ratio_chart.log_x = true;
        ratio_chart.connect_groups = true;
        for (const eap::hardware* hw : {&eyeriss, &isca16}) {
            eap::mapping_cache& cache = hw == &eyeriss ? eyeriss_cache : isca16_cache;
            for (double d : densities)
                for (std::int64_t b : batches) {
                    const pair_estimate p = estimate_pair(*hw, cache, b, d);
                    const double ratio = p.pruned_energy() / p.original_energy();
                    sweep.rows.push_back({hw->name, std::to_string(b), analysis::number_cell(d, "%.2f"),
                                          analysis::number_cell(p.original_macs()),
                                          analysis::percent_cell(p.pruned_macs(), p.original_macs()),
                                          analysis::number_cell(p.original_energy()),
                                          analysis::number_cell(p.pruned_energy()),
                                          analysis::percent_cell(p.pruned_energy(), p.original_energy())});
                    const std::string where = hw->name + ", batch " + std::to_string(b) + ", ReLU density " +
                                              analysis::format("%.2f", d);
                    const double de = std::abs(std::log(p.original_energy() / paper_original.energy));
                    if (de < closest_energy.distance) closest_energy = {de, where, p.original_energy()};
                    if (d == density && de < closest_energy_at_density.distance)
                        closest_energy_at_density = {de, where, p.original_energy()};
                    const double dr = std::abs(ratio - paper_deep_compression.energy / paper_original.energy);
                    if (dr < closest_ratio.distance) closest_ratio = {dr, where, ratio};
                    if (hw == &eyeriss && (d == 0.3 || d == 0.43 || d == 0.6 || d == 1.0)) {
                        // The legend names the curves; the points need no labels.
                        ratio_chart.points.push_back({"", static_cast<double>(b), 100.0 * ratio,
                                                      analysis::format("ReLU-output density %.2f", d)});
                    }
                }
        }
        sweep.write_csv(out / "sweep.csv");
        eap::chart::save_chart(out / "energy_ratio_vs_batch", ratio_chart);

        std::printf("\nSweep (Eyeriss v1 and the ISCA'16 study configuration; batch 1-64; ReLU-output density "
                    "0.3-1.0): %zu rows in %s.\n",
                    sweep.rows.size(), (out / "sweep.csv").string().c_str());
        analysis::table grid;
        grid.header = {"ReLU density"};
        for (std::int64_t b : batches) grid.header.push_back("batch " + std::to_string(b));
        for (const eap::hardware* hw : {&eyeriss, &isca16}) {
            eap::mapping_cache& cache = hw == &eyeriss ? eyeriss_cache : isca16_cache;
            std::printf("\n%s: original energy / Deep Compression energy as %% of it\n", hw->name.c_str());
            grid.rows.clear();
            for (double d : {0.3, 0.43, 0.6, 1.0}) {
                std::vector<analysis::cell> r{analysis::format("%.2f", d)};
                for (std::int64_t b : batches) {
                    const pair_estimate p = estimate_pair(*hw, cache, b, d);
                    r.push_back(analysis::format("%.2e / %.0f%%", p.original_energy(),
                                                 100.0 * p.pruned_energy() / p.original_energy()));
                }
                grid.rows.push_back(r);
            }
            grid.print(std::cout);
        }

        const double macs_ratio = main.pruned_macs() / main.original_macs();
        const double energy_ratio = main.pruned_energy() / main.original_energy();
        // How far each assumption moves the energy ratio, from the sweep on Eyeriss v1.
        double batch_low = 1.0, batch_high = 0.0, density_low = 1.0, density_high = 0.0;
        for (std::int64_t b : batches) {
            const pair_estimate p = estimate_pair(eyeriss, eyeriss_cache, b, density);
            batch_low = std::min(batch_low, p.pruned_energy() / p.original_energy());
            batch_high = std::max(batch_high, p.pruned_energy() / p.original_energy());
        }
        for (double d : densities) {
            const pair_estimate p = estimate_pair(eyeriss, eyeriss_cache, batch, d);
            density_low = std::min(density_low, p.pruned_energy() / p.original_energy());
            density_high = std::max(density_high, p.pruned_energy() / p.original_energy());
        }
        std::printf(
            "\nWhy the numbers differ:\n"
            "* Non-skipped MACs: %.1f%% of the original against the paper's 48%%. The original's %.3e matches the "
            "paper's 3.71e8 because 0.43 is the ReLU-output density that gives it; the pruned model keeps the dense "
            "model's activation densities in eap, while the paper's tool saw the real pruned network's activations.\n"
            "* Energy: %.1f%% against the paper's 47%%. The batch moves the ratio most: %.0f%% to %.0f%% over batch "
            "1-64 (density %.2f), because the FC weights Deep Compression removes are fetched from DRAM once per "
            "batch; the density moves it little: %.1f%% to %.1f%% over %.2f-%.2f (batch %lld). eap does not know "
            "the batch and buffer configuration behind the paper's numbers. Closest ratio in the sweep: %.1f%% at "
            "%s.\n"
            "* Absolute energy: eap gives %.3e for the original against the paper's 3.97e9 (%+.1f%%). At density "
            "%.2f (the paper's non-skipped MACs) the closest is %.3e at %s; over the whole sweep %.3e at %s. The "
            "paper's tool prices its own mapping on its own hardware description, eap the least-energy "
            "row-stationary mapping it finds for every layer on the preset.\n",
            100.0 * macs_ratio, main.original_macs(), 100.0 * energy_ratio, 100.0 * batch_low, 100.0 * batch_high,
            density, 100.0 * density_low, 100.0 * density_high, densities.front(), densities.back(),
            static_cast<long long>(batch), 100.0 * closest_ratio.value, closest_ratio.where.c_str(),
            main.original_energy(), 100.0 * (main.original_energy() / paper_original.energy - 1.0), density,
            closest_energy_at_density.value, closest_energy_at_density.where.c_str(), closest_energy.value,
            closest_energy.where.c_str());
        std::printf("\nwrote the tables and charts (SVG + CSV) to %s\n", out.string().c_str());
        return 0;
    } catch (const std::exception& e) {
        std::fprintf(stderr, "paper_table: %s\n", e.what());
        return 1;
    }
}
