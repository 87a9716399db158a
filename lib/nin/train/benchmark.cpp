#include "nin/train/benchmark.hpp"

#include <sys/resource.h>

#include <chrono>
#include <vector>

#include "nin/core/random.hpp"
#include "nin/spec/layer_cost.hpp"
#include "nin/train/sgd.hpp"

namespace nin {
namespace {

using Clock = std::chrono::steady_clock;

double seconds_since(Clock::time_point start) {
  return std::chrono::duration<double>(Clock::now() - start).count();
}

double peak_rss_mb() {
  rusage usage{};
  getrusage(RUSAGE_SELF, &usage);
  return static_cast<double>(usage.ru_maxrss) / 1024.0;
}

}  // namespace

BenchmarkResult run_benchmark(const NetworkSpec& spec, const BenchmarkOptions& options) {
  const std::int64_t batch = options.batch, infer_batch = options.infer_batch;
  const std::int64_t iterations = options.iterations;
  std::vector<float> images(
      static_cast<std::size_t>(spec.input.elements() * std::max(batch, infer_batch)));
  for (std::size_t i = 0; i < images.size(); ++i)
    images[i] = static_cast<float>(random_normal(7, 0, i));
  std::vector<std::int32_t> labels(static_cast<std::size_t>(batch));
  for (std::size_t i = 0; i < labels.size(); ++i)
    labels[i] =
        static_cast<std::int32_t>(random_bits(7, 1, i) % static_cast<std::uint64_t>(spec.classes));

  BenchmarkResult result;
  double train_seconds = 0, infer_seconds = 0;
  {
    Network network(spec, batch);
    network.initialize(1);
    Sgd sgd(network, {0.9, 1e-4, false});
    const auto train_step = [&] {
      network.forward(images.data(), batch, Phase::train);
      network.backward(labels.data());
      sgd.step(0.001);
    };
    for (int i = 0; i < 2; ++i) train_step();  // first touch of buffers and scratch
    network.attach_timer(&result.layers);
    const auto start = Clock::now();
    for (std::int64_t i = 0; i < iterations; ++i) train_step();
    train_seconds = seconds_since(start);
    network.attach_timer(nullptr);
  }
  result.train_peak_rss_mb = peak_rss_mb();
  {
    Network network(spec, infer_batch, NetworkUse::inference);
    network.initialize(1);
    for (int i = 0; i < 2; ++i) network.forward(images.data(), infer_batch, Phase::eval);
    const auto start = Clock::now();
    for (std::int64_t i = 0; i < iterations; ++i)
      network.forward(images.data(), infer_batch, Phase::eval);
    infer_seconds = seconds_since(start);
  }
  result.peak_rss_mb = peak_rss_mb();
  const double n = static_cast<double>(iterations);
  for (auto& ms : result.layers.forward_ms) ms /= n;
  for (auto& ms : result.layers.backward_ms) ms /= n;
  result.train_images_per_s = static_cast<double>(batch) * n / train_seconds;
  result.infer_images_per_s = static_cast<double>(infer_batch) * n / infer_seconds;
  const double macs = static_cast<double>(network_cost(spec).macs);
  result.train_gflops = result.train_images_per_s * macs * 6.0 / 1e9;
  result.infer_gflops = result.infer_images_per_s * macs * 2.0 / 1e9;
  return result;
}

}  // namespace nin
