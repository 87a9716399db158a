#pragma once
// A small RAII layer over the HDF5 C API, shared by the model files and the data set readers.
// - Every id is owned by a move-only handle of its kind that closes it with the right H5?close, so
//   no id leaks on an error path.
// - HDF5's automatic error printing is switched off (once per thread, the error stack is per
//   thread); failures surface only as typed exceptions whose message starts with the file path:
//   IoError when a file cannot be opened, created or written, FormatError when it holds something
//   unexpected (not HDF5, a missing object, a wrong type or shape, unreadable data).
// - <hdf5.h> is not included here: ids are std::int64_t (HDF5's hid_t), so code built without the
//   HDF5 include directories (the tests) can use the wrapper too.
// HDF5 is thread-safe in Debian's build but serialises every call behind one lock; do not expect
// parallel reads to scale.

#include <cstddef>
#include <cstdint>
#include <filesystem>
#include <span>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

namespace nin::hdf5 {

using Id = std::int64_t;  // hid_t

enum class Kind { file, group, dataset, dataspace, datatype, attribute, property_list };

// The HDF5 library in use, as H5get_libversion says: "1.10.8".
std::string library_version();

// Closes `id` with the H5?close of its kind; failures are ignored (called from destructors).
void close_id(Kind kind, Id id) noexcept;

// Owns one HDF5 id of kind K; an id < 0 means "none".
template <Kind K>
class Handle {
 public:
  Handle() = default;
  explicit Handle(Id id) : id_(id) {}  // takes ownership
  ~Handle() { reset(); }
  Handle(const Handle&) = delete;
  Handle& operator=(const Handle&) = delete;
  Handle(Handle&& other) noexcept : id_(std::exchange(other.id_, -1)) {}
  Handle& operator=(Handle&& other) noexcept {
    if (this != &other) {
      reset();
      id_ = std::exchange(other.id_, -1);
    }
    return *this;
  }

  Id get() const { return id_; }
  explicit operator bool() const { return id_ >= 0; }
  Id release() { return std::exchange(id_, -1); }
  void reset() {
    if (id_ >= 0) close_id(K, std::exchange(id_, -1));
  }

 private:
  Id id_ = -1;
};

using File = Handle<Kind::file>;
using Group = Handle<Kind::group>;
using Dataset = Handle<Kind::dataset>;
using Dataspace = Handle<Kind::dataspace>;
using Datatype = Handle<Kind::datatype>;
using Attribute = Handle<Kind::attribute>;
using PropertyList = Handle<Kind::property_list>;

// A non-owning reference to an object that holds links and attributes: a file (meaning its root
// group), a group or a dataset (attributes only).
class Object {
 public:
  Object(const File& file) : id_(file.get()) {}           // NOLINT: implicit by design
  Object(const Group& group) : id_(group.get()) {}        // NOLINT
  Object(const Dataset& dataset) : id_(dataset.get()) {}  // NOLINT
  Id id() const { return id_; }

