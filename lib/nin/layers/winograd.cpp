#include "nin/layers/winograd.hpp"

#include <algorithm>
#include <cstring>

#include "nin/core/gemm.hpp"
#include "nin/core/parallel.hpp"

namespace nin {
namespace {

constexpr int kAlpha = 6;                 // input tile side, for both kernels
constexpr int kPoints = kAlpha * kAlpha;  // ξ: one GEMM each
constexpr int kLanes = 8;                 // tiles transformed together, one per SIMD lane

// The Toom-Cook matrices for the points 0, 1, -1, 2, -2, ∞. Row j of Bᵀ holds the coefficients
// (lowest power first) of Π_{l≠j}(x - p_l) over the finite points (of Π_l(x - p_l) for ∞); row j
// of G holds p_j^k / Π_{l≠j}(p_j - p_l); row i of Aᵀ holds p_j^i (the ∞ column picks the top
// power). Bᵀ is the same for both kernels since the points are.
constexpr float kBT[kAlpha][kAlpha] = {
    {4, 0, -5, 0, 1, 0},  {0, -4, -4, 1, 1, 0}, {0, 4, -4, -1, 1, 0},
    {0, -2, -1, 2, 1, 0}, {0, 2, -1, -2, 1, 0}, {0, 4, 0, -5, 0, 1},
};
constexpr float kAT4[4][kAlpha] = {
    {1, 1, 1, 1, 1, 0},
    {0, 1, -1, 2, -2, 0},
    {0, 1, 1, 4, 4, 0},
    {0, 1, -1, 8, -8, 1},
};
constexpr float kAT2[2][kAlpha] = {
    {1, 1, 1, 1, 1, 0},
    {0, 1, -1, 2, -2, 1},
};
constexpr double kG3[kAlpha][3] = {
    {1.0 / 4, 0, 0},
    {-1.0 / 6, -1.0 / 6, -1.0 / 6},
    {-1.0 / 6, 1.0 / 6, -1.0 / 6},
    {1.0 / 24, 1.0 / 12, 1.0 / 6},
    {1.0 / 24, -1.0 / 12, 1.0 / 6},
    {0, 0, 1},
};
constexpr double kG5[kAlpha][5] = {
    {1.0 / 4, 0, 0, 0, 0},
    {-1.0 / 6, -1.0 / 6, -1.0 / 6, -1.0 / 6, -1.0 / 6},
    {-1.0 / 6, 1.0 / 6, -1.0 / 6, 1.0 / 6, -1.0 / 6},
    {1.0 / 24, 1.0 / 12, 1.0 / 6, 1.0 / 3, 2.0 / 3},
    {1.0 / 24, -1.0 / 12, 1.0 / 6, -1.0 / 3, 2.0 / 3},
    {0, 0, 0, 0, 1},
};

template <int m>
constexpr const auto& output_matrix() {
  if constexpr (m == 4)
    return kAT4;
  else
    return kAT2;
}

// A = (Aᵀ)ᵀ, which carries an output gradient tile into the transformed domain.
constexpr float kA4[kAlpha][4] = {
    {1, 0, 0, 0}, {1, 1, 1, 1}, {1, -1, 1, -1}, {1, 2, 4, 8}, {1, -2, 4, -8}, {0, 0, 0, 1},
};
constexpr float kA2[kAlpha][2] = {{1, 0}, {1, 1}, {1, -1}, {1, 2}, {1, -2}, {0, 1}};

template <int m>
constexpr const auto& gradient_matrix() {
  if constexpr (m == 4)
    return kA4;
  else
    return kA2;
}

// out[a][b][l] = Σ_k c[a][k] · x[k][b][l] for `cols` columns of kLanes tiles each. The zero
// coefficients are skipped: the matrices are constants, so the tests fold away when unrolled.
template <int rows, int inner, int cols>
inline void multiply_left(const float (&c)[rows][inner], const float* __restrict x,
                          float* __restrict out) {
#pragma GCC unroll 8
  for (int a = 0; a < rows; ++a) {
    float* o = out + a * cols * kLanes;
    for (int j = 0; j < cols * kLanes; ++j) o[j] = 0.0f;
#pragma GCC unroll 8
    for (int k = 0; k < inner; ++k) {
      const float coefficient = c[a][k];
      if (coefficient == 0.0f) continue;
      const float* xk = x + k * cols * kLanes;
      for (int j = 0; j < cols * kLanes; ++j) o[j] += coefficient * xk[j];
    }
  }
}

// out[r][b][l] = Σ_k x[r][k][l] · c[b][k]: the right product by cᵀ, for `rows` rows.
template <int rows, int inner, int cols>
inline void multiply_right(const float* __restrict x, const float (&c)[cols][inner],
                           float* __restrict out) {
  for (int r = 0; r < rows; ++r)
#pragma GCC unroll 8
    for (int b = 0; b < cols; ++b) {
      float* o = out + (r * cols + b) * kLanes;
      for (int l = 0; l < kLanes; ++l) o[l] = 0.0f;
#pragma GCC unroll 8
      for (int k = 0; k < inner; ++k) {
        const float coefficient = c[b][k];
        if (coefficient == 0.0f) continue;
        const float* xk = x + (r * inner + k) * kLanes;
        for (int l = 0; l < kLanes; ++l) o[l] += coefficient * xk[l];
      }
    }
}

// Writes the 36 transformed values of `lanes` tiles to dst + ξ·stride, ξ = 0..35. Full groups copy
// a constant count: a variable one becomes a slow `rep movs`.
inline void store_points(const float* __restrict result, float* __restrict dst, std::int64_t stride,
                         int lanes) {
  for (int x = 0; x < kPoints; ++x) {
    float* point = dst + x * stride;
    if (lanes == kLanes)
      for (int l = 0; l < kLanes; ++l) point[l] = result[x * kLanes + l];
    else
      for (int l = 0; l < lanes; ++l) point[l] = result[x * kLanes + l];
  }
}

// Row and column of successive tiles in a plane, without a division per tile.
struct TileCursor {
  std::int64_t row = 0, col = 0;
  void next(std::int64_t per_row) {
    if (++col == per_row) {
      col = 0;
      ++row;
    }
  }
};

}  // namespace

WinogradCorrelation::WinogradCorrelation(const Geometry& geometry)
    : g_(geometry),
      tile_(geometry.kernel == 3 ? 4 : 2),
      tiles_h_((geometry.out_height + tile_ - 1) / tile_),
      tiles_w_((geometry.out_width + tile_ - 1) / tile_),
      padded_h_(tiles_h_ * tile_ + geometry.kernel - 1),
      padded_w_(tiles_w_ * tile_ + geometry.kernel - 1) {}

std::int64_t WinogradCorrelation::scratch_floats(std::int64_t images) const {
  const std::int64_t tiles = images * tiles_per_image();
  return padded_floats() + kPoints * (g_.inputs + g_.outputs) * tiles;
}

void WinogradCorrelation::transform_kernel(const float* weight, KernelLayout layout,
                                           float* transformed) const {
  const std::int64_t r = g_.kernel, inputs = g_.inputs, outputs = g_.outputs;
  const double* G = r == 3 ? &kG3[0][0] : &kG5[0][0];
  parallel_for(outputs, [&](std::int64_t o) {
    double k[5][5], gk[kAlpha][5];
    for (std::int64_t i = 0; i < inputs; ++i) {
      for (std::int64_t a = 0; a < r; ++a)
        for (std::int64_t b = 0; b < r; ++b)
          k[a][b] = layout == KernelLayout::direct
                        ? weight[((o * inputs + i) * r + a) * r + b]
                        : weight[((i * outputs + o) * r + (r - 1 - a)) * r + (r - 1 - b)];
      for (int x = 0; x < kAlpha; ++x)
        for (std::int64_t b = 0; b < r; ++b) {
          double sum = 0.0;
          for (std::int64_t a = 0; a < r; ++a) sum += G[x * r + a] * k[a][b];
          gk[x][b] = sum;
        }
      for (int x = 0; x < kAlpha; ++x)
        for (int y = 0; y < kAlpha; ++y) {
          double sum = 0.0;
          for (std::int64_t b = 0; b < r; ++b) sum += gk[x][b] * G[y * r + b];
          transformed[((x * kAlpha + y) * outputs + o) * inputs + i] = static_cast<float>(sum);
        }
    }
  });
}

void WinogradCorrelation::transform_input(const float* in, std::int64_t in_row, std::int64_t n0,
                                          std::int64_t n1, std::int64_t c0, std::int64_t c1,
                                          float* v, float* padded) const {
  const std::int64_t H = g_.height, W = g_.width, tiles = tiles_per_image();
  const std::int64_t block_tiles = (n1 - n0) * tiles;
  // Input rows and columns that land inside the padded plane (all of them unless a pad is
  // negative or the last tiles stop short of the input's end).
  const std::int64_t y0 = std::max<std::int64_t>(0, g_.pad_h);
  const std::int64_t y1 = std::min(padded_h_, H + g_.pad_h);
  const std::int64_t x0 = std::max<std::int64_t>(0, g_.pad_w);
  const std::int64_t x1 = std::min(padded_w_, W + g_.pad_w);
  alignas(64) float d[kPoints * kLanes];
  alignas(64) float half[kPoints * kLanes];
  alignas(64) float result[kPoints * kLanes];
  for (std::int64_t c = c0; c < c1; ++c) {
    for (std::int64_t n = n0; n < n1; ++n) {
      const float* plane = in + c * in_row + n * H * W;
      std::fill(padded, padded + padded_h_ * padded_w_, 0.0f);
      if (x1 > x0)
        for (std::int64_t y = y0; y < y1; ++y)
          std::memcpy(padded + y * padded_w_ + x0, plane + (y - g_.pad_h) * W + (x0 - g_.pad_w),
                      static_cast<std::size_t>(x1 - x0) * sizeof(float));
      float* v_image = v + c * block_tiles + (n - n0) * tiles;
      TileCursor tile;
      for (std::int64_t t0 = 0; t0 < tiles; t0 += kLanes) {
        const int lanes = static_cast<int>(std::min<std::int64_t>(kLanes, tiles - t0));
        if (lanes < kLanes) std::fill(d, d + kPoints * kLanes, 0.0f);
        for (int l = 0; l < lanes; ++l, tile.next(tiles_w_)) {
          const float* origin = padded + tile.row * tile_ * padded_w_ + tile.col * tile_;
          for (int a = 0; a < kAlpha; ++a)
            for (int b = 0; b < kAlpha; ++b)
              d[(a * kAlpha + b) * kLanes + l] = origin[a * padded_w_ + b];
        }
        multiply_left<kAlpha, kAlpha, kAlpha>(kBT, d, half);
        multiply_right<kAlpha, kAlpha, kAlpha>(half, kBT, result);
        store_points(result, v_image + t0, g_.inputs * block_tiles, lanes);
      }
    }
  }
}

template <int m>
void WinogradCorrelation::transform_output(const float* product, const float* bias, bool relu,
                                           float* out, std::int64_t out_row, std::int64_t n0,
                                           std::int64_t n1, std::int64_t o0,
                                           std::int64_t o1) const {
  const auto& AT = output_matrix<m>();
  const std::int64_t Ho = g_.out_height, Wo = g_.out_width, tiles = tiles_per_image();
  const std::int64_t block_tiles = (n1 - n0) * tiles;
  alignas(64) float p[kPoints * kLanes];
  alignas(64) float half[m * kAlpha * kLanes];
  alignas(64) float y[m * m * kLanes];
  for (std::int64_t o = o0; o < o1; ++o) {
    const float offset = bias ? bias[o] : 0.0f;
    for (std::int64_t n = n0; n < n1; ++n) {
      float* plane = out + o * out_row + n * Ho * Wo;
      const float* p_image = product + o * block_tiles + (n - n0) * tiles;
      TileCursor tile;
      for (std::int64_t t0 = 0; t0 < tiles; t0 += kLanes) {
        const int lanes = static_cast<int>(std::min<std::int64_t>(kLanes, tiles - t0));
        for (int x = 0; x < kPoints; ++x) {
          const float* src = p_image + x * g_.outputs * block_tiles + t0;
          if (lanes == kLanes) {
            for (int l = 0; l < kLanes; ++l) p[x * kLanes + l] = src[l];
          } else {
            for (int l = 0; l < lanes; ++l) p[x * kLanes + l] = src[l];
            for (int l = lanes; l < kLanes; ++l) p[x * kLanes + l] = 0.0f;
          }
        }
        multiply_left<m, kAlpha, kAlpha>(AT, p, half);
        multiply_right<m, kAlpha, m>(half, AT, y);
        for (int j = 0; j < m * m * kLanes; ++j) y[j] += offset;
        if (relu)
          for (int j = 0; j < m * m * kLanes; ++j) y[j] = std::max(y[j], 0.0f);
        for (int l = 0; l < lanes; ++l, tile.next(tiles_w_)) {
          const std::int64_t top = tile.row * m, left = tile.col * m;
          float* corner = plane + top * Wo + left;
          if (top + m <= Ho && left + m <= Wo) {  // a whole tile: constant bounds
            for (int a = 0; a < m; ++a)
              for (int b = 0; b < m; ++b) corner[a * Wo + b] = y[(a * m + b) * kLanes + l];
            continue;
          }
          const int rows = static_cast<int>(std::min<std::int64_t>(m, Ho - top));
          const int cols = static_cast<int>(std::min<std::int64_t>(m, Wo - left));
          for (int a = 0; a < rows; ++a)
            for (int b = 0; b < cols; ++b) corner[a * Wo + b] = y[(a * m + b) * kLanes + l];
        }
      }
    }
  }
}

template <int m>
void WinogradCorrelation::transform_output_gradient(const float* out_grad, std::int64_t out_row,
                                                    std::int64_t n0, std::int64_t n1,
                                                    float* d) const {
  const auto& A = gradient_matrix<m>();
  const std::int64_t Ho = g_.out_height, Wo = g_.out_width, tiles = tiles_per_image();
  const std::int64_t block_tiles = (n1 - n0) * tiles;
  alignas(64) float dy[m * m * kLanes];
  alignas(64) float half[kAlpha * m * kLanes];
  alignas(64) float result[kPoints * kLanes];
  for (std::int64_t o = 0; o < g_.outputs; ++o) {
    for (std::int64_t n = n0; n < n1; ++n) {
      const float* plane = out_grad + o * out_row + n * Ho * Wo;
      float* d_image = d + o * block_tiles + (n - n0) * tiles;
      TileCursor tile;
      for (std::int64_t t0 = 0; t0 < tiles; t0 += kLanes) {
        const int lanes = static_cast<int>(std::min<std::int64_t>(kLanes, tiles - t0));
        // Outputs a tile has beyond the plane were discarded by the forward pass: gradient 0.
        std::fill(dy, dy + m * m * kLanes, 0.0f);
        for (int l = 0; l < lanes; ++l, tile.next(tiles_w_)) {
          const std::int64_t top = tile.row * m, left = tile.col * m;
          const float* corner = plane + top * Wo + left;
          if (top + m <= Ho && left + m <= Wo) {  // a whole tile: constant bounds
            for (int a = 0; a < m; ++a)
              for (int b = 0; b < m; ++b) dy[(a * m + b) * kLanes + l] = corner[a * Wo + b];
            continue;
          }
          const int rows = static_cast<int>(std::min<std::int64_t>(m, Ho - top));
          const int cols = static_cast<int>(std::min<std::int64_t>(m, Wo - left));
          for (int a = 0; a < rows; ++a)
            for (int b = 0; b < cols; ++b) dy[(a * m + b) * kLanes + l] = corner[a * Wo + b];
        }
        multiply_left<kAlpha, m, m>(A, dy, half);
        multiply_right<kAlpha, m, kAlpha>(half, A, result);
        store_points(result, d_image + t0, g_.outputs * block_tiles, lanes);
      }
    }
  }
}

void WinogradCorrelation::accumulate_kernel_gradient(const float* in, std::int64_t in_row,
                                                     const float* out_grad, std::int64_t out_row,
                                                     std::int64_t n0, std::int64_t n1,
                                                     bool accumulate, float* transformed_grad,
                                                     float* scratch) const {
  const std::int64_t tiles = (n1 - n0) * tiles_per_image();
  float* padded = scratch;
  float* v = padded + padded_floats();
  float* d = v + kPoints * g_.inputs * tiles;
  transform_input(in, in_row, n0, n1, 0, g_.inputs, v, padded);
  if (tile_ == 4)
    transform_output_gradient<4>(out_grad, out_row, n0, n1, d);
  else
    transform_output_gradient<2>(out_grad, out_row, n0, n1, d);
  for (int x = 0; x < kPoints; ++x)
    gemm(Transpose::no, Transpose::yes, g_.outputs, g_.inputs, tiles, 1.0f,
         d + x * g_.outputs * tiles, tiles, v + x * g_.inputs * tiles, tiles,
         accumulate ? 1.0f : 0.0f, transformed_grad + x * g_.outputs * g_.inputs, g_.inputs);
}

void WinogradCorrelation::kernel_gradient(const float* transformed_grad, float* weight_grad,
                                          float* scratch) const {
  const std::int64_t r = g_.kernel, inputs = g_.inputs, outputs = g_.outputs;
  float G[kAlpha][5];
  for (int x = 0; x < kAlpha; ++x)
    for (std::int64_t b = 0; b < r; ++b)
      G[x][b] = static_cast<float>(r == 3 ? kG3[x][b] : kG5[x][b]);
  // Per output channel, with the input channels innermost (they are contiguous in dU):
  // u_g[x][b][i] = Σ_y dU[x][y][o][i] G[y][b], then dk[a][b][i] = Σ_x G[x][a] u_g[x][b][i].
  float* u_g = scratch;                   // [6][r][inputs]
  float* dk = u_g + kAlpha * r * inputs;  // [r][r][inputs]
  for (std::int64_t o = 0; o < outputs; ++o) {
    std::fill(u_g, u_g + kAlpha * r * inputs, 0.0f);
    for (int x = 0; x < kAlpha; ++x)
      for (int y = 0; y < kAlpha; ++y) {
        const float* __restrict du = transformed_grad + ((x * kAlpha + y) * outputs + o) * inputs;
        for (std::int64_t b = 0; b < r; ++b) {
          const float coefficient = G[y][b];
          if (coefficient == 0.0f) continue;
          float* __restrict row = u_g + (x * r + b) * inputs;
          for (std::int64_t i = 0; i < inputs; ++i) row[i] += coefficient * du[i];
        }
      }
    std::fill(dk, dk + r * r * inputs, 0.0f);
    for (std::int64_t a = 0; a < r; ++a)
      for (int x = 0; x < kAlpha; ++x) {
        const float coefficient = G[x][a];
        if (coefficient == 0.0f) continue;
        for (std::int64_t b = 0; b < r; ++b) {
          const float* __restrict source = u_g + (x * r + b) * inputs;
          float* __restrict row = dk + (a * r + b) * inputs;
          for (std::int64_t i = 0; i < inputs; ++i) row[i] += coefficient * source[i];
        }
      }
    for (std::int64_t i = 0; i < inputs; ++i)
      for (std::int64_t ab = 0; ab < r * r; ++ab)
        weight_grad[(o * inputs + i) * r * r + ab] = dk[ab * inputs + i];
  }
}

void WinogradCorrelation::run(const float* transformed, const float* in, std::int64_t in_row,
                              const float* bias, bool relu, float* out, std::int64_t out_row,
                              std::int64_t n0, std::int64_t n1, float* scratch, bool spread) const {
  const std::int64_t tiles = (n1 - n0) * tiles_per_image();
  float* padded = scratch;
  float* v = padded + padded_floats();
  float* product = v + kPoints * g_.inputs * tiles;
  if (spread) {
    // Each group of input channels pads its planes in its own part of the scratch.
    parallel_for(kInputGroups, [&](std::int64_t group) {
      const Range channels = split_range(g_.inputs, kInputGroups, group);
      transform_input(in, in_row, n0, n1, channels.begin, channels.end, v,
                      padded + group * padded_h_ * padded_w_);
    });
  } else {
    transform_input(in, in_row, n0, n1, 0, g_.inputs, v, padded);
  }
  const auto multiply = [&](std::int64_t x) {
    gemm(Transpose::no, Transpose::no, g_.outputs, tiles, g_.inputs, 1.0f,
         transformed + x * g_.outputs * g_.inputs, g_.inputs, v + x * g_.inputs * tiles, tiles,
         0.0f, product + x * g_.outputs * tiles, tiles);
  };
  // The same calls whether spread over threads or not, so the same bits.
  const auto carry_back = [&](std::int64_t o0, std::int64_t o1) {
    if (tile_ == 4)
      transform_output<4>(product, bias, relu, out, out_row, n0, n1, o0, o1);
    else
      transform_output<2>(product, bias, relu, out, out_row, n0, n1, o0, o1);
  };
  if (spread) {
    parallel_for(kPoints, multiply);
    parallel_for(g_.outputs, [&](std::int64_t o) { carry_back(o, o + 1); });
  } else {
    for (int x = 0; x < kPoints; ++x) multiply(x);
    carry_back(0, g_.outputs);
  }
}

}  // namespace nin
