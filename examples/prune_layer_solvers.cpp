// Prunes one CONV layer to 35% of its weights with eap's solvers and compares the layer's output
// error of three ways to get there:
//   magnitude      keep the largest weights, leave them as they are;
//   magnitude+fit  the same mask, kept weights and bias refitted by least squares;
//   restore+fit    magnitude-prune below the target, return the weights that cut the output
//                  error most, then refit (the per-layer step of energy-aware pruning).
// The errors are measured on all output positions, while the solvers only saw a sample of them.
#include <cmath>
#include <cstdio>
#include <random>
#include <vector>

#include "eap/prune/layer_systems.hpp"
#include "eap/prune/least_squares_fit.hpp"
#include "eap/prune/magnitude_pruning.hpp"
#include "eap/prune/patch_sampling.hpp"
#include "eap/prune/restoration.hpp"

namespace {

// Pre-activation output of the layer (N x M x E x F) from its weights, by im2col.
xt::xtensor<float, 4> convolve(const xt::xtensor<float, 4>& input, const xt::xtensor<float, 4>& weights,
                               const xt::xtensor<float, 1>& bias, const eap::conv_shape& shape) {
    const auto positions = eap::all_output_positions(shape);
    const auto patches = eap::sample_patches(input, shape, positions);  // N*E*F x K
    const std::size_t k = patches.shape()[1], m = static_cast<std::size_t>(shape.out_channels);
    xt::xtensor<float, 4> out =
        xt::empty<float>({static_cast<std::size_t>(shape.batch), m, static_cast<std::size_t>(shape.out_height()),
                          static_cast<std::size_t>(shape.out_width())});
    for (std::size_t i = 0; i < positions.size(); ++i) {
        const auto& p = positions[i];
        for (std::size_t f = 0; f < m; ++f) {
            double sum = bias(f);
            for (std::size_t j = 0; j < k; ++j) sum += static_cast<double>(patches(i, j)) * weights.data()[f * k + j];
            out(static_cast<std::size_t>(p.image), f, static_cast<std::size_t>(p.row),
                static_cast<std::size_t>(p.col)) = static_cast<float>(sum);
        }
    }
    return out;
}

double relative_error(const xt::xtensor<float, 4>& a, const xt::xtensor<float, 4>& reference) {
    double error = 0.0, energy = 0.0;
    for (std::size_t i = 0; i < a.size(); ++i) {
        const double d = static_cast<double>(a.data()[i]) - reference.data()[i];
        error += d * d;
        energy += static_cast<double>(reference.data()[i]) * reference.data()[i];
    }
    return error / energy;
}

}  // namespace

int main() {
    const eap::conv_shape shape = eap::conv_shape{}
                                      .with_batch(8)
                                      .with_channels(32, 48)
                                      .with_input(14, 14)
                                      .with_kernel(3, 3)
                                      .with_padding(1)
                                      .validated();

    // A ReLU-like input whose channels are correlated, and a dense layer.
    std::mt19937 rng(7);
    std::normal_distribution<float> normal;
    xt::xtensor<float, 4> input = xt::empty<float>({8, 32, 14, 14});
    std::vector<float> shared(8 * 14 * 14 * 4);
    for (auto& v : shared) v = normal(rng);
    for (std::size_t n = 0; n < 8; ++n)
        for (std::size_t c = 0; c < 32; ++c)
            for (std::size_t i = 0; i < 14 * 14; ++i) {
                const float common = shared[(n * 14 * 14 + i) * 4 + c % 4];
                input(n, c, i / 14, i % 14) = std::max(0.0f, 0.8f * common + 0.6f * normal(rng) + 0.2f);
            }
    xt::xtensor<float, 4> weights = xt::empty<float>({48, 32, 3, 3});
    for (auto& v : weights) v = normal(rng) / std::sqrt(288.0f);
    xt::xtensor<float, 1> bias = xt::zeros<float>({48});
    const xt::xtensor<float, 4> original = convolve(input, weights, bias, shape);

    // G = X^T X, b = X^T Y and c = |y_m|^2 at 800 of the 1,568 output positions: all that the
    // solvers see of the data.
    const auto systems = eap::build_layer_systems(input, original, shape, eap::random_output_positions(shape, 800, 1));

    const std::int64_t total = static_cast<std::int64_t>(weights.size());
    const std::int64_t target = std::llround(0.35 * static_cast<double>(total));

    // Magnitude pruning to the target, with and without the least-squares fit.
    const eap::weight_mask<4> magnitude = eap::magnitude_prune(weights, target);
    xt::xtensor<float, 4> magnitude_only = weights;
    eap::apply_mask(magnitude_only, magnitude);
    const auto magnitude_fit = eap::fit_least_squares(systems, weights, magnitude, bias);

    // Over-prune by 20% of the removed weights, restore by output error, fit.
    const std::int64_t over = target - (total - target) / 5;
    const auto restored = eap::restore_weights(systems, weights, eap::magnitude_prune(weights, over), bias, target);

    std::printf("kept %lld of %lld weights (restoration returned %lld)\n", static_cast<long long>(target),
                static_cast<long long>(total),
                static_cast<long long>(restored.report.kept_after - restored.report.kept_before));
    std::printf("relative output error, all positions:\n");
    std::printf("  magnitude      %.4f\n", relative_error(convolve(input, magnitude_only, bias, shape), original));
    std::printf("  magnitude+fit  %.4f\n",
                relative_error(convolve(input, magnitude_fit.weights, magnitude_fit.bias, shape), original));
    std::printf("  restore+fit    %.4f\n",
                relative_error(convolve(input, restored.weights, restored.bias, shape), original));
    std::printf("channels that needed a ridge term: %lld\n",
                static_cast<long long>(restored.report.fit.ridge_channels));
    return 0;
}
