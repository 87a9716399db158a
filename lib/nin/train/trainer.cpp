#include "nin/train/trainer.hpp"

#include <algorithm>
#include <chrono>
#include <cmath>
#include <cstring>
#include <ctime>
#include <exception>
#include <limits>
#include <nlohmann/json.hpp>
#include <numeric>
#include <optional>
#include <span>

#include "nin/core/error.hpp"
#include "nin/core/random.hpp"
#include "nin/core/strict_json.hpp"
#include "nin/io/model_contents.hpp"
#include "nin/train/evaluate.hpp"
#include "nin/train/sgd.hpp"

namespace nin {
namespace {

using Clock = std::chrono::steady_clock;
constexpr std::uint64_t kShuffleStream = 0x73687566ull << 20;  // "shuf"
constexpr std::uint64_t kSplitStream = 0x73706c74ull;          // "splt"

double seconds_since(Clock::time_point start) {
  return std::chrono::duration<double>(Clock::now() - start).count();
}

// Runs `write` on the writer rank only, and lets every rank know whether it failed: the writer
// rethrows its error, the others throw PeerFailure, so that no rank waits for one that has given
// up (a full disk on rank 0 ends the whole job).
template <typename Write>
void write_on_writer(Communicator& comm, Write&& write) {
  std::exception_ptr error;
  if (comm.is_writer()) {
    try {
      write();
    } catch (...) {
      error = std::current_exception();
    }
  }
  if (comm.size() > 1 && comm.any(error != nullptr) && !error)
    throw PeerFailure("rank " + std::to_string(comm.rank()) + ": the writer failed");
  if (error) std::rethrow_exception(error);
}

// Fisher-Yates with counter-based draws: the same order for the same (seed, stream).
void shuffle(std::vector<std::int64_t>& v, std::uint64_t seed, std::uint64_t stream) {
  for (std::size_t i = v.size(); i > 1; --i) {
    const auto j = static_cast<std::size_t>(random_bits(seed, stream, i) % i);
    std::swap(v[i - 1], v[j]);
  }
}

}  // namespace

std::string TrainOptions::to_json() const {
  nlohmann::ordered_json j;
  j["data"] = data;
  j["labels"] = labels == LabelKind::coarse ? "coarse" : "fine";
  j["limit"] = limit;
  j["epochs"] = epochs;
  j["batch"] = batch;
  j["lr"] = schedule.base_lr;
  j["lr_schedule"] = to_string(schedule.kind);
  j["gamma"] = schedule.gamma;
  j["step_epochs"] = schedule.step_epochs;
  j["milestones"] = schedule.milestones;
  j["warmup_epochs"] = schedule.warmup_epochs;
  j["momentum"] = momentum;
  j["nesterov"] = nesterov;
  j["weight_decay"] = weight_decay;
  j["crop_pad"] = augmentation.crop_pad;
  j["flip"] = augmentation.flip;
  j["erase"] = augmentation.erase;
  j["label_smoothing"] = label_smoothing;
  j["eval_every"] = eval_every;
  j["validation"] = validation;
  j["seed"] = seed;
  j["checkpoint_minutes"] = checkpoint_minutes;
  j["log_every"] = log_every;
  j["center_crop"] = center_crop;
  j["skip_bad_images"] = skip_bad_images;
  j["weights"] = weights;
  j["freeze"] = freeze;
  return j.dump();
}

TrainOptions TrainOptions::from_json(const std::string& text, const std::string& source) {
  const std::string where = "'" + source + "': training options";
  nlohmann::json j;
  if (const auto problem = parse_strict_json(text, j)) throw FormatError(where + ": " + *problem);
  if (!j.is_object()) throw FormatError(where + ": not a JSON object");
  // The key being read, for messages: nlohmann's own name neither the file nor the key.
  std::string key;
  const auto at = [&](const char* name) -> const nlohmann::json& {
    key = name;
    if (!j.contains(name)) throw FormatError(where + ": no key '" + key + "'");
    return j.at(name);
  };
  try {
    TrainOptions o;
    o.data = at("data").get<std::string>();
    o.labels = at("labels").get<std::string>() == "coarse" ? LabelKind::coarse : LabelKind::fine;
    o.limit = at("limit").get<std::int64_t>();
    o.epochs = at("epochs").get<std::int64_t>();
    o.batch = at("batch").get<std::int64_t>();
    o.schedule.base_lr = at("lr").get<double>();
    o.schedule.kind = parse_schedule_kind(at("lr_schedule").get<std::string>());
    o.schedule.gamma = at("gamma").get<double>();
    o.schedule.step_epochs = at("step_epochs").get<double>();
    o.schedule.milestones = at("milestones").get<std::vector<double>>();
    o.schedule.warmup_epochs = at("warmup_epochs").get<double>();
    o.momentum = at("momentum").get<double>();
    o.nesterov = at("nesterov").get<bool>();
    o.weight_decay = at("weight_decay").get<double>();
    o.augmentation.crop_pad = at("crop_pad").get<std::int64_t>();
    o.augmentation.flip = at("flip").get<bool>();
    o.validation = at("validation").get<std::int64_t>();
    o.seed = at("seed").get<std::uint64_t>();
    o.checkpoint_minutes = at("checkpoint_minutes").get<double>();
    o.log_every = at("log_every").get<std::int64_t>();
    // Keys added after the first checkpoints were written: absent means none.
    if (j.contains("center_crop")) o.center_crop = at("center_crop").get<bool>();
    if (j.contains("skip_bad_images")) o.skip_bad_images = at("skip_bad_images").get<bool>();
    if (j.contains("weights")) o.weights = at("weights").get<std::string>();
    if (j.contains("freeze")) o.freeze = at("freeze").get<std::vector<std::string>>();
    if (j.contains("erase")) o.augmentation.erase = at("erase").get<double>();
    if (j.contains("label_smoothing")) o.label_smoothing = at("label_smoothing").get<double>();
    if (j.contains("eval_every")) o.eval_every = at("eval_every").get<std::int64_t>();
    return o;
  } catch (const nlohmann::json::type_error&) {
    throw FormatError(where + ": key '" + key + "' has the wrong type: " + j.at(key).dump());
  } catch (const UsageError& e) {
    throw FormatError(where + ": key '" + key + "': " + e.what());
  }
}

namespace {

// The training set and the images evaluated after every epoch. Validation images are a seeded
// random subset of the training set; without them the whole test set is evaluated.
struct DataSplit {
  std::vector<std::int64_t> training;
  std::vector<std::int64_t> validation;  // empty: the whole test set
};

// Checks the job's data against its network and options, then splits it.
DataSplit split_data(const TrainJob& job) {
  const TrainOptions& options = job.options;
  const Dataset& data = *job.train;
  check_data_fits(data, job.spec);
  if (options.validation == 0 && job.test) check_data_fits(*job.test, job.spec);
  if (options.validation < 0 || options.validation >= data.size())
    throw UsageError("--val: " + std::to_string(options.validation) + " must leave some of the " +
                     std::to_string(data.size()) + " training images");
  std::vector<std::int64_t> order(static_cast<std::size_t>(data.size()));
  std::iota(order.begin(), order.end(), 0);
  DataSplit split;
  if (options.validation > 0) {
    shuffle(order, options.seed, kSplitStream);
    split.validation.assign(order.begin(), order.begin() + options.validation);
    split.training.assign(order.begin() + options.validation, order.end());
    std::sort(split.validation.begin(), split.validation.end());
    std::sort(split.training.begin(), split.training.end());
  } else {
    split.training = std::move(order);
  }
  return split;
}

// An epoch's loss, hits and images so far (zero at an epoch's end).
struct EpochSums {
  double loss = 0;
  std::int64_t correct = 0, seen = 0;
};

struct StepResult {
  LossResult loss;
  double learning_rate = 0;  // of the optimiser step
};

// What the training steps of one epoch leave for its evaluation.
struct EpochProgress {
  EpochSums sums;
  std::int64_t images = 0;  // trained in this run (not before a resume)
  double learning_rate = 0;
  double seconds = 0;
  bool stopped = false;  // on request, after a checkpoint
};

// One run of a job: the networks, the optimiser, the training state and the schedule, and the
// pieces a run is made of (a step, an epoch, the evaluation after it, the files it writes). Every
// rank of `comm` builds one and calls the same methods in the same order; only the writer writes
// files and reports to the monitor.
class TrainingSession {
 public:
  TrainingSession(const TrainJob& job, TrainingMonitor& monitor, Communicator& comm);

