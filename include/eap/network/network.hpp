// SPDX-License-Identifier: MIT
#pragma once

#include <cstddef>
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "eap/detail/checked_arithmetic.hpp"
#include "eap/error.hpp"
#include "eap/network/layer.hpp"
#include "eap/shape/conv_shape.hpp"

namespace eap {

/// A CNN as a directed acyclic graph of layers. Layers are added in topological order (every
/// input must already exist), so the graph is acyclic by construction and `layers()` is a valid
/// evaluation order. Each layer's output shape is inferred and checked when it is added: an
/// impossible layer throws `eap::shape_error` naming the layer.
class network {
public:
    explicit network(std::string name, fmap_shape input, std::string input_name = "data") : name_(std::move(name)) {
        check_network_name(name_);
        if (input.channels < 1 || input.height < 1 || input.width < 1)
            throw shape_error(detail::message("eap::network '", name_, "': the input shape must be at least 1x1x1 (got ",
                                              input.channels, "x", input.height, "x", input.width, ")"));
        (void)input.size();
        layer l{std::move(input_name), input_params{input}, {}, activation::none, input};
        check_name(l);
        append(std::move(l));
    }

    const std::string& name() const noexcept { return name_; }
    void rename(std::string name) {
        check_network_name(name);
        name_ = std::move(name);
    }

    /// A convolution fed by `input`.
    std::size_t add_conv(std::string name, std::size_t input, const conv_params& p, activation act = activation::relu) {
        layer l{std::move(name), p, {input}, act, {}};
        check_inputs(l, 1, 1);
        l.output = make_conv_shape(l, 1).output_fmap();
        return append(std::move(l));
    }

    /// A fully-connected layer fed by `input` (flattened).
    std::size_t add_fc(std::string name, std::size_t input, const fc_params& p, activation act = activation::relu) {
        layer l{std::move(name), p, {input}, act, {}};
        check_inputs(l, 1, 1);
        l.output = make_conv_shape(l, 1).output_fmap();
        return append(std::move(l));
    }

    /// A pooling layer fed by `input`.
    std::size_t add_pool(std::string name, std::size_t input, const pool_params& p) {
        layer l{std::move(name), p, {input}, activation::none, {}};
        check_inputs(l, 1, 1);
        try {
            l.output = p.output(layers_[input].output);
        } catch (const shape_error& e) {
            throw shape_error(detail::message("eap::network '", name_, "', layer '", l.name, "': ", e.what()));
        }
        return append(std::move(l));
    }

    /// Concatenates `inputs` along channels; all must share height and width.
    std::size_t add_concat(std::string name, std::vector<std::size_t> inputs) {
        layer l{std::move(name), concat_params{}, std::move(inputs), activation::none, {}};
        check_inputs(l, 2, 0);
        fmap_shape out = layers_[l.inputs.front()].output;
        out.channels = 0;
        for (std::size_t i : l.inputs) {
            const fmap_shape& s = layers_[i].output;
            if (s.height != out.height || s.width != out.width)
                fail(l, detail::message("concat inputs differ in height/width: '", layers_[l.inputs.front()].name,
                                        "' is ", out.height, "x", out.width, ", '", layers_[i].name, "' is ", s.height,
                                        "x", s.width));
            out.channels = detail::checked_add(out.channels, s.channels, "concat channels");
        }
        l.output = out;
        return append(std::move(l));
    }

    /// Adds `inputs` element-wise (a residual shortcut); all must have the same shape.
    std::size_t add_add(std::string name, std::vector<std::size_t> inputs, activation act = activation::relu) {
        layer l{std::move(name), add_params{}, std::move(inputs), act, {}};
        check_inputs(l, 2, 0);
        const fmap_shape out = layers_[l.inputs.front()].output;
        for (std::size_t i : l.inputs)
            if (layers_[i].output != out)
                fail(l, detail::message("add inputs differ in shape: '", layers_[l.inputs.front()].name, "' is ",
                                        out.channels, "x", out.height, "x", out.width, ", '", layers_[i].name, "' is ",
                                        layers_[i].output.channels, "x", layers_[i].output.height, "x",
                                        layers_[i].output.width));
        l.output = out;
        return append(std::move(l));
    }

    std::size_t size() const noexcept { return layers_.size(); }
    const std::vector<layer>& layers() const noexcept { return layers_; }
    const layer& operator[](std::size_t i) const { return layers_[i]; }
    const layer& at(std::size_t i) const {
        if (i >= layers_.size())
            throw argument_error(detail::message("eap::network::at: index ", i, " is out of range (the network '",
                                                 name_, "' has ", layers_.size(), " layers)"));
        return layers_[i];
    }
    /// The input layer (always index 0) and the final layer (the last added).
    const layer& input() const { return layers_.front(); }
    std::size_t output_index() const noexcept { return layers_.size() - 1; }

