// Energy against accuracy: the zoo at its published ImageNet top-5 accuracies, AlexNet with the
// Deep Compression per-layer weight densities, and the Fashion-MNIST models the main job pruned.
//
//     energy_vs_accuracy [--out DIR] [--batch N] [--relu-density D] [--fashion-table PATH]
//
// ImageNet chart: energy per image on Eyeriss v1 at batch N (default 16) with dense weights and
// statistical activation densities (image 1.0, ReLU outputs D = 0.43, other outputs 1.0), against
// the top-5 accuracy each network's authors published (eap has no ImageNet: the accuracies are
// quoted, the energies measured; docs/results.md cites each source). AlexNet is joined to
// AlexNet with the Deep Compression densities (weights only; the activations keep the dense
// model's densities), at the accuracy the energy-aware pruning paper gives for that model.
//
// Fashion-MNIST chart: the original, magnitude-pruned and energy-aware-pruned reference models at
// batch 1 and 16, read from the main job's table.csv (`main_job --out DIR` writes DIR/table.csv;
// the energies there come from the exact sparsity of the real models). Without --fashion-table,
// or when the file does not exist, that chart is skipped with a message.
//
// Writes into DIR (default eap_results/energy_vs_accuracy): imagenet.csv, imagenet_energy_vs_top5.svg/.csv,
// and (with the table) fashion_mnist.csv, fashion_energy_vs_top1.svg/.csv.
#include <cstdint>
#include <cstdio>
#include <filesystem>
#include <fstream>
#include <iostream>
#include <map>
#include <sstream>
#include <string>
#include <vector>

#include <eap/chart/scatter_chart.hpp>
#include <eap/energy/assumed_densities.hpp>
#include <eap/energy/energy_model.hpp>
#include <eap/hardware/presets.hpp>
#include <eap/zoo/zoo.hpp>

#include "analysis_support.hpp"

