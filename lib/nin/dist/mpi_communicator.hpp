#pragma once
// The MPI implementation of the communicator, over every process of an MPI job. It is built as a
// module of its own (nin_mpi.so, CMake target nin_mpi) that nin/dist/launch.cpp loads only when an
// MPI launcher started the process: linking libmpi and its libraries into every tool would add
// about 2 ms to the start of each plain run. mpi_communicator.cpp is the only file that includes
// <mpi.h>; no MPI type appears here.
//
// Errors of MPI calls are returned rather than fatal (MPI_ERRORS_RETURN) and thrown as nin::Error
// with MPI's own description.

#include <chrono>
#include <memory>
#include <optional>
#include <vector>

#include "nin/dist/launch.hpp"

namespace nin {

class MpiCommunicator final : public JobCommunicator {
 public:
  // Initialises MPI for a process whose main thread alone calls it (MPI_THREAD_FUNNELED: the
  // worker threads of parallel_for never do). Throws nin::Error when MPI cannot give that.
  MpiCommunicator();
  // Finalises MPI.
  ~MpiCommunicator() override;
  MpiCommunicator(const MpiCommunicator&) = delete;
  MpiCommunicator& operator=(const MpiCommunicator&) = delete;

  int rank() const override { return rank_; }
  int size() const override { return size_; }
  // MPI counts bytes in int: a gather of more than INT_MAX bytes in all is refused (nin::Error).
  void all_gather(std::span<const std::byte> mine, std::span<std::byte> all,
                  std::span<const std::size_t> sizes) override;
  // MPI_Alltoallv, with the same limit.
  void all_to_all(std::span<const std::byte> send, std::span<const std::size_t> send_sizes,
                  std::span<std::byte> recv, std::span<const std::size_t> recv_sizes) override;
  void broadcast(std::span<std::byte> bytes, int root) override;
  void broadcast(std::string& text, int root) override;
  int first_rank_with(bool flag) override;
  // MPI_Abort on every process of the job; does not return.
  void abort(int exit_status) override;
  int ranks_on_host() const override { return ranks_on_host_; }
  std::optional<std::vector<int>> all_gather_within(int value,
                                                    std::chrono::milliseconds patience) override;

 private:
  int rank_ = 0;
  int size_ = 1;
  int ranks_on_host_ = 1;
  // all_gather's counts and offsets in MPI's int, kept between calls so that a step allocates
  // nothing.
  std::vector<int> counts_, offsets_, send_counts_, send_offsets_;
  // The duplicate of the job's communicator that all_gather_within uses, freed before MPI is
  // finalised.
  struct Channel;
  std::unique_ptr<Channel> leaving_;
};

}  // namespace nin

// The module's entry point, found with dlsym by this name: a new MpiCommunicator (owned by the
// caller). Throws nin::Error like its constructor.
extern "C" nin::JobCommunicator* nin_mpi_open();
using MpiModuleEntry = nin::JobCommunicator* (*)();
inline constexpr char kMpiModuleEntry[] = "nin_mpi_open";
