#include "nin/train/trainer.hpp"

#include <chrono>
#include <cmath>
#include <ctime>
#include <nlohmann/json.hpp>
#include <numeric>

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

// Fisher-Yates with counter-based draws: the same order for the same (seed, stream).
void shuffle(std::vector<std::int64_t>& v, std::uint64_t seed, std::uint64_t stream) {
  for (std::size_t i = v.size(); i > 1; --i) {
    const auto j = static_cast<std::size_t>(random_bits(seed, stream, i) % i);
    std::swap(v[i - 1], v[j]);
  }
}

// The one place where the gradients of a batch come together. In a data-parallel run every
// worker's gradient would be summed (allreduced) here, before the optimiser step.
void reduce_gradients(std::span<float> /*gradients*/) {}

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
    return o;
  } catch (const nlohmann::json::type_error&) {
    throw FormatError(where + ": key '" + key + "' has the wrong type: " + j.at(key).dump());
  } catch (const UsageError& e) {
    throw FormatError(where + ": key '" + key + "': " + e.what());
  }
}

TrainResult train(const TrainJob& job, TrainingMonitor& monitor, const std::atomic<int>& stop) {
  const TrainOptions& options = job.options;
  const Dataset& data = *job.train;
  check_data_fits(data, job.spec);
  if (options.validation == 0 && job.test) check_data_fits(*job.test, job.spec);
  if (options.validation < 0 || options.validation >= data.size())
    throw UsageError("--val: " + std::to_string(options.validation) + " must leave some of the " +
                     std::to_string(data.size()) + " training images");

  // Validation images are a seeded random subset of the training set.
  std::vector<std::int64_t> order(static_cast<std::size_t>(data.size()));
  std::iota(order.begin(), order.end(), 0);
  std::vector<std::int64_t> validation, training;
  if (options.validation > 0) {
    shuffle(order, options.seed, kSplitStream);
    validation.assign(order.begin(), order.begin() + options.validation);
    training.assign(order.begin() + options.validation, order.end());
    std::sort(validation.begin(), validation.end());
    std::sort(training.begin(), training.end());
  } else {
    training = order;
  }
  const Dataset& eval_data = options.validation > 0 ? data : *job.test;
  const std::vector<std::int64_t>& eval_indices = validation;  // empty: the whole test set
  const std::string eval_split = options.validation > 0 ? "validation" : "test";

  Network network(job.spec, options.batch);
  // Evaluation runs the network as nin-eval runs a saved model (batch norm folded into the
  // convolutions), so the accuracy that picks the best model is the one users will see.
  Network evaluator(job.spec, options.batch, NetworkUse::inference);
  Sgd sgd(network, {options.momentum, options.weight_decay, options.nesterov});
  ModelInfo info;
  Checkpoint state;
  // Also on resume: initialisation seeds the dropout streams, whose positions the checkpoint
  // then restores along with every parameter.
  network.initialize(options.seed);
  if (job.resume) {
    const ModelContents saved = read_model_file(*job.resume, ModelParts::checkpoint);
    if (!saved.checkpoint)
      throw FormatError("'" + job.resume->string() + "': has no training state to resume from");
    saved.copy_into(network);
    state = *saved.checkpoint;
    info = saved.info;
    std::copy(state.velocity.begin(), state.velocity.end(), sgd.velocity().data());
    network.set_random_state(state.random_state);
  } else if (job.weights) {
    monitor.on_weights(transfer_weights(*job.weights, network, job.reinitialize));
    // The model's normalisation goes with its weights (per channel, so whatever the input's
    // size), unless the channels have changed.
    info.normalization = job.weights->spec.input.channels == job.spec.input.channels
                             ? job.weights->info.normalization
                             : compute_normalization(data, training);
  } else {
    info.normalization = compute_normalization(data, training);
  }
  freeze_layers(network, options.freeze);
  info.provenance.tool_version = job.tool_version;
  info.provenance.dataset = data.format + " " + data.source;
  info.provenance.seed = options.seed;

  const std::int64_t steps_per_epoch =
      (static_cast<std::int64_t>(training.size()) + options.batch - 1) / options.batch;
  LrSchedule schedule = options.schedule;
  schedule.epochs = static_cast<double>(options.epochs);
  const BatchMaker maker(data, info.normalization);
  std::vector<float> images(static_cast<std::size_t>(options.batch * job.spec.input.elements()));
  std::vector<std::int32_t> labels(static_cast<std::size_t>(options.batch));

  TrainResult result;
  bool have_checkpoint = job.resume.has_value();
  result.best_accuracy = state.best_accuracy;
  result.epochs_done = state.epoch;
  // `sums` are the current epoch's loss, hits and images so far (zero at an epoch's end).
  struct EpochSums {
    double loss = 0;
    std::int64_t correct = 0, seen = 0;
  };
  const auto save_checkpoint = [&](std::int64_t epoch, std::int64_t step, std::int64_t in_epoch,
                                   EpochSums sums) {
    state.epoch = epoch;
    state.step = step;
    state.step_in_epoch = in_epoch;
    state.epoch_loss_sum = sums.loss;
    state.epoch_correct = sums.correct;
    state.epoch_seen = sums.seen;
    state.best_accuracy = result.best_accuracy;
    state.random_state = network.random_state();
    state.options_json = options.to_json();
    const Tensor& v = sgd.velocity();
    state.velocity.assign(v.data(), v.data() + v.size());
    info.provenance.epochs = epoch;
    save_model(job.checkpoint, network, info, &state);
    have_checkpoint = true;
    monitor.on_checkpoint(job.checkpoint);
  };

  if (job.evaluate_first) {
    const auto eval_start = Clock::now();
    evaluator.copy_parameters_from(network);
    const EvaluationResult eval =
        evaluate(evaluator, eval_data, eval_indices, info.normalization, 1);
    EpochRecord record;
    record.epoch = state.epoch;
    record.step = state.step;
    record.eval_split = eval_split;
    record.eval_loss = eval.mean_loss();
    record.eval_accuracy = eval.accuracy();
    record.eval_seconds = seconds_since(eval_start);
    monitor.on_first_evaluation(record);
  }

  std::int64_t step = state.step;
  const auto run_start = Clock::now();
  std::int64_t steps_this_run = 0;
  auto last_checkpoint = Clock::now();
  for (std::int64_t epoch = state.epoch; epoch < options.epochs; ++epoch) {
    std::vector<std::int64_t> epoch_order = training;
    shuffle(epoch_order, options.seed, kShuffleStream + static_cast<std::uint64_t>(epoch));
    const auto epoch_start = Clock::now();
    const bool resumed_within = epoch == state.epoch && state.step_in_epoch > 0;
    const std::int64_t first_step = resumed_within ? state.step_in_epoch : 0;
    double loss_sum = resumed_within ? state.epoch_loss_sum : 0.0;
    std::int64_t hits = resumed_within ? state.epoch_correct : 0;
    std::int64_t seen = resumed_within ? state.epoch_seen : 0;
    std::int64_t images_this_epoch = 0;
    double lr = 0;
    for (std::int64_t s = first_step; s < steps_per_epoch; ++s) {
      const std::int64_t begin = s * options.batch;
      const std::int64_t n =
          std::min<std::int64_t>(options.batch, static_cast<std::int64_t>(training.size()) - begin);
      const std::span<const std::int64_t> batch(epoch_order.data() + begin,
                                                static_cast<std::size_t>(n));
      maker.make(batch, images.data(), &options.augmentation, options.seed,
                 static_cast<std::uint64_t>(epoch));
      for (std::int64_t i = 0; i < n; ++i)
        labels[static_cast<std::size_t>(i)] =
            data.labels[static_cast<std::size_t>(batch[static_cast<std::size_t>(i)])];
      network.forward(images.data(), n, Phase::train);
      const LossResult loss = network.backward(labels.data());
      if (!std::isfinite(loss.loss_sum))
        throw TrainingDiverged(
            "the loss became " + std::string(std::isnan(loss.loss_sum) ? "NaN" : "infinite") +
            " at epoch " + std::to_string(epoch + 1) + ", step " + std::to_string(s + 1) +
            "; try a lower --lr. " +
            (have_checkpoint ? "The last good state is in '" + job.checkpoint.string() + "'"
                             : std::string("No checkpoint had been written yet")));
      reduce_gradients(network.parameter_gradients());
      lr = schedule.rate(step, steps_per_epoch);
      sgd.step(lr);
      ++step;
      ++steps_this_run;
      loss_sum += loss.loss_sum;
      hits += loss.correct;
      seen += n;
      images_this_epoch += n;

      const double elapsed = seconds_since(run_start);
      StepRecord record;
      record.epoch = epoch;
      record.step_in_epoch = s + 1;
      record.steps_per_epoch = steps_per_epoch;
      record.step = step;
      record.loss = loss_sum / double(seen);
      record.accuracy = double(hits) / double(seen);
      record.learning_rate = lr;
      record.images_per_second = double(images_this_epoch) / seconds_since(epoch_start);
      const double remaining_steps = double(options.epochs * steps_per_epoch - step);
      record.eta_seconds = remaining_steps * elapsed / double(steps_this_run);
      monitor.on_step(record);

      if (stop.load() != 0) {
        save_checkpoint(epoch, step, s + 1, {loss_sum, hits, seen});
        result.interrupted = true;
        return result;
      }
      if (options.checkpoint_minutes > 0 &&
          seconds_since(last_checkpoint) >= options.checkpoint_minutes * 60.0 &&
          s + 1 < steps_per_epoch) {
        save_checkpoint(epoch, step, s + 1, {loss_sum, hits, seen});
        last_checkpoint = Clock::now();
      }
    }
    const double epoch_seconds = seconds_since(epoch_start);
    const auto eval_start = Clock::now();
    evaluator.copy_parameters_from(network);
    const EvaluationResult eval =
        evaluate(evaluator, eval_data, eval_indices, info.normalization, 1);
    const double eval_seconds = seconds_since(eval_start);
    EpochRecord record;
    record.epoch = epoch + 1;
    record.step = step;
    record.train_loss = seen ? loss_sum / double(seen) : 0.0;
    record.train_accuracy = seen ? double(hits) / double(seen) : 0.0;
    record.eval_split = eval_split;
    record.eval_loss = eval.mean_loss();
    record.eval_accuracy = eval.accuracy();
    record.learning_rate = lr;
    record.seconds = epoch_seconds;
    record.eval_seconds = eval_seconds;
    record.images_per_second = double(images_this_epoch) / epoch_seconds;
    if (eval.accuracy() > result.best_accuracy) {
      result.best_accuracy = eval.accuracy();
      record.best = true;
      nlohmann::ordered_json metrics;
      metrics["epoch"] = epoch + 1;
      metrics[eval_split + "_accuracy"] = eval.accuracy();
      metrics[eval_split + "_loss"] = eval.mean_loss();
      metrics["train_accuracy"] = record.train_accuracy;
      metrics["train_loss"] = record.train_loss;
      ModelInfo best = info;
      best.provenance.epochs = epoch + 1;
      best.provenance.metrics_json = metrics.dump();
      info.provenance.metrics_json = best.provenance.metrics_json;
      save_model(job.output, network, best);
    }
    result.epochs_done = epoch + 1;
    result.last_epoch = record;
    save_checkpoint(epoch + 1, step, 0, {});
    last_checkpoint = Clock::now();
    monitor.on_epoch(record);
    if (options.stop_after > 0 && epoch + 1 >= options.stop_after && epoch + 1 < options.epochs)
      return result;
    if (stop.load() != 0 && epoch + 1 < options.epochs) {
      result.interrupted = true;
      return result;
    }
  }
  return result;
}

}  // namespace nin