    /// Index of the layer called `layer_name`, if any.
    std::optional<std::size_t> find(std::string_view layer_name) const {
        for (std::size_t i = 0; i < layers_.size(); ++i)
            if (layers_[i].name == layer_name) return i;
        return std::nullopt;
    }
    /// Index of the layer called `layer_name`; throws `eap::argument_error` when there is none.
    std::size_t index_of(std::string_view layer_name) const {
        if (auto i = find(layer_name)) return *i;
        throw argument_error(detail::message("eap::network::index_of: no layer named '", layer_name, "' in '", name_, "'"));
    }

    /// Indices of the CONV and FC layers, in evaluation order.
    std::vector<std::size_t> compute_layers() const {
        std::vector<std::size_t> out;
        for (std::size_t i = 0; i < layers_.size(); ++i)
            if (layers_[i].is_compute()) out.push_back(i);
        return out;
    }

    /// The `conv_shape` of CONV or FC layer `index` at a batch size.
    conv_shape layer_shape(std::size_t index, std::int64_t batch = 1) const {
        const layer& l = at(index);
        if (!l.is_compute())
            throw argument_error(detail::message("eap::network::layer_shape: layer '", l.name, "' is a ",
                                                 to_string(l.kind()), " layer; only conv and fc layers have a conv_shape"));
        if (batch < 1) throw argument_error(detail::message("eap::network::layer_shape: batch must be at least 1 (got ", batch, ")"));
        return make_conv_shape(l, batch);
    }

    /// Filter weights of all CONV and FC layers (no biases).
    std::int64_t weight_count() const {
        std::int64_t total = 0;
        for (std::size_t i : compute_layers())
            total = detail::checked_add(total, layer_shape(i).weight_count(), "network weight count");
        return total;
    }

    /// Dense MACs of all CONV and FC layers at a batch size.
    std::int64_t mac_count(std::int64_t batch = 1) const {
        std::int64_t total = 0;
        for (std::size_t i : compute_layers())
            total = detail::checked_add(total, layer_shape(i, batch).mac_count(), "network MAC count");
        return total;
    }

    friend bool operator==(const network& a, const network& b) { return a.name_ == b.name_ && a.layers_ == b.layers_; }
    friend bool operator!=(const network& a, const network& b) { return !(a == b); }

private:
    [[noreturn]] void fail(const layer& l, const std::string& what) const {
        throw shape_error(detail::message("eap::network '", name_, "', layer '", l.name, "': ", what));
    }

    static void check_network_name(const std::string& name) {
        if (name.empty()) throw argument_error("eap::network: the network name must not be empty");
        for (char c : name)
            if (c == ' ' || c == '\t' || c == '\n' || c == '\r' || c == '#')
                throw argument_error("eap::network: the network name '" + name + "' must not contain white space or '#'");
    }

    // Names must survive the text format: no separators, no comment marker.
    void check_name(const layer& l) const {
        if (l.name.empty()) throw shape_error(detail::message("eap::network '", name_, "': a layer name must not be empty"));
        for (char c : l.name)
            if (c == ' ' || c == '\t' || c == '\n' || c == '\r' || c == ',' || c == '=' || c == '#')
                fail(l, "a layer name must not contain white space, ',', '=' or '#'");
        if (find(l.name)) fail(l, "the name is already used by another layer");
    }

    void check_inputs(const layer& l, std::size_t min_inputs, std::size_t max_inputs) const {
        check_name(l);
        if (l.inputs.size() < min_inputs || (max_inputs != 0 && l.inputs.size() > max_inputs))
            fail(l, detail::message("takes ", min_inputs, max_inputs == min_inputs ? "" : " or more", " input(s), got ",
                                    l.inputs.size()));
        for (std::size_t i : l.inputs)
            if (i >= layers_.size())
                fail(l, detail::message("input index ", i, " does not name an earlier layer (there are ", layers_.size(),
                                        ")"));
    }

    conv_shape make_conv_shape(const layer& l, std::int64_t batch) const {
        const fmap_shape in = layers_[l.inputs.front()].output;
        conv_shape s;
        if (const auto* c = std::get_if<conv_params>(&l.params)) {
            s = conv_shape{batch,           in.channels,     c->out_channels, in.height,     in.width, c->kernel_height,
                           c->kernel_width, c->stride_height, c->stride_width, c->pad, c->groups};
        } else {
            const auto& f = std::get<fc_params>(l.params);
            s = conv_shape::fully_connected(in, f.out_features, batch);
        }
        try {
            s.validate();
        } catch (const error& e) {
            fail(l, e.what());
        }
        return s;
    }

    std::size_t append(layer l) {
        layers_.push_back(std::move(l));
        return layers_.size() - 1;
    }

    std::string name_;
    std::vector<layer> layers_;
};

}  // namespace eap
