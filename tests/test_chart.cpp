#include <array>
#include <filesystem>
#include <fstream>
#include <random>
#include <regex>
#include <sstream>
#include <string>
#include <vector>

#include "catch.hpp"
#include "eap/chart/bar_chart.hpp"
#include "eap/chart/detail/label_placement.hpp"
#include "eap/chart/scatter_chart.hpp"

namespace {

// A minimal XML well-formedness check: every element opened is closed in order.
bool balanced_xml(const std::string& text) {
    std::vector<std::string> open;
    std::size_t i = 0;
    while ((i = text.find('<', i)) != std::string::npos) {
        const std::size_t end = text.find('>', i);
        if (end == std::string::npos) return false;
        const std::string tag = text.substr(i + 1, end - i - 1);
        i = end + 1;
        if (tag.empty() || tag[0] == '?') continue;
        if (tag[0] == '/') {
            if (open.empty() || open.back() != tag.substr(1)) return false;
            open.pop_back();
        } else if (tag.back() != '/') {
            open.push_back(tag.substr(0, tag.find(' ')));
        }
    }
    return open.empty();
}

std::vector<double> attribute_values(const std::string& svg, const std::string& element, const std::string& attribute) {
    std::vector<double> out;
    const std::regex re("<" + element + " [^>]*" + attribute + "=\"([-0-9.]+)\"");
    for (auto it = std::sregex_iterator(svg.begin(), svg.end(), re); it != std::sregex_iterator(); ++it)
        out.push_back(std::stod((*it)[1]));
    return out;
}

}  // namespace

TEST_CASE("linear axes have nice ticks covering the data", "[chart]") {
    std::mt19937_64 rng(3);
    std::uniform_real_distribution<double> mag(-6, 12), frac(0, 1);
    for (int trial = 0; trial < 500; ++trial) {
        const double hi = std::pow(10.0, mag(rng)) * (0.1 + frac(rng));
        const double lo = trial % 2 ? hi * frac(rng) : 0.0;
        for (bool zero : {true, false}) {
            const eap::chart::axis a = eap::chart::linear_axis(lo, hi, 6, zero);
            REQUIRE(a.ticks.size() >= 3);
            CHECK(a.ticks.size() <= 14);
            CHECK(a.low <= lo * (1 + 1e-12));
            CHECK(a.high >= hi * (1 - 1e-12));
            if (zero) CHECK(a.low == 0.0);
            const double step = a.ticks[1] - a.ticks[0];
            const double mantissa = step / std::pow(10.0, std::floor(std::log10(step) + 1e-9));
            const bool nice = std::abs(mantissa - 1) < 1e-6 || std::abs(mantissa - 2) < 1e-6 ||
                              std::abs(mantissa - 2.5) < 1e-6 || std::abs(mantissa - 5) < 1e-6;
            CHECK(nice);
        }
    }
    const auto l = eap::chart::log_axis(3e7, 4.2e9);
    CHECK(l.low == 1e7);
    CHECK(l.high == 1e10);
    CHECK(l.ticks.size() == 4);
    CHECK(l.fraction(1e8) == Approx(1.0 / 3.0));
    CHECK_THROWS_AS(eap::chart::log_axis(0.0, 1.0), eap::argument_error);
    CHECK(eap::chart::tick_label(2.5e9) == "2.5G");
    CHECK(eap::chart::tick_label(1500) == "1500");
    CHECK(eap::chart::tick_label(15000) == "15k");
    CHECK(eap::chart::tick_label(0.25) == "0.25");
}

