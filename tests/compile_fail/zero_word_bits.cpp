// expect: eap::word_bits: each word width must be between 1 and 64 bits
#include <eap/hardware/accelerator.hpp>
#include <eap/shape/conv_shape.hpp>

struct dram : eap::static_level<eap::unbounded, eap::cost<200>> {};
struct glb : eap::static_level<eap::shared_words<1024>, eap::cost<6>> {};

#ifndef EAP_COMPILE_FAIL_CONTROL
using chip = eap::accelerator<eap::levels<dram, glb>, eap::static_pe_array<4, 4, eap::shared_words<16>, eap::cost<1>, eap::cost<2>>, eap::word_bits<0, 16, 16>>;
chip c;
#else
using chip = eap::accelerator<eap::levels<dram, glb>, eap::static_pe_array<4, 4, eap::shared_words<16>, eap::cost<1>, eap::cost<2>>, eap::word_bits<1, 16, 16>>;
chip c;
#endif

int main() { return 0; }