  // Epochs from the state's until the end, `stop_after` or a stop request.
  TrainResult run(const std::atomic<int>& stop);

 private:
  // Initialisation, then the checkpoint's state, the --weights model's values or neither.
  void start_or_resume();
  // Every rank must start from the same values: a --weights or --resume file that differs
  // between hosts would otherwise train different models, or hang on different step counts.
  void check_same_start();
  void evaluate_first();
  EpochProgress train_epoch(std::int64_t epoch, const std::atomic<int>& stop);
  // One mini-batch: forward, backward, gradients summed over the ranks, an optimiser step.
  StepResult train_step(std::int64_t epoch, std::int64_t step_in_epoch,
                        std::span<const std::int64_t> batch);
  void report_step(std::int64_t epoch, std::int64_t step_in_epoch, const EpochProgress& progress,
                   Clock::time_point epoch_start);
  // The evaluation after an epoch, the best model when it is, the checkpoint.
  EpochRecord finish_epoch(std::int64_t epoch, const EpochProgress& progress);
  EvaluationResult evaluate_now();
  void write_best_model(const EpochRecord& record);
  void write_checkpoint(std::int64_t epoch, std::int64_t step_in_epoch, EpochSums sums);
  // Whether --checkpoint-minutes have passed, by the writer's clock, so that every rank writes the
  // checkpoint at the same step.
  bool checkpoint_due() {
    return options_.checkpoint_minutes > 0 &&
           comm_.any(is_writer() &&
                     seconds_since(last_checkpoint_) >= options_.checkpoint_minutes * 60.0);
  }
  // A stop request on any rank stops every rank.
  bool stop_requested(const std::atomic<int>& stop) { return comm_.any(stop.load() != 0); }
  bool is_writer() const { return comm_.is_writer(); }

