#include "nin/dist/batch_share.hpp"

#include <algorithm>
#include <array>
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

// A list of subtrees with room for any tree of kBatchChunks leaves, so that listing them
// allocates nothing (batch normalisation sums once per channel in one process).
struct Nodes {
  std::array<Node, 2 * kBatchChunks> items;
  std::size_t count = 0;
  void push_back(const Node& node) { items[count++] = node; }
  std::size_t size() const { return count; }
  const Node* begin() const { return items.data(); }
  const Node* end() const { return items.data() + count; }
  const Node& operator[](std::size_t i) const { return items[i]; }
};

// The maximal subtrees of the tree over [0, chunks) whose chunks all lie in [first, end), in
// ascending order: what one rank can sum on its own.
void collect_subtrees(Node node, std::int64_t first, std::int64_t end, Nodes& out) {
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
void sum_top(Node node, const Nodes& subtrees, const T* gathered, std::int64_t length,
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

// The exchange's buffers, kept between calls (per thread: sums run on the thread that calls them),
// so that the steps after the first allocate nothing.
template <typename T>
struct Exchange {
  std::vector<std::size_t> pieces, sizes, send_sizes, segment_sizes;
  std::vector<T> send, received, finished;
};
template <typename T>
Exchange<T>& exchange_buffers() {
  thread_local Exchange<T> buffers;
  return buffers;
}

template <typename T>
void sum_chunks(const BatchShare& share, std::span<T> partials, std::span<T> total) {
  const auto length = static_cast<std::int64_t>(total.size());
  if (static_cast<std::int64_t>(partials.size()) < share.local_chunks() * length)
    throw Error("chunk sums: " + std::to_string(partials.size()) + " partial values for " +
                std::to_string(share.local_chunks()) + " chunks of " + std::to_string(length));
  const Node root{0, share.chunks()};
  Nodes mine;
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
  const auto ranks = static_cast<std::size_t>(comm.size());
  Nodes subtrees;
  Exchange<T>& buffers = exchange_buffers<T>();
  std::vector<std::size_t>& pieces = buffers.pieces;  // per rank
  pieces.clear();
  for (int r = 0; r < comm.size(); ++r) {
    const Range range = split_range(share.chunks(), comm.size(), r);
    const std::size_t before = subtrees.size();
    collect_subtrees(root, range.begin, range.end, subtrees);
    pieces.push_back(subtrees.size() - before);
  }
  if (share.chunks() == 0) {
    std::fill(total.begin(), total.end(), T{0});
    return;
  }
  const auto top = [&](const T* gathered, std::int64_t width, T* out) {
    const std::int64_t blocks_here = (width + kBlock - 1) / kBlock;
    const auto body = [&](std::int64_t b) {
      const std::int64_t e0 = b * kBlock, e1 = std::min(width, e0 + kBlock);
      sum_top(root, subtrees, gathered, width, e0, e1, out + e0);
    };
    if (blocks_here < 4) {
      for (std::int64_t b = 0; b < blocks_here; ++b) body(b);
    } else {
      parallel_for(blocks_here, body);
    }
  };
  const auto bytes = [](std::size_t values) { return values * sizeof(T); };

  // Small vectors (batch-norm statistics, the loss): every rank gathers every subtree and
  // finishes the whole tree, in one exchange.
  constexpr std::size_t kSmallBytes = std::size_t{64} << 10;
  if (bytes(subtrees.size() * static_cast<std::size_t>(length)) <= kSmallBytes) {
    std::vector<std::size_t>& sizes = buffers.sizes;
    sizes.resize(ranks);
    for (std::size_t r = 0; r < ranks; ++r)
      sizes[r] = bytes(pieces[r] * static_cast<std::size_t>(length));
    std::vector<T>& send = buffers.send;
    send.clear();
    for (const Node& node : mine) send.insert(send.end(), slot(node.lo), slot(node.lo) + length);
    std::vector<T>& gathered = buffers.received;
    gathered.resize(subtrees.size() * static_cast<std::size_t>(length));
    comm.all_gather(std::as_bytes(std::span<const T>(send)),
                    std::as_writable_bytes(std::span<T>(gathered)), sizes);
    top(gathered.data(), length, total.data());
    return;
  }
  // Large vectors (gradients): rank s finishes the tree for segment s of the values only, from
  // every rank's subtrees cut to that segment (an all-to-all exchange), and the finished
  // segments are then gathered by all: about 2·(N−1)/N of the vector in and out per rank when
  // each rank holds one subtree, as a ring allreduce moves.
  const auto segment = [&](std::size_t s) {
    return split_range(length, comm.size(), static_cast<std::int64_t>(s));
  };
  const auto me = static_cast<std::size_t>(comm.rank());
  const Range own = segment(me);
  const auto own_width = static_cast<std::size_t>(own.end - own.begin);
  std::vector<std::size_t>& send_sizes = buffers.send_sizes;
  std::vector<std::size_t>& recv_sizes = buffers.sizes;
  std::vector<std::size_t>& segment_sizes = buffers.segment_sizes;
  send_sizes.resize(ranks);
  recv_sizes.resize(ranks);
  segment_sizes.resize(ranks);
  std::vector<T>& send = buffers.send;
  send.clear();
  for (std::size_t s = 0; s < ranks; ++s) {
    const Range range = segment(s);
    for (const Node& node : mine)
      send.insert(send.end(), slot(node.lo) + range.begin, slot(node.lo) + range.end);
    segment_sizes[s] = bytes(static_cast<std::size_t>(range.end - range.begin));
    send_sizes[s] = mine.size() * segment_sizes[s];
    recv_sizes[s] = pieces[s] * bytes(own_width);
  }
  std::vector<T>& received = buffers.received;
  received.resize(subtrees.size() * own_width);
  comm.all_to_all(std::as_bytes(std::span<const T>(send)), send_sizes,
                  std::as_writable_bytes(std::span<T>(received)), recv_sizes);
  std::vector<T>& finished = buffers.finished;
  finished.resize(own_width);
  top(received.data(), static_cast<std::int64_t>(own_width), finished.data());
  comm.all_gather(std::as_bytes(std::span<const T>(finished)), std::as_writable_bytes(total),
                  segment_sizes);
}

}  // namespace

BatchShare::BatchShare(std::int64_t images) : BatchShare(images, single_process()) {}

BatchShare::BatchShare(std::int64_t global_images, Communicator& comm)
    : global_images_(global_images), chunks_(std::min(global_images, kBatchChunks)), comm_(&comm) {
  const Range range = split_range(chunks_, comm.size(), comm.rank());
  first_chunk_ = range.begin;
  end_chunk_ = range.end;
}

BatchShare BatchShare::single_chunk(std::int64_t images) {
  BatchShare share(images);
  share.chunks_ = share.end_chunk_ = images > 0 ? 1 : 0;
  return share;
}

void BatchShare::sum(std::span<float> partials, std::span<float> total) const {
  sum_chunks(*this, partials, total);
}
void BatchShare::sum(std::span<double> partials, std::span<double> total) const {
  sum_chunks(*this, partials, total);
}

}  // namespace nin
