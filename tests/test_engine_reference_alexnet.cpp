// The shipped AlexNet-like Fashion-MNIST model (tests/data/models/alexnet_like/) reproduces the
// accuracy recorded when examples/train_reference_models.cpp trained it.
#include <cstdint>
#include <string>

#include "catch.hpp"
#include "eap/data/fashion_mnist.hpp"
#include "eap/engine/evaluate.hpp"
#include "eap/engine/model_files.hpp"
#include "eap/zoo/fashion_mnist_models.hpp"

namespace {
// Correct top-1 answers on the 10,000 test images, evaluated 250 images at a time (as recorded
// in docs/engine.md).
constexpr std::int64_t recorded_top1_correct = 9132;
constexpr std::int64_t recorded_top5_correct = 9986;
}  // namespace

TEST_CASE("the shipped alexnet_like model reproduces its recorded test accuracy", "[engine][reference]") {
    const eap::engine::model m = eap::engine::load_model(std::string(EAP_TEST_DATA_DIR) + "/models/alexnet_like");
    CHECK(m.graph() == eap::zoo::fashion_alexnet());
    if (!eap::data::fashion_mnist_available()) {
        WARN("Fashion-MNIST is not installed (sudo apt-get install dataset-fashion-mnist): the accuracy of the shipped "
             "alexnet_like model is not checked");
        return;
    }
    const auto test = eap::data::load_fashion_mnist(eap::data::fashion_mnist_split::test);
    const eap::engine::accuracy_report report = eap::engine::evaluate(m, test.images, test.labels, 250);
    CHECK(report.images == 10000);
    CHECK(report.top1_correct == recorded_top1_correct);
    CHECK(report.top5_correct == recorded_top5_correct);
    CHECK(report.top1() >= 0.90);
}
