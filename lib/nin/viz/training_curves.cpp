#include "nin/viz/training_curves.hpp"

#include <algorithm>
#include <cmath>
#include <functional>
#include <limits>

#include "nin/viz/axis_ticks.hpp"
#include "nin/viz/svg.hpp"

namespace nin {
namespace {

constexpr double kWidth = 760;
constexpr double kLeft = 78;  // room for the y tick labels and the rotated axis titles
constexpr double kRight = 24;
constexpr double kTitleTop = 26;
constexpr double kLegendTop = 50;
constexpr double kFirstPanelTop = 74;
constexpr double kPanelGap = 22;
constexpr double kBottom = 56;  // x tick labels and the axis title
constexpr double kTickFont = 12;
constexpr double kAxisFont = 13;

const std::string kTrainColour = "#1f77b4";
const std::string kEvalColour = "#d62728";
const std::string kRateColour = "#2ca02c";
const std::string kFrameColour = "#888888";
const std::string kGridColour = "#e4e4e4";
const std::string kEvalDash = "7 4";

struct Panel {
  double top, height;
  AxisTicks y;
  std::string axis_title;
};

struct Series {
  std::string css;  // "train-loss"...
  std::string colour, dash;
  std::function<double(const TrainingCurvePoint&)> value;
};

double finite_min(const std::vector<TrainingCurvePoint>& points,
                  std::initializer_list<double TrainingCurvePoint::*> fields, double scale,
                  bool maximum) {
  double result =
      maximum ? -std::numeric_limits<double>::infinity() : std::numeric_limits<double>::infinity();
  for (const auto& p : points)
    for (const auto field : fields) {
      const double v = p.*field * scale;
      if (std::isfinite(v)) result = maximum ? std::max(result, v) : std::min(result, v);
    }
  return result;
}

class Chart {
 public:
  Chart(svg::Document& doc, const AxisTicks& x) : doc_(doc), x_(x) {}

  double x_of(double epoch) const {
    return kLeft + (epoch - x_.min) / (x_.max - x_.min) * plot_width();
  }
  static double y_of(const Panel& panel, double value) {
    return panel.top + panel.height -
           (value - panel.y.min) / (panel.y.max - panel.y.min) * panel.height;
  }
  static double plot_width() { return kWidth - kLeft - kRight; }

  void frame(const Panel& panel, const std::vector<double>& x_ticks, bool x_labels) {
    for (const double v : panel.y.values) {
      const double y = y_of(panel, v);
      doc_.line({kLeft, y}, {kLeft + plot_width(), y}, {kGridColour, 1});
      doc_.line({kLeft - 4, y}, {kLeft, y}, {kFrameColour, 1});
      doc_.text({kLeft - 7, y}, tick_label(v, panel.y.decimals),
                {.size = kTickFont, .anchor = svg::Anchor::end, .centred_vertically = true},
                "y-tick");
    }
    const double bottom = panel.top + panel.height;
    for (const double v : x_ticks) {
      const double x = x_of(v);
      doc_.line({x, panel.top}, {x, bottom}, {kGridColour, 1});
      doc_.line({x, bottom}, {x, bottom + 4}, {kFrameColour, 1});
      if (x_labels)
        doc_.text({x, bottom + 18}, tick_label(v, 0),
                  {.size = kTickFont, .anchor = svg::Anchor::middle}, "x-tick");
    }
    doc_.rect(kLeft, panel.top, plot_width(), panel.height, "none", kFrameColour);
    doc_.text({20, panel.top + panel.height / 2}, panel.axis_title,
              {.size = kAxisFont, .anchor = svg::Anchor::middle, .rotate = -90}, "axis-title");
  }

  // A curve through the finite values, broken where a value is not, and a marker on each.
  void curve(const Panel& panel, const std::vector<TrainingCurvePoint>& points,
             const Series& series) {
    std::vector<svg::Point> run;
    const svg::Stroke stroke{series.colour, 2, series.dash};
    const auto flush = [&] {
      if (run.size() > 1) doc_.polyline(run, stroke, "curve " + series.css);
      run.clear();
    };
    for (const auto& p : points) {
      const double v = series.value(p);
      if (!std::isfinite(v)) {
        flush();
        continue;
      }
      run.push_back({x_of(static_cast<double>(p.epoch)),
                     y_of(panel, std::clamp(v, panel.y.min, panel.y.max))});
    }
    flush();
    for (const auto& p : points) {
      const double v = series.value(p);
      if (!std::isfinite(v)) continue;
      doc_.circle({x_of(static_cast<double>(p.epoch)),
                   y_of(panel, std::clamp(v, panel.y.min, panel.y.max))},
                  3, series.colour, "point " + series.css);
      doc_.title_last("epoch " + std::to_string(p.epoch) + ": " + tick_label(v, 4));
    }
  }

