#include "nin/dist/communicator.hpp"

#include <algorithm>
#include <numeric>
#include <vector>

#include "nin/core/error.hpp"

namespace nin {
namespace {

void check_root(int root) {
  if (root != 0)
    throw Error("broadcast: root " + std::to_string(root) +
                " does not exist in a single process, whose only rank is 0");
}

}  // namespace

void Communicator::all_to_all(std::span<const std::byte> send,
                              std::span<const std::size_t> send_sizes, std::span<std::byte> recv,
                              std::span<const std::size_t> recv_sizes) {
  const auto ranks = static_cast<std::size_t>(size());
  const auto me = static_cast<std::size_t>(rank());
  // What every rank sends, in full: first the send sizes of all, then all the bytes.
  std::vector<std::size_t> all_sizes(ranks * ranks);
  const std::vector<std::size_t> counts(ranks, ranks * sizeof(std::size_t));
  all_gather(std::as_bytes(send_sizes), std::as_writable_bytes(std::span<std::size_t>(all_sizes)),
             counts);
  std::vector<std::size_t> totals(ranks, 0);
  for (std::size_t r = 0; r < ranks; ++r)
    for (std::size_t s = 0; s < ranks; ++s) totals[r] += all_sizes[r * ranks + s];
  std::vector<std::byte> everything(std::accumulate(totals.begin(), totals.end(), std::size_t{0}));
  all_gather(send, everything, totals);
  std::size_t from = 0, to = 0;
  for (std::size_t r = 0; r < ranks; ++r) {
    std::size_t at = from;
    for (std::size_t s = 0; s < me; ++s) at += all_sizes[r * ranks + s];
    if (all_sizes[r * ranks + me] != recv_sizes[r])
      throw Error("all_to_all: rank " + std::to_string(r) + " sends " +
                  std::to_string(all_sizes[r * ranks + me]) + " bytes, " +
                  std::to_string(recv_sizes[r]) + " expected");
    std::copy_n(everything.begin() + static_cast<std::ptrdiff_t>(at), recv_sizes[r],
                recv.begin() + static_cast<std::ptrdiff_t>(to));
    from += totals[r];
    to += recv_sizes[r];
  }
}

void SingleProcessCommunicator::all_gather(std::span<const std::byte> mine,
                                           std::span<std::byte> all,
                                           std::span<const std::size_t> sizes) {
  if (sizes.size() != 1 || sizes[0] != mine.size() || all.size() != mine.size())
    throw Error("all_gather: sizes do not match a single process's " + std::to_string(mine.size()) +
                " bytes");
  std::copy(mine.begin(), mine.end(), all.begin());
}

void SingleProcessCommunicator::broadcast(std::span<std::byte> /*bytes*/, int root) {
  check_root(root);
}

void SingleProcessCommunicator::broadcast(std::string& /*text*/, int root) {
  check_root(root);
}

}  // namespace nin
