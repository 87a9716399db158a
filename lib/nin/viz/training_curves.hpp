#pragma once
// Training curves as an SVG picture: three panels sharing the epoch axis, the loss and the
// accuracy (%) of the training steps and of the evaluation after each epoch, and the learning
// rate, with a legend and axis titles. Drawn from the same per-epoch figures as nin-train --log.

#include <cstdint>
#include <string>
#include <vector>

namespace nin {

struct TrainingCurvePoint {
  std::int64_t epoch = 0;                     // 1-based count of completed epochs
  double train_loss = 0, train_accuracy = 0;  // accuracies as fractions, 0..1
  double eval_loss = 0, eval_accuracy = 0;
  double learning_rate = 0;
};

struct TrainingCurves {
  std::string title;                       // e.g. the network's name; empty: "training curves"
  std::string eval_split = "test";         // "test" or "validation", for the legend
  std::vector<TrainingCurvePoint> epochs;  // in epoch order
};

// The picture as a standalone SVG file. Each epoch's figures are a marker on each of the five
// curves, with class "point train-loss", "point eval-loss", "point train-accuracy",
// "point eval-accuracy" and "point learning-rate"; figures that are not finite (a diverged run)
// leave a gap. No epochs gives the empty axes.
std::string training_curves_svg(const TrainingCurves& curves);

}  // namespace nin
