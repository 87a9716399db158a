// The sandbox for untrusted files: results and typed errors cross intact, crashes, loops and
// aborts become one FormatError naming the file, the child cannot write files, run programs or use
// the parent's descriptors; and the wire format of a model refuses every inconsistency.

#include <fcntl.h>
#include <linux/futex.h>
#include <sys/syscall.h>
#include <unistd.h>

#include <boost/test/unit_test.hpp>
#include <cerrno>
#include <csignal>
#include <cstdlib>
#include <filesystem>
#include <string>

#include "message_checks.hpp"
#include "nin/core/error.hpp"
#include "nin/io/model_contents.hpp"
#include "nin/isolation/sandbox.hpp"
#include "nin/spec/preset_catalog.hpp"

namespace {

namespace fs = std::filesystem;
using nin::test::check_message;

const fs::path kFile = "untrusted.h5";

// Runs `work` in the sandbox; returns its result or the error's message prefixed by its kind.
template <typename Work>
std::string outcome(Work work) {
  try {
    return "ok:" + nin::run_sandboxed(kFile, "test reader", work);
  } catch (const nin::UsageError& e) {
    return std::string("usage:") + e.what();
  } catch (const nin::FormatError& e) {
    return std::string("format:") + e.what();
  } catch (const nin::IoError& e) {
    return std::string("io:") + e.what();
  } catch (const nin::Error& e) {
    return std::string("error:") + e.what();
  }
}

}  // namespace

BOOST_AUTO_TEST_SUITE(sandbox)

BOOST_AUTO_TEST_CASE(results_cross_intact) {
  std::string big(3 << 20, '\0');
  for (std::size_t i = 0; i < big.size(); ++i) big[i] = static_cast<char>(i * 7919 % 251);
  BOOST_TEST(outcome([&] { return big; }) == "ok:" + big);
  BOOST_TEST(outcome([] { return std::string(); }) == "ok:");
}

BOOST_AUTO_TEST_CASE(typed_errors_cross_as_their_type) {
  BOOST_TEST(outcome([]() -> std::string { throw nin::FormatError("'f': bad tensor"); }) ==
             "format:'f': bad tensor");
  BOOST_TEST(outcome([]() -> std::string { throw nin::IoError("'f': cannot open"); }) ==
             "io:'f': cannot open");
  BOOST_TEST(outcome([]() -> std::string { throw nin::UsageError("--x: bad"); }) ==
             "usage:--x: bad");
  const std::string huge(100000, 'x');
  const std::string cut = outcome([&]() -> std::string { throw nin::FormatError(huge); });
  BOOST_TEST(cut.size() < 5000u);
}

BOOST_AUTO_TEST_CASE(a_crash_becomes_one_line_naming_the_file) {
  for (const int signal : {SIGSEGV, SIGBUS, SIGFPE}) {
    const std::string message = outcome([signal]() -> std::string {
      std::raise(signal);
      return "survived";
    });
    BOOST_TEST_CONTEXT("signal " << signal) {
      BOOST_TEST(message.rfind("format:'untrusted.h5': the file is malformed (the test reader "
                               "crashed: ",
                               0) == 0,
                 message);
      check_message(message, {")"});
    }
  }
  const std::string aborted = outcome([]() -> std::string { std::abort(); });
  check_message(aborted, {"format:'untrusted.h5'", "test reader crashed"});
  const std::string exited = outcome([]() -> std::string { ::_exit(3); });
  check_message(exited, {"format:'untrusted.h5'", "crashed: exit status 3"});
}

BOOST_AUTO_TEST_CASE(a_loop_ends_at_the_cpu_limit) {
  ::setenv("NIN_SANDBOX_CPU_SECONDS", "1", 1);
  const std::string message = outcome([]() -> std::string {
    volatile unsigned long spin = 0;
    for (;;) spin = spin + 1;
  });
  ::unsetenv("NIN_SANDBOX_CPU_SECONDS");
  BOOST_TEST(message ==
             "format:'untrusted.h5': the file is malformed (the test reader used up its 1 s of CPU "
             "time)");
}

// A child that blocks without using the CPU (here on a futex no one wakes) is killed at the
// wall-clock deadline, 2 × 1 s + 5 s; one that spins is left to its CPU limit (above), however
// loaded the machine.
BOOST_AUTO_TEST_CASE(a_blocked_reader_ends_at_the_wall_clock_deadline) {
  ::setenv("NIN_SANDBOX_CPU_SECONDS", "1", 1);
  const std::string message = outcome([]() -> std::string {
    static int word = 0;
    for (;;) ::syscall(SYS_futex, &word, FUTEX_WAIT, 0, nullptr, nullptr, 0);
  });
  ::unsetenv("NIN_SANDBOX_CPU_SECONDS");
  BOOST_TEST(message ==
             "format:'untrusted.h5': the file is malformed (the test reader did not finish "
             "within 7 s)");
}

