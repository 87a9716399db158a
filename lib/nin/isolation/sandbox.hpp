#pragma once
// Reading untrusted files in a sandbox. Parsers of complex formats — libhdf5 above all — have a
// steady record of crashes, hangs and runaway allocations on damaged or hostile files, and nin
// cannot fix them, only contain them: run_sandboxed forks a short-lived child that parses the file
// under tight limits and hands back plain bytes (nin/isolation/wire.hpp), which the parent then
// decodes and checks as untrusted. A crash, a limit or a timeout in the child becomes one
// FormatError naming the file; a typed error thrown by the child is rethrown as the same type.
//
// The child: no core dumps, no file writes (RLIMIT_FSIZE 0), a CPU-time and an address-space
// limit scaled to the file's size, no new privileges, and on Linux a seccomp filter that leaves it
// only reading files, managing memory and writing to its result pipe. The parent also keeps a
// wall-clock deadline (a child that sleeps rather than spins is killed at it; one still using the
// CPU when it passes, slowed by a loaded machine, is left to its CPU limit) and a limit on the
// result's size.

#include <cstdint>
#include <filesystem>
#include <functional>
#include <string>
#include <string_view>

namespace nin {

// On unless the environment variable NIN_SANDBOX is "0" or "off" (read once); tests may set it.
bool sandbox_enabled();
void set_sandbox_enabled(bool enabled);

// Whether this build adds the seccomp filter (libseccomp was found).
bool sandbox_filters_system_calls();

struct SandboxLimits {
  double cpu_seconds = 0;          // RLIMIT_CPU; the wall-clock deadline is twice this plus 5 s
  std::uint64_t memory_bytes = 0;  // RLIMIT_AS (not set in sanitizer builds, which reserve more)
};

// Limits for parsing a file of `file_bytes` bytes: 10 s of CPU plus 1 s per 50 MB, and 2 GiB of
// address space plus 16 times the file (compressed data sets expand). NIN_SANDBOX_CPU_SECONDS
// (a positive integer) replaces the CPU time, for tests of the timeout.
SandboxLimits sandbox_limits_for(std::uint64_t file_bytes);

// Runs `work` in a sandboxed child and returns the bytes it returned. `file` and `reader` name the
// file and the parser in messages: "'m.h5': the file is malformed (the HDF5 reader crashed:
// SIGSEGV)". `work` must not start threads (the child of a multi-threaded process has one).
std::string run_sandboxed(const std::filesystem::path& file, std::string_view reader,
                          const std::function<std::string()>& work);

}  // namespace nin
