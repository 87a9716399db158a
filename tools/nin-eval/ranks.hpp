#pragma once
// How the ranks of nin-eval (under mpirun) agree on a step of the collective part that may fail on
// some of them only (a file one host cannot read), so that none is left waiting in a collective
// operation and the writer can report the failure. (Which rank speaks, and the set-up's failures,
// are cli::run_collective's.)

#include <functional>

#include "nin/dist/communicator.hpp"

namespace nin::eval_tool {

// Runs `step` on every rank and agrees on its outcome (a collective call). When it throws on any
// rank, it throws on every rank: the lowest failing rank rethrows its own exception, the others
// one of the same kind (UsageError, Error, std::bad_alloc) with its message and "(on rank R)"
// added. So a failure that rank 0 shares reads as in a single process.
void on_every_rank(Communicator& comm, const std::function<void()>& step);

}  // namespace nin::eval_tool