  const TrainJob& job_;
  const TrainOptions& options_;
  const Dataset& data_;
  TrainingMonitor& monitor_;
  Communicator& comm_;
  const DataSplit split_;
  const Dataset& eval_data_;
  const std::string eval_split_;
  Network network_;
  // Evaluation runs the network as nin-eval runs a saved model (batch norm folded into the
  // convolutions), so the accuracy that picks the best model is the one users will see.
  Network evaluator_;
  Sgd sgd_;
  ModelInfo info_;
  Checkpoint state_;
  LrSchedule schedule_;
  std::int64_t steps_per_epoch_ = 0;
  std::optional<BatchMaker> maker_;  // once the normalisation is known
  std::vector<float> images_;
  std::vector<std::int32_t> labels_;

  TrainResult result_;
  bool have_checkpoint_ = false;
  std::int64_t step_ = 0;
  std::int64_t steps_this_run_ = 0;
  Clock::time_point run_start_, last_checkpoint_;
};

TrainingSession::TrainingSession(const TrainJob& job, TrainingMonitor& monitor, Communicator& comm)
    : job_(job),
      options_(job.options),
      data_(*job.train),
      monitor_(monitor),
      comm_(comm),
      split_(split_data(job)),
      eval_data_(options_.validation > 0 ? data_ : *job.test),
      eval_split_(options_.validation > 0 ? "validation" : "test"),
      network_(job.spec, options_.batch),
      evaluator_(job.spec, options_.batch, NetworkUse::inference),
      sgd_(network_, {options_.momentum, options_.weight_decay, options_.nesterov}) {
  start_or_resume();
  steps_per_epoch_ =
      (static_cast<std::int64_t>(split_.training.size()) + options_.batch - 1) / options_.batch;
  schedule_ = options_.schedule;
  schedule_.epochs = static_cast<double>(options_.epochs);
  maker_.emplace(data_, info_.normalization);
  images_.resize(static_cast<std::size_t>(options_.batch * job.spec.input.elements()));
  labels_.resize(static_cast<std::size_t>(options_.batch));
  have_checkpoint_ = job.resume.has_value();
  result_.best_accuracy = state_.best_accuracy;
  result_.epochs_done = state_.epoch;
  step_ = state_.step;
}

void TrainingSession::start_or_resume() {
  // Also on resume: initialisation seeds the dropout streams, whose positions the checkpoint
  // then restores along with every parameter.
  network_.initialize(options_.seed);
  if (job_.resume) {
    const ModelContents saved = read_model_file(*job_.resume, ModelParts::checkpoint);
    if (!saved.checkpoint)
      throw FormatError("'" + job_.resume->string() + "': has no training state to resume from");
    saved.copy_into(network_);
    state_ = *saved.checkpoint;
    info_ = saved.info;
    std::copy(state_.velocity.begin(), state_.velocity.end(), sgd_.velocity().data());
    network_.set_random_state(state_.random_state);
  } else if (job_.weights) {
    const WeightTransfer transfer = transfer_weights(*job_.weights, network_, job_.reinitialize);
    if (is_writer()) monitor_.on_weights(transfer);
    // The model's normalisation goes with its weights (per channel, so whatever the input's
    // size), unless the channels have changed.
    info_.normalization = job_.weights->spec.input.channels == job_.spec.input.channels
                              ? job_.weights->info.normalization
                              : compute_normalization(data_, split_.training);
  } else {
    info_.normalization = compute_normalization(data_, split_.training);
  }
  freeze_layers(network_, options_.freeze);
  check_same_start();
  info_.provenance.tool_version = job_.tool_version;
  info_.provenance.dataset = data_.format + " " + data_.source;
  info_.provenance.seed = options_.seed;
}

void TrainingSession::check_same_start() {
  if (comm_.size() == 1) return;
  // A fingerprint of the parameters, the running statistics and the position in the run.
  std::uint64_t fingerprint = mix64(static_cast<std::uint64_t>(state_.step));
  const auto add = [&](const float* values, std::int64_t count) {
    for (std::int64_t i = 0; i < count; ++i) {
      std::uint32_t bits;
      std::memcpy(&bits, values + i, sizeof bits);
      fingerprint = mix64(fingerprint ^ bits);
    }
  };
  const auto values = network_.parameter_values();
  add(values.data(), static_cast<std::int64_t>(values.size()));
  for (const auto& named : network_.state()) add(named.state->value, named.state->size());
  add(sgd_.velocity().data(), sgd_.velocity().size());
  std::vector<std::uint64_t> all(static_cast<std::size_t>(comm_.size()));
  const std::vector<std::size_t> sizes(all.size(), sizeof fingerprint);
  comm_.all_gather(std::as_bytes(std::span(&fingerprint, 1)),
                   std::as_writable_bytes(std::span(all)), sizes);
  int first = -1;
  for (std::size_t r = 0; r < all.size() && first < 0; ++r)
    if (all[r] != all[0]) first = static_cast<int>(r);
  if (first < 0) return;
  if (comm_.rank() == first)
    throw Error("rank " + std::to_string(first) +
                ": the values training starts from differ from rank 0's (is the --weights or "
                "--resume file the same on every host?)");
  throw PeerFailure("rank " + std::to_string(comm_.rank()) + ": rank " + std::to_string(first) +
                    " starts from other values");
}

TrainResult TrainingSession::run(const std::atomic<int>& stop) {
  if (job_.evaluate_first) evaluate_first();
  run_start_ = Clock::now();
  last_checkpoint_ = Clock::now();
  for (std::int64_t epoch = state_.epoch; epoch < options_.epochs; ++epoch) {
    const EpochProgress progress = train_epoch(epoch, stop);
    if (progress.stopped) {
      result_.interrupted = true;
      return result_;
    }
    finish_epoch(epoch, progress);
    if (options_.stop_after > 0 && epoch + 1 >= options_.stop_after && epoch + 1 < options_.epochs)
      return result_;
    if (stop_requested(stop) && epoch + 1 < options_.epochs) {
      result_.interrupted = true;
      return result_;
    }
  }
  return result_;
}

void TrainingSession::evaluate_first() {
  const auto eval_start = Clock::now();
  const EvaluationResult eval = evaluate_now();
  EpochRecord record;
  record.epoch = state_.epoch;
  record.step = state_.step;
  record.eval_split = eval_split_;
  record.eval_loss = eval.mean_loss();
  record.eval_accuracy = eval.accuracy();
  record.eval_seconds = seconds_since(eval_start);
  if (is_writer()) monitor_.on_first_evaluation(record);
}

EpochProgress TrainingSession::train_epoch(std::int64_t epoch, const std::atomic<int>& stop) {
  std::vector<std::int64_t> order = split_.training;
  shuffle(order, options_.seed, kShuffleStream + static_cast<std::uint64_t>(epoch));
  const auto epoch_start = Clock::now();
  EpochProgress progress;
  // A run resumed within this epoch continues its sums.
  const bool resumed_within = epoch == state_.epoch && state_.step_in_epoch > 0;
  const std::int64_t first_step = resumed_within ? state_.step_in_epoch : 0;
  if (resumed_within)
    progress.sums = {state_.epoch_loss_sum, state_.epoch_correct, state_.epoch_seen};
  const auto training_size = static_cast<std::int64_t>(split_.training.size());
  for (std::int64_t s = first_step; s < steps_per_epoch_; ++s) {
    const std::int64_t begin = s * options_.batch;
    const std::int64_t n = std::min<std::int64_t>(options_.batch, training_size - begin);
    const std::span<const std::int64_t> batch(order.data() + begin, static_cast<std::size_t>(n));
    const StepResult result = train_step(epoch, s, batch);
    progress.learning_rate = result.learning_rate;
    progress.sums.loss += result.loss.loss_sum;
    progress.sums.correct += result.loss.correct;
    progress.sums.seen += n;
    progress.images += n;
    report_step(epoch, s, progress, epoch_start);

    if (stop_requested(stop)) {
      write_checkpoint(epoch, s + 1, progress.sums);
      progress.stopped = true;
      return progress;
    }
    if (checkpoint_due() && s + 1 < steps_per_epoch_) {
      write_checkpoint(epoch, s + 1, progress.sums);
      last_checkpoint_ = Clock::now();
    }
  }
  progress.seconds = seconds_since(epoch_start);
  return progress;
}

StepResult TrainingSession::train_step(std::int64_t epoch, std::int64_t step_in_epoch,
                                       std::span<const std::int64_t> batch) {
  // This rank's share of the global batch; the network sums over the whole of it.
  const BatchShare share(static_cast<std::int64_t>(batch.size()), comm_);
  const auto mine = batch.subspan(static_cast<std::size_t>(share.first_image()),
                                  static_cast<std::size_t>(share.images()));
  maker_->make(mine, images_.data(), &options_.augmentation, options_.seed,
               static_cast<std::uint64_t>(epoch));
  for (std::size_t i = 0; i < mine.size(); ++i)
    labels_[i] = data_.labels[static_cast<std::size_t>(mine[i])];
  network_.forward(images_.data(), share.images(), Phase::train, &share);
  StepResult result;
  result.loss = network_.backward(labels_.data(), options_.label_smoothing);
  if (!std::isfinite(result.loss.loss_sum))
    throw TrainingDiverged(
        "the loss became " + std::string(std::isnan(result.loss.loss_sum) ? "NaN" : "infinite") +
        " at epoch " + std::to_string(epoch + 1) + ", step " + std::to_string(step_in_epoch + 1) +
        "; try a lower --lr. " +
        (have_checkpoint_ ? "The last good state is in '" + job_.checkpoint.string() + "'"
                          : std::string("No checkpoint had been written yet")));
  result.learning_rate = schedule_.rate(step_, steps_per_epoch_);
  sgd_.step(result.learning_rate);
  ++step_;
  ++steps_this_run_;
  return result;
}

void TrainingSession::report_step(std::int64_t epoch, std::int64_t step_in_epoch,
                                  const EpochProgress& progress, Clock::time_point epoch_start) {
  if (!is_writer()) return;
  const double elapsed = seconds_since(run_start_);
  StepRecord record;
  record.epoch = epoch;
  record.step_in_epoch = step_in_epoch + 1;
  record.steps_per_epoch = steps_per_epoch_;
  record.step = step_;
  record.loss = progress.sums.loss / double(progress.sums.seen);
  record.accuracy = double(progress.sums.correct) / double(progress.sums.seen);
  record.learning_rate = progress.learning_rate;
  record.images_per_second = double(progress.images) / seconds_since(epoch_start);
  const double remaining_steps = double(options_.epochs * steps_per_epoch_ - step_);
  record.eta_seconds = remaining_steps * elapsed / double(steps_this_run_);
  monitor_.on_step(record);
}

EpochRecord TrainingSession::finish_epoch(std::int64_t epoch, const EpochProgress& progress) {
  const auto eval_start = Clock::now();
  const bool evaluated = (options_.eval_every > 0 && (epoch + 1) % options_.eval_every == 0) ||
                         epoch + 1 == options_.epochs;
  const EvaluationResult eval = evaluated ? evaluate_now() : EvaluationResult{};
  const EpochSums& sums = progress.sums;
  EpochRecord record;
  record.epoch = epoch + 1;
  record.step = step_;
  record.train_loss = sums.seen ? sums.loss / double(sums.seen) : 0.0;
  record.train_accuracy = sums.seen ? double(sums.correct) / double(sums.seen) : 0.0;
  record.eval_split = eval_split_;
  record.evaluated = evaluated;
  const double nan = std::numeric_limits<double>::quiet_NaN();
  record.eval_loss = evaluated ? eval.mean_loss() : nan;
  record.eval_accuracy = evaluated ? eval.accuracy() : nan;
  record.learning_rate = progress.learning_rate;
  record.seconds = progress.seconds;
  record.eval_seconds = seconds_since(eval_start);
  record.images_per_second = double(progress.images) / progress.seconds;
  if (evaluated && eval.accuracy() > result_.best_accuracy) {
    result_.best_accuracy = eval.accuracy();
    record.best = true;
    write_best_model(record);
  }
  result_.epochs_done = epoch + 1;
  result_.last_epoch = record;
  write_checkpoint(epoch + 1, 0, {});
  last_checkpoint_ = Clock::now();
  if (is_writer()) monitor_.on_epoch(record);
  return record;
}

EvaluationResult TrainingSession::evaluate_now() {
  evaluator_.copy_parameters_from(network_);
  // Each rank evaluates its share of the batches; every rank gets the single-process result.
  return evaluate(comm_, evaluator_, eval_data_, split_.validation, info_.normalization, 1);
}

// The metrics go into the model and into the checkpoints that follow it.
void TrainingSession::write_best_model(const EpochRecord& record) {
  nlohmann::ordered_json metrics;
  metrics["epoch"] = record.epoch;
  metrics[eval_split_ + "_accuracy"] = record.eval_accuracy;
  metrics[eval_split_ + "_loss"] = record.eval_loss;
  metrics["train_accuracy"] = record.train_accuracy;
  metrics["train_loss"] = record.train_loss;
  ModelInfo best = info_;
  best.provenance.epochs = record.epoch;
  best.provenance.metrics_json = metrics.dump();
  info_.provenance.metrics_json = best.provenance.metrics_json;
  write_on_writer(comm_, [&] { save_model(job_.output, network_, best); });
}

// Every rank keeps the state; the writer saves it.
void TrainingSession::write_checkpoint(std::int64_t epoch, std::int64_t step_in_epoch,
                                       EpochSums sums) {
  state_.epoch = epoch;
  state_.step = step_;
  state_.step_in_epoch = step_in_epoch;
  state_.epoch_loss_sum = sums.loss;
  state_.epoch_correct = sums.correct;
  state_.epoch_seen = sums.seen;
  state_.best_accuracy = result_.best_accuracy;
  state_.random_state = network_.random_state();
  state_.options_json = options_.to_json();
  const Tensor& v = sgd_.velocity();
  state_.velocity.assign(v.data(), v.data() + v.size());
  info_.provenance.epochs = epoch;
  write_on_writer(comm_, [&] {
    save_model(job_.checkpoint, network_, info_, &state_);
    monitor_.on_checkpoint(job_.checkpoint);
  });
  have_checkpoint_ = true;
}

}  // namespace

TrainResult train(const TrainJob& job, TrainingMonitor& monitor, const std::atomic<int>& stop,
                  Communicator& comm) {
  TrainingSession session(job, monitor, comm);
  return session.run(stop);
}

TrainResult train(const TrainJob& job, TrainingMonitor& monitor, const std::atomic<int>& stop) {
  SingleProcessCommunicator single;
  return train(job, monitor, stop, single);
}

}  // namespace nin
