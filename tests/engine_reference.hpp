// Brute-force reference implementations of the engine's layers, in double precision, written
// directly from the definitions (one output value at a time), for the engine tests.
#pragma once

#include <algorithm>
#include <cmath>
#include <cstdint>
#include <limits>
#include <random>
#include <variant>
#include <vector>

#include "eap/detail/xtensor.hpp"
#include "eap/engine/model.hpp"
#include "eap/network/network.hpp"

namespace eap_test {

using dtensor4 = xt::xtensor<double, 4>;

inline dtensor4 to_double(const xt::xtensor<float, 4>& t) {
    dtensor4 out = xt::empty<double>(t.shape());
    std::copy(t.begin(), t.end(), out.begin());
    return out;
}

/// Double copies of a model's parameters (weights flattened per layer, biases).
struct dparameters {
    std::vector<std::vector<double>> weights;
    std::vector<std::vector<double>> bias;
};

inline dparameters to_double(const eap::engine::model& m) {
    dparameters p;
    const auto& net = m.graph();
    p.weights.resize(net.size());
    p.bias.resize(net.size());
    for (std::size_t i : net.compute_layers()) {
        const auto& lp = m.parameters(i);
        p.weights[i].assign(lp.weight_data(), lp.weight_data() + lp.weight_count());
        p.bias[i].assign(lp.bias.begin(), lp.bias.end());
    }
    return p;
}

inline dtensor4 conv_direct(const eap::conv_shape& s, const dtensor4& in, const std::vector<double>& w,
                            const std::vector<double>& b) {
    const std::int64_t n_images = static_cast<std::int64_t>(in.shape()[0]);
    const std::int64_t E = s.out_height(), F = s.out_width();
    const std::int64_t cg = s.in_channels_per_group(), mg = s.out_channels_per_group();
    dtensor4 out = xt::zeros<double>({static_cast<std::size_t>(n_images), static_cast<std::size_t>(s.out_channels),
                                      static_cast<std::size_t>(E), static_cast<std::size_t>(F)});
    for (std::int64_t n = 0; n < n_images; ++n)
        for (std::int64_t m = 0; m < s.out_channels; ++m)
            for (std::int64_t e = 0; e < E; ++e)
                for (std::int64_t f = 0; f < F; ++f) {
                    double sum = b.empty() ? 0.0 : b[static_cast<std::size_t>(m)];
                    const std::int64_t g = m / mg;
                    for (std::int64_t c = 0; c < cg; ++c)
                        for (std::int64_t r = 0; r < s.kernel_height; ++r)
                            for (std::int64_t q = 0; q < s.kernel_width; ++q) {
                                const std::int64_t h = e * s.stride_height + r - s.pad.top;
                                const std::int64_t x = f * s.stride_width + q - s.pad.left;
                                if (h < 0 || h >= s.in_height || x < 0 || x >= s.in_width) continue;
                                sum += in(n, g * cg + c, h, x) *
                                       w[static_cast<std::size_t>(((m * cg + c) * s.kernel_height + r) * s.kernel_width + q)];
                            }
                    out(n, m, e, f) = sum;
                }
    return out;
}

inline dtensor4 fc_direct(const dtensor4& in, std::int64_t outputs, const std::vector<double>& w,
                          const std::vector<double>& b) {
    const std::size_t n_images = in.shape()[0];
    const std::size_t k = in.size() / n_images;
    dtensor4 out = xt::zeros<double>({n_images, static_cast<std::size_t>(outputs), std::size_t{1}, std::size_t{1}});
    for (std::size_t n = 0; n < n_images; ++n)
        for (std::size_t m = 0; m < static_cast<std::size_t>(outputs); ++m) {
            double sum = b.empty() ? 0.0 : b[m];
            for (std::size_t j = 0; j < k; ++j) sum += in.data()[n * k + j] * w[m * k + j];
            out(n, m, 0, 0) = sum;
        }
    return out;
}

/// Pooling by enumerating every kernel offset of every window: a value counts when it lies in
/// the image; for the average divisor, an offset counts when it lies in the padded image.
inline dtensor4 pool_direct(const eap::pool_params& p, const dtensor4& in) {
    const std::int64_t n_images = static_cast<std::int64_t>(in.shape()[0]), C = static_cast<std::int64_t>(in.shape()[1]);
    const std::int64_t H = static_cast<std::int64_t>(in.shape()[2]), W = static_cast<std::int64_t>(in.shape()[3]);
    const eap::fmap_shape o = p.output(eap::fmap_shape{C, H, W});
    std::int64_t kh = p.kernel_height, kw = p.kernel_width, sh = p.stride_height, sw = p.stride_width;
    eap::padding pad = p.pad;
    if (p.global) {
        kh = H;
        kw = W;
        sh = sw = 1;
        pad = eap::padding{};
    }
    dtensor4 out = xt::zeros<double>({static_cast<std::size_t>(n_images), static_cast<std::size_t>(C),
                                      static_cast<std::size_t>(o.height), static_cast<std::size_t>(o.width)});
    for (std::int64_t n = 0; n < n_images; ++n)
        for (std::int64_t c = 0; c < C; ++c)
            for (std::int64_t e = 0; e < o.height; ++e)
                for (std::int64_t f = 0; f < o.width; ++f) {
                    double best = -std::numeric_limits<double>::infinity(), sum = 0.0;
                    std::int64_t divisor = 0;
                    for (std::int64_t i = 0; i < kh; ++i)
                        for (std::int64_t j = 0; j < kw; ++j) {
                            const std::int64_t h = e * sh - pad.top + i, x = f * sw - pad.left + j;
                            if (h < H + pad.bottom && x < W + pad.right) ++divisor;
                            if (h < 0 || h >= H || x < 0 || x >= W) continue;
                            best = std::max(best, in(n, c, h, x));
                            sum += in(n, c, h, x);
                        }
                    out(n, c, e, f) = p.method == eap::pool_method::max ? best : sum / static_cast<double>(divisor);
                }
    return out;
}

inline void relu(dtensor4& t) {
    for (double& v : t) v = std::max(v, 0.0);
}

/// Every layer's output of `net` on `images`, computed with the functions above.
inline std::vector<dtensor4> forward_network(const eap::network& net, const dparameters& p, const dtensor4& images) {
    std::vector<dtensor4> out(net.size());
    out[0] = images;
    for (std::size_t i = 1; i < net.size(); ++i) {
        const eap::layer& l = net[i];
        switch (l.kind()) {
        case eap::layer_kind::conv:
            out[i] = conv_direct(net.layer_shape(i), out[l.inputs[0]], p.weights[i], p.bias[i]);
            break;
        case eap::layer_kind::fully_connected:
            out[i] = fc_direct(out[l.inputs[0]], std::get<eap::fc_params>(l.params).out_features, p.weights[i], p.bias[i]);
            break;
        case eap::layer_kind::pool: out[i] = pool_direct(std::get<eap::pool_params>(l.params), out[l.inputs[0]]); break;
        case eap::layer_kind::concat: {
            const std::size_t n_images = images.shape()[0];
            out[i] = xt::zeros<double>({n_images, static_cast<std::size_t>(l.output.channels),
                                        static_cast<std::size_t>(l.output.height), static_cast<std::size_t>(l.output.width)});
            std::size_t offset = 0;
            for (std::size_t j : l.inputs) {
                const dtensor4& part = out[j];
                for (std::size_t n = 0; n < n_images; ++n)
                    for (std::size_t c = 0; c < part.shape()[1]; ++c)
                        for (std::size_t h = 0; h < part.shape()[2]; ++h)
                            for (std::size_t x = 0; x < part.shape()[3]; ++x) out[i](n, offset + c, h, x) = part(n, c, h, x);
                offset += part.shape()[1];
            }
            break;
        }
        case eap::layer_kind::add: {
            out[i] = out[l.inputs[0]];
            for (std::size_t k = 1; k < l.inputs.size(); ++k) out[i] += out[l.inputs[k]];
            break;
        }
        case eap::layer_kind::input: break;
        }
        if (l.act == eap::activation::relu) relu(out[i]);
    }
    return out;
}

/// Mean softmax cross-entropy of the last output.
inline double loss(const dtensor4& logits, const std::vector<std::int32_t>& labels) {
    const std::size_t n_images = logits.shape()[0], classes = logits.size() / n_images;
    double total = 0.0;
    for (std::size_t n = 0; n < n_images; ++n) {
        const double* z = logits.data() + n * classes;
        double top = *std::max_element(z, z + classes), sum = 0.0;
        for (std::size_t c = 0; c < classes; ++c) sum += std::exp(z[c] - top);
        total += std::log(sum) + top - z[labels[n]];
    }
    return total / static_cast<double>(n_images);
}

/// Fills a float tensor with values from N(0, 1) (or [-1, 1]).
template <class Tensor>
void fill_random(Tensor& t, std::mt19937_64& rng, double scale = 1.0) {
    std::normal_distribution<double> d(0.0, scale);
    for (auto& v : t) v = static_cast<typename Tensor::value_type>(d(rng));
}

inline void randomize(eap::engine::model& m, std::mt19937_64& rng, double scale = 0.5) {
    for (std::size_t i : m.graph().compute_layers()) {
        auto& p = m.parameters(i);
        std::normal_distribution<double> d(0.0, scale);
        float* w = p.weight_data();
        for (std::size_t j = 0; j < p.weight_count(); ++j) w[j] = static_cast<float>(d(rng));
        for (auto& b : p.bias) b = static_cast<float>(d(rng));
    }
}

/// The largest |a - b| relative to max(1, max |b|).
inline double max_relative_difference(const xt::xtensor<float, 4>& a, const dtensor4& b) {
    double diff = 0.0, scale = 1.0;
    for (std::size_t i = 0; i < b.size(); ++i) {
        diff = std::max(diff, std::abs(double(a.data()[i]) - b.data()[i]));
        scale = std::max(scale, std::abs(b.data()[i]));
    }
    return diff / scale;
}

}  // namespace eap_test
