#include "nin-params/report.hpp"

#include <cstdio>
#include <nlohmann/json.hpp>

#include "common/table.hpp"

namespace nin::params {
namespace {

struct Words {
  std::vector<std::string> header;
  std::string total;
  std::string note;  // printed under the Markdown table; %lld is the batch
  std::string fc_note;
};

Words words(Language language) {
  if (language == Language::zh)
    return {
        {"网络层", "输入尺寸", "核尺寸", "输出尺寸", "参数个数", "参数量", "乘加次数", "激活内存"},
        "合计",
        "乘加次数：卷积的乘加运算次数，每张图像（1 MAC = 2 FLOPs）。激活内存：各层 float32 输出，"
        "批大小 %lld；ReLU 与 dropout 原地计算。",
        "以全连接分类层代替全局平均采样：%s → %lld 需要 %s = %s 个参数、%s 次乘加；"
        "网络参数总数将为 %s（%.1f 倍）。"};
  return {
      {"Layer", "Input size", "Kernel", "Output size", "Parameters", "Param count", "MACs",
       "Activations"},
      "Total",
      "MACs: multiply-accumulates of the convolutions per image (1 MAC = 2 FLOPs). Activations: "
      "float32 layer outputs for a batch of %lld; ReLU and dropout work in place.",
      "Fully connected classifier in place of global average pooling: %s → %lld needs %s = %s "
      "parameters and %s MACs; the network would have %s parameters (%.1f× as many)."};
}

template <typename... Args>
std::string format(const std::string& pattern, Args... args) {
  const int size = std::snprintf(nullptr, 0, pattern.c_str(), args...);
  std::string text(static_cast<std::size_t>(size) + 1, '\0');
  std::snprintf(text.data(), text.size(), pattern.c_str(), args...);
  text.resize(static_cast<std::size_t>(size));
  return text;
}

nlohmann::ordered_json hwc_array(const Shape& s) {
  return {s.height, s.width, s.channels};
}

void write_json(std::ostream& out, const NetworkSpec& spec, const std::vector<LayerRow>& rows,
                const LayerCost& total, const ReportOptions& options) {
  using json = nlohmann::ordered_json;
  json layers = json::array();
  for (const auto& row : rows)
    layers.push_back({{"name", row.name},
                      {"type", row.type},
                      {"kind", row.kind},
                      {"input", hwc_array(row.input)},
                      {"output", hwc_array(row.output)},
                      {"kernel", row.kernel},
                      {"params_formula", row.formula},
                      {"params", row.cost.parameters},
                      {"macs", row.cost.macs},
                      {"activation_bytes",
                       activation_bytes(spec, row.cost.activation_elements, options.batch)}});
  json doc = {
      {"network", spec.name.empty() ? spec.source : spec.name},
      {"input", hwc_array(spec.input)},
      {"classes", spec.classes},
      {"batch", options.batch},
      {"conventions",
       {{"shapes", "[height, width, channels]"},
        {"macs", "multiply-accumulates of convolutions per image; 1 MAC = 2 FLOPs"},
        {"activation_bytes",
         "float32 layer outputs for the whole batch; ReLU and dropout in place"}}},
      {"layers", std::move(layers)},
      {"totals",
       {{"params", total.parameters},
        {"macs", total.macs},
        {"activation_bytes", activation_bytes(spec, total.activation_elements, options.batch)}}}};
  if (options.compare_fc) {
    const auto head = fully_connected_head(spec);
    if (head)
      doc["compare_fc"] = {{"input", hwc_array(head->input)},
                           {"classes", head->classes},
                           {"params_formula", head->formula},
                           {"params", head->parameters},
                           {"macs", head->macs},
                           {"network_params_with_fc", total.parameters + head->parameters}};
    else
      doc["compare_fc"] = nullptr;
  }
  out << cli::json_text(doc, 2) << "\n";
}

}  // namespace

void write_report(std::ostream& out, const NetworkSpec& spec, const ReportOptions& options) {
  const auto rows = layer_rows(spec, options.language);
  const auto total = network_cost(spec);
  if (options.format == cli::Format::json) return write_json(out, spec, rows, total, options);

  const bool markdown = options.format == cli::Format::md;
  const auto count = [&](std::int64_t n) {
    return markdown ? cli::with_thousands(n) : std::to_string(n);
  };
  const auto bytes = [&](std::int64_t elements) {
    const auto b = activation_bytes(spec, elements, options.batch);
    return markdown ? cli::human_bytes(b) : std::to_string(b);
  };
  const Words text = words(options.language);
  cli::Table table;
  table.header =
      markdown ? text.header : std::vector<std::string>{"layer",  "kind",   "input",
                                                        "kernel", "output", "params_formula",
                                                        "params", "macs",   "activation_bytes"};
  table.right_aligned.assign(table.header.size(), false);
  for (std::size_t i = table.header.size() - 3; i < table.header.size(); ++i)
    table.right_aligned[i] = true;
  for (const auto& row : rows) {
    std::vector<std::string> cells;
    if (markdown)
      cells = {row.kind + " " + row.name};
    else
      cells = {row.name, row.kind};
    for (auto& cell :
         {hwc_text(row.input), row.kernel, hwc_text(row.output), row.formula,
          count(row.cost.parameters), count(row.cost.macs), bytes(row.cost.activation_elements)})
      cells.push_back(cell);
    table.rows.push_back(std::move(cells));
  }
  std::vector<std::string> totals(table.header.size());
  totals[0] = markdown ? text.total : "total";
  totals[totals.size() - 3] = count(total.parameters);
  totals[totals.size() - 2] = count(total.macs);
  totals[totals.size() - 1] = bytes(total.activation_elements);
  table.rows.push_back(totals);

  const auto head = options.compare_fc ? fully_connected_head(spec) : std::nullopt;
  if (!markdown) {
    if (head)
      table.rows.push_back({"fc_instead_of_gap", "fully connected", hwc_text(head->input), "",
                            "1"
                            "×"
                            "1"
                            "×" +
                                std::to_string(head->classes),
                            head->formula, count(head->parameters), count(head->macs), ""});
    cli::write_delimited(out, table, options.format == cli::Format::csv ? ',' : '\t');
    return;
  }
  cli::write_markdown(out, table);
  out << "\n" << format(text.note, static_cast<long long>(options.batch)) << "\n";
  if (head) {
    const double ratio = static_cast<double>(total.parameters + head->parameters) /
                         static_cast<double>(total.parameters);
    out << "\n"
        << format(text.fc_note, hwc_text(head->input).c_str(),
                  static_cast<long long>(head->classes), head->formula.c_str(),
                  cli::with_thousands(head->parameters).c_str(),
                  cli::with_thousands(head->macs).c_str(),
                  cli::with_thousands(total.parameters + head->parameters).c_str(), ratio)
        << "\n";
  } else if (options.compare_fc) {
    out << "\n(no global average pooling to compare with)\n";
  }
}

}  // namespace nin::params
