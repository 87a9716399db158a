#include "nin-eval/ranks.hpp"

#include <exception>
#include <iostream>
#include <new>
#include <streambuf>
#include <string>

#include "nin/core/error.hpp"

namespace nin::eval_tool {
namespace {

// Accepts every character and keeps none; a stream on it never fails, so a silent rank's exit
// status is not that of a failed write.
class NullBuffer final : public std::streambuf {
 protected:
  int_type overflow(int_type c) override { return traits_type::not_eof(c); }
  std::streamsize xsputn(const char* /*text*/, std::streamsize count) override { return count; }
};

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

std::unique_ptr<Communicator> communicator_for_this_run() {
  return std::make_unique<SingleProcessCommunicator>();
}

void silence_unless_writer(const Communicator& comm) {
  if (comm.is_writer()) return;
  static NullBuffer nowhere;
  std::cout.rdbuf(&nowhere);
  std::cerr.rdbuf(&nowhere);
  std::clog.rdbuf(&nowhere);
}

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
