// nin-bench: per-layer forward/backward time, training-step and inference throughput of a network
// on synthetic data (like `caffe time`).

#include <sys/resource.h>

#include <chrono>
#include <iostream>
#include <nlohmann/json.hpp>
#include <vector>

#include "common/cli.hpp"
#include "common/model_loading.hpp"
#include "common/table.hpp"
#include "nin/core/error.hpp"
#include "nin/core/gemm.hpp"
#include "nin/core/parallel.hpp"
#include "nin/core/random.hpp"
#include "nin/net/network.hpp"
#include "nin/spec/layer_cost.hpp"
#include "nin/spec/preset_catalog.hpp"
#include "nin/train/sgd.hpp"

namespace po = boost::program_options;
using Clock = std::chrono::steady_clock;

namespace {

double seconds_since(Clock::time_point start) {
  return std::chrono::duration<double>(Clock::now() - start).count();
}

std::string fixed(double value, int digits) {
  char text[64];
  std::snprintf(text, sizeof text, "%.*f", digits, value);
  return text;
}

}  // namespace

int main(int argc, char** argv) {
  constexpr nin::cli::ToolInfo info{
      "nin-bench", "NET [options]",
      "Times NET (a preset name or spec file) on random data: per-layer forward and backward\n"
      "milliseconds of a training step, training images/s (forward, backward, SGD update) and\n"
      "inference images/s."};
  return nin::cli::run(info.name, [&] {
    std::string net, format;
    std::int64_t batch = 128, infer_batch = 256, iterations = 10;
    int threads = 0;
    po::options_description options("Options");
    options.add_options()("net", po::value(&net)->required(),
                          "preset name or spec file (positional)")(
        "batch", po::value(&batch)->default_value(128), "training batch size")(
        "infer-batch", po::value(&infer_batch)->default_value(256), "inference batch size")(
        "iterations", po::value(&iterations)->default_value(10), "timed iterations of each kind")(
        "threads", po::value(&threads)->default_value(0),
        "worker threads (0: $NIN_THREADS or all cores)")(
        "format", po::value(&format)->default_value("md"), "output format: md, json");
    po::positional_options_description positional;
    positional.add("net", 1);
    po::variables_map values;
    if (!nin::cli::parse_command_line(argc, argv, info, options, positional, values))
      return nin::cli::kSuccess;
    const auto out_format =
        nin::cli::parse_format(format, {nin::cli::Format::md, nin::cli::Format::json});
    if (batch < 1 || infer_batch < 1 || batch > 65536 || infer_batch > 65536)
      throw nin::UsageError("--batch and --infer-batch must be in 1..65536");
    if (iterations < 1 || iterations > 100000)
      throw nin::UsageError("--iterations: " + std::to_string(iterations) + " is not in 1..100000");
    nin::ThreadLimit thread_limit(threads);

    const auto spec = nin::cli::load_network_any(net);
    const std::int64_t image_size = spec.input.elements();
    std::vector<float> images(static_cast<std::size_t>(image_size * std::max(batch, infer_batch)));
    for (std::size_t i = 0; i < images.size(); ++i)
      images[i] = static_cast<float>(nin::random_normal(7, 0, i));
    std::vector<std::int32_t> labels(static_cast<std::size_t>(batch));
    for (std::size_t i = 0; i < labels.size(); ++i)
      labels[i] = static_cast<std::int32_t>(nin::random_bits(7, 1, i) %
                                            static_cast<std::uint64_t>(spec.classes));

    // Training and inference each get a network sized for their own batch, one after the other,
    // so the peak memory reported is that of the larger of the two jobs.
    nin::LayerTimes times;
    double train_seconds = 0, infer_seconds = 0;
    {
      nin::Network network(spec, batch);
      network.initialize(1);
      nin::Sgd sgd(network, {0.9, 1e-4, false});
      const auto train_step = [&] {
        network.forward(images.data(), batch, nin::Phase::train);
        network.backward(labels.data());
        sgd.step(0.001);
      };
      for (int i = 0; i < 2; ++i) train_step();  // warm-up: first-touch scratch, caches
      network.attach_timer(&times);
      const auto start = Clock::now();
      for (std::int64_t i = 0; i < iterations; ++i) train_step();
      train_seconds = seconds_since(start);
    }
    rusage usage{};
    getrusage(RUSAGE_SELF, &usage);
    const double train_rss_mb = static_cast<double>(usage.ru_maxrss) / 1024.0;
    {
      nin::Network network(spec, infer_batch, nin::NetworkUse::inference);
      network.initialize(1);
      network.forward(images.data(), infer_batch, nin::Phase::eval);
      const auto start = Clock::now();
      for (std::int64_t i = 0; i < iterations; ++i)
        network.forward(images.data(), infer_batch, nin::Phase::eval);
      infer_seconds = seconds_since(start);
    }
    const double train_rate = static_cast<double>(batch * iterations) / train_seconds;
    const double infer_rate = static_cast<double>(infer_batch * iterations) / infer_seconds;
    const double macs = static_cast<double>(nin::network_cost(spec).macs);
    // A training step costs about three forward passes of multiply-adds (forward, data gradient,
    // weight gradient); 1 MAC = 2 FLOPs.
    const double train_gflops = train_rate * macs * 6.0 / 1e9;
    const double infer_gflops = infer_rate * macs * 2.0 / 1e9;
    getrusage(RUSAGE_SELF, &usage);
    const double peak_rss_mb = static_cast<double>(usage.ru_maxrss) / 1024.0;
    const double n = static_cast<double>(iterations);

    if (out_format == nin::cli::Format::json) {
      nlohmann::ordered_json layers = nlohmann::ordered_json::array();
      for (std::size_t i = 0; i < times.names.size(); ++i)
        layers.push_back({{"name", times.names[i]},
                          {"forward_ms", times.forward_ms[i] / n},
                          {"backward_ms", times.backward_ms[i] / n}});
      nlohmann::ordered_json doc = {{"network", spec.name.empty() ? spec.source : spec.name},
                                    {"threads", thread_limit.threads()},
                                    {"batch", batch},
                                    {"infer_batch", infer_batch},
                                    {"iterations", iterations},
                                    {"layers", layers},
                                    {"train_images_per_s", train_rate},
                                    {"infer_images_per_s", infer_rate},
                                    {"train_gflops", train_gflops},
                                    {"infer_gflops", infer_gflops},
                                    {"train_peak_rss_mb", train_rss_mb},
                                    {"peak_rss_mb", peak_rss_mb},
                                    {"blas_core", nin::blas_core_name()}};
      std::cout << doc.dump(2) << "\n";
      return nin::cli::kSuccess;
    }
    nin::cli::Table table;
    table.header = {"Layer", "Forward ms", "Backward ms"};
    table.right_aligned = {false, true, true};
    double forward_total = 0, backward_total = 0;
    for (std::size_t i = 0; i < times.names.size(); ++i) {
      table.rows.push_back(
          {times.names[i], fixed(times.forward_ms[i] / n, 3), fixed(times.backward_ms[i] / n, 3)});
      forward_total += times.forward_ms[i] / n;
      backward_total += times.backward_ms[i] / n;
    }
    table.rows.push_back({"Total", fixed(forward_total, 3), fixed(backward_total, 3)});
    std::cout << "Network " << (spec.name.empty() ? spec.source : spec.name) << ", "
              << thread_limit.threads() << " threads, training batch " << batch
              << ", inference batch " << infer_batch << ", " << iterations
              << " iterations, OpenBLAS " << nin::blas_core_name() << " kernels\n\n";
    nin::cli::write_markdown(std::cout, table);
    std::cout << "\nTraining step: " << fixed(train_rate, 1) << " images/s ("
              << fixed(train_gflops, 1) << " GFLOP/s)\nInference:     " << fixed(infer_rate, 1)
              << " images/s (" << fixed(infer_gflops, 1)
              << " GFLOP/s)\nPeak RSS:      " << fixed(train_rss_mb, 0) << " MB after training, "
              << fixed(peak_rss_mb, 0) << " MB in all\n";
    return nin::cli::kSuccess;
  });
}
