// SPDX-License-Identifier: MIT
#pragma once

#include <algorithm>
#include <array>
#include <cstdint>
#include <cstdlib>
#include <filesystem>
#include <string>

#include "eap/data/labeled_images.hpp"
#include "eap/error.hpp"
#include "eap/io/idx_reader.hpp"

namespace eap::data {

enum class fashion_mnist_split : std::uint8_t { train, test };

/// Where Debian's `dataset-fashion-mnist` package puts the four gzipped IDX files.
inline const char* const fashion_mnist_package_directory = "/usr/share/datasets/fashion-mnist";

/// The directory `load_fashion_mnist` reads by default: `$EAP_FASHION_MNIST_DIR` when set,
/// otherwise the Debian package's directory.
inline std::filesystem::path fashion_mnist_default_directory() {
    if (const char* dir = std::getenv("EAP_FASHION_MNIST_DIR"); dir && *dir) return dir;
    return fashion_mnist_package_directory;
}

/// The files of one split: {images, labels}.
inline std::array<std::filesystem::path, 2> fashion_mnist_files(fashion_mnist_split split,
                                                                 const std::filesystem::path& directory) {
    const std::string prefix = split == fashion_mnist_split::train ? "train" : "t10k";
    return {directory / (prefix + "-images-idx3-ubyte.gz"), directory / (prefix + "-labels-idx1-ubyte.gz")};
}

/// True when both files of both splits exist in `directory`.
inline bool fashion_mnist_available(const std::filesystem::path& directory = fashion_mnist_default_directory()) {
    for (auto split : {fashion_mnist_split::train, fashion_mnist_split::test})
        for (const auto& file : fashion_mnist_files(split, directory))
            if (!std::filesystem::is_regular_file(file)) return false;
    return true;
}

/// Loads the Fashion-MNIST training (60,000) or test (10,000) images as N x 1 x 28 x 28 floats
/// in [0, 1] (byte / 255, so the black background stays exactly zero) with labels 0-9.
/// A missing file is an `eap::io_error` that says how to install the data set; a corrupt one an
/// `eap::parse_error`.
inline labeled_images load_fashion_mnist(fashion_mnist_split split,
                                         const std::filesystem::path& directory = fashion_mnist_default_directory()) {
    const auto files = fashion_mnist_files(split, directory);
    for (const auto& file : files)
        if (!std::filesystem::is_regular_file(file))
            throw io_error("eap::data::load_fashion_mnist: '" + file.string() +
                           "' does not exist. Install the data set with `sudo apt-get install dataset-fashion-mnist` "
                           "(Debian/Ubuntu), or point EAP_FASHION_MNIST_DIR at a directory holding the four "
                           "Fashion-MNIST .gz files.");
    const idx_array images = eap::read_idx(files[0]);
    const idx_array labels = eap::read_idx(files[1]);
    if (images.dims.size() != 3)
        throw parse_error(files[0].string(), 0, "dimensions",
                          eap::detail::message(images.dims.size(), " dimensions, expected 3 (images x rows x columns)"));
    if (labels.dims.size() != 1)
        throw parse_error(files[1].string(), 0, "dimensions",
                          eap::detail::message(labels.dims.size(), " dimensions, expected 1 (one label per image)"));
    if (images.dims[0] != labels.dims[0])
        throw parse_error(files[1].string(), 0, "dimensions",
                          eap::detail::message(labels.dims[0], " labels for ", images.dims[0], " images"));
    labeled_images out;
    const auto n = static_cast<std::size_t>(images.dims[0]);
    out.images = xt::empty<float>(std::array<std::size_t, 4>{n, 1, static_cast<std::size_t>(images.dims[1]),
                                                             static_cast<std::size_t>(images.dims[2])});
    std::transform(images.values.begin(), images.values.end(), out.images.begin(),
                   [](std::uint8_t v) { return static_cast<float>(v) / 255.0f; });
    out.labels = xt::empty<std::int32_t>(std::array<std::size_t, 1>{n});
    for (std::size_t i = 0; i < n; ++i) {
        if (labels.values[i] > 9)
            throw parse_error(files[1].string(), 0, "data",
                              eap::detail::message("label ", int(labels.values[i]), " of image ", i, " is not in 0-9"));
        out.labels(i) = labels.values[i];
    }
    return out;
}

}  // namespace eap::data
