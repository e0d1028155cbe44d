// SPDX-License-Identifier: MIT
#pragma once

#include <algorithm>
#include <cstdint>
#include <ostream>

#include "eap/detail/checked_arithmetic.hpp"
#include "eap/error.hpp"

namespace eap {

/// How a logical row-stationary PE set is placed on a physical PE array.
///
/// The logical set of one 2-D convolution has one PE per (filter row, output row):
/// `set_height` = R rows x `set_width` = E columns. Filter rows are reused horizontally, input rows
/// diagonally and partial sums accumulate vertically. A set taller than the array is folded in
/// time (`fold_height` passes, one group of filter rows each); a set wider than the array is cut
/// into `fold_width` strips of output rows (which behave like more images). A set smaller than
/// the array is replicated (`replicas_height` x `replicas_width` copies working on different
/// channels or images). Spare replicas in height first absorb width folds: k strips are stacked
/// vertically, dividing the width folds by k.
struct pe_set_folding {
    std::int64_t array_rows = 1;
    std::int64_t array_cols = 1;
    std::int64_t set_height = 1;       ///< R (filter rows)
    std::int64_t set_width = 1;        ///< E (output rows)
    std::int64_t fold_height = 1;      ///< fh
    std::int64_t fold_width = 1;       ///< fw, after stacking strips into spare height
    std::int64_t replicas_height = 1;  ///< rh, after stacking
    std::int64_t replicas_width = 1;   ///< rw
    std::int64_t stacked_strips = 1;   ///< k: width strips stacked vertically

    /// Rows of the folded set (filter rows per height fold).
    constexpr std::int64_t folded_height() const { return detail::ceil_div(set_height, fold_height); }
    /// Columns of the folded set (output rows per width strip).
    constexpr std::int64_t folded_width() const { return detail::ceil_div(set_width, fold_width); }
    /// PEs of one folded set.
    constexpr std::int64_t set_pes() const { return folded_height() * folded_width(); }
    /// Copies of the folded set working in parallel.
    constexpr std::int64_t replicas() const { return replicas_height * replicas_width; }
    /// R * E * replicas / (array size * folds): the fraction of PE slots doing useful work.
    constexpr double utilisation() const {
        return static_cast<double>(set_height) * static_cast<double>(set_width) * static_cast<double>(replicas()) /
               (static_cast<double>(array_rows) * static_cast<double>(array_cols) * static_cast<double>(fold_height) *
                static_cast<double>(fold_width));
    }

    friend constexpr bool operator==(const pe_set_folding& a, const pe_set_folding& b) {
        return a.array_rows == b.array_rows && a.array_cols == b.array_cols && a.set_height == b.set_height &&
               a.set_width == b.set_width && a.fold_height == b.fold_height && a.fold_width == b.fold_width &&
               a.replicas_height == b.replicas_height && a.replicas_width == b.replicas_width &&
               a.stacked_strips == b.stacked_strips;
    }
    friend constexpr bool operator!=(const pe_set_folding& a, const pe_set_folding& b) { return !(a == b); }

    friend std::ostream& operator<<(std::ostream& out, const pe_set_folding& f) {
        return out << "set " << f.set_height << 'x' << f.set_width << " on " << f.array_rows << 'x' << f.array_cols
                   << ": folds " << f.fold_height << 'x' << f.fold_width << ", replicas " << f.replicas_height << 'x'
                   << f.replicas_width << ", folded set " << f.folded_height() << 'x' << f.folded_width()
                   << ", utilisation " << f.utilisation();
    }
};

/// Places a logical PE set of `filter_rows` x `ofmap_rows` on an `array_rows` x `array_cols`
/// array (Eyeriss ISCA 2016 / nn_dataflow):
///
///   height: R > rows ? (fh = ceil(R / rows), rh = 1) : (fh = 1, rh = rows / R);
///   width:  E > cols ? (fw = ceil(E / cols), rw = 1) : (fw = 1, rw = cols / E);
///   k = min(rh, fw); fw = ceil(fw / k); rh = rh / k.
///
/// Throws `eap::argument_error` for a size below 1.
inline pe_set_folding fold_pe_set(std::int64_t filter_rows, std::int64_t ofmap_rows, std::int64_t array_rows,
                                  std::int64_t array_cols) {
    auto positive = [](const char* name, std::int64_t v) {
        if (v < 1) throw argument_error(detail::message("eap::fold_pe_set: ", name, " must be at least 1 (got ", v, ")"));
    };
    positive("filter_rows", filter_rows);
    positive("ofmap_rows", ofmap_rows);
    positive("array_rows", array_rows);
    positive("array_cols", array_cols);
    pe_set_folding f;
    f.array_rows = array_rows;
    f.array_cols = array_cols;
    f.set_height = filter_rows;
    f.set_width = ofmap_rows;
    if (filter_rows > array_rows) {
        f.fold_height = detail::ceil_div(filter_rows, array_rows);
        f.replicas_height = 1;
    } else {
        f.fold_height = 1;
        f.replicas_height = array_rows / filter_rows;
    }
    if (ofmap_rows > array_cols) {
        f.fold_width = detail::ceil_div(ofmap_rows, array_cols);
        f.replicas_width = 1;
    } else {
        f.fold_width = 1;
        f.replicas_width = array_cols / ofmap_rows;
    }
    f.stacked_strips = std::min(f.replicas_height, f.fold_width);
    f.fold_width = detail::ceil_div(f.fold_width, f.stacked_strips);
    f.replicas_height = f.replicas_height / f.stacked_strips;
    return f;
}

}  // namespace eap