TEST_CASE("stacked bar chart: bar heights are proportional to the values and the CSV holds them", "[chart]") {
    eap::chart::stacked_bar_chart chart;
    chart.title = "energy per layer";
    chart.x_label = "layer";
    chart.y_label = "energy (x MAC)";
    chart.categories = {"conv1", "conv2", "fc<6>&"};
    chart.series = {{"weights", {1.0, 2.0, 30.0}}, {"ifmaps", {4.0, 0.0, 1.0}}, {"psums", {2.0, 2.0, 0.5}}};
    const std::string svg = eap::chart::to_svg(chart);
    CHECK(balanced_xml(svg));
    CHECK(svg.find("fc&lt;6&gt;&amp;") != std::string::npos);
    CHECK(svg.find("fc<6>") == std::string::npos);
    // One rectangle per non-zero value, plus three legend swatches and the background.
    const auto heights = attribute_values(svg, "rect", "height");
    REQUIRE(heights.size() == 8 + 3 + 1);
    // The 320-pixel plot spans the axis 0..40 (ticks of 10 for a top of 31.5); conv1 stacks 1 + 4 + 2 = 7.
    const eap::chart::axis y = eap::chart::linear_axis(0, 31.5);
    CHECK(y.high == 40.0);
    CHECK(heights[1] + heights[2] + heights[3] == Approx(320.0 * 7.0 / 40.0).margin(0.02));
    CHECK(heights[6] == Approx(320.0 * 30.0 / 40.0).margin(0.01));

    std::ostringstream csv;
    eap::chart::write_csv(csv, chart);
    CHECK(csv.str() == "layer,weights,ifmaps,psums,total\nconv1,1,4,2,7\nconv2,2,0,2,4\nfc<6>&,30,1,0.5,31.5\n");

    chart.series[1].values.pop_back();
    CHECK_THROWS_WITH(eap::chart::to_svg(chart), Catch::Contains("series 'ifmaps' has 2 values for 3 categories"));
    chart.series[1].values = {1, -1, 0};
    CHECK_THROWS_AS(eap::chart::to_svg(chart), eap::argument_error);
}

TEST_CASE("scatter chart places points on log and linear axes and connects groups", "[chart]") {
    eap::chart::scatter_chart chart;
    chart.title = "energy vs accuracy";
    chart.x_label = "energy";
    chart.y_label = "top-5 accuracy (%)";
    chart.log_x = true;
    chart.connect_groups = true;
    chart.points = {{"AlexNet", 3.97e9, 80.43, "AlexNet"},
                    {"AlexNet pruned", 1.06e9, 79.56, "AlexNet"},
                    {"GoogLeNet", 7.63e9, 88.26, "GoogLeNet"},
                    {"GoogLeNet, \"pruned\"", 4.76e9, 87.28, "GoogLeNet"}};
    const std::string svg = eap::chart::to_svg(chart);
    CHECK(balanced_xml(svg));
    const auto cx = attribute_values(svg, "circle", "cx");
    REQUIRE(cx.size() == 4 + 2);  // points, then one legend marker per group, in group order
    // x axis 1e9..1e10 over 560 px starting at 80.
    CHECK(cx[0] == Approx(80 + 560 * std::log10(3.97)).margin(0.01));
    CHECK(cx[1] == Approx(80 + 560 * std::log10(1.06)).margin(0.01));
    CHECK(attribute_values(svg, "line", "stroke-width").size() > 0);
    CHECK(svg.find("stroke-dasharray") != std::string::npos);  // the original -> pruned connectors
    std::ostringstream csv;
    eap::chart::write_csv(csv, chart);
    CHECK_THAT(csv.str(), Catch::Contains("\"GoogLeNet, \"\"pruned\"\"\",GoogLeNet,4760000000,87.28"));
    chart.points.push_back({"zero", 0.0, 50.0, "x"});
    CHECK_THROWS_WITH(eap::chart::to_svg(chart), Catch::Contains("not positive on a logarithmic axis"));
}

TEST_CASE("charts are saved as SVG and CSV side by side", "[chart]") {
    const auto dir = std::filesystem::temp_directory_path() / ("eap_chart_test_" + std::to_string(std::random_device{}()));
    std::filesystem::create_directories(dir);
    eap::chart::stacked_bar_chart chart{"t", "layer", "energy", {"a", "b"}, {{"s", {1.0, 2.0}}}};
    eap::chart::save_chart(dir / "bars", chart);
    CHECK(std::filesystem::exists(dir / "bars.svg"));
    std::ifstream csv(dir / "bars.csv");
    std::string header;
    std::getline(csv, header);
    CHECK(header == "layer,s,total");
    // Same input, same bytes: charts checked into docs/ only change when the data does.
    CHECK(eap::chart::to_svg(chart) == eap::chart::to_svg(chart));
    std::filesystem::remove_all(dir);
}

