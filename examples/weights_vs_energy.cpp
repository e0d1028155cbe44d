// Weights are a poor proxy for energy: the zoo on Eyeriss v1 with the energy model.
//
//     weights_vs_energy [--out DIR] [--batch N] [--relu-density D]
//
// Every network is dense (unpruned) with statistical activation densities: the input image 1.0,
// every ReLU output D (default 0.43, the density at which the dense AlexNet's non-skipped MACs
// equal the 3.71e8 of the energy-aware pruning paper), outputs without ReLU 1.0. Prints the
// weights, MACs, energy per image and the share of the energy per data type and per level of
// every network, then the paper's insights as sentences with the measured numbers: CONV vs FC
// energy in AlexNet, SqueezeNet and GoogLeNet against AlexNet. Writes into DIR (default
// eap_results/weights_vs_energy):
//   zoo.csv                            the table
//   zoo_weights_vs_energy.svg/.csv     scatter: energy against weights, both log axes
//   zoo_energy_by_data_type.svg/.csv   share of each network's energy per data type
//   zoo_energy_by_level.svg/.csv       share of each network's energy per level
//   alexnet_conv_vs_fc.svg/.csv        AlexNet's CONV and FC layers: shares of weights, MACs, energy
//   <alexnet|googlenet>_layers_by_<data_type|level>.svg/.csv   energy per layer
#include <cstdint>
#include <cstdio>
#include <filesystem>
#include <iostream>
#include <string>
#include <vector>

#include <eap/chart/bar_chart.hpp>
#include <eap/chart/scatter_chart.hpp>
#include <eap/energy/assumed_densities.hpp>
#include <eap/energy/energy_model.hpp>
#include <eap/hardware/presets.hpp>
#include <eap/report/energy_charts.hpp>
#include <eap/zoo/zoo.hpp>

#include "analysis_support.hpp"

namespace {

/// Energy per image of the CONV layers and of the FC layers of an estimate.
struct conv_fc_split {
    double conv = 0.0, fc = 0.0;
    std::int64_t conv_weights = 0, fc_weights = 0, conv_macs = 0, fc_macs = 0;
};

conv_fc_split split_conv_fc(const eap::network& net, const eap::network_energy& e) {
    conv_fc_split s;
    for (const eap::layer_energy& l : e.layers) {
        const bool fc = net[net.index_of(l.name)].kind() == eap::layer_kind::fully_connected;
        const double energy = l.energy.total() / static_cast<double>(e.batch);
        const std::int64_t weights = l.shape.weight_count(), macs = l.dense_macs() / e.batch;
        (fc ? s.fc : s.conv) += energy;
        (fc ? s.fc_weights : s.conv_weights) += weights;
        (fc ? s.fc_macs : s.conv_macs) += macs;
    }
    return s;
}

}  // namespace

