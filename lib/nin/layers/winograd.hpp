#pragma once
// Stride-1 correlation of CNHW image planes with a square 3×3 or 5×5 kernel by Winograd minimal
// filtering (Lavin & Gray, "Fast Algorithms for Convolutional Neural Networks", 2016):
// F(4×4, 3×3) and F(2×2, 5×5). Both work on 6×6 input tiles with the interpolation points 0, ±1,
// ±2 and ∞, the smallest points, which keep the transforms' coefficients (at most 8 and 1/24) and
// so the rounding error small: 36 multiplications give 16 outputs of a 3×3 kernel (144 directly)
// or 4 of a 5×5 one (100 directly). Larger tiles would save more but lose accuracy fast.
//
// A block of images is done as:
//   V[ξ][i][t] = (Bᵀ d B)[ξ]   for every input channel i and tile t (input transform),
//   M[ξ] = U[ξ] · V[ξ]          36 GEMMs through nin::gemm, U[ξ] the transformed kernel (o × i),
//   y = Aᵀ M A + bias           per output channel and tile (output transform, optional ReLU).
// The kernel's gradient reuses the same tiles: with D[ξ][o][t] = (A dy Aᵀ)[ξ] the output
// gradient's tiles carried into the transformed domain, dU[ξ] = Σ_t D[ξ] · V[ξ]ᵀ (36 GEMMs whose
// inner dimension is the tiles), and dk = Gᵀ dU G per output and input channel (per chunk of the
// batch, so that chunks are summed in the kernel's own layout, which is smaller).
// Every image's values depend only on that image and the kernel, never on the block it is in or on
// the thread that runs it.

#include <cstdint>

namespace nin {

class WinogradCorrelation {
 public:
  // out[o][y][x] = Σ_i Σ_{a,b} in[i][y + a - pad_h][x + b - pad_w] · k[o][i][a][b], with in zero
  // outside its planes. Pads may be negative (the output then starts inside the input).
  struct Geometry {
    std::int64_t inputs, outputs, kernel;  // channels in and out, kernel side (3 or 5)
    std::int64_t height, width;            // of an input plane
    std::int64_t out_height, out_width;
    std::int64_t pad_h, pad_w;
  };
  // How a kernel is stored in the weights given to transform_weights.
  enum class KernelLayout {
    direct,   // k[o][i][a][b] = weight[o][i][a][b]
    adjoint,  // k[o][i][a][b] = weight[i][o][r-1-a][r-1-b]: the input gradient of a convolution
  };

  static bool supports_kernel(std::int64_t kernel_h, std::int64_t kernel_w) {
    return kernel_h == kernel_w && (kernel_h == 3 || kernel_h == 5);
  }

  explicit WinogradCorrelation(const Geometry& geometry);

  const Geometry& geometry() const { return g_; }
  std::int64_t tiles_per_image() const { return tiles_h_ * tiles_w_; }
  std::int64_t transformed_kernel_floats() const { return 36 * g_.outputs * g_.inputs; }
  // Scratch that run() and accumulate_kernel_gradient() need for a block of `images` images.
  std::int64_t scratch_floats(std::int64_t images) const;

  // U[ξ][o][i] = (G k[o][i] Gᵀ)[ξ], in double then rounded; parallel over output channels.
  void transform_kernel(const float* weight, KernelLayout layout, float* transformed) const;

  // Images [n0, n1): channel c of image n is at in + c·in_row + n·height·width (out likewise with
  // out_row). `bias` may be null. With `spread`, the input transform (by groups of channels), the
  // 36 GEMMs and the output transform run in parallel (for a block that is the whole pass, e.g.
  // one image); the result is the same bits.
  void run(const float* transformed, const float* in, std::int64_t in_row, const float* bias,
           bool relu, float* out, std::int64_t out_row, std::int64_t n0, std::int64_t n1,
           float* scratch, bool spread = false) const;

  // The gradient of the transformed kernel over images [n0, n1), from their input (as run() reads
  // it) and the gradient of their output (out_grad, laid out as run() writes out): written to
  // transformed_grad (transformed_kernel_floats(), laid out as U) when `accumulate` is false,
  // added to it otherwise. Sequential: the caller parallelises over blocks.
  void accumulate_kernel_gradient(const float* in, std::int64_t in_row, const float* out_grad,
                                  std::int64_t out_row, std::int64_t n0, std::int64_t n1,
                                  bool accumulate, float* transformed_grad, float* scratch) const;

  // weight_grad[o][i][a][b] = (Gᵀ dU[o][i] G)[a][b] (the direct layout), in single precision,
  // vectorised over input channels; `scratch` holds kernel_gradient_scratch_floats(). Sequential.
  void kernel_gradient(const float* transformed_grad, float* weight_grad, float* scratch) const;
  std::int64_t kernel_gradient_scratch_floats() const {
    return (6 + g_.kernel) * g_.kernel * g_.inputs;
  }

 private:
  // Input channels [c0, c1) of images [n0, n1); `padded` holds one padded plane.
  void transform_input(const float* in, std::int64_t in_row, std::int64_t n0, std::int64_t n1,
                       std::int64_t c0, std::int64_t c1, float* v, float* padded) const;
  template <int m>
  void transform_output_gradient(const float* out_grad, std::int64_t out_row, std::int64_t n0,
                                 std::int64_t n1, float* d) const;
  template <int m>
  void transform_output(const float* product, const float* bias, bool relu, float* out,
                        std::int64_t out_row, std::int64_t n0, std::int64_t n1, std::int64_t o0,
                        std::int64_t o1) const;

  Geometry g_;
  std::int64_t tile_;  // outputs per tile side: 4 for 3×3, 2 for 5×5
  std::int64_t tiles_h_, tiles_w_;
  std::int64_t padded_h_, padded_w_;  // the zero-bordered input plane that whole tiles cover
  // A spread run() transforms its input in this many groups of channels, each with a padded
  // plane of its own at the start of the scratch.
  static constexpr std::int64_t kInputGroups = 8;
  std::int64_t padded_floats() const { return kInputGroups * padded_h_ * padded_w_; }
};

}  // namespace nin
