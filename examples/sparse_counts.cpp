// Exact sparse counts of one layer from real tensors: non-skipped MACs, densities and the
// Eyeriss run-length-coded sizes, ready for the energy model.
#include <cstdio>
#include <random>

#include <eap/eap.hpp>

int main() {
    // AlexNet conv3 over a batch of 4 images.
    const eap::network alexnet = eap::zoo::alexnet();
    const eap::conv_shape conv3 = alexnet.layer_shape(alexnet.index_of("conv3"), 4);

    // Stand-ins for real tensors: weights pruned by magnitude, activations after a ReLU.
    std::mt19937 rng(1);
    std::normal_distribution<float> normal(0.0f, 1.0f);
    xt::xtensor<float, 4> weights({384, 256, 3, 3});
    xt::xtensor<float, 4> inputs({4, 256, 13, 13});
    for (auto& w : weights) w = normal(rng);
    for (auto& x : inputs) x = normal(rng);
    weights = xt::where(xt::abs(weights) < 0.93f, 0.0f, weights);  // ~35% of the weights stay
    inputs = xt::maximum(inputs, 0.0f);                              // ReLU: ~50% non-zero

    const std::int64_t macs = eap::count_nonskipped_macs(weights, inputs, conv3);
    std::printf("non-skipped MACs: %lld of %lld dense\n", static_cast<long long>(macs),
                static_cast<long long>(conv3.mac_count()));

    // Everything the energy model's exact-sparsity interface takes, in one pass per tensor.
    const eap::layer_sparse_counts counts = eap::count_layer_sparsity(weights, inputs, conv3);
    std::printf("weights %.1f%% non-zero, %lld RLC words; ifmaps %.1f%% non-zero, %lld RLC words\n",
                100.0 * counts.nonzero_weights / counts.weights, static_cast<long long>(counts.weight_rlc_words),
                100.0 * counts.nonzero_ifmap_values / counts.ifmap_values,
                static_cast<long long>(counts.ifmap_rlc_words));

    // Per-channel and per-filter statistics.
    const eap::fmap_statistics ifmaps = eap::fmap_statistics_of(inputs);
    const eap::weight_statistics filters = eap::weight_statistics_of(weights);
    std::printf("channel 0: %.1f%% non-zero; filter 0: %.1f%% non-zero\n", 100.0 * ifmaps.channel_density(0),
                100.0 * filters.filter_density(0));
    return macs == counts.nonskipped_macs ? 0 : 1;
}
