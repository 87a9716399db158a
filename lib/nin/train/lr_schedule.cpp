#include "nin/train/lr_schedule.hpp"

#include <algorithm>
#include <cmath>
#include <numbers>

#include "nin/core/error.hpp"

namespace nin {

double LrSchedule::rate(std::int64_t step, std::int64_t steps_per_epoch) const {
  const double epoch = static_cast<double>(step) / static_cast<double>(steps_per_epoch);
  double lr = base_lr;
  switch (kind) {
    case ScheduleKind::constant:
      break;
    case ScheduleKind::step:
      lr *= std::pow(gamma, std::floor(epoch / step_epochs));
      break;
    case ScheduleKind::multistep: {
      int passed = 0;
      for (const double m : milestones) passed += epoch >= m;
      lr *= std::pow(gamma, passed);
      break;
    }
    case ScheduleKind::cosine:
      lr *= 0.5 * (1.0 + std::cos(std::numbers::pi * std::min(epoch, epochs) / epochs));
      break;
  }
  if (warmup_epochs > 0) {
    const double warmup_steps = warmup_epochs * static_cast<double>(steps_per_epoch);
    lr *= std::min(1.0, static_cast<double>(step + 1) / warmup_steps);
  }
  return lr;
}

ScheduleKind parse_schedule_kind(const std::string& text) {
  if (text == "constant") return ScheduleKind::constant;
  if (text == "step") return ScheduleKind::step;
  if (text == "multistep") return ScheduleKind::multistep;
  if (text == "cosine") return ScheduleKind::cosine;
  throw UsageError("--lr-schedule: '" + text + "' is not one of constant, step, multistep, cosine");
}

std::string to_string(ScheduleKind kind) {
  switch (kind) {
    case ScheduleKind::constant:
      return "constant";
    case ScheduleKind::step:
      return "step";
    case ScheduleKind::multistep:
      return "multistep";
    case ScheduleKind::cosine:
      return "cosine";
  }
  return "cosine";
}

}  // namespace nin
