#pragma once
// The training loop: shuffled mini-batches, SGD with a learning-rate schedule, evaluation after
// every epoch, the best model kept, checkpoints that let a run resume bit for bit, and a clean
// stop on request. All randomness (initialisation, shuffling, augmentation, dropout) is drawn
// from counter-based streams keyed by the seed, so a run is reproducible for any thread count
// and from any checkpoint.

#include <atomic>
#include <cstdint>
#include <filesystem>
#include <optional>
#include <string>
#include <vector>

#include "nin/core/error.hpp"
#include "nin/data/dataset.hpp"
#include "nin/dist/communicator.hpp"
#include "nin/io/model_contents.hpp"
#include "nin/io/model_file.hpp"
#include "nin/train/batch_maker.hpp"
#include "nin/train/fine_tune.hpp"
#include "nin/train/lr_schedule.hpp"

namespace nin {

// The defaults are the main job's recipe: nin-mnist-bn on Fashion-MNIST in about ten minutes on
// two cores (see README.md).
struct TrainOptions {
  std::string data;                    // data set path, kept so that --resume needs no --data
  LabelKind labels = LabelKind::fine;  // CIFAR-100 label set
  std::int64_t limit = 0;              // use only the first N images of each split (0: all)
  std::int64_t epochs = 3;
  std::int64_t batch = 128;
  LrSchedule schedule;
  double momentum = 0.9;
  bool nesterov = true;
  double weight_decay = 5e-4;
  Augmentation augmentation;
  double label_smoothing = 0.0;  // ε of the smoothed training target
  std::int64_t eval_every = 1;   // evaluate after every this many epochs and after the last
                                 // (0: after the last only)
  std::int64_t validation = 0;  // images held out of the training set (0: evaluate on the test set)
  std::uint64_t seed = 1;
  double checkpoint_minutes = 0;  // also checkpoint within an epoch this often (0: epoch ends only)
  std::int64_t log_every = 0;     // report a step record every this many steps (0: never)
  std::int64_t stop_after = 0;    // end this run after this many epochs in all (0: run to the end);
                                // the schedule still spans `epochs`, so a resumed run continues it
  bool center_crop = false;         // image folders: crop to the input's aspect ratio first
  bool skip_bad_images = false;     // image folders: leave out files that cannot be decoded
  std::string weights;              // the model the run started from (--weights), for the record
  std::vector<std::string> freeze;  // layers whose parameters take no updates

  std::string to_json() const;
  // Reads what to_json wrote; throws FormatError naming `source` (the checkpoint) and the key.
  static TrainOptions from_json(const std::string& text, const std::string& source);
};

struct StepRecord {
  std::int64_t epoch = 0;  // 0-based epoch in progress
  std::int64_t step_in_epoch = 0, steps_per_epoch = 0, step = 0;
  double loss = 0, accuracy = 0;  // running means over the epoch so far
  double learning_rate = 0;
  double images_per_second = 0;
  double eta_seconds = 0;  // for the rest of the run
};

struct EpochRecord {
  std::int64_t epoch = 0;  // 1-based count of completed epochs
  std::int64_t step = 0;
  double train_loss = 0, train_accuracy = 0;
  std::string eval_split;  // "validation" or "test"
  bool evaluated = true;   // false: an epoch between evaluations (--eval-every); eval_* are NaN
  double eval_loss = 0, eval_accuracy = 0;
  double learning_rate = 0;
  double seconds = 0, images_per_second = 0;  // of the training steps
  double eval_seconds = 0;                    // of the evaluation after them
  bool best = false;                          // this epoch's model was written as the best so far
};

class TrainingMonitor {
 public:
  virtual ~TrainingMonitor() = default;
  virtual void on_step(const StepRecord&) {}
  virtual void on_epoch(const EpochRecord&) {}
  virtual void on_checkpoint(const std::filesystem::path&) {}
  // Which layers came from the --weights model, before the first step.
  virtual void on_weights(const WeightTransfer&) {}
  // The evaluation before the first step (TrainJob::evaluate_first); `epoch` is the number of
  // epochs done so far, train figures are 0.
  virtual void on_first_evaluation(const EpochRecord&) {}
};

struct TrainJob {
  NetworkSpec spec;
  const Dataset* train = nullptr;
  const Dataset* test = nullptr;  // used when options.validation == 0
  TrainOptions options;
  std::filesystem::path output;                 // best model (by evaluation accuracy)
  std::filesystem::path checkpoint;             // latest training state
  std::optional<std::filesystem::path> resume;  // continue from this checkpoint
  const ModelContents* weights = nullptr;       // start from this model's values (fine-tuning)
  std::vector<std::string> reinitialize;        // layers not to take from `weights`
  bool evaluate_first = false;                  // evaluate before the first step
  std::string tool_version;
};

struct TrainResult {
  bool interrupted = false;  // stopped on request; a checkpoint was written
  std::int64_t epochs_done = 0;
  double best_accuracy = -1;
  std::optional<EpochRecord> last_epoch;
};

// Thrown when the loss stops being finite.
class TrainingDiverged : public Error {
 public:
  using Error::Error;
};

// Runs the job; returns early (interrupted) when `stop` becomes non-zero, after writing a
// checkpoint. Every rank of `comm` runs the same job on the same data; gradients are summed
// through it, a stop on any rank stops all, and only its writer (rank 0) writes files and calls
// `monitor`.
TrainResult train(const TrainJob& job, TrainingMonitor& monitor, const std::atomic<int>& stop,
                  Communicator& comm);
// The same in a single process.
TrainResult train(const TrainJob& job, TrainingMonitor& monitor, const std::atomic<int>& stop);

}  // namespace nin
