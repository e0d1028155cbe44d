// .npy files and model directories.
#include <cstdint>
#include <filesystem>
#include <fstream>
#include <random>
#include <sstream>
#include <string>

#include "catch.hpp"
#include "engine_reference.hpp"
#include "eap/engine/executor.hpp"
#include "eap/engine/model.hpp"
#include "eap/engine/model_files.hpp"
#include "eap/io/npy.hpp"
#include "eap/zoo/googlenet.hpp"

namespace fs = std::filesystem;

namespace {

std::string npy_bytes(const std::string& dict, const std::string& data, char major = 1) {
    std::string header = dict;
    const std::size_t prefix = major == 1 ? 10 : 12;
    while ((prefix + header.size() + 1) % 64 != 0) header += ' ';
    header += '\n';
    std::string out = std::string("\x93NUMPY", 6) + major + '\0';
    const std::size_t n = header.size();
    out += static_cast<char>(n & 0xff);
    out += static_cast<char>((n >> 8) & 0xff);
    if (major != 1) out += std::string(2, '\0');
    return out + header + data;
}

template <class T, std::size_t N>
xt::xtensor<T, N> read(const std::string& bytes, bool convert = false) {
    std::istringstream in(bytes);
    return eap::read_npy<T, N>(in, "test.npy", convert);
}

xt::xtensor<float, 1> read_float1(const std::string& bytes) { return read<float, 1>(bytes); }

fs::path fresh_directory(const std::string& name) {
    const fs::path dir = fs::temp_directory_path() / ("eap_test_engine_io_" + name);
    fs::remove_all(dir);
    return dir;
}

eap::network small_graph() {
    eap::network net("small_graph", eap::fmap_shape{2, 8, 8});
    auto x = net.add_conv("stem", 0, eap::conv_params::square(6, 3, 1, 1));
    x = eap::zoo::add_inception(net, "inception/a", x, {2, 2, 3, 1, 2, 2});
    eap::conv_params no_bias = eap::conv_params::square(4, 1);
    no_bias.bias = false;
    x = net.add_conv("proj", x, no_bias);
    net.add_fc("fc", x, eap::fc_params{5}, eap::activation::none);
    return net;
}

}  // namespace

TEST_CASE("write_npy writes the bytes NumPy writes", "[io][npy]") {
    const xt::xtensor<float, 2> a = {{1.0f, 2.0f, 3.0f}, {4.0f, 5.0f, 6.0f}};
    std::ostringstream out;
    eap::write_npy(out, a);
    const std::string data(reinterpret_cast<const char*>(a.data()), 6 * sizeof(float));
    // numpy.save of np.array([[1,2,3],[4,5,6]], dtype='<f4'): version 1.0, header padded to 64.
    CHECK(out.str() == npy_bytes("{'descr': '<f4', 'fortran_order': False, 'shape': (2, 3), }", data));
    CHECK(out.str().size() == 128 + 24);

    const xt::xtensor<std::uint8_t, 1> b = {1, 0, 1};
    std::ostringstream out_b;
    eap::write_npy(out_b, b);
    CHECK(out_b.str() == npy_bytes("{'descr': '|u1', 'fortran_order': False, 'shape': (3,), }", std::string("\1\0\1", 3)));
}

