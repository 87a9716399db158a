// nin-train: trains a network on a data set and writes the best model as an HDF5 file, with
// checkpoints to resume from.

#include <atomic>
#include <csignal>
#include <iostream>
#include <optional>
#include <span>

#include <nlohmann/json.hpp>

#include "common/cli.hpp"
#include "common/data_loading.hpp"
#include "common/model_loading.hpp"
#include "nin-train/command_line.hpp"
#include "nin-train/monitor.hpp"
#include "nin/core/parallel.hpp"
#include "nin/data/dataset.hpp"
#include "nin/data/image_folder.hpp"
#include "nin/dist/launch.hpp"
#include "nin/io/atomic_file.hpp"
#include "nin/io/model_file.hpp"
#include "nin/io/output_lock.hpp"
#include "nin/io/output_path.hpp"
#include "nin/spec/network_spec.hpp"

namespace {

std::atomic<int> stop_signal{0};
extern "C" void request_stop(int signal) {
  stop_signal.store(signal);
}

// Under mpirun each rank has its own handlers; the ranks agree on a stop at every step.
void install_signal_handlers() {
  struct sigaction action {};
  action.sa_handler = request_stop;
  sigemptyset(&action.sa_mask);
  sigaction(SIGINT, &action, nullptr);
  sigaction(SIGTERM, &action, nullptr);
}

// The signal that stopped a job, as the lowest rank that received one saw it: the ranks stop
// together, though a signal may have reached only some of them.
int agreed_signal(nin::Communicator& comm) {
  int signal = stop_signal.load();
  const int first = comm.first_rank_with(signal != 0);
  if (first < 0) return SIGTERM;
  comm.broadcast(std::as_writable_bytes(std::span(&signal, 1)), first);
  return signal;
}

// The outputs are the writer's (rank 0) alone, on its file system: only it checks them, locks
// them and removes what an interrupted run left, and only it writes them.
struct OutputLocks {
  std::optional<nin::OutputLock> model, checkpoint;
};
OutputLocks claim_outputs(const nin::train_tool::TrainCommand& command) {
  const nin::TrainJob& job = command.job;
  // Nothing is loaded or written before the outputs are known to be safe to replace and ours.
  nin::check_distinct_files(command.outputs, command.inputs);
  nin::check_output_path(job.output, "-o");
  nin::check_output_path(job.checkpoint, "--checkpoint");
  if (!command.plot.empty()) nin::check_output_path(command.plot, "--plot");
  OutputLocks locks;
  locks.model.emplace(job.output, "-o");
  locks.checkpoint.emplace(job.checkpoint, "--checkpoint");
  nin::remove_stale_temporaries(job.output);
  nin::remove_stale_temporaries(job.checkpoint);
  if (!command.plot.empty()) nin::remove_stale_temporaries(command.plot);
  return locks;
}

// What every rank must share to train one model together: the options but for the paths, which
// may differ between hosts (also those that are not part of a recipe: where a run stops, whether
// it evaluates first), the network, and the size of the data. The values a run starts from
// (--weights, --resume) are compared by the trainer once it has them.
std::string shared_job(const nin::TrainJob& job) {
  auto options = nlohmann::json::parse(job.options.to_json());
  options.erase("data");
  options.erase("weights");
  options["stop_after"] = job.options.stop_after;
  options["evaluate_first"] = job.evaluate_first;
  options["reinitialize"] = job.reinitialize;
  return options.dump() + nin::to_json_text(job.spec) + std::to_string(job.train->size()) + " " +
         std::to_string(job.test ? job.test->size() : 0) + (job.resume ? " resumed" : "") +
         (job.weights ? " weights" : "");
}

// "tiny-fashion on fashion-mnist": the network and the data set's last path component.
std::string curves_title(const nin::TrainJob& job) {
  std::filesystem::path data = job.options.data;
  if (!data.has_filename()) data = data.parent_path();
  return (job.spec.name.empty() ? std::string("network") : job.spec.name) + " on " +
         data.filename().string();
}

}  // namespace

