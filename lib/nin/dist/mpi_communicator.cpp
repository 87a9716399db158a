#include "nin/dist/mpi_communicator.hpp"

#include <mpi.h>

#include <climits>
#include <cstdint>
#include <cstdlib>
#include <string>
#include <thread>

#include "nin/core/error.hpp"

namespace nin {
namespace {

// Turns an MPI error code into nin::Error, described by MPI.
void check(int code, const char* what) {
  if (code == MPI_SUCCESS) return;
  char text[MPI_MAX_ERROR_STRING];
  int length = 0;
  if (MPI_Error_string(code, text, &length) != MPI_SUCCESS) length = 0;
  throw Error(std::string("MPI: ") + what + ": " +
              (length > 0 ? std::string(text, static_cast<std::size_t>(length))
                          : "error " + std::to_string(code)));
}

// MPI counts in int; larger transfers are refused rather than silently truncated.
int mpi_count(std::size_t bytes, const char* what) {
  if (bytes > static_cast<std::size_t>(INT_MAX))
    throw Error(std::string("MPI: ") + what + ": " + std::to_string(bytes) +
                " bytes is more than one MPI operation can carry (" + std::to_string(INT_MAX) +
                ")");
  return static_cast<int>(bytes);
}

}  // namespace

struct MpiCommunicator::Channel {
  MPI_Comm comm = MPI_COMM_NULL;
  // What a pending exchange reads and writes; it outlives a call that gave up waiting for it.
  int mine = 0;
  std::vector<int> values;
};

MpiCommunicator::MpiCommunicator() : leaving_(std::make_unique<Channel>()) {
  int provided = MPI_THREAD_SINGLE;
  // Errors of MPI_Init_thread itself are fatal whatever the handler: MPI has none before it.
  MPI_Init_thread(nullptr, nullptr, MPI_THREAD_FUNNELED, &provided);
  try {
    check(MPI_Comm_set_errhandler(MPI_COMM_WORLD, MPI_ERRORS_RETURN), "MPI_Comm_set_errhandler");
    if (provided < MPI_THREAD_FUNNELED)
      throw Error(
          "MPI: this MPI library does not allow threads in an MPI process "
          "(MPI_THREAD_FUNNELED)");
    check(MPI_Comm_rank(MPI_COMM_WORLD, &rank_), "MPI_Comm_rank");
    check(MPI_Comm_size(MPI_COMM_WORLD, &size_), "MPI_Comm_size");
    MPI_Comm host = MPI_COMM_NULL;
    check(MPI_Comm_split_type(MPI_COMM_WORLD, MPI_COMM_TYPE_SHARED, rank_, MPI_INFO_NULL, &host),
          "MPI_Comm_split_type");
    const int host_size = MPI_Comm_size(host, &ranks_on_host_);
    MPI_Comm_free(&host);
    check(host_size, "MPI_Comm_size");
    check(MPI_Comm_dup(MPI_COMM_WORLD, &leaving_->comm), "MPI_Comm_dup");
    check(MPI_Comm_set_errhandler(leaving_->comm, MPI_ERRORS_RETURN), "MPI_Comm_set_errhandler");
  } catch (...) {
    MPI_Finalize();
    throw;
  }
  counts_.resize(static_cast<std::size_t>(size_));
  offsets_.resize(static_cast<std::size_t>(size_));
}

MpiCommunicator::~MpiCommunicator() {
  if (leaving_->comm != MPI_COMM_NULL) MPI_Comm_free(&leaving_->comm);
  MPI_Finalize();
}

void MpiCommunicator::all_gather(std::span<const std::byte> mine, std::span<std::byte> all,
                                 std::span<const std::size_t> sizes) {
  if (sizes.size() != static_cast<std::size_t>(size_) ||
      sizes[static_cast<std::size_t>(rank_)] != mine.size())
    throw Error("all_gather: the sizes do not list this rank's " + std::to_string(mine.size()) +
                " bytes among " + std::to_string(size_) + " ranks");
  std::size_t total = 0;
  for (std::size_t r = 0; r < sizes.size(); ++r) {
    offsets_[r] = mpi_count(total, "MPI_Allgatherv");
    counts_[r] = mpi_count(sizes[r], "MPI_Allgatherv");
    total += sizes[r];
  }
  mpi_count(total, "MPI_Allgatherv");
  if (all.size() != total)
    throw Error("all_gather: " + std::to_string(all.size()) + " bytes to receive " +
                std::to_string(total));
  check(MPI_Allgatherv(mine.data(), counts_[static_cast<std::size_t>(rank_)], MPI_BYTE, all.data(),
                       counts_.data(), offsets_.data(), MPI_BYTE, MPI_COMM_WORLD),
        "MPI_Allgatherv");
}

void MpiCommunicator::all_to_all(std::span<const std::byte> send,
                                 std::span<const std::size_t> send_sizes, std::span<std::byte> recv,
                                 std::span<const std::size_t> recv_sizes) {
  const auto ranks = static_cast<std::size_t>(size_);
  if (send_sizes.size() != ranks || recv_sizes.size() != ranks)
    throw Error("all_to_all: sizes for " + std::to_string(send_sizes.size()) + " and " +
                std::to_string(recv_sizes.size()) + " ranks among " + std::to_string(size_));
  const auto place = [&](std::span<const std::size_t> sizes, std::vector<int>& counts,
                         std::vector<int>& offsets, std::size_t available) {
    counts.resize(ranks);
    offsets.resize(ranks);
    std::size_t total = 0;
    for (std::size_t r = 0; r < ranks; ++r) {
      offsets[r] = mpi_count(total, "MPI_Alltoallv");
      counts[r] = mpi_count(sizes[r], "MPI_Alltoallv");
      total += sizes[r];
    }
    if (total != available)
      throw Error("all_to_all: " + std::to_string(available) + " bytes for " +
                  std::to_string(total));
  };
  place(send_sizes, send_counts_, send_offsets_, send.size());
  place(recv_sizes, counts_, offsets_, recv.size());
  check(MPI_Alltoallv(send.data(), send_counts_.data(), send_offsets_.data(), MPI_BYTE, recv.data(),
                      counts_.data(), offsets_.data(), MPI_BYTE, MPI_COMM_WORLD),
        "MPI_Alltoallv");
}

void MpiCommunicator::broadcast(std::span<std::byte> bytes, int root) {
  if (root < 0 || root >= size_)
    throw Error("broadcast: root " + std::to_string(root) + " is not a rank of " +
                std::to_string(size_));
  check(
      MPI_Bcast(bytes.data(), mpi_count(bytes.size(), "MPI_Bcast"), MPI_BYTE, root, MPI_COMM_WORLD),
      "MPI_Bcast");
}

void MpiCommunicator::broadcast(std::string& text, int root) {
  // The length first, so that every rank can make room for the text.
  std::uint64_t length = text.size();
  broadcast(std::as_writable_bytes(std::span(&length, 1)), root);
  text.resize(static_cast<std::size_t>(length));
  broadcast(std::as_writable_bytes(std::span(text.data(), text.size())), root);
}

int MpiCommunicator::first_rank_with(bool flag) {
  // The lowest rank with the flag; `size_` stands for none.
  const int mine = flag ? rank_ : size_;
  int first = size_;
  check(MPI_Allreduce(&mine, &first, 1, MPI_INT, MPI_MIN, MPI_COMM_WORLD), "MPI_Allreduce");
  return first == size_ ? -1 : first;
}

void MpiCommunicator::abort(int exit_status) {
  MPI_Abort(MPI_COMM_WORLD, exit_status);
  // MPI_Abort does not return; should an implementation's do, the process still ends.
  std::_Exit(exit_status);
}

std::optional<std::vector<int>> MpiCommunicator::all_gather_within(
    int value, std::chrono::milliseconds patience) {
  auto& values = leaving_->values;
  values.assign(static_cast<std::size_t>(size_), 0);
  leaving_->mine = value;
  MPI_Request request = MPI_REQUEST_NULL;
  check(MPI_Iallgather(&leaving_->mine, 1, MPI_INT, values.data(), 1, MPI_INT, leaving_->comm,
                       &request),
        "MPI_Iallgather");
  const bool forever = patience == std::chrono::milliseconds::max();
  const auto deadline = std::chrono::steady_clock::now() + (forever ? patience.zero() : patience);
  for (;;) {
    int done = 0;
    check(MPI_Test(&request, &done, MPI_STATUS_IGNORE), "MPI_Test");
    if (done) return values;
    // The request stays pending: the caller gives up on the job and aborts it.
    if (!forever && std::chrono::steady_clock::now() >= deadline) return std::nullopt;
    std::this_thread::sleep_for(std::chrono::milliseconds(1));
  }
}

}  // namespace nin

extern "C" __attribute__((visibility("default"))) nin::JobCommunicator* nin_mpi_open() {
  return new nin::MpiCommunicator();
}
