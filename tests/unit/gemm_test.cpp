// nin::gemm against a naive triple loop: all four transpose combinations, non-square shapes,
// leading dimensions larger than the rows, alpha and beta. Inputs are small integers and alpha/beta
// are exact binary fractions, so every product and partial sum is exact in float and the results
// must match bit for bit.

#include <boost/test/data/monomorphic.hpp>
#include <boost/test/data/test_case.hpp>
#include <boost/test/unit_test.hpp>
#include <cmath>
#include <cstdint>
#include <limits>
#include <ostream>
#include <vector>

#include "nin/core/gemm.hpp"
#include "test_support.hpp"

namespace {

namespace bdata = boost::unit_test::data;
using nin::Transpose;

struct GemmCase {
  Transpose trans_a, trans_b;
  std::int64_t m, n, k;
  float alpha, beta;
  std::int64_t pad_a, pad_b, pad_c;  // extra elements per stored row
};
std::ostream& operator<<(std::ostream& out, const GemmCase& c) {
  return out << (c.trans_a == Transpose::yes ? "T" : "N")
             << (c.trans_b == Transpose::yes ? "T" : "N") << " m=" << c.m << " n=" << c.n
             << " k=" << c.k << " alpha=" << c.alpha << " beta=" << c.beta << " pads=" << c.pad_a
             << "," << c.pad_b << "," << c.pad_c;
}

std::vector<GemmCase> cases() {
  struct Size {
    std::int64_t m, n, k;
  };
  // Non-square throughout; the larger ones cross OpenBLAS's register and cache blocking.
  const Size sizes[] = {{5, 7, 3}, {1, 9, 4}, {6, 1, 5}, {4, 3, 1}, {33, 17, 65}, {70, 67, 129}};
  const std::pair<float, float> scalars[] = {{1.0f, 0.0f}, {2.0f, -3.0f}, {-0.5f, 1.0f}};
  std::vector<GemmCase> all;
  for (const auto ta : {Transpose::no, Transpose::yes})
    for (const auto tb : {Transpose::no, Transpose::yes})
      for (const auto& s : sizes)
        for (const auto& [alpha, beta] : scalars)
          all.push_back({ta, tb, s.m, s.n, s.k, alpha, beta, 3, 2, 5});
  // Tight leading dimensions too.
  for (const auto ta : {Transpose::no, Transpose::yes})
    for (const auto tb : {Transpose::no, Transpose::yes})
      all.push_back({ta, tb, 9, 11, 7, 1.0f, 1.0f, 0, 0, 0});
  return all;
}

// A stored matrix of `rows` rows of `cols` values, `ld` apart; the gaps hold a sentinel.
struct Stored {
  std::int64_t rows, cols, ld;
  std::vector<float> data;
  Stored(std::int64_t r, std::int64_t c, std::int64_t pad, std::uint64_t seed)
      : rows(r), cols(c), ld(c + pad), data(static_cast<std::size_t>(r * (c + pad)), 12345.0f) {
    for (std::int64_t i = 0; i < r; ++i)
      for (std::int64_t j = 0; j < c; ++j)
        (*this)(i, j) = static_cast<float>(
            nin::test::random_int(seed, static_cast<std::uint64_t>(i * c + j), -4, 4));
  }
  float& operator()(std::int64_t i, std::int64_t j) {
    return data[static_cast<std::size_t>(i * ld + j)];
  }
};

BOOST_AUTO_TEST_SUITE(gemm)

BOOST_DATA_TEST_CASE(matches_naive_triple_loop, bdata::make(cases()), c) {
  const bool ta = c.trans_a == Transpose::yes, tb = c.trans_b == Transpose::yes;
  Stored a = ta ? Stored(c.k, c.m, c.pad_a, 1) : Stored(c.m, c.k, c.pad_a, 1);
  Stored b = tb ? Stored(c.n, c.k, c.pad_b, 2) : Stored(c.k, c.n, c.pad_b, 2);
  Stored result(c.m, c.n, c.pad_c, 3);

  // Expected, from the stored matrices with plain indexing.
  std::vector<double> expected(static_cast<std::size_t>(c.m * c.n));
  for (std::int64_t i = 0; i < c.m; ++i)
    for (std::int64_t j = 0; j < c.n; ++j) {
      double sum = 0.0;
      for (std::int64_t p = 0; p < c.k; ++p)
        sum += static_cast<double>(ta ? a(p, i) : a(i, p)) * (tb ? b(j, p) : b(p, j));
      expected[static_cast<std::size_t>(i * c.n + j)] =
          c.alpha * sum + (c.beta == 0.0f ? 0.0 : c.beta * static_cast<double>(result(i, j)));
    }
  const std::vector<float> a_before = a.data, b_before = b.data;

  nin::gemm(c.trans_a, c.trans_b, c.m, c.n, c.k, c.alpha, a.data.data(), a.ld, b.data.data(), b.ld,
            c.beta, result.data.data(), result.ld);

  std::vector<float> got;
  for (std::int64_t i = 0; i < c.m; ++i)
    for (std::int64_t j = 0; j < c.n; ++j) got.push_back(result(i, j));
  BOOST_TEST(got == nin::test::to_float(expected), boost::test_tools::per_element());
  // Nothing outside C's m×n block was written, and the inputs are untouched.
  std::int64_t gap_writes = 0;
  for (std::int64_t i = 0; i < c.m; ++i)
    for (std::int64_t j = c.n; j < result.ld; ++j) gap_writes += result(i, j) != 12345.0f;
  BOOST_TEST(gap_writes == 0);
  BOOST_TEST((a.data == a_before));
  BOOST_TEST((b.data == b_before));
}

// beta = 0 must not read C (the layers write into buffers holding stale values).
BOOST_AUTO_TEST_CASE(beta_zero_ignores_previous_contents) {
  const std::int64_t m = 3, n = 4, k = 2;
  const std::vector<float> a = {1, 2, 3, 4, 5, 6};          // 3×2
  const std::vector<float> b = {1, 0, -1, 2, 0, 1, 1, -2};  // 2×4
  std::vector<float> c(static_cast<std::size_t>(m * n), std::numeric_limits<float>::quiet_NaN());
  nin::gemm(Transpose::no, Transpose::no, m, n, k, 1.0f, a.data(), k, b.data(), n, 0.0f, c.data(),
            n);
  const std::vector<float> expected = {1, 2, 1, -2, 3, 4, 1, -2, 5, 6, 1, -2};
  BOOST_TEST(c == expected, boost::test_tools::per_element());
}

BOOST_AUTO_TEST_SUITE_END()

}  // namespace
