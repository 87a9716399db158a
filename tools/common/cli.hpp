#pragma once
// The one place where tools turn library errors into messages and exit codes, alone or as the
// processes of one MPI job, and the common command-line conventions: --help, --version, --format.

#include <boost/program_options.hpp>
#include <exception>
#include <functional>
#include <initializer_list>
#include <string>
#include <string_view>
#include <vector>

namespace nin::cli {

enum ExitCode : int { kSuccess = 0, kFailure = 1, kUsage = 2 };

enum class Format { md, csv, tsv, json };

// Parses a --format value; throws UsageError listing the allowed names.
Format parse_format(const std::string& text, std::initializer_list<Format> allowed);
// "md", "csv", "tsv" or "json".
std::string_view format_name(Format format);

struct ToolInfo {
  std::string_view name;     // e.g. "nin-params"
  std::string_view brief;    // what the tool does, for the man page's NAME line
  std::string_view usage;    // e.g. "NET [options]"; forms separated by " | "
  std::string_view summary;  // a paragraph
};

class OptionTable;

// Parses argv against the tool's declared `options` (which get the standard options added:
// shared_options.hpp). Returns false when --help, --version, --man or --completion-bash was
// answered on stdout and the tool should exit 0. Throws boost::program_options::error on malformed
// command lines, and UsageError when a file option that takes no standard stream was given "-"
// (file_options.hpp) or a value is outside its declared choices or range (option_table.hpp).
//
// `presets`, when given, is asked after the command line is read for arguments that stand in
// for defaults (a named recipe's): they are parsed against the same table and stored after the
// command line, so an option the user gave keeps the user's value.
using PresetArguments =
    std::function<std::vector<std::string>(const boost::program_options::variables_map&)>;
bool parse_command_line(int argc, char** argv, const ToolInfo& info, OptionTable& options,
                        boost::program_options::variables_map& values,
                        const PresetArguments& presets = {});

// An exception as a tool reports it: the one-line message and the exit code.
struct Failure {
  std::string message;
  int code;
};
Failure describe_failure(std::string_view tool, const std::exception_ptr& error);

// `text` with control characters shown as \xNN, so that it stays one line (a message may quote a
// file's names or an imported model's text).
std::string one_line(std::string_view text);

// Prints "TOOL: error: MESSAGE" on stderr, as one_line(MESSAGE).
void print_error(std::string_view tool, std::string_view message);

// Runs a tool's body: every exception becomes one line "TOOL: error: ..." on stderr and exit code
// 1 (failure) or 2 (usage error). Also reports a failed write to stdout. Ignores SIGXFSZ, so that
// a file size limit makes writes fail with an error rather than kill the tool.
int run(std::string_view tool, const std::function<int()>& body);

}  // namespace nin::cli

namespace nin {
class JobCommunicator;
}

namespace nin::cli {

// What run_collective hands a tool's body: the job's communicator, and the line between the set-up,
// which every rank does on its own, and the collective part.
class CollectiveRun {
 public:
  explicit CollectiveRun(JobCommunicator& comm) : comm_(comm) {}
  JobCommunicator& comm() { return comm_; }
  // Rank 0, which alone writes output files and prints.
  bool is_writer() const;

  // Ends the set-up (options, files, data: everything that can fail on one rank and not on
  // another). Every rank waits here for all the others, so no collective operation may come before
  // it. When the set-up failed on some rank, that rank has printed its error, and this ends the
  // body (with an exception of run_collective's own: do not catch it) so that the rank leaves
  // silently with the same exit status.
  void setup_done();
  bool set_up() const { return set_up_; }

  // After setup_done(): fails unless `mine` is the same on every rank as on the writer, for what
  // the ranks must share to run the same collective operations (options, the data's size). The
  // lowest rank that differs throws nin::Error "rank N: WHAT differ from rank 0's", the others
  // nin::PeerFailure, which run_collective reports once.
  void require_same(std::string_view what, const std::string& mine);

 private:
  friend int run_collective(std::string_view, const std::function<int(CollectiveRun&)>&);
  JobCommunicator& comm_;
  bool set_up_ = false;
};

// run() for a tool that may run as several processes of an MPI job (mpirun -np N TOOL ...; one
// process otherwise, nin/dist/launch.hpp), so that a failure on any rank ends every rank with one
// error line and one exit status, and never a hang:
//  - Ranks other than the writer print nothing: their stdout and stderr are discarded, but for the
//    error line they report.
//  - A failure during the set-up (before setup_done()) is agreed at setup_done(): the lowest rank
//    that failed prints its error, and every rank exits with its status (1 failure, 2 usage).
//  - In the collective part, a failure the ranks agreed on is thrown on each of them at the same
//    point: the error itself where it happened, nin::PeerFailure elsewhere (nin/core/error.hpp).
//    The ranks then exchange their statuses, the lowest that has an error prints it, and all exit
//    with its status. Errors that are the same on every rank (a deterministic divergence) are
//    printed once in the same way.
//  - Any other failure, on one rank only (out of memory...), leaves the others waiting in a
//    collective operation: after a few seconds without them, that rank prints its error and
//    aborts the whole job (MPI_Abort) with its status.
// A body that returns before setup_done() (--help) still meets the other ranks there.
int run_collective(std::string_view tool, const std::function<int(CollectiveRun&)>& body);

}  // namespace nin::cli

namespace nin {
struct Shape;
}

namespace nin::cli {

// Parses an --input value "HxWxC" (also "H×W×C"), e.g. 28x28x1; throws UsageError naming the
// option.
Shape parse_input_shape(const std::string& text, std::string_view option = "--input");

}  // namespace nin::cli
