#include "nin/dist/communicator.hpp"

#include "nin/core/error.hpp"

namespace nin {
namespace {

void check_root(int root) {
  if (root != 0)
    throw Error("broadcast: root " + std::to_string(root) +
                " does not exist in a single process, whose only rank is 0");
}

}  // namespace

// The sum over one rank is the rank's own values.
void SingleProcessCommunicator::allreduce_sum(std::span<float> /*values*/) {}

void SingleProcessCommunicator::broadcast(std::span<std::byte> /*bytes*/, int root) {
  check_root(root);
}

void SingleProcessCommunicator::broadcast(std::string& /*text*/, int root) {
  check_root(root);
}

}  // namespace nin
