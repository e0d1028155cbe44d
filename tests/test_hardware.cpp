#include <sstream>

#include "catch.hpp"
#include "eap/hardware/presets.hpp"

namespace {

struct my_dram : eap::static_level<eap::unbounded, eap::cost<200>, eap::cost<220>> {
    static constexpr const char* name = "LPDDR";
};
struct my_l2 : eap::static_level<eap::shared_words<1 << 18>, eap::cost<12>> {
    static constexpr const char* name = "SRAM";
};
struct my_l1 : eap::static_level<eap::words_per_type<4096, 8192, 4096>, eap::cost<5>, eap::cost<11, 2>> {};

struct my_chip : eap::accelerator<eap::levels<my_dram, my_l2, my_l1>,
                                  eap::static_pe_array<8, 32, eap::shared_words<64>, eap::cost<1>, eap::cost<3, 2>>,
                                  eap::word_bits<8, 8, 24>, eap::cost<1, 4>, eap::picojoules> {
    static constexpr const char* name = "my chip";
};

}  // namespace

TEST_CASE("presets convert to the published configurations", "[hardware]") {
    const eap::hardware e = eap::presets::eyeriss_v1_hardware();
    CHECK(e.name == "Eyeriss v1");
    REQUIRE(e.levels.size() == 2);
    CHECK(e.levels[0].name == "DRAM");
    CHECK(e.levels[0].capacity.is_unbounded());
    CHECK(e.levels[0].read_cost == 200.0);
    CHECK(e.levels[1].capacity == eap::level_capacity::shared(55296));  // 108 KB of 16-bit words
    CHECK(e.levels[1].read_cost == 6.0);
    CHECK(e.array.rows == 12);
    CHECK(e.array.cols == 14);
    CHECK(e.array.scratchpad == eap::level_capacity::per_type(224, 12, 24));
    CHECK(e.array.scratchpad.total_words() == 260);  // 520 B
    CHECK(e.array.network_cost == 2.0);
    CHECK(e.array.scratchpad_read_cost == 1.0);
    CHECK(e.mac_cost == 1.0);
    CHECK(e.unit == eap::cost_unit::normalized);
    CHECK(e.word_bits[eap::data_type::psums] == 16);

    const eap::hardware s = eap::presets::isca16_study_hardware();
    CHECK(s.array.size() == 256);
    CHECK(s.levels[1].capacity == eap::level_capacity::shared(65536));  // 128 KB
    CHECK(s.array.scratchpad == eap::level_capacity::shared(256));      // 512 B
}

TEST_CASE("a user-defined accelerator type with any number of levels converts to hardware", "[hardware]") {
    static_assert(my_chip::rows == 8 && my_chip::cols == 32);
    const eap::hardware hw = eap::to_hardware<my_chip>();
    CHECK(hw.name == "my chip");
    REQUIRE(hw.levels.size() == 3);
    CHECK(hw.levels[0].name == "LPDDR");
    CHECK(hw.levels[0].write_cost == 220.0);
    CHECK(hw.levels[1].name == "SRAM");
    CHECK(hw.levels[2].name == "L2");  // an unnamed level is called L<index>
    CHECK(hw.levels[2].write_cost == 5.5);
    CHECK(hw.levels[2].capacity.words[eap::data_type::ifmaps] == 8192);
    CHECK(hw.array.network_cost == 1.5);
    CHECK(hw.mac_cost == 0.25);
    CHECK(hw.unit == eap::cost_unit::picojoule);
    CHECK(hw.word_bits[eap::data_type::weights] == 8);
    CHECK(hw.word_bits[eap::data_type::psums] == 24);
    std::ostringstream text;
    text << hw;
    CHECK_THAT(text.str(), Catch::Contains("8 x 32") && Catch::Contains("LPDDR") && Catch::Contains("pJ"));
}

TEST_CASE("hardware::validate names the bad field and its value", "[hardware]") {
    const eap::hardware good = eap::presets::eyeriss_v1_hardware();
    REQUIRE_NOTHROW(good.validate());
    auto broken = [&good](auto change) {
        eap::hardware hw = good;
        change(hw);
        return hw;
    };
    CHECK_THROWS_WITH(broken([](eap::hardware& h) { h.levels.clear(); }).validate(), Catch::Contains("levels is empty"));
    CHECK_THROWS_WITH(broken([](eap::hardware& h) { h.levels[1].capacity = eap::level_capacity::shared(0); }).validate(),
                      Catch::Contains("levels[1] (GLB).capacity is 0 words"));
    CHECK_THROWS_WITH(broken([](eap::hardware& h) { h.levels[1].read_cost = -1; }).validate(),
                      Catch::Contains("levels[1] (GLB).read_cost is -1"));
    CHECK_THROWS_WITH(broken([](eap::hardware& h) { h.levels[0].capacity = eap::level_capacity::shared(1000); }).validate(),
                      Catch::Contains("levels[1] (GLB).capacity is 55296 words, larger than the level outside it (DRAM, 1000 words)"));
    CHECK_THROWS_WITH(broken([](eap::hardware& h) { h.levels[1].capacity = eap::level_capacity::unbounded(); }).validate(),
                      Catch::Contains("only the outermost storage level may be unbounded"));
    CHECK_THROWS_WITH(broken([](eap::hardware& h) { h.array.rows = 0; }).validate(), Catch::Contains("array.rows is 0"));
    CHECK_THROWS_WITH(broken([](eap::hardware& h) { h.array.scratchpad = eap::level_capacity::per_type(224, 0, 24); }).validate(),
                      Catch::Contains("array.scratchpad.ifmaps is 0 words"));
    CHECK_THROWS_WITH(broken([](eap::hardware& h) { h.array.scratchpad = eap::level_capacity::shared(100000); }).validate(),
                      Catch::Contains("larger than the innermost storage level"));
    CHECK_THROWS_WITH(broken([](eap::hardware& h) { h.word_bits[eap::data_type::ifmaps] = 0; }).validate(),
                      Catch::Contains("word_bits.ifmaps is 0"));
    CHECK_THROWS_WITH(broken([](eap::hardware& h) { h.mac_cost = std::nan(""); }).validate(), Catch::Contains("mac_cost"));
    CHECK_THROWS_AS(broken([](eap::hardware& h) { h.array.network_cost = -2; }).validate(), eap::hardware_error);
}

TEST_CASE("runtime hardware can be built and swept without types", "[hardware]") {
    eap::hardware hw = eap::presets::isca16_study_hardware();
    for (std::int64_t glb_kb : {32, 64, 128, 256}) {
        hw.levels[1].capacity = eap::level_capacity::shared(glb_kb * 512);
        CHECK_NOTHROW(hw.validate());
    }
    for (std::int64_t side : {4, 8, 16, 32}) {
        hw.array.rows = hw.array.cols = side;
        CHECK_NOTHROW(hw.validate());
        CHECK(hw.array.size() == side * side);
    }
}
