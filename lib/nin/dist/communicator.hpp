#pragma once
// The one door to inter-process communication for data-parallel training: every collective
// operation the training loop needs, behind an interface with no MPI type in it. The
// single-process implementation here is what nin-train uses without mpirun; an MPI one would live
// in one file of its own, the only place that includes <mpi.h>.
//
// Every operation is collective: each rank calls it, in the same order, with spans of the same
// size. A result must not depend on the number of processes, so that a run is bit-identical for
// any process count (as it already is for any thread count).

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

  // Replaces `values` on every rank by their element-wise sum over all ranks. Implementations
  // must sum in an order that does not depend on the number of processes: float addition is not
  // associative, so a sum that followed the ranks would change the last bits with their count.
  // The MPI implementation will cut the span into fixed chunks of the global batch and combine
  // them in a fixed tree, whatever the number of ranks holding them.
  virtual void allreduce_sum(std::span<float> values) = 0;

  // Copies `root`'s bytes into every rank's span (of the same size on every rank).
  virtual void broadcast(std::span<std::byte> bytes, int root) = 0;
  // Copies `root`'s string to every rank; the others' strings take its length.
  virtual void broadcast(std::string& text, int root) = 0;

  // Agreement on a flag: true on every rank when it is true on any (a stop request, a failure),
  // so that all ranks take the same branch.
  virtual bool any(bool flag) = 0;
};

// One process: rank 0 of 1, every operation the identity. Throws nin::Error when a broadcast
// names a root other than 0.
class SingleProcessCommunicator final : public Communicator {
 public:
  int rank() const override { return 0; }
  int size() const override { return 1; }
  void allreduce_sum(std::span<float> values) override;
  void broadcast(std::span<std::byte> bytes, int root) override;
  void broadcast(std::string& text, int root) override;
  bool any(bool flag) override { return flag; }
};

}  // namespace nin
