// Makes broken model files for the black-box tests from a good one:
//   model_fixture drop-layer MODEL LAYER        removes /layers/LAYER
//   model_fixture reshape MODEL LAYER DATASET   replaces /layers/LAYER/DATASET by a [2, 3] one
//   model_fixture external-link MODEL LAYER DATASET OTHER
//                                               replaces it by a link to the same object in OTHER
//   model_fixture soft-link MODEL LAYER DATASET  moves it to /moved, soft-linked from its name
//   model_fixture dataset FILE                  writes a data set of 100 patterned 28×28 images
//   model_fixture set MODEL LAYER DATASET INDEX VALUE
//                                               sets one value of /layers/LAYER/DATASET ("nan",
//                                               "inf", "-1", ...)
//   model_fixture attribute MODEL GROUP NAME TEXT
//                                               sets the string attribute NAME of /GROUP to TEXT
#include <hdf5.h>

#include <cstdint>
#include <cstring>
#include <iostream>
#include <span>
#include <stdexcept>
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
    const bool external = argc == 6 && std::strcmp(argv[1], "external-link") == 0;
    if (external || (argc == 5 && std::strcmp(argv[1], "soft-link") == 0)) {
      h5::File file = h5::open_file_read_write(argv[2]);
      {
        h5::Group layers = h5::open_group(file, "layers");
        h5::Group layer = h5::open_group(layers, argv[3]);
        const std::string name = argv[4];
        const std::string target = "/layers/" + std::string(argv[3]) + "/" + name;
        herr_t status;
        if (external) {
          h5::remove_link(layer, name);
          status = H5Lcreate_external(argv[5], target.c_str(), layer.get(), name.c_str(),
                                      H5P_DEFAULT, H5P_DEFAULT);
        } else {
          // The data moves to the root and its name becomes a soft link to it.
          status =
              H5Lmove(layer.get(), name.c_str(), file.get(), "moved", H5P_DEFAULT, H5P_DEFAULT);
          if (status >= 0)
            status = H5Lcreate_soft("/moved", layer.get(), name.c_str(), H5P_DEFAULT, H5P_DEFAULT);
        }
        if (status < 0) throw std::runtime_error("cannot create the link");
      }
      h5::close_file(file);
      return 0;
    }
    if (argc == 3 && std::strcmp(argv[1], "dataset") == 0) {
      // At the root, so both splits read it; labels cycle through the 10 classes.
      h5::File file = h5::create_file(argv[2]);
      const std::uint64_t count = 100, image_dims[] = {count, 1, 28, 28}, label_dims[] = {count};
      std::vector<std::uint8_t> images(count * 28 * 28);
      for (std::size_t i = 0; i < images.size(); ++i)
        images[i] = static_cast<std::uint8_t>(i * 37 % 256);
      std::vector<std::int32_t> labels(count);
      for (std::size_t i = 0; i < labels.size(); ++i) labels[i] = static_cast<std::int32_t>(i % 10);
      h5::write_dataset<std::uint8_t>(file, "images", image_dims, images.data());
      h5::write_dataset<std::int32_t>(file, "labels", label_dims, labels.data());
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
  std::cerr << "usage: model_fixture drop-layer MODEL LAYER | reshape MODEL LAYER DATASET |\n"
               "       external-link MODEL LAYER DATASET OTHER | soft-link MODEL LAYER DATASET |\n"
               "       dataset FILE | set MODEL LAYER DATASET INDEX VALUE |\n"
               "       attribute MODEL GROUP NAME TEXT\n";
  return 2;
}
