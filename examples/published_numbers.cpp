// eap against the published numbers it reproduces exactly or closely: the zoo's weight and MAC
// totals (from the public Caffe definitions), the Eyeriss ISCA 2016 Fig. 10 energy breakdown of
// AlexNet, and the nn_dataflow worked example (AlexNet conv1, one half, batch 16). The paper's
// Table 1 rows are in `paper_table`.
//
//     published_numbers [--out DIR]      writes DIR/published_numbers.csv (default eap_results)
#include <algorithm>
#include <cmath>
#include <cstdint>
#include <cstdio>
#include <filesystem>
#include <iostream>
#include <string>
#include <vector>

#include <eap/energy/energy_model.hpp>
#include <eap/hardware/presets.hpp>
#include <eap/zoo/zoo.hpp>

#include "analysis_support.hpp"

namespace {

struct published_value {
    std::string what;
    double published;
    double measured;
    const char* source;
    bool count = false;  ///< a whole number, printed in full
};

analysis::cell error_cell(double measured, double published) {
    const double e = 100.0 * (measured - published) / published;
    return {analysis::format("%+.2f%%", e), analysis::format("%.6g", e)};
}

}  // namespace

int main(int argc, char** argv) {
    const analysis::options args(argc, argv, "usage: published_numbers [--out DIR]   (default eap_results)", {"--out"});
    try {
        const std::filesystem::path out = args.text("--out", "eap_results");
        std::vector<published_value> rows;

        // Weights and MACs per image of the public Caffe definitions.
        struct zoo_total {
            const char* network;
            std::int64_t weights, macs;
        };
        const zoo_total zoo[] = {{"alexnet", 60954656, 724406816},         {"googlenet", 6990272, 1582671872},
                                 {"squeezenet_v1_0", 1244448, 861339936},  {"squeezenet_v1_1", 1231552, 387747520},
                                 {"vgg16", 138344128, 15470264320},        {"resnet50", 25502912, 3857973248},
                                 {"mobilenet_v1", 4209088, 568740352}};
        for (const zoo_total& z : zoo) {
            const eap::network net = eap::zoo::by_name(z.network);
            const std::string name = analysis::display_name(z.network);
            rows.push_back({name + " weights", static_cast<double>(z.weights), static_cast<double>(net.weight_count()),
                            "Caffe definition", true});
            rows.push_back({name + " MACs per image", static_cast<double>(z.macs), static_cast<double>(net.mac_count()),
                            "Caffe definition", true});
        }

        // ISCA 2016 Fig. 10: AlexNet at batch 16 on the study's 16 x 16 array, conv1 and conv3 run
        // as two halves, energy over the batch in units of one MAC.
        const eap::hardware isca = eap::presets::isca16_study_hardware();
        eap::network_energy_options halves;
        halves.layers["conv1"].output_channel_parts = 2;
        halves.layers["conv3"].output_channel_parts = 2;
        const eap::network_energy e = eap::estimate_network_energy(isca, eap::zoo::alexnet(), 16, halves);
        struct figure_bar {
            const char* layer;
            double alu, dram, rf;  // 1e9 units, as printed in the figure
        };
        const figure_bar figure[] = {{"conv1", 1.69, 2.46, 6.75}, {"conv2", 3.58, 2.27, 14.33}, {"fc6", 0.60, 7.78, 2.42}};
        const std::size_t scratchpad = e.positions.size() - 1;  // the innermost position
        for (const figure_bar& f : figure) {
            const eap::layer_energy& l = e.layer(f.layer);
            const std::string name = std::string("ISCA'16 Fig. 10 ") + f.layer;
            rows.push_back({name + " ALU", f.alu * 1e9, l.energy.computation, "Chen et al., ISCA 2016"});
            rows.push_back({name + " DRAM", f.dram * 1e9, l.energy.at_position(0), "Chen et al., ISCA 2016"});
            rows.push_back({name + " RF", f.rf * 1e9, l.energy.at_position(scratchpad), "Chen et al., ISCA 2016"});
        }
        // The nn_dataflow worked example: one half of conv1 costs 5,578,247,424 over the batch.
        rows.push_back({"nn_dataflow worked example: conv1 half, batch 16", 5578247424.0,
                        e.layer("conv1").energy.total() / 2.0, "nn_dataflow (Gao et al.), ISCA'16 configuration", true});

        analysis::table t;
        t.header = {"quantity", "published", "eap", "error", "source"};
        double worst = 0.0;
        for (const published_value& r : rows) {
            t.rows.push_back({r.what,
                              r.count ? analysis::count_cell(std::llround(r.published))
                                    : analysis::number_cell(r.published, "%.4g"),
                              r.count ? analysis::count_cell(std::llround(r.measured))
                                    : analysis::number_cell(r.measured, "%.5g"),
                              error_cell(r.measured, r.published), r.source});
            worst = std::max(worst, std::abs(r.measured - r.published) / r.published);
        }
        t.print(std::cout);
        std::printf("\nlargest error: %.2f%% (Fig. 10 prints two decimals: 0.005e9 is 0.8%% of fc6's ALU bar)\n",
                    100.0 * worst);
        std::filesystem::create_directories(out);
        t.write_csv(out / "published_numbers.csv");
        std::printf("wrote %s\n", (out / "published_numbers.csv").string().c_str());
        return 0;
    } catch (const std::exception& ex) {
        std::fprintf(stderr, "published_numbers: %s\n", ex.what());
        return 1;
    }
}
