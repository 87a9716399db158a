// The checks and locks of output files: what check_output_path, check_replaceable and
// check_distinct_files refuse (with the error type and the message's content), the atomic write's
// own checks, and OutputLock between two holders.

#include <sys/stat.h>
#include <unistd.h>

#include <boost/test/unit_test.hpp>
#include <cstddef>
#include <filesystem>
#include <functional>
#include <string>
#include <utility>
#include <vector>

#include "data_test_files.hpp"
#include "message_checks.hpp"
#include "nin/core/error.hpp"
#include "nin/data/dataset.hpp"
#include "nin/io/atomic_file.hpp"
#include "nin/io/output_lock.hpp"
#include "nin/io/output_path.hpp"

namespace {

namespace fs = std::filesystem;
using nin::NamedFile;
using nin::test::TempDir;
using nin::test::write_text;

using nin::test::check_throws;

const std::vector<std::byte> kBytes(100, std::byte{7});

}  // namespace

BOOST_AUTO_TEST_SUITE(output_path)

BOOST_AUTO_TEST_CASE(a_regular_file_or_a_new_name_is_a_valid_output) {
  TempDir dir;
  write_text(dir.path() / "old.h5", "x");
  nin::check_output_path(dir.path() / "old.h5", "-o");
  nin::check_output_path(dir.path() / "new.h5", "-o");
}

// Only checked: nothing is written, so the system's /dev/null is safe even if the check failed.
BOOST_AUTO_TEST_CASE(a_device_is_refused_naming_the_option_and_the_kind) {
  check_throws<nin::IoError>(
      [] { nin::check_output_path("/dev/null", "-o"); },
      {"-o '/dev/null': not a regular file (a character device)", "regular files only"});
  BOOST_TEST(fs::is_character_file("/dev/null"));
}

BOOST_AUTO_TEST_CASE(a_fifo_a_directory_and_a_symbolic_link_are_refused) {
  TempDir dir;
  const fs::path fifo = dir.path() / "pipe.h5", sub = dir.subdir("sub.h5");
  BOOST_REQUIRE(::mkfifo(fifo.c_str(), 0600) == 0);
  check_throws<nin::IoError>([&] { nin::check_output_path(fifo, "--checkpoint"); },
                             {"--checkpoint '" + fifo.string() + "'", "(a FIFO)"});
  check_throws<nin::IoError>([&] { nin::check_output_path(sub); },
                             {"'" + sub.string() + "': is a directory"});
  write_text(dir.path() / "target.h5", "x");
  fs::create_symlink("target.h5", dir.path() / "link.h5");
  check_throws<nin::IoError>([&] { nin::check_output_path(dir.path() / "link.h5", "-o"); },
                             {"link.h5': is a symbolic link", "give the target's path"});
}

// The atomic write checks on its own, before writing and again just before its rename.
BOOST_AUTO_TEST_CASE(the_atomic_write_does_not_rename_over_a_fifo) {
  TempDir dir;
  const fs::path fifo = dir.path() / "pipe.h5";
  BOOST_REQUIRE(::mkfifo(fifo.c_str(), 0600) == 0);
  check_throws<nin::IoError>([&] { nin::write_file_atomically(fifo, kBytes); }, {"(a FIFO)"});
  BOOST_TEST(fs::is_fifo(fifo));
  BOOST_TEST(std::distance(fs::directory_iterator(dir.path()), fs::directory_iterator()) == 1);
}

BOOST_AUTO_TEST_CASE(the_atomic_write_does_not_follow_a_link_at_its_temporary_name) {
  TempDir dir;
  write_text(dir.path() / "victim", "keep");
  const fs::path temporary = dir.path() / ("model.h5.tmp-" + std::to_string(::getpid()));
  fs::create_symlink(dir.path() / "victim", temporary);
  check_throws<nin::IoError>([&] { nin::write_file_atomically(dir.path() / "model.h5", kBytes); },
                             {"model.h5'", "cannot create"});
  BOOST_TEST(fs::file_size(dir.path() / "victim") == 4u);
  BOOST_TEST(!fs::exists(dir.path() / "model.h5"));
}

