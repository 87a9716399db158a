#pragma once
// Checks of the library's error messages shared by the unit tests: one line, holding given parts.

#include <boost/test/unit_test.hpp>
#include <exception>
#include <functional>
#include <string>
#include <string_view>
#include <vector>

namespace nin::test {

inline bool contains(std::string_view text, std::string_view part) {
  return text.find(part) != std::string_view::npos;
}

inline void check_message(const std::string& message, const std::vector<std::string>& parts) {
  BOOST_TEST(!contains(message, "\n"), "message is not one line: " << message);
  for (const auto& part : parts)
    BOOST_TEST(contains(message, part), "'" << part << "' is not in: " << message);
}

// Runs f, which must throw exactly E (not a sibling type) with every part in its message.
template <typename E>
void check_throws(const std::function<void()>& f, const std::vector<std::string>& parts) {
  try {
    f();
    BOOST_ERROR("no exception; expected one with: " << parts.front());
  } catch (const E& e) {
    BOOST_TEST_MESSAGE("message: " << e.what());
    check_message(e.what(), parts);
  } catch (const std::exception& e) {
    BOOST_ERROR("wrong exception type: " << e.what());
  }
}

}  // namespace nin::test
