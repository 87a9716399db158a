#include "nin-train/command_line.hpp"

#include <algorithm>
#include <sstream>
#include <system_error>

#include "common/file_options.hpp"
#include "common/model_loading.hpp"
#include "common/option_checks.hpp"
#include "common/preprocessing_options.hpp"
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

// Every numeric option's range; a recipe read from a checkpoint is held to the same.
void check_recipe(const TrainOptions& o) {
  cli::require_range("--epochs", o.epochs, 1, 100000);
  cli::require_range("--stop-after", o.stop_after, 0, 100000);  // 0: run to the end
  cli::require_range("--batch", o.batch, 1, 65536);
  cli::require_finite("--lr", o.schedule.base_lr, {.min = 0, .min_open = true});
  cli::require_finite("--lr-step", o.schedule.step_epochs, {.min = 0, .min_open = true});
  cli::require_finite("--lr-gamma", o.schedule.gamma, {.min = 0, .min_open = true});
  cli::require_finite("--warmup", o.schedule.warmup_epochs);
  for (const double epoch : o.schedule.milestones) cli::require_finite("--lr-milestones", epoch);
  cli::require_finite("--momentum", o.momentum, {.min = 0, .max = 1, .max_open = true});
  cli::require_finite("--weight-decay", o.weight_decay);
  cli::require_range("--crop-pad", o.augmentation.crop_pad, 0, 64);
  cli::require_range("--val", o.validation, 0, cli::kMaxCountOption);
  cli::require_range("--limit", o.limit, 0, cli::kMaxCountOption);
  cli::require_finite("--checkpoint-minutes", o.checkpoint_minutes);
  cli::require_range("--log-every", o.log_every, 0, cli::kMaxCountOption);
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
  try {
    check_recipe(o);
  } catch (const UsageError& e) {
    throw FormatError("'" + path + "': training options: " + e.what());
  }
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

// A default as people write it ("0.05"), not as its double prints at full precision.
std::string shortest(double value) {
  std::ostringstream text;
  text << value;
  return text.str();
}

}  // namespace