TEST_CASE("npy round trips are bit-exact for every supported type and rank", "[io][npy]") {
    std::mt19937_64 rng(1);
    xt::xtensor<float, 4> f = xt::empty<float>({2, 3, 4, 5});
    eap_test::fill_random(f, rng);
    f(0, 0, 0, 0) = -0.0f;
    f(1, 2, 3, 4) = std::numeric_limits<float>::denorm_min();
    std::stringstream s1;
    eap::write_npy(s1, f);
    CHECK((eap::read_npy<float, 4>(s1, "f") == f));
    const xt::xtensor<double, 1> d = {1e-300, -2.5, 3.0};
    std::stringstream s2;
    eap::write_npy(s2, d);
    CHECK((eap::read_npy<double, 1>(s2, "d") == d));
    const xt::xtensor<std::int64_t, 3> i = {{{-1, 2}, {3, std::numeric_limits<std::int64_t>::min()}}};
    std::stringstream s3;
    eap::write_npy(s3, i);
    CHECK((eap::read_npy<std::int64_t, 3>(s3, "i") == i));
    const xt::xtensor<std::int16_t, 2> empty = xt::empty<std::int16_t>({0, 7});
    std::stringstream s4;
    eap::write_npy(s4, empty);
    const auto back = eap::read_npy<std::int16_t, 2>(s4, "empty");
    CHECK(back.shape()[0] == 0);
    CHECK(back.shape()[1] == 7);

    const fs::path dir = fresh_directory("roundtrip");
    fs::create_directories(dir);
    eap::save_npy(dir / "f.npy", f);
    CHECK((eap::load_npy<float, 4>(dir / "f.npy") == f));
    CHECK_THROWS_AS((eap::load_npy<float, 4>(dir / "missing.npy")), eap::io_error);
    fs::remove_all(dir);
}

TEST_CASE("read_npy accepts the header variants NumPy may write", "[io][npy]") {
    const float values[2] = {1.5f, -2.0f};
    const std::string le(reinterpret_cast<const char*>(values), 8);
    std::string be = le;
    std::reverse(be.begin(), be.begin() + 4);
    std::reverse(be.begin() + 4, be.end());
    const xt::xtensor<float, 1> expected = {1.5f, -2.0f};
    CHECK((read_float1(npy_bytes("{'descr': '<f4', 'fortran_order': False, 'shape': (2,), }", le)) == expected));
    CHECK((read_float1(npy_bytes("{'descr': '>f4', 'fortran_order': False, 'shape': (2,), }", be)) == expected));
    CHECK((read_float1(npy_bytes("{\"descr\":\"<f4\",\"fortran_order\":False,\"shape\":(2,)}", le)) == expected));
    CHECK((read_float1(npy_bytes("{'shape': (2,), 'fortran_order': False, 'descr': '<f4'}", le, 2)) == expected));
    CHECK((read_float1(npy_bytes("{'descr': '<f4', 'fortran_order': False, 'shape': (2L,), }", le)) == expected));
    // Conversion on request: a uint8 mask as floats.
    const auto mask = read<float, 2>(npy_bytes("{'descr': '|u1', 'fortran_order': False, 'shape': (1, 3), }",
                                               std::string("\1\0\1", 3)), true);
    CHECK(mask(0, 0) == 1.0f);
    CHECK(mask(0, 1) == 0.0f);
    const auto scalar = read<double, 0>(npy_bytes("{'descr': '<f8', 'fortran_order': False, 'shape': (), }",
                                                  std::string(reinterpret_cast<const char*>(&values[0]), 4) + std::string(4, '\0')),
                                        false);
    CHECK(scalar.size() == 1);
}

