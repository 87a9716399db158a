// Declared input preprocessing folded into a model's normalisation: the composed map must give
// what PyTorch computes, (pixel·scale − mean)/std, followed by the graph's own (y − M)/D.

#include <boost/test/unit_test.hpp>
#include <cmath>

#include "nin/core/error.hpp"
#include "nin/io/input_preprocessing.hpp"

BOOST_AUTO_TEST_SUITE(preprocessing)

BOOST_AUTO_TEST_CASE(composes_with_the_graphs_normalisation) {
  const nin::InputPreprocessing before{1.0 / 255, {0.485, 0.456, 0.406}, {0.229, 0.224, 0.225}};
  const nin::Normalization graph{{0.5f, -1.0f, 2.0f}, {2.0f, 0.5f, 4.0f}};
  for (const bool with_graph : {false, true}) {
    const nin::Normalization none;
    const auto n = nin::compose_preprocessing(before, with_graph ? graph : none, 3);
    BOOST_TEST_REQUIRE(n.mean.size() == 3u);
    for (std::size_t c = 0; c < 3; ++c)
      for (const double pixel : {0.0, 17.0, 128.0, 255.0}) {
        double expected = (pixel * before.scale - before.mean[c]) / before.std[c];
        if (with_graph) expected = (expected - graph.mean[c]) / graph.std[c];
        const double got = (pixel - n.mean[c]) / n.std[c];
        BOOST_TEST(std::abs(got - expected) < 1e-5, "channel " << c << " pixel " << pixel);
      }
  }
}

BOOST_AUTO_TEST_CASE(one_value_serves_every_channel) {
  const auto n = nin::compose_preprocessing({0.5, {0.25}, {2.0}}, {}, 3);
  BOOST_TEST(n.mean == (std::vector<float>{0.5f, 0.5f, 0.5f}), boost::test_tools::per_element());
  BOOST_TEST(n.std == (std::vector<float>{4.0f, 4.0f, 4.0f}), boost::test_tools::per_element());
}

BOOST_AUTO_TEST_CASE(parsing_and_refusals) {
  BOOST_TEST(nin::parse_scale("--scale", "1/255") == 1.0 / 255);
  BOOST_TEST(nin::parse_scale("--scale", "0.5") == 0.5);
  for (const char* bad : {"0", "-1", "1/0", "x", "1/", "/2", "nan", "inf", " 1", "1 "})
    BOOST_CHECK_THROW(nin::parse_scale("--scale", bad), nin::UsageError);
  BOOST_TEST(nin::parse_channel_values("--mean", "0.1,2,-3") == (std::vector<double>{0.1, 2, -3}),
             boost::test_tools::per_element());
  for (const char* bad : {"", ",", "1,", "1,,2", "a", "1;2", "nan"})
    BOOST_CHECK_THROW(nin::parse_channel_values("--mean", bad), nin::UsageError);
  BOOST_CHECK_THROW(nin::compose_preprocessing({1.0, {1, 2}, {}}, {}, 3), nin::UsageError);
  BOOST_CHECK_THROW(nin::compose_preprocessing({1.0, {}, {0}}, {}, 1), nin::UsageError);
  BOOST_CHECK_THROW(nin::compose_preprocessing({1.0, {}, {}}, {{1, 2}, {1, 1}}, 3),
                    nin::FormatError);
}

BOOST_AUTO_TEST_SUITE_END()
