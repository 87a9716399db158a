#pragma once
// How nin-train reports progress: a live bar on stderr when it is a terminal, plain per-epoch
// lines otherwise, and optionally one JSON object per epoch (and per N steps) in a log file or, for
// a log named "-", on stdout; optionally the training curves drawn into an SVG file after each
// epoch (nin/viz/training_curves.hpp), from the same records as the log.

#include <chrono>
#include <filesystem>
#include <fstream>
#include <ostream>
#include <string>

#include "nin/train/trainer.hpp"
#include "nin/viz/training_curves.hpp"

namespace nin::train_tool {

class ProgressMonitor final : public TrainingMonitor {
 public:
  ProgressMonitor(std::int64_t epochs, bool quiet, const std::string& log_path,
                  std::int64_t log_every);
  // Draws the curves into `path` (replaced atomically) after each epoch; `title` heads them.
  void plot_to(const std::filesystem::path& path, std::string title);
  ProgressMonitor(const ProgressMonitor&) = delete;  // log_ may point into it
  ProgressMonitor& operator=(const ProgressMonitor&) = delete;
  void on_step(const StepRecord& record) override;
  void on_epoch(const EpochRecord& record) override;
  void on_weights(const WeightTransfer& transfer) override;
  void on_first_evaluation(const EpochRecord& record) override;

 private:
  void log(const std::string& line);
  void plot(const EpochRecord& record);
  std::int64_t epochs_;
  bool quiet_;
  bool terminal_;
  std::ofstream log_file_;
  std::ostream* log_ = nullptr;  // log_file_ or std::cout; null without a log
  std::string log_path_;
  std::chrono::steady_clock::time_point last_draw_{};
  std::int64_t log_every_ = 0;
  std::int64_t signal_at_step_ = 0;
  std::filesystem::path plot_path_;  // empty: no picture
  TrainingCurves curves_;
};

}  // namespace nin::train_tool
