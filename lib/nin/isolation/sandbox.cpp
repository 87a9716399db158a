#include "nin/isolation/sandbox.hpp"

#include <fcntl.h>
#include <poll.h>
#include <sys/prctl.h>
#include <sys/resource.h>
#include <sys/wait.h>
#include <unistd.h>

#include <atomic>
#include <cerrno>
#include <chrono>
#include <csignal>
#include <cstdlib>
#include <cstring>
#include <fstream>
#include <iterator>
#include <new>
#include <sstream>
#include <system_error>

#include "nin/core/error.hpp"

#ifndef NIN_HAVE_SECCOMP
#define NIN_HAVE_SECCOMP 0
#endif
#if NIN_HAVE_SECCOMP
#include <seccomp.h>
#endif

#if defined(__SANITIZE_ADDRESS__) || defined(__SANITIZE_THREAD__)
#define NIN_SANITIZER_BUILD 1
#elif defined(__has_feature)
#if __has_feature(address_sanitizer) || __has_feature(thread_sanitizer) || \
    __has_feature(memory_sanitizer)
#define NIN_SANITIZER_BUILD 1
#endif
#endif

namespace nin {

namespace fs = std::filesystem;

namespace {

// The first byte of the child's result: what follows is the payload or an error message.
enum class Outcome : unsigned char { ok, usage, spec, io, format, memory, other };

constexpr int kResultFd = 3;
constexpr std::size_t kMaxMessageBytes = 4096;
constexpr std::size_t kMaxDiagnosticBytes = 64 * 1024;

std::atomic<int> enabled_setting{-1};  // -1: not yet read from the environment

std::string quoted(const fs::path& path) {
  return "'" + path.string() + "'";
}

bool write_all(int fd, const char* data, std::size_t size) {
  while (size) {
    const ssize_t n = ::write(fd, data, size);
    if (n < 0 && errno == EINTR) continue;
    if (n <= 0) return false;
    data += n;
    size -= static_cast<std::size_t>(n);
  }
  return true;
}

void set_limit(int resource, rlim_t soft, rlim_t hard) {
  const rlimit limit{soft, hard};
  ::setrlimit(resource, &limit);
}

#if NIN_HAVE_SECCOMP
// Leaves the child what parsing a file needs: reading (files opened read-only), memory, time,
// signals to itself, and writes to its result pipe and stderr. Anything else fails with EPERM,
// which a parser reports as an error: no new processes, no network, no file changes.
// A condition on a system call's argument, as libseccomp's SCMP_A* macros (C compound literals)
// build it; for SCMP_CMP_MASKED_EQ, `a` is the mask and `b` the value: (argument & a) == b.
scmp_arg_cmp arg(unsigned index, scmp_compare op, scmp_datum_t a, scmp_datum_t b = 0) {
  return {index, op, a, b};
}

bool install_seccomp_filter() {
  scmp_filter_ctx filter = seccomp_init(SCMP_ACT_ERRNO(EPERM));
  if (!filter) return false;
  bool ok = true;
  const auto allow = [&](int syscall, std::initializer_list<scmp_arg_cmp> conditions = {}) {
    if (syscall < 0) return;  // not on this architecture
    ok = ok && seccomp_rule_add_array(filter, SCMP_ACT_ALLOW, syscall,
                                      static_cast<unsigned>(conditions.size()),
                                      conditions.size() ? conditions.begin() : nullptr) == 0;
  };
  for (const int syscall :
       {SCMP_SYS(read),          SCMP_SYS(pread64),      SCMP_SYS(readv),
        SCMP_SYS(preadv),        SCMP_SYS(lseek),        SCMP_SYS(close),
        SCMP_SYS(fstat),         SCMP_SYS(newfstatat),   SCMP_SYS(statx),
        SCMP_SYS(stat),          SCMP_SYS(lstat),        SCMP_SYS(fcntl),
        SCMP_SYS(fadvise64),     SCMP_SYS(mmap),         SCMP_SYS(munmap),
        SCMP_SYS(mremap),        SCMP_SYS(mprotect),     SCMP_SYS(madvise),
        SCMP_SYS(brk),           SCMP_SYS(futex),        SCMP_SYS(rt_sigprocmask),
        SCMP_SYS(rt_sigaction),  SCMP_SYS(rt_sigreturn), SCMP_SYS(sigaltstack),
        SCMP_SYS(getpid),        SCMP_SYS(gettid),       SCMP_SYS(getrandom),
        SCMP_SYS(clock_gettime), SCMP_SYS(gettimeofday), SCMP_SYS(getrusage),
        SCMP_SYS(uname),         SCMP_SYS(sched_yield),  SCMP_SYS(sched_getaffinity),
        SCMP_SYS(readlink),      SCMP_SYS(flock),        SCMP_SYS(exit),
        SCMP_SYS(exit_group)})
    allow(syscall);
  // Files only read-only: no O_WRONLY, O_RDWR, O_CREAT or O_TRUNC.
  const scmp_datum_t write_flags = O_WRONLY | O_RDWR | O_CREAT | O_TRUNC;
  allow(SCMP_SYS(openat), {arg(2, SCMP_CMP_MASKED_EQ, write_flags, 0)});
  allow(SCMP_SYS(open), {arg(1, SCMP_CMP_MASKED_EQ, write_flags, 0)});
#ifdef NIN_SANITIZER_BUILD
  // The sanitizer runtimes test whether memory is readable by writing it into a pipe of their own.
  allow(SCMP_SYS(pipe));
  allow(SCMP_SYS(pipe2));
  allow(SCMP_SYS(write));
#else
  allow(SCMP_SYS(write), {arg(0, SCMP_CMP_EQ, kResultFd)});
  allow(SCMP_SYS(write), {arg(0, SCMP_CMP_EQ, STDERR_FILENO)});
#endif
  allow(SCMP_SYS(writev), {arg(0, SCMP_CMP_EQ, STDERR_FILENO)});
  // Limits may be read, not raised; signals only to itself (abort() raises SIGABRT).
  allow(SCMP_SYS(prlimit64), {arg(2, SCMP_CMP_EQ, 0)});
  allow(SCMP_SYS(getrlimit));
  const auto self = static_cast<scmp_datum_t>(::getpid());
  allow(SCMP_SYS(tgkill), {arg(0, SCMP_CMP_EQ, self)});
  allow(SCMP_SYS(kill), {arg(0, SCMP_CMP_EQ, self)});
  ok = ok && seccomp_load(filter) == 0;
  seccomp_release(filter);
  return ok;
}
#endif

[[noreturn]] void run_child(pid_t parent, int result_fd, int diagnostic_fd,
                            const SandboxLimits& limits, const std::function<std::string()>& work) {
  // stderr goes to the parent, which keeps it only to name a crash; the result to fd 3; every
  // other descriptor of the parent (outputs, locks, stdin) is closed. The pipes move above those
  // numbers first: a parent started with stdin or stderr closed may hold them at fd 0..3.
  diagnostic_fd = ::fcntl(diagnostic_fd, F_DUPFD, 10);
  result_fd = ::fcntl(result_fd, F_DUPFD, 10);
  if (diagnostic_fd < 0 || result_fd < 0) ::_exit(122);
  ::dup2(diagnostic_fd, STDERR_FILENO);
  ::dup2(result_fd, kResultFd);
  ::close(STDIN_FILENO);
  ::close_range(kResultFd + 1, ~0U, 0);
  ::prctl(PR_SET_PDEATHSIG, SIGKILL);
  if (::getppid() != parent) ::_exit(123);  // the parent died before the line above
  ::prctl(PR_SET_NO_NEW_PRIVS, 1, 0, 0, 0);
  // A crash must end the child, whatever handlers the parent installed (a test framework's would
  // jump back into the parent's code, in the child).
  for (const int signal : {SIGINT, SIGTERM, SIGPIPE, SIGSEGV, SIGBUS, SIGFPE, SIGILL, SIGABRT,
                           SIGTRAP, SIGSYS, SIGXCPU})
    ::signal(signal, SIG_DFL);
  set_limit(RLIMIT_CORE, 0, 0);
  set_limit(RLIMIT_FSIZE, 0, 0);
  const auto cpu = static_cast<rlim_t>(limits.cpu_seconds + 0.999);
  set_limit(RLIMIT_CPU, cpu, cpu + 1);
#ifndef NIN_SANITIZER_BUILD
  set_limit(RLIMIT_AS, limits.memory_bytes, limits.memory_bytes);
#endif
#if NIN_HAVE_SECCOMP
  if (!install_seccomp_filter()) ::_exit(125);
#endif

  Outcome outcome = Outcome::ok;
  std::string payload;
  try {
    payload = work();
  } catch (const UsageError& e) {
    outcome = Outcome::usage, payload = e.what();
  } catch (const SpecError& e) {
    outcome = Outcome::spec, payload = e.what();
  } catch (const IoError& e) {
    outcome = Outcome::io, payload = e.what();
  } catch (const FormatError& e) {
    outcome = Outcome::format, payload = e.what();
  } catch (const std::bad_alloc&) {
    outcome = Outcome::memory;
  } catch (const std::exception& e) {
    outcome = Outcome::other, payload = e.what();
  } catch (...) {
    outcome = Outcome::other, payload = "an exception of unknown type";
  }
  if (outcome != Outcome::ok && payload.size() > kMaxMessageBytes) payload.resize(kMaxMessageBytes);
  const char tag = static_cast<char>(outcome);
  const bool sent =
      write_all(kResultFd, &tag, 1) && write_all(kResultFd, payload.data(), payload.size());
  ::_exit(sent ? 0 : 124);
}

std::string signal_name(int signal) {
  switch (signal) {
    case SIGSEGV:
      return "SIGSEGV";
    case SIGBUS:
      return "SIGBUS";
    case SIGABRT:
      return "SIGABRT";
    case SIGFPE:
      return "SIGFPE";
    case SIGILL:
      return "SIGILL";
    case SIGKILL:
      return "SIGKILL";
    case SIGSYS:
      return "SIGSYS";
    case SIGTRAP:
      return "SIGTRAP";
    default: {
      const char* name = ::sigabbrev_np(signal);
      return name ? std::string("SIG") + name : "signal " + std::to_string(signal);
    }
  }
}

// "heap-buffer-overflow in H5HG_read" from a sanitizer's SUMMARY line, if the child printed one.
std::string sanitizer_summary(const std::string& diagnostics) {
  const auto start = diagnostics.find("SUMMARY: ");
  if (start == std::string::npos) return {};
  std::string line = diagnostics.substr(start + 9, diagnostics.find('\n', start) - start - 9);
  // "AddressSanitizer: heap-buffer-overflow (/usr/lib/...+0x1234) in H5HG_read"
  const auto colon = line.find(": ");
  if (colon != std::string::npos) line = line.substr(colon + 2);
  const auto open = line.find(" (");
  const auto close = line.find(')', open == std::string::npos ? 0 : open);
  if (open != std::string::npos && close != std::string::npos) line.erase(open, close + 1 - open);
  for (char& c : line)
    if (static_cast<unsigned char>(c) < 0x20) c = ' ';
  return line.size() > 200 ? line.substr(0, 200) : line;
}

struct ChildOutput {
  std::string result, diagnostics;
  bool timed_out = false;
  bool too_large = false;  // the result passed its limit
  int wait_error = 0;      // errno of a failed poll
};

// CPU time (user and system) a running child has used so far, from /proc; negative if unknown.
double cpu_seconds_of(pid_t child) {
  std::ifstream file("/proc/" + std::to_string(child) + "/stat");
  const std::string text((std::istreambuf_iterator<char>(file)), std::istreambuf_iterator<char>());
  const auto name_end = text.rfind(')');
  if (name_end == std::string::npos) return -1;
  std::istringstream fields(text.substr(name_end + 1));
  std::string field;
  double ticks = 0;
  // After the name: state is field 3, utime field 14, stime field 15.
  for (int index = 3; index <= 15 && fields >> field; ++index)
    if (index >= 14) ticks += std::strtod(field.c_str(), nullptr);
  return fields ? ticks / static_cast<double>(::sysconf(_SC_CLK_TCK)) : -1;
}

// Reads the child's two pipes until both close. The wall-clock deadline is for a child that
// stopped using the CPU (sleeping, blocked): one that still spins when it passes, starved by a
// loaded machine, gets another second each time it used a tenth of the last one, since its CPU
// limit will end it.
ChildOutput collect(pid_t child, int result_fd, int diagnostic_fd, double seconds,
                    std::uint64_t max_result_bytes) {
  using Clock = std::chrono::steady_clock;
  auto deadline = Clock::now() + std::chrono::duration<double>(seconds);
  double window = seconds, cpu_at_deadline = 0;
  ChildOutput out;
  pollfd fds[2] = {{result_fd, POLLIN, 0}, {diagnostic_fd, POLLIN, 0}};
  char buffer[65536];
  while (fds[0].fd >= 0 || fds[1].fd >= 0) {
    const auto left =
        std::chrono::duration_cast<std::chrono::milliseconds>(deadline - Clock::now());
    if (left.count() <= 0) {
      const double cpu = cpu_seconds_of(child);
      if (cpu - cpu_at_deadline >= 0.1 * window) {
        cpu_at_deadline = cpu;
        window = 1.0;
        deadline = Clock::now() + std::chrono::duration<double>(window);
        continue;
      }
      ::kill(child, SIGKILL);
      out.timed_out = true;
      break;
    }
    const int ready = ::poll(fds, 2, static_cast<int>(std::min<long long>(left.count(), 1000)));
    if (ready < 0 && errno != EINTR) {
      ::kill(child, SIGKILL);  // it may be blocked writing to a pipe no one reads any more
      out.wait_error = errno;
      break;
    }
    for (int i = 0; i < 2; ++i) {
      if (fds[i].fd < 0 || !(fds[i].revents & (POLLIN | POLLHUP | POLLERR))) continue;
      const ssize_t n = ::read(fds[i].fd, buffer, sizeof buffer);
      if (n < 0 && errno == EINTR) continue;
      if (n <= 0) {
        fds[i].fd = -1;
        continue;
      }
      std::string& sink = i == 0 ? out.result : out.diagnostics;
      if (i == 0 && out.result.size() + static_cast<std::size_t>(n) > max_result_bytes) {
        ::kill(child, SIGKILL);
        out.too_large = true;
        return out;
      }
      if (i == 0 || sink.size() < kMaxDiagnosticBytes)
        sink.append(buffer, static_cast<std::size_t>(n));
    }
  }
  return out;
}

// Closes a pipe's end once, on every path.
struct Fd {
  int fd = -1;
  ~Fd() { reset(); }
  void reset() {
    if (fd >= 0) ::close(fd);
    fd = -1;
  }
};

}  // namespace

bool sandbox_enabled() {
  int setting = enabled_setting.load();
  if (setting < 0) {
    const char* value = std::getenv("NIN_SANDBOX");
    const std::string text = value ? value : "";
    setting = (text == "0" || text == "off") ? 0 : 1;
    enabled_setting.store(setting);
  }
  return setting == 1;
}

void set_sandbox_enabled(bool enabled) {
  enabled_setting.store(enabled ? 1 : 0);
}

bool sandbox_filters_system_calls() {
  return NIN_HAVE_SECCOMP != 0;
}

SandboxLimits sandbox_limits_for(std::uint64_t file_bytes) {
  SandboxLimits limits;
  limits.cpu_seconds = 10.0 + static_cast<double>(file_bytes) / 50e6;
  if (const char* text = std::getenv("NIN_SANDBOX_CPU_SECONDS")) {
    char* end = nullptr;
    const long seconds = std::strtol(text, &end, 10);
    if (end != text && *end == '\0' && seconds > 0 && seconds <= 86400)
      limits.cpu_seconds = static_cast<double>(seconds);
  }
  const std::uint64_t gib = std::uint64_t{1} << 30;
  const std::uint64_t scaled =
      file_bytes > (std::uint64_t{1} << 40) ? (std::uint64_t{1} << 44) : file_bytes * 16;
  limits.memory_bytes = 2 * gib + scaled;
  return limits;
}

std::string run_sandboxed(const fs::path& file, std::string_view reader,
                          const std::function<std::string()>& work) {
  std::error_code ec;
  const auto size = fs::file_size(file, ec);
  const SandboxLimits limits = sandbox_limits_for(ec ? 0 : size);

  int result_pipe[2], diagnostic_pipe[2];
  if (::pipe2(result_pipe, O_CLOEXEC) != 0)
    throw IoError(quoted(file) + ": cannot start its reader (" + std::strerror(errno) + ")");
  Fd result_read{result_pipe[0]}, result_write{result_pipe[1]};
  if (::pipe2(diagnostic_pipe, O_CLOEXEC) != 0)
    throw IoError(quoted(file) + ": cannot start its reader (" + std::strerror(errno) + ")");
  Fd diagnostic_read{diagnostic_pipe[0]}, diagnostic_write{diagnostic_pipe[1]};

  std::fflush(nullptr);  // nothing buffered is written twice
  const pid_t parent = ::getpid();
  const pid_t child = ::fork();
  if (child < 0)
    throw IoError(quoted(file) + ": cannot start its reader (" + std::strerror(errno) + ")");
  if (child == 0) run_child(parent, result_write.fd, diagnostic_write.fd, limits, work);
  result_write.reset();
  diagnostic_write.reset();

  // The result cannot honestly exceed what the child could hold in memory.
  ChildOutput out;
  try {
    out = collect(child, result_read.fd, diagnostic_read.fd, 2 * limits.cpu_seconds + 5,
                  limits.memory_bytes);
  } catch (...) {  // out of memory here: the child must not outlive the error
    ::kill(child, SIGKILL);
    while (::waitpid(child, nullptr, 0) < 0 && errno == EINTR) {
    }
    throw;
  }
  int status = 0;
  rusage usage{};
  pid_t reaped;
  while ((reaped = ::wait4(child, &status, 0, &usage)) < 0 && errno == EINTR) {
  }
  if (reaped != child)
    throw IoError(quoted(file) + ": cannot wait for its reader (" + std::strerror(errno) + ")");
  const double cpu_used = static_cast<double>(usage.ru_utime.tv_sec + usage.ru_stime.tv_sec);

  const std::string malformed =
      quoted(file) + ": the file is malformed (the " + std::string(reader) + " ";
  const auto seconds = std::to_string(static_cast<long long>(limits.cpu_seconds));
  if (out.too_large)
    throw FormatError(malformed + "returned more than " +
                      std::to_string(limits.memory_bytes >> 20) + " MiB)");
  if (out.wait_error)
    throw IoError(quoted(file) + ": cannot wait for its reader (" + std::strerror(out.wait_error) +
                  ")");
  if (out.timed_out)
    throw FormatError(malformed + "did not finish within " +
                      std::to_string(static_cast<long long>(2 * limits.cpu_seconds + 5)) + " s)");
  if (WIFSIGNALED(status)) {
    const int signal = WTERMSIG(status);
    if (signal == SIGXCPU || (signal == SIGKILL && cpu_used >= limits.cpu_seconds - 1))
      throw FormatError(malformed + "used up its " + seconds + " s of CPU time)");
    if (signal == SIGINT || signal == SIGTERM)
      throw Error(quoted(file) + ": reading was interrupted");
    const std::string site = sanitizer_summary(out.diagnostics);
    throw FormatError(malformed + "crashed: " + signal_name(signal) +
                      (site.empty() ? "" : ", " + site) + ")");
  }
  const int code = WIFEXITED(status) ? WEXITSTATUS(status) : -1;
  if (code != 0 || out.result.empty()) {
    const std::string site = sanitizer_summary(out.diagnostics);
    if (code == 125)
      throw Error(quoted(file) + ": cannot start its reader (the seccomp filter was refused)");
    throw FormatError(malformed + "crashed: " +
                      (site.empty() ? "exit status " + std::to_string(code) : site) + ")");
  }

  const auto outcome = static_cast<Outcome>(out.result[0]);
  std::string payload = out.result.substr(1);
  switch (outcome) {
    case Outcome::ok:
      return payload;
    case Outcome::usage:
      throw UsageError(payload);
    case Outcome::spec:
      throw SpecError(payload);
    case Outcome::io:
      throw IoError(payload);
    case Outcome::format:
      throw FormatError(payload);
    case Outcome::memory:
      throw FormatError(malformed + "ran out of memory within its limit of " +
                        std::to_string(limits.memory_bytes >> 20) + " MiB)");
    case Outcome::other:
      throw Error(payload);
  }
  throw FormatError(malformed + "returned an unknown result)");
}

}  // namespace nin
