// SPDX-License-Identifier: MIT
#pragma once

#include <cstdint>
#include <optional>

#include "eap/hardware/data_type.hpp"
#include "eap/hardware/hardware.hpp"

namespace eap {

/// What moves when a padded layer reads its input window.
enum class padding_traffic : std::uint8_t {
    /// The padded window moves, zeros included (the row-stationary model of nn_dataflow and the
    /// ISCA 2016 study: the input size is derived from the output size).
    padded_input,
    /// Only the real input values move between storage levels; the padding zeros are made where
    /// the array is fed (array network and scratchpads still see the padded window).
    real_input,
};

constexpr const char* to_string(padding_traffic p) {
    return p == padding_traffic::padded_input ? "padded_input" : "real_input";
}

/// Options of the row-stationary model shared by mapping evaluation and mapping search.
struct row_stationary_options {
    /// Word width per data type; default: the hardware's `word_bits`. Narrower words cost
    /// proportionally less per access and more of them fit a level.
    std::optional<per_data_type<int>> word_bits;
    /// Padded input window or real input only (see `padding_traffic`).
    padding_traffic padding = padding_traffic::padded_input;
    /// Per data type: may the search let it bypass an on-chip storage level that gives it no reuse
    /// (the level's fetch count equals the one outside it)? Off by default, as in the ISCA 2016
    /// study. Bypassed data does not take room in that level.
    per_data_type<bool> allow_bypass{};

    /// The word widths in effect on `hw`.
    per_data_type<int> bits_on(const hardware& hw) const { return word_bits ? *word_bits : hw.word_bits; }
};

}  // namespace eap
