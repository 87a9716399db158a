#include "nin/net/network.hpp"

#include <algorithm>

#include "nin/core/error.hpp"
#include "nin/core/parallel.hpp"
#include "nin/core/random.hpp"
#include "nin/layers/batch_norm.hpp"
#include "nin/layers/convolution.hpp"
#include "nin/layers/elementwise.hpp"
#include "nin/layers/layer_registry.hpp"
#include "nin/spec/layer_cost.hpp"

namespace nin {
namespace {

using Clock = std::chrono::steady_clock;
double elapsed_ms(Clock::time_point start) {
  return std::chrono::duration<double, std::milli>(Clock::now() - start).count();
}

}  // namespace

Network::Network(NetworkSpec spec, std::int64_t max_batch, NetworkUse use)
    : spec_(std::move(spec)), max_batch_(max_batch), use_(use) {
  if (max_batch < 1 || max_batch > (1 << 20))
    throw UsageError("batch size " + std::to_string(max_batch) + " is not in 1..1048576");
  const bool training = use == NetworkUse::training;
  std::vector<std::int64_t> capacities{spec_.input.elements() * max_batch};
  std::size_t current = 0;  // buffer holding the latest output
  for (const auto& layer_spec : spec_.layers) {
    if (layer_spec.type == "relu" && !steps_.empty()) {
      Layer* target = steps_.back().layer.get();
      if (auto* bn = dynamic_cast<BatchNorm*>(target); bn && bn->folded())
        target = steps_[steps_.size() - 2].layer.get();  // the convolution that applies it
      if (target->can_fuse_relu() && !target->fused_relu()) {
        target->fuse_relu();
        if (target != steps_.back().layer.get()) steps_.back().layer->fuse_relu();
        continue;
      }
    }
    Step step;
    step.layer = kind_of(layer_spec).make(layer_spec, max_batch, training);
    step.input = current;
    step.input_shape = layer_spec.input;
    step.output_shape = layer_spec.output;
    bool folded = false;
    if (!training && layer_spec.type == "batch_norm" && !steps_.empty()) {
      auto* convolution = dynamic_cast<Convolution*>(steps_.back().layer.get());
      if (convolution && !convolution->fused_relu()) {
        auto* bn = static_cast<BatchNorm*>(step.layer.get());
        convolution->fold_batch_norm(bn);
        bn->mark_folded();
        folded = true;
      }
    }
    if (step.layer->in_place() || folded) {
      step.output = step.input;
    } else {
      capacities.push_back(layer_spec.output.elements() * max_batch);
      step.output = capacities.size() - 1;
    }
    current = step.output;
    steps_.push_back(std::move(step));
  }
  lay_out_arena(capacities);
  for (auto& step : steps_) step.layer->set_batch_share(&share_);
  if (training) {
    std::int64_t scratch = 0;
    for (const auto& step : steps_)
      scratch = std::max(scratch, step.layer->backward_scratch_floats());
    backward_scratch_ = Tensor({scratch});
    for (auto& step : steps_) step.layer->share_backward_scratch(backward_scratch_.data());
  }
  loss_sums_.resize(static_cast<std::size_t>(2 * (kBatchChunks + 1)));

  std::int64_t total = 0;
  for (auto& step : steps_)
    for (auto& p : step.layer->parameters()) total += p.size();
  values_ = Tensor({total});
  if (training) grads_ = Tensor({total});
  std::int64_t offset = 0;
  for (auto& step : steps_)
    for (auto& p : step.layer->parameters()) {
      p.value = values_.data() + offset;
      p.grad = training ? grads_.data() + offset : nullptr;
      offset += p.size();
    }
}

Network::~Network() = default;

void Network::initialize(std::uint64_t seed) {
  for (std::size_t i = 0; i < steps_.size(); ++i) steps_[i].layer->initialize(mix64(seed + i));
}

void Network::lay_out_arena(const std::vector<std::int64_t>& capacities) {
  // Every region starts on a 64-byte boundary.
  const auto aligned = [](std::int64_t floats) { return (floats + 15) / 16 * 16; };
  capacities_ = capacities;
  std::vector<std::int64_t> ends;
  std::int64_t end = 0;
  for (const std::int64_t capacity : capacities) {
    buffer_offsets_.push_back(end);
    end += aligned(capacity);
    ends.push_back(end);
  }
  std::int64_t size = end;
  if (use_ == NetworkUse::inference) {
    // Only a step's input and output are needed at once. After the images, the buffers go in
    // turn to the low and the high end of a region as large as the largest such pair.
    const std::int64_t images = aligned(capacities[0]);
    std::int64_t region = 0;
    for (std::size_t b = 1; b < capacities.size(); ++b)
      region = std::max(region, aligned(capacities[b]) + (b > 1 ? aligned(capacities[b - 1]) : 0));
    size = images + region;
    for (std::size_t b = 1; b < capacities.size(); ++b)
      buffer_offsets_[b] = b % 2 == 1 ? images : size - aligned(capacities[b]);
  } else {
    // A buffer's gradient exists from the backward step of the layer that reads the buffer to that
    // of the layer that wrote it; while it does, that buffer's activations and all earlier ones are
    // still needed, the later ones are not. So each gradient goes either low, right after the
    // output of the step that writes it (the highest buffer still needed), or high, at the end,
    // the two alternating step by step: a step's input gradient is never where its output
    // gradient is. The arena then holds a training pass in about a third less than with two
    // separate gradient buffers. Both parities are tried; the smaller arena wins.
    std::vector<std::int64_t> best_offsets;
    for (const bool last_low : {true, false}) {
      struct Placement {
        bool low;
        std::int64_t offset;  // low: the offset; high: the size below the arena's end
      };
      std::vector<Placement> placed(capacities.size());
      const std::size_t last = steps_.back().output;
      placed[last] = {last_low, last_low ? ends[last] : aligned(capacities[last])};
      std::int64_t needed = ends[last] + aligned(capacities[last]);
      for (std::size_t s = steps_.size(); s-- > 0;) {
        const Step& step = steps_[s];
        if (step.layer->in_place() || step.input == 0) continue;
        const std::int64_t out = aligned(capacities[step.output]);
        const std::int64_t in = aligned(capacities[step.input]);
        if (placed[step.output].low) {
          placed[step.input] = {false, in};
          needed = std::max(needed, placed[step.output].offset + out + in);
        } else {
          placed[step.input] = {true, ends[step.output]};
          needed = std::max(needed, ends[step.output] + in + out);
        }
      }
      if (!best_offsets.empty() && needed >= size) continue;
      size = needed;
      best_offsets.assign(capacities.size(), 0);
      for (std::size_t b = 0; b < placed.size(); ++b)
        best_offsets[b] = placed[b].low ? placed[b].offset : needed - placed[b].offset;
    }
    gradient_offsets_ = std::move(best_offsets);
  }
  arena_ = Tensor({size});
}

Activations Network::view(std::size_t buffer, const Shape& shape, std::int64_t n) {
  return {arena_.data() + buffer_offsets_[buffer], shape.channels, n, shape.height, shape.width};
}

Activations Network::gradient_view(std::size_t buffer, const Shape& shape, std::int64_t n) {
  return {arena_.data() + gradient_offsets_[buffer], shape.channels, n, shape.height, shape.width};
}

void Network::forward(const float* images, std::int64_t n, Phase phase, const BatchShare* share) {
  if (share ? share->images() != n || share->global_images() < 1 : n < 1)
    throw Error("forward: " + std::to_string(n) + " images do not match the batch's share");
  if (n > max_batch_ || (share && share->global_images() > max_batch_))
    throw UsageError("batch of " + std::to_string(n) + " images exceeds the network's " +
                     std::to_string(max_batch_));
  share_ = share ? *share : BatchShare(n);
  if (phase == Phase::train && use_ != NetworkUse::training)
    throw Error("a network built for inference cannot run a training pass");
  batch_ = n;
  activations_overwritten_ = false;
  training_forward_ = phase == Phase::train;
  const Shape& in = spec_.input;
  const Activations input = view(0, in, n);
  const std::int64_t plane = in.plane_size();
  parallel_for(in.channels, [&](std::int64_t c) {
    for (std::int64_t i = 0; i < n; ++i)
      std::copy(images + (i * in.channels + c) * plane, images + (i * in.channels + c + 1) * plane,
                input.plane_of(c, i));
  });
  for (std::size_t s = 0; s < steps_.size(); ++s) {
    Step& step = steps_[s];
    const auto start = Clock::now();
    step.layer->forward(view(step.input, step.input_shape, n),
                        view(step.output, step.output_shape, n), phase);
    if (times_) times_->forward_ms[s] += elapsed_ms(start);
  }
}

void Network::check_activations(const char* what) const {
  if (activations_overwritten_)
    throw Error(std::string(what) +
                ": the backward pass has written over the activations; run forward again");
}

ConstActivations Network::logits() const {
  check_activations("logits");
  const Step& last = steps_.back();
  return {arena_.data() + buffer_offsets_[last.output], spec_.classes, batch_, 1, 1};
}

void Network::copy_logits(float* rows) const {
  const ConstActivations l = logits();
  for (std::int64_t n = 0; n < l.batch; ++n)
    for (std::int64_t k = 0; k < l.channels; ++k)
      rows[n * l.channels + k] = l.data[k * l.batch + n];
}

const Network::Step* Network::class_map_step() const {
  for (std::size_t s = steps_.size(); s-- > 0;)
    if (steps_[s].layer->spec().type == "global_avg_pool") return &steps_[s];
  return nullptr;
}

std::string Network::class_maps_problem() const {
  const Step* pooling = class_map_step();
  if (!pooling) return "has no global average pooling layer, so no class maps";
  // A later step that writes where the pooling read destroys the maps (inference networks reuse
  // their memory); in a training network every step writes a buffer of its own.
  const auto region = [&](std::size_t buffer) {
    return std::pair(buffer_offsets_[buffer], buffer_offsets_[buffer] + capacities_[buffer]);
  };
  const auto [read_begin, read_end] = region(pooling->input);
  for (const Step* later = pooling + 1; later != steps_.data() + steps_.size(); ++later)
    if (const auto [begin, end] = region(later->output);
        later->output == pooling->input || (begin < read_end && read_begin < end))
      return "the input of global average pooling '" + pooling->layer->spec().name +
             "' is overwritten by layer '" + later->layer->spec().name +
             "' in an inference pass, so no class maps";
  return {};
}

ConstActivations Network::class_maps() const {
  if (const std::string problem = class_maps_problem(); !problem.empty()) throw Error(problem);
  if (batch_ == 0) throw Error("class maps: no forward pass has run yet");
  check_activations("class maps");
  const Step& pooling = *class_map_step();
  const Shape& shape = pooling.input_shape;
  return {arena_.data() + buffer_offsets_[pooling.input], shape.channels, batch_, shape.height,
          shape.width};
}

LossResult Network::evaluate(const std::int32_t* labels) const {
  return softmax_cross_entropy(logits(), labels, Activations{});
}

LossResult Network::backward(const std::int32_t* labels, double label_smoothing) {
  if (use_ != NetworkUse::training)
    throw Error("a network built for inference has no backward pass");
  check_activations("backward");
  // Dropout's masks, batch normalisation's batch statistics and the layers' saved values come
  // from a training pass only.
  if (!training_forward_)
    throw Error(
        "backward: the latest forward pass was not a training pass; run forward with "
        "Phase::train first");
  const std::int64_t n = batch_;
  Activations out_grad = gradient_view(steps_.back().output, steps_.back().output_shape, n);
  // The loss in sample order within each chunk, then over the chunks' fixed tree.
  const std::int64_t chunks = share_.local_chunks();
  for (std::int64_t j = 0; j < chunks; ++j) {
    const LossResult part =
        softmax_cross_entropy(logits(), labels, out_grad, share_.chunk_begin(j),
                              share_.chunk_end(j), share_.global_images(), label_smoothing);
    loss_sums_[static_cast<std::size_t>(2 * j)] = part.loss_sum;
    loss_sums_[static_cast<std::size_t>(2 * j + 1)] = static_cast<double>(part.correct);
  }
  const std::span<double> sums(loss_sums_);
  share_.sum(sums.first(static_cast<std::size_t>(2 * chunks)), sums.last(2));
  LossResult result;
  result.loss_sum = sums[sums.size() - 2];
  result.correct = static_cast<std::int64_t>(sums.back());
  // The gradients now take the place of activations that are no longer needed (lay_out_arena).
  activations_overwritten_ = true;
  for (std::size_t s = steps_.size(); s-- > 0;) {
    Step& step = steps_[s];
    // Nobody needs the images' gradient, and in-place steps (ReLU, dropout) have no parameters:
    // one that works on the images has nothing to do.
    if (step.input == 0 && step.layer->in_place()) continue;
    const auto start = Clock::now();
    Activations in_g = gradient_view(step.input, step.input_shape, n);
    if (step.input == 0) in_g.data = nullptr;
    step.layer->backward(view(step.input, step.input_shape, n),
                         view(step.output, step.output_shape, n),
                         gradient_view(step.output, step.output_shape, n), in_g);
    if (times_) times_->backward_ms[s] += elapsed_ms(start);
  }
  return result;
}

std::vector<Network::NamedParameter> Network::parameters() {
  std::vector<NamedParameter> all;
  for (auto& step : steps_)
    for (auto& p : step.layer->parameters()) all.push_back({step.layer->spec().name, &p});
  return all;
}

std::vector<Network::NamedState> Network::state() {
  std::vector<NamedState> all;
  for (auto& step : steps_)
    for (auto& s : step.layer->state()) all.push_back({step.layer->spec().name, &s});
  return all;
}

void Network::copy_parameters_from(Network& source) {
  const std::span<const float> values = source.parameter_values();
  const std::vector<NamedState> from = source.state(), to = state();
  if (static_cast<std::int64_t>(values.size()) != values_.size() || from.size() != to.size())
    throw Error("copy_parameters_from: the networks are built from different specs");
  std::copy(values.begin(), values.end(), values_.data());
  for (std::size_t i = 0; i < to.size(); ++i) {
    const StateTensor& s = *from[i].state;
    if (s.dims != to[i].state->dims)
      throw Error("copy_parameters_from: state '" + from[i].layer + "/" + s.name + "' differs");
    std::copy(s.value, s.value + s.size(), to[i].state->value);
  }
}

std::vector<std::uint64_t> Network::random_state() const {
  std::vector<std::uint64_t> passes;
  for (const auto& step : steps_)
    if (const auto* dropout = dynamic_cast<const Dropout*>(step.layer.get()))
      passes.push_back(dropout->passes());
  return passes;
}

void Network::set_random_state(const std::vector<std::uint64_t>& passes) {
  std::size_t i = 0;
  for (auto& step : steps_)
    if (auto* dropout = dynamic_cast<Dropout*>(step.layer.get())) {
      if (i >= passes.size()) throw FormatError("random state has too few dropout entries");
      dropout->set_passes(passes[i++]);
    }
  if (i != passes.size()) throw FormatError("random state has too many dropout entries");
}

void Network::attach_timer(LayerTimes* times) {
  times_ = times;
  if (!times) return;
  times->names.clear();
  times->macs.clear();
  times->data_gradient.clear();
  for (const auto& step : steps_) {
    std::string name = step.layer->spec().name;
    if (step.layer->fused_relu()) name += "+relu";
    times->names.push_back(name);
    times->macs.push_back(layer_cost(step.layer->spec()).macs);
    times->data_gradient.push_back(step.input != 0);
  }
  times->forward_ms.assign(steps_.size(), 0.0);
  times->backward_ms.assign(steps_.size(), 0.0);
}

}  // namespace nin
