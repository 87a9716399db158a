#include "nin/train/benchmark.hpp"

#include <sys/resource.h>

#include <algorithm>
#include <chrono>
#include <vector>

#include "nin/core/gemm.hpp"
#include "nin/core/parallel.hpp"
#include "nin/core/random.hpp"
#include "nin/dist/batch_share.hpp"
#include "nin/dist/timed_communicator.hpp"
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
  SingleProcessCommunicator single;
  return run_benchmark(spec, options, single);
}

BenchmarkResult run_benchmark(const NetworkSpec& spec, const BenchmarkOptions& options,
                              Communicator& comm) {
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
  result.processes = comm.size();
  double train_seconds = 0, infer_seconds = 0;
  {
    TimedCommunicator timed(comm);
    const BatchShare share(batch, timed);
    const float* mine = images.data() + share.first_image() * spec.input.elements();
    Network network(spec, batch);
    network.initialize(1);
    Sgd sgd(network, {0.9, 1e-4, false});
    const auto train_step = [&] {
      network.forward(mine, share.images(), Phase::train, &share);
      network.backward(labels.data() + share.first_image());
      sgd.step(0.001);
    };
    for (int i = 0; i < 2; ++i) train_step();  // first touch of buffers and scratch
    network.attach_timer(&result.layers);
    comm.any(false);  // start together
    timed.reset();
    const auto start = Clock::now();
    for (std::int64_t i = 0; i < iterations; ++i) train_step();
    train_seconds = seconds_since(start);
    result.train_communication_share = timed.seconds() / train_seconds;
    network.attach_timer(nullptr);
  }
  result.train_peak_rss_mb = peak_rss_mb();
  {
    // Inference needs no communication: each rank runs its share of the batch, and the slowest
    // rank's time counts.
    const BatchShare share(infer_batch, comm);
    const std::int64_t mine = std::max<std::int64_t>(share.images(), 1);
    Network network(spec, infer_batch, NetworkUse::inference);
    network.initialize(1);
    for (int i = 0; i < 2; ++i) network.forward(images.data(), mine, Phase::eval);
    network.attach_timer(&result.inference_layers);
    comm.any(false);
    const auto start = Clock::now();
    for (std::int64_t i = 0; i < iterations; ++i) network.forward(images.data(), mine, Phase::eval);
    comm.any(false);
    infer_seconds = seconds_since(start);
    network.attach_timer(nullptr);
  }
  result.peak_rss_mb = peak_rss_mb();
  const double n = static_cast<double>(iterations);
  for (auto& ms : result.layers.forward_ms) ms /= n;
  for (auto& ms : result.layers.backward_ms) ms /= n;
  for (auto& ms : result.inference_layers.forward_ms) ms /= n;
  result.train_images_per_s = static_cast<double>(batch) * n / train_seconds;
  result.infer_images_per_s = static_cast<double>(infer_batch) * n / infer_seconds;
  const double macs = static_cast<double>(network_cost(spec).macs);
  result.train_gflops = result.train_images_per_s * macs * 6.0 / 1e9;
  result.infer_gflops = result.infer_images_per_s * macs * 2.0 / 1e9;
  result.gemm_peak_gflops = measure_gemm_peak_gflops();
  return result;
}

double measure_gemm_peak_gflops() {
  constexpr std::int64_t kSide = 1024;
  const std::int64_t tasks = 2 * static_cast<std::int64_t>(max_threads());
  const auto side_squared = static_cast<std::size_t>(kSide * kSide);
  std::vector<float> a(side_squared), b(side_squared);
  for (std::size_t i = 0; i < side_squared; ++i) {
    a[i] = static_cast<float>(random_normal(11, 0, i));
    b[i] = static_cast<float>(random_normal(11, 1, i));
  }
  std::vector<float> c(side_squared * static_cast<std::size_t>(tasks));
  const auto products = [&] {
    parallel_for(tasks, [&](std::int64_t t) {
      gemm(Transpose::no, Transpose::no, kSide, kSide, kSide, 1.0f, a.data(), kSide, b.data(),
           kSide, 0.0f, c.data() + static_cast<std::size_t>(t) * side_squared, kSide);
    });
  };
  products();  // first touch, kernel loading
  double best = 0;
  for (int round = 0; round < 3; ++round) {
    const auto start = Clock::now();
    products();
    const double flops = 2.0 * double(kSide) * double(kSide) * double(kSide) * double(tasks);
    best = std::max(best, flops / seconds_since(start) / 1e9);
  }
  return best;
}

}  // namespace nin