int main(int argc, char** argv) {
  constexpr nin::cli::ToolInfo info{
      "nin-train", "train a Network-in-Network model",
      "[--net NET] [--data PATH] -o MODEL.h5 [options]  |  --resume CHECKPOINT.h5 -o MODEL.h5",
      "Trains NET (a preset name or spec file; nin-mnist-bn) on the data set at PATH (an IDX,\n"
      "CIFAR-10 or CIFAR-100 directory, or an HDF5 file; Fashion-MNIST) and writes the best model\n"
      "by evaluation accuracy to MODEL.h5 and the latest state to the checkpoint.\n"
      "SIGINT/SIGTERM write a checkpoint and exit 130/143. Under mpirun -np N, N processes train\n"
      "one model, bit-identical to a single process; rank 0 writes the files."};
  // Before anything slow: a signal during set-up then stops training after its first step.
  install_signal_handlers();
  return nin::cli::run_collective(info.name, [&](nin::cli::CollectiveRun& run) -> int {
    auto command = nin::train_tool::parse_train_command(argc, argv, info);
    if (!command) return nin::cli::kSuccess;
    nin::TrainJob& job = command->job;
    const nin::TrainOptions& o = job.options;
    nin::ThreadLimit thread_limit(
        nin::threads_per_rank(command->threads, run.comm().ranks_on_host()));
    const OutputLocks locks = run.is_writer() ? claim_outputs(*command) : OutputLocks{};

    // An image folder must have a split to evaluate on; found out before anything is decoded.
    // A flat folder would be evaluated on its own training images.
    if (nin::is_image_dataset(o.data) && o.validation == 0 &&
        (!nin::image_folder_has_splits(o.data) ||
         !nin::image_folder_has_split(o.data, nin::Split::test)))
      throw nin::UsageError("--data '" + o.data + "': " +
                            (nin::image_folder_has_splits(o.data)
                                 ? "no test/ folder to evaluate on"
                                 : "an image folder without train/ and test/") +
                            ": hold out images for evaluation with --val N");
    nin::DataOptions data_options{nin::Split::train, o.labels, o.limit};
    data_options.center_crop = o.center_crop;
    data_options.skip_bad_images = o.skip_bad_images;
    // Images are decoded straight to the network's input, labelled as the network's classes when
    // they are exactly those.
    nin::Dataset train_data =
        nin::cli::load_data_for(info.name, o.data, data_options, job.spec.input,
                                job.spec.class_names, false, command->quiet);
    std::optional<nin::Dataset> test_data;
    if (o.validation == 0) {
      data_options.split = nin::Split::test;
      test_data = nin::cli::load_data_for(info.name, o.data, data_options, job.spec.input,
                                          job.spec.class_names, false, true, false);
    }
    job.train = &train_data;
    job.test = test_data ? &*test_data : nullptr;
    if (command->weights) job.weights = &*command->weights;
    if (!job.resume) {
      // A model fine-tuned on other classes, or any network on the user's own image folder, gets
      // as many outputs as the data has classes (a changed last layer starts afresh). Elsewhere
      // more classes than the network has are an error (check_data_fits): a preset for CIFAR-10
      // given CIFAR-100 is more likely a mistake.
      if (train_data.classes != job.spec.classes &&
          (job.weights || train_data.format == "images")) {
        std::cerr << info.name << ": note: the data set has " << train_data.classes
                  << " classes, the network " << job.spec.classes << ": its last convolution gets "
                  << train_data.classes << " outputs\n";
        job.spec = nin::with_classes(job.spec, train_data.classes);
      }
      std::vector<std::string> names = train_data.class_names;
      if (command->class_names)
        names = nin::cli::read_class_names(*command->class_names, train_data.classes);
      // Names the data set or the user gave win over a model's; generated numbers do not. A data
      // set with fewer classes than the network leaves the spec's names as they are.
      const bool fits = static_cast<std::int64_t>(names.size()) == job.spec.classes;
      if (fits &&
          (command->class_names || train_data.format == "images" || job.spec.class_names.empty()))
        job.spec.class_names = names;
    }

    // The writer reports; the other ranks' monitor is silent and opens no log.
    std::optional<nin::train_tool::ProgressMonitor> progress;
    if (run.is_writer()) {
      progress.emplace(o.epochs, command->quiet, command->log, o.log_every);
      if (!command->plot.empty()) progress->plot_to(command->plot, curves_title(job));
    }
    if (command->recipe && !command->quiet && run.is_writer())
      std::cerr << info.name << ": recipe '" << command->recipe->name
                << "': " << nin::train_tool::argument_text(*command->recipe) << "\n";
    nin::TrainingMonitor silent;
    run.setup_done();
    run.require_same("the training options, network or data", shared_job(job));

    const nin::TrainResult result =
        nin::train(job, progress ? *progress : silent, stop_signal, run.comm());
    if (result.interrupted) {
      const int signal = agreed_signal(run.comm());
      if (run.is_writer())
        std::cerr << info.name << ": interrupted by " << (signal == SIGINT ? "SIGINT" : "SIGTERM")
                  << "; checkpoint written to '" << job.checkpoint.string()
                  << "' (resume with --resume)\n";
      return 128 + signal;
    }
    if (!command->quiet && run.is_writer())
      std::cerr << info.name << ": best " << (o.validation ? "validation" : "test") << " accuracy "
                << result.best_accuracy * 100 << "%, model written to '" << job.output.string()
                << "'\n";
    return nin::cli::kSuccess;
  });
}
