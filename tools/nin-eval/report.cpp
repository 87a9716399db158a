#include "nin-eval/report.hpp"

#include <algorithm>
#include <cstdio>
#include <nlohmann/json.hpp>

#include "common/table.hpp"

namespace nin::eval_tool {
namespace {

std::string percent(double fraction) {
  char text[32];
  std::snprintf(text, sizeof text, "%.2f%%", 100 * fraction);
  return text;
}

std::string number(double value, int digits = 4) {
  char text[32];
  std::snprintf(text, sizeof text, "%.*f", digits, value);
  return text;
}

std::string class_name(const ModelResult& m, std::int64_t k) {
  return class_name_of(m.class_names, k);
}

void write_json(std::ostream& out, const std::vector<ModelResult>& models) {
  using json = nlohmann::ordered_json;
  json list = json::array();
  for (const auto& m : models) {
    if (!m.error.empty()) {
      list.push_back({{"model", m.path}, {"error", m.error}});
      continue;
    }
    const auto& r = m.result;
    json per_class = json::array();
    const auto metrics = r.per_class();
    for (std::int64_t k = 0; k < r.classes; ++k) {
      const auto& c = metrics[static_cast<std::size_t>(k)];
      per_class.push_back({{"class", k},
                           {"name", class_name(m, k)},
                           {"precision", c.precision},
                           {"recall", c.recall},
                           {"f1", c.f1},
                           {"support", c.support}});
    }
    json confusion = json::array();
    for (std::int64_t k = 0; k < r.classes; ++k)
      confusion.push_back(std::vector<std::int64_t>(r.confusion.begin() + k * r.classes,
                                                    r.confusion.begin() + (k + 1) * r.classes));
    list.push_back({{"model", m.path},
                    {"network", m.network},
                    {"samples", r.samples},
                    {"top1_accuracy", r.accuracy()},
                    {"top_k", r.top_k},
                    {"topk_accuracy", r.topk_accuracy()},
                    {"mean_loss", r.mean_loss()},
                    {"per_class", per_class},
                    {"confusion", confusion}});
  }
  out << cli::json_text(json{{"models", list}}, 2) << "\n";
}

}  // namespace

std::string class_name_of(const std::vector<std::string>& names, std::int64_t k) {
  return k >= 0 && k < static_cast<std::int64_t>(names.size()) ? names[static_cast<std::size_t>(k)]
                                                               : std::to_string(k);
}

std::vector<std::string> prediction_cells(const Prediction& p,
                                          const std::vector<std::string>& class_names) {
  std::string top;
  for (std::size_t i = 0; i < p.top.size(); ++i) {
    char text[48];
    std::snprintf(text, sizeof text, "%s%d:%.6f", i ? " " : "", p.top[i], p.probabilities[i]);
    top += text;
  }
  char confidence[32];
  std::snprintf(confidence, sizeof confidence, "%.6f", p.probabilities.front());
  return {std::to_string(p.top.front()), class_name_of(class_names, p.top.front()), confidence,
          top};
}

void add_prediction_keys(nlohmann::ordered_json& line, const Prediction& p,
                         const std::vector<std::string>& class_names) {
  line["predicted"] = p.top.front();
  line["class_name"] = class_name_of(class_names, p.top.front());
  line["confidence"] = p.probabilities.front();
  line["top_k"] = p.top;
  line["probabilities"] = p.probabilities;
  line["logits"] = p.logits;
}

void write_summary(std::ostream& out, const std::vector<ModelResult>& models, cli::Format format,
                   bool details) {
  if (format == cli::Format::json) return write_json(out, models);
  const bool markdown = format == cli::Format::md;
  const auto first_good = std::find_if(models.begin(), models.end(),
                                       [](const ModelResult& m) { return m.error.empty(); });
  const std::int64_t k = first_good == models.end() ? 5 : first_good->result.top_k;
  if (!markdown && details) {
    // One table for pipelines: per-class metrics and the confusion row of each class.
    cli::Table table;
    table.header = {"model", "class", "name", "precision", "recall", "f1", "support"};
    const std::int64_t classes = first_good == models.end() ? 0 : first_good->result.classes;
    for (std::int64_t j = 0; j < classes; ++j)
      table.header.push_back("predicted_" + std::to_string(j));
    table.header.push_back("error");
    for (const auto& m : models) {
      if (!m.error.empty()) {
        std::vector<std::string> row(table.header.size());
        row.front() = m.path;
        row.back() = m.error;
        table.rows.push_back(std::move(row));
        continue;
      }
      const auto metrics = m.result.per_class();
      for (std::int64_t c = 0; c < m.result.classes; ++c) {
        const auto& x = metrics[static_cast<std::size_t>(c)];
        std::vector<std::string> row{
            m.path,           std::to_string(c), class_name(m, c),         number(x.precision),
            number(x.recall), number(x.f1),      std::to_string(x.support)};
        for (std::int64_t j = 0; j < m.result.classes; ++j)
          row.push_back(std::to_string(
              m.result.confusion[static_cast<std::size_t>(c * m.result.classes + j)]));
        row.resize(table.header.size());
        table.rows.push_back(std::move(row));
      }
    }
    cli::write_delimited(out, table, format == cli::Format::csv ? ',' : '\t');
    return;
  }
  cli::Table summary;
  summary.header =
      markdown ? std::vector<std::string>{"Model",
                                          "Network",
                                          "Samples",
                                          "Top-1",
                                          "Top-" + std::to_string(k),
                                          "Loss"}
               : std::vector<std::string>{"model",         "network",   "samples", "top1_accuracy",
                                          "topk_accuracy", "mean_loss", "error"};
  summary.right_aligned = {false, false, true, true, true, true, false};
  for (const auto& m : models) {
    if (!m.error.empty()) {
      summary.rows.push_back({m.path, markdown ? "error: " + m.error : "", "", "", "", ""});
      if (!markdown) summary.rows.back().push_back(m.error);
      continue;
    }
    const auto& r = m.result;
    summary.rows.push_back({m.path, m.network,
                            markdown ? cli::with_thousands(r.samples) : std::to_string(r.samples),
                            markdown ? percent(r.accuracy()) : number(r.accuracy(), 6),
                            markdown ? percent(r.topk_accuracy()) : number(r.topk_accuracy(), 6),
                            number(r.mean_loss(), markdown ? 4 : 6)});
    if (!markdown) summary.rows.back().emplace_back();
  }
  if (!markdown) return cli::write_delimited(out, summary, format == cli::Format::csv ? ',' : '\t');
  cli::write_markdown(out, summary);
  if (!details) return;
  for (const auto& m : models) {
    if (!m.error.empty()) continue;
    const auto& r = m.result;
    out << "\nPer class, " << m.path << ":\n\n";
    cli::Table per_class;
    per_class.header = {"Class", "Precision", "Recall", "F1", "Support"};
    per_class.right_aligned = {false, true, true, true, true};
    const auto metrics = r.per_class();
    for (std::int64_t c = 0; c < r.classes; ++c) {
      const auto& x = metrics[static_cast<std::size_t>(c)];
      per_class.rows.push_back({class_name(m, c), percent(x.precision), percent(x.recall),
                                percent(x.f1), cli::with_thousands(x.support)});
    }
    cli::write_markdown(out, per_class);
    out << "\nConfusion matrix, " << m.path << " (rows: true class, columns: predicted):\n\n";
    cli::Table confusion;
    confusion.header = {"True \\ predicted"};
    confusion.right_aligned = {false};
    for (std::int64_t j = 0; j < r.classes; ++j) {
      confusion.header.push_back(class_name(m, j));
      confusion.right_aligned.push_back(true);
    }
    for (std::int64_t c = 0; c < r.classes; ++c) {
      std::vector<std::string> row{class_name(m, c)};
      for (std::int64_t j = 0; j < r.classes; ++j)
        row.push_back(std::to_string(r.confusion[static_cast<std::size_t>(c * r.classes + j)]));
      confusion.rows.push_back(std::move(row));
    }
    cli::write_markdown(out, confusion);
  }
}

void write_shift_sweep(std::ostream& out, const std::vector<ModelResult>& models,
                       cli::Format format) {
  if (format == cli::Format::json) {
    using json = nlohmann::ordered_json;
    json list = json::array();
    for (const auto& m : models) {
      if (!m.error.empty()) {
        list.push_back({{"model", m.path}, {"error", m.error}});
        continue;
      }
      list.push_back({{"model", m.path},
                      {"dx", m.shift.dx},
                      {"dy", m.shift.dy},
                      {"top1_accuracy", m.result.accuracy()},
                      {"mean_loss", m.result.mean_loss()},
                      {"top_k", m.result.top_k},
                      {"topk_accuracy", m.result.topk_accuracy()}});
    }
    out << cli::json_text(json{{"shifts", list}}, 2) << "\n";
    return;
  }
  const bool markdown = format == cli::Format::md;
  const auto first_good = std::find_if(models.begin(), models.end(),
                                       [](const ModelResult& m) { return m.error.empty(); });
  const std::int64_t k = first_good == models.end() ? 5 : first_good->result.top_k;
  cli::Table table;
  table.header =
      markdown ? std::vector<std::string>{"Model", "DX",   "DY",
                                          "Top-1", "Loss", "Top-" + std::to_string(k)}
               : std::vector<std::string>{
                     "model", "dx", "dy", "top1_accuracy", "mean_loss", "topk_accuracy", "error"};
  table.right_aligned = {false, true, true, true, true, true, false};
  for (const auto& m : models) {
    if (!m.error.empty()) {
      table.rows.push_back({m.path, markdown ? "error: " + m.error : "", "", "", "", ""});
      if (!markdown) table.rows.back().push_back(m.error);
      continue;
    }
    const auto& r = m.result;
    table.rows.push_back({m.path, std::to_string(m.shift.dx), std::to_string(m.shift.dy),
                          markdown ? percent(r.accuracy()) : number(r.accuracy(), 6),
                          number(r.mean_loss(), markdown ? 4 : 6),
                          markdown ? percent(r.topk_accuracy()) : number(r.topk_accuracy(), 6)});
    if (!markdown) table.rows.back().emplace_back();
  }
  if (markdown) return cli::write_markdown(out, table);
  cli::write_delimited(out, table, format == cli::Format::csv ? ',' : '\t');
}

PredictionWriter::PredictionWriter(std::ostream& out, cli::Format format)
    : out_(out), format_(format), separator_(format == cli::Format::tsv ? '\t' : ',') {
  if (format_ != cli::Format::json)
    cli::write_delimited_row(
        out_, {"model", "index", "label", "predicted", "class_name", "confidence", "top_k"},
        separator_);
}

void PredictionWriter::write(const std::string& model, const Prediction& p,
                             const std::vector<std::string>& class_names) {
  if (format_ == cli::Format::json) {
    nlohmann::ordered_json j = {{"model", model}, {"index", p.index}, {"label", p.label}};
    add_prediction_keys(j, p, class_names);
    out_ << cli::json_text(j) << '\n';
    return;
  }
  std::vector<std::string> cells{model, std::to_string(p.index), std::to_string(p.label)};
  const auto rest = prediction_cells(p, class_names);
  cells.insert(cells.end(), rest.begin(), rest.end());
  cli::write_delimited_row(out_, cells, separator_);
}

}  // namespace nin::eval_tool
