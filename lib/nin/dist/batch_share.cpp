#include "nin/dist/batch_share.hpp"

#include <algorithm>
#include <cstring>
#include <vector>

#include "nin/core/error.hpp"
#include "nin/core/parallel.hpp"

namespace nin {
namespace {

SingleProcessCommunicator& single_process() {
  static SingleProcessCommunicator comm;
  return comm;
}

struct Node {
  std::int64_t lo, hi;  // chunks [lo, hi)
};
std::int64_t middle(const Node& n) {
  return (n.lo + n.hi) / 2;
}

// The maximal subtrees of the tree over [0, chunks) whose chunks all lie in [first, end), in
// ascending order: what one rank can sum on its own.
void collect_subtrees(Node node, std::int64_t first, std::int64_t end, std::vector<Node>& out) {
  if (node.hi <= first || node.lo >= end) return;
  if (first <= node.lo && node.hi <= end) {
    out.push_back(node);
    return;
  }
  collect_subtrees({node.lo, middle(node)}, first, end, out);
  collect_subtrees({middle(node), node.hi}, first, end, out);
}

// Values are summed in blocks of elements, each block through the whole tree, so that the partial
// sums stay in the cache and blocks can run in parallel.
constexpr std::int64_t kBlock = 1024;

// Sums the subtree `node` of this rank's chunk vectors into the vector of its first chunk, for
// elements [e0, e1). slot(k) is chunk k's vector.
template <typename T, typename Slot>
void sum_subtree(Node node, const Slot& slot, std::int64_t e0, std::int64_t e1) {
  if (node.hi - node.lo < 2) return;
  const Node left{node.lo, middle(node)}, right{middle(node), node.hi};
  sum_subtree<T>(left, slot, e0, e1);
  sum_subtree<T>(right, slot, e0, e1);
  T* __restrict a = slot(left.lo);
  const T* __restrict b = slot(right.lo);
  for (std::int64_t e = e0; e < e1; ++e) a[e] += b[e];
}

// The tree above the gathered subtrees: out[e − e0] = sum of `node` for elements [e0, e1).
template <typename T>
void sum_top(Node node, const std::vector<Node>& subtrees, const T* gathered, std::int64_t length,
             std::int64_t e0, std::int64_t e1, T* out) {
  const auto found = std::find_if(subtrees.begin(), subtrees.end(), [&](const Node& s) {
    return s.lo == node.lo && s.hi == node.hi;
  });
  if (found != subtrees.end()) {
    const T* values = gathered + (found - subtrees.begin()) * length;
    std::copy(values + e0, values + e1, out);
    return;
  }
  T right[kBlock];
  sum_top({node.lo, middle(node)}, subtrees, gathered, length, e0, e1, out);
  sum_top({middle(node), node.hi}, subtrees, gathered, length, e0, e1, right);
  for (std::int64_t e = 0; e < e1 - e0; ++e) out[e] += right[e];
}

template <typename T>
void sum_chunks(const BatchShare& share, std::span<T> partials, std::span<T> total) {
  const auto length = static_cast<std::int64_t>(total.size());
  if (static_cast<std::int64_t>(partials.size()) < share.local_chunks() * length)
    throw Error("chunk sums: " + std::to_string(partials.size()) + " partial values for " +
                std::to_string(share.local_chunks()) + " chunks of " + std::to_string(length));
  const Node root{0, share.chunks()};
  std::vector<Node> mine;
  collect_subtrees(root, share.first_chunk(), share.first_chunk() + share.local_chunks(), mine);
  const auto slot = [&](std::int64_t chunk) {
    return partials.data() + (chunk - share.first_chunk()) * length;
  };
  const std::int64_t blocks = (length + kBlock - 1) / kBlock;
  const auto for_blocks = [&](const auto& body) {
    // Small vectors (batch-norm statistics) are not worth a task each.
    if (blocks * share.local_chunks() < 64) {
      for (std::int64_t b = 0; b < blocks; ++b)
        body(b * kBlock, std::min(length, (b + 1) * kBlock));
    } else {
      parallel_for(blocks,
                   [&](std::int64_t b) { body(b * kBlock, std::min(length, (b + 1) * kBlock)); });
    }
  };
  for_blocks([&](std::int64_t e0, std::int64_t e1) {
    for (const Node& node : mine) sum_subtree<T>(node, slot, e0, e1);
  });

  Communicator& comm = share.communicator();
  if (comm.size() == 1) {
    if (share.chunks() > 0)
      std::copy(slot(0), slot(0) + length, total.data());
    else
      std::fill(total.begin(), total.end(), T{0});
    return;
  }
  // Every rank's subtrees, in rank order, which is chunk order.
  std::vector<Node> subtrees;
  std::vector<std::size_t> sizes;
  for (int r = 0; r < comm.size(); ++r) {
    const Range range = split_range(share.chunks(), comm.size(), r);
    const std::size_t before = subtrees.size();
    collect_subtrees(root, range.begin, range.end, subtrees);
    sizes.push_back((subtrees.size() - before) * static_cast<std::size_t>(length) * sizeof(T));
  }
  std::vector<T> send(mine.size() * static_cast<std::size_t>(length));
  for (std::size_t i = 0; i < mine.size(); ++i)
    std::copy(slot(mine[i].lo), slot(mine[i].lo) + length,
              send.begin() + static_cast<std::ptrdiff_t>(i) * length);
  std::vector<T> gathered(subtrees.size() * static_cast<std::size_t>(length));
  comm.all_gather(std::as_bytes(std::span<const T>(send)),
                  std::as_writable_bytes(std::span<T>(gathered)), sizes);
  if (share.chunks() == 0) {
    std::fill(total.begin(), total.end(), T{0});
    return;
  }
  for_blocks([&](std::int64_t e0, std::int64_t e1) {
    sum_top(root, subtrees, gathered.data(), length, e0, e1, total.data() + e0);
  });
}

}  // namespace

BatchShare::BatchShare(std::int64_t images) : BatchShare(images, single_process()) {}

BatchShare::BatchShare(std::int64_t global_images, Communicator& comm)
    : global_images_(global_images), chunks_(std::min(global_images, kBatchChunks)), comm_(&comm) {
  const Range range = split_range(chunks_, comm.size(), comm.rank());
  first_chunk_ = range.begin;
  end_chunk_ = range.end;
}

void BatchShare::sum(std::span<float> partials, std::span<float> total) const {
  sum_chunks(*this, partials, total);
}
void BatchShare::sum(std::span<double> partials, std::span<double> total) const {
  sum_chunks(*this, partials, total);
}

}  // namespace nin