TEST_CASE("read_npy rejects every malformed file with parse_error", "[io][npy]") {
    const std::string data(8, '\0');
    auto bad = [&](const std::string& dict, const std::string& payload, const char* field) {
        INFO(dict);
        CHECK_THROWS_AS(read_float1(npy_bytes(dict, payload)), eap::parse_error);
        CHECK_THROWS_WITH(read_float1(npy_bytes(dict, payload)), Catch::Contains(field));
    };
    bad("{'descr': '<f4', 'fortran_order': True, 'shape': (2,), }", data, "fortran_order");
    bad("{'descr': '<f4', 'fortran_order': False, 'shape': (2), }", data, "trailing comma");
    bad("{'descr': '<f4', 'fortran_order': False, 'shape': (2, 1), }", data, "dimensions");
    bad("{'descr': '<i4', 'fortran_order': False, 'shape': (2,), }", data, "expected '<f4'");
    bad("{'descr': '<f2', 'fortran_order': False, 'shape': (4,), }", data, "descr");
    bad("{'descr': '<c8', 'fortran_order': False, 'shape': (1,), }", data, "descr");
    bad("{'descr': '<f4', 'fortran_order': False, 'shape': (3,), }", data, "12");
    bad("{'descr': '<f4', 'fortran_order': False, 'shape': (1,), }", data, "4");
    bad("{'descr': '<f4', 'fortran_order': False, 'shape': (-2,), }", data, "shape");
    bad("{'descr': '<f4', 'fortran_order': False, 'shape': (99999999999999999999,), }", data, "64-bit");
    bad("{'descr': '<f4', 'fortran_order': False, 'shape': (4611686018427387904,), }", data, "2^63");
    bad("{'descr': '<f4', 'fortran_order': False, }", data, "shape");
    bad("{'descr': '<f4', 'descr': '<f4', 'fortran_order': False, 'shape': (2,), }", data, "twice");
    bad("{'descr': '<f4', 'fortran_order': False, 'shape': (2,), 'extra': 1}", data, "extra");
    bad("{'descr': '<f4', 'fortran_order': False, 'shape': (2,) ", data, "header");
    bad("{'descr': '<f4' 'fortran_order': False, 'shape': (2,), }", data, "header");
    bad("{'descr': '<f4', 'fortran_order': Maybe, 'shape': (2,), }", data, "fortran_order");
    bad("['descr', '<f4']", data, "header");
    // Bad magic, version, missing newline.
    std::string file = npy_bytes("{'descr': '<f4', 'fortran_order': False, 'shape': (2,), }", data);
    std::string wrong = file;
    wrong[1] = 'X';
    CHECK_THROWS_WITH(read_float1(wrong), Catch::Contains("magic"));
    wrong = file;
    wrong[6] = 9;
    CHECK_THROWS_WITH(read_float1(wrong), Catch::Contains("version"));
    wrong = file;
    wrong[127] = ' ';
    CHECK_THROWS_WITH(read_float1(wrong), Catch::Contains("newline"));
    // Every truncation.
    for (std::size_t n = 0; n < file.size(); ++n) {
        INFO("truncated to " << n << " bytes");
        CHECK_THROWS_AS(read_float1(file.substr(0, n)), eap::parse_error);
    }
}

TEST_CASE("read_npy survives random corruption: it parses or throws parse_error", "[io][npy][fuzz]") {
    std::mt19937_64 rng(2);
    const xt::xtensor<float, 2> a = {{1.0f, 2.0f}, {3.0f, 4.0f}};
    std::ostringstream out;
    eap::write_npy(out, a);
    const std::string file = out.str();
    int parsed = 0, rejected = 0;
    for (int trial = 0; trial < 3000; ++trial) {
        std::string bytes = file;
        const int flips = 1 + static_cast<int>(rng() % 4);
        for (int f = 0; f < flips; ++f) bytes[rng() % bytes.size()] ^= static_cast<char>(1 << (rng() % 8));
        if (trial % 3 == 0) bytes.resize(rng() % bytes.size());
        if (trial % 7 == 0) bytes += static_cast<char>(rng());
        try {
            std::istringstream in(bytes);
            (void)eap::read_npy<float, 2>(in, "fuzz", trial % 2 == 0);
            ++parsed;
        } catch (const eap::parse_error&) {
            ++rejected;
        }
    }
    CHECK(rejected > 1000);
    CHECK(parsed > 0);  // flips in the data or the padding leave a valid file
}

