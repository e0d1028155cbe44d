// expect: eap::accelerator: the per-PE scratchpad is larger than the innermost storage level
#include <eap/hardware/accelerator.hpp>
#include <eap/shape/conv_shape.hpp>

struct dram : eap::static_level<eap::unbounded, eap::cost<200>> {};
struct glb : eap::static_level<eap::shared_words<1024>, eap::cost<6>> {};

#ifndef EAP_COMPILE_FAIL_CONTROL
using chip = eap::accelerator<eap::levels<dram, glb>, eap::static_pe_array<4, 4, eap::shared_words<4096>, eap::cost<1>, eap::cost<2>>>;
eap::hardware hw = eap::to_hardware<chip>();
#else
using chip = eap::accelerator<eap::levels<dram, glb>, eap::static_pe_array<4, 4, eap::shared_words<1024>, eap::cost<1>, eap::cost<2>>>;
eap::hardware hw = eap::to_hardware<chip>();
#endif

int main() { return 0; }
