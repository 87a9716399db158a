#pragma once
// Naive reference layers for the unit tests: plain loops in double precision, written to be read
// and checked by eye, not to be fast. They share no code with lib/nin/layers.
//
// Layout: the library's CNHW ([channels][batch][height][width]), so a reference tensor and a
// library buffer hold the same element at the same index: ((c·N + n)·H + h)·W + w.
// Weights are [outputs][input channels][kernel_h][kernel_w], as in the library.
//
// Pooling follows /work/shared/reference/nin-architectures.md (Caffe ceil mode):
//   out = ceil((in + 2·pad − kernel) / stride) + 1, minus one when the last window would start at
//   or past in + pad (it must start inside the input or its left padding); or, in floor mode
//   (PyTorch's and ONNX's default), as many windows as fit inside the padded input; every window is
//   clipped to the input, max pooling takes the first largest value in row-major window order, and
//   average pooling divides by the number of input cells inside the clipped window (padding cells
//   do not count).

#include <cstdint>
#include <ostream>
#include <vector>

#include "nin/spec/network_spec.hpp"

namespace nin::reference {

struct Dims {
  std::int64_t channels = 0, batch = 0, height = 0, width = 0;
  std::int64_t size() const { return channels * batch * height * width; }
  std::int64_t index(std::int64_t c, std::int64_t n, std::int64_t h, std::int64_t w) const {
    return ((c * batch + n) * height + h) * width + w;
  }
  bool operator==(const Dims&) const = default;
};
inline std::ostream& operator<<(std::ostream& out, const Dims& d) {
  return out << d.channels << "x" << d.batch << "x" << d.height << "x" << d.width;
}

// A CNHW tensor of doubles.
struct Tensor4 {
  Dims dims;
  std::vector<double> values;

  Tensor4() = default;
  explicit Tensor4(Dims d) : dims(d), values(static_cast<std::size_t>(d.size()), 0.0) {}
  double& at(std::int64_t c, std::int64_t n, std::int64_t h, std::int64_t w) {
    return values[static_cast<std::size_t>(dims.index(c, n, h, w))];
  }
  double at(std::int64_t c, std::int64_t n, std::int64_t h, std::int64_t w) const {
    return values[static_cast<std::size_t>(dims.index(c, n, h, w))];
  }
};

// ---- Output sizes
std::int64_t convolution_size(std::int64_t in, std::int64_t kernel, std::int64_t stride,
                              std::int64_t pad);  // floor
std::int64_t pooling_size(std::int64_t in, std::int64_t kernel, std::int64_t stride,
                          std::int64_t pad, bool ceil_mode);  // Caffe ceil mode or floor mode

// ---- Convolution (cross-correlation, zero padding), optional bias and ReLU.
// bias is empty (no bias) or one value per output channel.
Tensor4 convolution_forward(const Tensor4& in, const std::vector<double>& weight,
                            const std::vector<double>& bias, std::int64_t outputs,
                            const Window2d& window, bool relu);

struct ConvolutionGradients {
  Tensor4 input;
  std::vector<double> weight;
  std::vector<double> bias;  // empty when the convolution has no bias
};
// out is the forward output (its positive entries are the ReLU mask when relu is set).
ConvolutionGradients convolution_backward(const Tensor4& in, const std::vector<double>& weight,
                                          bool has_bias, std::int64_t outputs,
                                          const Window2d& window, bool relu, const Tensor4& out,
                                          const Tensor4& out_grad);

// ---- Pooling
enum class Pool { max, average };
Tensor4 pooling_forward(const Tensor4& in, const Window2d& window, Pool kind, bool ceil_mode);
Tensor4 pooling_backward(const Tensor4& in, const Window2d& window, Pool kind,
                         const Tensor4& out_grad);
Tensor4 global_average_forward(const Tensor4& in);
Tensor4 global_average_backward(const Dims& in_dims, const Tensor4& out_grad);

// ---- ReLU
Tensor4 relu_forward(const Tensor4& in);
Tensor4 relu_backward(const Tensor4& in, const Tensor4& out_grad);

// ---- Batch normalisation over each channel (all of its batch·height·width values).
struct BatchNormTrain {
  Tensor4 out;
  std::vector<double> mean;
  std::vector<double> variance;           // biased: normalises the batch
  std::vector<double> unbiased_variance;  // goes into the running average
};
BatchNormTrain batch_norm_train(const Tensor4& in, const std::vector<double>& scale,
                                const std::vector<double>& shift, double eps, bool relu);
Tensor4 batch_norm_eval(const Tensor4& in, const std::vector<double>& scale,
                        const std::vector<double>& shift, const std::vector<double>& running_mean,
                        const std::vector<double>& running_var, double eps, bool relu);
// running ← (1 − momentum)·running + momentum·batch statistic
std::vector<double> running_average(const std::vector<double>& running,
                                    const std::vector<double>& batch, double momentum);

struct BatchNormGradients {
  Tensor4 input;
  std::vector<double> scale, shift;
};
// Gradients of a train-phase forward (out is its output, for the ReLU mask).
BatchNormGradients batch_norm_backward(const Tensor4& in, const std::vector<double>& scale,
                                       double eps, bool relu, const Tensor4& out,
                                       const Tensor4& out_grad);

// ---- Softmax cross-entropy over logits [classes][batch]; the gradient is of the mean loss.
struct SoftmaxLoss {
  double loss_sum = 0.0;
  std::int64_t correct = 0;  // top-1 hits, the first largest logit wins ties
  std::vector<double> grad;  // [classes][batch]
};
SoftmaxLoss softmax_cross_entropy(const std::vector<double>& logits, std::int64_t classes,
                                  std::int64_t batch, const std::vector<std::int32_t>& labels);

}  // namespace nin::reference
