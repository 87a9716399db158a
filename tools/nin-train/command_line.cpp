#include "nin-train/command_line.hpp"

#include <algorithm>
#include <system_error>

#include "common/model_loading.hpp"
#include "common/option_checks.hpp"
#include "common/option_table.hpp"
#include "common/preprocessing_options.hpp"
#include "common/shared_options.hpp"
#include "nin/core/error.hpp"
#include "nin/data/dataset.hpp"
#include "nin/io/model_contents.hpp"

namespace nin::train_tool {
namespace po = boost::program_options;
namespace {

std::vector<double> parse_milestones(const std::string& text) {
  std::vector<double> epochs;
  std::size_t start = 0;
  while (start < text.size()) {
    const auto comma = text.find(',', start);
    const auto part =
        text.substr(start, comma == std::string::npos ? std::string::npos : comma - start);
    try {
      std::size_t used = 0;
      epochs.push_back(std::stod(part, &used));
      if (used != part.size()) throw std::invalid_argument(part);
    } catch (const std::exception&) {
      throw UsageError("--lr-milestones: '" + text + "' must be epochs separated by commas");
    }
    if (comma == std::string::npos) break;
    start = comma + 1;
  }
  return epochs;
}

// The milestones are one option holding a list: each epoch is checked here, every other value by
// its declaration.
void check_milestones(const TrainOptions& o) {
  for (const double epoch : o.schedule.milestones) cli::require_finite("--lr-milestones", epoch);
}

// The recipe saved in a checkpoint; only the run's length and logistics come from the command line.
TrainOptions resumed_options(const ModelContents& saved, const std::string& path,
                             const TrainOptions& command_line, const po::variables_map& values) {
  if (!saved.checkpoint)
    throw FormatError("'" + path + "': a model without training state cannot be resumed");
  TrainOptions o = TrainOptions::from_json(saved.checkpoint->options_json, path);
  if (!values["epochs"].defaulted()) o.epochs = command_line.epochs;
  if (!values["data"].defaulted()) o.data = command_line.data;
  o.checkpoint_minutes = command_line.checkpoint_minutes;
  o.log_every = command_line.log_every;
  o.stop_after = command_line.stop_after;
  return o;
}

// "a,b,c" -> {"a", "b", "c"}; empty parts are refused.
std::vector<std::string> parse_names(const std::string& option, const std::string& text) {
  std::vector<std::string> names;
  std::size_t start = 0;
  while (true) {
    const auto comma = text.find(',', start);
    names.push_back(
        text.substr(start, comma == std::string::npos ? std::string::npos : comma - start));
    if (names.back().empty())
      throw UsageError(option + ": '" + text + "' must be layer names separated by commas");
    if (comma == std::string::npos) return names;
    start = comma + 1;
  }
}

// Model and checkpoint names say the format, as nin-convert's do; nin-train writes only HDF5.
void require_hdf5_name(const std::string& option, const std::filesystem::path& path,
                       const std::string& why) {
  if (cli::model_format_of(path) != cli::ModelFormat::hdf5)
    throw UsageError(option + " '" + path.string() + "': the file name must end in .h5 or .hdf5 (" +
                     why + ")");
}

}  // namespace

std::optional<TrainCommand> parse_train_command(int argc, char** argv, const cli::ToolInfo& info) {
  TrainCommand command;
  TrainOptions& o = command.job.options;
  std::string net = "nin-mnist-bn", output, checkpoint, resume, schedule = "cosine", milestones;
  std::string labels = "fine", seed = std::to_string(o.seed), weights, freeze, reinit, class_names;
  cli::PreprocessingOptions preprocessing;
  o.data = kDefaultDataPath;
  bool no_nesterov = false;
  cli::OptionTable options;
  options.add({.name = "net",
               .kind = cli::ValueKind::network,
               .value_name = "NET",
               .help = "preset name or spec file to train",
               .role = cli::FileRole::network,
               .defaulted = true},
              &net);
  std::string recipe_name;
  std::vector<std::string> recipe_names;
  for (const Recipe& recipe : recipes()) recipe_names.emplace_back(recipe.name);
  options.add({.name = "recipe",
               .kind = cli::ValueKind::choice,
               .value_name = "NAME",
               .help = "a named recipe (main, fast, accurate): options given here override its values",
               .choices = recipe_names},
              &recipe_name);
  cli::add_data(options, &o.data);
  options.add({.name = "output",
               .short_name = 'o',
               .kind = cli::ValueKind::model,
               .value_name = "MODEL.h5",
               .help = "where to write the best model (HDF5)",
               .role = cli::FileRole::model_output},
              &output);
  options.add({.name = "checkpoint",
               .kind = cli::ValueKind::model,
               .value_name = "FILE.h5",
               .help = "where to write checkpoints (default: MODEL.ckpt.h5)",
               .role = cli::FileRole::checkpoint_output},
              &checkpoint);
  options.add({.name = "resume",
               .kind = cli::ValueKind::model,
               .value_name = "CHECKPOINT.h5",
               .help = "continue the run saved in this checkpoint",
               .role = cli::FileRole::checkpoint},
              &resume);
  options.add({.name = "weights",
               .kind = cli::ValueKind::model,
               .value_name = "MODEL",
               .help = "start from this model's parameters (.h5 or .onnx; fine-tuning): layers "
                       "matched by name and shape",
               .role = cli::FileRole::model},
              &weights);
  options.add({.name = "freeze",
               .kind = cli::ValueKind::text,
               .value_name = "LAYERS",
               .help = "layers whose parameters stay fixed, e.g. conv1,cccp1"},
              &freeze);
  options.add({.name = "reinit",
               .kind = cli::ValueKind::text,
               .value_name = "LAYERS",
               .help = "layers to initialise afresh instead of taking them from --weights"},
              &reinit);
  options.add_flag({.name = "eval-first", .help = "evaluate once before the first step"},
                   &command.job.evaluate_first);
  cli::add_class_names(options, &class_names,
                       "file with one class name per line, for data sets that have none");
  cli::add_center_crop(options, &o.center_crop);
  cli::add_skip_bad_images(options, &o.skip_bad_images);
  options.add({.name = "epochs",
               .kind = cli::ValueKind::number,
               .value_name = "N",
               .help = "epochs to train (the schedule's length)",
               .range = cli::IntRange{1, 100000},
               .defaulted = true},
              &o.epochs);
  options.add({.name = "stop-after",
               .kind = cli::ValueKind::number,
               .value_name = "N",
               .help = "end this run after N epochs in all; --resume continues it",
               .range = cli::IntRange{0, 100000},
               .defaulted = true},
              &o.stop_after);
  cli::add_batch(options, &o.batch, "mini-batch size");
  options.add({.name = "lr",
               .kind = cli::ValueKind::number,
               .value_name = "RATE",
               .help = "base learning rate",
               .reals = cli::RealRange{.min = 0, .min_open = true},
               .defaulted = true},
              &o.schedule.base_lr);
  options.add({.name = "lr-schedule",
               .kind = cli::ValueKind::choice,
               .value_name = "KIND",
               .help = "constant, step, multistep or cosine",
               .choices = {"constant", "step", "multistep", "cosine"},
               .defaulted = true},
              &schedule);
  options.add({.name = "lr-step",
               .kind = cli::ValueKind::number,
               .value_name = "EPOCHS",
               .help = "epochs between steps (step)",
               .reals = cli::RealRange{.min = 0, .min_open = true},
               .defaulted = true},
              &o.schedule.step_epochs);
  options.add({.name = "lr-milestones",
               .kind = cli::ValueKind::text,
               .value_name = "EPOCHS",
               .help = "epochs at which to multiply by gamma (multistep), e.g. 100,150"},
              &milestones);
  options.add({.name = "lr-gamma",
               .kind = cli::ValueKind::number,
               .value_name = "X",
               .help = "factor of step and multistep",
               .reals = cli::RealRange{.min = 0, .min_open = true},
               .defaulted = true},
              &o.schedule.gamma);
  options.add({.name = "warmup",
               .kind = cli::ValueKind::number,
               .value_name = "EPOCHS",
               .help = "epochs of linear warm-up",
               .reals = cli::RealRange{},
               .defaulted = true},
              &o.schedule.warmup_epochs);
  options.add({.name = "momentum",
               .kind = cli::ValueKind::number,
               .value_name = "X",
               .help = "SGD momentum",
               .reals = cli::RealRange{.min = 0, .max = 1, .max_open = true},
               .defaulted = true},
              &o.momentum);
  options.add_flag({.name = "no-nesterov", .help = "classic momentum instead of Nesterov's"},
                   &no_nesterov);
  options.add({.name = "weight-decay",
               .kind = cli::ValueKind::number,
               .value_name = "X",
               .help = "L2 weight decay of convolution weights",
               .reals = cli::RealRange{},
               .defaulted = true},
              &o.weight_decay);
  options.add({.name = "crop-pad",
               .kind = cli::ValueKind::number,
               .value_name = "N",
               .help = "augment: random translation up to this many pixels",
               .range = cli::IntRange{0, 64},
               .defaulted = true},
              &o.augmentation.crop_pad);
  options.add_flag({.name = "flip", .help = "augment: random horizontal flips"},
                   &o.augmentation.flip);
  options.add({.name = "erase",
               .kind = cli::ValueKind::number,
               .value_name = "P",
               .help = "augment: with probability P, blank a random rectangle (random erasing)",
               .reals = cli::RealRange{.min = 0, .max = 1},
               .defaulted = true},
              &o.augmentation.erase);
  options.add({.name = "label-smoothing",
               .kind = cli::ValueKind::number,
               .value_name = "X",
               .help = "train towards 1-X on the label and X/classes on every class",
               .reals = cli::RealRange{.min = 0, .max = 1, .max_open = true},
               .defaulted = true},
              &o.label_smoothing);
  options.add({.name = "eval-every",
               .kind = cli::ValueKind::number,
               .value_name = "N",
               .help = "evaluate after every N-th epoch and after the last (0: only after the "
                       "last)",
               .range = cli::IntRange{0, 100000},
               .defaulted = true},
              &o.eval_every);
  options.add({.name = "val",
               .kind = cli::ValueKind::number,
               .value_name = "N",
               .help = "hold out this many training images for validation (0: use the test set)",
               .range = cli::IntRange{0, cli::kMaxCountOption},
               .defaulted = true},
              &o.validation);
  cli::add_labels(options, &labels);
  cli::add_limit(options, &o.limit);
  // Checked by parse_unsigned: Boost.ProgramOptions would read "-1" as 2^64 - 1.
  options.add({.name = "seed",
               .kind = cli::ValueKind::number,
               .value_name = "N",
               .help = "random seed",
               .defaulted = true},
              &seed);
  cli::add_threads(options, &command.threads);
  options.add({.name = "checkpoint-minutes",
               .kind = cli::ValueKind::number,
               .value_name = "MINUTES",
               .help = "also checkpoint within epochs this often",
               .reals = cli::RealRange{},
               .defaulted = true},
              &o.checkpoint_minutes);
  options.add({.name = "log",
               .kind = cli::ValueKind::file,
               .value_name = "FILE",
               .help = "append one JSON object per epoch to this file (-: standard output)",
               .role = cli::FileRole::log_or_stdout},
              &command.log);
  options.add({.name = "plot",
               .kind = cli::ValueKind::file,
               .value_name = "FILE.svg",
               .help = "draw the loss, accuracy and learning rate per epoch into this SVG file "
                       "after each epoch",
               .role = cli::FileRole::picture_output},
              &command.plot);
  options.add({.name = "log-every",
               .kind = cli::ValueKind::number,
               .value_name = "N",
               .help = "also log every N steps",
               .range = cli::IntRange{0, cli::kMaxCountOption},
               .defaulted = true},
              &o.log_every);
  options.add_flag({.name = "quiet", .short_name = 'q', .help = "no progress on stderr"},
                   &command.quiet);
  preprocessing.add_to(options);
  po::variables_map values;
  const auto recipe_arguments = [](const po::variables_map& given) {
    std::vector<std::string> arguments;
    if (!given.count("recipe")) return arguments;
    if (given.count("resume"))
      throw UsageError("--recipe starts a new run; a checkpoint continues its own recipe");
    for (const auto argument : find_recipe(given["recipe"].as<std::string>()).arguments)
      arguments.emplace_back(argument);
    return arguments;
  };
  if (!cli::parse_command_line(argc, argv, info, options, values, recipe_arguments))
    return std::nullopt;
  if (!recipe_name.empty()) command.recipe = &find_recipe(recipe_name);
  o.nesterov = !no_nesterov;
  o.schedule.kind = parse_schedule_kind(schedule);
  if (!milestones.empty()) o.schedule.milestones = parse_milestones(milestones);
  o.labels = labels == "coarse" ? LabelKind::coarse : LabelKind::fine;
  if (output.empty()) throw UsageError("missing -o/--output: where to write the model");
  check_milestones(o);
  o.seed = cli::parse_unsigned("--seed", seed);

  TrainJob& job = command.job;
  job.output = output;
  job.checkpoint =
      checkpoint.empty() ? cli::checkpoint_path_for(output) : std::filesystem::path(checkpoint);
  require_hdf5_name("-o", job.output, "nin-train writes nin models; nin-convert exports ONNX");
  require_hdf5_name("--checkpoint", job.checkpoint, "a checkpoint is a nin model file");
  job.tool_version = std::string("nin-train ") + NIN_VERSION;
  if (!command.plot.empty()) cli::require_svg_name("--plot", command.plot);
  if (!class_names.empty()) {
    command.class_names = class_names;
    command.inputs.push_back({"--class-names", class_names});
  }
  if (!weights.empty() && !resume.empty())
    throw UsageError(
        "--weights starts a new run from a model; --resume continues a run from its "
        "checkpoint: give one of them");
  if (!freeze.empty()) o.freeze = parse_names("--freeze", freeze);
  if (!reinit.empty()) {
    if (weights.empty()) throw UsageError("--reinit applies to the layers of --weights");
    job.reinitialize = parse_names("--reinit", reinit);
  }
  const auto declared = preprocessing.parse();
  if (declared && weights.empty())
    throw UsageError(
        "--scale, --mean and --std describe what an ONNX model given to --weights "
        "expects");
  if (!resume.empty()) {
    if (!freeze.empty())
      throw UsageError(
          "--freeze is part of the recipe a checkpoint continues; it cannot change "
          "on --resume");
    if (!class_names.empty())
      throw UsageError(
          "--class-names names the classes of a new run; a resumed run keeps its "
          "model's");
    const ModelContents saved = read_model_file(resume, ModelParts::checkpoint);
    job.spec = saved.spec;
    o = resumed_options(saved, resume, o, values);
    // The recipe is held to the options' declared ranges as a command line is: the declarations
    // check the values they store, which are o's.
    try {
      check_milestones(o);
      options.check(values);
    } catch (const UsageError& e) {
      throw FormatError("'" + resume + "': training options: " + e.what());
    }
    job.resume = resume;
    // The checkpoint read at the start is the one the run continues and rewrites.
    command.inputs.push_back({"--resume", resume, "--checkpoint"});
  } else {
    const bool net_given = !values["net"].defaulted();
    if (net_given && cli::model_format_of(net) && weights.empty())
      throw UsageError("--net '" + net +
                       "' is a trained model: to start from its parameters use "
                       "--weights '" +
                       net + "' (--net alone would take only its architecture)");
    if (!weights.empty()) {
      command.weights = cli::read_model_any(weights);
      cli::print_notes(info.name, weights, command.weights->notes);
      cli::apply_preprocessing(declared, weights, command.weights->spec.input.channels,
                               command.weights->info.normalization);
      command.inputs.push_back({"--weights", weights});
      o.weights = weights;
    }
    // With --weights and no --net, the model's own architecture.
    job.spec = command.weights && !net_given ? command.weights->spec : cli::load_network_any(net);
    std::error_code not_a_file;
    if (net_given && std::filesystem::is_regular_file(net, not_a_file))
      command.inputs.push_back({"--net", net});
    check_layer_names("--freeze", o.freeze, job.spec);
    check_layer_names("--reinit", job.reinitialize, job.spec);
  }
  for (const auto& file : dataset_files(o.data)) command.inputs.push_back({"--data", file});
  command.outputs = {{"-o", job.output}, {"--checkpoint", job.checkpoint}};
  if (!command.plot.empty()) command.outputs.push_back({"--plot", command.plot});
  if (!command.log.empty() && !cli::is_standard_stream(command.log))
    command.outputs.push_back({"--log", command.log});
  return command;
}

}  // namespace nin::train_tool
