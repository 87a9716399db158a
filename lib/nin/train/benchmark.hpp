#pragma once
// Timing of a network on synthetic data, as `caffe time` does: per-layer forward and backward
// milliseconds of a training step, and training (forward, backward, SGD update) and inference
// throughput, in one process or data-parallel over several. Training and inference each get a
// network sized for their own batch, one after the other, so the peak memory is that of the larger
// job.

#include <cstdint>

#include "nin/dist/communicator.hpp"
#include "nin/net/network.hpp"

namespace nin {

struct BenchmarkOptions {
  std::int64_t batch = 128;        // training
  std::int64_t infer_batch = 256;  // inference
  std::int64_t iterations = 10;    // timed passes of each kind, after two untimed ones
};

struct BenchmarkResult {
  LayerTimes layers;            // milliseconds per training step
  LayerTimes inference_layers;  // milliseconds per inference pass (forward only)
  double train_images_per_s = 0, infer_images_per_s = 0;
  // Convolution multiply-adds × 2 FLOPs; a training step counts three passes (forward, data
  // gradient, weight gradient).
  double train_gflops = 0, infer_gflops = 0;
  // With several processes: the global batch's throughput, and the share of a training step
  // spent in collective operations (exchanging sums, and waiting for the slowest rank).
  int processes = 1;
  double train_communication_share = 0;
  double train_peak_rss_mb = 0;  // peak resident memory after the training part
  double peak_rss_mb = 0;        // after both
  // The machine's practical limit as nin uses BLAS (one single-threaded product per task, every
  // thread busy): measured after the rest, so its matrices are not in the peak memory.
  double gemm_peak_gflops = 0;
};

// GFLOP/s of 1024×1024×1024 single-precision products through nin's gemm, several per thread at
// once, the best of three rounds.
double measure_gemm_peak_gflops();

BenchmarkResult run_benchmark(const NetworkSpec& spec, const BenchmarkOptions& options);
// The same on every rank of `comm`, each with its share of every batch (as nin-train under
// mpirun); every rank gets its own timings of the same steps (nin-bench prints rank 0's).
BenchmarkResult run_benchmark(const NetworkSpec& spec, const BenchmarkOptions& options,
                              Communicator& comm);

}  // namespace nin
