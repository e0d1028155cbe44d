// Reading and writing the Eyeriss energy tool's per-layer format; malformed input always ends
// in eap::parse_error.
#include <cstdint>
#include <filesystem>
#include <random>
#include <sstream>
#include <string>
#include <vector>

#include <unistd.h>

#include "catch.hpp"
#include "eap/energy/energy_model.hpp"
#include "eap/hardware/presets.hpp"
#include "eap/energy/eyeriss_tool_format.hpp"
#include "eap/zoo/zoo.hpp"

namespace {

std::vector<eap::eyeriss_tool_layer> alexnet_lines(std::int64_t batch) {
    const eap::network net = eap::zoo::alexnet();
    std::vector<eap::eyeriss_tool_layer> out;
    std::int64_t index = 0;
    const double densities[] = {0.84, 0.38, 0.35, 0.37, 0.37, 0.09, 0.09, 0.25};
    for (std::size_t i : net.compute_layers()) {
        const double d = densities[index];
        out.push_back(eap::make_eyeriss_tool_layer(index, net.layer_shape(i, batch),
                                                   eap::layer_density{d, index == 0 ? 1.0 : 0.5, 0.45},
                                                   eap::make_per_data_type(index == 7 ? 8 : 16, 16, 16)));
        ++index;
    }
    return out;
}

std::string text_of(const std::vector<eap::eyeriss_tool_layer>& layers) {
    std::ostringstream out;
    eap::write_eyeriss_tool_layers(out, layers);
    return out.str();
}

std::vector<eap::eyeriss_tool_layer> parse(const std::string& text) {
    std::istringstream in(text);
    return eap::read_eyeriss_tool_layers(in, "test.txt");
}

void fails_with(const std::string& text, std::size_t line, const std::string& field, const std::string& words) {
    INFO(text);
    try {
        (void)parse(text);
        FAIL("no parse_error");
    } catch (const eap::parse_error& e) {
        CHECK(e.file() == "test.txt");
        CHECK(e.line() == line);
        CHECK(e.field() == field);
        CHECK_THAT(std::string(e.what()), Catch::Contains(words));
    }
}

const std::string conv2_line = "1, 27,27,96,4,1000,16, 5,5,48,256,100,16, 27,27,256,4,500,16, 1,1, 2,2,2,2";

}  // namespace

TEST_CASE("tool files round-trip and describe the layers", "[io][eyeriss_tool]") {
    const auto layers = alexnet_lines(4);
    const auto back = parse(text_of(layers));
    REQUIRE(back.size() == layers.size());
    for (std::size_t i = 0; i < layers.size(); ++i) CHECK(back[i] == layers[i]);
    const eap::network net = eap::zoo::alexnet();
    const auto compute = net.compute_layers();
    for (std::size_t i = 0; i < layers.size(); ++i) CHECK(back[i].shape() == net.layer_shape(compute[i], 4));

    const auto one = parse("# a comment\n\n" + conv2_line + "   # trailing comment\n");
    REQUIRE(one.size() == 1);
    const eap::eyeriss_tool_layer& l = one[0];
    CHECK(l.index == 1);
    CHECK(l.shape().groups == 2);
    CHECK(l.shape().out_height() == 27);
    CHECK(l.density().weights == Approx(1.0 - 100.0 / (5 * 5 * 48 * 256)));
    CHECK(l.density().ifmaps == Approx(1.0 - 1000.0 / (27 * 27 * 96 * 4)));
    CHECK(l.word_bits() == eap::make_per_data_type(16, 16, 16));
    // White space alone separates fields too.
    std::string spaced = conv2_line;
    for (char& c : spaced)
        if (c == ',') c = ' ';
    CHECK(parse(spaced)[0] == l);

    const auto dir = std::filesystem::temp_directory_path() / ("eap_tool_test_" + std::to_string(::getpid()));
    std::filesystem::create_directories(dir);
    eap::write_eyeriss_tool_file(dir / "alexnet.txt", layers);
    CHECK(eap::read_eyeriss_tool_file(dir / "alexnet.txt") == layers);
    CHECK_THROWS_AS(eap::read_eyeriss_tool_file(dir / "missing.txt"), eap::io_error);
    std::filesystem::remove_all(dir);
}