 private:
  Id id_;
};

// For messages: the file an object belongs to, as it was opened; the object's path in the file
// ("/layers/conv1"); and both as "'model.h5': /layers/conv1".
std::string file_name(Object object);
std::string object_path(Object object);
std::string describe(Object object);

// ---- Files

// Opens an existing file for reading. IoError "'x': no such file" / "is a directory, expected a
// file" / "cannot open: <reason>"; FormatError "'x': not an HDF5 file" (also for a file HDF5
// recognises but cannot open, e.g. truncated, with HDF5's reason appended).
File open_file_read_only(const std::filesystem::path& path);

// Creates (or truncates) a file for writing; IoError naming the path when that fails.
// Beware: when a write to disk fails (disk full), HDF5 1.10 cannot close the file cleanly and may
// crash when the process exits. Files that matter are better built with create_in_memory_file()
// and written out with file_image() (as save_model does).
File create_file(const std::filesystem::path& path);

// Creates a file that lives in memory only (HDF5's core driver, nothing touches the disk); `name`
// is what messages call it.
File create_in_memory_file(const std::string& name);

// The bytes of an open file (flushed first): what it holds, or would hold, on disk.
std::vector<std::byte> file_image(const File& file);

// Opens an existing file for changing it in place; the same errors as open_file_read_only.
File open_file_read_write(const std::filesystem::path& path);

// Flushes and closes a file opened for writing; throws IoError when HDF5 reports a failure (a
// destructor would have to ignore it). Every object of the file must already be closed.
void close_file(File& file);

// ---- Groups and links (`name` is one link name or a relative path such as "layers/conv1")

enum class ObjectType { none, group, dataset, other };

// What `name` leads to (none when no such link, or a link in the path is missing).
ObjectType object_type(Object parent, const std::string& name);
bool has_link(Object parent, const std::string& name);
// Names of the links directly under `parent`, in byte order.
std::vector<std::string> link_names(Object parent);

Group create_group(Object parent, const std::string& name);
// Removes a link (a group with everything under it, or a dataset); IoError when that fails.
void remove_link(Object parent, const std::string& name);
// FormatError "'x': missing group /a/b" (or "... is not a group").
Group open_group(Object parent, const std::string& name);
// FormatError "'x': missing dataset /a/b" (or "... is not a dataset").
Dataset open_dataset(Object parent, const std::string& name);

// ---- Datasets

enum class TypeClass { integer, floating, string, other };

struct DatasetInfo {
  TypeClass type_class = TypeClass::other;
  std::size_t type_size = 0;  // bytes per element
  bool is_signed = false;     // integers only
  std::vector<std::uint64_t> dims;
  std::uint64_t elements() const;
  bool is_float32() const { return type_class == TypeClass::floating && type_size == 4; }
};

DatasetInfo dataset_info(const Dataset& dataset);
// "float32", "float64", "int32", "uint8", "string", "other"
std::string type_name(const DatasetInfo& info);
// "[192,96,3,3]"; "[]" for a scalar
std::string dims_text(std::span<const std::uint64_t> dims);
std::string dims_text(std::span<const std::int64_t> dims);

// Element types of write_dataset / read_dataset / read_rows: float, double, std::uint8_t,
// std::int32_t, std::int64_t. A dataset is written contiguous, little-endian, in the element's own
// type; reading converts from the file's type to T (HDF5 conversion rules), so check
// dataset_info() first where the file's type matters.
template <typename T>
void write_dataset(Object parent, const std::string& name, std::span<const std::uint64_t> dims,
                   const T* data);
// Reads the whole dataset; out.size() must equal its number of elements (FormatError otherwise).
template <typename T>
void read_dataset(const Dataset& dataset, std::span<T> out);
// Reads rows [first, first + count) along the first dimension; out.size() must be count times the
// elements of one row.
template <typename T>
void read_rows(const Dataset& dataset, std::uint64_t first, std::uint64_t count, std::span<T> out);

// ---- Attributes (of a file's root group, a group or a dataset)
// Writers create or replace the attribute. Readers throw FormatError naming the object when the
// attribute is missing, has another type class (an integer is not read as a string) or another
// rank (scalars: a scalar or one-element dataspace; arrays: rank 1, or empty).

bool has_attribute(Object object, const std::string& name);
std::vector<std::string> attribute_names(Object object);

void write_int64_attribute(Object object, const std::string& name, std::int64_t value);
void write_uint64_attribute(Object object, const std::string& name, std::uint64_t value);
void write_double_attribute(Object object, const std::string& name, double value);
// A variable-length UTF-8 string (h5dump prints it as text).
void write_string_attribute(Object object, const std::string& name, std::string_view value);
void write_float_array_attribute(Object object, const std::string& name,
                                 std::span<const float> values);
void write_int64_array_attribute(Object object, const std::string& name,
                                 std::span<const std::int64_t> values);
void write_uint64_array_attribute(Object object, const std::string& name,
                                  std::span<const std::uint64_t> values);
void write_string_array_attribute(Object object, const std::string& name,
                                  std::span<const std::string> values);

std::int64_t read_int64_attribute(Object object, const std::string& name);
std::uint64_t read_uint64_attribute(Object object, const std::string& name);
double read_double_attribute(Object object, const std::string& name);
// Variable-length or fixed-length strings (fixed-length ones lose their trailing NULs).
std::string read_string_attribute(Object object, const std::string& name);
std::vector<float> read_float_array_attribute(Object object, const std::string& name);
std::vector<std::int64_t> read_int64_array_attribute(Object object, const std::string& name);
std::vector<std::uint64_t> read_uint64_array_attribute(Object object, const std::string& name);
std::vector<std::string> read_string_array_attribute(Object object, const std::string& name);

}  // namespace nin::hdf5
