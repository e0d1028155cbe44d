// Describes an accelerator of one's own as a type, converts it to the runtime `eap::hardware`
// used by the rest of the library, and sweeps a variant of it at run time.
//
// An impossible description does not compile; for example, making the L1 buffer larger than
// the L2 buffer outside it stops compilation with
//   "eap::accelerator: an inner storage level is larger than the level outside it; ..."
#include <iostream>

#include <eap/hardware/accelerator.hpp>

namespace my {

// Off-chip LPDDR4: unbounded; reads and writes cost differently (in pJ per 16-bit word).
struct lpddr4 : eap::static_level<eap::unbounded, eap::cost<640>, eap::cost<700>> {
    static constexpr const char* name = "LPDDR4";
};

// A 1 MB shared L2 SRAM (512 Ki 16-bit words), 12.5 pJ per access.
struct l2_sram : eap::static_level<eap::shared_words<512 * 1024>, eap::cost<25, 2>> {
    static constexpr const char* name = "L2";
};

// A 64 KB global buffer split between data types: 8 Ki weights, 16 Ki ifmaps, 8 Ki psums.
struct global_buffer : eap::static_level<eap::words_per_type<8192, 16384, 8192>, eap::cost<6>> {
    static constexpr const char* name = "GLB";
};

// 16 x 16 PEs, each with a 128-word register file (1 pJ) on a 2 pJ network; 8-bit weights and
// activations with 24-bit partial sums; a MAC costs 0.3 pJ.
struct edge_npu : eap::accelerator<eap::levels<lpddr4, l2_sram, global_buffer>,
                                   eap::static_pe_array<16, 16, eap::shared_words<128>, eap::cost<1>, eap::cost<2>>,
                                   eap::word_bits<8, 8, 24>, eap::cost<3, 10>, eap::picojoules> {
    static constexpr const char* name = "edge NPU";
};

}  // namespace my

int main() {
    try {
        static_assert(my::edge_npu::rows * my::edge_npu::cols == 256);
        eap::hardware hw = eap::to_hardware<my::edge_npu>();
        std::cout << hw << '\n';

        // The runtime mirror is a plain value: sweep the global buffer size without new types.
        for (std::int64_t kilobytes : {16, 32, 64, 128}) {
            eap::hardware variant = hw;
            const std::int64_t words = kilobytes * 1024 / 2;
            variant.levels[2].capacity = eap::level_capacity::per_type(words / 4, words / 2, words / 4);
            variant.validate();
            std::cout << "GLB " << kilobytes << " KB: " << variant.levels[2].capacity.total_words() << " words\n";
        }

        // Run-time mistakes are caught by validate() with the field and the value.
        eap::hardware broken = hw;
        broken.array.cols = 0;
        broken.validate();
    } catch (const eap::hardware_error& e) {
        std::cout << "rejected as expected: " << e.what() << '\n';
        return 0;
    }
    return 1;
}