std::optional<TrainCommand> parse_train_command(int argc, char** argv, const cli::ToolInfo& info) {
  TrainCommand command;
  TrainOptions& o = command.job.options;
  std::string net = "nin-mnist-bn", output, checkpoint, resume, schedule, milestones, labels, seed;
  std::string weights, freeze, reinit, class_names;
  cli::PreprocessingOptions preprocessing;
  o.data = kDefaultDataPath;
  bool no_nesterov = false;
  po::options_description options("Options");
  // clang-format off
  options.add_options()
      ("net", cli::file_value(&net, cli::FileRole::network)->default_value(net), "preset name or spec file to train")
      ("data", cli::file_value(&o.data, cli::FileRole::data)->default_value(o.data), "data set: IDX/CIFAR directory, image folder or HDF5 file")
      ("output,o", cli::file_value(&output, cli::FileRole::model_output), "where to write the best model (HDF5)")
      ("checkpoint", cli::file_value(&checkpoint, cli::FileRole::checkpoint_output), "where to write checkpoints (default: MODEL.ckpt.h5)")
      ("resume", cli::file_value(&resume, cli::FileRole::checkpoint), "continue the run saved in this checkpoint")
      ("weights", cli::file_value(&weights, cli::FileRole::model), "start from this model's parameters (.h5 or .onnx; fine-tuning): layers matched by name and shape")
      ("freeze", po::value(&freeze), "layers whose parameters stay fixed, e.g. conv1,cccp1")
      ("reinit", po::value(&reinit), "layers to initialise afresh instead of taking them from --weights")
      ("eval-first", po::bool_switch(&command.job.evaluate_first), "evaluate once before the first step")
      ("class-names", cli::file_value(&class_names, cli::FileRole::class_names), "file with one class name per line, for data sets that have none")
      ("center-crop", po::bool_switch(&o.center_crop), "image folders: crop to the network's aspect ratio before resizing")
      ("skip-bad-images", po::bool_switch(&o.skip_bad_images), "image folders: skip files that cannot be decoded, with a warning each")
      ("epochs", po::value(&o.epochs)->default_value(o.epochs), "epochs to train (the schedule's length)")
      ("stop-after", po::value(&o.stop_after)->default_value(0), "end this run after N epochs in all; --resume continues it")
      ("batch", po::value(&o.batch)->default_value(o.batch), "mini-batch size")
      ("lr", po::value(&o.schedule.base_lr)->default_value(o.schedule.base_lr, shortest(o.schedule.base_lr)), "base learning rate")
      ("lr-schedule", po::value(&schedule)->default_value("cosine"), "constant, step, multistep or cosine")
      ("lr-step", po::value(&o.schedule.step_epochs)->default_value(o.schedule.step_epochs), "epochs between steps (step)")
      ("lr-milestones", po::value(&milestones), "epochs at which to multiply by gamma (multistep), e.g. 100,150")
      ("lr-gamma", po::value(&o.schedule.gamma)->default_value(o.schedule.gamma, shortest(o.schedule.gamma)), "factor of step and multistep")
      ("warmup", po::value(&o.schedule.warmup_epochs)->default_value(o.schedule.warmup_epochs, shortest(o.schedule.warmup_epochs)), "epochs of linear warm-up")
      ("momentum", po::value(&o.momentum)->default_value(o.momentum, shortest(o.momentum)), "SGD momentum")
      ("no-nesterov", po::bool_switch(&no_nesterov), "classic momentum instead of Nesterov's")
      ("weight-decay", po::value(&o.weight_decay)->default_value(o.weight_decay, shortest(o.weight_decay)), "L2 weight decay of convolution weights")
      ("crop-pad", po::value(&o.augmentation.crop_pad)->default_value(0), "augment: random translation up to this many pixels")
      ("flip", po::bool_switch(&o.augmentation.flip), "augment: random horizontal flips")
      ("val", po::value(&o.validation)->default_value(0), "hold out this many training images for validation (0: use the test set)")
      ("labels", po::value(&labels)->default_value("fine"), "CIFAR-100 labels: fine or coarse")
      ("limit", po::value(&o.limit)->default_value(0), "use only the first N images of each split (0: all)")
      ("seed", po::value(&seed)->default_value(std::to_string(o.seed)), "random seed")
      ("threads", po::value(&command.threads)->default_value(0), "worker threads (0: $NIN_THREADS or all cores)")
      ("checkpoint-minutes", po::value(&o.checkpoint_minutes)->default_value(0), "also checkpoint within epochs this often")
      ("log", cli::file_value(&command.log, cli::FileRole::log_or_stdout), "append one JSON object per epoch to this file (-: standard output)")
      ("log-every", po::value(&o.log_every)->default_value(0), "also log every N steps")
      ("quiet,q", po::bool_switch(&command.quiet), "no progress on stderr");
  // clang-format on
  preprocessing.add_to(options);
  po::variables_map values;
  if (!cli::parse_command_line(argc, argv, info, options, {}, values)) return std::nullopt;
  o.nesterov = !no_nesterov;
  o.schedule.kind = parse_schedule_kind(schedule);
  if (!milestones.empty()) o.schedule.milestones = parse_milestones(milestones);
  if (labels != "fine" && labels != "coarse")
    throw UsageError("--labels: '" + labels + "' is not one of fine, coarse");
  o.labels = labels == "coarse" ? LabelKind::coarse : LabelKind::fine;
  if (output.empty()) throw UsageError("missing -o/--output: where to write the model");
  check_recipe(o);
  cli::require_range("--threads", command.threads, 0, cli::kMaxThreadsOption);
  o.seed = cli::parse_unsigned("--seed", seed);

  TrainJob& job = command.job;
  job.output = output;
  job.checkpoint =
      checkpoint.empty() ? cli::checkpoint_path_for(output) : std::filesystem::path(checkpoint);
  require_hdf5_name("-o", job.output, "nin-train writes nin models; nin-convert exports ONNX");
  require_hdf5_name("--checkpoint", job.checkpoint, "a checkpoint is a nin model file");
  job.tool_version = std::string("nin-train ") + NIN_VERSION;
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
  if (!command.log.empty() && !cli::is_standard_stream(command.log))
    command.outputs.push_back({"--log", command.log});
  return command;
}

}  // namespace nin::train_tool
