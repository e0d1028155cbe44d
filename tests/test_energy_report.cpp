// Text, CSV and JSON reports of an energy estimate.
#include <cstdio>
#include <filesystem>
#include <fstream>
#include <sstream>
#include <string>
#include <vector>

#include <unistd.h>

#include "catch.hpp"
#include "eap/energy/energy_model.hpp"
#include "eap/hardware/presets.hpp"
#include "eap/report/energy_charts.hpp"
#include "eap/report/energy_csv.hpp"
#include "eap/report/energy_json.hpp"
#include "eap/report/energy_table.hpp"
#include "eap/zoo/zoo.hpp"

#if __has_include(<nlohmann/json.hpp>)
#include <nlohmann/json.hpp>
#define EAP_TEST_HAVE_JSON 1
#endif

namespace {

const eap::network_energy& estimate() {
    static const eap::network_energy e = [] {
        eap::network_energy_options o;
        o.layers["conv2"].density = eap::layer_density{0.4, 0.5, 0.3};
        return eap::estimate_network_energy(eap::presets::eyeriss_v1_hardware(), eap::zoo::alexnet(), 4, o);
    }();
    return e;
}

std::vector<std::string> split_csv_line(const std::string& line) {
    std::vector<std::string> out;
    std::string cur;
    bool quoted = false;
    for (std::size_t i = 0; i < line.size(); ++i) {
        const char c = line[i];
        if (quoted) {
            if (c == '"' && i + 1 < line.size() && line[i + 1] == '"') {
                cur += '"';
                ++i;
            } else if (c == '"') {
                quoted = false;
            } else {
                cur += c;
            }
        } else if (c == '"') {
            quoted = true;
        } else if (c == ',') {
            out.push_back(cur);
            cur.clear();
        } else {
            cur += c;
        }
    }
    out.push_back(cur);
    return out;
}

std::string read_file(const std::filesystem::path& p) {
    std::ifstream in(p);
    std::stringstream ss;
    ss << in.rdbuf();
    return ss.str();
}

}  // namespace

TEST_CASE("the text report lists every layer, the totals, the summary and the mappings", "[report]") {
    std::ostringstream out;
    eap::print_energy_report(out, estimate());
    const std::string text = out.str();
    for (const auto& l : estimate().layers) CHECK(text.find(l.name) != std::string::npos);
    CHECK(text.find("per image") != std::string::npos);
    CHECK(text.find("data movement") != std::string::npos);
    CHECK(text.find("array network") != std::string::npos);
    CHECK(text.find("densities") != std::string::npos);
    CHECK(text.find(eap::to_string(estimate().layers[0].parts[0].search.mapping)) != std::string::npos);
    std::ostringstream counts;
    eap::print_access_counts(counts, estimate().layers[1], estimate().positions);
    CHECK(counts.str().find(std::to_string(estimate().layers[1].dense.storage[0][eap::data_type::weights].reads)) !=
          std::string::npos);
    CHECK_THROWS_AS(eap::print_access_counts(counts, estimate().layers[1], {"DRAM"}), eap::argument_error);
    eap::network_energy broken = estimate();
    broken.positions.pop_back();
    CHECK_THROWS_AS(eap::print_energy_table(out, broken), eap::argument_error);
}

TEST_CASE("the CSV reports hold the numbers at full precision", "[report]") {
    std::ostringstream out;
    eap::write_energy_csv(out, estimate());
    std::istringstream in(out.str());
    std::string line;
    std::getline(in, line);
    const auto head = split_csv_line(line);
    CHECK(head.front() == "layer");
    CHECK(head.back() == "mapping");
    std::size_t rows = 0;
    while (std::getline(in, line)) {
        const auto f = split_csv_line(line);
        REQUIRE(f.size() == head.size());
        const eap::layer_energy& l = estimate().layers[rows];
        CHECK(f[0] == l.name);
        std::size_t total_column = 0;
        for (std::size_t i = 0; i < head.size(); ++i)
            if (head[i] == "total") total_column = i;
        CHECK(std::stod(f[total_column]) == l.energy.total());
        CHECK(f.back().find(eap::to_string(l.parts[0].search.mapping)) != std::string::npos);
        ++rows;
    }
    CHECK(rows == estimate().layers.size());

    std::ostringstream access;
    eap::write_access_csv(access, estimate());
    std::istringstream ain(access.str());
    std::getline(ain, line);
    CHECK(line == "layer,position,data_type,reads,writes,effective_reads,effective_writes,energy");
    double energy = 0.0;
    std::size_t lines = 0;
    while (std::getline(ain, line)) {
        const auto f = split_csv_line(line);
        REQUIRE(f.size() == 8);
        energy += std::stod(f[7]);
        ++lines;
    }
    CHECK(lines == estimate().layers.size() * 13);
    CHECK(energy == Approx(estimate().total.total()).epsilon(1e-12));
}