BOOST_AUTO_TEST_CASE(outputs_that_are_one_file_are_refused) {
  TempDir dir;
  const fs::path model = dir.path() / "m.h5";
  // The same name spelt two ways, before the file exists.
  const std::vector<NamedFile> spelt{{"-o", model},
                                     {"--log", dir.path() / "." / "x" / ".." / "m.h5"}};
  check_throws<nin::UsageError>([&] { nin::check_distinct_files(spelt, {}); },
                                {"--log '", "the same file as -o '" + model.string() + "'",
                                 "each output needs a file of its own"});
  // Two names of one file.
  write_text(model, "x");
  fs::create_hard_link(model, dir.path() / "hard.h5");
  const std::vector<NamedFile> linked{{"-o", model}, {"--checkpoint", dir.path() / "hard.h5"}};
  check_throws<nin::UsageError>([&] { nin::check_distinct_files(linked, {}); },
                                {"--checkpoint '", "hard.h5': the same file as -o"});
  const std::vector<NamedFile> distinct{{"-o", model}, {"--checkpoint", dir.path() / "c.h5"}};
  nin::check_distinct_files(distinct, {});
}

BOOST_AUTO_TEST_CASE(an_output_that_is_an_input_is_refused) {
  TempDir dir;
  const fs::path data = dir.path() / "data.h5";
  write_text(data, "x");
  const std::vector<NamedFile> outputs{{"-o", data}};
  const std::vector<NamedFile> inputs{{"--data", data}};
  check_throws<nin::UsageError>(
      [&] { nin::check_distinct_files(outputs, inputs); },
      {"-o '" + data.string() + "': the same file as --data '", "never writes over its inputs"});
  // A file of a data set directory, reached through a symbolic link; other files there are no
  // input.
  const fs::path idx = dir.subdir("idx");
  write_text(idx / "train-images-idx3-ubyte", "x");
  write_text(idx / "model.h5", "x");
  fs::create_symlink(idx / "train-images-idx3-ubyte", dir.path() / "images.h5");
  std::vector<NamedFile> idx_files;
  for (const auto& file : nin::dataset_files(idx)) idx_files.push_back({"--data", file});
  BOOST_TEST(idx_files.size() == 1u);
  const std::vector<NamedFile> linked{{"-o", dir.path() / "images.h5"}};
  check_throws<nin::UsageError>(
      [&] { nin::check_distinct_files(linked, idx_files); },
      {"images.h5': the same file as --data '" + (idx / "train-images-idx3-ubyte").string() + "'"});
  const std::vector<NamedFile> beside{{"-o", idx / "model.h5"}};
  nin::check_distinct_files(beside, idx_files);
}

BOOST_AUTO_TEST_CASE(a_resumed_checkpoint_may_be_rewritten_by_the_output_that_continues_it) {
  TempDir dir;
  const fs::path checkpoint = dir.path() / "m.ckpt.h5";
  write_text(checkpoint, "x");
  const std::vector<NamedFile> inputs{{"--resume", checkpoint, "--checkpoint"}};
  const std::vector<NamedFile> continued{{"-o", dir.path() / "m.h5"}, {"--checkpoint", checkpoint}};
  nin::check_distinct_files(continued, inputs);
  const std::vector<NamedFile> overwritten{{"-o", checkpoint}};
  check_throws<nin::UsageError>([&] { nin::check_distinct_files(overwritten, inputs); },
                                {"-o '", "the same file as --resume"});
}

BOOST_AUTO_TEST_SUITE_END()

BOOST_AUTO_TEST_SUITE(output_lock)

BOOST_AUTO_TEST_CASE(a_second_writer_is_refused_until_the_first_is_done) {
  TempDir dir;
  const fs::path model = dir.path() / "m.h5";
  {
    nin::OutputLock first(model, "-o");
    BOOST_TEST(fs::exists(nin::OutputLock::lock_path_for(model)));
    // flock locks belong to open files, so a second open in the same process conflicts too.
    check_throws<nin::IoError>(
        [&] { nin::OutputLock second(model, "-o"); },
        {"-o '" + model.string() + "': another nin process is writing it (pid " +
         std::to_string(::getpid()) + ")"});
    nin::OutputLock moved(std::move(first));
    check_throws<nin::IoError>([&] { nin::OutputLock second(model); }, {"another nin process"});
  }
  BOOST_TEST(!fs::exists(nin::OutputLock::lock_path_for(model)));
  nin::OutputLock again(model);
}

BOOST_AUTO_TEST_CASE(a_lock_file_that_is_a_symbolic_link_is_refused) {
  TempDir dir;
  write_text(dir.path() / "elsewhere", "keep");
  fs::create_symlink(dir.path() / "elsewhere", dir.path() / "m.h5.lock");
  check_throws<nin::IoError>([&] { nin::OutputLock lock(dir.path() / "m.h5", "-o"); },
                             {"the lock file '", "is a symbolic link"});
  BOOST_TEST(fs::file_size(dir.path() / "elsewhere") == 4u);
}

BOOST_AUTO_TEST_SUITE_END()
