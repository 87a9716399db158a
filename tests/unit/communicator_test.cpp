// The communicator door: a single process is rank 0 of 1, and every collective operation leaves
// its data as it was (the sum over one rank, a broadcast from itself, agreement with itself).

#include <array>
#include <boost/test/unit_test.hpp>
#include <cstddef>
#include <cstring>
#include <limits>
#include <string>
#include <vector>

#include "nin/core/error.hpp"
#include "nin/dist/communicator.hpp"

namespace {

BOOST_AUTO_TEST_SUITE(communicator)

BOOST_AUTO_TEST_CASE(single_process_is_rank_0_of_1_and_the_writer) {
  nin::SingleProcessCommunicator comm;
  BOOST_TEST(comm.rank() == 0);
  BOOST_TEST(comm.size() == 1);
  BOOST_TEST(comm.is_writer());
}

BOOST_AUTO_TEST_CASE(single_process_allreduce_keeps_every_bit) {
  nin::SingleProcessCommunicator comm;
  const std::vector<float> before = {0.0f,
                                     -0.0f,
                                     1.5f,
                                     -3.25e-30f,
                                     std::numeric_limits<float>::denorm_min(),
                                     std::numeric_limits<float>::max(),
                                     std::numeric_limits<float>::infinity(),
                                     std::numeric_limits<float>::quiet_NaN()};
  std::vector<float> values = before;
  comm.allreduce_sum(values);
  BOOST_TEST(std::memcmp(values.data(), before.data(), before.size() * sizeof(float)) == 0);
  std::vector<float> empty;
  comm.allreduce_sum(empty);
  BOOST_TEST(empty.empty());
}

BOOST_AUTO_TEST_CASE(single_process_broadcast_from_rank_0_is_the_identity) {
  nin::SingleProcessCommunicator comm;
  std::array<std::byte, 4> bytes = {std::byte{1}, std::byte{0}, std::byte{255}, std::byte{7}};
  const auto expected = bytes;
  comm.broadcast(std::span<std::byte>(bytes), 0);
  BOOST_TEST((bytes == expected));
  std::string text("options\0json", 12);
  comm.broadcast(text, 0);
  BOOST_TEST(text == std::string("options\0json", 12));
}

BOOST_AUTO_TEST_CASE(single_process_broadcast_rejects_a_root_that_does_not_exist) {
  nin::SingleProcessCommunicator comm;
  std::array<std::byte, 1> bytes{};
  std::string text = "x";
  for (const int root : {1, -1}) {
    BOOST_TEST_CONTEXT("root " << root) {
      BOOST_CHECK_THROW(comm.broadcast(std::span<std::byte>(bytes), root), nin::Error);
      BOOST_CHECK_THROW(comm.broadcast(text, root), nin::Error);
      BOOST_TEST(text == "x");
    }
  }
}

BOOST_AUTO_TEST_CASE(single_process_agrees_with_itself) {
  nin::SingleProcessCommunicator comm;
  BOOST_TEST(comm.any(true));
  BOOST_TEST(!comm.any(false));
}

BOOST_AUTO_TEST_SUITE_END()

}  // namespace
