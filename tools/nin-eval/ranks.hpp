#pragma once
// How nin-eval runs as one of several processes (under mpirun): where its communicator comes from,
// which rank speaks, and how the ranks agree on a step that may fail on some of them only (a file
// one host cannot read), so that none is left waiting in a collective operation.

#include <functional>
#include <memory>

#include "nin/dist/communicator.hpp"

namespace nin::eval_tool {

// The communicator of this run: a single process for now; the processes of an MPI job once the
// MPI communicator is built in (the one line to change).
std::unique_ptr<Communicator> communicator_for_this_run();

// On every rank but the writer, sends standard output and standard error to nowhere for the rest
// of the process (std::cout, std::cerr, std::clog): the ranks compute alike, and one speaks.
void silence_unless_writer(const Communicator& comm);

// Runs `step` on every rank and agrees on its outcome (a collective call). When it throws on any
// rank, it throws on every rank: the lowest failing rank rethrows its own exception, the others
// one of the same kind (UsageError, Error, std::bad_alloc) with its message and "(on rank R)"
// added. So a failure that rank 0 shares reads as in a single process.
void on_every_rank(Communicator& comm, const std::function<void()>& step);

}  // namespace nin::eval_tool
