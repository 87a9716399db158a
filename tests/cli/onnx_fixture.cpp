// ONNX files for the black-box tests of nin-convert, made with the ONNX protobuf API:
//   onnx_fixture export SPEC.json OUT.onnx       a randomly initialised model of SPEC, exported,
//                                                with inputs normalised as (x − 127.5) / 64
//   onnx_fixture check FILE.onnx                 runs onnx::checker::check_model on FILE
//   onnx_fixture break KIND IN.onnx OUT.onnx     IN with one thing wrong; KIND is one of
//       unsupported-op  the first Relu becomes LRN
//       conv-group      the last Conv gets group 2
//       conv-dilation   the first Conv gets dilations [2, 2]
//       two-inputs      a second graph input
//       weight-shape    the last Conv's weight claims one input channel more (data to match)
//       conv-huge-pads  the first Conv gets pads of 2^62 − 1 at every end
#include <onnx/checker.h>
#include <onnx/onnx_pb.h>

#include <cstring>
#include <fstream>
#include <iostream>
#include <sstream>
#include <string>

#include "nin/net/network.hpp"
#include "nin/onnx/onnx_export.hpp"
#include "nin/spec/network_spec.hpp"

namespace {

onnx::ModelProto read_model(const char* path) {
  std::ifstream in(path, std::ios::binary);
  std::ostringstream bytes;
  bytes << in.rdbuf();
  onnx::ModelProto model;
  if (!in || !model.ParseFromString(bytes.str()))
    throw std::runtime_error(std::string(path) + ": not a readable ONNX model");
  return model;
}

void write_bytes(const char* path, const std::string& bytes) {
  std::ofstream out(path, std::ios::binary);
  out << bytes;
  if (!out) throw std::runtime_error(std::string(path) + ": cannot write");
}

onnx::NodeProto* find_node(onnx::ModelProto& model, const std::string& op, bool last) {
  onnx::NodeProto* found = nullptr;
  for (auto& node : *model.mutable_graph()->mutable_node())
    if (node.op_type() == op) {
      found = &node;
      if (!last) break;
    }
  if (!found) throw std::runtime_error("the model has no " + op + " node");
  return found;
}

onnx::AttributeProto* attribute(onnx::NodeProto& node, const char* name) {
  for (auto& a : *node.mutable_attribute())
    if (a.name() == name) return &a;
  throw std::runtime_error("node " + node.name() + " has no attribute " + name);
}

void break_model(onnx::ModelProto& model, const std::string& kind) {
  if (kind == "unsupported-op") {
    find_node(model, "Relu", false)->set_op_type("LRN");
  } else if (kind == "conv-group") {
    attribute(*find_node(model, "Conv", true), "group")->set_i(2);
  } else if (kind == "conv-dilation") {
    auto* dilations = attribute(*find_node(model, "Conv", false), "dilations");
    dilations->set_ints(0, 2);
    dilations->set_ints(1, 2);
  } else if (kind == "conv-huge-pads") {
    auto* pads = attribute(*find_node(model, "Conv", false), "pads");
    for (int i = 0; i < pads->ints_size(); ++i) pads->set_ints(i, (std::int64_t{1} << 62) - 1);
  } else if (kind == "two-inputs") {
    auto* second = model.mutable_graph()->add_input();
    *second = model.graph().input(0);
    second->set_name("second_input");
  } else if (kind == "weight-shape") {
    const std::string weight = find_node(model, "Conv", true)->input(1);
    for (auto& t : *model.mutable_graph()->mutable_initializer()) {
      if (t.name() != weight) continue;
      t.set_dims(1, t.dims(1) + 1);
      std::int64_t count = 1;
      for (const auto d : t.dims()) count *= d;
      t.mutable_raw_data()->resize(static_cast<std::size_t>(count) * sizeof(float));
    }
  } else {
    throw std::runtime_error("unknown kind " + kind);
  }
}

}  // namespace

int main(int argc, char** argv) {
  try {
    if (argc == 4 && std::strcmp(argv[1], "export") == 0) {
      nin::Network network(nin::load_network_spec(argv[2]), 1, nin::NetworkUse::inference);
      network.initialize(11);
      nin::ModelInfo info;
      const auto channels = static_cast<std::size_t>(network.spec().input.channels);
      info.normalization = {std::vector<float>(channels, 127.5f), std::vector<float>(channels, 64)};
      info.provenance.tool_version = "onnx_fixture";
      write_bytes(argv[3], nin::export_onnx(network, info, {}).bytes);
      return 0;
    }
    if (argc == 3 && std::strcmp(argv[1], "check") == 0) {
      onnx::checker::check_model(read_model(argv[2]));
      std::cout << "onnx::checker::check_model: ok\n";
      return 0;
    }
    if (argc == 5 && std::strcmp(argv[1], "break") == 0) {
      onnx::ModelProto model = read_model(argv[3]);
      break_model(model, argv[2]);
      std::string bytes;
      model.SerializeToString(&bytes);
      write_bytes(argv[4], bytes);
      return 0;
    }
  } catch (const std::exception& e) {
    std::cerr << "onnx_fixture: " << e.what() << "\n";
    return 1;
  }
  std::cerr << "usage: onnx_fixture export SPEC OUT | check FILE | break KIND IN OUT\n";
  return 2;
}
