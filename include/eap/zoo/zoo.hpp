// SPDX-License-Identifier: MIT
#pragma once

#include <functional>
#include <string>
#include <vector>

#include "eap/zoo/alexnet.hpp"
#include "eap/zoo/googlenet.hpp"
#include "eap/zoo/mobilenet.hpp"
#include "eap/zoo/resnet50.hpp"
#include "eap/zoo/squeezenet.hpp"
#include "eap/zoo/vgg16.hpp"

namespace eap::zoo {

/// Every network of the zoo, in a fixed order.
inline std::vector<network> all() {
    return {alexnet(), googlenet(), squeezenet_v1_0(), squeezenet_v1_1(), vgg16(), resnet50(), mobilenet_v1()};
}

/// The zoo network called `name` ("alexnet", "googlenet", "squeezenet_v1_0", "squeezenet_v1_1",
/// "vgg16", "resnet50", "mobilenet_v1"); throws `eap::argument_error` for another name.
inline network by_name(const std::string& name) {
    for (network& n : all())
        if (n.name() == name) return std::move(n);
    throw argument_error("eap::zoo::by_name: no network named '" + name +
                         "' (have alexnet, googlenet, squeezenet_v1_0, squeezenet_v1_1, vgg16, resnet50, mobilenet_v1)");
}

}  // namespace eap::zoo
