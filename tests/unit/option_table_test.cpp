// The option declarations of the tools (tools/common/option_table.hpp): each name declared once,
// values checked against their declared choices and ranges with one wording for every tool.

#include <boost/test/unit_test.hpp>
#include <stdexcept>

#include "common/cli.hpp"
#include "common/option_table.hpp"
#include "common/shared_options.hpp"
#include "nin/core/error.hpp"

namespace po = boost::program_options;
using nin::cli::OptionTable;
using nin::cli::ValueKind;

namespace {

// Parses `args` (after the tool's name) against `table` and checks the values.
void parse(OptionTable& table, std::vector<const char*> args) {
  args.insert(args.begin(), "tool");
  po::variables_map values;
  po::store(po::command_line_parser(static_cast<int>(args.size()), const_cast<char**>(args.data()))
                .options(table.all())
                .positional(table.positional())
                .run(),
            values);
  po::notify(values);
  table.check(values);
}

// A predicate for BOOST_CHECK_EXCEPTION: the error's whole message is `text`.
auto message_is(std::string text) {
  return [text](const nin::UsageError& e) { return e.what() == text; };
}

}  // namespace

BOOST_AUTO_TEST_SUITE(option_table)

BOOST_AUTO_TEST_CASE(a_long_name_declared_twice_is_refused) {
  OptionTable table;
  int threads = 0, again = 0;
  nin::cli::add_threads(table, &threads);
  BOOST_CHECK_THROW(table.add({.name = "threads", .kind = ValueKind::number}, &again),
                    std::logic_error);
  BOOST_CHECK_EQUAL(table.entries().size(), 1u);
}

BOOST_AUTO_TEST_CASE(a_short_name_declared_twice_is_refused) {
  OptionTable table;
  bool quiet = false, other = false;
  table.add_flag({.name = "quiet", .short_name = 'q'}, &quiet);
  BOOST_CHECK_THROW(table.add_flag({.name = "quick", .short_name = 'q'}, &other), std::logic_error);
}

BOOST_AUTO_TEST_CASE(the_standard_options_clash_with_a_tool_option_of_their_name) {
  OptionTable table;
  table.add_switch({.name = "version"});
  BOOST_CHECK_THROW(nin::cli::add_standard_options(table), std::logic_error);
}

BOOST_AUTO_TEST_CASE(choices_are_checked_with_one_wording) {
  OptionTable table;
  std::string format = "md";
  nin::cli::add_format(table, &format, {nin::cli::Format::md, nin::cli::Format::json});
  parse(table, {"--format", "json"});
  BOOST_CHECK_EQUAL(format, "json");
  BOOST_CHECK_EXCEPTION(parse(table, {"--format=csv"}), nin::UsageError,
                        message_is("--format: 'csv' is not one of md, json"));
}

BOOST_AUTO_TEST_CASE(integer_and_real_ranges_come_from_the_declaration) {
  OptionTable table;
  std::int64_t batch = 8;
  double rate = 0.5;
  nin::cli::add_batch(table, &batch, "images per pass", {1, 100});
  table.add({.name = "rate",
             .kind = ValueKind::number,
             .reals = nin::cli::RealRange{.min = 0, .min_open = true},
             .defaulted = true},
            &rate);
  parse(table, {});
  BOOST_CHECK_EQUAL(batch, 8);
  BOOST_CHECK_EXCEPTION(parse(table, {"--batch", "101"}), nin::UsageError,
                        message_is("--batch: '101' must be an integer in 1..100"));
  BOOST_CHECK_EXCEPTION(parse(table, {"--rate", "0"}), nin::UsageError,
                        message_is("--rate: '0' must be a finite number > 0"));
}

BOOST_AUTO_TEST_CASE(an_option_not_given_and_without_default_is_not_checked) {
  OptionTable table;
  std::int64_t classes = 0;
  table.add({.name = "classes", .kind = ValueKind::number, .range = nin::cli::IntRange{1, 10}},
            &classes);
  BOOST_CHECK_NO_THROW(parse(table, {}));
  BOOST_CHECK_THROW(parse(table, {"--classes", "0"}), nin::UsageError);
}

BOOST_AUTO_TEST_CASE(positional_options_are_declared_with_their_count) {
  OptionTable table;
  std::vector<std::string> models;
  table.add({.name = "model", .kind = ValueKind::model, .positional = -1, .multiple = true},
            &models);
  parse(table, {"a.h5", "b.onnx"});
  BOOST_CHECK_EQUAL(models.size(), 2u);
}

BOOST_AUTO_TEST_SUITE_END()