BOOST_AUTO_TEST_CASE(the_child_cannot_write_run_or_reach_the_parents_files) {
  const fs::path dir = fs::temp_directory_path() / ("nin-sandbox-test-" + std::to_string(getpid()));
  fs::create_directories(dir);
  const fs::path created = dir / "created";
  // A high number, as a parent's open files have: the child's own pipe is fd 3.
  const int opened = ::open((dir / "inherited").c_str(), O_WRONLY | O_CREAT, 0600);
  BOOST_REQUIRE(opened >= 0);
  const int inherited = ::fcntl(opened, F_DUPFD, 100);
  ::close(opened);
  BOOST_REQUIRE(inherited >= 100);
  // The result and errno of a call, in that order.
  const auto result = [](long value) {
    return std::to_string(value) + " " + std::to_string(errno);
  };
  // Writing to a descriptor the parent holds: closed in the child (EBADF), and refused by the
  // filter first where there is one (EPERM).
  const std::string write_result = outcome([&] { return result(::write(inherited, "x", 1)); });
  BOOST_TEST(
      (write_result == "ok:-1 " + std::to_string(EBADF) ||
       (nin::sandbox_filters_system_calls() && write_result == "ok:-1 " + std::to_string(EPERM))),
      write_result);
  if (nin::sandbox_filters_system_calls()) {
    BOOST_TEST(outcome([&] { return result(::open(created.c_str(), O_WRONLY | O_CREAT, 0600)); }) ==
               "ok:-1 " + std::to_string(EPERM));
    BOOST_TEST(outcome([] {
                 ::execl("/bin/true", "true", static_cast<char*>(nullptr));
                 return std::to_string(errno);
               }) == "ok:" + std::to_string(EPERM));
  }
  // Reading stays possible: that is the child's job.
  BOOST_TEST(outcome([&] {
               const int fd = ::open((dir / "inherited").c_str(), O_RDONLY);
               if (fd >= 0) ::close(fd);
               return std::to_string(fd >= 0);
             }) == "ok:1");
  ::close(inherited);
  BOOST_TEST(!fs::exists(created));
  BOOST_TEST(fs::file_size(dir / "inherited") == 0u);
  fs::remove_all(dir);
}

BOOST_AUTO_TEST_CASE(model_contents_round_trip_and_refuse_inconsistency) {
  const nin::NetworkSpec spec =
      nin::load_network("nin-mnist-bn", nin::PresetCatalog({NIN_TEST_MODELS_DIR}));
  nin::Network network(spec, 1, nin::NetworkUse::inference);
  network.initialize(3);
  nin::ModelInfo info;
  info.normalization = {{0.5f}, {0.25f}};
  info.provenance.dataset = "idx somewhere";
  nin::ModelContents contents = nin::contents_of(network, info);
  contents.notes = {"a note"};
  const std::string bytes = nin::encode_model_contents(contents);

  const nin::ModelContents back = nin::decode_model_contents(bytes, "m.h5");
  BOOST_TEST(back.parameters == contents.parameters);
  BOOST_TEST(back.state == contents.state);
  BOOST_TEST(back.notes == contents.notes);
  BOOST_TEST(back.info.provenance.dataset == "idx somewhere");
  const auto rebuilt = back.build_network(4, nin::NetworkUse::inference);
  const auto values = rebuilt->parameter_values();
  BOOST_TEST(std::equal(values.begin(), values.end(), contents.parameters.begin()));

  // Every truncation and any extra byte is refused; nothing huge is allocated on the way.
  for (const std::size_t cut : {std::size_t{0}, std::size_t{5}, bytes.size() / 2, bytes.size() - 1})
    BOOST_CHECK_THROW(nin::decode_model_contents(std::string_view(bytes).substr(0, cut), "m.h5"),
                      nin::FormatError);
  BOOST_CHECK_THROW(nin::decode_model_contents(bytes + "x", "m.h5"), nin::FormatError);
  std::string huge_length = bytes;
  huge_length.replace(0, 8, std::string("\xff\xff\xff\xff\xff\xff\xff\x7f", 8));
  BOOST_CHECK_THROW(nin::decode_model_contents(huge_length, "m.h5"), nin::FormatError);

  // Values that do not fit the spec are refused when the network is built.
  nin::ModelContents short_parameters = back;
  short_parameters.parameters.pop_back();
  try {
    short_parameters.build_network(1, nin::NetworkUse::inference);
    BOOST_FAIL("a missing parameter value was accepted");
  } catch (const nin::FormatError& e) {
    check_message(e.what(), {"'m.h5'", "parameter values"});
  }
  nin::ModelContents bad_std = back;
  bad_std.info.normalization.std = {0.0f};
  BOOST_CHECK_THROW(bad_std.build_network(1, nin::NetworkUse::inference), nin::FormatError);
}

BOOST_AUTO_TEST_SUITE_END()
