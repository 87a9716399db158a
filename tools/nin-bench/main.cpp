// nin-bench: per-layer forward/backward time, training-step and inference throughput of a network
// on synthetic data (like `caffe time`); with --decode, the throughput of reading an image folder.

#include <chrono>
#include <cstdio>
#include <iostream>
#include <nlohmann/json.hpp>
#include <optional>
#include <vector>

#include "common/cli.hpp"
#include "common/model_loading.hpp"
#include "common/option_table.hpp"
#include "common/shared_options.hpp"
#include "common/table.hpp"
#include "nin/core/error.hpp"
#include "nin/core/gemm.hpp"
#include "nin/core/parallel.hpp"
#include "nin/data/dataset.hpp"
#include "nin/dist/launch.hpp"
#include "nin/spec/network_spec.hpp"
#include "nin/train/benchmark.hpp"

namespace po = boost::program_options;

namespace {

std::string fixed(double value, int digits) {
  char text[64];
  std::snprintf(text, sizeof text, "%.*f", digits, value);
  return text;
}

// Per layer: the share of the training step and, for layers that multiply, the GFLOP/s of their
// forward and backward together (the backward does the weight gradient and, except for the
// first layer, the data gradient) and that as a share of the measured sgemm peak.
struct LayerFigures {
  double step_share = 0;
  std::optional<double> gflops, peak_share;
};

std::vector<LayerFigures> layer_figures(const nin::BenchmarkOptions& o,
                                        const nin::BenchmarkResult& r) {
  double total = 0;
  for (std::size_t i = 0; i < r.layers.names.size(); ++i)
    total += r.layers.forward_ms[i] + r.layers.backward_ms[i];
  std::vector<LayerFigures> figures(r.layers.names.size());
  const double images = static_cast<double>(o.batch) / r.processes;  // rank 0's share, about
  for (std::size_t i = 0; i < figures.size(); ++i) {
    const double ms = r.layers.forward_ms[i] + r.layers.backward_ms[i];
    figures[i].step_share = total > 0 ? ms / total : 0;
    const double macs = static_cast<double>(r.layers.macs[i]) * images;
    if (macs <= 0 || ms <= 0) continue;
    const double flops = 2 * macs * (r.layers.data_gradient[i] ? 3 : 2);
    figures[i].gflops = flops / ms / 1e6;
    if (r.gemm_peak_gflops > 0) figures[i].peak_share = *figures[i].gflops / r.gemm_peak_gflops;
  }
  return figures;
}

// The inference pass's time for the training network's step i. The two networks have the same
// steps (an inference network folds batch norms into convolutions but keeps their steps).
std::optional<double> inference_ms(const nin::BenchmarkResult& r, std::size_t i) {
  const auto& times = r.inference_layers.forward_ms;
  if (times.size() != r.layers.forward_ms.size()) return std::nullopt;
  return times[i];
}

void write_json(const std::string& network, int threads, const nin::BenchmarkOptions& o,
                const nin::BenchmarkResult& r) {
  const std::vector<LayerFigures> figures = layer_figures(o, r);
  nlohmann::ordered_json layers = nlohmann::ordered_json::array();
  for (std::size_t i = 0; i < r.layers.names.size(); ++i) {
    nlohmann::ordered_json layer = {{"name", r.layers.names[i]},
                                    {"forward_ms", r.layers.forward_ms[i]},
                                    {"backward_ms", r.layers.backward_ms[i]},
                                    {"step_share", figures[i].step_share}};
    if (const auto ms = inference_ms(r, i)) layer["inference_ms"] = *ms;
    if (figures[i].gflops) layer["gflops"] = *figures[i].gflops;
    if (figures[i].peak_share) layer["peak_share"] = *figures[i].peak_share;
    layers.push_back(layer);
  }
  const nlohmann::ordered_json doc = {{"network", network},
                                      {"threads", threads},
                                      {"batch", o.batch},
                                      {"infer_batch", o.infer_batch},
                                      {"iterations", o.iterations},
                                      {"layers", layers},
                                      {"train_images_per_s", r.train_images_per_s},
                                      {"infer_images_per_s", r.infer_images_per_s},
                                      {"train_gflops", r.train_gflops},
                                      {"infer_gflops", r.infer_gflops},
                                      {"gemm_peak_gflops", r.gemm_peak_gflops},
                                      {"processes", r.processes},
                                      {"train_communication_share", r.train_communication_share},
                                      {"train_peak_rss_mb", r.train_peak_rss_mb},
                                      {"peak_rss_mb", r.peak_rss_mb},
                                      {"blas_core", nin::blas_core_name()}};
  std::cout << nin::cli::json_text(doc, 2) << "\n";
}

void write_markdown(const std::string& network, int threads, const nin::BenchmarkOptions& o,
                    const nin::BenchmarkResult& r) {
  const std::vector<LayerFigures> figures = layer_figures(o, r);
  nin::cli::Table table;
  table.header = {"Layer",   "Forward ms",    "Backward ms", "Share of step",
                  "GFLOP/s", "Share of peak", "Inference ms"};
  table.right_aligned = {false, true, true, true, true, true, true};
  double forward = 0, backward = 0, inference = 0;
  for (std::size_t i = 0; i < r.layers.names.size(); ++i) {
    const LayerFigures& f = figures[i];
    table.rows.push_back({r.layers.names[i], fixed(r.layers.forward_ms[i], 3),
                          fixed(r.layers.backward_ms[i], 3), fixed(100 * f.step_share, 1) + "%",
                          f.gflops ? fixed(*f.gflops, 1) : "",
                          f.peak_share ? fixed(*f.peak_share, 2) : "",
                          inference_ms(r, i) ? fixed(*inference_ms(r, i), 3) : ""});
    inference += inference_ms(r, i).value_or(0);
    forward += r.layers.forward_ms[i];
    backward += r.layers.backward_ms[i];
  }
  table.rows.push_back(
      {"Total", fixed(forward, 3), fixed(backward, 3), "100.0%", fixed(r.train_gflops, 1),
       r.gemm_peak_gflops > 0 ? fixed(r.train_gflops / r.gemm_peak_gflops, 2) : "",
       r.inference_layers.forward_ms.size() == r.layers.forward_ms.size() ? fixed(inference, 3)
                                                                          : ""});
  std::cout << "Network " << network << ", ";
  if (r.processes > 1) std::cout << r.processes << " processes × ";
  std::cout << threads << " threads, training batch " << o.batch << ", inference batch "
            << o.infer_batch << ", " << o.iterations << " iterations, OpenBLAS "
            << nin::blas_core_name() << " kernels\n\n";
  nin::cli::write_markdown(std::cout, table);
  std::cout << "\nTraining step: " << fixed(r.train_images_per_s, 1) << " images/s ("
            << fixed(r.train_gflops, 1) << " GFLOP/s)";
  if (r.processes > 1)
    std::cout << ", " << fixed(100 * r.train_communication_share, 1)
              << "% of it in collective operations";
  std::cout << "\nInference:     " << fixed(r.infer_images_per_s, 1) << " images/s ("
            << fixed(r.infer_gflops, 1)
            << " GFLOP/s)\nPeak RSS:      " << fixed(r.train_peak_rss_mb, 0)
            << " MB after training, " << fixed(r.peak_rss_mb, 0) << " MB in all\n"
            << "sgemm peak:    " << fixed(r.gemm_peak_gflops, 1)
            << " GFLOP/s (1024x1024x1024 products through nin's gemm, every thread busy); "
               "training at "
            << fixed(r.gemm_peak_gflops > 0 ? r.train_gflops / r.gemm_peak_gflops : 0, 2)
            << " of it\n";
}

// Reads the image folder `dir` (its train split, or all of a flat folder) as load_dataset does,
// decoding and converting every image to `input`, and prints the images per second.
void run_decode(const std::string& dir, const nin::Shape& input, bool center_crop, int threads,
                nin::cli::Format format) {
  if (!nin::is_image_dataset(dir))
    throw nin::UsageError("--decode: '" + dir + "' is not an image folder");
  nin::DataOptions options;
  options.image_shape = input;
  options.center_crop = center_crop;
  const auto start = std::chrono::steady_clock::now();
  const nin::Dataset data = nin::load_dataset(dir, options);
  const double seconds =
      std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
  const double rate = static_cast<double>(data.size()) / seconds;
  if (format == nin::cli::Format::json) {
    const nlohmann::ordered_json doc = {{"decode", dir},
                                        {"input", {input.height, input.width, input.channels}},
                                        {"center_crop", center_crop},
                                        {"threads", threads},
                                        {"images", data.size()},
                                        {"seconds", seconds},
                                        {"images_per_s", rate}};
    std::cout << nin::cli::json_text(doc, 2) << "\n";
  } else {
    std::cout << "Decoded and converted " << data.size() << " images of '" << dir << "' to "
              << input.height << "x" << input.width << "x" << input.channels
              << (center_crop ? " (centre crop)" : "") << " on " << threads
              << (threads == 1 ? " thread in " : " threads in ") << fixed(seconds, 3)
              << " s: " << fixed(rate, 1) << " images/s\n";
  }
}

}  // namespace

