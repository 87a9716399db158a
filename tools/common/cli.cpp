#include "common/cli.hpp"

#include <chrono>
#include <csignal>
#include <cstdio>
#include <iostream>
#include <new>
#include <streambuf>
#include <vector>

#include "common/bash_completion.hpp"
#include "common/build_info.hpp"
#include "common/file_options.hpp"
#include "common/man_page.hpp"
#include "common/option_table.hpp"
#include "common/shared_options.hpp"
#include "nin/core/error.hpp"
#include "nin/dist/launch.hpp"
#include "nin/spec/network_spec.hpp"

namespace nin::cli {
namespace po = boost::program_options;

namespace {
struct FormatName {
  Format format;
  std::string_view name;
};
constexpr FormatName kFormats[] = {
    {Format::md, "md"}, {Format::csv, "csv"}, {Format::tsv, "tsv"}, {Format::json, "json"}};
}  // namespace

Format parse_format(const std::string& text, std::initializer_list<Format> allowed) {
  std::string names;
  for (const auto format : allowed) {
    for (const auto& entry : kFormats) {
      if (entry.format != format) continue;
      if (entry.name == text) return format;
      names += (names.empty() ? "" : ", ") + std::string(entry.name);
    }
  }
  throw UsageError("--format: '" + text + "' is not one of " + names);
}

std::string_view format_name(Format format) {
  for (const auto& entry : kFormats)
    if (entry.format == format) return entry.name;
  return "?";
}

bool parse_command_line(int argc, char** argv, const ToolInfo& info, OptionTable& options,
                        po::variables_map& values, const PresetArguments& presets) {
  add_standard_options(options);
  const po::options_description all = options.all();
  const po::positional_options_description positional = options.positional();
  po::store(po::command_line_parser(argc, argv).options(all).positional(positional).run(), values);
  if (values.count("help")) {
    std::cout << "Usage: " << info.name << " " << info.usage << "\n"
              << info.summary << "\n\n"
              << options.visible() << "\nExit status: 0 success, 1 failure, 2 usage error.\n";
    return false;
  }
  if (values.count("version")) {
    write_version(std::cout, info.name);
    return false;
  }
  if (values.count("man")) {
    write_man_page(std::cout, info, options);
    return false;
  }
  if (values.count("completion-bash")) {
    write_bash_completion(std::cout, info.name, options);
    return false;
  }
  if (presets) {
    // Boost keeps the first value stored for an option: the command line's wins.
    const std::vector<std::string> arguments = presets(values);
    if (!arguments.empty())
      po::store(po::command_line_parser(arguments).options(all).run(), values);
  }
  check_file_options(all, positional, values);
  po::notify(values);
  options.check(values);
  return true;
}

Shape parse_input_shape(const std::string& text, std::string_view option) {
  std::string normal;
  for (std::size_t i = 0; i < text.size(); ++i) {
    if (text.compare(i, 2, "\u00d7") == 0) {  // "×" in UTF-8
      normal += 'x';
      ++i;
    } else {
      normal += (text[i] == 'X') ? 'x' : text[i];
    }
  }
  std::vector<std::int64_t> parts;
  std::size_t start = 0;
  bool valid = !normal.empty();
  while (valid) {
    const auto end = normal.find('x', start);
    const auto part =
        normal.substr(start, end == std::string::npos ? std::string::npos : end - start);
    if (part.empty() || part.size() > 6 ||
        part.find_first_not_of("0123456789") != std::string::npos) {
      valid = false;
      break;
    }
    parts.push_back(std::stoll(part));
    if (end == std::string::npos) break;
    start = end + 1;
  }
  if (!valid || parts.size() != 3 || parts[0] == 0 || parts[1] == 0 || parts[2] == 0)
    throw UsageError(std::string(option) + ": '" + text +
                     "' must be HxWxC with positive sizes, e.g. 32x32x3");
  return Shape{parts[2], parts[0], parts[1]};
}

std::string one_line(std::string_view text) {
  std::string line;
  for (const char c : text) {
    if (static_cast<unsigned char>(c) < 0x20 || c == '\x7f') {
      char escaped[8];
      std::snprintf(escaped, sizeof escaped, "\\x%02x", static_cast<unsigned char>(c));
      line += escaped;
    } else {
      line += c;
    }
  }
  return line;
}

void print_error(std::string_view tool, std::string_view message) {
  std::cerr << tool << ": error: " << one_line(message) << "\n";
}

Failure describe_failure(std::string_view tool, const std::exception_ptr& error) {
  try {
    std::rethrow_exception(error);
  } catch (const po::error& e) {
    return {std::string(e.what()) + " (see " + std::string(tool) + " --help)", kUsage};
  } catch (const UsageError& e) {
    return {e.what(), kUsage};
  } catch (const Error& e) {
    return {e.what(), kFailure};
  } catch (const std::bad_alloc&) {
    return {"out of memory", kFailure};
  } catch (const std::exception& e) {
    return {std::string("internal error: ") + e.what(), kFailure};
  }
}

namespace {

// Beyond `ulimit -f`, a write then fails with EFBIG and is reported like any failed write (the
// partial file removed) instead of SIGXFSZ killing the process without a word.
void ignore_file_size_signal() {
  std::signal(SIGXFSZ, SIG_IGN);
}

// A body's result once standard output is flushed: a failed write to it is a failure too.
int checked_stdout(std::string_view tool, int code) {
  std::cout.flush();
  if (!std::cout) {
    print_error(tool, "cannot write to standard output");
    return kFailure;
  }
  return code;
}

}  // namespace

int run(std::string_view tool, const std::function<int()>& body) {
  ignore_file_size_signal();
  int code = kFailure;
  try {
    code = body();
  } catch (...) {
    const Failure failure = describe_failure(tool, std::current_exception());
    print_error(tool, failure.message);
    return failure.code;
  }
  return checked_stdout(tool, code);
}

namespace {

// What a rank offers when its statuses are exchanged and it has no error of its own to report.
constexpr int kNothingToReport = -1;

// How long ranks leaving the collective part after a failure wait for one another. Ranks that
// agreed on a failure meet at once; a rank still missing after this long is waiting for the
// failed one in a collective operation, and the job is aborted.
constexpr std::chrono::milliseconds kLeavingPatience = std::chrono::seconds(5);

// The set-up failed on another rank, which reports it; carries its exit status.
struct SetupFailedElsewhere {
  int code;
};

// The lowest rank with something to report, or -1.
int first_reporter(const std::vector<int>& statuses) {
  for (std::size_t r = 0; r < statuses.size(); ++r)
    if (statuses[r] != kNothingToReport) return static_cast<int>(r);
  return -1;
}

bool is_peer_failure(const std::exception_ptr& error) {
  try {
    std::rethrow_exception(error);
  } catch (const PeerFailure&) {
    return true;
  } catch (...) {
    return false;
  }
}

// Discards whatever is written to it.
class NullBuffer final : public std::streambuf {
 protected:
  int overflow(int c) override { return traits_type::not_eof(c); }
  std::streamsize xsputn(const char*, std::streamsize n) override { return n; }
};

// While it lives, std::cout and std::cerr of a rank other than the writer go nowhere: the job's
// output is the writer's alone. speak() gives stderr back for the one error line a rank reports.
class Silence {
 public:
  explicit Silence(bool active) {
    if (!active) return;
    out_ = std::cout.rdbuf(&null_);
    err_ = std::cerr.rdbuf(&null_);
  }
  ~Silence() { speak(); }
  Silence(const Silence&) = delete;
  Silence& operator=(const Silence&) = delete;
  void speak() {
    if (out_) std::cout.rdbuf(out_);
    if (err_) std::cerr.rdbuf(err_);
    out_ = err_ = nullptr;
  }

