// expect: eap::accelerator: an inner storage level is larger than the level outside it
#include <eap/hardware/accelerator.hpp>
#include <eap/shape/conv_shape.hpp>

struct dram : eap::static_level<eap::unbounded, eap::cost<200>> {};
struct glb : eap::static_level<eap::shared_words<1024>, eap::cost<6>> {};
struct l2 : eap::static_level<eap::shared_words<512>, eap::cost<4>> {};
#ifndef EAP_COMPILE_FAIL_CONTROL
using chip = eap::accelerator<eap::levels<dram, l2, glb>, eap::static_pe_array<4, 4, eap::shared_words<16>, eap::cost<1>, eap::cost<2>>>;
eap::hardware hw = eap::to_hardware<chip>();
#else
using chip = eap::accelerator<eap::levels<dram, glb, l2>, eap::static_pe_array<4, 4, eap::shared_words<16>, eap::cost<1>, eap::cost<2>>>;
eap::hardware hw = eap::to_hardware<chip>();
#endif

int main() { return 0; }
