// The entry point of nin_unit_tests; the test cases live in one file per concern (*_test.cpp).
#define BOOST_TEST_MODULE nin_unit_tests
#include <boost/test/unit_test.hpp>
