#pragma once
// How a tool finds the other processes of its job. Started by an MPI launcher (mpirun, mpiexec,
// srun), it loads the MPI module (nin/dist/mpi_communicator.hpp, a shared object of its own) and
// joins the job; started on its own, it is a single process and MPI is neither loaded nor
// initialised, so that a plain run starts as fast as one built without MPI.

#include <chrono>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "nin/dist/communicator.hpp"

namespace nin {

// The communicator a tool holds for the whole run, with what only a tool needs: how many ranks
// share this host's cores, and a way to agree on leaving that cannot hang.
class JobCommunicator : public Communicator {
 public:
  // Processes of this job on this host (1 for a single process).
  virtual int ranks_on_host() const = 0;

  // Every rank's `value`, in rank order, exchanged on a channel apart from the collective
  // operations above, so that it never matches one of them that another rank is waiting in.
  // Returns nothing when not every rank has joined within `patience` (milliseconds::max(): no
  // limit): one of them is then still busy or waiting elsewhere, and the caller should abort().
  virtual std::optional<std::vector<int>> all_gather_within(int value,
                                                            std::chrono::milliseconds patience) = 0;
};

// True when the environment shows an MPI launcher started this process: Open MPI's mpirun sets
// OMPI_COMM_WORLD_SIZE, PMIx launchers (srun --mpi=pmix, prterun) PMIX_RANK, PMI-1/2 ones
// (MPICH's hydra, srun --mpi=pmi2) PMI_RANK.
bool started_by_mpi_launcher();

// The MPI communicator over every process of the job when started_by_mpi_launcher(), else a
// single process. Throws nin::Error when the MPI module cannot be loaded or MPI cannot start.
std::unique_ptr<JobCommunicator> communicator_from_environment();

// The MPI library's own version line ("Open MPI v4.1.4") once communicator_from_environment()
// has loaded the MPI module, under an MPI launcher; nothing when MPI is not loaded.
std::optional<std::string> loaded_mpi_library();

// Worker threads for one process: `requested` when given (--threads), else 0 when $NIN_THREADS
// is set or this is the only rank on its host (ThreadLimit's default then applies), else the cores
// this process may run on shared among the ranks on its host, at least 1, so that N ranks on one
// machine do not run N times as many threads as it has cores.
int threads_per_rank(int requested, int ranks_on_host);

}  // namespace nin
