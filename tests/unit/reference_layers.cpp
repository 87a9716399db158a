#include "reference_layers.hpp"

#include <algorithm>
#include <cmath>
#include <limits>
#include <stdexcept>

namespace nin::reference {
namespace {

std::size_t at(std::int64_t i) {
  return static_cast<std::size_t>(i);
}

// One axis of a pooling window clipped to the input: [begin, end).
struct Span {
  std::int64_t begin, end;
};
Span pooling_span(std::int64_t o, std::int64_t kernel, std::int64_t stride, std::int64_t pad,
                  std::int64_t in) {
  const std::int64_t start = o * stride - pad;
  return {std::max<std::int64_t>(start, 0), std::min(start + kernel, in)};
}

}  // namespace

std::int64_t convolution_size(std::int64_t in, std::int64_t kernel, std::int64_t stride,
                              std::int64_t pad) {
  return (in + 2 * pad - kernel) / stride + 1;
}

std::int64_t pooling_size(std::int64_t in, std::int64_t kernel, std::int64_t stride,
                          std::int64_t pad, bool ceil_mode) {
  if (!ceil_mode) {  // the windows that fit inside the padded input
    std::int64_t out = 0;
    while (out * stride + kernel <= in + 2 * pad) ++out;
    return out;
  }
  const std::int64_t span = in + 2 * pad - kernel;
  std::int64_t out = (span + stride - 1) / stride + 1;  // ceil(span / stride) + 1
  if ((out - 1) * stride >= in + pad) --out;            // the last window starts past the input
  return out;
}

Tensor4 convolution_forward(const Tensor4& in, const std::vector<double>& weight,
                            const std::vector<double>& bias, std::int64_t outputs,
                            const Window2d& w, bool relu) {
  const Dims& d = in.dims;
  Tensor4 out({outputs, d.batch, convolution_size(d.height, w.kernel_h, w.stride_h, w.pad_h),
               convolution_size(d.width, w.kernel_w, w.stride_w, w.pad_w)});
  if (static_cast<std::int64_t>(weight.size()) != outputs * d.channels * w.kernel_h * w.kernel_w)
    throw std::logic_error("reference convolution: wrong weight count");
  for (std::int64_t o = 0; o < outputs; ++o)
    for (std::int64_t n = 0; n < d.batch; ++n)
      for (std::int64_t oh = 0; oh < out.dims.height; ++oh)
        for (std::int64_t ow = 0; ow < out.dims.width; ++ow) {
          double sum = bias.empty() ? 0.0 : bias[at(o)];
          for (std::int64_t c = 0; c < d.channels; ++c)
            for (std::int64_t ki = 0; ki < w.kernel_h; ++ki)
              for (std::int64_t kj = 0; kj < w.kernel_w; ++kj) {
                const std::int64_t ih = oh * w.stride_h - w.pad_h + ki;
                const std::int64_t iw = ow * w.stride_w - w.pad_w + kj;
                if (ih < 0 || ih >= d.height || iw < 0 || iw >= d.width) continue;
                sum += weight[at(((o * d.channels + c) * w.kernel_h + ki) * w.kernel_w + kj)] *
                       in.at(c, n, ih, iw);
              }
          out.at(o, n, oh, ow) = relu ? std::max(sum, 0.0) : sum;
        }
  return out;
}

ConvolutionGradients convolution_backward(const Tensor4& in, const std::vector<double>& weight,
                                          bool has_bias, std::int64_t outputs, const Window2d& w,
                                          bool relu, const Tensor4& out, const Tensor4& out_grad) {
  const Dims& d = in.dims;
  ConvolutionGradients g{Tensor4(d), std::vector<double>(weight.size(), 0.0),
                         std::vector<double>(has_bias ? at(outputs) : 0, 0.0)};
  for (std::int64_t o = 0; o < outputs; ++o)
    for (std::int64_t n = 0; n < d.batch; ++n)
      for (std::int64_t oh = 0; oh < out.dims.height; ++oh)
        for (std::int64_t ow = 0; ow < out.dims.width; ++ow) {
          double dy = out_grad.at(o, n, oh, ow);
          if (relu && !(out.at(o, n, oh, ow) > 0.0)) dy = 0.0;
          if (has_bias) g.bias[at(o)] += dy;
          for (std::int64_t c = 0; c < d.channels; ++c)
            for (std::int64_t ki = 0; ki < w.kernel_h; ++ki)
              for (std::int64_t kj = 0; kj < w.kernel_w; ++kj) {
                const std::int64_t ih = oh * w.stride_h - w.pad_h + ki;
                const std::int64_t iw = ow * w.stride_w - w.pad_w + kj;
                if (ih < 0 || ih >= d.height || iw < 0 || iw >= d.width) continue;
                const std::size_t k =
                    at(((o * d.channels + c) * w.kernel_h + ki) * w.kernel_w + kj);
                g.weight[k] += dy * in.at(c, n, ih, iw);
                g.input.at(c, n, ih, iw) += dy * weight[k];
              }
        }
  return g;
}

Tensor4 pooling_forward(const Tensor4& in, const Window2d& w, Pool kind, bool ceil_mode) {
  const Dims& d = in.dims;
  Tensor4 out({d.channels, d.batch,
               pooling_size(d.height, w.kernel_h, w.stride_h, w.pad_h, ceil_mode),
               pooling_size(d.width, w.kernel_w, w.stride_w, w.pad_w, ceil_mode)});
  for (std::int64_t c = 0; c < d.channels; ++c)
    for (std::int64_t n = 0; n < d.batch; ++n)
      for (std::int64_t oh = 0; oh < out.dims.height; ++oh)
        for (std::int64_t ow = 0; ow < out.dims.width; ++ow) {
          const Span rows = pooling_span(oh, w.kernel_h, w.stride_h, w.pad_h, d.height);
          const Span cols = pooling_span(ow, w.kernel_w, w.stride_w, w.pad_w, d.width);
          double best = -std::numeric_limits<double>::infinity(), sum = 0.0;
          for (std::int64_t h = rows.begin; h < rows.end; ++h)
            for (std::int64_t v = cols.begin; v < cols.end; ++v) {
              best = std::max(best, in.at(c, n, h, v));
              sum += in.at(c, n, h, v);
            }
          const auto cells = static_cast<double>((rows.end - rows.begin) * (cols.end - cols.begin));
          out.at(c, n, oh, ow) = kind == Pool::max ? best : sum / cells;
        }
  return out;
}

Tensor4 pooling_backward(const Tensor4& in, const Window2d& w, Pool kind, const Tensor4& out_grad) {
  const Dims& d = in.dims;
  Tensor4 g(d);
  for (std::int64_t c = 0; c < d.channels; ++c)
    for (std::int64_t n = 0; n < d.batch; ++n)
      for (std::int64_t oh = 0; oh < out_grad.dims.height; ++oh)
        for (std::int64_t ow = 0; ow < out_grad.dims.width; ++ow) {
          const Span rows = pooling_span(oh, w.kernel_h, w.stride_h, w.pad_h, d.height);
          const Span cols = pooling_span(ow, w.kernel_w, w.stride_w, w.pad_w, d.width);
          const double dy = out_grad.at(c, n, oh, ow);
          if (kind == Pool::average) {
            const auto cells =
                static_cast<double>((rows.end - rows.begin) * (cols.end - cols.begin));
            for (std::int64_t h = rows.begin; h < rows.end; ++h)
              for (std::int64_t v = cols.begin; v < cols.end; ++v) g.at(c, n, h, v) += dy / cells;
          } else {
            std::int64_t best_h = rows.begin, best_v = cols.begin;
            for (std::int64_t h = rows.begin; h < rows.end; ++h)
              for (std::int64_t v = cols.begin; v < cols.end; ++v)
                if (in.at(c, n, h, v) > in.at(c, n, best_h, best_v)) {
                  best_h = h;
                  best_v = v;
                }
            g.at(c, n, best_h, best_v) += dy;
          }
        }
  return g;
}

Tensor4 global_average_forward(const Tensor4& in) {
  const Dims& d = in.dims;
  Tensor4 out({d.channels, d.batch, 1, 1});
  for (std::int64_t c = 0; c < d.channels; ++c)
    for (std::int64_t n = 0; n < d.batch; ++n) {
      double sum = 0.0;
      for (std::int64_t h = 0; h < d.height; ++h)
        for (std::int64_t v = 0; v < d.width; ++v) sum += in.at(c, n, h, v);
      out.at(c, n, 0, 0) = sum / static_cast<double>(d.height * d.width);
    }
  return out;
}

Tensor4 global_average_backward(const Dims& d, const Tensor4& out_grad) {
  Tensor4 g(d);
  for (std::int64_t c = 0; c < d.channels; ++c)
    for (std::int64_t n = 0; n < d.batch; ++n)
      for (std::int64_t h = 0; h < d.height; ++h)
        for (std::int64_t v = 0; v < d.width; ++v)
          g.at(c, n, h, v) = out_grad.at(c, n, 0, 0) / static_cast<double>(d.height * d.width);
  return g;
}

Tensor4 relu_forward(const Tensor4& in) {
  Tensor4 out(in.dims);
  for (std::size_t i = 0; i < in.values.size(); ++i) out.values[i] = std::max(in.values[i], 0.0);
  return out;
}

Tensor4 relu_backward(const Tensor4& in, const Tensor4& out_grad) {
  Tensor4 g(in.dims);
  for (std::size_t i = 0; i < in.values.size(); ++i)
    g.values[i] = in.values[i] > 0.0 ? out_grad.values[i] : 0.0;
  return g;
}

namespace {
// Mean and biased variance of channel c.
std::pair<double, double> channel_moments(const Tensor4& in, std::int64_t c) {
  const Dims& d = in.dims;
  const auto count = static_cast<double>(d.batch * d.height * d.width);
  double sum = 0.0;
  for (std::int64_t n = 0; n < d.batch; ++n)
    for (std::int64_t h = 0; h < d.height; ++h)
      for (std::int64_t v = 0; v < d.width; ++v) sum += in.at(c, n, h, v);
  const double mean = sum / count;
  double squares = 0.0;
  for (std::int64_t n = 0; n < d.batch; ++n)
    for (std::int64_t h = 0; h < d.height; ++h)
      for (std::int64_t v = 0; v < d.width; ++v)
        squares += (in.at(c, n, h, v) - mean) * (in.at(c, n, h, v) - mean);
  return {mean, squares / count};
}

Tensor4 normalise(const Tensor4& in, const std::vector<double>& scale,
                  const std::vector<double>& shift, const std::vector<double>& mean,
                  const std::vector<double>& variance, double eps, bool relu) {
  const Dims& d = in.dims;
  Tensor4 out(d);
  for (std::int64_t c = 0; c < d.channels; ++c)
    for (std::int64_t n = 0; n < d.batch; ++n)
      for (std::int64_t h = 0; h < d.height; ++h)
        for (std::int64_t v = 0; v < d.width; ++v) {
          const double y =
              scale[at(c)] * (in.at(c, n, h, v) - mean[at(c)]) / std::sqrt(variance[at(c)] + eps) +
              shift[at(c)];
          out.at(c, n, h, v) = relu ? std::max(y, 0.0) : y;
        }
  return out;
}
}  // namespace

BatchNormTrain batch_norm_train(const Tensor4& in, const std::vector<double>& scale,
                                const std::vector<double>& shift, double eps, bool relu) {
  const Dims& d = in.dims;
  const auto count = static_cast<double>(d.batch * d.height * d.width);
  BatchNormTrain r;
  for (std::int64_t c = 0; c < d.channels; ++c) {
    const auto [mean, variance] = channel_moments(in, c);
    r.mean.push_back(mean);
    r.variance.push_back(variance);
    r.unbiased_variance.push_back(count > 1 ? variance * count / (count - 1) : variance);
  }
  r.out = normalise(in, scale, shift, r.mean, r.variance, eps, relu);
  return r;
}

Tensor4 batch_norm_eval(const Tensor4& in, const std::vector<double>& scale,
                        const std::vector<double>& shift, const std::vector<double>& running_mean,
                        const std::vector<double>& running_var, double eps, bool relu) {
  return normalise(in, scale, shift, running_mean, running_var, eps, relu);
}

std::vector<double> running_average(const std::vector<double>& running,
                                    const std::vector<double>& batch, double momentum) {
  std::vector<double> r(running.size());
  for (std::size_t i = 0; i < r.size(); ++i)
    r[i] = (1.0 - momentum) * running[i] + momentum * batch[i];
  return r;
}

BatchNormGradients batch_norm_backward(const Tensor4& in, const std::vector<double>& scale,
                                       double eps, bool relu, const Tensor4& out,
                                       const Tensor4& out_grad) {
  // The textbook chain rule through xhat = (x − μ)/σ, σ² = mean((x − μ)²), μ = mean(x).
  const Dims& d = in.dims;
  const auto m = static_cast<double>(d.batch * d.height * d.width);
  BatchNormGradients g{Tensor4(d), std::vector<double>(at(d.channels), 0.0),
                       std::vector<double>(at(d.channels), 0.0)};
  const auto each = [&](auto&& f) {
    for (std::int64_t n = 0; n < d.batch; ++n)
      for (std::int64_t h = 0; h < d.height; ++h)
        for (std::int64_t v = 0; v < d.width; ++v) f(n, h, v);
  };
  for (std::int64_t c = 0; c < d.channels; ++c) {
    // Plain variables, not a structured binding: the lambdas below capture them, which clang
    // accepts only from version 16.
    const std::pair<double, double> moments = channel_moments(in, c);
    const double mean = moments.first, variance = moments.second;
    const double sigma = std::sqrt(variance + eps);
    const auto dy = [&](std::int64_t n, std::int64_t h, std::int64_t v) {
      return relu && !(out.at(c, n, h, v) > 0.0) ? 0.0 : out_grad.at(c, n, h, v);
    };
    double dvar = 0.0, dmean = 0.0, centred_sum = 0.0;
    each([&](std::int64_t n, std::int64_t h, std::int64_t v) {
      const double x = in.at(c, n, h, v);
      g.scale[at(c)] += dy(n, h, v) * (x - mean) / sigma;
      g.shift[at(c)] += dy(n, h, v);
      const double dxhat = dy(n, h, v) * scale[at(c)];
      dvar += dxhat * (x - mean) * -0.5 * std::pow(variance + eps, -1.5);
      dmean += -dxhat / sigma;
      centred_sum += -2.0 * (x - mean);
    });
    dmean += dvar * centred_sum / m;
    each([&](std::int64_t n, std::int64_t h, std::int64_t v) {
      const double x = in.at(c, n, h, v);
      g.input.at(c, n, h, v) =
          dy(n, h, v) * scale[at(c)] / sigma + dvar * 2.0 * (x - mean) / m + dmean / m;
    });
  }
  return g;
}

SoftmaxLoss softmax_cross_entropy(const std::vector<double>& logits, std::int64_t classes,
                                  std::int64_t batch, const std::vector<std::int32_t>& labels) {
  SoftmaxLoss r;
  r.grad.assign(logits.size(), 0.0);
  const auto logit = [&](std::int64_t k, std::int64_t n) { return logits[at(k * batch + n)]; };
  for (std::int64_t n = 0; n < batch; ++n) {
    std::int64_t best = 0;
    for (std::int64_t k = 1; k < classes; ++k)
      if (logit(k, n) > logit(best, n)) best = k;
    const double max = logit(best, n);
    double denominator = 0.0;
    for (std::int64_t k = 0; k < classes; ++k) denominator += std::exp(logit(k, n) - max);
    const std::int32_t label = labels[at(n)];
    r.loss_sum += -(logit(label, n) - max - std::log(denominator));
    r.correct += best == label ? 1 : 0;
    for (std::int64_t k = 0; k < classes; ++k) {
      const double p = std::exp(logit(k, n) - max) / denominator;
      r.grad[at(k * batch + n)] = (p - (k == label ? 1.0 : 0.0)) / static_cast<double>(batch);
    }
  }
  return r;
}

}  // namespace nin::reference