int main(int argc, char** argv) {
  constexpr nin::cli::ToolInfo info{
      "nin-bench", "time a network's layers, training and inference, or image decoding",
      "NET [options] | --decode DIR --input HxWxC [options]",
      "Times NET (a preset name, spec file or model file) on random data: per-layer forward and\n"
      "backward milliseconds of a training step and milliseconds of an inference pass (at\n"
      "--infer-batch; 1 gives the latency of one image), training images/s (forward, backward,\n"
      "SGD update) and inference images/s. With --decode, times reading the image folder DIR\n"
      "instead: listing, decoding and converting every image to --input, in images/s.\n"
      "Under mpirun (mpirun -np N nin-bench NET), times data-parallel training as nin-train runs\n"
      "it: each process its share of every batch, with the share of a step spent communicating;\n"
      "rank 0 prints."};
  return nin::cli::run_collective(info.name, [&](nin::cli::CollectiveRun& run) {
    using nin::cli::ValueKind;
    std::string net, format = "md", decode, input;
    bool center_crop = false;
    nin::BenchmarkOptions o;
    int threads = 0;
    nin::cli::OptionTable options;
    options.add({.name = "net",
                 .kind = ValueKind::network,
                 .value_name = "NET",
                 .help = "preset name, spec file or model file (positional)",
                 .role = nin::cli::FileRole::network,
                 .positional = 1},
                &net);
    nin::cli::add_batch(options, &o.batch, "training batch size");
    options.add({.name = "infer-batch",
                 .kind = ValueKind::number,
                 .value_name = "N",
                 .help = "inference batch size",
                 .range = nin::cli::IntRange{1, nin::cli::kMaxBatchOption},
                 .defaulted = true},
                &o.infer_batch);
    options.add({.name = "iterations",
                 .kind = ValueKind::number,
                 .value_name = "N",
                 .help = "timed iterations of each kind",
                 .range = nin::cli::IntRange{1, 100000},
                 .defaulted = true},
                &o.iterations);
    nin::cli::add_threads(options, &threads);
    options.add({.name = "decode",
                 .kind = ValueKind::directory,
                 .value_name = "DIR",
                 .help = "time reading the image folder DIR instead of a network",
                 .role = nin::cli::FileRole::data},
                &decode);
    options.add({.name = "input",
                 .kind = ValueKind::text,
                 .value_name = "HxWxC",
                 .help = "with --decode: the size to convert images to, HxWxC (e.g. 28x28x1)"},
                &input);
    options.add_flag({.name = "center-crop",
                      .help = "with --decode: crop images to the input's aspect ratio first"},
                     &center_crop);
    nin::cli::add_format(options, &format, {nin::cli::Format::md, nin::cli::Format::json});
    po::variables_map values;
    if (!nin::cli::parse_command_line(argc, argv, info, options, values)) return nin::cli::kSuccess;
    const auto out_format =
        nin::cli::parse_format(format, {nin::cli::Format::md, nin::cli::Format::json});
    if (!decode.empty()) {
      if (run.comm().size() > 1)
        throw nin::UsageError("--decode times one process: run it without mpirun");
      if (!net.empty())
        throw nin::UsageError(
            "--decode times an image folder, not a network: give NET or --decode");
      if (input.empty())
        throw nin::UsageError("--decode needs --input HxWxC, the size to convert images to");
      const nin::Shape shape = nin::cli::parse_input_shape(input);
      nin::ThreadLimit thread_limit(threads);
      run_decode(decode, shape, center_crop, thread_limit.threads(), out_format);
      return nin::cli::kSuccess;
    }
    if (net.empty())
      throw nin::UsageError(
          "missing NET: a preset name, spec file or model file (see nin-bench --help)");
    nin::ThreadLimit thread_limit(nin::threads_per_rank(threads, run.comm().ranks_on_host()));
    const auto spec = nin::cli::load_network_any(net);
    run.setup_done();
    run.require_same("the options and network",
                     std::to_string(o.batch) + " " + std::to_string(o.infer_batch) + " " +
                         std::to_string(o.iterations) + " " + nin::to_json_text(spec));
    const auto result = nin::run_benchmark(spec, o, run.comm());
    if (!run.is_writer()) return nin::cli::kSuccess;
    const std::string name = spec.name.empty() ? spec.source : spec.name;
    if (out_format == nin::cli::Format::json)
      write_json(name, thread_limit.threads(), o, result);
    else
      write_markdown(name, thread_limit.threads(), o, result);
    return nin::cli::kSuccess;
  });
}
