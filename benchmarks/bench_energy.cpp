// Energy model speed: full-network estimates (mapping search included), per-layer searches
// against a plain exhaustive enumeration of the same mapping space (the way the public Python
// model searches it: every factorisation and every loop order, no pruning), and a single
// mapping evaluation.
//
//   cmake -S . -B build-bench -DCMAKE_BUILD_TYPE=Release -DEAP_NATIVE_ARCH=ON
//   cmake --build build-bench --target bench_energy
//   ./build-bench/benchmarks/bench_energy
#include <benchmark/benchmark.h>

#include <array>
#include <cstdint>
#include <limits>
#include <string>
#include <vector>

#include "eap/mapping/row_stationary_model.hpp"
#include "eap/energy/energy_model.hpp"
#include "eap/hardware/presets.hpp"
#include "eap/mapping/mapping_evaluation.hpp"
#include "eap/mapping/mapping_search.hpp"
#include "eap/zoo/zoo.hpp"

namespace {

const eap::hardware& eyeriss() {
    static const eap::hardware hw = eap::presets::eyeriss_v1_hardware();
    return hw;
}

const std::vector<eap::network>& networks() {
    static const std::vector<eap::network> nets{eap::zoo::alexnet(), eap::zoo::vgg16(), eap::zoo::googlenet(),
                                                eap::zoo::resnet50()};
    return nets;
}

// --- whole networks ---------------------------------------------------------------------------

void BM_network_estimate(benchmark::State& state) {
    const eap::network& net = networks()[static_cast<std::size_t>(state.range(0))];
    const std::int64_t batch = state.range(1);
    std::size_t searches = 0;
    for (auto _ : state) {
        // A fresh estimate: every distinct layer part is searched.
        const eap::network_energy e = eap::estimate_network_energy(eyeriss(), net, batch);
        searches = e.searches;
        benchmark::DoNotOptimize(e.total.computation);
    }
    // Seconds per CONV/FC layer (the whole estimate divided by the layer count).
    state.counters["per_layer"] = benchmark::Counter(static_cast<double>(net.compute_layers().size()),
                                                     benchmark::Counter::kIsIterationInvariantRate |
                                                         benchmark::Counter::kInvert);
    state.SetLabel(net.name() + " batch " + std::to_string(batch) + ", " + std::to_string(searches) + " searches");
}
BENCHMARK(BM_network_estimate)
    ->ArgsProduct({{0, 1, 2, 3}, {1, 16}})
    ->Unit(benchmark::kMillisecond);

void BM_network_estimate_cached(benchmark::State& state) {
    // What a pruning loop pays per estimate once the dense mappings are known: new densities,
    // the same cache.
    const eap::network& net = networks()[static_cast<std::size_t>(state.range(0))];
    const std::int64_t batch = state.range(1);
    eap::mapping_cache cache(eyeriss());
    eap::network_energy_options o;
    for (std::size_t i : net.compute_layers()) o.layers[net[i].name].density = eap::layer_density{0.4, 0.5, 0.5};
    (void)eap::estimate_network_energy(eyeriss(), net, batch, o, &cache);
    for (auto _ : state) {
        const eap::network_energy e = eap::estimate_network_energy(eyeriss(), net, batch, o, &cache);
        benchmark::DoNotOptimize(e.total.computation);
    }
    state.SetLabel(net.name() + " batch " + std::to_string(batch));
}
BENCHMARK(BM_network_estimate_cached)->ArgsProduct({{0, 1, 2, 3}, {1, 16}})->Unit(benchmark::kMicrosecond);

// --- AlexNet layer by layer: eap's search against exhaustive enumeration -------------------------

eap::layer_part alexnet_part(std::int64_t layer, std::int64_t batch) {
    const eap::network net = eap::zoo::alexnet();
    const auto compute = net.compute_layers();
    return eap::partition_layer(net.layer_shape(compute[static_cast<std::size_t>(layer)], batch)).front().part;
}

const char* const alexnet_names[] = {"conv1", "conv2", "conv3", "conv4", "conv5", "fc6", "fc7", "fc8"};

void BM_alexnet_layer_search(benchmark::State& state) {
    const eap::layer_part p = alexnet_part(state.range(0), state.range(1));
    std::int64_t evaluations = 0;
    double energy = 0.0;
    for (auto _ : state) {
        const eap::mapping_search_result r = eap::search_mapping(eyeriss(), p);
        evaluations = r.evaluations;
        energy = r.access_energy;
        benchmark::DoNotOptimize(r.access_energy);
    }
    state.counters["schemes"] = static_cast<double>(evaluations);
    state.counters["energy"] = energy;
    state.SetLabel(std::string(alexnet_names[state.range(0)]) + " batch " + std::to_string(state.range(1)));
}
BENCHMARK(BM_alexnet_layer_search)
    ->ArgsProduct({{0, 1, 2, 3, 4, 5, 6, 7}, {1, 16}})
    ->Unit(benchmark::kMicrosecond);

/// Every replica split (running minimum of passes), every factor tuple of each loop and every
/// loop order at each storage level, each scheme evaluated by eap's model; the least energy.
double exhaustive_search(const eap::hardware& hw, const eap::layer_part& p, std::int64_t& schemes) {
    const std::size_t L = hw.levels.size();
    const eap::pe_set_folding f = eap::fold_pe_set(p.kernel_height, p.out_height, hw.array.rows, hw.array.cols);
    const eap::per_data_type<int> bits = hw.word_bits;
    const auto costs = eap::detail::make_rs_cost_table(hw, bits, 1.0);
    std::array<eap::loop_order, 6> orders;
    for (std::size_t i = 0; i < 6; ++i) {
        const eap::blocking_loop first = static_cast<eap::blocking_loop>(i / 2);
        orders[i] = eap::canonical_loop_order(first);
        if (i % 2) std::swap(orders[i].inner_to_outer[1], orders[i].inner_to_outer[2]);
    }
    double best = std::numeric_limits<double>::infinity();
    schemes = 0;
    for (const eap::replica_split& s : eap::replica_split_candidates(p, f)) {
        const auto totals = eap::detail::make_rs_part_totals(p, f, s, false);
        std::array<std::vector<std::vector<std::int64_t>>, 3> tuples;
        for (std::size_t l = 0; l < 3; ++l) {
            std::vector<std::int64_t> prefix;
            eap::detail::factor_tuples(totals.loops.values[l], L + 1, tuples[l], prefix);
        }
        eap::row_stationary_mapping m = eap::row_stationary_mapping::trivial(L);
        m.channel_replicas = s.channel_replicas;
        for (const auto& ti : tuples[0])
            for (const auto& to : tuples[1])
                for (const auto& tb : tuples[2]) {
                    for (std::size_t k = 0; k <= L; ++k) m.factors[k] = eap::make_per_loop(ti[k], to[k], tb[k]);
                    // capacities (no bypass: every level keeps everything)
                    eap::per_loop<std::int64_t> extent = m.factors[L];
                    bool fits = eap::detail::rs_fits(hw.array.scratchpad,
                                                     eap::detail::rs_tile_words(totals.scratchpad_unit, extent),
                                                     m.stored[0], bits, hw.reference_bits);
                    for (std::size_t k = L; fits && k-- > 1;) {
                        for (std::size_t l = 0; l < 3; ++l) extent.values[l] *= m.factors[k].values[l];
                        fits = eap::detail::rs_fits(hw.levels[k].capacity,
                                                    eap::detail::rs_tile_words(totals.buffer_unit, extent), m.stored[k],
                                                    bits, hw.reference_bits);
                    }
                    if (!fits) continue;
                    std::size_t combos = 1;
                    for (std::size_t k = 0; k < L; ++k) combos *= 6;
                    for (std::size_t c = 0; c < combos; ++c) {
                        std::size_t rest = c;
                        for (std::size_t k = 0; k < L; ++k, rest /= 6) m.orders[k] = orders[rest % 6];
                        eap::detail::fetch_table fetches{};
                        eap::detail::rs_fetches(m, fetches);
                        const double e = eap::detail::rs_access_energy(totals, costs, fetches, m.stored, L);
                        ++schemes;
                        if (e < best) best = e;
                    }
                }
    }
    return best;
}

void BM_alexnet_layer_exhaustive(benchmark::State& state) {
    const eap::layer_part p = alexnet_part(state.range(0), state.range(1));
    std::int64_t schemes = 0;
    double energy = 0.0;
    for (auto _ : state) {
        energy = exhaustive_search(eyeriss(), p, schemes);
        benchmark::DoNotOptimize(energy);
    }
    // The same least energy as eap's search.
    const double searched = eap::search_mapping(eyeriss(), p).access_energy;
    if (std::abs(searched - energy) > 1e-9 * energy) state.SkipWithError("exhaustive and pruned search disagree");
    state.counters["schemes"] = static_cast<double>(schemes);
    state.counters["energy"] = energy;
    state.SetLabel(std::string(alexnet_names[state.range(0)]) + " batch " + std::to_string(state.range(1)));
}
BENCHMARK(BM_alexnet_layer_exhaustive)
    ->ArgsProduct({{0, 1, 2, 3, 4, 5, 6, 7}, {1, 16}})
    ->Unit(benchmark::kMillisecond)
    ->Iterations(1);

// --- AlexNet on the ISCA 2016 configuration (shared 256-word register files: a larger space) ------

eap::network_energy_options isca16_parts() {
    eap::network_energy_options o;
    o.layers["conv1"].output_channel_parts = 2;
    o.layers["conv3"].output_channel_parts = 2;
    return o;
}

void BM_isca16_alexnet_search(benchmark::State& state) {
    const eap::hardware hw = eap::presets::isca16_study_hardware();
    const eap::network net = eap::zoo::alexnet();
    for (auto _ : state) {
        const eap::network_energy e = eap::estimate_network_energy(hw, net, 16, isca16_parts());
        benchmark::DoNotOptimize(e.total.computation);
    }
    state.SetLabel("alexnet batch 16, conv1/conv3 in halves, all 8 distinct parts searched");
}
BENCHMARK(BM_isca16_alexnet_search)->Unit(benchmark::kMillisecond);

void BM_isca16_alexnet_exhaustive(benchmark::State& state) {
    const eap::hardware hw = eap::presets::isca16_study_hardware();
    const eap::network net = eap::zoo::alexnet();
    std::int64_t schemes = 0;
    for (auto _ : state) {
        schemes = 0;
        for (std::size_t i : net.compute_layers()) {
            const auto& name = net[i].name;
            const std::int64_t parts = name == "conv1" || name == "conv3" ? 2 : 1;
            std::int64_t n = 0;
            benchmark::DoNotOptimize(
                exhaustive_search(hw, eap::partition_layer(net.layer_shape(i, 16), parts).front().part, n));
            schemes += n;
        }
    }
    state.counters["schemes"] = static_cast<double>(schemes);
    state.SetLabel("alexnet batch 16, the same 8 parts, every scheme evaluated");
}
BENCHMARK(BM_isca16_alexnet_exhaustive)->Unit(benchmark::kMillisecond)->Iterations(1);

// --- one mapping evaluation ------------------------------------------------------------------

void BM_mapping_evaluation(benchmark::State& state) {
    const eap::layer_part p = alexnet_part(state.range(0), 16);
    const eap::mapping_search_result r = eap::search_mapping(eyeriss(), p);
    const eap::mapping_evaluator evaluator(eyeriss(), p);
    for (auto _ : state) {
        const eap::access_counts c = evaluator.counts(r.mapping);
        benchmark::DoNotOptimize(c.storage[0]);
    }
    state.SetLabel(std::string(alexnet_names[state.range(0)]) + " batch 16: checks the mapping, counts accesses");
}
BENCHMARK(BM_mapping_evaluation)->Arg(0)->Arg(2)->Arg(6)->Unit(benchmark::kNanosecond);

void BM_mapping_energy(benchmark::State& state) {
    const eap::layer_part p = alexnet_part(2, 16);
    const eap::mapping_search_result r = eap::search_mapping(eyeriss(), p);
    const eap::mapping_evaluator evaluator(eyeriss(), p);
    for (auto _ : state) benchmark::DoNotOptimize(evaluator.access_energy(r.mapping));
    state.SetLabel("conv3 batch 16: checks the mapping, access energy");
}
BENCHMARK(BM_mapping_energy)->Unit(benchmark::kNanosecond);

}  // namespace
