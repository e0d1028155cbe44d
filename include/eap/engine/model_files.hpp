// SPDX-License-Identifier: MIT
#pragma once

#include <cstdint>
#include <filesystem>
#include <set>
#include <string>
#include <system_error>
#include <variant>

#include "eap/engine/model.hpp"
#include "eap/error.hpp"
#include "eap/io/npy.hpp"
#include "eap/network/network_text.hpp"

namespace eap::engine {

// A model directory holds a trained (and possibly pruned) model:
//
//     network.txt               the network description (eap::write_network_text)
//     <layer>.weights.npy       float32: M x C/groups x R x S (CONV) or M x K (FC)
//     <layer>.bias.npy          float32: M (layers with a bias)
//     <layer>.mask.npy          uint8 0/1, the weights' shape (only when some weight is masked)
//
// one set per CONV and FC layer, readable with numpy.load. Layer names become file names with
// every character outside [A-Za-z0-9._-] written as %XX ('inception_3a/1x1' is stored as
// 'inception_3a%2F1x1.weights.npy').

/// The file-name form of a layer name (see above).
inline std::string layer_file_stem(const std::string& layer_name) {
    static const char* const hex = "0123456789ABCDEF";
    std::string out;
    for (const char c : layer_name) {
        const auto u = static_cast<unsigned char>(c);
        const bool plain = (u >= 'a' && u <= 'z') || (u >= 'A' && u <= 'Z') || (u >= '0' && u <= '9') || u == '.' ||
                           u == '_' || u == '-';
        if (plain && !(out.empty() && u == '.')) {
            out += c;
        } else {
            out += '%';
            out += hex[u >> 4];
            out += hex[u & 15];
        }
    }
    return out;
}

/// Writes `m` into `directory` (created if needed), one file at a time through
/// `eap::write_file_atomically`. A mask file left from an earlier save of a layer that now has
/// no masked weight is removed, so that the directory always loads back as `m`.
inline void save_model(const model& m, const std::filesystem::path& directory) {
    m.validate();
    std::error_code ec;
    std::filesystem::create_directories(directory, ec);
    if (ec) throw io_error("eap::engine::save_model: cannot create '" + directory.string() + "': " + ec.message());
    const network& net = m.graph();
    eap::write_network_file(directory / "network.txt", net);
    for (std::size_t i : net.compute_layers()) {
        const std::string stem = engine::layer_file_stem(net[i].name);
        const layer_parameters& p = m.parameters(i);
        const layer_parameters& mask = m.mask(i);
        if (net[i].kind() == layer_kind::conv) eap::save_npy(directory / (stem + ".weights.npy"), p.conv);
        else eap::save_npy(directory / (stem + ".weights.npy"), p.fc);
        if (p.bias.size() != 0) eap::save_npy(directory / (stem + ".bias.npy"), p.bias);
        const float* k = mask.weight_data();
        bool masked = false;
        for (std::size_t j = 0; j < mask.weight_count() && !masked; ++j) masked = k[j] == 0.0f;
        const auto mask_path = directory / (stem + ".mask.npy");
        if (masked) {
            if (net[i].kind() == layer_kind::conv) {
                const xt::xtensor<std::uint8_t, 4> bits = xt::cast<std::uint8_t>(mask.conv);
                eap::save_npy(mask_path, bits);
            } else {
                const xt::xtensor<std::uint8_t, 2> bits = xt::cast<std::uint8_t>(mask.fc);
                eap::save_npy(mask_path, bits);
            }
        } else {
            std::filesystem::remove(mask_path, ec);
            if (ec) throw io_error("eap::engine::save_model: cannot remove the stale '" + mask_path.string() + "': " + ec.message());
        }
    }
}

namespace detail {
template <std::size_t N, class Tensor>
void load_checked(const std::filesystem::path& file, Tensor& target, bool convert) {
    auto loaded = eap::load_npy<float, N>(file, convert);
    if (loaded.shape() != target.shape()) {
        std::string expected, actual;
        for (std::size_t i = 0; i < N; ++i) {
            expected += (i ? " x " : "") + std::to_string(target.shape()[i]);
            actual += (i ? " x " : "") + std::to_string(loaded.shape()[i]);
        }
        throw parse_error(file.string(), 0, "shape",
                          "is " + actual + ", but the network description gives this tensor " + expected);
    }
    target = std::move(loaded);
}
}  // namespace detail

/// Loads the model saved in `directory` by `save_model`. Every tensor's shape is checked against
/// the network description, masks must hold only 0 and 1 and every masked weight must be zero;
/// a missing file or a .npy file that belongs to no layer is an error too. Missing or unreadable
/// files throw `eap::io_error`; malformed or inconsistent content `eap::parse_error`.
inline model load_model(const std::filesystem::path& directory) {
    if (!std::filesystem::is_directory(directory))
        throw io_error("eap::engine::load_model: '" + directory.string() + "' is not a directory");
    model m(eap::read_network_file(directory / "network.txt"));
    const network& net = m.graph();
    std::set<std::string> expected_files;
    for (std::size_t i : net.compute_layers()) {
        const std::string stem = engine::layer_file_stem(net[i].name);
        layer_parameters& p = m.parameters(i);
        layer_parameters& mask = m.mask(i);
        const bool conv = net[i].kind() == layer_kind::conv;
        const auto weights_file = directory / (stem + ".weights.npy");
        const auto bias_file = directory / (stem + ".bias.npy");
        const auto mask_file = directory / (stem + ".mask.npy");
        expected_files.insert(weights_file.filename().string());
        if (conv) engine::detail::load_checked<4>(weights_file, p.conv, false);
        else engine::detail::load_checked<2>(weights_file, p.fc, false);
        if (p.bias.size() != 0) {
            expected_files.insert(bias_file.filename().string());
            engine::detail::load_checked<1>(bias_file, p.bias, false);
        }
        if (std::filesystem::exists(mask_file)) {
            expected_files.insert(mask_file.filename().string());
            if (conv) engine::detail::load_checked<4>(mask_file, mask.conv, true);
            else engine::detail::load_checked<2>(mask_file, mask.fc, true);
            const float* k = mask.weight_data();
            const float* w = p.weight_data();
            for (std::size_t j = 0; j < mask.weight_count(); ++j) {
                if (k[j] != 0.0f && k[j] != 1.0f)
                    throw parse_error(mask_file.string(), 0, "data",
                                      eap::detail::message("holds ", k[j], " at flat index ", j, "; a mask holds 0 or 1"));
                if (k[j] == 0.0f && w[j] != 0.0f)
                    throw parse_error(weights_file.string(), 0, "data",
                                      eap::detail::message("weight ", j, " is ", w[j], " but its mask is 0"));
            }
        }
    }
    for (const auto& entry : std::filesystem::directory_iterator(directory)) {
        const std::string name = entry.path().filename().string();
        if (entry.path().extension() == ".npy" && expected_files.count(name) == 0)
            throw parse_error(entry.path().string(), 0, "", "belongs to no CONV or FC layer of the network in '" +
                                                               (directory / "network.txt").string() + "'");
    }
    return m;
}

}  // namespace eap::engine