// ---------------------------------------------------------------------------------------------
// Label placement of scatter charts.

namespace {

namespace cd = eap::chart::detail;

std::vector<cd::label_request> requests_at(const std::vector<std::array<double, 2>>& xy) {
    std::vector<cd::label_request> out;
    for (std::size_t i = 0; i < xy.size(); ++i) out.push_back({xy[i][0], xy[i][1], 5.0, "label " + std::to_string(i), 11.0});
    return out;
}

}  // namespace

TEST_CASE("label boxes follow the text anchor", "[chart][labels]") {
    const cd::box start = cd::text_box(100, 50, "start", 40, 10);
    CHECK((start.x0 == 100 && start.x1 == 140 && start.y0 == 42 && start.y1 == 52.5));
    const cd::box end = cd::text_box(100, 50, "end", 40, 10);
    CHECK((end.x0 == 60 && end.x1 == 100));
    const cd::box middle = cd::text_box(100, 50, "middle", 40, 10);
    CHECK((middle.x0 == 80 && middle.x1 == 120));
    CHECK(start.overlap(end) == 0.0);
    CHECK(start.overlap(middle) == Approx(20 * 10.5));
    CHECK(start.outside({0, 0, 200, 200}) == 0.0);
    CHECK(start.outside({0, 0, 120, 200}) == Approx(20 * 10.5));
}

TEST_CASE("labels of scattered points take the preferred spot; crowded ones avoid each other and the markers",
          "[chart][labels]") {
    const cd::box bounds{0, 0, 600, 400};
    SECTION("far apart: every label right of and above its marker, no leader") {
        const auto points = requests_at({{100, 100}, {300, 200}, {200, 300}});
        const auto placed = cd::place_labels(points, bounds);
        REQUIRE(placed.size() == 3);
        for (std::size_t i = 0; i < 3; ++i) {
            CHECK(std::string(placed[i].anchor) == "start");
            CHECK(placed[i].x > points[i].x);
            CHECK(placed[i].y < points[i].y);
            CHECK_FALSE(placed[i].leader);
        }
    }
    SECTION("at the right edge: the label goes left so that it stays inside") {
        const auto placed = cd::place_labels(requests_at({{595, 200}}), bounds);
        CHECK(std::string(placed[0].anchor) == "end");
        CHECK(placed[0].covers.outside(bounds) == 0.0);
    }
    SECTION("a row of close points: no label overlaps another label or a marker, and the result is repeatable") {
        std::vector<std::array<double, 2>> xy;
        for (int i = 0; i < 8; ++i) xy.push_back({150.0 + 28.0 * i, 200.0 + (i % 2) * 6.0});
        const auto points = requests_at(xy);
        const auto placed = cd::place_labels(points, bounds);
        for (std::size_t i = 0; i < placed.size(); ++i) {
            CHECK(placed[i].covers.outside(bounds) == 0.0);
            for (std::size_t k = 0; k < placed.size(); ++k) {
                if (k == i) continue;
                const cd::box marker{points[k].x - 5, points[k].y - 5, points[k].x + 5, points[k].y + 5};
                CHECK(placed[i].covers.overlap(marker) == 0.0);
                if (k > i) CHECK(placed[i].covers.overlap(placed[k].covers) == 0.0);
            }
        }
        const auto again = cd::place_labels(points, bounds);
        for (std::size_t i = 0; i < placed.size(); ++i)
            CHECK((again[i].x == placed[i].x && again[i].y == placed[i].y));
        // A leader line ends on the label's box, at its point nearest the marker.
        for (std::size_t i = 0; i < placed.size(); ++i) {
            const auto end = placed[i].nearest_to(points[i].x, points[i].y);
            CHECK((end[0] >= placed[i].covers.x0 && end[0] <= placed[i].covers.x1));
            CHECK((end[1] >= placed[i].covers.y0 && end[1] <= placed[i].covers.y1));
        }
    }
}