namespace {

/// A published top-5 accuracy and where it comes from.
struct published_accuracy {
    const char* network;
    double top5;  // percent
    const char* source;
};

// Top-5 accuracy on the ImageNet (ILSVRC 2012) validation set, as published. docs/results.md
// gives the full citations.
const published_accuracy published[] = {
    {"alexnet", 80.43, "Yang et al., CVPR 2017, Table 1"},
    {"googlenet", 88.26, "Yang et al., CVPR 2017, Table 1"},
    {"squeezenet_v1_0", 80.3, "Iandola et al., arXiv:1602.07360"},
    {"squeezenet_v1_1", 80.3, "SqueezeNet repository: v1.1 keeps v1.0's accuracy"},
    {"vgg16", 92.5, "Simonyan & Zisserman, released model: 7.5% top-5 error"},
    {"resnet50", 92.2, "He et al., released model: 7.8% top-5 error, 1 crop"},
    {"mobilenet_v1", 89.9, "TF-Slim MobileNet_v1_1.0_224 release, 1 crop"},
};

// The top-5 accuracy the energy-aware pruning paper's Table 1 gives for Deep Compression's AlexNet.
constexpr double deep_compression_top5 = 80.37;

/// One row of the main job's table.csv.
struct job_row {
    std::string model, method;
    double top1 = 0, nonzero_weights = 0, weights = 0, macs = 0, energy1 = 0, energy16 = 0;
};

std::vector<job_row> read_job_table(const std::filesystem::path& path) {
    std::ifstream in(path);
    if (!in) throw eap::io_error("cannot read '" + path.string() + "'");
    std::string line;
    std::getline(in, line);
    const std::string expected =
        "model,method,top1,nonzero_weights,weights,nonskipped_macs_per_image,energy_batch1,energy_batch16";
    if (line != expected)
        throw eap::parse_error(path.string(), 1, "header", "expected '" + expected + "' (the main job's table.csv)");
    std::vector<job_row> rows;
    for (std::size_t number = 2; std::getline(in, line); ++number) {
        if (line.empty()) continue;
        std::vector<std::string> f;
        std::stringstream fields(line);
        for (std::string v; std::getline(fields, v, ',');) f.push_back(v);
        if (f.size() != 8) throw eap::parse_error(path.string(), number, "row", "expected 8 fields");
        try {
            rows.push_back({f[0], f[1], std::stod(f[2]), std::stod(f[3]), std::stod(f[4]), std::stod(f[5]),
                            std::stod(f[6]), std::stod(f[7])});
        } catch (const std::logic_error&) {
            throw eap::parse_error(path.string(), number, "row", "a field is not a number");
        }
    }
    return rows;
}

std::string model_label(const std::string& model) {
    if (model == "alexnet_like") return "AlexNet-like";
    if (model == "googlenet_like") return "GoogLeNet-like";
    return model;
}

std::string method_label(const std::string& method) {
    if (method.rfind("magnitude", 0) == 0) return "magnitude";
    return method;
}

void fashion_chart(const std::filesystem::path& table_path, const std::filesystem::path& out) {
    const std::vector<job_row> rows = read_job_table(table_path);
    if (rows.empty()) throw eap::parse_error(table_path.string(), 2, "row", "the table has no rows");
    analysis::table t;
    t.header = {"model", "method", "top-1", "non-zero weights", "non-skipped MACs", "energy, batch 1",
                "energy, batch 16"};
    std::map<std::string, const job_row*> originals;
    for (const job_row& r : rows)
        if (r.method == "original") originals[r.model] = &r;
    for (const job_row& r : rows) {
        const auto o = originals.find(r.model);
        if (o == originals.end())
            throw eap::parse_error(table_path.string(), 0, "model", "no original row for '" + r.model + "'");
        const job_row& base = *o->second;
        t.rows.push_back({model_label(r.model), r.method, analysis::number_cell(100.0 * r.top1, "%.2f%%"),
                          analysis::cell(analysis::with_commas(static_cast<std::int64_t>(r.nonzero_weights)) + " (" +
                                             analysis::percent(r.nonzero_weights, base.nonzero_weights) + ")",
                                         analysis::format("%.0f", r.nonzero_weights)),
                          analysis::cell(analysis::sci(r.macs) + " (" + analysis::percent(r.macs, base.macs) + ")",
                                         analysis::format("%.17g", r.macs)),
                          analysis::cell(analysis::sci(r.energy1) + " (" + analysis::percent(r.energy1, base.energy1) + ")",
                                         analysis::format("%.17g", r.energy1)),
                          analysis::cell(analysis::sci(r.energy16) + " (" + analysis::percent(r.energy16, base.energy16) + ")",
                                         analysis::format("%.17g", r.energy16))});
    }
    std::printf("\nFashion-MNIST reference models as the main job pruned them (%s): top-1 on the 6,000 report "
                "images, energy per image on Eyeriss v1 from the exact sparsity of the real models\n\n",
                table_path.string().c_str());
    t.print(std::cout);
    t.write_csv(out / "fashion_mnist.csv");

    eap::chart::scatter_chart c;
    c.title = "Fashion-MNIST models on Eyeriss v1: energy vs accuracy";
    c.x_label = "energy per image (one MAC = 1)";
    c.y_label = "top-1 accuracy (%)";
    c.log_x = true;
    c.connect_groups = true;
    for (const auto& [model, original] : originals) {
        for (int batch : {1, 16}) {
            const std::string group = model_label(model) + ", batch " + std::to_string(batch);
            // magnitude -> original -> energy-aware: both pruned versions joined to their original.
            for (const char* method : {"magnitude", "original", "energy-aware"}) {
                for (const job_row& r : rows) {
                    if (r.model != model || method_label(r.method) != method) continue;
                    c.points.push_back({method, batch == 1 ? r.energy1 : r.energy16, 100.0 * r.top1, group});
                }
            }
        }
    }
    eap::chart::save_chart(out / "fashion_energy_vs_top1", c);
}

}  // namespace

