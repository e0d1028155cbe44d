// A user's program: one include, an accelerator of its own, a network from the zoo.
#include <eap/eap.hpp>

#include <iostream>
#include <sstream>

struct dram : eap::static_level<eap::unbounded, eap::cost<200>> {};
struct sram : eap::static_level<eap::shared_words<32768>, eap::cost<6>> {};
using my_chip = eap::accelerator<eap::levels<dram, sram>,
                                 eap::static_pe_array<8, 8, eap::shared_words<128>, eap::cost<1>, eap::cost<2>>>;

int main() {
    const eap::hardware hw = eap::to_hardware<my_chip>();
    const eap::network net = eap::zoo::squeezenet_v1_1();
    std::istringstream text(eap::to_network_text(net));
    const eap::network back = eap::read_network_text(text);
    std::cout << "consumer: " << back.name() << " has " << back.mac_count() << " MACs; PE array "
              << hw.array.rows << "x" << hw.array.cols << '\n';
    return back == net && back.mac_count() == 387747520 ? 0 : 1;
}
