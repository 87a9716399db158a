#include "nin/dist/launch.hpp"

#include <dlfcn.h>
#include <oneapi/tbb/info.h>

#include <algorithm>
#include <cstdlib>
#include <filesystem>
#include <string>

#include "nin/core/error.hpp"
#include "nin/dist/mpi_communicator.hpp"

namespace nin {
namespace {

bool is_set(const char* name) {
  const char* value = std::getenv(name);
  return value && *value;
}

// One process: the single-process communicator, and the exchange of exit statuses is its own.
class SingleProcessJob final : public JobCommunicator {
 public:
  int rank() const override { return 0; }
  int size() const override { return 1; }
  void all_gather(std::span<const std::byte> mine, std::span<std::byte> all,
                  std::span<const std::size_t> sizes) override {
    single_.all_gather(mine, all, sizes);
  }
  void all_to_all(std::span<const std::byte> send, std::span<const std::size_t> send_sizes,
                  std::span<std::byte> recv, std::span<const std::size_t> recv_sizes) override {
    single_.all_to_all(send, send_sizes, recv, recv_sizes);
  }
  void broadcast(std::span<std::byte> bytes, int root) override { single_.broadcast(bytes, root); }
  void broadcast(std::string& text, int root) override { single_.broadcast(text, root); }
  int first_rank_with(bool flag) override { return single_.first_rank_with(flag); }
  void abort(int exit_status) override { single_.abort(exit_status); }
  int ranks_on_host() const override { return 1; }
  std::optional<std::vector<int>> all_gather_within(int value, std::chrono::milliseconds) override {
    return std::vector<int>{value};
  }

 private:
  SingleProcessCommunicator single_;
};

// The module sits where it is installed relative to the executable (<prefix>/bin/TOOL and
// <prefix>/NIN_MODULE_DIR/nin_mpi.so), and the build tree has the same layout.
std::filesystem::path mpi_module_path() {
  std::error_code ec;
  const auto exe = std::filesystem::read_symlink("/proc/self/exe", ec);
  if (ec) throw Error("cannot find the MPI module: /proc/self/exe: " + ec.message());
  return exe.parent_path().parent_path() / NIN_MODULE_DIR / "nin_mpi.so";
}

// The MPI module once loaded (never closed).
void* loaded_module = nullptr;

std::unique_ptr<JobCommunicator> open_mpi_module() {
  const auto path = mpi_module_path();
  // RTLD_GLOBAL: Open MPI loads its own components (mca_*.so) later, and they look for libmpi's
  // symbols in the global scope. The module itself exports nothing else.
  void* module = dlopen(path.c_str(), RTLD_NOW | RTLD_GLOBAL);
  if (!module)
    throw Error("started by an MPI launcher, but the MPI module cannot be loaded: " +
                std::string(dlerror()) + "; install libopenmpi3 (Debian's Open MPI)");
  // Never closed: MPI cannot be initialised twice in a process, and the communicator's code lives
  // in the module until the process ends.
  loaded_module = module;
  void* entry = dlsym(module, kMpiModuleEntry);
  if (!entry)
    throw Error("'" + path.string() + "': no " + kMpiModuleEntry + ": not nin's MPI module");
  return std::unique_ptr<JobCommunicator>(reinterpret_cast<MpiModuleEntry>(entry)());
}

}  // namespace

std::optional<std::string> loaded_mpi_library() {
  if (!loaded_module) return std::nullopt;
  // One of the few MPI calls allowed before MPI_Init; found in libmpi, which the module brought.
  using GetVersion = int (*)(char*, int*);
  void* address = dlsym(loaded_module, "MPI_Get_library_version");
  if (!address) return std::string("unknown");
  std::vector<char> text(8192);  // above every MPI_MAX_LIBRARY_VERSION_STRING
  int length = 0;
  if (reinterpret_cast<GetVersion>(address)(text.data(), &length) != 0 || length <= 0)
    return std::string("unknown");
  std::string version(text.data(),
                      std::min<std::size_t>(static_cast<std::size_t>(length), text.size()));
  // "Open MPI v4.1.4, package: Debian OpenMPI, ident: 4.1.4, ..." -> "Open MPI v4.1.4"
  version = version.substr(0, version.find_first_of(",\n"));
  while (!version.empty() && (version.back() == ' ' || version.back() == '\0')) version.pop_back();
  return version;
}

bool started_by_mpi_launcher() {
  return is_set("OMPI_COMM_WORLD_SIZE") || is_set("PMIX_RANK") || is_set("PMI_RANK");
}

std::unique_ptr<JobCommunicator> communicator_from_environment() {
  if (started_by_mpi_launcher()) return open_mpi_module();
  return std::make_unique<SingleProcessJob>();
}

int threads_per_rank(int requested, int ranks_on_host) {
  if (requested > 0) return requested;
  if (is_set("NIN_THREADS") || ranks_on_host <= 1) return 0;
  // The cores this process may run on: a launcher that binds ranks to cores has already divided
  // the machine, and then each rank gets at least one thread of its own.
  return std::max(1, tbb::info::default_concurrency() / ranks_on_host);
}

}  // namespace nin