int main(int argc, char** argv) {
    const analysis::options args(
        argc, argv,
        "usage: energy_vs_accuracy [--out DIR] [--batch N] [--relu-density D] [--fashion-table PATH]\n"
        "  energy on Eyeriss v1 (default batch 16, ReLU-output density 0.43) against published ImageNet top-5\n"
        "  accuracy; with --fashion-table (the main job's table.csv) also the pruned Fashion-MNIST models.\n"
        "  Writes into DIR (default eap_results/energy_vs_accuracy)",
        {"--out", "--batch", "--relu-density", "--fashion-table"});
    try {
        const std::filesystem::path out = args.text("--out", "eap_results/energy_vs_accuracy");
        const std::int64_t batch = args.integer("--batch", 16);
        eap::assumed_densities assumed;
        assumed.relu_outputs = args.number("--relu-density", 0.43);
        std::filesystem::create_directories(out);
        const eap::hardware hw = eap::presets::eyeriss_v1_hardware();
        eap::mapping_cache cache(hw);

        eap::chart::scatter_chart c;
        c.title = "ImageNet networks on Eyeriss v1 (batch " + std::to_string(batch) + "): energy vs accuracy";
        c.x_label = "energy per image (one MAC = 1)";
        c.y_label = "published top-5 accuracy (%)";
        c.log_x = true;
        const std::string alexnet_group = "AlexNet: dense -> Deep Compression weights";
        const std::string others_group = "other networks, dense";
        c.connected_groups = {alexnet_group};
        analysis::table t;
        t.header = {"network", "top-5 (published)", "non-zero weights", "non-skipped MACs", "energy", "source"};
        for (const published_accuracy& p : published) {
            const eap::network net = eap::zoo::by_name(p.network);
            const eap::network_energy e =
                eap::estimate_network_energy(hw, net, batch, eap::assumed_density_options(net, assumed), &cache);
            const double energy = e.per_image().total();
            t.rows.push_back({analysis::display_name(p.network), analysis::number_cell(p.top5, "%.2f%%"),
                              analysis::count_cell(net.weight_count()),
                              analysis::number_cell(e.nonskipped_macs() / static_cast<double>(batch)),
                              analysis::number_cell(energy), p.source});
            c.points.push_back({analysis::display_name(p.network), energy, p.top5,
                                std::string(p.network) == "alexnet" ? alexnet_group : others_group});
            if (std::string(p.network) != "alexnet") continue;
            const eap::network_energy pruned = eap::estimate_network_energy(
                hw, net, batch,
                eap::assumed_density_options(net, assumed, analysis::deep_compression_alexnet_densities()), &cache);
            const double nonzero = analysis::expected_nonzero_weights(pruned);
            t.rows.push_back({"AlexNet, Deep Compression densities", analysis::number_cell(deep_compression_top5, "%.2f%%"),
                              analysis::cell(analysis::with_commas(std::llround(nonzero)), analysis::format("%.0f", nonzero)),
                              analysis::number_cell(pruned.nonskipped_macs() / static_cast<double>(batch)),
                              analysis::number_cell(pruned.per_image().total()),
                              "Yang et al., CVPR 2017, Table 1 (Han et al.'s pruned AlexNet)"});
            c.points.push_back({"AlexNet, Deep Compression", pruned.per_image().total(), deep_compression_top5,
                                alexnet_group});
        }
        std::printf("ImageNet networks on %s, batch %lld, activation densities: image %.2f, ReLU outputs %.2f, other "
                    "outputs %.2f.\nEnergy per image in units of one 16-bit MAC; accuracies as published (not measured "
                    "by eap).\n\n",
                    hw.name.c_str(), static_cast<long long>(batch), assumed.image, assumed.relu_outputs,
                    assumed.linear_outputs);
        t.print(std::cout);
        t.write_csv(out / "imagenet.csv");
        eap::chart::save_chart(out / "imagenet_energy_vs_top5", c);

        if (!args.has("--fashion-table")) {
            std::printf("\nNo --fashion-table given: the Fashion-MNIST chart is skipped (run main_job --out DIR, then "
                        "pass --fashion-table DIR/table.csv).\n");
        } else if (const std::filesystem::path table = args.text("--fashion-table", ""); !std::filesystem::exists(table)) {
            std::printf("\n%s does not exist: the Fashion-MNIST chart is skipped (main_job --out DIR writes "
                        "DIR/table.csv).\n",
                        table.string().c_str());
        } else {
            fashion_chart(table, out);
        }
        std::printf("\nwrote the tables and charts (SVG + CSV) to %s\n", out.string().c_str());
        return 0;
    } catch (const std::exception& e) {
        std::fprintf(stderr, "energy_vs_accuracy: %s\n", e.what());
        return 1;
    }
}
