#include "nin-eval/ranks.hpp"

#include <exception>
#include <new>
#include <string>

#include "nin/core/error.hpp"

namespace nin::eval_tool {
namespace {

// The kind of a failure, sent ahead of its message so that every rank takes the same branch.
constexpr char kUsage = 'u', kFailure = 'f', kMemory = 'm';

std::string describe(const std::exception_ptr& error) {
  try {
    std::rethrow_exception(error);
  } catch (const UsageError& e) {
    return std::string(1, kUsage) + e.what();
  } catch (const std::bad_alloc&) {
    return std::string(1, kMemory);
  } catch (const std::exception& e) {
    return std::string(1, kFailure) + e.what();
  } catch (...) {
    return std::string(1, kFailure) + "unknown exception";
  }
}

}  // namespace

void on_every_rank(Communicator& comm, const std::function<void()>& step) {
  std::exception_ptr failure;
  try {
    step();
  } catch (...) {
    failure = std::current_exception();
  }
  if (comm.size() == 1) {
    if (failure) std::rethrow_exception(failure);
    return;
  }
  const int failed = comm.first_rank_with(failure != nullptr);
  if (failed < 0) return;
  std::string what = comm.rank() == failed ? describe(failure) : std::string();
  comm.broadcast(what, failed);
  if (comm.rank() == failed) std::rethrow_exception(failure);
  const std::string message = what.substr(1) + " (on rank " + std::to_string(failed) + ")";
  switch (what.front()) {
    case kUsage:
      throw UsageError(message);
    case kMemory:
      throw std::bad_alloc();
    default:
      throw Error(message);
  }
}

}  // namespace nin::eval_tool
