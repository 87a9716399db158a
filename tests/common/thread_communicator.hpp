#pragma once
// N ranks as N threads of one process, for unit tests of what must give the same bits for any
// number of processes (chunk sums, sharded evaluation) without starting MPI. run_ranks(n, body)
// calls body(comm) on n threads, each with its own rank, and rethrows the first exception.

#include <algorithm>
#include <barrier>
#include <cstddef>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <exception>
#include <functional>
#include <mutex>
#include <span>
#include <stdexcept>
#include <string>
#include <thread>
#include <vector>

#include "nin/dist/communicator.hpp"

namespace nin::test {

class ThreadRanks {
 public:
  explicit ThreadRanks(int size) : size_(size), barrier_(size), slots_(size) {}
  int size() const { return size_; }

  // Every rank publishes a pointer, all wait, each reads what it needs, all wait again.
  template <typename Read>
  void exchange(int rank, const void* mine, Read&& read) {
    slots_[static_cast<std::size_t>(rank)] = mine;
    barrier_.arrive_and_wait();
    read(slots_);
    barrier_.arrive_and_wait();
  }

 private:
  int size_;
  std::barrier<> barrier_;
  std::vector<const void*> slots_;
};

class ThreadCommunicator final : public Communicator {
 public:
  ThreadCommunicator(ThreadRanks& ranks, int rank) : ranks_(ranks), rank_(rank) {}
  int rank() const override { return rank_; }
  int size() const override { return ranks_.size(); }
  void all_gather(std::span<const std::byte> mine, std::span<std::byte> all,
                  std::span<const std::size_t> sizes) override {
    std::size_t total = 0;
    for (const std::size_t size : sizes) total += size;
    if (sizes.size() != slots_count() || sizes[static_cast<std::size_t>(rank_)] != mine.size() ||
        total != all.size())
      wrong("all_gather");
    ranks_.exchange(rank_, mine.data(), [&](const std::vector<const void*>& slots) {
      std::size_t at = 0;
      for (std::size_t r = 0; r < slots.size(); ++r) {
        if (sizes[r]) std::memcpy(all.data() + at, slots[r], sizes[r]);
        at += sizes[r];
      }
    });
  }
  // Each rank reads its part straight from every sender's buffer.
  void all_to_all(std::span<const std::byte> send, std::span<const std::size_t> send_sizes,
                  std::span<std::byte> recv, std::span<const std::size_t> recv_sizes) override {
    struct Outgoing {
      const std::byte* data;
      std::span<const std::size_t> sizes;
    } mine{send.data(), send_sizes};
    bool agree = true;
    ranks_.exchange(rank_, &mine, [&](const std::vector<const void*>& slots) {
      std::size_t to = 0;
      for (std::size_t r = 0; r < slots.size(); ++r) {
        const auto& from = *static_cast<const Outgoing*>(slots[r]);
        std::size_t at = 0;
        for (int s = 0; s < rank_; ++s) at += from.sizes[static_cast<std::size_t>(s)];
        agree = agree && from.sizes[static_cast<std::size_t>(rank_)] == recv_sizes[r];
        if (agree && recv_sizes[r]) std::memcpy(recv.data() + to, from.data + at, recv_sizes[r]);
        to += recv_sizes[r];
      }
    });
    if (!agree) wrong("all_to_all");
  }
  void broadcast(std::span<std::byte> bytes, int root) override {
    ranks_.exchange(rank_, bytes.data(), [&](const std::vector<const void*>& slots) {
      if (rank_ != root && !bytes.empty())
        std::memcpy(bytes.data(), slots[static_cast<std::size_t>(root)], bytes.size());
    });
  }
  void broadcast(std::string& text, int root) override {
    std::string copy;
    ranks_.exchange(rank_, &text, [&](const std::vector<const void*>& slots) {
      copy = *static_cast<const std::string*>(slots[static_cast<std::size_t>(root)]);
    });
    text = copy;
  }
  int first_rank_with(bool flag) override {
    int first = -1;
    const int mine = flag;
    ranks_.exchange(rank_, &mine, [&](const std::vector<const void*>& slots) {
      for (std::size_t r = 0; r < slots.size() && first < 0; ++r)
        if (*static_cast<const int*>(slots[r])) first = static_cast<int>(r);
    });
    return first;
  }
  void abort(int /*exit_status*/) override {}

 private:
  std::size_t slots_count() const { return static_cast<std::size_t>(ranks_.size()); }
  // Sizes that MPI would refuse: a test bug. Stops the test binary at once (throwing on one rank
  // would leave the others waiting at the next barrier).
  [[noreturn]] void wrong(const char* operation) const {
    std::fprintf(stderr, "ThreadCommunicator: %s: sizes do not match on rank %d\n", operation,
                 rank_);
    std::abort();
  }
  ThreadRanks& ranks_;
  int rank_;
};

// Runs body on `size` ranks (threads) and waits for all of them.
inline void run_ranks(int size, const std::function<void(Communicator&)>& body) {
  ThreadRanks ranks(size);
  std::vector<std::exception_ptr> errors(static_cast<std::size_t>(size));
  std::vector<std::thread> threads;
  for (int r = 0; r < size; ++r)
    threads.emplace_back([&, r] {
      ThreadCommunicator comm(ranks, r);
      try {
        body(comm);
      } catch (...) {
        errors[static_cast<std::size_t>(r)] = std::current_exception();
      }
    });
  for (auto& t : threads) t.join();
  for (auto& e : errors)
    if (e) std::rethrow_exception(e);
}

}  // namespace nin::test
