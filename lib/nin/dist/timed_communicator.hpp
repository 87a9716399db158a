#pragma once
// A communicator that forwards to another and adds up the wall time spent in its collective
// operations: communication proper plus waiting for the slowest rank, which is what a
// data-parallel step loses to having several processes. nin-bench reports it as a share of a step.

#include <chrono>

#include "nin/dist/communicator.hpp"

namespace nin {

class TimedCommunicator final : public Communicator {
 public:
  explicit TimedCommunicator(Communicator& inner) : inner_(inner) {}

  double seconds() const { return seconds_; }
  void reset() { seconds_ = 0; }

  int rank() const override { return inner_.rank(); }
  int size() const override { return inner_.size(); }
  void all_gather(std::span<const std::byte> mine, std::span<std::byte> all,
                  std::span<const std::size_t> sizes) override {
    const Timer timer(seconds_);
    inner_.all_gather(mine, all, sizes);
  }
  void all_to_all(std::span<const std::byte> send, std::span<const std::size_t> send_sizes,
                  std::span<std::byte> recv, std::span<const std::size_t> recv_sizes) override {
    const Timer timer(seconds_);
    inner_.all_to_all(send, send_sizes, recv, recv_sizes);
  }
  void broadcast(std::span<std::byte> bytes, int root) override {
    const Timer timer(seconds_);
    inner_.broadcast(bytes, root);
  }
  void broadcast(std::string& text, int root) override {
    const Timer timer(seconds_);
    inner_.broadcast(text, root);
  }
  int first_rank_with(bool flag) override {
    const Timer timer(seconds_);
    return inner_.first_rank_with(flag);
  }
  void abort(int exit_status) override { inner_.abort(exit_status); }

 private:
  struct Timer {
    using Clock = std::chrono::steady_clock;
    explicit Timer(double& total) : total_(total), start_(Clock::now()) {}
    ~Timer() { total_ += std::chrono::duration<double>(Clock::now() - start_).count(); }
    Timer(const Timer&) = delete;
    Timer& operator=(const Timer&) = delete;
    double& total_;
    Clock::time_point start_;
  };
  Communicator& inner_;
  double seconds_ = 0;
};

}  // namespace nin
