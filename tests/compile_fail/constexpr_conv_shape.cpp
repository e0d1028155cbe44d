// expect: kernel_height is larger than the padded input height
#include <eap/hardware/accelerator.hpp>
#include <eap/shape/conv_shape.hpp>

struct dram : eap::static_level<eap::unbounded, eap::cost<200>> {};
struct glb : eap::static_level<eap::shared_words<1024>, eap::cost<6>> {};

#ifndef EAP_COMPILE_FAIL_CONTROL
constexpr auto s = eap::conv_shape{}.with_channels(3, 8).with_input(4, 4).with_kernel(5, 5).validated();
#else
constexpr auto s = eap::conv_shape{}.with_channels(3, 8).with_input(4, 4).with_kernel(3, 3).validated();
#endif

int main() { return 0; }
