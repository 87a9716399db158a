#pragma once
// The options several tools share, each declared here once so that its name, range and help read
// the same in every tool: the standard ones (--help, --version, and the hidden --man and
// --completion-bash that the build turns into man pages and completion scripts), --threads,
// --batch, --format and the data set options of nin-train and nin-eval.

#include <cstdint>
#include <initializer_list>
#include <string>

#include "common/cli.hpp"
#include "common/option_table.hpp"

namespace nin::cli {

// The most images a batch option may ask for, unless a tool states its own bound.
inline constexpr std::int64_t kMaxBatchOption = 65536;

// --help/-h, --version, and hidden: --man, --completion-bash. parse_command_line adds them.
void add_standard_options(OptionTable& table);

void add_threads(OptionTable& table, int* threads);
// `help` says what the batch is for in this tool (training, inference, activation memory).
void add_batch(OptionTable& table, std::int64_t* batch, std::string help,
               IntRange range = {1, kMaxBatchOption});
// The formats the tool can print; `what` names the output they apply to.
void add_format(OptionTable& table, std::string* format, std::initializer_list<Format> allowed,
                std::string what = "output format");

// The data set options of nin-train and nin-eval.
void add_data(OptionTable& table, std::string* data);
void add_labels(OptionTable& table, std::string* labels);
void add_limit(OptionTable& table, std::int64_t* limit);
void add_center_crop(OptionTable& table, bool* center_crop);
void add_skip_bad_images(OptionTable& table, bool* skip_bad_images);
// `help` says what the names are for in this tool.
void add_class_names(OptionTable& table, std::string* file, std::string help);

}  // namespace nin::cli
