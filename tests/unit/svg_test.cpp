// SVG pictures: the writer (XML escaping, numbers in any locale, element structure), round axis
// ticks, and the layouts of the training curves and the confusion heat map: as many markers and
// cells as the data has, the axis titles and labels present, text escaped.

#include <boost/test/unit_test.hpp>
#include <cmath>
#include <limits>
#include <set>
#include <string>
#include <vector>

#include "nin/core/error.hpp"
#include "nin/viz/axis_ticks.hpp"
#include "nin/viz/colormap.hpp"
#include "nin/viz/confusion_heatmap.hpp"
#include "nin/viz/svg.hpp"
#include "nin/viz/training_curves.hpp"

namespace {

std::size_t occurrences(const std::string& text, const std::string& what) {
  std::size_t n = 0;
  for (auto at = text.find(what); at != std::string::npos; at = text.find(what, at + 1)) ++n;
  return n;
}

// Every '<' opens a tag that a '>' closes, start and end tags of each name balance, and the file
// is one <svg> element after the XML declaration: the structure the writer promises (the
// black-box tests parse real files with an XML parser).
void check_structure(const std::string& svg) {
  BOOST_TEST(svg.rfind("<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n<svg ", 0) == 0);
  BOOST_TEST(svg.size() > 7);
  BOOST_TEST(svg.substr(svg.size() - 7) == "</svg>\n");
  BOOST_TEST(occurrences(svg, "<") == occurrences(svg, ">"));
  for (const std::string tag : {"text", "title", "svg", "rect", "circle", "polyline", "line"}) {
    const std::size_t opened =
        occurrences(svg, "<" + tag + " ") + occurrences(svg, "<" + tag + ">");
    const std::size_t closed = occurrences(svg, "</" + tag + ">");
    if (tag == "text" || tag == "title" || tag == "svg") BOOST_TEST(opened == closed, tag);
  }
}

BOOST_AUTO_TEST_SUITE(svg_pictures)

BOOST_AUTO_TEST_CASE(escape_writes_entities_and_replaces_what_xml_cannot_hold) {
  BOOST_TEST(nin::svg::escape("a < b & c > d \"e\" 'f'") ==
             "a &lt; b &amp; c &gt; d &quot;e&quot; &apos;f&apos;");
  BOOST_TEST(nin::svg::escape("T-shirt/top") == "T-shirt/top");
  // UTF-8 passes through; control characters, a lone continuation byte, a truncated sequence,
  // an overlong '/' and an encoded surrogate become U+FFFD.
  BOOST_TEST(nin::svg::escape("caf\xC3\xA9 \xE2\x86\x92") == "caf\xC3\xA9 \xE2\x86\x92");
  const std::string r = "\xEF\xBF\xBD";
  BOOST_TEST(nin::svg::escape(std::string("a\x01"
                                          "b",
                                          3)) == "a" + r + "b");
  BOOST_TEST(nin::svg::escape(std::string("\0", 1)) == r);
  BOOST_TEST(nin::svg::escape("tab\there") == "tab\there");
  BOOST_TEST(nin::svg::escape("\x80") == r);
  BOOST_TEST(nin::svg::escape("\xC3") == r);
  BOOST_TEST(nin::svg::escape("\xC0\xAF") == r + r);
  BOOST_TEST(nin::svg::escape("\xED\xA0\x80") == r + r + r);
}

BOOST_AUTO_TEST_CASE(numbers_have_at_most_two_decimals) {
  BOOST_TEST(nin::svg::number(12.5) == "12.5");
  BOOST_TEST(nin::svg::number(3) == "3");
  BOOST_TEST(nin::svg::number(-0.001) == "0");
  BOOST_TEST(nin::svg::number(1.0 / 3) == "0.33");
  BOOST_TEST(nin::svg::number(std::nan("")) == "0");
  BOOST_TEST(nin::svg::hex({8, 48, 107}) == "#08306b");
}

BOOST_AUTO_TEST_CASE(document_escapes_text_and_attributes) {
  nin::svg::Document doc(100, 50);
  doc.text({10, 20}, "<&>", {.anchor = nin::svg::Anchor::middle, .rotate = -45}, "a\"b");
  doc.title_last("tip & tool");
  doc.rect(1, 2, 3, 4, "#ff0000", "", "cell");
  doc.title_last("x < y");
  doc.polyline({{0, 0}, {1.5, 2}}, {"#000000", 2, "4 2"});
  const std::string svg = doc.str();
  check_structure(svg);
  BOOST_TEST(svg.find("width=\"100\" height=\"50\" viewBox=\"0 0 100 50\"") != std::string::npos);
  BOOST_TEST(svg.find(">&lt;&amp;&gt;</text>") != std::string::npos);
  BOOST_TEST(svg.find("class=\"a&quot;b\"") != std::string::npos);
  BOOST_TEST(svg.find("<title>tip &amp; tool</title>") != std::string::npos);
  BOOST_TEST(svg.find("<rect class=\"cell\" x=\"1\" y=\"2\" width=\"3\" height=\"4\" "
                      "fill=\"#ff0000\"><title>x &lt; y</title></rect>") != std::string::npos);
  BOOST_TEST(svg.find("points=\"0,0 1.5,2\"") != std::string::npos);
  BOOST_TEST(svg.find("transform=\"rotate(-45 10 20)\"") != std::string::npos);
}

BOOST_AUTO_TEST_CASE(ticks_are_round_and_cover_the_range) {
  auto t = nin::nice_ticks(0, 2.31, 6);
  BOOST_TEST(t.step == 0.5);
  BOOST_TEST(t.min == 0);
  BOOST_TEST(t.max == 2.5);
  BOOST_TEST(t.values.size() == 6u);
  BOOST_TEST(t.decimals == 1);
  BOOST_TEST(nin::tick_label(t.values[3], t.decimals) == "1.5");
  t = nin::nice_ticks(1, 30, 10, true);
  BOOST_TEST(t.step == 5);
  BOOST_TEST(nin::tick_label(t.values[1], t.decimals) == "5");
  t = nin::nice_ticks(1, 2, 10, true);  // never a fractional epoch
  BOOST_TEST(t.step == 1);
  t = nin::nice_ticks(0, 0.05, 3);
  BOOST_TEST(nin::tick_label(t.values.back(), t.decimals) == "0.05");
  BOOST_TEST(nin::tick_label(5e-5, 5) == "5e-05");
  // A single value gets a range around it; labels stay distinct.
  t = nin::nice_ticks(0.7, 0.7, 5);
  BOOST_TEST(t.values.size() >= 2u);
  std::set<std::string> labels;
  for (const double v : t.values) labels.insert(nin::tick_label(v, t.decimals));
  BOOST_TEST(labels.size() == t.values.size());
  t = nin::nice_ticks(std::nan(""), 1, 5);
  BOOST_TEST(t.values.size() >= 2u);
}

BOOST_AUTO_TEST_CASE(training_curves_have_a_marker_per_epoch_and_series) {
  nin::TrainingCurves curves;
  curves.title = "tiny <net>";
  curves.eval_split = "validation";
  for (int e = 1; e <= 3; ++e)
    curves.epochs.push_back({e, 1.0 / e, 0.5 + 0.1 * e, 1.2 / e, 0.45 + 0.1 * e, 0.05 / e});
  std::string svg = nin::training_curves_svg(curves);
  check_structure(svg);
  for (const std::string series :
       {"train-loss", "eval-loss", "train-accuracy", "eval-accuracy", "learning-rate"}) {
    BOOST_TEST(occurrences(svg, "class=\"point " + series + "\"") == 3u, series);
    BOOST_TEST(occurrences(svg, "class=\"curve " + series + "\"") == 1u, series);
  }
  for (const std::string title : {">loss (cross-entropy)<", ">accuracy (%)<", ">learning rate<",
                                  ">epoch<", ">validation<", ">training<", ">tiny &lt;net&gt;<"})
    BOOST_TEST(svg.find(title) != std::string::npos, title);
  BOOST_TEST(occurrences(svg, "class=\"x-tick\"") == 3u);  // epochs 1, 2, 3, under the last panel

  // A diverged epoch leaves a gap: no marker, and the curve in two pieces.
  curves.epochs[1].eval_loss = std::numeric_limits<double>::quiet_NaN();
  svg = nin::training_curves_svg(curves);
  BOOST_TEST(occurrences(svg, "class=\"point eval-loss\"") == 2u);
  BOOST_TEST(occurrences(svg, "class=\"curve eval-loss\"") == 0u);  // two single points

  // One epoch, and none: still a picture.
  curves.epochs.resize(1);
  svg = nin::training_curves_svg(curves);
  check_structure(svg);
  BOOST_TEST(occurrences(svg, "class=\"point train-loss\"") == 1u);
  curves.epochs.clear();
  check_structure(nin::training_curves_svg(curves));
}

BOOST_AUTO_TEST_CASE(training_curves_label_many_epochs_without_crowding) {
  nin::TrainingCurves curves;
  for (int e = 1; e <= 200; ++e) curves.epochs.push_back({e, 1, 0.5, 1, 0.5, 0.1});
  const std::string svg = nin::training_curves_svg(curves);
  BOOST_TEST(occurrences(svg, "class=\"x-tick\"") <= 11u);
  BOOST_TEST(occurrences(svg, "class=\"point train-loss\"") == 200u);
}

BOOST_AUTO_TEST_CASE(heatmap_has_classes_squared_cells_and_both_axes) {
  nin::ConfusionHeatmap m;
  m.title = "model.h5 & test";
  m.classes = 3;
  m.class_names = {"cat", "dog <big>", "a very long class name indeed"};
  m.counts = {50, 3, 0, 7, 40, 1, 0, 0, 12};
  const std::string svg = nin::confusion_heatmap_svg(m);
  check_structure(svg);
  BOOST_TEST(occurrences(svg, "class=\"cell\"") == 9u);
  BOOST_TEST(occurrences(svg, "class=\"count\"") == 9u);
  BOOST_TEST(occurrences(svg, "class=\"row-label\"") == 3u);
  BOOST_TEST(occurrences(svg, "class=\"column-label\"") == 3u);
  BOOST_TEST(svg.find(">true class<") != std::string::npos);
  BOOST_TEST(svg.find(">predicted class<") != std::string::npos);
  BOOST_TEST(svg.find(">dog &lt;big&gt;<") != std::string::npos);
  BOOST_TEST(svg.find("class=\"colour-scale\"") != std::string::npos);
  // A long name turns the column labels.
  BOOST_TEST(svg.find("rotate(-45") != std::string::npos);
  // The diagonal cell of "cat" holds 50 of its 53 images: dark, with white text; a zero cell is
  // near white with dark text.
  BOOST_TEST(svg.find("fill=\"#ffffff\">50<") != std::string::npos);
  BOOST_TEST(svg.find("fill=\"#1a1a1a\">0<") != std::string::npos);
  BOOST_TEST(svg.find("<title>true dog &lt;big&gt;, predicted cat: 7 (14.6% of dog &lt;big&gt;)"
                      "</title>") != std::string::npos);

  // Short names stay level; missing names are the class numbers.
  m.class_names = {"a"};
  const std::string level = nin::confusion_heatmap_svg(m);
  BOOST_TEST(level.find("rotate(-45") == std::string::npos);
  BOOST_TEST(level.find("class=\"column-label\" x=") != std::string::npos);
  BOOST_TEST(occurrences(level, ">2</text>") >= 2u);  // row and column label "2"

  m.counts.pop_back();
  BOOST_CHECK_THROW(nin::confusion_heatmap_svg(m), nin::Error);
}

BOOST_AUTO_TEST_CASE(heatmap_of_many_classes_stays_a_readable_size) {
  nin::ConfusionHeatmap m;
  m.classes = 100;
  m.counts.assign(100 * 100, 1);
  const std::string svg = nin::confusion_heatmap_svg(m);
  BOOST_TEST(occurrences(svg, "class=\"cell\"") == 10000u);
  BOOST_TEST(svg.find("<svg ") != std::string::npos);
}

BOOST_AUTO_TEST_CASE(text_colour_follows_luminance) {
  BOOST_TEST(nin::luminance({255, 255, 255}) == 1.0, boost::test_tools::tolerance(1e-9));
  BOOST_TEST(nin::luminance({0, 0, 0}) == 0.0);
  BOOST_TEST(nin::luminance(nin::blues(1)) < 0.1);
  BOOST_TEST(nin::luminance(nin::blues(0)) > 0.9);
}

BOOST_AUTO_TEST_SUITE_END()

}  // namespace
