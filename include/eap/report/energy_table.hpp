// SPDX-License-Identifier: MIT
#pragma once

#include <algorithm>
#include <cstddef>
#include <filesystem>
#include <ostream>
#include <string>
#include <vector>

#include "eap/detail/json_writer.hpp"
#include "eap/energy/energy_model.hpp"
#include "eap/error.hpp"
#include "eap/io/atomic_file.hpp"

namespace eap {

namespace detail {

/// Prints rows as columns aligned to their widest cell (first column left, the rest right).
inline void print_aligned(std::ostream& out, const std::vector<std::vector<std::string>>& rows) {
    std::vector<std::size_t> width;
    for (const auto& r : rows) {
        if (width.size() < r.size()) width.resize(r.size(), 0);
        for (std::size_t i = 0; i < r.size(); ++i) width[i] = std::max(width[i], r[i].size());
    }
    for (const auto& r : rows) {
        for (std::size_t i = 0; i < r.size(); ++i) {
            const std::string pad(width[i] - r[i].size(), ' ');
            if (i == 0) out << r[i] << pad;
            else out << "  " << pad << r[i];
        }
        out << '\n';
    }
}

inline std::string energy_cell(double v) { return format_number(v, "%.4g"); }

inline void check_report_input(const char* function, const network_energy& e) {
    const std::size_t positions = e.total.positions();
    if (e.positions.size() != positions)
        throw argument_error(message(function, ": the estimate names ", e.positions.size(), " positions but has ",
                                     positions, "; build it with eap::estimate_network_energy"));
    for (const auto& l : e.layers)
        if (l.energy.positions() != positions)
            throw argument_error(message(function, ": layer '", l.name, "' has ", l.energy.positions(),
                                         " positions, the estimate ", positions));
}

}  // namespace detail

/// One row per CONV/FC layer: parts, dense and non-skipped MACs, utilisation, energy of
/// computation and of each position (storage levels, array network, scratchpads), total;
/// then the network total and the energy per image. Energies over the batch.
inline void print_energy_table(std::ostream& out, const network_energy& e) {
    detail::check_report_input("eap::print_energy_table", e);
    out << e.network << " on " << e.hardware << ", batch " << e.batch << ", energy in " << to_string(e.unit)
        << " units over the batch\n";
    std::vector<std::vector<std::string>> rows;
    std::vector<std::string> head{"layer", "parts", "MACs", "non-skipped", "util", "sparsity", "computation"};
    for (const auto& p : e.positions) head.push_back(p);
    head.push_back("total");
    rows.push_back(head);
    auto row_of = [&](const std::string& name, const std::string& parts, const std::string& macs,
                      const std::string& nonskipped, const std::string& util, const std::string& sparsity,
                      const energy_breakdown& b) {
        std::vector<std::string> r{name, parts, macs, nonskipped, util, sparsity, detail::energy_cell(b.computation)};
        for (std::size_t p = 0; p < b.positions(); ++p) r.push_back(detail::energy_cell(b.at_position(p)));
        r.push_back(detail::energy_cell(b.total()));
        return r;
    };
    for (const auto& l : e.layers) {
        std::int64_t parts = 0;
        for (const auto& p : l.parts) parts += p.count;
        rows.push_back(row_of(l.name, std::to_string(parts), detail::energy_cell(static_cast<double>(l.dense_macs())),
                              detail::energy_cell(l.nonskipped_macs()), detail::format_number(l.utilisation(), "%.3f"),
                              to_string(l.sparsity), l.energy));
    }
    rows.push_back(row_of("total", "", detail::energy_cell(static_cast<double>(e.dense_macs())),
                          detail::energy_cell(e.nonskipped_macs()), "", "", e.total));
    rows.push_back(row_of("per image", "", detail::energy_cell(static_cast<double>(e.dense_macs()) / static_cast<double>(e.batch)),
                          detail::energy_cell(e.nonskipped_macs() / static_cast<double>(e.batch)), "", "", e.per_image()));
    detail::print_aligned(out, rows);
}

/// The whole network: energy per image, computation against data movement, and the share of
/// each position and each data type.
inline void print_energy_summary(std::ostream& out, const network_energy& e) {
    detail::check_report_input("eap::print_energy_summary", e);
    const energy_breakdown img = e.per_image();
    const double total = img.total();
    auto share = [total](double v) { return detail::format_number(total > 0 ? 100.0 * v / total : 0.0, "%.1f%%"); };
    out << e.network << " on " << e.hardware << ", batch " << e.batch << ": " << detail::energy_cell(total) << ' '
        << to_string(e.unit) << " per image (" << detail::energy_cell(static_cast<double>(e.dense_macs()) / static_cast<double>(e.batch))
        << " MACs, " << detail::energy_cell(e.nonskipped_macs() / static_cast<double>(e.batch)) << " not skipped)\n";
    std::vector<std::vector<std::string>> rows{{"", "per image", "share"}};
    rows.push_back({"computation", detail::energy_cell(img.computation), share(img.computation)});
    rows.push_back({"data movement", detail::energy_cell(img.data_movement()), share(img.data_movement())});
    for (std::size_t p = 0; p < img.positions(); ++p)
        rows.push_back({"  " + e.positions[p], detail::energy_cell(img.at_position(p)), share(img.at_position(p))});
    for (data_type d : all_data_types)
        rows.push_back({std::string("  ") + to_string(d), detail::energy_cell(img.of_type(d)), share(img.of_type(d))});
    detail::print_aligned(out, rows);
}

/// The mapping of every part of every layer, with its folding and replica split.
inline void print_mappings(std::ostream& out, const network_energy& e) {
    for (const auto& l : e.layers)
        for (const auto& p : l.parts)
            out << l.name << ": " << p.count << " x " << p.search.part << "\n  " << p.search.folding << "\n  split "
                << p.search.split << "\n  mapping " << p.search.mapping << '\n';
}

/// Reads and writes of one layer per position and data type, dense and after the sparsity
/// rules, with the energy of each.
inline void print_access_counts(std::ostream& out, const layer_energy& l, const std::vector<std::string>& positions) {
    if (positions.size() != l.dense.positions())
        throw argument_error(detail::message("eap::print_access_counts: ", positions.size(), " position names for ",
                                             l.dense.positions(), " positions"));
    std::vector<std::vector<std::string>> rows{
        {"position", "data", "reads", "writes", "effective reads", "effective writes", "energy"}};
    for (std::size_t p = 0; p < l.dense.positions(); ++p)
        for (data_type d : all_data_types)
            rows.push_back({positions[p], to_string(d), std::to_string(l.dense.at(p)[d].reads),
                            std::to_string(l.dense.at(p)[d].writes), detail::energy_cell(l.effective.at[p][d].reads),
                            detail::energy_cell(l.effective.at[p][d].writes), detail::energy_cell(l.energy.movement[p][d])});
    rows.push_back({"MACs", "", std::to_string(l.dense.macs), "", detail::energy_cell(l.effective.macs), "",
                    detail::energy_cell(l.energy.computation)});
    detail::print_aligned(out, rows);
}

/// The full text report: table, summary, mappings.
inline void print_energy_report(std::ostream& out, const network_energy& e) {
    print_energy_table(out, e);
    out << '\n';
    print_energy_summary(out, e);
    out << '\n';
    print_mappings(out, e);
}

/// Writes the full text report to `path` (atomically: a complete file or none).
inline void write_energy_report(const std::filesystem::path& path, const network_energy& e) {
    detail::check_report_input("eap::write_energy_report", e);
    write_file_atomically(path, [&](std::ostream& out) { print_energy_report(out, e); });
}

}  // namespace eap