TEST_CASE("malformed lines name the line and the field", "[io][eyeriss_tool]") {
    fails_with("1, 2, 3", 1, "ifmap.channels", "expected 25 fields, got 3");
    fails_with("\n" + conv2_line + ", 7", 2, "", "expected 25 fields, got 26");
    fails_with("1, 27,27,96,4,1000,16, 5,5,48,256,100,16, 27,27,256,4,500,16, 1,1, 2,2,2,x", 1, "pad_right",
               "non-negative integer");
    fails_with("1, 27,27,96,4,1000,16, 5,5,48,256,100,16, 27,27,256,4,500,16, 1,1, 2,2,2,-2", 1, "pad_right",
               "non-negative integer");
    fails_with("1, 0,27,96,4,1000,16, 5,5,48,256,100,16, 27,27,256,4,500,16, 1,1, 2,2,2,2", 1, "ifmap.height",
               "at least 1");
    fails_with("1, 27,27,96,4,1000,0, 5,5,48,256,100,16, 27,27,256,4,500,16, 1,1, 2,2,2,2", 1, "ifmap.bits",
               "between 1 and 64");
    fails_with("1, 27,27,96,4,1000,16, 5,5,48,256,100,65, 27,27,256,4,500,16, 1,1, 2,2,2,2", 1, "filter.bits",
               "between 1 and 64");
    fails_with("1, 27,27,96,4,9999999,16, 5,5,48,256,100,16, 27,27,256,4,500,16, 1,1, 2,2,2,2", 1, "ifmap.zeros",
               "only 279936 entries");
    fails_with("1, 27,27,96,4,1000,16, 5,5,40,256,100,16, 27,27,256,4,500,16, 1,1, 2,2,2,2", 1, "filter.channels",
               "must divide");
    fails_with("1, 27,27,96,4,1000,16, 5,5,48,256,100,16, 27,27,255,4,500,16, 1,1, 2,2,2,2", 1, "ofmap.channels",
               "256 filters");
    fails_with("1, 27,27,96,4,1000,16, 5,5,48,256,100,16, 27,27,256,3,500,16, 1,1, 2,2,2,2", 1, "ofmap.maps", "4 ifmaps");
    fails_with("1, 27,27,96,4,1000,16, 5,5,48,256,100,16, 26,27,256,4,500,16, 1,1, 2,2,2,2", 1, "ofmap.height",
               "give 27");
    fails_with("1, 27,27,96,4,1000,16, 5,5,48,256,100,16, 27,26,256,4,500,16, 1,1, 2,2,2,2", 1, "ofmap.width",
               "give 27");
    fails_with("1, 3,3,96,4,10,16, 5,5,48,256,100,16, 1,1,256,4,5,16, 1,1, 0,0,0,0", 1, "", "impossible");
    fails_with("1,, 27,27,96,4,1000,16, 5,5,48,256,100,16, 27,27,256,4,500,16, 1,1, 2,2,2,2", 1, "", "empty field");
    fails_with(", " + conv2_line, 1, "", "empty field");
    fails_with(conv2_line + ",", 1, "", "empty field");
    fails_with("1, 27,27,96,4,1000,16, 5,5,48,256,100,16, 27,27,256,4,500,16, 1,1, 2,2,2,1234567890123456789", 1,
               "pad_right", "at most 18 digits");
    fails_with("1, 99999999,99999999,99999999,99999999,0,16, 5,5,48,256,100,16, 27,27,256,4,500,16, 1,1, 2,2,2,2", 1,
               "ifmap.height", "too large");
}

TEST_CASE("random and truncated input either parses or throws parse_error", "[io][eyeriss_tool][fuzz]") {
    std::mt19937_64 rng(4242);
    const std::string valid = text_of(alexnet_lines(2));
    int parsed = 0, rejected = 0;
    auto attempt = [&](const std::string& text) {
        try {
            const auto layers = parse(text);
            for (const auto& l : layers) {
                CHECK(l.ifmap.zeros <= l.ifmap.size());
                CHECK_NOTHROW(l.shape().validate());
            }
            ++parsed;
        } catch (const eap::parse_error&) {
            ++rejected;
        }
    };
    // Every truncation of a valid file.
    for (std::size_t n = 0; n <= valid.size(); ++n) attempt(valid.substr(0, n));
    // Random bytes, random bytes drawn from the format's alphabet, and mutations of valid text.
    const std::string alphabet = "0123456789, \n#-x\t";
    for (int i = 0; i < 3000; ++i) {
        std::string text;
        const std::size_t n = rng() % 300;
        const int kind = i % 3;
        if (kind == 0) {
            for (std::size_t k = 0; k < n; ++k) text += static_cast<char>(rng() % 256);
        } else if (kind == 1) {
            for (std::size_t k = 0; k < n; ++k) text += alphabet[rng() % alphabet.size()];
        } else {
            text = valid;
            const int edits = 1 + static_cast<int>(rng() % 4);
            for (int e = 0; e < edits; ++e) {
                const std::size_t at = rng() % text.size();
                switch (rng() % 4) {
                case 0: text[at] = alphabet[rng() % alphabet.size()]; break;
                case 1: text.erase(at, 1 + rng() % 5); break;
                case 2: text.insert(at, 1, static_cast<char>(rng() % 256)); break;
                default: text[at] = static_cast<char>('0' + rng() % 10); break;
                }
                if (text.empty()) text = "0";
            }
        }
        attempt(text);
    }
    CHECK(parsed > 100);
    CHECK(rejected > 1000);
}

TEST_CASE("tool layers estimate like the same network with densities", "[io][eyeriss_tool]") {
    const eap::hardware hw = eap::presets::eyeriss_v1_hardware();
    const auto layers = alexnet_lines(4);
    const eap::network_energy from_file = eap::estimate_eyeriss_tool_energy(hw, layers, {}, "alexnet (tool)");
    eap::network_energy_options o;
    const eap::network net = eap::zoo::alexnet();
    const auto compute = net.compute_layers();
    for (std::size_t i = 0; i < layers.size(); ++i) {
        auto& lo = o.layers[net[compute[i]].name];
        lo.density = layers[i].density();
        lo.word_bits = layers[i].word_bits();
    }
    const eap::network_energy direct = eap::estimate_network_energy(hw, net, 4, o);
    REQUIRE(from_file.layers.size() == direct.layers.size());
    for (std::size_t i = 0; i < layers.size(); ++i) {
        CHECK(from_file.layers[i].name == "layer" + std::to_string(i));
        CHECK(from_file.layers[i].energy.total() == Approx(direct.layers[i].energy.total()).epsilon(1e-12));
    }
    CHECK(from_file.layers[0].input_is_image);
    CHECK(from_file.total.total() == Approx(direct.total.total()).epsilon(1e-12));
    auto mixed = layers;
    mixed[3] = eap::make_eyeriss_tool_layer(3, net.layer_shape(compute[3], 2));
    CHECK_THROWS_AS(eap::estimate_eyeriss_tool_energy(hw, mixed), eap::argument_error);
    CHECK_THROWS_AS(eap::make_eyeriss_tool_layer(0, net.layer_shape(compute[0], 1), eap::layer_density{2, 1, 1}),
                    eap::argument_error);
}
