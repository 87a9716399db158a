#pragma once
// A confusion matrix as an SVG heat map: one cell per (true, predicted) pair of classes, coloured
// by the share of the true class's images it holds (so that a rare class's confusions show as
// clearly as a common one's) and labelled with its count, the class names along both axes, axis
// titles "true class" and "predicted class", and a colour scale.

#include <cstdint>
#include <string>
#include <vector>

namespace nin {

struct ConfusionHeatmap {
  std::string title;                     // e.g. the model and the data; may be empty
  std::vector<std::string> class_names;  // one per class; missing names are the class numbers
  std::int64_t classes = 0;
  std::vector<std::int64_t> counts;  // classes × classes, row = true class, column = predicted
};

// The picture as a standalone SVG file: classes² rectangles of class "cell" (each with a tooltip
// naming its classes), row labels of class "row-label", column labels of class "column-label"
// (turned 45° when a name is wider than its column). Throws Error when counts does not hold
// classes² values or there are no classes.
std::string confusion_heatmap_svg(const ConfusionHeatmap& matrix);

}  // namespace nin
