// SPDX-License-Identifier: MIT
#pragma once

#include <cstddef>
#include <cstdint>
#include <cstdio>
#include <filesystem>
#include <fstream>
#include <sstream>
#include <string>
#include <system_error>
#include <vector>

#include "eap/engine/model.hpp"
#include "eap/engine/model_files.hpp"
#include "eap/error.hpp"
#include "eap/io/atomic_file.hpp"
#include "eap/network/network.hpp"

// What an energy-aware pruning run decided, and its saved state, so that a stopped run resumes
// from its last finished step: the round, the budget, the layer order and the layers done in the
// current round, and every finished round's operating point. The models live next to the state
// file: "current" (after the last finished layer) and "best" (the best operating point so far).

namespace eap {

/// What happened to one layer in one round.
struct layer_record {
    std::string layer;
    std::size_t index = 0;
    std::int64_t weights = 0;
    std::int64_t kept = 0;
    double keep_fraction = 1.0;
    double reference_accuracy = 0.0;
    double accuracy = 0.0;
    double energy_before = 0.0;  ///< the whole model, per image, before this layer was pruned
    double energy_after = 0.0;
    double relative_error = -1.0;  ///< output error of the layer's fit, relative
    int trials = 0;
    bool pruned = false;  ///< false: even the largest pruned fraction tried lost too much accuracy
};

/// The result of one round.
struct operating_point {
    int round = 0;
    double accuracy_budget = 0.0;  ///< what the round's layers could lose together before fine-tuning
    std::vector<layer_record> layers;  ///< in the order they were pruned
    double accuracy_before_fine_tuning = 0.0;
    double accuracy = 0.0;  ///< validation top-1 after fine-tuning
    double energy = 0.0;    ///< per image at the energy batch
    double energy_fraction = 1.0;
    std::int64_t nonzero_weights = 0;
    double nonskipped_macs = 0.0;  ///< per image
    bool meets_limit = false;
};

/// What `prune_for_energy` saves after every layer and every round.
struct pruning_state {
    int round = 0;
    double budget = 0.0;
    bool in_round = false;             ///< a round is under way: `order` and `layers` describe it
    std::vector<std::size_t> order;    ///< the layers of the current round, in pruning order
    std::vector<layer_record> layers;  ///< the layers of the current round already pruned
    std::vector<operating_point> finished_points;
};

namespace detail {

inline const char* const pruning_state_file = "pruning_state.txt";

inline std::string exact(double v) {
    char buffer[40];
    std::snprintf(buffer, sizeof buffer, "%.17g", v);
    return buffer;
}

inline void write_layer_record(std::ostream& out, const char* tag, const layer_record& r) {
    out << tag << ' ' << r.index << ' ' << r.weights << ' ' << r.kept << ' ' << exact(r.keep_fraction) << ' '
        << exact(r.reference_accuracy) << ' ' << exact(r.accuracy) << ' ' << exact(r.energy_before) << ' '
        << exact(r.energy_after) << ' ' << exact(r.relative_error) << ' ' << r.trials << ' ' << (r.pruned ? 1 : 0)
        << '\n';
}

/// Reads the fields after the tag of one state line, checking that all were there.
class state_line {
public:
    state_line(const std::string& file, std::size_t number, const std::string& text)
        : file_(file), number_(number), in_(text) {
        in_ >> tag_;
    }
    const std::string& tag() const { return tag_; }
    template <class T>
    T next(const char* field) {
        T value{};
        if (!(in_ >> value)) throw parse_error(file_, number_, field, "missing or not a number");
        return value;
    }
    [[noreturn]] void fail(const char* field, const std::string& what) const {
        throw parse_error(file_, number_, field, what);
    }

private:
    std::string file_;
    std::size_t number_;
    std::istringstream in_;
    std::string tag_;
};

inline layer_record read_layer_record(state_line& line, const network& net) {
    layer_record r;
    r.index = line.next<std::size_t>("index");
    if (r.index >= net.size() || !net[r.index].is_compute())
        line.fail("index", "is not a CONV or FC layer of the network '" + net.name() + "'");
    r.layer = net[r.index].name;
    r.weights = line.next<std::int64_t>("weights");
    r.kept = line.next<std::int64_t>("kept");
    r.keep_fraction = line.next<double>("keep_fraction");
    r.reference_accuracy = line.next<double>("reference_accuracy");
    r.accuracy = line.next<double>("accuracy");
    r.energy_before = line.next<double>("energy_before");
    r.energy_after = line.next<double>("energy_after");
    r.relative_error = line.next<double>("relative_error");
    r.trials = line.next<int>("trials");
    r.pruned = line.next<int>("pruned") != 0;
    return r;
}

}  // namespace detail

inline bool pruning_state_exists(const std::filesystem::path& directory) {
    return std::filesystem::exists(directory / detail::pruning_state_file);
}

/// Writes `state` to `directory/pruning_state.txt` (through a temporary file and a rename).
inline void save_pruning_state(const std::filesystem::path& directory, const pruning_state& state) {
    std::error_code ec;
    std::filesystem::create_directories(directory, ec);
    if (ec) throw io_error("eap::save_pruning_state: cannot create '" + directory.string() + "': " + ec.message());
    write_file_atomically(directory / detail::pruning_state_file, [&state](std::ostream& out) {
        out << "eap-pruning-state 1\n";
        out << "round " << state.round << "\nbudget " << detail::exact(state.budget) << "\nin_round "
            << (state.in_round ? 1 : 0) << "\norder";
        for (std::size_t i : state.order) out << ' ' << i;
        out << '\n';
        for (const auto& r : state.layers) detail::write_layer_record(out, "layer", r);
        for (const auto& p : state.finished_points) {
            out << "point " << p.round << ' ' << detail::exact(p.accuracy_budget) << ' '
                << detail::exact(p.accuracy_before_fine_tuning) << ' ' << detail::exact(p.accuracy) << ' '
                << detail::exact(p.energy) << ' ' << detail::exact(p.energy_fraction) << ' ' << p.nonzero_weights << ' '
                << detail::exact(p.nonskipped_macs) << ' ' << (p.meets_limit ? 1 : 0) << ' ' << p.layers.size() << '\n';
            for (const auto& r : p.layers) detail::write_layer_record(out, "point_layer", r);
        }
    });
}

/// Reads the state saved in `directory` for a run on `net`; throws `eap::parse_error` (file,
/// line, field) when the file is malformed or names layers `net` does not have.
inline pruning_state load_pruning_state(const std::filesystem::path& directory, const network& net) {
    const std::filesystem::path path = directory / detail::pruning_state_file;
    std::ifstream in(path);
    if (!in) throw io_error("eap::load_pruning_state: cannot open '" + path.string() + "'");
    const std::string file = path.string();
    pruning_state state;
    std::string text;
    std::size_t number = 0;
    std::size_t point_layers_left = 0;
    while (std::getline(in, text)) {
        ++number;
        detail::state_line line(file, number, text);
        const std::string& tag = line.tag();
        if (number == 1) {
            if (tag != "eap-pruning-state" || line.next<int>("version") != 1)
                line.fail("version", "not an eap pruning state (version 1)");
        } else if (tag == "round") {
            state.round = line.next<int>("round");
        } else if (tag == "budget") {
            state.budget = line.next<double>("budget");
        } else if (tag == "in_round") {
            state.in_round = line.next<int>("in_round") != 0;
        } else if (tag == "order") {
            std::size_t i = 0;
            std::istringstream rest(text.substr(5));
            while (rest >> i) {
                if (i >= net.size() || !net[i].is_compute()) line.fail("order", "names a layer that is not CONV or FC");
                state.order.push_back(i);
            }
        } else if (tag == "layer") {
            state.layers.push_back(detail::read_layer_record(line, net));
        } else if (tag == "point") {
            operating_point p;
            p.round = line.next<int>("round");
            p.accuracy_budget = line.next<double>("accuracy_budget");
            p.accuracy_before_fine_tuning = line.next<double>("accuracy_before_fine_tuning");
            p.accuracy = line.next<double>("accuracy");
            p.energy = line.next<double>("energy");
            p.energy_fraction = line.next<double>("energy_fraction");
            p.nonzero_weights = line.next<std::int64_t>("nonzero_weights");
            p.nonskipped_macs = line.next<double>("nonskipped_macs");
            p.meets_limit = line.next<int>("meets_limit") != 0;
            point_layers_left = line.next<std::size_t>("layers");
            state.finished_points.push_back(p);
        } else if (tag == "point_layer") {
            if (point_layers_left == 0) line.fail("point_layer", "more layers than its point announced");
            state.finished_points.back().layers.push_back(detail::read_layer_record(line, net));
            --point_layers_left;
        } else if (!tag.empty()) {
            line.fail(tag.c_str(), "unknown line");
        }
    }
    if (number == 0) throw parse_error(file, 0, "", "the file is empty");
    if (point_layers_left != 0) throw parse_error(file, number, "point_layer", "the file ends inside a point");
    return state;
}

/// Saves a model directory so that a crash while saving never leaves a mix of old and new
/// files under `directory`: the model is written next to it and swapped in.
inline void save_pruning_model(const std::filesystem::path& directory, const engine::model& m) {
    const std::filesystem::path fresh = directory.string() + ".new", old = directory.string() + ".old";
    std::error_code ec;
    std::filesystem::remove_all(fresh, ec);
    engine::save_model(m, fresh);
    std::filesystem::remove_all(old, ec);
    if (std::filesystem::exists(directory)) std::filesystem::rename(directory, old);
    std::filesystem::rename(fresh, directory);
    std::filesystem::remove_all(old, ec);
}

/// Loads a model saved by `save_pruning_model` (also after a crash between its two renames).
inline engine::model load_pruning_model(const std::filesystem::path& directory) {
    if (!std::filesystem::exists(directory) && std::filesystem::exists(directory.string() + ".old"))
        return engine::load_model(directory.string() + ".old");
    return engine::load_model(directory);
}

}  // namespace eap
