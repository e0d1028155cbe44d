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

// Parts of a model, run on their own. While one layer is being pruned, everything before it
// computes the same values for every trial: a suffix model is the network from a cut onwards, fed
// with the cut layer's output, which the pruning search caches for its validation images once and
// evaluates each trial on (for an FC layer, a few percent of the network's work). A prefix model
// is the network up to a layer: what capturing that layer's values needs, and no more.

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

namespace detail {

/// Appends a copy of layer `l` of a network to `out`, its inputs renumbered by `input_of`.
template <class InputIndex>
void copy_layer(network& out, const layer& l, InputIndex input_of) {
    std::vector<std::size_t> inputs;
    for (std::size_t i : l.inputs) inputs.push_back(input_of(i));
    if (const auto* c = std::get_if<conv_params>(&l.params)) {
        out.add_conv(l.name, inputs.front(), *c, l.act);
    } else if (const auto* f = std::get_if<fc_params>(&l.params)) {
        out.add_fc(l.name, inputs.front(), *f, l.act);
    } else if (const auto* p = std::get_if<pool_params>(&l.params)) {
        out.add_pool(l.name, inputs.front(), *p);
    } else if (std::holds_alternative<concat_params>(l.params)) {
        out.add_concat(l.name, inputs);
    } else if (std::holds_alternative<add_params>(l.params)) {
        out.add_add(l.name, inputs, l.act);
    } else {
        throw argument_error("eap: an input layer after the first layer");
    }
}

/// A model of `net` with the parameters and masks of layers [first, last] of `m` (layer k of
/// `m` is layer k - offset of the result).
inline engine::model copy_parameters(network net, const engine::model& m, std::size_t first, std::size_t last,
                                     std::size_t offset) {
    engine::model out(std::move(net));
    for (std::size_t k = first; k <= last; ++k)
        if (m.graph()[k].is_compute()) {
            out.parameters(k - offset) = m.parameters(k);
            out.mask(k - offset) = m.mask(k);
        }
    return out;
}

}  // namespace detail

/// The network from `cut` onwards: its input is layer `cut`'s output (named after it), then every
/// later layer with its parameters and masks copied from `m`. Layer `k` of `m` is layer
/// `k - cut` of the suffix.
inline engine::model suffix_model(const engine::model& m, std::size_t cut) {
    const network& net = m.graph();
    if (cut >= net.size() - 1)
        throw argument_error(detail::message("eap::suffix_model: cut ", cut, " leaves no layer of '", net.name(), "'"));
    network suffix(net.name(), net[cut].output, net[cut].name);
    for (std::size_t k = cut + 1; k < net.size(); ++k)
        detail::copy_layer(suffix, net[k], [&](std::size_t i) {
            if (i < cut)
                throw argument_error(detail::message("eap::suffix_model: layer '", net[k].name, "' reads '", net[i].name,
                                                     "', before the cut '", net[cut].name, "'"));
            return i - cut;
        });
    return detail::copy_parameters(std::move(suffix), m, cut + 1, net.size() - 1, cut);
}

/// The network up to and including layer `last` (layers keep their indices), with the
/// parameters and masks of `m`. Layers are in evaluation order, so everything `last` depends on
/// is in it.
inline engine::model prefix_model(const engine::model& m, std::size_t last) {
    const network& net = m.graph();
    if (last == 0 || last >= net.size())
        throw argument_error(detail::message("eap::prefix_model: layer ", last, " is not a layer after the input of '",
                                             net.name(), "'"));
    network prefix(net.name(), net.input().output, net.input().name);
    for (std::size_t k = 1; k <= last; ++k) detail::copy_layer(prefix, net[k], [](std::size_t i) { return i; });
    return detail::copy_parameters(std::move(prefix), m, 1, last, 0);
}

}  // namespace eap
