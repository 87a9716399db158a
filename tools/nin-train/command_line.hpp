#pragma once
// nin-train's options, and with --resume the recipe saved in the checkpoint.

#include <filesystem>
#include <optional>
#include <string>
#include <vector>

#include "common/cli.hpp"
#include "nin-train/recipes.hpp"
#include "nin/io/model_contents.hpp"
#include "nin/io/output_path.hpp"
#include "nin/train/trainer.hpp"

namespace nin::train_tool {

struct TrainCommand {
  TrainJob job;  // without data sets: the caller loads them from job.options.data
  int threads = 0;
  bool quiet = false;
  std::string log;
  std::string plot;  // --plot: the training curves' SVG, rewritten after each epoch
  std::vector<NamedFile>
      outputs;  // -o, --checkpoint, --log and --plot, for the checks before the run
  std::vector<NamedFile> inputs;         // the files the run reads, which no output may be
  std::optional<ModelContents> weights;  // --weights, read; job.weights points here
  std::optional<std::filesystem::path> class_names;  // --class-names
  const Recipe* recipe = nullptr;                    // --recipe
};

// Parses the command line; returns nothing when --help or --version was answered. Throws
// UsageError (or a program_options error) for a bad command line.
std::optional<TrainCommand> parse_train_command(int argc, char** argv, const cli::ToolInfo& info);

}  // namespace nin::train_tool
