// Energy per image of the two shipped Fashion-MNIST models on Eyeriss v1 at batch 1 and 16,
// split into CONV and FC layers: dense, then with the weight and activation densities measured
// by the engine on 500 training images.
//
//     reference_energy [MODEL_DIR...]   (default: the two models in tests/data/models, run from the repository root)
#include <cstdio>
#include <iostream>
#include <string>
#include <vector>

#include <eap/data/fashion_mnist.hpp>
#include <eap/energy/energy_model.hpp>
#include <eap/measure/activation_density.hpp>
#include <eap/hardware/presets.hpp>
#include <eap/engine/model_files.hpp>

int main(int argc, char** argv) {
    try {
        std::vector<std::string> directories(argv + 1, argv + argc);
        if (directories.empty()) directories = {"tests/data/models/alexnet_like", "tests/data/models/googlenet_like"};
        const eap::hardware hw = eap::presets::eyeriss_v1_hardware();
        const auto calibration =
            eap::data::subset(eap::data::load_fashion_mnist(eap::data::fashion_mnist_split::train), 0, 500);
        std::printf("%-18s %-9s %5s %12s %12s %12s %8s\n", "network", "sparsity", "batch", "energy/image", "CONV",
                    "FC", "FC share");
        for (const auto& directory : directories) {
            const eap::engine::model m = eap::engine::load_model(directory);
            const eap::network& net = m.graph();
            const auto densities = eap::engine::measure_densities(m, calibration.images);
            eap::mapping_cache cache(hw);
            for (const bool measured : {false, true}) {
                eap::network_energy_options options;
                if (measured)
                    for (std::size_t i : net.compute_layers()) options.layers[net[i].name].density = densities[i];
                for (const std::int64_t batch : {1, 16}) {
                    const eap::network_energy e = eap::estimate_network_energy(hw, net, batch, options, &cache);
                    double conv = 0.0, fc = 0.0;
                    for (const auto& l : e.layers) {
                        const double per_image = l.energy.total() / static_cast<double>(batch);
                        if (net[net.index_of(l.name)].kind() == eap::layer_kind::fully_connected) fc += per_image;
                        else conv += per_image;
                    }
                    std::printf("%-18s %-9s %5lld %12.3e %12.3e %12.3e %7.0f%%\n", net.name().c_str(),
                                measured ? "measured" : "dense", static_cast<long long>(batch), conv + fc, conv, fc,
                                100.0 * fc / (conv + fc));
                }
            }
        }
        return 0;
    } catch (const eap::error& e) {
        std::cerr << "reference_energy: " << e.what() << '\n';
        return 1;
    }
}
