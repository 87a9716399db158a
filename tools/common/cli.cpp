#include "common/cli.hpp"

#include <csignal>
#include <cstdio>
#include <iostream>
#include <new>
#include <vector>

#include "common/file_options.hpp"
#include "nin/core/error.hpp"
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

bool parse_command_line(int argc, char** argv, const ToolInfo& info,
                        po::options_description& options,
                        const po::positional_options_description& positional,
                        po::variables_map& values) {
  options.add_options()("help,h", "print this help and exit")("version",
                                                              "print the version and exit");
  po::store(po::command_line_parser(argc, argv).options(options).positional(positional).run(),
            values);
  if (values.count("help")) {
    std::cout << "Usage: " << info.name << " " << info.usage << "\n"
              << info.summary << "\n\n"
              << options << "\nExit status: 0 success, 1 failure, 2 usage error.\n";
    return false;
  }
  if (values.count("version")) {
    std::cout << info.name << " (nin) " << NIN_VERSION << "\n";
    return false;
  }
  check_file_options(options, positional, values);
  po::notify(values);
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

int run(std::string_view tool, const std::function<int()>& body) {
  // Beyond `ulimit -f`, a write then fails with EFBIG and is reported like any failed write (the
  // partial file removed) instead of SIGXFSZ killing the process without a word.
  std::signal(SIGXFSZ, SIG_IGN);
  int code = kFailure;
  try {
    code = body();
  } catch (...) {
    const Failure failure = describe_failure(tool, std::current_exception());
    print_error(tool, failure.message);
    return failure.code;
  }
  std::cout.flush();
  if (!std::cout) {
    print_error(tool, "cannot write to standard output");
    return kFailure;
  }
  return code;
}

}  // namespace nin::cli
