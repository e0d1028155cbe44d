// SPDX-License-Identifier: MIT
#pragma once

#include <cstddef>
#include <cstdint>
#include <filesystem>
#include <ostream>
#include <string>

#include "eap/detail/json_writer.hpp"
#include "eap/energy/energy_model.hpp"
#include "eap/io/atomic_file.hpp"
#include "eap/mapping/row_stationary_mapping.hpp"
#include "eap/report/energy_table.hpp"

namespace eap {

/// One CSV row per CONV/FC layer (energies over the batch, full precision):
///
///     layer,N,C,M,H,W,R,S,stride_h,stride_w,groups,parts,dense_macs,nonskipped_macs,utilisation,
///     sparsity,density_weights,density_ifmaps,density_ofmaps,computation,<position>...,
///     weights,ifmaps,psums,total,mapping
///
/// where each <position> column is the energy at that storage level, the array network or the
/// scratchpads, and `mapping` lists the mapping of each part group as "count x mapping",
/// separated by " | ".
inline void write_energy_csv(std::ostream& out, const network_energy& e) {
    detail::check_report_input("eap::write_energy_csv", e);
    out << "layer,N,C,M,H,W,R,S,stride_h,stride_w,groups,parts,dense_macs,nonskipped_macs,utilisation,sparsity,"
           "density_weights,density_ifmaps,density_ofmaps,computation";
    for (const auto& p : e.positions) {
        out << ',';
        detail::write_csv_field(out, p);
    }
    out << ",weights,ifmaps,psums,total,mapping\n";
    auto number = [&out](double v) {
        out << ',';
        detail::write_json_number(out, v);
    };
    for (const auto& l : e.layers) {
        detail::write_csv_field(out, l.name);
        const conv_shape& s = l.shape;
        std::int64_t parts = 0;
        std::string mapping;
        for (const auto& p : l.parts) {
            parts += p.count;
            if (!mapping.empty()) mapping += " | ";
            mapping += std::to_string(p.count) + " x " + to_string(p.search.mapping);
        }
        out << ',' << s.batch << ',' << s.in_channels << ',' << s.out_channels << ',' << s.in_height << ','
            << s.in_width << ',' << s.kernel_height << ',' << s.kernel_width << ',' << s.stride_height << ','
            << s.stride_width << ',' << s.groups << ',' << parts << ',' << l.dense_macs();
        number(l.nonskipped_macs());
        number(l.utilisation());
        out << ',' << to_string(l.sparsity);
        number(l.density.weights);
        number(l.density.ifmaps);
        number(l.density.ofmaps);
        number(l.energy.computation);
        for (std::size_t p = 0; p < l.energy.positions(); ++p) number(l.energy.at_position(p));
        for (data_type d : all_data_types) number(l.energy.of_type(d));
        number(l.energy.total());
        out << ',';
        detail::write_csv_field(out, mapping);
        out << '\n';
    }
}

/// One CSV row per layer, position and data type with the dense and effective reads and writes
/// and their energy: `layer,position,data_type,reads,writes,effective_reads,effective_writes,energy`;
/// then one `layer,MAC,,macs,,nonskipped_macs,,energy` row per layer.
inline void write_access_csv(std::ostream& out, const network_energy& e) {
    detail::check_report_input("eap::write_access_csv", e);
    out << "layer,position,data_type,reads,writes,effective_reads,effective_writes,energy\n";
    for (const auto& l : e.layers) {
        for (std::size_t p = 0; p < l.dense.positions(); ++p)
            for (data_type d : all_data_types) {
                detail::write_csv_field(out, l.name);
                out << ',';
                detail::write_csv_field(out, e.positions[p]);
                out << ',' << to_string(d) << ',' << l.dense.at(p)[d].reads << ',' << l.dense.at(p)[d].writes << ',';
                detail::write_json_number(out, l.effective.at[p][d].reads);
                out << ',';
                detail::write_json_number(out, l.effective.at[p][d].writes);
                out << ',';
                detail::write_json_number(out, l.energy.movement[p][d]);
                out << '\n';
            }
        detail::write_csv_field(out, l.name);
        out << ",MAC,," << l.dense.macs << ",,";
        detail::write_json_number(out, l.effective.macs);
        out << ",,";
        detail::write_json_number(out, l.energy.computation);
        out << '\n';
    }
}

/// `write_energy_csv` to a file, atomically.
inline void write_energy_csv(const std::filesystem::path& path, const network_energy& e) {
    detail::check_report_input("eap::write_energy_csv", e);
    write_file_atomically(path, [&](std::ostream& out) { write_energy_csv(out, e); });
}

/// `write_access_csv` to a file, atomically.
inline void write_access_csv(const std::filesystem::path& path, const network_energy& e) {
    detail::check_report_input("eap::write_access_csv", e);
    write_file_atomically(path, [&](std::ostream& out) { write_access_csv(out, e); });
}

}  // namespace eap
