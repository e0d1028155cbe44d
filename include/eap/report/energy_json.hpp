// SPDX-License-Identifier: MIT
#pragma once

#include <cstddef>
#include <filesystem>
#include <ostream>
#include <string>

#include "eap/detail/json_writer.hpp"
#include "eap/energy/energy_model.hpp"
#include "eap/io/atomic_file.hpp"
#include "eap/mapping/row_stationary_mapping.hpp"
#include "eap/report/energy_table.hpp"

namespace eap {

namespace detail {

inline void write_json_breakdown(std::ostream& out, const energy_breakdown& b, const std::vector<std::string>& positions) {
    out << "{\"computation\": ";
    write_json_number(out, b.computation);
    out << ", \"data_movement\": ";
    write_json_number(out, b.data_movement());
    out << ", \"total\": ";
    write_json_number(out, b.total());
    out << ", \"by_type\": {";
    for (data_type d : all_data_types) {
        out << (d == data_type::weights ? "" : ", ") << '"' << to_string(d) << "\": ";
        write_json_number(out, b.of_type(d));
    }
    out << "}, \"by_position\": [";
    for (std::size_t p = 0; p < b.positions(); ++p) {
        out << (p ? ", " : "") << "{\"position\": ";
        write_json_string(out, positions[p]);
        for (data_type d : all_data_types) {
            out << ", \"" << to_string(d) << "\": ";
            write_json_number(out, b.movement[p][d]);
        }
        out << ", \"total\": ";
        write_json_number(out, b.at_position(p));
        out << '}';
    }
    out << "]}";
}

}  // namespace detail

/// The estimate as one JSON document: network, hardware, unit, batch, position names, the
/// total (over the batch and per image), and per layer its shape, sparsity, MACs, utilisation,
/// parts (part shape, folding, replica split, mapping string), access counts per position and
/// data type (dense and effective reads and writes) and energy breakdown.
inline void write_energy_json(std::ostream& out, const network_energy& e) {
    detail::check_report_input("eap::write_energy_json", e);
    using detail::write_json_number;
    using detail::write_json_string;
    out << "{\n  \"network\": ";
    write_json_string(out, e.network);
    out << ",\n  \"hardware\": ";
    write_json_string(out, e.hardware);
    out << ",\n  \"unit\": ";
    write_json_string(out, to_string(e.unit));
    out << ",\n  \"batch\": " << e.batch << ",\n  \"positions\": [";
    for (std::size_t p = 0; p < e.positions.size(); ++p) {
        out << (p ? ", " : "");
        write_json_string(out, e.positions[p]);
    }
    out << "],\n  \"dense_macs\": " << e.dense_macs() << ",\n  \"nonskipped_macs\": ";
    write_json_number(out, e.nonskipped_macs());
    out << ",\n  \"total\": ";
    detail::write_json_breakdown(out, e.total, e.positions);
    out << ",\n  \"per_image\": ";
    detail::write_json_breakdown(out, e.per_image(), e.positions);
    out << ",\n  \"layers\": [";
    for (std::size_t i = 0; i < e.layers.size(); ++i) {
        const layer_energy& l = e.layers[i];
        const conv_shape& s = l.shape;
        out << (i ? "," : "") << "\n    {\"name\": ";
        write_json_string(out, l.name);
        out << ", \"shape\": {\"batch\": " << s.batch << ", \"in_channels\": " << s.in_channels
            << ", \"out_channels\": " << s.out_channels << ", \"in_height\": " << s.in_height
            << ", \"in_width\": " << s.in_width << ", \"kernel_height\": " << s.kernel_height
            << ", \"kernel_width\": " << s.kernel_width << ", \"stride_height\": " << s.stride_height
            << ", \"stride_width\": " << s.stride_width << ", \"pad\": [" << s.pad.top << ", " << s.pad.bottom << ", "
            << s.pad.left << ", " << s.pad.right << "], \"groups\": " << s.groups << "}";
        out << ", \"sparsity\": ";
        write_json_string(out, to_string(l.sparsity));
        out << ", \"density\": {\"weights\": ";
        write_json_number(out, l.density.weights);
        out << ", \"ifmaps\": ";
        write_json_number(out, l.density.ifmaps);
        out << ", \"ofmaps\": ";
        write_json_number(out, l.density.ofmaps);
        out << "}, \"word_bits\": {\"weights\": " << l.word_bits[data_type::weights]
            << ", \"ifmaps\": " << l.word_bits[data_type::ifmaps] << ", \"psums\": " << l.word_bits[data_type::psums]
            << "}, \"input_is_image\": " << (l.input_is_image ? "true" : "false")
            << ", \"dense_macs\": " << l.dense_macs() << ", \"nonskipped_macs\": ";
        write_json_number(out, l.nonskipped_macs());
        out << ", \"utilisation\": ";
        write_json_number(out, l.utilisation());
        out << ", \"cycles\": " << l.dense.cycles << ",\n     \"parts\": [";
        for (std::size_t j = 0; j < l.parts.size(); ++j) {
            const auto& p = l.parts[j];
            const auto& r = p.search;
            out << (j ? ", " : "") << "{\"count\": " << p.count << ", \"in_channels\": " << r.part.in_channels
                << ", \"out_channels\": " << r.part.out_channels << ", \"out_height\": " << r.part.out_height
                << ", \"out_width\": " << r.part.out_width << ", \"folds\": [" << r.folding.fold_height << ", "
                << r.folding.fold_width << "], \"replicas\": [" << r.folding.replicas_height << ", "
                << r.folding.replicas_width << "], \"in_replicas\": " << r.split.in_replicas
                << ", \"out_replicas\": " << r.split.out_replicas << ", \"mapping\": ";
            write_json_string(out, to_string(r.mapping));
            out << ", \"access_energy\": ";
            write_json_number(out, r.access_energy);
            out << '}';
        }
        out << "],\n     \"accesses\": [";
        for (std::size_t p = 0; p < l.dense.positions(); ++p) {
            out << (p ? ", " : "") << "{\"position\": ";
            write_json_string(out, e.positions[p]);
            for (data_type d : all_data_types) {
                out << ", \"" << to_string(d) << "\": {\"reads\": " << l.dense.at(p)[d].reads
                    << ", \"writes\": " << l.dense.at(p)[d].writes << ", \"effective_reads\": ";
                write_json_number(out, l.effective.at[p][d].reads);
                out << ", \"effective_writes\": ";
                write_json_number(out, l.effective.at[p][d].writes);
                out << '}';
            }
            out << '}';
        }
        out << "],\n     \"energy\": ";
        detail::write_json_breakdown(out, l.energy, e.positions);
        out << '}';
    }
    out << "\n  ]\n}\n";
}

/// `write_energy_json` to a file, atomically.
inline void write_energy_json(const std::filesystem::path& path, const network_energy& e) {
    detail::check_report_input("eap::write_energy_json", e);
    write_file_atomically(path, [&](std::ostream& out) { write_energy_json(out, e); });
}

}  // namespace eap