 private:
  NullBuffer null_;
  std::streambuf* out_ = nullptr;
  std::streambuf* err_ = nullptr;
};

}  // namespace

bool CollectiveRun::is_writer() const {
  return comm_.is_writer();
}

void CollectiveRun::setup_done() {
  // Every rank that got here succeeded; those that failed offer their status from run_collective.
  const auto statuses = comm_.all_gather_within(kNothingToReport, std::chrono::milliseconds::max());
  set_up_ = true;
  const int reporter = first_reporter(*statuses);
  if (reporter >= 0) throw SetupFailedElsewhere{(*statuses)[static_cast<std::size_t>(reporter)]};
}

void CollectiveRun::require_same(std::string_view what, const std::string& mine) {
  std::string writers = mine;
  comm_.broadcast(writers, 0);
  const int first = comm_.first_rank_with(writers != mine);
  if (first < 0) return;
  if (first == comm_.rank())
    throw Error("rank " + std::to_string(first) + ": " + std::string(what) +
                " differ from rank 0's");
  throw PeerFailure("rank " + std::to_string(first) + ": " + std::string(what) + " differ");
}

int run_collective(std::string_view tool, const std::function<int(CollectiveRun&)>& body) {
  ignore_file_size_signal();
  std::unique_ptr<JobCommunicator> comm;
  try {
    comm = communicator_from_environment();
  } catch (...) {
    const Failure failure = describe_failure(tool, std::current_exception());
    print_error(tool, failure.message);
    return failure.code;
  }
  CollectiveRun run(*comm);
  Silence silence(!comm->is_writer());
  int code = kFailure;
  try {
    code = body(run);
    if (!run.set_up()) run.setup_done();
  } catch (const SetupFailedElsewhere& elsewhere) {
    return elsewhere.code;
  } catch (...) {
    const Failure failure = describe_failure(tool, std::current_exception());
    const bool peer = is_peer_failure(std::current_exception());
    // In the set-up every rank comes to the exchange, however long its own set-up takes; in the
    // collective part only those that left it with an error do.
    const auto patience = run.set_up() ? kLeavingPatience : std::chrono::milliseconds::max();
    const auto statuses = comm->all_gather_within(peer ? kNothingToReport : failure.code, patience);
    silence.speak();
    if (!statuses) {
      if (!peer) print_error(tool, failure.message);
      comm->abort(peer ? kFailure : failure.code);
      return peer ? kFailure : failure.code;
    }
    const int reporter = first_reporter(*statuses);
    if (reporter < 0) return kFailure;
    if (reporter == comm->rank()) print_error(tool, failure.message);
    return (*statuses)[static_cast<std::size_t>(reporter)];
  }
  return checked_stdout(tool, code);
}

}  // namespace nin::cli