TEST_CASE("the JSON report is valid JSON with the estimate's numbers", "[report]") {
    std::ostringstream out;
    eap::write_energy_json(out, estimate());
    const std::string text = out.str();
    CHECK(text.find("\"network\": \"alexnet\"") != std::string::npos);
#ifdef EAP_TEST_HAVE_JSON
    const nlohmann::json j = nlohmann::json::parse(text);
    CHECK(j["batch"] == 4);
    CHECK(j["positions"].size() == 4);
    CHECK(j["total"]["total"].get<double>() == estimate().total.total());
    CHECK(j["per_image"]["total"].get<double>() == estimate().per_image().total());
    REQUIRE(j["layers"].size() == estimate().layers.size());
    for (std::size_t i = 0; i < estimate().layers.size(); ++i) {
        const auto& l = estimate().layers[i];
        const auto& jl = j["layers"][i];
        CHECK(jl["name"] == l.name);
        CHECK(jl["dense_macs"].get<std::int64_t>() == l.dense_macs());
        CHECK(jl["energy"]["total"].get<double>() == l.energy.total());
        CHECK(jl["parts"][0]["mapping"] == eap::to_string(l.parts[0].search.mapping));
        CHECK(jl["accesses"][0]["weights"]["reads"].get<std::int64_t>() ==
              l.dense.storage[0][eap::data_type::weights].reads);
        CHECK(jl["energy"]["by_position"][0]["position"] == "DRAM");
    }
#endif
    // Strings are escaped.
    eap::network_energy named = estimate();
    named.network = "a \"quoted\"\nname";
    std::ostringstream escaped;
    eap::write_energy_json(escaped, named);
    CHECK(escaped.str().find("a \\\"quoted\\\"\\nname") != std::string::npos);
}

TEST_CASE("report files are written whole", "[report]") {
    const auto dir = std::filesystem::temp_directory_path() / ("eap_report_test_" + std::to_string(::getpid()));
    std::filesystem::create_directories(dir);
    eap::write_energy_json(dir / "e.json", estimate());
    eap::write_energy_csv(dir / "e.csv", estimate());
    eap::write_access_csv(dir / "a.csv", estimate());
    eap::write_energy_report(dir / "e.txt", estimate());
    std::ostringstream json, csv, access, text;
    eap::write_energy_json(json, estimate());
    eap::write_energy_csv(csv, estimate());
    eap::write_access_csv(access, estimate());
    eap::print_energy_report(text, estimate());
    CHECK(read_file(dir / "e.json") == json.str());
    CHECK(read_file(dir / "e.csv") == csv.str());
    CHECK(read_file(dir / "a.csv") == access.str());
    CHECK(read_file(dir / "e.txt") == text.str());
    CHECK_THROWS_AS(eap::write_energy_json(dir / "missing" / "e.json", estimate()), eap::io_error);
    std::filesystem::remove_all(dir);
}

// ---------------------------------------------------------------------------------------------
// Charts of an estimate.

namespace {

double bar_sum(const eap::chart::stacked_bar_chart& c, std::size_t bar) {
    double s = 0.0;
    for (const auto& series : c.series) s += series.values.at(bar);
    return s;
}

}  // namespace

TEST_CASE("energy charts: one bar per layer, its stack adds up to the layer's energy per image", "[report][chart]") {
    const eap::network_energy& e = estimate();
    for (eap::energy_split split : {eap::energy_split::data_type, eap::energy_split::position}) {
        eap::energy_chart_options o;
        o.split = split;
        const eap::chart::stacked_bar_chart c = eap::layer_energy_chart(e, o);
        REQUIRE(c.categories.size() == e.layers.size());
        REQUIRE(c.series.size() == 1 + (split == eap::energy_split::data_type ? eap::data_type_count : e.positions.size()));
        CHECK(c.series[0].name == "computation");
        for (std::size_t i = 0; i < e.layers.size(); ++i) {
            CHECK(c.categories[i] == e.layers[i].name);
            CHECK(bar_sum(c, i) == Approx(e.layers[i].energy.total() / 4.0).epsilon(1e-12));
            CHECK(c.series[0].values[i] == Approx(e.layers[i].energy.computation / 4.0).epsilon(1e-12));
        }
        if (split == eap::energy_split::position)
            for (std::size_t p = 0; p < e.positions.size(); ++p) CHECK(c.series[p + 1].name == e.positions[p]);
        CHECK(c.y_label == "energy per image (one MAC = 1)");
        CHECK(c.title.find("batch 4") != std::string::npos);
        o.shares = true;
        o.title = "shares";
        const eap::chart::stacked_bar_chart shares = eap::layer_energy_chart(e, o);
        CHECK(shares.title == "shares");
        for (std::size_t i = 0; i < e.layers.size(); ++i) CHECK(bar_sum(shares, i) == Approx(100.0).epsilon(1e-12));
    }
}

TEST_CASE("energy charts: one bar per network, labelled, and bad input rejected", "[report][chart]") {
    const eap::network_energy& four = estimate();
    const eap::network_energy one =
        eap::estimate_network_energy(eap::presets::eyeriss_v1_hardware(), eap::zoo::alexnet(), 1);
    const eap::chart::stacked_bar_chart c = eap::network_energy_chart({four, one}, {}, {"batch 4", "batch 1"});
    REQUIRE(c.categories == std::vector<std::string>{"batch 4", "batch 1"});
    CHECK(bar_sum(c, 0) == Approx(four.per_image().total()).epsilon(1e-12));
    CHECK(bar_sum(c, 1) == Approx(one.per_image().total()).epsilon(1e-12));
    // Batching shares the weights: less weight energy per image at batch 4.
    CHECK(c.series[1].name == "weights");
    CHECK(c.series[1].values[0] < c.series[1].values[1]);
    CHECK(eap::network_energy_chart({one}).categories == std::vector<std::string>{one.network});

    CHECK_THROWS_WITH(eap::network_energy_chart({}), Catch::Contains("no estimates"));
    CHECK_THROWS_WITH(eap::network_energy_chart({one}, {}, {"a", "b"}), Catch::Contains("2 labels for 1 estimates"));
    eap::network_energy other = one;
    other.positions.back() = "elsewhere";
    CHECK_THROWS_AS(eap::network_energy_chart({one, other}), eap::argument_error);
    eap::network_energy empty = one;
    empty.layers.clear();
    CHECK_THROWS_WITH(eap::layer_energy_chart(empty), Catch::Contains("no layers"));
}
