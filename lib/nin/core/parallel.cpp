#include "nin/core/parallel.hpp"

#include <oneapi/tbb/global_control.h>
#include <oneapi/tbb/info.h>
#include <oneapi/tbb/parallel_for.h>
#include <oneapi/tbb/task_arena.h>

#include <cstdlib>
#include <string>

#include "nin/core/error.hpp"

namespace nin {

struct ThreadLimit::Control {
  // Constructed in place: tbb::global_control registers its own address, so a copy (which the
  // compiler allows) would be an unregistered object and the limit would vanish with the original.
  explicit Control(std::size_t threads)
      : control(tbb::global_control::max_allowed_parallelism, threads) {}
  tbb::global_control control;
};

namespace {
int threads_from_environment() {
  const char* text = std::getenv("NIN_THREADS");
  if (!text || !*text) return 0;
  char* end = nullptr;
  const long n = std::strtol(text, &end, 10);
  if (*end != '\0' || n < 1 || n > 4096)
    throw UsageError("NIN_THREADS: '" + std::string(text) + "' is not a thread count in 1..4096");
  return static_cast<int>(n);
}
}  // namespace

ThreadLimit::ThreadLimit(int threads) {
  if (threads < 0 || threads > 4096)
    throw UsageError("--threads: " + std::to_string(threads) + " is not in 1..4096");
  if (threads == 0) threads = threads_from_environment();
  if (threads == 0) threads = tbb::info::default_concurrency();
  threads_ = threads;
  control_ = std::make_unique<Control>(static_cast<std::size_t>(threads));
}

ThreadLimit::~ThreadLimit() = default;

int max_threads() {
  return static_cast<int>(
      tbb::global_control::active_value(tbb::global_control::max_allowed_parallelism));
}

int thread_slot() {
  const int slot = tbb::this_task_arena::current_thread_index();
  return slot == tbb::task_arena::not_initialized ? 0 : slot;
}

void parallel_for(std::int64_t count, const std::function<void(std::int64_t)>& body) {
  if (count <= 0) return;
  if (count == 1 || max_threads() == 1) {
    for (std::int64_t i = 0; i < count; ++i) body(i);
    return;
  }
  tbb::parallel_for(
      tbb::blocked_range<std::int64_t>(0, count, 1),
      [&](const tbb::blocked_range<std::int64_t>& r) {
        for (auto i = r.begin(); i != r.end(); ++i) body(i);
      },
      tbb::simple_partitioner());
}

}  // namespace nin

#include <oneapi/tbb/enumerable_thread_specific.h>

#include "nin/core/tensor.hpp"

namespace nin {

struct ThreadScratch::Storage {
  tbb::enumerable_thread_specific<Tensor> per_thread;
};

ThreadScratch::ThreadScratch(std::int64_t floats)
    : storage_(std::make_unique<Storage>()), floats_(floats) {}
ThreadScratch::~ThreadScratch() = default;
ThreadScratch::ThreadScratch(ThreadScratch&&) noexcept = default;
ThreadScratch& ThreadScratch::operator=(ThreadScratch&&) noexcept = default;

float* ThreadScratch::local() {
  Tensor& t = storage_->per_thread.local();
  if (t.size() < floats_) t = Tensor({floats_});
  return t.data();
}

}  // namespace nin
