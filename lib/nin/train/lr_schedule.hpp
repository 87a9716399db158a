#pragma once
// Learning-rate schedules, as a function of training progress measured in epochs (fractional:
// step / steps per epoch), with an optional linear warm-up.
//   constant   lr
//   step       lr · gamma^floor(epoch / step_epochs)                      (Caffe "step")
//   multistep  lr · gamma^(number of milestones ≤ epoch)                  (Caffe "multistep")
//   cosine     lr · ½(1 + cos(π · epoch / epochs))                         (SGDR without restarts)
// Warm-up multiplies by (step + 1) / (warmup_epochs · steps per epoch) while that is below 1.

#include <cstdint>
#include <string>
#include <vector>

namespace nin {

enum class ScheduleKind { constant, step, multistep, cosine };

struct LrSchedule {
  ScheduleKind kind = ScheduleKind::cosine;
  double base_lr = 0.2;
  double gamma = 0.1;
  double step_epochs = 30;
  std::vector<double> milestones;  // epochs, ascending
  double warmup_epochs = 0.4;
  double epochs = 1;  // length of the run, for cosine

  // The rate for SGD step `step` (counted from 0 over the whole run).
  double rate(std::int64_t step, std::int64_t steps_per_epoch) const;
};

ScheduleKind parse_schedule_kind(const std::string& text);  // throws UsageError
std::string to_string(ScheduleKind kind);

}  // namespace nin