 private:
  svg::Document& doc_;
  const AxisTicks& x_;
};

void legend(svg::Document& doc, const std::string& eval_name) {
  struct Entry {
    std::string label, colour, dash;
  };
  const Entry entries[] = {{"training", kTrainColour, ""},
                           {eval_name, kEvalColour, kEvalDash},
                           {"learning rate", kRateColour, ""}};
  double x = kLeft;
  for (const auto& e : entries) {
    doc.line({x, kLegendTop - 4}, {x + 28, kLegendTop - 4}, {e.colour, 2, e.dash});
    doc.circle({x + 14, kLegendTop - 4}, 3, e.colour);
    doc.text({x + 34, kLegendTop}, e.label, {.size = kAxisFont}, "legend");
    x += 34 + svg::text_width(e.label, kAxisFont) + 26;
  }
}

}  // namespace

std::string training_curves_svg(const TrainingCurves& curves) {
  const auto& points = curves.epochs;
  const double first = points.empty() ? 1 : static_cast<double>(points.front().epoch);
  const double last = points.empty() ? 1 : static_cast<double>(points.back().epoch);
  AxisTicks x = nice_ticks(first, std::max(last, first + 1), 10, true);
  std::vector<double> x_ticks;
  for (const double v : x.values)
    if (v >= first && v <= last) x_ticks.push_back(v);
  if (x_ticks.empty()) x_ticks.push_back(first);
  // The data's range with a little room on each side, so the first and last markers are whole.
  const double span = std::max(last - first, 1.0);
  x.min = first - 0.03 * span;
  x.max = last + 0.03 * span;
  if (last == first) {
    x.min = first - 0.5;
    x.max = first + 0.5;
  }

  using P = TrainingCurvePoint;
  double loss_high = finite_min(points, {&P::train_loss, &P::eval_loss}, 1, true);
  if (!std::isfinite(loss_high) || loss_high <= 0) loss_high = 1;
  double accuracy_low = finite_min(points, {&P::train_accuracy, &P::eval_accuracy}, 100, false);
  double accuracy_high = finite_min(points, {&P::train_accuracy, &P::eval_accuracy}, 100, true);
  if (!std::isfinite(accuracy_low)) accuracy_low = 0, accuracy_high = 100;
  double rate_high = finite_min(points, {&P::learning_rate}, 1, true);
  if (!std::isfinite(rate_high) || rate_high <= 0) rate_high = 1;

  AxisTicks accuracy =
      nice_ticks(std::max(0.0, accuracy_low - 1), std::min(100.0, accuracy_high + 1), 6);
  accuracy.values.erase(std::remove_if(accuracy.values.begin(), accuracy.values.end(),
                                       [](double v) { return v < 0 || v > 100; }),
                        accuracy.values.end());
  accuracy.min = std::max(accuracy.min, 0.0);
  accuracy.max = std::min(accuracy.max, 100.0);

  Panel loss{kFirstPanelTop, 190, nice_ticks(0, loss_high, 6), "loss (cross-entropy)"};
  Panel acc{loss.top + loss.height + kPanelGap, 190, accuracy, "accuracy (%)"};
  Panel rate{acc.top + acc.height + kPanelGap, 90, nice_ticks(0, rate_high, 4), "learning rate"};
  const double height = rate.top + rate.height + kBottom;

  svg::Document doc(kWidth, height);
  const std::string title = curves.title.empty() ? "training curves" : curves.title;
  doc.text({kWidth / 2, kTitleTop}, title,
           {.size = 16, .anchor = svg::Anchor::middle, .bold = true}, "title");
  legend(doc, curves.eval_split);
  Chart chart(doc, x);
  chart.frame(loss, x_ticks, false);
  chart.frame(acc, x_ticks, false);
  chart.frame(rate, x_ticks, true);
  doc.text({kLeft + Chart::plot_width() / 2, height - 14}, "epoch",
           {.size = kAxisFont, .anchor = svg::Anchor::middle}, "axis-title");

  const auto field = [](double P::*member, double scale) {
    return [member, scale](const P& p) { return p.*member * scale; };
  };
  chart.curve(loss, points, {"train-loss", kTrainColour, "", field(&P::train_loss, 1)});
  chart.curve(loss, points, {"eval-loss", kEvalColour, kEvalDash, field(&P::eval_loss, 1)});
  chart.curve(acc, points, {"train-accuracy", kTrainColour, "", field(&P::train_accuracy, 100)});
  chart.curve(acc, points,
              {"eval-accuracy", kEvalColour, kEvalDash, field(&P::eval_accuracy, 100)});
  chart.curve(rate, points, {"learning-rate", kRateColour, "", field(&P::learning_rate, 1)});
  return doc.str();
}

}  // namespace nin
