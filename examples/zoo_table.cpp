// Prints every zoo network layer by layer: shape, weights and MACs per image, and the totals.
//
//     zoo_table            all networks
//     zoo_table alexnet    one network
#include <cstdio>
#include <iostream>
#include <string>

#include <eap/zoo/zoo.hpp>

namespace {

void print_network(const eap::network& net) {
    std::printf("\n%s\n", net.name().c_str());
    std::printf("%-26s %-5s %6s %6s %9s %7s %6s %4s %12s %14s\n", "layer", "type", "C", "M", "HxW", "RxS", "stride",
                "grp", "weights", "MACs/image");
    for (std::size_t i : net.compute_layers()) {
        const eap::conv_shape s = net.layer_shape(i);
        const std::string hw = std::to_string(s.in_height) + "x" + std::to_string(s.in_width);
        const std::string rs = std::to_string(s.kernel_height) + "x" + std::to_string(s.kernel_width);
        std::printf("%-26s %-5s %6lld %6lld %9s %7s %6lld %4lld %12lld %14lld\n", net[i].name.c_str(),
                    eap::to_string(net[i].kind()), static_cast<long long>(s.in_channels),
                    static_cast<long long>(s.out_channels), hw.c_str(), rs.c_str(),
                    static_cast<long long>(s.stride_height), static_cast<long long>(s.groups),
                    static_cast<long long>(s.weight_count()), static_cast<long long>(s.mac_count()));
    }
    std::printf("%-26s %-5s %6s %6s %9s %7s %6s %4s %12lld %14lld\n", "total", "", "", "", "", "", "", "",
                static_cast<long long>(net.weight_count()), static_cast<long long>(net.mac_count()));
}

}  // namespace

int main(int argc, char** argv) {
    try {
        if (argc > 1) {
            print_network(eap::zoo::by_name(argv[1]));
            return 0;
        }
        for (const eap::network& net : eap::zoo::all()) print_network(net);
        std::printf("\n%-18s %14s %16s %8s\n", "network", "weights", "MACs/image", "layers");
        for (const eap::network& net : eap::zoo::all())
            std::printf("%-18s %14lld %16lld %8zu\n", net.name().c_str(), static_cast<long long>(net.weight_count()),
                        static_cast<long long>(net.mac_count()), net.compute_layers().size());
        return 0;
    } catch (const eap::error& e) {
        std::cerr << "zoo_table: " << e.what() << '\n';
        return 1;
    }
}
