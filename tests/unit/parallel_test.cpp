// The parallelism door: ThreadLimit really limits (and releases) the worker count, parallel_for
// visits every index exactly once, split_range tiles a range in contiguous pieces that depend only
// on the problem size, and ThreadScratch hands each thread its own reusable buffer.

#include <atomic>
#include <boost/test/unit_test.hpp>
#include <cstdint>
#include <cstdlib>
#include <string>
#include <vector>

#include "nin/core/error.hpp"
#include "nin/core/parallel.hpp"

namespace {

BOOST_AUTO_TEST_SUITE(parallel)

BOOST_AUTO_TEST_CASE(thread_limit_applies_for_its_lifetime) {
  const int before = nin::max_threads();
  for (const int n : {1, 2, 3, 8}) {
    BOOST_TEST_CONTEXT("limit " << n) {
      {
        nin::ThreadLimit limit(n);
        BOOST_TEST(limit.threads() == n);
        BOOST_TEST(nin::max_threads() == n);
      }
      BOOST_TEST(nin::max_threads() == before);
    }
  }
}

BOOST_AUTO_TEST_CASE(thread_limit_reads_nin_threads_and_rejects_nonsense) {
  const char* saved = std::getenv("NIN_THREADS");
  const std::string restore = saved ? saved : "";
  setenv("NIN_THREADS", "3", 1);
  {
    nin::ThreadLimit limit(0);
    BOOST_TEST(limit.threads() == 3);
    BOOST_TEST(nin::max_threads() == 3);
  }
  setenv("NIN_THREADS", "3x", 1);
  BOOST_CHECK_THROW(nin::ThreadLimit(0), nin::UsageError);
  setenv("NIN_THREADS", "0", 1);
  BOOST_CHECK_THROW(nin::ThreadLimit(0), nin::UsageError);
  if (saved)
    setenv("NIN_THREADS", restore.c_str(), 1);
  else
    unsetenv("NIN_THREADS");
  BOOST_CHECK_THROW(nin::ThreadLimit(-1), nin::UsageError);
  BOOST_CHECK_THROW(nin::ThreadLimit(4097), nin::UsageError);
}

BOOST_AUTO_TEST_CASE(parallel_for_visits_every_index_once) {
  for (const int threads : {1, 2}) {
    nin::ThreadLimit limit(threads);
    for (const std::int64_t count : {0, 1, 7, 1000}) {
      BOOST_TEST_CONTEXT(threads << " threads, " << count << " indices") {
        std::vector<std::atomic<int>> visits(static_cast<std::size_t>(count));
        nin::parallel_for(count, [&](std::int64_t i) { ++visits[static_cast<std::size_t>(i)]; });
        std::int64_t wrong = 0;
        for (const auto& v : visits) wrong += v.load() != 1;
        BOOST_TEST(wrong == 0);
      }
    }
  }
}

BOOST_AUTO_TEST_CASE(split_range_tiles_the_range) {
  for (const std::int64_t count : {0, 1, 5, 16, 17, 1000})
    for (const std::int64_t tasks : {1, 2, 3, 16}) {
      BOOST_TEST_CONTEXT(count << " in " << tasks) {
        std::int64_t next = 0;
        for (std::int64_t t = 0; t < tasks; ++t) {
          const nin::Range r = nin::split_range(count, tasks, t);
          BOOST_TEST(r.begin == next);
          BOOST_TEST(r.end >= r.begin);
          BOOST_TEST(r.end - r.begin <= count / tasks + 1);
          next = r.end;
        }
        BOOST_TEST(next == count);
      }
    }
}

BOOST_AUTO_TEST_CASE(thread_scratch_is_per_thread_and_reused) {
  nin::ThreadScratch scratch(100);
  float* first = scratch.local();
  BOOST_TEST(first != nullptr);
  first[99] = 1.0f;  // the whole size is usable
  BOOST_TEST(scratch.local() == first);
  nin::ThreadLimit limit(2);
  std::vector<float*> pointers(64);
  nin::parallel_for(64, [&](std::int64_t i) {
    float* p = scratch.local();
    for (int j = 0; j < 100; ++j) p[j] = static_cast<float>(i);  // a race here would be a bug
    pointers[static_cast<std::size_t>(i)] = p;
  });
  for (const float* p : pointers) BOOST_TEST(p != nullptr);
}

BOOST_AUTO_TEST_SUITE_END()

}  // namespace
