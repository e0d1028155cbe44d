// SPDX-License-Identifier: MIT
#pragma once

#include <cstddef>
#include <map>
#include <string>
#include <vector>

#include "eap/energy/energy_model.hpp"
#include "eap/error.hpp"
#include "eap/network/network.hpp"

// Statistical densities for a network whose activations were never measured (the zoo's ImageNet
// networks: eap ships no ImageNet weights or images). The energy model needs a density for every
// CONV/FC layer's input and output; this derives them from one number per kind of tensor, so an
// analysis states its assumption once and every layer follows from the graph.

namespace eap {

/// The densities (fractions of non-zeros) to assume for a network's activations.
struct assumed_densities {
    /// The network's input image (dense; the energy model moves it raw anyway).
    double image = 1.0;
    /// Every output that goes through a ReLU. 0.43 is the density at which the dense AlexNet's
    /// non-skipped MACs equal the 3.71e8 of the energy-aware pruning paper (Yang et al., CVPR
    /// 2017): conv1 reads the image, the other 6.19e8 MACs see (3.71e8 - 1.05e8) / 6.19e8 = 0.43.
    double relu_outputs = 0.43;
    /// Outputs without a ReLU (a classifier's scores, a linear bottleneck).
    double linear_outputs = 1.0;
};

/// The density of the activations every layer of `net` produces under `assumed`, by layer index:
/// the input layer has the image's, a CONV/FC/add layer the ReLU or linear density by its
/// activation, a pooling layer passes its input's on, a concatenation averages its inputs'
/// weighted by their channels. Throws `eap::argument_error` when a density is outside [0, 1].
inline std::vector<double> assumed_output_densities(const network& net, const assumed_densities& assumed = {}) {
    const auto check = [](const char* field, double v) {
        if (!(v >= 0.0 && v <= 1.0))
            throw argument_error(detail::message("eap::assumed_output_densities: assumed.", field,
                                                 " must be in [0, 1] (got ", v, ")"));
    };
    check("image", assumed.image);
    check("relu_outputs", assumed.relu_outputs);
    check("linear_outputs", assumed.linear_outputs);
    std::vector<double> density(net.size(), 1.0);
    for (std::size_t i = 0; i < net.size(); ++i) {
        const layer& l = net[i];
        switch (l.kind()) {
        case layer_kind::input: density[i] = assumed.image; break;
        case layer_kind::pool: density[i] = density[l.inputs.front()]; break;
        case layer_kind::concat: {
            // Layers only read earlier layers, so every input's density is already known.
            double weighted = 0.0, channels = 0.0;
            for (std::size_t k : l.inputs) {
                weighted += density[k] * static_cast<double>(net[k].output.channels);
                channels += static_cast<double>(net[k].output.channels);
            }
            density[i] = channels > 0.0 ? weighted / channels : 1.0;
            break;
        }
        default: density[i] = l.act == activation::relu ? assumed.relu_outputs : assumed.linear_outputs; break;
        }
    }
    return density;
}

/// Options for `estimate_network_energy` that give every CONV/FC layer of `net` the statistical
/// density {weights, input, output}: the input and output densities from
/// `assumed_output_densities`, the weight density from `weight_densities` by layer name (1 for a
/// layer not named there, a dense layer). `base` supplies the common options and any other
/// per-layer options, which are kept. Throws `eap::argument_error` when `weight_densities` names
/// a layer that is not a CONV/FC layer of `net` or holds a density outside [0, 1].
inline network_energy_options assumed_density_options(const network& net, const assumed_densities& assumed = {},
                                                      const std::map<std::string, double>& weight_densities = {},
                                                      network_energy_options base = {}) {
    for (const auto& [name, d] : weight_densities) {
        const auto index = net.find(name);
        if (!index || !net[*index].is_compute())
            throw argument_error("eap::assumed_density_options: weight_densities names '" + name +
                                 "', which is not a CONV or FC layer of '" + net.name() + "'");
        if (!(d >= 0.0 && d <= 1.0))
            throw argument_error(detail::message("eap::assumed_density_options: the weight density of '", name,
                                                 "' must be in [0, 1] (got ", d, ")"));
    }
    const std::vector<double> density = assumed_output_densities(net, assumed);
    for (std::size_t i : net.compute_layers()) {
        const layer& l = net[i];
        const auto w = weight_densities.find(l.name);
        base.layers[l.name].density =
            layer_density{w == weight_densities.end() ? 1.0 : w->second, density[l.inputs.front()], density[i]};
    }
    return base;
}

}  // namespace eap
