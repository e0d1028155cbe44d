#include <random>
#include <sstream>
#include <string>

#include "catch.hpp"
#include "eap/network/network_text.hpp"
#include "eap/zoo/zoo.hpp"

using eap::network;

TEST_CASE("network infers shapes and rejects impossible layers naming the layer", "[network]") {
    network net("tiny", eap::fmap_shape{3, 32, 32});
    const auto c1 = net.add_conv("c1", 0, eap::conv_params::square(8, 3, 1, 1));
    CHECK(net[c1].output == eap::fmap_shape{8, 32, 32});
    const auto c2 = net.add_conv("c2", c1, eap::conv_params::square(8, 3, 2, 1, 8));
    CHECK(net[c2].output == eap::fmap_shape{8, 16, 16});
    const auto p = net.add_pool("p", c2, eap::pool_params::window(eap::pool_method::max, 2, 2));
    CHECK(net[p].output == eap::fmap_shape{8, 8, 8});
    const auto b = net.add_conv("b", p, eap::conv_params::square(4, 1));
    const auto cat = net.add_concat("cat", {p, b});
    CHECK(net[cat].output == eap::fmap_shape{12, 8, 8});
    const auto sum = net.add_add("sum", {b, b});
    CHECK(net[sum].output == eap::fmap_shape{4, 8, 8});
    const auto fc = net.add_fc("fc", cat, eap::fc_params{10}, eap::activation::none);
    CHECK(net.layer_shape(fc).in_channels == 12);
    CHECK(net.layer_shape(fc).kernel_height == 8);
    CHECK(net.layer_shape(fc, 4).mac_count() == 4 * 10 * 12 * 64);
    CHECK(net.compute_layers() == std::vector<std::size_t>{c1, c2, b, fc});
    CHECK(net.weight_count() == 8 * 3 * 9 + 8 * 1 * 9 + 4 * 8 + 10 * 768);

    CHECK_THROWS_WITH(net.add_conv("c1", 0, eap::conv_params::square(8, 3)), Catch::Contains("'c1'") && Catch::Contains("already used"));
    CHECK_THROWS_WITH(net.add_conv("big", p, eap::conv_params::square(8, 9)),
                      Catch::Contains("layer 'big'") && Catch::Contains("kernel_height is larger"));
    CHECK_THROWS_WITH(net.add_conv("g", p, eap::conv_params::square(8, 1, 1, 0, 3)), Catch::Contains("divisible by groups"));
    CHECK_THROWS_WITH(net.add_concat("badcat", {c1, p}), Catch::Contains("concat inputs differ in height/width"));
    CHECK_THROWS_WITH(net.add_add("badadd", {p, b}), Catch::Contains("add inputs differ in shape"));
    CHECK_THROWS_WITH(net.add_add("one", {p}), Catch::Contains("takes 2 or more input(s), got 1"));
    CHECK_THROWS_WITH(net.add_conv("dangling", 99, eap::conv_params::square(8, 1)), Catch::Contains("does not name an earlier layer"));
    CHECK_THROWS_WITH(net.add_conv("a b", 0, eap::conv_params::square(8, 1)), Catch::Contains("white space"));
    CHECK_THROWS_AS(net.layer_shape(p), eap::argument_error);
    CHECK_THROWS_AS(net.index_of("nope"), eap::argument_error);
    CHECK_THROWS_AS(network("bad name", eap::fmap_shape{1, 1, 1}), eap::argument_error);
    CHECK_THROWS_AS(network("n", eap::fmap_shape{0, 1, 1}), eap::shape_error);
}

TEST_CASE("network text round-trips every zoo network exactly", "[network][io]") {
    for (const network& net : eap::zoo::all()) {
        INFO(net.name());
        const std::string text = eap::to_network_text(net);
        std::istringstream in(text);
        const network back = eap::read_network_text(in, net.name() + ".txt");
        CHECK(back == net);
        CHECK(eap::to_network_text(back) == text);
        CHECK(back.mac_count() == net.mac_count());
    }
}

TEST_CASE("network text reads the documented syntax", "[network][io]") {
    std::istringstream in(R"(# a small network
eap-network 1
name demo
input data channels=1 height=28 width=28   # the image
conv conv1 input=data out=32 kernel=5 pad=2 act=relu
pool pool1 input=conv1 method=max kernel=2
conv c3 input=pool1 out=16 kernel=3x1 stride=1x1 pad=1,1,0,0
concat cat input=pool1,c3
add sum input=c3,c3 act=relu
pool gap input=cat method=average global=1
fc fc1 input=gap out=10 bias=0
)");
    const network net = eap::read_network_text(in, "demo.txt");
    CHECK(net.name() == "demo");
    CHECK(net.size() == 8);
    CHECK(net[net.index_of("conv1")].act == eap::activation::relu);
    CHECK(net[net.index_of("c3")].act == eap::activation::none);
    CHECK(net[net.index_of("pool1")].output == eap::fmap_shape{32, 14, 14});
    CHECK(net[net.index_of("c3")].output == eap::fmap_shape{16, 14, 14});
    CHECK(net[net.index_of("cat")].output == eap::fmap_shape{48, 14, 14});
    CHECK(std::get<eap::fc_params>(net[net.index_of("fc1")].params).bias == false);
    CHECK(net.layer_shape(net.index_of("fc1")).in_channels == 48);
}

