// A tour of the CNN engine on the shipped AlexNet-like Fashion-MNIST model: accuracy, the
// activation densities the energy model takes, the layer values the pruning solvers fit, and
// masked fine-tuning after pruning 90% of the FC weights by magnitude.
//
//     engine_tour [MODEL_DIR]     (default: tests/data/models/alexnet_like, run from the repository root)
#include <algorithm>
#include <cmath>
#include <cstdio>
#include <iostream>
#include <vector>

#include <eap/data/fashion_mnist.hpp>
#include <eap/measure/activation_density.hpp>
#include <eap/engine/capture.hpp>
#include <eap/engine/evaluate.hpp>
#include <eap/engine/trainer.hpp>
#include <eap/engine/model_files.hpp>

int main(int argc, char** argv) {
    try {
        eap::engine::model m = eap::engine::load_model(argc > 1 ? argv[1] : "tests/data/models/alexnet_like");
        const auto train = eap::data::load_fashion_mnist(eap::data::fashion_mnist_split::train);
        const auto test = eap::data::load_fashion_mnist(eap::data::fashion_mnist_split::test);
        const eap::network& net = m.graph();
        eap::engine::executor runner;  // owns every buffer; reuse it

        const auto before = eap::engine::evaluate(runner, m, test.images, test.labels);
        std::printf("%s: top-1 %.2f%%, top-5 %.2f%% on %lld test images\n", net.name().c_str(), 100 * before.top1(),
                    100 * before.top5(), static_cast<long long>(before.images));

        // Densities of weights, input and output activations per layer (eap::layer_density).
        const auto calibration = eap::data::subset(train, 0, 500);
        const auto densities = eap::engine::measure_densities(runner, m, calibration.images);
        for (std::size_t i : net.compute_layers())
            std::printf("  %-6s weights %.3f  ifmaps %.3f  ofmaps %.3f\n", net[i].name.c_str(), densities[i].weights,
                        densities[i].ifmaps, densities[i].ofmaps);

        // What a least-squares solver needs for conv2: its input and its pre-activation output.
        const std::size_t conv2 = net.index_of("conv2");
        const auto captured = eap::engine::capture_layers(runner, m, eap::data::subset(train, 0, 100).images, {conv2});
        const auto& x = captured[0].inputs[0];
        const auto& y = captured[0].pre_activation;
        std::printf("conv2 captured: input %zux%zux%zux%zu, pre-activation output %zux%zux%zux%zu\n", x.shape()[0],
                    x.shape()[1], x.shape()[2], x.shape()[3], y.shape()[0], y.shape()[1], y.shape()[2], y.shape()[3]);

        // Prune 90% of fc1 by magnitude: mask the smallest weights, then fine-tune with the mask.
        const std::size_t fc1 = net.index_of("fc1");
        auto& w = m.fc_weights(fc1);
        std::vector<float> magnitudes(w.size());
        std::transform(w.begin(), w.end(), magnitudes.begin(), [](float v) { return std::abs(v); });
        auto kth = magnitudes.begin() + static_cast<std::ptrdiff_t>(magnitudes.size() * 9 / 10);
        std::nth_element(magnitudes.begin(), kth, magnitudes.end());
        const float threshold = *kth;
        auto& mask = m.fc_mask(fc1);
        for (std::size_t j = 0; j < w.size(); ++j) mask.data()[j] = std::abs(w.data()[j]) < threshold ? 0.0f : 1.0f;
        m.apply_masks();
        const auto pruned = eap::engine::evaluate(runner, m, test.images, test.labels);
        std::printf("fc1 pruned to 10%% of its weights: top-1 %.2f%%\n", 100 * pruned.top1());

        eap::engine::training_options options;
        options.epochs = 1;
        options.schedule.base = 0.005;
        const auto tuning_set = eap::data::subset(train, 0, 10000);
        eap::engine::train(m, tuning_set.images, tuning_set.labels, options);
        const auto tuned = eap::engine::evaluate(runner, m, test.images, test.labels);
        std::printf("after one masked fine-tuning epoch on 10,000 images: top-1 %.2f%%, fc1 keeps %lld non-zero weights\n",
                    100 * tuned.top1(), static_cast<long long>(xt::count_nonzero(m.fc_weights(fc1))()));
        return 0;
    } catch (const eap::error& e) {
        std::cerr << "engine_tour: " << e.what() << '\n';
        return 1;
    }
}
