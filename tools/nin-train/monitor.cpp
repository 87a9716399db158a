#include "nin-train/monitor.hpp"

#include <unistd.h>

#include <csignal>
#include <cstdio>
#include <cstdlib>
#include <iostream>
#include <nlohmann/json.hpp>
#include <span>

#include "common/file_options.hpp"
#include "common/table.hpp"
#include "nin/core/error.hpp"
#include "nin/io/atomic_file.hpp"

namespace nin::train_tool {
namespace {

std::string duration_text(double seconds) {
  const auto s = static_cast<long long>(seconds + 0.5);
  char text[32];
  if (s >= 3600)
    std::snprintf(text, sizeof text, "%lld:%02lld:%02lld", s / 3600, s / 60 % 60, s % 60);
  else
    std::snprintf(text, sizeof text, "%lld:%02lld", s / 60, s % 60);
  return text;
}

}  // namespace

ProgressMonitor::ProgressMonitor(std::int64_t epochs, bool quiet, const std::string& log_path,
                                 std::int64_t log_every)
    : epochs_(epochs),
      quiet_(quiet),
      terminal_(isatty(STDERR_FILENO) == 1),
      log_path_(log_path),
      log_every_(log_every) {
  if (const char* step = std::getenv("NIN_SIGNAL_AT_STEP")) signal_at_step_ = std::atoll(step);
  if (cli::is_standard_stream(log_path)) {
    log_ = &std::cout;
  } else if (!log_path.empty()) {
    log_file_.open(log_path, std::ios::app);
    if (!log_file_) throw IoError("'" + log_path + "': cannot open the log for writing");
    log_ = &log_file_;
  }
}

void ProgressMonitor::log(const std::string& line) {
  if (!log_) return;
  *log_ << line << '\n';
  log_->flush();
  if (!*log_)
    throw IoError(log_ == &std::cout ? std::string("cannot write to standard output")
                                     : "'" + log_path_ + "': write failed");
}

void ProgressMonitor::plot_to(const std::filesystem::path& path, std::string title) {
  plot_path_ = path;
  curves_.title = std::move(title);
}

void ProgressMonitor::plot(const EpochRecord& r) {
  if (plot_path_.empty()) return;
  curves_.eval_split = r.eval_split;
  curves_.epochs.push_back(
      {r.epoch, r.train_loss, r.train_accuracy, r.eval_loss, r.eval_accuracy, r.learning_rate});
  const std::string svg = training_curves_svg(curves_);
  write_file_atomically(plot_path_, std::as_bytes(std::span(svg.data(), svg.size())));
}

void ProgressMonitor::on_step(const StepRecord& r) {
  // Test hook: NIN_SIGNAL_AT_STEP=N sends this process SIGINT after step N, so the tests can
  // check the interruption path without timing anything.
  if (signal_at_step_ > 0 && r.step == signal_at_step_) std::raise(SIGINT);
  if (log_ && log_every_ > 0 && r.step % log_every_ == 0) {
    nlohmann::ordered_json j = {{"type", "step"},
                                {"epoch", r.epoch + 1},
                                {"step", r.step},
                                {"loss", r.loss},
                                {"accuracy", r.accuracy},
                                {"lr", r.learning_rate},
                                {"images_per_s", r.images_per_second}};
    log(cli::json_text(j));
  }
  if (quiet_ || !terminal_) return;
  const auto now = std::chrono::steady_clock::now();
  if (r.step_in_epoch != r.steps_per_epoch && now - last_draw_ < std::chrono::milliseconds(200))
    return;
  last_draw_ = now;
  constexpr int kWidth = 24;
  const int filled = static_cast<int>(kWidth * r.step_in_epoch / r.steps_per_epoch);
  std::fprintf(stderr,
               "\r\033[Kepoch %lld/%lld [%s%s] %3d%% %6.0f img/s  loss %.4f  acc %5.1f%%  ETA %s",
               static_cast<long long>(r.epoch + 1), static_cast<long long>(epochs_),
               std::string(static_cast<std::size_t>(filled), '#').c_str(),
               std::string(static_cast<std::size_t>(kWidth - filled), '.').c_str(),
               static_cast<int>(100 * r.step_in_epoch / r.steps_per_epoch), r.images_per_second,
               r.loss, 100 * r.accuracy, duration_text(r.eta_seconds).c_str());
  std::fflush(stderr);
}

void ProgressMonitor::on_epoch(const EpochRecord& r) {
  nlohmann::ordered_json j = {{"type", "epoch"},
                              {"epoch", r.epoch},
                              {"step", r.step},
                              {"train_loss", r.train_loss},
                              {"train_accuracy", r.train_accuracy}};
  if (r.evaluated) {
    j[r.eval_split + "_loss"] = r.eval_loss;
    j[r.eval_split + "_accuracy"] = r.eval_accuracy;
  }
  j["lr"] = r.learning_rate;
  j["seconds"] = r.seconds;
  j["images_per_s"] = r.images_per_second;
  j["eval_seconds"] = r.eval_seconds;
  j["best"] = r.best;
  log(cli::json_text(j));
  plot(r);
  if (quiet_) return;
  if (terminal_) std::fputs("\r\033[K", stderr);
  char evaluation[96] = "";
  if (r.evaluated)
    std::snprintf(evaluation, sizeof evaluation, ", %s loss %.4f acc %.2f%%", r.eval_split.c_str(),
                  r.eval_loss, 100 * r.eval_accuracy);
  std::fprintf(stderr,
               "epoch %lld/%lld: train loss %.4f acc %.2f%%%s, %.0f s, %.0f img/s, lr %.4g%s\n",
               static_cast<long long>(r.epoch), static_cast<long long>(epochs_), r.train_loss,
               100 * r.train_accuracy, evaluation, r.seconds, r.images_per_second, r.learning_rate,
               r.best ? " (best)" : "");
}

}  // namespace nin::train_tool

namespace nin::train_tool {

void ProgressMonitor::on_weights(const WeightTransfer& transfer) {
  // Always shown, even with --quiet: a layer that did not come from the model changes the run.
  for (const auto& fresh : transfer.initialized)
    std::cerr << "nin-train: layer '" << fresh.layer << "' initialised afresh (" << fresh.reason
              << ")\n";
  if (quiet_) return;
  std::cerr << "nin-train: " << transfer.copied.size() << " layer"
            << (transfer.copied.size() == 1 ? "" : "s") << " taken from --weights, "
            << transfer.initialized.size() << " initialised afresh\n";
}

void ProgressMonitor::on_first_evaluation(const EpochRecord& r) {
  nlohmann::ordered_json j = {{"type", "first_evaluation"},
                              {"epoch", r.epoch},
                              {"step", r.step},
                              {r.eval_split + "_loss", r.eval_loss},
                              {r.eval_split + "_accuracy", r.eval_accuracy},
                              {"eval_seconds", r.eval_seconds}};
  log(cli::json_text(j));
  if (quiet_) return;
  std::fprintf(stderr, "before epoch %lld: %s loss %.4f acc %.2f%%\n",
               static_cast<long long>(r.epoch + 1), r.eval_split.c_str(), r.eval_loss,
               100 * r.eval_accuracy);
}

}  // namespace nin::train_tool
