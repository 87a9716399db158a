#include "nin-eval/data_evaluation.hpp"

#include <functional>
#include <iostream>
#include <map>
#include <memory>
#include <tuple>

#include "common/data_loading.hpp"
#include "common/model_loading.hpp"
#include "common/preprocessing_options.hpp"
#include "nin-eval/confusion_picture.hpp"
#include "nin-eval/ranks.hpp"
#include "nin-eval/report.hpp"
#include "nin/core/error.hpp"
#include "nin/data/image_translate.hpp"
#include "nin/spec/network_spec.hpp"
#include "nin/train/evaluate.hpp"

namespace nin::eval_tool {
namespace {

// The message of the exception being handled, named by the model's path, printed on stderr.
std::string report_model_failure(std::string_view tool, const std::string& path) {
  cli::Failure failure = cli::describe_failure(tool, std::current_exception());
  const std::string named = "'" + path + "'";
  if (failure.message.compare(0, named.size(), named) != 0)
    failure.message = named + ": " + failure.message;
  cli::print_error(tool, failure.message);
  return failure.message;
}

// The data sets of a run. An image folder is decoded to a model's input shape and labelled in the
// order of its classes, so it is read once per shape and class list the models have (usually
// one); other data sets are read once, before any model.
class DataSets {
 public:
  DataSets(std::string_view tool, Communicator& comm, const DataEvaluationOptions& options)
      : tool_(tool), comm_(comm), options_(options) {
    if (!is_image_dataset(options.data))
      on_every_rank(comm, [&] { fixed_ = load(options.data_options); });
  }

  // Throws UsageError (on every rank alike) when the data set cannot be made for `spec`.
  const Dataset& for_model(const NetworkSpec& spec) {
    if (fixed_) return *fixed_;
    const Shape& shape = spec.input;
    std::vector<std::string> names;
    on_every_rank(comm_, [&] { names = class_names_for(spec, options_.class_names_file, {}); });
    const Key key{shape.channels, shape.height, shape.width, names};
    auto found = image_sets_.find(key);
    if (found == image_sets_.end()) {
      Dataset data;
      on_every_rank(comm_, [&] {
        data = cli::load_data_for(tool_, options_.data, options_.data_options, shape, names, true,
                                  !comm_.is_writer());
      });
      found = image_sets_.emplace(key, std::move(data)).first;
    }
    return found->second;
  }

 private:
  Dataset load(const DataOptions& data_options) const {
    return cli::load_data(tool_, options_.data, data_options, !comm_.is_writer());
  }

