#pragma once
// The one door to parallelism: every parallel loop in nin goes through parallel_for, over oneTBB.
// Results never depend on the number of threads: loops split work into a fixed set of tasks whose
// boundaries depend only on the problem size, and reductions combine per-task results in a fixed
// order.

#include <cstdint>
#include <functional>
#include <memory>

namespace nin {

// Sets the number of worker threads for the lifetime of the object (tbb::global_control). With
// threads == 0 it uses $NIN_THREADS when set, else every core.
class ThreadLimit {
 public:
  explicit ThreadLimit(int threads = 0);
  ~ThreadLimit();
  ThreadLimit(const ThreadLimit&) = delete;
  ThreadLimit& operator=(const ThreadLimit&) = delete;
  int threads() const { return threads_; }

 private:
  struct Control;
  std::unique_ptr<Control> control_;
  int threads_;
};

// Threads the current limit allows.
int max_threads();

// Index of the calling thread among max_threads() (for per-thread scratch buffers).
int thread_slot();

// Calls body(i) for every i in [0, count), each index exactly once, possibly in parallel.
void parallel_for(std::int64_t count, const std::function<void(std::int64_t)>& body);

// Splits [0, count) into `tasks` contiguous ranges that depend only on count and tasks.
struct Range {
  std::int64_t begin, end;
};
inline Range split_range(std::int64_t count, std::int64_t tasks, std::int64_t task) {
  return {count * task / tasks, count * (task + 1) / tasks};
}

}  // namespace nin

namespace nin {

// Per-thread scratch memory of a fixed number of floats, allocated on a thread's first use and
// reused afterwards, so steady-state loops allocate nothing.
class ThreadScratch {
 public:
  explicit ThreadScratch(std::int64_t floats);
  ~ThreadScratch();
  ThreadScratch(ThreadScratch&&) noexcept;
  ThreadScratch& operator=(ThreadScratch&&) noexcept;
  float* local();
  std::int64_t floats() const { return floats_; }

 private:
  struct Storage;
  std::unique_ptr<Storage> storage_;
  std::int64_t floats_;
};

}  // namespace nin
