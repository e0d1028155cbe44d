#include <fstream>
#include <map>
#include <sstream>
#include <string>
#include <vector>

#include "catch.hpp"
#include "eap/zoo/zoo.hpp"

namespace {

struct csv_layer {
    std::string name, type;
    std::int64_t c, m, h, w, r, s, stride, pad, groups, e, f, weights, macs;
};

// The per-layer shapes of the zoo as published with the Caffe models, kept in tests/data.
std::vector<csv_layer> read_reference(const std::string& network) {
    std::ifstream in(std::string(EAP_TEST_DATA_DIR) + "/networks/" + network + ".csv");
    REQUIRE(in);
    std::string line;
    std::getline(in, line);  // header
    std::vector<csv_layer> out;
    while (std::getline(in, line)) {
        if (line.empty()) continue;
        std::stringstream ss(line);
        csv_layer l;
        std::string field;
        std::getline(ss, l.name, ',');
        std::getline(ss, l.type, ',');
        std::int64_t* numbers[] = {&l.c, &l.m, &l.h, &l.w, &l.r, &l.s, &l.stride, &l.pad, &l.groups, &l.e, &l.f, &l.weights, &l.macs};
        for (auto* n : numbers) {
            REQUIRE(std::getline(ss, field, ','));
            *n = std::stoll(field);
        }
        out.push_back(l);
    }
    return out;
}

}  // namespace

TEST_CASE("zoo networks match the published per-layer shapes exactly", "[zoo]") {
    const std::map<std::string, std::string> files = {
        {"alexnet", "alexnet"},   {"googlenet", "googlenet"},       {"squeezenet_v1_0", "squeezenet_v1_0"},
        {"squeezenet_v1_1", "squeezenet_v1_1"}, {"vgg16", "vgg16"}, {"resnet50", "resnet50"},
        {"mobilenet_v1", "mobilenet"}};
    for (const eap::network& net : eap::zoo::all()) {
        INFO(net.name());
        const auto reference = read_reference(files.at(net.name()));
        const auto compute = net.compute_layers();
        REQUIRE(compute.size() == reference.size());
        for (std::size_t i = 0; i < compute.size(); ++i) {
            const eap::layer& l = net[compute[i]];
            const eap::conv_shape s = net.layer_shape(compute[i]);
            const csv_layer& ref = reference[i];
            INFO(ref.name);
            CHECK(l.name == ref.name);
            CHECK(s.in_channels == ref.c);
            CHECK(s.out_channels == ref.m);
            CHECK(s.in_height == ref.h);
            CHECK(s.in_width == ref.w);
            CHECK(s.kernel_height == ref.r);
            CHECK(s.kernel_width == ref.s);
            CHECK(s.stride_height == ref.stride);
            CHECK(s.pad.top == ref.pad);
            CHECK(s.groups == ref.groups);
            CHECK(s.out_height() == ref.e);
            CHECK(s.out_width() == ref.f);
            CHECK(s.weight_count() == ref.weights);
            CHECK(s.mac_count() == ref.macs);
            CHECK((l.kind() == eap::layer_kind::fully_connected) == (ref.type == "FC"));
        }
    }
}

TEST_CASE("zoo totals equal the published weight and MAC counts", "[zoo]") {
    struct total {
        eap::network net;
        std::int64_t weights, macs;
    };
    const total totals[] = {
        {eap::zoo::alexnet(), 60954656, 724406816},          {eap::zoo::googlenet(), 6990272, 1582671872},
        {eap::zoo::squeezenet_v1_0(), 1244448, 861339936},   {eap::zoo::squeezenet_v1_1(), 1231552, 387747520},
        {eap::zoo::vgg16(), 138344128, 15470264320},         {eap::zoo::resnet50(), 25502912, 3857973248},
        {eap::zoo::mobilenet_v1(), 4209088, 568740352}};
    for (const auto& t : totals) {
        INFO(t.net.name());
        CHECK(t.net.weight_count() == t.weights);
        CHECK(t.net.mac_count() == t.macs);
        CHECK(t.net.mac_count(16) == 16 * t.macs);
    }
}

TEST_CASE("zoo graphs are real graphs: inception concats and residual adds", "[zoo]") {
    const eap::network g = eap::zoo::googlenet();
    const eap::layer& out3a = g.at(g.index_of("inception_3a/output"));
    CHECK(out3a.kind() == eap::layer_kind::concat);
    CHECK(out3a.inputs.size() == 4);
    CHECK(out3a.output == eap::fmap_shape{256, 28, 28});
    CHECK(g.at(g.index_of("pool5/7x7_s1")).output == eap::fmap_shape{1024, 1, 1});

    const eap::network r = eap::zoo::resnet50();
    const eap::layer& res2b = r.at(r.index_of("res2b"));
    CHECK(res2b.kind() == eap::layer_kind::add);
    CHECK(res2b.inputs.size() == 2);
    // The identity shortcut of res2b is the output of res2a.
    CHECK(res2b.inputs[0] == r.index_of("res2a"));
    CHECK(r.at(r.index_of("res5c")).output == eap::fmap_shape{2048, 7, 7});

    const eap::network a = eap::zoo::alexnet(10);
    CHECK(a.layer_shape(a.index_of("fc8")).out_channels == 10);
    CHECK(a.weight_count() == 60954656 - 4096 * 990);
    CHECK_THROWS_AS(eap::zoo::by_name("lenet"), eap::argument_error);
    CHECK(eap::zoo::by_name("vgg16").weight_count() == 138344128);
}
