// The global batch's fixed chunks and their sums: every rank count gives the bits of one process,
// and those bits are the fixed tree's (left half + right half, recursively, over chunk numbers).

#include <boost/test/unit_test.hpp>
#include <cstring>
#include <random>
#include <vector>

#include "nin/dist/batch_share.hpp"
#include "thread_communicator.hpp"

namespace {

// The tree sum written out directly.
template <typename T>
T tree_sum(const std::vector<std::vector<T>>& chunks, std::size_t e, std::int64_t lo,
           std::int64_t hi) {
  if (hi - lo == 1) return chunks[static_cast<std::size_t>(lo)][e];
  const std::int64_t mid = (lo + hi) / 2;
  return tree_sum(chunks, e, lo, mid) + tree_sum(chunks, e, mid, hi);
}

// Values spread over many binades, so that a different order of addition changes the bits.
template <typename T>
std::vector<std::vector<T>> random_chunks(std::int64_t chunks, std::size_t length, unsigned seed) {
  std::mt19937 engine(seed);
  std::uniform_real_distribution<double> mantissa(-1.0, 1.0);
  std::uniform_int_distribution<int> exponent(-20, 20);
  std::vector<std::vector<T>> values(static_cast<std::size_t>(chunks), std::vector<T>(length));
  for (auto& chunk : values)
    for (auto& v : chunk) v = static_cast<T>(std::ldexp(mantissa(engine), exponent(engine)));
  return values;
}

template <typename T>
std::vector<T> sum_on_ranks(int ranks, std::int64_t batch,
                            const std::vector<std::vector<T>>& chunks, std::size_t length) {
  std::vector<std::vector<T>> totals(static_cast<std::size_t>(ranks));
  nin::test::run_ranks(ranks, [&](nin::Communicator& comm) {
    const nin::BatchShare share(batch, comm);
    std::vector<T> partials;
    for (std::int64_t j = 0; j < share.local_chunks(); ++j) {
      const auto& chunk = chunks[static_cast<std::size_t>(share.first_chunk() + j)];
      partials.insert(partials.end(), chunk.begin(), chunk.end());
    }
    std::vector<T> total(length, T{-1});
    share.sum(partials, total);
    totals[static_cast<std::size_t>(comm.rank())] = total;
  });
  for (int r = 1; r < ranks; ++r)
    BOOST_TEST(std::memcmp(totals[0].data(), totals[static_cast<std::size_t>(r)].data(),
                           length * sizeof(T)) == 0);
  return totals[0];
}

BOOST_AUTO_TEST_SUITE(batch_share)

BOOST_AUTO_TEST_CASE(chunks_cover_the_batch_and_ranks_hold_whole_chunks_in_order) {
  for (const std::int64_t batch : {1, 3, 16, 17, 100, 128}) {
    for (int ranks = 1; ranks <= 5; ++ranks) {
      BOOST_TEST_CONTEXT("batch " << batch << ", ranks " << ranks) {
        std::int64_t next = 0;
        for (int r = 0; r < ranks; ++r) {
          // A communicator that only answers rank and size is enough to place a share.
          struct Place final : nin::Communicator {
            int r, n;
            Place(int rank, int size) : r(rank), n(size) {}
            int rank() const override { return r; }
            int size() const override { return n; }
            void all_gather(std::span<const std::byte>, std::span<std::byte>,
                            std::span<const std::size_t>) override {}
            void all_to_all(std::span<const std::byte>, std::span<const std::size_t>,
                            std::span<std::byte>, std::span<const std::size_t>) override {}
            void broadcast(std::span<std::byte>, int) override {}
            void broadcast(std::string&, int) override {}
            int first_rank_with(bool) override { return -1; }
            void abort(int) override {}
          } place(r, ranks);
          const nin::BatchShare share(batch, place);
          BOOST_TEST(share.chunks() == std::min<std::int64_t>(batch, nin::kBatchChunks));
          BOOST_TEST(share.first_image() == next);
          std::int64_t images = 0;
          for (std::int64_t j = 0; j < share.local_chunks(); ++j) {
            BOOST_TEST(share.chunk_end(j) - share.chunk_begin(j) >= 1);
            BOOST_TEST(share.chunk_end(j) - share.chunk_begin(j) <= share.max_chunk_images());
            images += share.chunk_end(j) - share.chunk_begin(j);
          }
          BOOST_TEST(images == share.images());
          next += share.images();
        }
        BOOST_TEST(next == batch);
      }
    }
  }
}

BOOST_AUTO_TEST_CASE(float_sums_are_the_fixed_tree_for_any_number_of_ranks) {
  const std::size_t length = 2500;  // more than one block of elements
  for (const std::int64_t batch : {1, 5, 16, 128}) {
    const std::int64_t chunks = std::min<std::int64_t>(batch, nin::kBatchChunks);
    const auto values = random_chunks<float>(chunks, length, static_cast<unsigned>(batch));
    std::vector<float> expected(length);
    for (std::size_t e = 0; e < length; ++e) expected[e] = tree_sum(values, e, 0, chunks);
    for (int ranks = 1; ranks <= 5; ++ranks) {
      BOOST_TEST_CONTEXT("batch " << batch << ", ranks " << ranks) {
        const auto total = sum_on_ranks(ranks, batch, values, length);
        BOOST_TEST(std::memcmp(total.data(), expected.data(), length * sizeof(float)) == 0);
      }
    }
  }
}

// Vectors whose subtrees take more than 64 KiB are finished segment by segment, each by one rank
// (an all-to-all exchange), then gathered: the same tree, the same bits.
BOOST_AUTO_TEST_CASE(large_vectors_are_summed_by_segments_to_the_same_bits) {
  const std::size_t length = 40000;
  const auto values = random_chunks<float>(16, length, 77);
  std::vector<float> expected(length);
  for (std::size_t e = 0; e < length; ++e) expected[e] = tree_sum(values, e, 0, 16);
  for (int ranks = 1; ranks <= 5; ++ranks) {
    BOOST_TEST_CONTEXT("ranks " << ranks) {
      const auto total = sum_on_ranks(ranks, 128, values, length);
      BOOST_TEST(std::memcmp(total.data(), expected.data(), length * sizeof(float)) == 0);
    }
  }
}

BOOST_AUTO_TEST_CASE(double_sums_are_the_fixed_tree_for_any_number_of_ranks) {
  const std::size_t length = 7;
  const auto values = random_chunks<double>(16, length, 3);
  std::vector<double> expected(length);
  for (std::size_t e = 0; e < length; ++e) expected[e] = tree_sum(values, e, 0, 16);
  for (int ranks = 1; ranks <= 5; ++ranks) {
    BOOST_TEST_CONTEXT("ranks " << ranks) {
      const auto total = sum_on_ranks(ranks, 128, values, length);
      BOOST_TEST(std::memcmp(total.data(), expected.data(), length * sizeof(double)) == 0);
    }
  }
}

// The test above could pass with any order if the values were too tame; this one shows that a
// plain left-to-right sum of the same chunks gives other bits, so the order is really checked.
BOOST_AUTO_TEST_CASE(the_tree_order_is_not_the_sequential_order) {
  const std::size_t length = 2500;
  const auto values = random_chunks<float>(16, length, 128);
  std::size_t differ = 0;
  for (std::size_t e = 0; e < length; ++e) {
    float sequential = 0.0f;
    for (const auto& chunk : values) sequential += chunk[e];
    differ += sequential != tree_sum(values, e, 0, 16);
  }
  BOOST_TEST(differ > 0u);
}

BOOST_AUTO_TEST_CASE(more_ranks_than_chunks_leave_some_ranks_empty) {
  const auto values = random_chunks<float>(3, 10, 9);
  std::vector<float> expected(10);
  for (std::size_t e = 0; e < 10; ++e) expected[e] = tree_sum(values, e, 0, 3);
  const auto total = sum_on_ranks(5, 3, values, 10);
  BOOST_TEST(std::memcmp(total.data(), expected.data(), sizeof(float) * 10) == 0);
}

BOOST_AUTO_TEST_SUITE_END()

}  // namespace
