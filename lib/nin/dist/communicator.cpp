#include "nin/dist/communicator.hpp"

#include <algorithm>

#include "nin/core/error.hpp"

namespace nin {
namespace {

void check_root(int root) {
  if (root != 0)
    throw Error("broadcast: root " + std::to_string(root) +
                " does not exist in a single process, whose only rank is 0");
}

}  // namespace

void SingleProcessCommunicator::all_gather(std::span<const std::byte> mine,
                                           std::span<std::byte> all,
                                           std::span<const std::size_t> sizes) {
  if (sizes.size() != 1 || sizes[0] != mine.size() || all.size() != mine.size())
    throw Error("all_gather: sizes do not match a single process's " + std::to_string(mine.size()) +
                " bytes");
  std::copy(mine.begin(), mine.end(), all.begin());
}

void SingleProcessCommunicator::all_to_all(std::span<const std::byte> send,
                                           std::span<const std::size_t> send_sizes,
                                           std::span<std::byte> recv,
                                           std::span<const std::size_t> recv_sizes) {
  if (send_sizes.size() != 1 || recv_sizes.size() != 1 || send_sizes[0] != send.size() ||
      recv_sizes[0] != recv.size() || send.size() != recv.size())
    throw Error("all_to_all: sizes do not match a single process's " + std::to_string(send.size()) +
                " bytes");
  std::copy(send.begin(), send.end(), recv.begin());
}

void SingleProcessCommunicator::broadcast(std::span<std::byte> /*bytes*/, int root) {
  check_root(root);
}

void SingleProcessCommunicator::broadcast(std::string& /*text*/, int root) {
  check_root(root);
}

}  // namespace nin
