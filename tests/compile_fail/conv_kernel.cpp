// expect: eap::static_conv: the kernel height R is larger than the padded input
#include <eap/hardware/accelerator.hpp>
#include <eap/shape/conv_shape.hpp>

struct dram : eap::static_level<eap::unbounded, eap::cost<200>> {};
struct glb : eap::static_level<eap::shared_words<1024>, eap::cost<6>> {};

#ifndef EAP_COMPILE_FAIL_CONTROL
constexpr auto s = eap::static_conv<3, 8, 4, 10, 7, 3, 1, 1>::value;
#else
constexpr auto s = eap::static_conv<3, 8, 5, 10, 7, 3, 1, 1>::value;
#endif

int main() { return 0; }