int main(int argc, char** argv) {
    const analysis::options args(argc, argv,
                                 "usage: weights_vs_energy [--out DIR] [--batch N] [--relu-density D]\n"
                                 "  the zoo on Eyeriss v1: weights, MACs, energy and where it goes (default batch 16,\n"
                                 "  ReLU-output density 0.43); writes tables and charts into DIR\n"
                                 "  (default eap_results/weights_vs_energy)",
                                 {"--out", "--batch", "--relu-density"});
    try {
        const std::filesystem::path out = args.text("--out", "eap_results/weights_vs_energy");
        const std::int64_t batch = args.integer("--batch", 16);
        eap::assumed_densities assumed;
        assumed.relu_outputs = args.number("--relu-density", 0.43);
        std::filesystem::create_directories(out);

        const eap::hardware hw = eap::presets::eyeriss_v1_hardware();
        eap::mapping_cache cache(hw);
        const std::vector<eap::network> zoo = eap::zoo::all();
        std::vector<eap::network_energy> estimates;
        for (const eap::network& net : zoo)
            estimates.push_back(eap::estimate_network_energy(hw, net, batch, eap::assumed_density_options(net, assumed), &cache));

        std::printf("The zoo on %s, batch %lld, dense weights; activation densities: image %.2f, ReLU outputs %.2f, "
                    "other outputs %.2f.\nEnergy per image in units of one 16-bit MAC.\n\n",
                    hw.name.c_str(), static_cast<long long>(batch), assumed.image, assumed.relu_outputs,
                    assumed.linear_outputs);
        analysis::table t;
        t.header = {"network", "weights", "MACs", "non-skipped MACs", "energy", "energy / weight", "% comp",
                    "% weights", "% ifmaps", "% psums"};
        for (const std::string& position : estimates.front().positions) t.header.push_back("% " + position);
        for (std::size_t i = 0; i < zoo.size(); ++i) {
            const eap::network_energy& e = estimates[i];
            const eap::energy_breakdown img = e.per_image();
            const double total = img.total();
            std::vector<analysis::cell> row{analysis::display_name(zoo[i].name()),
                                            analysis::count_cell(zoo[i].weight_count()),
                                            analysis::count_cell(zoo[i].mac_count()),
                                            analysis::number_cell(e.nonskipped_macs() / static_cast<double>(batch)),
                                            analysis::number_cell(total),
                                            analysis::number_cell(total / static_cast<double>(zoo[i].weight_count()), "%.0f"),
                                            analysis::percent_cell(img.computation, total)};
            for (eap::data_type d : eap::all_data_types) row.push_back(analysis::percent_cell(img.of_type(d), total));
            for (std::size_t p = 0; p < img.positions(); ++p) row.push_back(analysis::percent_cell(img.at_position(p), total));
            t.rows.push_back(row);
        }
        t.print(std::cout);
        std::printf("(%% columns: shares of the energy, by data type (computation and the three data types) and by "
                    "level)\n");
        t.write_csv(out / "zoo.csv");

        // The insights, each with the numbers measured above.
        auto energy_of = [&](const std::string& name) {
            for (std::size_t i = 0; i < zoo.size(); ++i)
                if (zoo[i].name() == name) return estimates[i].per_image().total();
            throw eap::argument_error("no network " + name);
        };
        auto weights_of = [&](const std::string& name) {
            return static_cast<double>(eap::zoo::by_name(name).weight_count());
        };
        const eap::network alexnet = eap::zoo::alexnet();
        const conv_fc_split s = split_conv_fc(alexnet, estimates.front());
        const eap::network_energy alexnet1 =
            eap::estimate_network_energy(hw, alexnet, 1, eap::assumed_density_options(alexnet, assumed), &cache);
        const conv_fc_split s1 = split_conv_fc(alexnet, alexnet1);
        const double all_weights = static_cast<double>(s.conv_weights + s.fc_weights);
        std::printf("\nInsights (measured):\n");
        std::printf("* CONV beats FC: AlexNet's FC layers hold %.1f%% of its weights but use %.1f%% of its energy at "
                    "batch %lld; the CONV layers hold %.1f%% of the weights, do %.1f%% of the MACs and use %.1f%% of "
                    "the energy (%.3e of %.3e). At batch 1, where every FC weight comes from DRAM for a single "
                    "image, the FC layers use %.1f%%.\n",
                    100.0 * static_cast<double>(s.fc_weights) / all_weights, 100.0 * s.fc / (s.conv + s.fc),
                    static_cast<long long>(batch), 100.0 * static_cast<double>(s.conv_weights) / all_weights,
                    100.0 * static_cast<double>(s.conv_macs) / static_cast<double>(s.conv_macs + s.fc_macs),
                    100.0 * s.conv / (s.conv + s.fc), s.conv, s.conv + s.fc, 100.0 * s1.fc / (s1.conv + s1.fc));
        for (const char* other : {"squeezenet_v1_0", "squeezenet_v1_1", "googlenet"}) {
            const double w = weights_of("alexnet") / weights_of(other);
            const double r = energy_of(other) / energy_of("alexnet");
            std::printf("* %s has %.1fx fewer weights than AlexNet but uses %.2fx its energy (%.3e against %.3e).\n",
                        analysis::display_name(other).c_str(), w, r, energy_of(other), energy_of("alexnet"));
        }
        double lowest_fmaps = 1.0, highest_fmaps = 0.0;
        std::string lowest_name, highest_name;
        for (std::size_t i = 0; i < zoo.size(); ++i) {
            const eap::energy_breakdown img = estimates[i].per_image();
            const double share = (img.of_type(eap::data_type::ifmaps) + img.of_type(eap::data_type::psums)) / img.total();
            if (share < lowest_fmaps) lowest_fmaps = share, lowest_name = zoo[i].name();
            if (share > highest_fmaps) highest_fmaps = share, highest_name = zoo[i].name();
        }
        std::printf("* Feature maps matter: moving ifmaps and psums takes %.1f%% (%s) to %.1f%% (%s) of the energy.\n",
                    100.0 * lowest_fmaps, analysis::display_name(lowest_name).c_str(), 100.0 * highest_fmaps,
                    analysis::display_name(highest_name).c_str());

        // Charts.
        eap::chart::scatter_chart scatter;
        scatter.title = "Energy against weights: the zoo on Eyeriss v1, batch " + std::to_string(batch);
        scatter.x_label = "weights";
        scatter.y_label = "energy per image (one MAC = 1)";
        scatter.log_x = scatter.log_y = true;
        for (std::size_t i = 0; i < zoo.size(); ++i)
            scatter.points.push_back({analysis::display_name(zoo[i].name()), static_cast<double>(zoo[i].weight_count()),
                                      estimates[i].per_image().total(), "dense network"});
        eap::chart::save_chart(out / "zoo_weights_vs_energy", scatter);

        for (const auto split : {eap::energy_split::data_type, eap::energy_split::position}) {
            const std::string by = split == eap::energy_split::data_type ? "data_type" : "level";
            eap::energy_chart_options o;
            o.split = split;
            o.shares = true;
            o.title = std::string("Where the energy goes (Eyeriss v1, batch ") + std::to_string(batch) + "), by " +
                      (split == eap::energy_split::data_type ? "data type" : "level");
            std::vector<std::string> labels;
            for (const eap::network& net : zoo) labels.push_back(analysis::display_name(net.name()));
            eap::chart::save_chart(out / ("zoo_energy_by_" + by), eap::network_energy_chart(estimates, o, labels));
            for (std::size_t i : {std::size_t{0}, std::size_t{1}}) {  // AlexNet, GoogLeNet
                eap::energy_chart_options layer_options;
                layer_options.split = split;
                layer_options.title = analysis::display_name(zoo[i].name()) + " on Eyeriss v1, batch " +
                                      std::to_string(batch) + ": energy per layer by " +
                                      (split == eap::energy_split::data_type ? "data type" : "level");
                eap::chart::save_chart(out / (zoo[i].name() + "_layers_by_" + by),
                                       eap::layer_energy_chart(estimates[i], layer_options));
            }
        }

        eap::chart::stacked_bar_chart conv_fc;
        conv_fc.title = "AlexNet on Eyeriss v1: CONV vs FC layers";
        conv_fc.x_label = "quantity";
        conv_fc.y_label = "share of the network total (%)";
        conv_fc.categories = {"weights", "MACs", "energy, batch " + std::to_string(batch), "energy, batch 1"};
        const double macs = static_cast<double>(s.conv_macs + s.fc_macs);
        conv_fc.series = {{"CONV layers",
                           {100.0 * static_cast<double>(s.conv_weights) / all_weights,
                            100.0 * static_cast<double>(s.conv_macs) / macs, 100.0 * s.conv / (s.conv + s.fc),
                            100.0 * s1.conv / (s1.conv + s1.fc)}},
                          {"FC layers",
                           {100.0 * static_cast<double>(s.fc_weights) / all_weights,
                            100.0 * static_cast<double>(s.fc_macs) / macs, 100.0 * s.fc / (s.conv + s.fc),
                            100.0 * s1.fc / (s1.conv + s1.fc)}}};
        eap::chart::save_chart(out / "alexnet_conv_vs_fc", conv_fc);

        std::printf("\nwrote the table and charts (SVG + CSV) to %s\n", out.string().c_str());
        return 0;
    } catch (const std::exception& e) {
        std::fprintf(stderr, "weights_vs_energy: %s\n", e.what());
        return 1;
    }
}
