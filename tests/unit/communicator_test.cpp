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

BOOST_AUTO_TEST_CASE(single_process_all_gather_copies_its_own_bytes) {
  nin::SingleProcessCommunicator comm;
  const std::array<std::byte, 3> mine = {std::byte{9}, std::byte{0}, std::byte{200}};
  std::array<std::byte, 3> all{};
  const std::array<std::size_t, 1> sizes = {3};
  comm.all_gather(mine, all, sizes);
  BOOST_TEST((all == mine));
  const std::array<std::size_t, 1> wrong = {2};
  BOOST_CHECK_THROW(comm.all_gather(mine, all, wrong), nin::Error);
}

BOOST_AUTO_TEST_CASE(single_process_agreement_is_its_own_flag) {
  nin::SingleProcessCommunicator comm;
  BOOST_TEST(comm.first_rank_with(true) == 0);
  BOOST_TEST(comm.first_rank_with(false) == -1);
  BOOST_TEST(comm.any(true));
  BOOST_TEST(!comm.any(false));
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

BOOST_AUTO_TEST_SUITE_END()

}  // namespace
