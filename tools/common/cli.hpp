#pragma once
// The one place where tools turn library errors into messages and exit codes, and the common
// command-line conventions: --help, --version, --format.

#include <boost/program_options.hpp>
#include <exception>
#include <functional>
#include <initializer_list>
#include <string>
#include <string_view>

namespace nin::cli {

enum ExitCode : int { kSuccess = 0, kFailure = 1, kUsage = 2 };

enum class Format { md, csv, tsv, json };

// Parses a --format value; throws UsageError listing the allowed names.
Format parse_format(const std::string& text, std::initializer_list<Format> allowed);

struct ToolInfo {
  std::string_view name;     // e.g. "nin-params"
  std::string_view usage;    // e.g. "NET [options]"
  std::string_view summary;  // one sentence
};

// Parses argv against `options` (which gets --help and --version added) and `positional`.
// Returns false when --help or --version was answered on stdout and the tool should exit 0.
// Throws boost::program_options::error on malformed command lines, and UsageError when a file
// option that takes no standard stream was given "-" (file_options.hpp).
bool parse_command_line(int argc, char** argv, const ToolInfo& info,
                        boost::program_options::options_description& options,
                        const boost::program_options::positional_options_description& positional,
                        boost::program_options::variables_map& values);

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
struct Shape;
}

namespace nin::cli {

// Parses an --input value "HxWxC" (also "H×W×C"), e.g. 28x28x1; throws UsageError naming the
// option.
Shape parse_input_shape(const std::string& text, std::string_view option = "--input");

}  // namespace nin::cli
