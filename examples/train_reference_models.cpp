// Trains the two reference models of eap on Fashion-MNIST from a fixed seed and saves them as
// model directories (network description + one .npy per tensor):
//
//     train_reference_models [--model alexnet|googlenet|both] [--epochs N] [--seed S]
//                            [--out DIR] [--data DIR]
//
// The shipped weights in tests/data/models/ were produced by running it from the repository
// root with the defaults (OPENBLAS_NUM_THREADS=1 OPENBLAS_CORETYPE=Haswell). Each epoch prints
// the training loss and the top-1 accuracy on the 10,000 test images (evaluated 250 at a time,
// the batch size the accuracy test uses).
#include <chrono>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <filesystem>
#include <iostream>
#include <string>

#include <eap/data/fashion_mnist.hpp>
#include <eap/engine/evaluate.hpp>
#include <eap/engine/trainer.hpp>
#include <eap/engine/model_files.hpp>
#include <eap/zoo/fashion_mnist_models.hpp>

namespace {

struct recipe {
    const char* directory;
    eap::network (*make)();
    std::int64_t epochs;
    double learning_rate;
};

// The training recipe of each model: momentum SGD, a cosine schedule after a short warm-up.
const recipe alexnet_recipe{"alexnet_like", [] { return eap::zoo::fashion_alexnet(); }, 4, 0.02};
const recipe googlenet_recipe{"googlenet_like", &eap::zoo::fashion_googlenet, 6, 0.05};

void train_one(const recipe& r, std::int64_t epochs, std::uint64_t seed, const std::filesystem::path& out,
               const eap::data::labeled_images& train, const eap::data::labeled_images& test) {
    eap::engine::model m(r.make());
    std::printf("\n%s: %lld weights, %lld MACs per image; %lld epochs, seed %llu\n", m.graph().name().c_str(),
                static_cast<long long>(m.graph().weight_count()), static_cast<long long>(m.graph().mac_count()),
                static_cast<long long>(epochs), static_cast<unsigned long long>(seed));
    m.initialize(seed);
    eap::engine::training_options options;
    options.epochs = epochs;
    options.batch_size = 64;
    options.seed = seed;
    options.optimizer.momentum = 0.9f;
    options.optimizer.weight_decay = 5e-4f;
    options.schedule.kind = eap::engine::learning_rate_schedule::shape::cosine;
    options.schedule.base = r.learning_rate;
    options.schedule.warmup = 0.03;
    eap::engine::executor evaluator;
    double training_seconds = 0.0;
    eap::engine::accuracy_report last;
    eap::engine::train(m, train.images, train.labels, options, [&](const eap::engine::epoch_report& e) {
        training_seconds += e.seconds;
        last = eap::engine::evaluate(evaluator, m, test.images, test.labels, 250);
        std::printf("  epoch %lld: loss %.4f, train top-1 %.2f%%, test top-1 %.2f%% (%lld / %lld), top-5 %.2f%%, %.0f s\n",
                    static_cast<long long>(e.epoch), e.mean_loss, 100.0 * e.accuracy, 100.0 * last.top1(),
                    static_cast<long long>(last.top1_correct), static_cast<long long>(last.images), 100.0 * last.top5(),
                    e.seconds);
        std::fflush(stdout);
    });
    const auto directory = out / r.directory;
    eap::engine::save_model(m, directory);
    std::printf("%s: test top-1 %.2f%% (%lld of %lld correct), top-5 %.2f%%; training took %.0f s; saved to %s\n",
                m.graph().name().c_str(), 100.0 * last.top1(), static_cast<long long>(last.top1_correct),
                static_cast<long long>(last.images), 100.0 * last.top5(), training_seconds, directory.string().c_str());
}

[[noreturn]] void usage(const char* message) {
    std::cerr << "train_reference_models: " << message
              << "\nusage: train_reference_models [--model alexnet|googlenet|both] [--epochs N] [--seed S] [--out DIR]"
                 " [--data DIR]\n";
    std::exit(2);
}

}  // namespace

int main(int argc, char** argv) {
    std::string which = "both";
    std::int64_t epochs = 0;  // 0: each model's own
    std::uint64_t seed = 2017;
    std::filesystem::path out = "tests/data/models";
    std::filesystem::path data = eap::data::fashion_mnist_default_directory();
    for (int i = 1; i < argc; ++i) {
        const std::string arg = argv[i];
        if (i + 1 >= argc) usage(("missing value after " + arg).c_str());
        const std::string value = argv[++i];
        try {
            if (arg == "--model") which = value;
            else if (arg == "--epochs") epochs = std::stoll(value);
            else if (arg == "--seed") seed = std::stoull(value);
            else if (arg == "--out") out = value;
            else if (arg == "--data") data = value;
            else usage(("unknown option " + arg).c_str());
        } catch (const std::logic_error&) {
            usage(("bad value '" + value + "' for " + arg).c_str());
        }
    }
    if (which != "alexnet" && which != "googlenet" && which != "both") usage("--model takes alexnet, googlenet or both");
    if (epochs < 0) usage("--epochs must be at least 1");
    try {
        const auto start = std::chrono::steady_clock::now();
        const auto train = eap::data::load_fashion_mnist(eap::data::fashion_mnist_split::train, data);
        const auto test = eap::data::load_fashion_mnist(eap::data::fashion_mnist_split::test, data);
        std::printf("Fashion-MNIST: %lld training and %lld test images (%.1f s to load)\n",
                    static_cast<long long>(train.size()), static_cast<long long>(test.size()),
                    std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count());
        for (const recipe* r : {&alexnet_recipe, &googlenet_recipe}) {
            if (which != "both" && std::string(r->directory).rfind(which, 0) != 0) continue;
            train_one(*r, epochs > 0 ? epochs : r->epochs, seed, out, train, test);
        }
        return 0;
    } catch (const eap::error& e) {
        std::cerr << "train_reference_models: " << e.what() << '\n';
        return 1;
    }
}
