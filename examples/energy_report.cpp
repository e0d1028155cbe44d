// The zoo on Eyeriss v1 at batch 16 with ImageNet-like activation densities: energy per image of
// every network, split by data type and by level, and the per-layer tables of AlexNet and
// GoogLeNet.
//
// Densities used (weights dense: the networks are not pruned):
//   * the network's input image: 1.0 (and it is moved raw, never run-length coded);
//   * every activation after a ReLU: 0.43. This is the one density that makes the dense AlexNet's
//     non-skipped MACs equal the 3.71e8 of the CVPR 2017 paper (Yang et al., Table 1: half of the
//     7.24e8 dense MACs are skipped for a zero input activation); conv1 reads the image, so the
//     other 6.19e8 MACs see (3.71e8 - 1.05e8) / 6.19e8 = 0.43;
//   * outputs without a ReLU (the classifier): 1.0.
// Pooling and concatenation pass the density of their inputs on.
//
//   ./energy_report [output directory]   (writes <network>.csv / .json there when given)
#include <cstdint>
#include <cstdio>
#include <filesystem>
#include <iostream>
#include <string>

#include "eap/energy/energy_model.hpp"
#include "eap/hardware/presets.hpp"
#include "eap/report/energy_csv.hpp"
#include "eap/report/energy_json.hpp"
#include "eap/report/energy_table.hpp"
#include "eap/zoo/zoo.hpp"

namespace {

constexpr double relu_density = 0.43;

/// Density of the activations layer `index` produces.
double output_density(const eap::network& net, std::size_t index) {
    const eap::layer& l = net[index];
    switch (l.kind()) {
    case eap::layer_kind::input: return 1.0;
    case eap::layer_kind::pool: return output_density(net, l.inputs.front());
    case eap::layer_kind::concat: {
        double weighted = 0.0, channels = 0.0;
        for (std::size_t i : l.inputs) {
            weighted += output_density(net, i) * static_cast<double>(net[i].output.channels);
            channels += static_cast<double>(net[i].output.channels);
        }
        return weighted / channels;
    }
    default: return l.act == eap::activation::relu ? relu_density : 1.0;
    }
}

eap::network_energy_options imagenet_like(const eap::network& net) {
    eap::network_energy_options o;
    for (std::size_t i : net.compute_layers()) {
        const eap::layer& l = net[i];
        o.layers[l.name].density = eap::layer_density{1.0, output_density(net, l.inputs.front()), output_density(net, i)};
    }
    return o;
}

}  // namespace

int main(int argc, char** argv) {
    const eap::hardware hw = eap::presets::eyeriss_v1_hardware();
    const std::int64_t batch = 16;
    const std::filesystem::path out_dir = argc > 1 ? std::filesystem::path(argv[1]) : std::filesystem::path();
    eap::mapping_cache cache(hw);

    std::printf("%s, batch %lld, ImageNet-like activation densities (ReLU outputs %.2f), energy per image in "
                "normalized units (one 16-bit MAC = 1)\n\n",
                hw.name.c_str(), static_cast<long long>(batch), relu_density);
    std::printf("%-16s %10s %10s %10s %9s %9s %9s %9s %9s %9s %9s %9s\n", "network", "MACs", "non-skip", "energy",
                "comp", "weights", "ifmaps", "psums", "DRAM", "GLB", "network", "spad");
    std::vector<eap::network_energy> estimates;
    for (const eap::network& net : eap::zoo::all()) {
        const eap::network_energy e = eap::estimate_network_energy(hw, net, batch, imagenet_like(net), &cache);
        const eap::energy_breakdown img = e.per_image();
        std::printf("%-16s %10.3e %10.3e %10.3e %9.2e %9.2e %9.2e %9.2e %9.2e %9.2e %9.2e %9.2e\n", net.name().c_str(),
                    static_cast<double>(e.dense_macs()) / batch, e.nonskipped_macs() / batch, img.total(),
                    img.computation, img.of_type(eap::data_type::weights), img.of_type(eap::data_type::ifmaps),
                    img.of_type(eap::data_type::psums), img.at_position(0), img.at_position(1), img.at_position(2),
                    img.at_position(3));
        if (!out_dir.empty()) {
            std::filesystem::create_directories(out_dir);
            eap::write_energy_csv(out_dir / (net.name() + ".csv"), e);
            eap::write_energy_json(out_dir / (net.name() + ".json"), e);
        }
        estimates.push_back(e);
    }
    std::printf("\n(%zu distinct layer parts searched for the whole zoo)\n", cache.searches());
    for (const eap::network_energy& e : estimates) {
        if (e.network != "alexnet" && e.network != "googlenet") continue;
        std::cout << '\n';
        eap::print_energy_table(std::cout, e);
        std::cout << '\n';
        eap::print_energy_summary(std::cout, e);
    }
    return 0;
}
