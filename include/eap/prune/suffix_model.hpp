// SPDX-License-Identifier: MIT
#pragma once

#include <algorithm>
#include <cstddef>
#include <limits>
#include <variant>
#include <vector>

#include "eap/engine/model.hpp"
#include "eap/error.hpp"
#include "eap/network/network.hpp"

// While one layer is being pruned, everything before it computes the same values for every
// trial. A suffix model is the network from a cut onwards, fed with the cut layer's output: the
// pruning search caches that output for its validation images once and evaluates each trial on
// the suffix only (for an FC layer, a few percent of the network's work).

namespace eap {

/// The last layer before `layer` whose output alone determines everything after it: no layer
/// after the cut reads a layer before it (0, the input, when there is no later one). In a
/// sequential network it is the layer feeding `layer`; inside an inception module, the module's
/// input.
inline std::size_t suffix_cut(const network& net, std::size_t layer) {
    if (layer == 0 || layer >= net.size())
        throw argument_error(detail::message("eap::suffix_cut: layer ", layer, " is not a layer after the input of '",
                                             net.name(), "'"));
    // earliest[j]: the earliest layer read by any layer after j.
    std::vector<std::size_t> earliest(net.size(), std::numeric_limits<std::size_t>::max());
    for (std::size_t j = net.size() - 1; j-- > 0;) {
        earliest[j] = earliest[j + 1];
        for (std::size_t input : net[j + 1].inputs) earliest[j] = std::min(earliest[j], input);
    }
    for (std::size_t j = layer; j-- > 0;)
        if (earliest[j] >= j) return j;
    return 0;
}

/// The network from `cut` onwards: its input is layer `cut`'s output (named after it), then every
/// later layer with its parameters and masks copied from `m`. Layer `k` of `m` is layer
/// `k - cut` of the suffix.
inline engine::model suffix_model(const engine::model& m, std::size_t cut) {
    const network& net = m.graph();
    if (cut >= net.size() - 1)
        throw argument_error(detail::message("eap::suffix_model: cut ", cut, " leaves no layer of '", net.name(), "'"));
    network suffix(net.name(), net[cut].output, net[cut].name);
    for (std::size_t k = cut + 1; k < net.size(); ++k) {
        const layer& l = net[k];
        std::vector<std::size_t> inputs;
        for (std::size_t i : l.inputs) {
            if (i < cut)
                throw argument_error(detail::message("eap::suffix_model: layer '", l.name, "' reads '", net[i].name,
                                                     "', before the cut '", net[cut].name, "'"));
            inputs.push_back(i - cut);
        }
        if (const auto* c = std::get_if<conv_params>(&l.params)) {
            suffix.add_conv(l.name, inputs.front(), *c, l.act);
        } else if (const auto* f = std::get_if<fc_params>(&l.params)) {
            suffix.add_fc(l.name, inputs.front(), *f, l.act);
        } else if (const auto* p = std::get_if<pool_params>(&l.params)) {
            suffix.add_pool(l.name, inputs.front(), *p);
        } else if (std::holds_alternative<concat_params>(l.params)) {
            suffix.add_concat(l.name, inputs);
        } else if (std::holds_alternative<add_params>(l.params)) {
            suffix.add_add(l.name, inputs, l.act);
        } else {
            throw argument_error("eap::suffix_model: an input layer after the first");
        }
    }
    engine::model out(std::move(suffix));
    for (std::size_t k = cut + 1; k < net.size(); ++k)
        if (net[k].is_compute()) {
            out.parameters(k - cut) = m.parameters(k);
            out.mask(k - cut) = m.mask(k);
        }
    return out;
}

}  // namespace eap