TEST_CASE("malformed network text names file, line and field", "[network][io]") {
    auto error_of = [](const std::string& body) -> std::string {
        std::istringstream in("eap-network 1\nname n\ninput data channels=1 height=8 width=8\n" + body);
        try {
            (void)eap::read_network_text(in, "net.txt");
        } catch (const eap::parse_error& e) {
            return e.what();
        }
        return "no error";
    };
    CHECK(error_of("conv c input=data out=4\n") == "net.txt:4: field 'kernel': is required for a 'conv' line");
    CHECK(error_of("conv c input=data out=x kernel=3\n") == "net.txt:4: field 'out': 'x' is not an integer");
    CHECK(error_of("conv c input=data out=0 kernel=3\n") == "net.txt:4: field 'out': is 0; it must be at least 1");
    CHECK(error_of("conv c input=data out=4 kernel=3 colour=red\n") == "net.txt:4: field 'colour': is not a field of a 'conv' line");
    CHECK(error_of("conv c input=nowhere out=4 kernel=3\n") == "net.txt:4: field 'input': 'nowhere' is not an earlier layer");
    CHECK(error_of("\n\nconv c input=data out=4 kernel=3 kernel=5\n") == "net.txt:6: field 'kernel': appears twice");
    CHECK(error_of("conv c input=data out=4 kernel=99999999999999999999\n") ==
          "net.txt:4: field 'kernel': '99999999999999999999' does not fit in a 64-bit integer");
    CHECK_THAT(error_of("conv c input=data out=4 kernel=9\n"), Catch::StartsWith("net.txt:4: ") && Catch::Contains("kernel_height is larger"));
    CHECK_THAT(error_of("lstm l input=data\n"), Catch::Contains("unknown line kind 'lstm'"));
    CHECK_THAT(error_of("pool p input=data method=median kernel=2\n"), Catch::Contains("field 'method'"));
    CHECK_THAT(error_of("add a input=data\n"), Catch::Contains("two or more inputs"));
    CHECK_THAT(error_of(""), Catch::Contains("no layer after its input"));
    std::istringstream wrong_magic("eap-network 2\n");
    CHECK_THROWS_WITH(eap::read_network_text(wrong_magic, "x"), Catch::Contains("unsupported version '2'"));
    CHECK_THROWS_AS(eap::read_network_file("/nonexistent/net.txt"), eap::io_error);
}

TEST_CASE("network text reader never crashes on random or truncated input", "[network][io][fuzz]") {
    const std::string valid = eap::to_network_text(eap::zoo::googlenet());
    std::mt19937_64 rng(12345);
    const std::string alphabet = "eap-networkinputconvfcpoolconcatadd=,x#0123456789 \n\tdatamethodmaxaveragekernelstridepad";
    int parsed = 0, rejected = 0;
    for (int trial = 0; trial < 3000; ++trial) {
        std::string text;
        switch (trial % 4) {
        case 0:  // truncation
            text = valid.substr(0, rng() % valid.size());
            break;
        case 1: {  // byte flips
            text = valid;
            for (int k = 0; k < 5; ++k) text[rng() % text.size()] = static_cast<char>(rng() % 256);
            break;
        }
        case 2: {  // random tokens after a valid header
            text = "eap-network 1\nname f\ninput data channels=3 height=16 width=16\n";
            for (int k = 0; k < 200; ++k) text += alphabet[rng() % alphabet.size()];
            break;
        }
        default: {  // a valid line repeated with a digit changed
            text = valid;
            const auto pos = text.find_first_of("0123456789", rng() % text.size());
            if (pos != std::string::npos) text[pos] = static_cast<char>('0' + rng() % 10);
            break;
        }
        }
        std::istringstream in(text);
        try {
            (void)eap::read_network_text(in, "fuzz");
            ++parsed;
        } catch (const eap::parse_error&) {
            ++rejected;
        }
    }
    CHECK(parsed + rejected == 3000);
    CHECK(rejected > 1000);
    CHECK(parsed > 10);
}

TEST_CASE("network files are written atomically and read back", "[network][io]") {
    const auto dir = std::filesystem::temp_directory_path() / ("eap_network_test_" + std::to_string(std::random_device{}()));
    std::filesystem::create_directories(dir);
    const auto path = dir / "resnet50.txt";
    eap::write_network_file(path, eap::zoo::resnet50());
    CHECK(eap::read_network_file(path) == eap::zoo::resnet50());
    // Nothing but the final file is left behind.
    CHECK(std::distance(std::filesystem::directory_iterator(dir), std::filesystem::directory_iterator()) == 1);
    // A writer that fails leaves the previous file intact and no temporary file.
    CHECK_THROWS_AS(eap::write_file_atomically(path, [](std::ostream& out) {
                        out << "partial";
                        throw eap::io_error("disk full");
                    }),
                    eap::io_error);
    CHECK(eap::read_network_file(path) == eap::zoo::resnet50());
    CHECK(std::distance(std::filesystem::directory_iterator(dir), std::filesystem::directory_iterator()) == 1);
    std::filesystem::remove_all(dir);
}