  using Key = std::tuple<std::int64_t, std::int64_t, std::int64_t, std::vector<std::string>>;
  std::string_view tool_;
  Communicator& comm_;
  const DataEvaluationOptions& options_;
  std::optional<Dataset> fixed_;
  std::map<Key, Dataset> image_sets_;
};

}  // namespace

std::vector<std::string> class_names_for(const NetworkSpec& spec, const std::string& file,
                                         const std::vector<std::string>& fallback) {
  if (!file.empty()) return cli::read_class_names(file, spec.classes);
  return spec.class_names.empty() ? fallback : spec.class_names;
}

int evaluate_on_data(std::string_view tool, Communicator& comm,
                     const std::vector<std::string>& models, const DataEvaluationOptions& options,
                     std::ostream& out) {
  DataSets data_sets(tool, comm, options);
  std::vector<ModelResult> results;
  std::optional<PredictionWriter> writer;
  if (options.predictions && comm.is_writer()) writer.emplace(out, options.format);
  // A model that cannot be read or evaluated gets an error row and a line on stderr; the others
  // are evaluated exactly as they would be alone, and the exit status says that one failed. Each
  // step that one rank may fail and not the others is agreed on (on_every_rank; evaluate() agrees
  // itself), so the ranks stay in step and all see the same error.
  int status = cli::kSuccess;
  // Models of one architecture (checkpoints of a run, say) share one network: only the values
  // are copied in, and the buffers are allocated once.
  std::unique_ptr<Network> network;
  std::string network_spec;
  for (const auto& path : models) {
    ModelResult model;
    model.path = path;
    std::vector<ModelResult> rows;  // one per shift, kept only when every shift was evaluated
    const auto fail = [&] {
      model.error = report_model_failure(tool, path);
      status = cli::kFailure;
      results.push_back(std::move(model));
    };
    std::optional<ModelContents> contents;
    try {
      on_every_rank(comm, [&] {
        contents = cli::read_model_any(path);
        cli::print_notes(tool, path, contents->notes);
        cli::apply_preprocessing(options.preprocessing, path, contents->spec.input.channels,
                                 contents->info.normalization);
      });
    } catch (const std::bad_alloc&) {
      throw;  // the machine, not the model: nothing later would fare better
    } catch (...) {
      fail();
      continue;
    }
    // A shift that moves every pixel out of the model's input is a mistake in the command, not in
    // the model: it ends the run.
    on_every_rank(comm, [&] { check_shift_fits(options.shift, contents->spec.input, path); });
    // A data set that cannot be read fails the run, not one model; one that cannot be made
    // for this model (an image folder for 2 input channels) fails the model.
    const Dataset* dataset_pointer = nullptr;
    try {
      dataset_pointer = &data_sets.for_model(contents->spec);
    } catch (const UsageError&) {
      fail();
      continue;
    }
    const Dataset& dataset = *dataset_pointer;
    try {
      const std::int64_t max_batch =
          std::min<std::int64_t>(options.batch, std::max<std::int64_t>(1, dataset.size()));
      const std::string spec_text = to_json_text(contents->spec);
      on_every_rank(comm, [&] {
        if (!network || spec_text != network_spec || network->max_batch() != max_batch) {
          network.reset();
          network = contents->build_network(max_batch, NetworkUse::inference);
          network_spec = spec_text;
        } else {
          contents->copy_into(*network);
        }
        model.class_names =
            class_names_for(contents->spec, options.class_names_file, dataset.class_names);
      });
      model.network = contents->spec.name.empty() ? "-" : contents->spec.name;
      std::function<void(const Prediction&)> sink;
      if (writer) sink = [&](const Prediction& p) { writer->write(path, p, model.class_names); };
      // Each shift evaluates a translated copy of the raw images, so that the model's
      // normalisation sees a black raw image where pixels were uncovered, and every rank holds
      // the same samples as without a shift.
      const std::vector<Translation> shifts =
          options.shift.shifts.empty() ? std::vector<Translation>{{}} : options.shift.shifts;
      for (const Translation& shift : shifts) {
        std::optional<Dataset> moved;
        if (!shift.is_identity()) moved = translated(dataset, shift);
        ModelResult row = model;
        row.shift = shift;
        row.result = evaluate(comm, *network, moved ? *moved : dataset, {},
                              contents->info.normalization, options.top_k, sink);
        rows.push_back(std::move(row));
      }
    } catch (const std::bad_alloc&) {
      throw;
    } catch (...) {
      fail();
      continue;
    }
    results.insert(results.end(), std::make_move_iterator(rows.begin()),
                   std::make_move_iterator(rows.end()));
  }
  if (!comm.is_writer()) return status;
  if (!options.confusion_svg.empty() && results.size() == 1 && results.front().error.empty())
    write_confusion_picture(options.confusion_svg, results.front(), options.data,
                            options.data_options.split == Split::test ? "test" : "train");
  if (options.predictions) {
    for (const auto& m : results)
      if (m.error.empty())
        std::cerr << tool << ": " << m.path << ": top-1 " << 100 * m.result.accuracy() << "%, top-"
                  << m.result.top_k << " " << 100 * m.result.topk_accuracy() << "%, loss "
                  << m.result.mean_loss() << " on " << m.result.samples << " images\n";
    return status;
  }
  if (options.shift.sweep())
    write_shift_sweep(out, results, options.format);
  else
    write_summary(out, results, options.format, options.confusion);
  return status;
}

}  // namespace nin::eval_tool
