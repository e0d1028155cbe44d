// SPDX-License-Identifier: MIT
// Layer shapes, networks (graphs of CONV, FC, pooling, concat and add layers), the network
// text format and the zoo of published networks. Standard library only.
#pragma once

#include "eap/shape/conv_shape.hpp"
#include "eap/shape/fmap_shape.hpp"
#include "eap/shape/padding.hpp"
#include "eap/shape/pool_shape.hpp"
#include "eap/network/layer.hpp"
#include "eap/network/network.hpp"
#include "eap/network/network_text.hpp"
#include "eap/zoo/alexnet.hpp"
#include "eap/zoo/fashion_mnist_models.hpp"
#include "eap/zoo/googlenet.hpp"
#include "eap/zoo/mobilenet.hpp"
#include "eap/zoo/resnet50.hpp"
#include "eap/zoo/squeezenet.hpp"
#include "eap/zoo/vgg16.hpp"
#include "eap/zoo/zoo.hpp"
