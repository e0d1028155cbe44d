// SPDX-License-Identifier: MIT
#pragma once

#include <algorithm>
#include <cmath>
#include <cstddef>
#include <cstdint>

#include "eap/engine/model.hpp"
#include "eap/error.hpp"

namespace eap::engine {

/// Settings of stochastic gradient descent with momentum.
struct sgd_options {
    float momentum = 0.9f;
    /// L2 penalty added to the gradient of every weight (lambda * w).
    float weight_decay = 5e-4f;
    /// Whether biases are decayed too (usually not).
    bool decay_bias = false;
};

/// The learning rate as a function of training progress (0 at the first step, 1 after the last).
struct learning_rate_schedule {
    enum class shape : std::uint8_t {
        constant,  ///< `base` throughout
        step,      ///< `base`, multiplied by `step_factor` after every `step_every` of training
        cosine,    ///< from `base` down to `base * final_fraction` along half a cosine
    };
    shape kind = shape::cosine;
    double base = 0.05;
    /// Fraction of training during which the rate ramps linearly from 0 up to the schedule.
    double warmup = 0.0;
    double step_every = 0.34;
    double step_factor = 0.1;
    double final_fraction = 0.0;

    /// The learning rate at `progress` in [0, 1].
    double at(double progress) const {
        validate();
        progress = std::min(std::max(progress, 0.0), 1.0);
        double rate = base;
        switch (kind) {
        case shape::constant: break;
        case shape::step: rate = base * std::pow(step_factor, std::floor(progress / step_every)); break;
        case shape::cosine:
            rate = base * (final_fraction + (1.0 - final_fraction) * 0.5 * (1.0 + std::cos(3.14159265358979323846 * progress)));
            break;
        }
        if (warmup > 0.0 && progress < warmup) rate *= progress / warmup;
        return rate;
    }

    void validate() const {
        auto fail = [](const char* field, double value, const char* limit) {
            throw argument_error(eap::detail::message("eap::engine::learning_rate_schedule: ", field, " = ", value,
                                                      " ", limit));
        };
        if (!(base > 0.0) || !std::isfinite(base)) fail("base", base, "must be positive and finite");
        if (!(warmup >= 0.0 && warmup < 1.0)) fail("warmup", warmup, "must be in [0, 1)");
        if (kind == shape::step && !(step_every > 0.0)) fail("step_every", step_every, "must be positive");
        if (kind == shape::step && !(step_factor > 0.0 && step_factor <= 1.0)) fail("step_factor", step_factor, "must be in (0, 1]");
        if (kind == shape::cosine && !(final_fraction >= 0.0 && final_fraction <= 1.0))
            fail("final_fraction", final_fraction, "must be in [0, 1]");
    }
};

/// SGD with momentum and weight decay that respects the model's masks. For a weight w with
/// gradient g and velocity v:
///   v <- momentum * v + g + weight_decay * w,   w <- w - rate * v;
/// for a masked weight (mask 0) the gradient and the velocity are zeroed and the weight is set to
/// exactly zero, so a pruned weight never comes back, whatever the gradients, the momentum left
/// from before it was pruned, or the rounding.
class sgd {
public:
    explicit sgd(sgd_options options = {}) : options_(options) {
        if (!(options_.momentum >= 0.0f && options_.momentum < 1.0f))
            throw argument_error(eap::detail::message("eap::engine::sgd: momentum = ", options_.momentum,
                                                      " must be in [0, 1)"));
        if (!(options_.weight_decay >= 0.0f) || !std::isfinite(options_.weight_decay))
            throw argument_error(eap::detail::message("eap::engine::sgd: weight_decay = ", options_.weight_decay,
                                                      " must be finite and not negative"));
    }

    const sgd_options& options() const noexcept { return options_; }

    /// One update of every parameter of `m` from `gradients` (as written by
    /// `executor::backward`) at learning rate `rate`.
    void step(model& m, const parameter_set& gradients, float rate) {
        const network& net = m.graph();
        if (!(rate >= 0.0f) || !std::isfinite(rate))
            throw argument_error(eap::detail::message("eap::engine::sgd::step: rate = ", rate,
                                                      " must be finite and not negative"));
        if (gradients.size() != net.size())
            throw shape_error(eap::detail::message("eap::engine::sgd::step: 'gradients' has ", gradients.size(),
                                                   " layers, the network has ", net.size()));
        if (velocity_.size() != net.size()) velocity_ = make_parameter_set(net, 0.0f, 0.0f);
        const float mu = options_.momentum, decay = options_.weight_decay;
        for (std::size_t i : net.compute_layers()) {
            layer_parameters& p = m.parameters(i);
            const layer_parameters& g = gradients[i];
            const layer_parameters& mask = m.mask(i);
            layer_parameters& v = velocity_[i];
            if (g.weight_count() != p.weight_count() || g.bias.size() != p.bias.size() ||
                v.weight_count() != p.weight_count())
                throw shape_error(eap::detail::message("eap::engine::sgd::step: the gradient of layer '", net[i].name,
                                                       "' does not have the shape of its parameters"));
            float* w = p.weight_data();
            float* vw = v.weight_data();
            const float* gw = g.weight_data();
            const float* keep = mask.weight_data();
            for (std::size_t j = 0; j < p.weight_count(); ++j) {
                if (keep[j] == 0.0f) {
                    vw[j] = 0.0f;
                    w[j] = 0.0f;
                    continue;
                }
                const float direction = gw[j] + decay * w[j];
                vw[j] = mu * vw[j] + direction;
                w[j] -= rate * vw[j];
            }
            const float bias_decay = options_.decay_bias ? decay : 0.0f;
            for (std::size_t j = 0; j < p.bias.size(); ++j) {
                const float direction = g.bias.data()[j] + bias_decay * p.bias.data()[j];
                v.bias.data()[j] = mu * v.bias.data()[j] + direction;
                p.bias.data()[j] -= rate * v.bias.data()[j];
            }
        }
    }

    /// Forgets the momentum (for a new training phase).
    void reset() { velocity_.clear(); }

private:
    sgd_options options_;
    parameter_set velocity_;
};

}  // namespace eap::engine
