// Makes broken model files for the black-box tests from a good one:
//   model_fixture drop-layer MODEL LAYER        removes /layers/LAYER
//   model_fixture reshape MODEL LAYER DATASET   replaces /layers/LAYER/DATASET by a [2, 3] one
//   model_fixture set MODEL LAYER DATASET INDEX VALUE
//                                               sets one value of /layers/LAYER/DATASET ("nan",
//                                               "inf", "-1", ...)
//   model_fixture attribute MODEL GROUP NAME TEXT
//                                               sets the string attribute NAME of /GROUP to TEXT
#include <cstring>
#include <iostream>
#include <string>
#include <vector>

#include "nin/io/hdf5.hpp"

int main(int argc, char** argv) {
  namespace h5 = nin::hdf5;
  try {
    if (argc == 4 && std::strcmp(argv[1], "drop-layer") == 0) {
      h5::File file = h5::open_file_read_write(argv[2]);
      {
        h5::Group layers = h5::open_group(file, "layers");
        h5::remove_link(layers, argv[3]);
      }
      h5::close_file(file);
      return 0;
    }
    if (argc == 5 && std::strcmp(argv[1], "reshape") == 0) {
      h5::File file = h5::open_file_read_write(argv[2]);
      {
        h5::Group layers = h5::open_group(file, "layers");
        h5::Group layer = h5::open_group(layers, argv[3]);
        h5::remove_link(layer, argv[4]);
        const std::vector<float> values(6, 0.5f);
        const std::uint64_t dims[] = {2, 3};
        h5::write_dataset<float>(layer, argv[4], dims, values.data());
      }
      h5::close_file(file);
      return 0;
    }
    if (argc == 6 && std::strcmp(argv[1], "attribute") == 0) {
      h5::File file = h5::open_file_read_write(argv[2]);
      {
        h5::Group group = h5::open_group(file, argv[3]);
        h5::write_string_attribute(group, argv[4], argv[5]);
      }
      h5::close_file(file);
      return 0;
    }
    if (argc == 7 && std::strcmp(argv[1], "set") == 0) {
      h5::File file = h5::open_file_read_write(argv[2]);
      {
        h5::Group layers = h5::open_group(file, "layers");
        h5::Group layer = h5::open_group(layers, argv[3]);
        std::vector<std::uint64_t> dims;
        std::vector<float> values;
        {
          const h5::Dataset dataset = h5::open_dataset(layer, argv[4]);
          dims = h5::dataset_info(dataset).dims;
          std::uint64_t count = 1;
          for (const auto d : dims) count *= d;
          values.resize(count);
          h5::read_dataset<float>(dataset, std::span<float>(values));
        }
        values.at(std::stoul(argv[5])) = std::stof(argv[6]);
        h5::remove_link(layer, argv[4]);
        h5::write_dataset<float>(layer, argv[4], dims, values.data());
      }
      h5::close_file(file);
      return 0;
    }
  } catch (const std::exception& e) {
    std::cerr << "model_fixture: " << e.what() << "\n";
    return 1;
  }
  std::cerr << "usage: model_fixture drop-layer MODEL LAYER | reshape MODEL LAYER DATASET | set "
               "MODEL LAYER DATASET INDEX VALUE | attribute MODEL GROUP NAME TEXT\n";
  return 2;
}
