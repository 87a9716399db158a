#pragma once
// How one global batch is cut and shared among the ranks of a data-parallel run, and the sums over
// it that give the same bits whatever the number of ranks (or threads).
//
// The batch of B images is cut into C = min(kBatchChunks, B) fixed chunks (image k·B/C onwards);
// rank r of N holds a contiguous run of whole chunks. Every quantity summed over the batch
// (gradients, batch-norm statistics, the loss) is first summed within each chunk, the same way
// on every rank, and the chunks' partial sums are then combined in one fixed binary tree over
// chunk numbers. What a rank holds is a set of whole subtrees; where the ranks' shares cut the
// tree, the subtrees are exchanged (gathered by all, or for large vectors cut into segments that
// each rank finishes) and the tree above them is finished alike. The result depends on B only: a
// run with any N gives the bits of a single process.

#include <cstdint>
#include <span>

#include "nin/dist/communicator.hpp"

namespace nin {

constexpr std::int64_t kBatchChunks = 16;

class BatchShare {
 public:
  // The whole batch of `images` in one process.
  explicit BatchShare(std::int64_t images);
  // Rank comm.rank()'s share of a global batch of `global_images`.
  BatchShare(std::int64_t global_images, Communicator& comm);
  // The whole batch of `images` as one chunk, in one process: for passes that sum nothing over
  // the batch (inference), whose work then need not stop at chunk boundaries.
  static BatchShare single_chunk(std::int64_t images);

  std::int64_t global_images() const { return global_images_; }
  std::int64_t chunks() const { return chunks_; }  // in the whole batch
  std::int64_t first_chunk() const { return first_chunk_; }
  std::int64_t local_chunks() const { return end_chunk_ - first_chunk_; }
  // The global index of this rank's first image, and how many it holds.
  std::int64_t first_image() const { return global_start(first_chunk_); }
  std::int64_t images() const { return global_start(end_chunk_) - first_image(); }
  // This rank's images of local chunk j: [chunk_begin(j), chunk_end(j)), local indices.
  std::int64_t chunk_begin(std::int64_t j) const {
    return global_start(first_chunk_ + j) - first_image();
  }
  std::int64_t chunk_end(std::int64_t j) const { return chunk_begin(j + 1); }
  // The most images any chunk of a batch of this size holds.
  std::int64_t max_chunk_images() const {
    return chunks_ ? (global_images_ + chunks_ - 1) / chunks_ : 0;
  }
  Communicator& communicator() const { return *comm_; }

  // Sums per-chunk partial vectors over the global batch. `partials` holds this
  // rank's local_chunks() vectors of total.size() values each, chunk after chunk, and is used as
  // scratch; `total` receives the sum over every chunk of the batch, on every rank alike.
  void sum(std::span<float> partials, std::span<float> total) const;
  void sum(std::span<double> partials, std::span<double> total) const;

 private:
  std::int64_t global_start(std::int64_t chunk) const {
    return chunks_ ? global_images_ * chunk / chunks_ : 0;
  }
  std::int64_t global_images_ = 0, chunks_ = 0, first_chunk_ = 0, end_chunk_ = 0;
  Communicator* comm_;
};

// The largest number of chunks a batch of up to `max_batch` images is cut into.
inline std::int64_t max_batch_chunks(std::int64_t max_batch) {
  return max_batch < kBatchChunks ? max_batch : kBatchChunks;
}

}  // namespace nin
