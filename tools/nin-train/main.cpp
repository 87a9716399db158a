// nin-train: trains a network on a data set and writes the best model as an HDF5 file, with
// checkpoints to resume from.

#include <csignal>
#include <iostream>

#include "common/cli.hpp"
#include "common/model_loading.hpp"
#include "nin-train/monitor.hpp"
#include "nin/core/error.hpp"
#include "nin/core/parallel.hpp"
#include "nin/data/dataset.hpp"
#include "nin/train/trainer.hpp"

namespace po = boost::program_options;

namespace {

std::atomic<int> stop_signal{0};
extern "C" void request_stop(int signal) {
  stop_signal.store(signal);
}

void install_signal_handlers() {
  struct sigaction action {};
  action.sa_handler = request_stop;
  sigemptyset(&action.sa_mask);
  sigaction(SIGINT, &action, nullptr);
  sigaction(SIGTERM, &action, nullptr);
}

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
      throw nin::UsageError("--lr-milestones: '" + text + "' must be epochs separated by commas");
    }
    if (comma == std::string::npos) break;
    start = comma + 1;
  }
  return epochs;
}

}  // namespace

int main(int argc, char** argv) {
  constexpr nin::cli::ToolInfo info{
      "nin-train",
      "--net NET --data PATH -o MODEL.h5 [options]  |  --resume CHECKPOINT.h5 -o MODEL.h5",
      "Trains NET (a preset name or spec file) on the data set at PATH (an IDX, CIFAR-10 or\n"
      "CIFAR-100 directory, or an HDF5 file) and writes the best model by evaluation accuracy to\n"
      "MODEL.h5 and the latest state to the checkpoint. SIGINT/SIGTERM write a checkpoint and "
      "exit\n"
      "130/143."};
  // Before anything slow: a signal during set-up then stops training after its first step.
  install_signal_handlers();
  return nin::cli::run(info.name, [&]() -> int {
    std::string net = "nin-mnist-bn", data = nin::kDefaultDataPath, output, checkpoint, resume,
                schedule, milestones, log, labels;
    nin::TrainOptions o;
    int threads = 0;
    bool quiet = false, no_nesterov = false;
    po::options_description options("Options");
    options.add_options()("net", po::value(&net)->default_value(net),
                          "preset name or spec file to train")(
        "data", po::value(&data)->default_value(data),
        "data set: IDX/CIFAR directory or HDF5 file")("output,o", po::value(&output),
                                                      "where to write the best model (HDF5)")(
        "checkpoint", po::value(&checkpoint),
        "where to write checkpoints (default: MODEL.ckpt.h5)")(
        "resume", po::value(&resume), "continue the run saved in this checkpoint")(
        "epochs", po::value(&o.epochs)->default_value(o.epochs),
        "epochs to train (the schedule's length)")(
        "stop-after", po::value(&o.stop_after)->default_value(0),
        "end this run after N epochs in all; --resume continues it")(
        "batch", po::value(&o.batch)->default_value(o.batch), "mini-batch size")(
        "lr", po::value(&o.schedule.base_lr)->default_value(o.schedule.base_lr),
        "base learning rate")("lr-schedule", po::value(&schedule)->default_value("cosine"),
                              "constant, step, multistep or cosine")(
        "lr-step", po::value(&o.schedule.step_epochs)->default_value(o.schedule.step_epochs),
        "epochs between steps (step)")(
        "lr-milestones", po::value(&milestones),
        "epochs at which to multiply by gamma (multistep), e.g. 100,150")(
        "lr-gamma", po::value(&o.schedule.gamma)->default_value(o.schedule.gamma),
        "factor of step and multistep")(
        "warmup", po::value(&o.schedule.warmup_epochs)->default_value(o.schedule.warmup_epochs),
        "epochs of linear warm-up")("momentum", po::value(&o.momentum)->default_value(o.momentum),
                                    "SGD momentum")("no-nesterov", po::bool_switch(&no_nesterov),
                                                    "classic momentum instead of Nesterov's")(
        "weight-decay", po::value(&o.weight_decay)->default_value(o.weight_decay),
        "L2 weight decay")("crop-pad", po::value(&o.augmentation.crop_pad)->default_value(0),
                           "augment: random translation up to this many pixels")(
        "flip", po::bool_switch(&o.augmentation.flip), "augment: random horizontal flips")(
        "val", po::value(&o.validation)->default_value(0),
        "hold out this many training images for validation (0: use the test set)")(
        "labels", po::value(&labels)->default_value("fine"), "CIFAR-100 labels: fine or coarse")(
        "limit", po::value(&o.limit)->default_value(0),
        "use only the first N images of each split (0: all)")(
        "seed", po::value(&o.seed)->default_value(o.seed), "random seed")(
        "threads", po::value(&threads)->default_value(0),
        "worker threads (0: $NIN_THREADS or all cores)")(
        "checkpoint-minutes", po::value(&o.checkpoint_minutes)->default_value(0),
        "also checkpoint within epochs this often")(
        "log", po::value(&log), "append one JSON object per epoch to this file")(
        "log-every", po::value(&o.log_every)->default_value(0), "also log every N steps")(
        "quiet,q", po::bool_switch(&quiet), "no progress on stderr");
    po::variables_map values;
    if (!nin::cli::parse_command_line(argc, argv, info, options, {}, values))
      return nin::cli::kSuccess;
    o.nesterov = !no_nesterov;
    o.schedule.kind = nin::parse_schedule_kind(schedule);
    if (!milestones.empty()) o.schedule.milestones = parse_milestones(milestones);
    if (labels != "fine" && labels != "coarse")
      throw nin::UsageError("--labels: '" + labels + "' is not one of fine, coarse");
    o.labels = labels == "coarse" ? nin::LabelKind::coarse : nin::LabelKind::fine;
    if (output.empty()) throw nin::UsageError("missing -o/--output: where to write the model");
    if (o.epochs < 1 || o.epochs > 100000) throw nin::UsageError("--epochs must be in 1..100000");
    if (o.batch < 1 || o.batch > 65536) throw nin::UsageError("--batch must be in 1..65536");
    if (!(o.schedule.base_lr > 0)) throw nin::UsageError("--lr must be positive");
    if (o.augmentation.crop_pad < 0 || o.augmentation.crop_pad > 64)
      throw nin::UsageError("--crop-pad must be in 0..64");

    nin::TrainJob job;
    job.output = output;
    job.tool_version = std::string("nin-train ") + NIN_VERSION;
    if (!resume.empty()) {
      // The recipe comes from the checkpoint; only the run's length and logistics may change.
      const nin::ModelReader reader(resume);
      if (!reader.has_checkpoint())
        throw nin::FormatError("'" + resume +
                               "': a model without training state cannot be resumed");
      job.spec = reader.spec();
      nin::Network probe(reader.spec(), 1, nin::NetworkUse::inference);
      const auto saved = nin::TrainOptions::from_json(reader.read_checkpoint(probe).options_json);
      nin::TrainOptions merged = saved;
      if (!values["epochs"].defaulted()) merged.epochs = o.epochs;
      merged.checkpoint_minutes = o.checkpoint_minutes;
      merged.log_every = o.log_every;
      merged.stop_after = o.stop_after;
      if (!values["data"].defaulted()) merged.data = data;
      o = merged;
      job.resume = resume;
    } else {
      job.spec = nin::cli::load_network_any(net);
      o.data = data;
    }
    job.options = o;
    job.checkpoint = checkpoint.empty() ? nin::cli::checkpoint_path_for(output)
                                        : std::filesystem::path(checkpoint);
    nin::ThreadLimit thread_limit(threads);
    nin::remove_stale_temporaries(job.output);
    nin::remove_stale_temporaries(job.checkpoint);

    if (o.limit < 0) throw nin::UsageError("--limit must not be negative");
    const nin::Dataset train_data =
        nin::load_dataset(o.data, {nin::Split::train, o.labels, o.limit});
    std::optional<nin::Dataset> test_data;
    if (o.validation == 0)
      test_data = nin::load_dataset(o.data, {nin::Split::test, o.labels, o.limit});
    job.train = &train_data;
    job.test = test_data ? &*test_data : nullptr;
    if (job.spec.class_names.empty() &&
        static_cast<std::int64_t>(train_data.class_names.size()) == job.spec.classes)
      job.spec.class_names = train_data.class_names;

    nin::train_tool::ProgressMonitor monitor(o.epochs, quiet, log, o.log_every);
    const nin::TrainResult result = nin::train(job, monitor, stop_signal);
    if (result.interrupted) {
      const int signal = stop_signal.load();
      std::cerr << info.name << ": interrupted by " << (signal == SIGINT ? "SIGINT" : "SIGTERM")
                << "; checkpoint written to '" << job.checkpoint.string()
                << "' (resume with --resume)\n";
      return 128 + signal;
    }
    if (!quiet)
      std::cerr << info.name << ": best " << (o.validation ? "validation" : "test") << " accuracy "
                << result.best_accuracy * 100 << "%, model written to '" << output << "'\n";
    return nin::cli::kSuccess;
  });
}
