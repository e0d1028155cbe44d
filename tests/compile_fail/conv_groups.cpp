// expect: eap::static_conv: the input channels C must be divisible by Groups
#include <eap/hardware/accelerator.hpp>
#include <eap/shape/conv_shape.hpp>

struct dram : eap::static_level<eap::unbounded, eap::cost<200>> {};
struct glb : eap::static_level<eap::shared_words<1024>, eap::cost<6>> {};

#ifndef EAP_COMPILE_FAIL_CONTROL
constexpr auto s = eap::static_conv<6, 8, 10, 10, 3, 3, 1, 0, 4>::value;
#else
constexpr auto s = eap::static_conv<8, 8, 10, 10, 3, 3, 1, 0, 4>::value;
#endif

int main() { return 0; }
