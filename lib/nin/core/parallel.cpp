#include "nin/core/parallel.hpp"

#include <oneapi/tbb/global_control.h>
#include <oneapi/tbb/info.h>
#include <oneapi/tbb/parallel_for.h>
#include <oneapi/tbb/task_arena.h>

#include <algorithm>
#include <atomic>
#include <cstdlib>
#include <exception>
#include <map>
#include <mutex>
#include <string>
#include <thread>
#include <vector>

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

#ifndef NIN_PARALLEL_STD_THREADS
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
#else
// Build option for ThreadSanitizer only: Debian's oneTBB is not instrumented, so TSan cannot see
// its scheduler's synchronisation. Here each loop starts std::threads that TSan sees created and
// joined, and hands out indices through one atomic counter.
namespace {
thread_local int current_slot = 0;
}

int thread_slot() {
  return current_slot;
}

void parallel_for(std::int64_t count, const std::function<void(std::int64_t)>& body) {
  if (count <= 0) return;
  const auto threads = static_cast<int>(std::min<std::int64_t>(max_threads(), count));
  if (threads <= 1) {
    for (std::int64_t i = 0; i < count; ++i) body(i);
    return;
  }
  std::atomic<std::int64_t> next{0};
  std::mutex error_mutex;
  std::exception_ptr error;  // the first exception, rethrown after the join as TBB does
  const auto work = [&](int slot) {
    current_slot = slot;
    for (std::int64_t i; (i = next.fetch_add(1)) < count;) {
      try {
        body(i);
      } catch (...) {
        const std::lock_guard lock(error_mutex);
        if (!error) error = std::current_exception();
        next = count;
      }
    }
    current_slot = 0;
  };
  std::vector<std::thread> pool;
  for (int slot = 1; slot < threads; ++slot) pool.emplace_back(work, slot);
  work(0);
  for (auto& thread : pool) thread.join();
  if (error) std::rethrow_exception(error);
}
#endif

}  // namespace nin

#include <oneapi/tbb/enumerable_thread_specific.h>

#include "nin/core/tensor.hpp"

namespace nin {

#ifndef NIN_PARALLEL_STD_THREADS
struct ThreadScratch::Storage {
  tbb::enumerable_thread_specific<Tensor> per_thread;
  Tensor& local() { return per_thread.local(); }
};
#else
// The std::thread build (for ThreadSanitizer) keeps oneTBB out of the scratch too: its
// enumerable_thread_specific allocates through oneTBB's uninstrumented allocator, so TSan cannot
// see that freed tables are reused safely. Here each thread's tensor is found by its id under a
// mutex (std::map nodes do not move), and freed with the scratch.
struct ThreadScratch::Storage {
  std::mutex mutex;
  std::map<std::thread::id, Tensor> per_thread;
  Tensor& local() {
    const std::lock_guard lock(mutex);
    return per_thread[std::this_thread::get_id()];
  }
};
#endif

ThreadScratch::ThreadScratch(std::int64_t floats)
    : storage_(std::make_unique<Storage>()), floats_(floats) {}
ThreadScratch::~ThreadScratch() = default;
ThreadScratch::ThreadScratch(ThreadScratch&&) noexcept = default;
ThreadScratch& ThreadScratch::operator=(ThreadScratch&&) noexcept = default;

float* ThreadScratch::local() {
  Tensor& t = storage_->local();
  if (t.size() < floats_) t = Tensor({floats_});
  return t.data();
}

}  // namespace nin
