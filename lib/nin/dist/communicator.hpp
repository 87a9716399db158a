#pragma once
// The one door to inter-process communication for data-parallel training and sharded evaluation:
// the few collective operations nin needs, behind an interface with no MPI type in it. The
// single-process implementation here is what the tools use without mpirun; the MPI one lives in
// one file of its own (mpi_communicator.cpp), the only place that includes <mpi.h>.
//
// Every operation is collective: each rank calls it, in the same order, with the same sizes.
// Nothing here adds numbers: sums that must not depend on the number of processes are built on
// all_gather and all_to_all by nin/dist/batch_share.hpp, in a fixed order.

#include <cstddef>
#include <span>
#include <string>

namespace nin {

class Communicator {
 public:
  virtual ~Communicator() = default;

  virtual int rank() const = 0;  // 0 … size() − 1
  virtual int size() const = 0;  // number of processes, ≥ 1

  // Rank 0 writes every file and reports progress; the other ranks compute and stay silent.
  bool is_writer() const { return rank() == 0; }

  // Concatenates every rank's `mine` in rank order into `all` on every rank. sizes[r] is rank r's
  // byte count, known to every rank; `all` holds their sum.
  virtual void all_gather(std::span<const std::byte> mine, std::span<std::byte> all,
                          std::span<const std::size_t> sizes) = 0;

  // Sends send_sizes[r] bytes to each rank r (consecutive in `send`, in rank order) and receives
  // recv_sizes[r] bytes from each rank r into `recv`, in rank order; every rank's send_sizes[s]
  // equals rank s's recv_sizes[r].
  virtual void all_to_all(std::span<const std::byte> send, std::span<const std::size_t> send_sizes,
                          std::span<std::byte> recv, std::span<const std::size_t> recv_sizes) = 0;

  // Copies `root`'s bytes into every rank's span (of the same size on every rank).
  virtual void broadcast(std::span<std::byte> bytes, int root) = 0;
  // Copies `root`'s string to every rank; the others' strings take its length.
  virtual void broadcast(std::string& text, int root) = 0;

  // Agreement on a flag: the lowest rank on which it is true, or −1 when it is true on none, on
  // every rank; so that all ranks take the same branch (a stop request, a failure) and the
  // failure is reported once.
  virtual int first_rank_with(bool flag) = 0;
  bool any(bool flag) { return first_rank_with(flag) >= 0; }

  // Ends every process of the job with this exit status, without waiting for the others: the
  // last resort when one rank fails where the others cannot learn of it (they wait in a
  // collective operation). A single process just returns.
  virtual void abort(int exit_status) = 0;
};

// One process: rank 0 of 1, every operation the identity. Throws nin::Error when a broadcast
// names a root other than 0 or sizes do not match.
class SingleProcessCommunicator final : public Communicator {
 public:
  int rank() const override { return 0; }
  int size() const override { return 1; }
  void all_gather(std::span<const std::byte> mine, std::span<std::byte> all,
                  std::span<const std::size_t> sizes) override;
  void all_to_all(std::span<const std::byte> send, std::span<const std::size_t> send_sizes,
                  std::span<std::byte> recv, std::span<const std::size_t> recv_sizes) override;
  void broadcast(std::span<std::byte> bytes, int root) override;
  void broadcast(std::string& text, int root) override;
  int first_rank_with(bool flag) override { return flag ? 0 : -1; }
  void abort(int /*exit_status*/) override {}
};

}  // namespace nin