TEST_CASE("a saved model loads back bit for bit, masks included", "[io][model]") {
    std::mt19937_64 rng(3);
    eap::engine::model m(small_graph());
    m.initialize(11);
    const std::size_t stem = m.graph().index_of("stem"), fc = m.graph().index_of("fc");
    m.conv_mask(stem)(0, 0, 0, 0) = 0.0f;
    m.fc_mask(fc)(4, 7) = 0.0f;
    m.apply_masks();
    const fs::path dir = fresh_directory("model");
    eap::engine::save_model(m, dir);
    CHECK(fs::exists(dir / "network.txt"));
    CHECK(fs::exists(dir / "inception%2Fa%2F3x3_reduce.weights.npy"));
    CHECK(fs::exists(dir / "stem.mask.npy"));
    CHECK_FALSE(fs::exists(dir / "proj.bias.npy"));
    CHECK_FALSE(fs::exists(dir / "proj.mask.npy"));

    const eap::engine::model back = eap::engine::load_model(dir);
    CHECK(back.graph() == m.graph());
    for (std::size_t i : m.graph().compute_layers()) {
        INFO(m.graph()[i].name);
        CHECK((back.parameters(i).conv == m.parameters(i).conv));
        CHECK((back.parameters(i).fc == m.parameters(i).fc));
        CHECK((back.parameters(i).bias == m.parameters(i).bias));
        CHECK((back.mask(i).conv == m.mask(i).conv));
        CHECK((back.mask(i).fc == m.mask(i).fc));
    }
    xt::xtensor<float, 4> images = xt::empty<float>({3, 2, 8, 8});
    eap_test::fill_random(images, rng);
    eap::engine::executor a, b;
    CHECK((a.forward(m, images) == b.forward(back, images)));

    // Saving again without masks removes the stale mask file.
    eap::engine::model unmasked(small_graph());
    unmasked.initialize(12);
    eap::engine::save_model(unmasked, dir);
    CHECK_FALSE(fs::exists(dir / "stem.mask.npy"));
    CHECK(eap::engine::load_model(dir).nonzero_weights() == unmasked.nonzero_weights());
    fs::remove_all(dir);
}

TEST_CASE("loading a model checks every file against the description", "[io][model]") {
    eap::engine::model m(small_graph());
    m.initialize(13);
    const fs::path dir = fresh_directory("checks");
    eap::engine::save_model(m, dir);

    // A weights file of the wrong shape.
    const xt::xtensor<float, 4> wrong = xt::zeros<float>({6, 2, 3, 2});
    eap::save_npy(dir / "stem.weights.npy", wrong);
    CHECK_THROWS_AS(eap::engine::load_model(dir), eap::parse_error);
    CHECK_THROWS_WITH(eap::engine::load_model(dir), Catch::Contains("stem.weights.npy") && Catch::Contains("6 x 2 x 3 x 3"));
    eap::save_npy(dir / "stem.weights.npy", m.conv_weights(m.graph().index_of("stem")));
    CHECK_NOTHROW(eap::engine::load_model(dir));

    // A weight of the wrong rank.
    const xt::xtensor<float, 2> flat = xt::zeros<float>({5, 1});
    eap::save_npy(dir / "stem.weights.npy", flat);
    CHECK_THROWS_AS(eap::engine::load_model(dir), eap::parse_error);
    eap::save_npy(dir / "stem.weights.npy", m.conv_weights(m.graph().index_of("stem")));

    // A mask that masks a non-zero weight, then one that is not 0/1.
    xt::xtensor<std::uint8_t, 2> mask = xt::ones<std::uint8_t>(m.fc_weights(m.graph().index_of("fc")).shape());
    mask(0, 0) = 0;
    eap::save_npy(dir / "fc.mask.npy", mask);
    CHECK_THROWS_WITH(eap::engine::load_model(dir), Catch::Contains("mask is 0"));
    mask(0, 0) = 2;
    eap::save_npy(dir / "fc.mask.npy", mask);
    CHECK_THROWS_WITH(eap::engine::load_model(dir), Catch::Contains("0 or 1"));
    fs::remove(dir / "fc.mask.npy");

    // A file that belongs to no layer; a missing file; a bad description.
    eap::save_npy(dir / "old_layer.weights.npy", flat);
    CHECK_THROWS_WITH(eap::engine::load_model(dir), Catch::Contains("old_layer") && Catch::Contains("no CONV or FC"));
    fs::remove(dir / "old_layer.weights.npy");
    fs::remove(dir / "fc.bias.npy");
    CHECK_THROWS_AS(eap::engine::load_model(dir), eap::io_error);
    std::ofstream(dir / "network.txt") << "eap-network 1\nname x\n";
    CHECK_THROWS_AS(eap::engine::load_model(dir), eap::parse_error);
    CHECK_THROWS_AS(eap::engine::load_model(dir / "nowhere"), eap::io_error);
    fs::remove_all(dir);

    CHECK(eap::engine::layer_file_stem("a/b c%.d") == "a%2Fb%20c%25.d");
    CHECK(eap::engine::layer_file_stem(".hidden") == "%2Ehidden");
}
