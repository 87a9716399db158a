#pragma once
// Timing of a network on synthetic data, as `caffe time` does: per-layer forward and backward
// milliseconds of a training step, and training (forward, backward, SGD update) and inference
// throughput. Training and inference each get a network sized for their own batch, one after the
// other, so the peak memory is that of the larger job.

#include <cstdint>

#include "nin/net/network.hpp"

namespace nin {

struct BenchmarkOptions {
  std::int64_t batch = 128;        // training
  std::int64_t infer_batch = 256;  // inference
  std::int64_t iterations = 10;    // timed passes of each kind, after two untimed ones
};

struct BenchmarkResult {
  LayerTimes layers;  // milliseconds per training step
  double train_images_per_s = 0, infer_images_per_s = 0;
  // Convolution multiply-adds × 2 FLOPs; a training step counts three passes (forward, data
  // gradient, weight gradient).
  double train_gflops = 0, infer_gflops = 0;
  double train_peak_rss_mb = 0;  // peak resident memory after the training part
  double peak_rss_mb = 0;        // after both
};

BenchmarkResult run_benchmark(const NetworkSpec& spec, const BenchmarkOptions& options);

}  // namespace nin
