#include "nin/io/hdf5.hpp"

#include <fcntl.h>
#include <hdf5.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>
#include <system_error>
#include <type_traits>

#include "nin/core/error.hpp"

namespace nin::hdf5 {

static_assert(std::is_same_v<hid_t, Id>, "hdf5.hpp assumes hid_t is std::int64_t (HDF5 >= 1.10)");
static_assert(sizeof(hsize_t) == sizeof(std::uint64_t));  // but a distinct type on LP64

namespace {

// Switches off HDF5's printing of its error stack, once per thread (the stack is per thread).
void init() {
  thread_local const bool done = [] {
    H5Eset_auto2(H5E_DEFAULT, nullptr, nullptr);
    // Filter plugins are code from outside the file's reader: a file that names one is refused
    // rather than loading it (nin writes no filters; deflate and shuffle are built in).
    H5PLset_loading_state(0);
    return true;
  }();
  (void)done;
}

// The most specific description on this thread's HDF5 error stack, which is then cleared. When
// HDF5 quotes the system's message ("..., error message = 'No such file or directory'"), only that
// message.
std::string hdf5_reason() {
  std::string reason;
  H5E_walk2_t walk = [](unsigned n, const H5E_error2_t* error, void* data) -> herr_t {
    if (n == 0 && error->desc) *static_cast<std::string*>(data) = error->desc;
    return 0;
  };
  H5Ewalk2(H5E_DEFAULT, H5E_WALK_UPWARD, walk, &reason);
  H5Eclear2(H5E_DEFAULT);
  const std::string marker = "error message = '";
  if (const auto at = reason.find(marker); at != std::string::npos) {
    const auto start = at + marker.size();
    const auto end = reason.find('\'', start);
    if (end != std::string::npos) reason = reason.substr(start, end - start);
  }
  return reason;
}

std::string with_reason(const std::string& what, const std::string& reason) {
  return reason.empty() ? what : what + ": " + reason;
}

std::string in_quotes(const std::filesystem::path& path) {
  return "'" + path.string() + "'";
}

std::vector<hsize_t> to_hsize(std::span<const std::uint64_t> dims) {
  return {dims.begin(), dims.end()};
}

std::string join_path(const std::string& parent, const std::string& name) {
  if (parent.empty() || parent == "/") return "/" + name;
  return parent + "/" + name;
}

[[noreturn]] void format_error(Object object, const std::string& what) {
  throw FormatError(describe(object) + ": " + what);
}

// An HDF5 call on `object` failed; the reason is taken from the error stack before describe()
// makes further HDF5 calls.
[[noreturn]] void write_failure(Object object, const std::string& what) {
  const std::string reason = hdf5_reason();
  throw IoError(with_reason(describe(object) + ": " + what, reason));
}
[[noreturn]] void read_failure(Object object, const std::string& what) {
  const std::string reason = hdf5_reason();
  throw FormatError(with_reason(describe(object) + ": " + what, reason));
}

// A link-creation property list that creates missing intermediate groups.
PropertyList intermediate_groups() {
  PropertyList list(H5Pcreate(H5P_LINK_CREATE));
  if (!list || H5Pset_create_intermediate_group(list.get(), 1) < 0)
    throw IoError("HDF5: cannot create a link-creation property list: " + hdf5_reason());
  return list;
}

PropertyList file_access(bool writing) {
  PropertyList list(H5Pcreate(H5P_FILE_ACCESS));
  if (!list) throw IoError("HDF5: cannot create a file-access property list: " + hdf5_reason());
  // A file closes only when none of its objects is open; close_file() then reports a leak.
  if (writing) H5Pset_fclose_degree(list.get(), H5F_CLOSE_SEMI);
  // External links lead to other files: never follow them (object_type refuses them by name).
  H5Pset_elink_cb(
      list.get(),
      [](const char*, const char*, const char*, const char*, unsigned*, hid_t, void*) -> herr_t {
        return -1;
      },
      nullptr);
#if H5_VERSION_GE(1, 10, 7)
  // Lock where the file system supports locks; do not fail where it does not (some NFS mounts).
  H5Pset_file_locking(list.get(), 1, 1);
#endif
  return list;
}

std::string class_text(H5T_class_t type_class) {
  switch (type_class) {
    case H5T_INTEGER:
      return "an integer";
    case H5T_FLOAT:
      return "a floating-point number";
    case H5T_STRING:
      return "a string";
    default:
      return "of another type";
  }
}

template <typename T>
struct Types;
template <>
struct Types<float> {
  static hid_t file() { return H5T_IEEE_F32LE; }
  static hid_t memory() { return H5T_NATIVE_FLOAT; }
};
template <>
struct Types<double> {
  static hid_t file() { return H5T_IEEE_F64LE; }
  static hid_t memory() { return H5T_NATIVE_DOUBLE; }
};
template <>
struct Types<std::uint8_t> {
  static hid_t file() { return H5T_STD_U8LE; }
  static hid_t memory() { return H5T_NATIVE_UINT8; }
};
template <>
struct Types<std::int32_t> {
  static hid_t file() { return H5T_STD_I32LE; }
  static hid_t memory() { return H5T_NATIVE_INT32; }
};
template <>
struct Types<std::int64_t> {
  static hid_t file() { return H5T_STD_I64LE; }
  static hid_t memory() { return H5T_NATIVE_INT64; }
};
template <>
struct Types<std::uint64_t> {
  static hid_t file() { return H5T_STD_U64LE; }
  static hid_t memory() { return H5T_NATIVE_UINT64; }
};

// A variable-length UTF-8 string type.
Datatype string_type() {
  Datatype type(H5Tcopy(H5T_C_S1));
  if (!type || H5Tset_size(type.get(), H5T_VARIABLE) < 0 ||
      H5Tset_cset(type.get(), H5T_CSET_UTF8) < 0)
    throw IoError("HDF5: cannot create a string type: " + hdf5_reason());
  return type;
}

// Replaces attribute `name` of `object` with `count` values (a scalar when `array` is false).
void write_attribute(Object object, const std::string& name, hid_t file_type, hid_t memory_type,
                     bool array, std::uint64_t count, const void* data) {
  init();
  const htri_t exists = H5Aexists(object.id(), name.c_str());
  if (exists < 0) write_failure(object, "cannot check attribute '" + name + "'");
  if (exists > 0 && H5Adelete(object.id(), name.c_str()) < 0)
    write_failure(object, "cannot replace attribute '" + name + "'");
  const hsize_t dims[1] = {count};
  Dataspace space(array ? H5Screate_simple(1, dims, nullptr) : H5Screate(H5S_SCALAR));
  if (!space) write_failure(object, "cannot create the dataspace of attribute '" + name + "'");
  Attribute attribute(
      H5Acreate2(object.id(), name.c_str(), file_type, space.get(), H5P_DEFAULT, H5P_DEFAULT));
  if (!attribute) write_failure(object, "cannot create attribute '" + name + "'");
  if (count > 0 && H5Awrite(attribute.get(), memory_type, data) < 0)
    write_failure(object, "cannot write attribute '" + name + "'");
}

struct OpenAttribute {
  Attribute attribute;
  Datatype type;
  std::uint64_t count = 0;
};

// Opens attribute `name`, checking its type class and rank (a scalar, or a 1-D array).
OpenAttribute open_attribute(Object object, const std::string& name, H5T_class_t expected,
                             bool array) {
  init();
  const htri_t exists = H5Aexists(object.id(), name.c_str());
  if (exists < 0) read_failure(object, "cannot check attribute '" + name + "'");
  if (exists == 0) format_error(object, "no attribute '" + name + "'");
  OpenAttribute a;
  a.attribute = Attribute(H5Aopen(object.id(), name.c_str(), H5P_DEFAULT));
  if (!a.attribute) read_failure(object, "cannot open attribute '" + name + "'");
  a.type = Datatype(H5Aget_type(a.attribute.get()));
  if (!a.type) read_failure(object, "cannot read the type of attribute '" + name + "'");
  const H5T_class_t type_class = H5Tget_class(a.type.get());
  if (type_class != expected)
    format_error(object, "attribute '" + name + "' is " + class_text(type_class) + ", expected " +
                             class_text(expected));
  Dataspace space(H5Aget_space(a.attribute.get()));
  if (!space) read_failure(object, "cannot read the dataspace of attribute '" + name + "'");
  const H5S_class_t space_class = H5Sget_simple_extent_type(space.get());
  const int rank = H5Sget_simple_extent_ndims(space.get());
  const hssize_t points = H5Sget_simple_extent_npoints(space.get());
  if (rank < 0 || points < 0)
    read_failure(object, "cannot read the dataspace of attribute '" + name + "'");
  a.count = space_class == H5S_NULL ? 0 : static_cast<std::uint64_t>(points);
  if (array && rank > 1)
    format_error(object, "attribute '" + name + "' has " + std::to_string(rank) +
                             " dimensions, expected a 1-D array");
  if (!array && (a.count != 1 || rank > 1))
    format_error(object, "attribute '" + name + "' holds " + std::to_string(a.count) +
                             " values, expected one");
  return a;
}

template <typename T>
std::vector<T> read_numeric_attribute(Object object, const std::string& name, H5T_class_t expected,
                                      bool array) {
  OpenAttribute a = open_attribute(object, name, expected, array);
  std::vector<T> values(a.count);
  if (a.count > 0 && H5Aread(a.attribute.get(), Types<T>::memory(), values.data()) < 0)
    read_failure(object, "cannot read attribute '" + name + "'");
  return values;
}

std::vector<std::string> read_strings(Object object, const std::string& name, bool array) {
  OpenAttribute a = open_attribute(object, name, H5T_STRING, array);
  std::vector<std::string> values;
  if (a.count == 0) return values;
  const hid_t type = a.type.get();
  const htri_t variable = H5Tis_variable_str(type);
  if (variable < 0) read_failure(object, "cannot read the type of attribute '" + name + "'");
  if (variable > 0) {
    std::vector<char*> pointers(a.count, nullptr);
    if (H5Aread(a.attribute.get(), type, pointers.data()) < 0)
      read_failure(object, "cannot read attribute '" + name + "'");
    for (char* p : pointers) {
      values.emplace_back(p ? p : "");
      H5free_memory(p);
    }
    return values;
  }
  const std::size_t size = H5Tget_size(type);
  if (size == 0) read_failure(object, "cannot read the type of attribute '" + name + "'");
  std::vector<char> buffer(size * a.count);
  if (H5Aread(a.attribute.get(), type, buffer.data()) < 0)
    read_failure(object, "cannot read attribute '" + name + "'");
  const bool space_padded = H5Tget_strpad(type) == H5T_STR_SPACEPAD;
  for (std::uint64_t i = 0; i < a.count; ++i) {
    std::string s(buffer.data() + i * size, size);
    if (const auto nul = s.find('\0'); nul != std::string::npos) s.resize(nul);
    if (space_padded)
      while (!s.empty() && s.back() == ' ') s.pop_back();
    values.push_back(std::move(s));
  }
  return values;
}

}  // namespace

std::string library_version() {
  unsigned major = 0, minor = 0, release = 0;
  if (H5get_libversion(&major, &minor, &release) < 0) return "unknown";
  return std::to_string(major) + "." + std::to_string(minor) + "." + std::to_string(release);
}

void close_id(Kind kind, Id id) noexcept {
  init();
  switch (kind) {
    case Kind::file:
      H5Fclose(id);
      break;
    case Kind::group:
      H5Gclose(id);
      break;
    case Kind::dataset:
      H5Dclose(id);
      break;
    case Kind::dataspace:
      H5Sclose(id);
      break;
    case Kind::datatype:
      H5Tclose(id);
      break;
    case Kind::attribute:
      H5Aclose(id);
      break;
    case Kind::property_list:
      H5Pclose(id);
      break;
  }
}

// -------------------------------------------------------------------------------------------------
// Names

std::string file_name(Object object) {
  init();
  const ssize_t length = H5Fget_name(object.id(), nullptr, 0);
  if (length <= 0) return "?";
  std::string name(static_cast<std::size_t>(length) + 1, '\0');
  H5Fget_name(object.id(), name.data(), name.size());
  name.resize(static_cast<std::size_t>(length));
  return name;
}

std::string object_path(Object object) {
  init();
  const ssize_t length = H5Iget_name(object.id(), nullptr, 0);
  if (length <= 0) return "?";
  std::string name(static_cast<std::size_t>(length) + 1, '\0');
  H5Iget_name(object.id(), name.data(), name.size());
  name.resize(static_cast<std::size_t>(length));
  return name;
}

std::string describe(Object object) {
  const std::string file = "'" + file_name(object) + "'";
  const std::string path = object_path(object);
  return path == "/" ? file : file + ": " + path;
}

// -------------------------------------------------------------------------------------------------
// Files

namespace {

File open_existing_file(const std::filesystem::path& path, bool writing) {
  init();
  const std::string q = in_quotes(path);
  std::error_code ec;
  const auto status = std::filesystem::status(path, ec);
  if (!std::filesystem::exists(status)) throw IoError(q + ": no such file");
  if (std::filesystem::is_directory(status)) throw IoError(q + ": is a directory, expected a file");
  // HDF5 does not say why it cannot open a file; the system does.
  const int fd = ::open(path.c_str(), (writing ? O_RDWR : O_RDONLY) | O_CLOEXEC);
  if (fd < 0) throw IoError(q + ": cannot open: " + std::strerror(errno));
  ::close(fd);
  if (H5Fis_hdf5(path.c_str()) <= 0) {
    H5Eclear2(H5E_DEFAULT);
    throw FormatError(q + ": not an HDF5 file");
  }
  const PropertyList access = file_access(writing);
  File file(H5Fopen(path.c_str(), writing ? H5F_ACC_RDWR : H5F_ACC_RDONLY, access.get()));
  if (!file) throw FormatError(with_reason(q + ": not a readable HDF5 file", hdf5_reason()));
  return file;
}

}  // namespace

File open_file_read_only(const std::filesystem::path& path) {
  return open_existing_file(path, false);
}

File open_file_read_write(const std::filesystem::path& path) {
  return open_existing_file(path, true);
}

File create_file(const std::filesystem::path& path) {
  init();
  const PropertyList access = file_access(true);
  File file(H5Fcreate(path.c_str(), H5F_ACC_TRUNC, H5P_DEFAULT, access.get()));
  if (!file) throw IoError(with_reason(in_quotes(path) + ": cannot create", hdf5_reason()));
  return file;
}

File create_in_memory_file(const std::string& name) {
  init();
  PropertyList access = file_access(true);
  if (H5Pset_fapl_core(access.get(), std::size_t{4} << 20, 0) < 0)
    throw IoError(with_reason("'" + name + "': cannot create in memory", hdf5_reason()));
  File file(H5Fcreate(name.c_str(), H5F_ACC_TRUNC, H5P_DEFAULT, access.get()));
  if (!file) throw IoError(with_reason("'" + name + "': cannot create in memory", hdf5_reason()));
  return file;
}

std::vector<std::byte> file_image(const File& file) {
  init();
  if (H5Fflush(file.get(), H5F_SCOPE_LOCAL) < 0) write_failure(file, "cannot flush");
  const ssize_t size = H5Fget_file_image(file.get(), nullptr, 0);
  if (size < 0) write_failure(file, "cannot take the file's image");
  std::vector<std::byte> image(static_cast<std::size_t>(size));
  if (H5Fget_file_image(file.get(), image.data(), image.size()) != size)
    write_failure(file, "cannot take the file's image");
  return image;
}

void close_file(File& file) {
  init();
  if (!file) return;
  const std::string name = file_name(file);
  if (H5Fflush(file.get(), H5F_SCOPE_LOCAL) < 0)
    throw IoError(with_reason("'" + name + "': cannot write", hdf5_reason()));
  if (H5Fclose(file.get()) < 0)
    throw IoError(with_reason("'" + name + "': cannot close", hdf5_reason()));
  file.release();
}

// -------------------------------------------------------------------------------------------------
// Groups and links

ObjectType object_type(Object parent, const std::string& name) {
  init();
  // H5Lexists fails rather than answering "no" when a group on the way is missing: check each.
  std::string prefix;
  std::size_t start = 0;
  while (start <= name.size()) {
    const auto slash = name.find('/', start);
    const auto end = slash == std::string::npos ? name.size() : slash;
    if (end > start) {
      prefix += (prefix.empty() ? "" : "/") + name.substr(start, end - start);
      const htri_t exists = H5Lexists(parent.id(), prefix.c_str(), H5P_DEFAULT);
      if (exists < 0) read_failure(parent, "cannot look up '" + prefix + "'");
      if (exists == 0) return ObjectType::none;
      // Only objects stored in the file itself: a soft link may loop, an external link names
      // another file, and nin writes neither.
      H5L_info_t link{};
      if (H5Lget_info(parent.id(), prefix.c_str(), &link, H5P_DEFAULT) < 0)
        read_failure(parent, "cannot look up '" + prefix + "'");
      if (link.type != H5L_TYPE_HARD)
        format_error(parent,
                     "'" + prefix + "' is " +
                         (link.type == H5L_TYPE_EXTERNAL ? "an external link to another file"
                                                         : "a soft link") +
                         ", nin reads only objects stored in the file itself");
    }
    if (slash == std::string::npos) break;
    start = slash + 1;
  }
  if (prefix.empty()) return ObjectType::none;
  const hid_t id = H5Oopen(parent.id(), prefix.c_str(), H5P_DEFAULT);
  if (id < 0) {  // a dangling soft or external link
    H5Eclear2(H5E_DEFAULT);
    return ObjectType::other;
  }
  const H5I_type_t type = H5Iget_type(id);
  H5Oclose(id);
  if (type == H5I_GROUP) return ObjectType::group;
  if (type == H5I_DATASET) return ObjectType::dataset;
  return ObjectType::other;
}

bool has_link(Object parent, const std::string& name) {
  return object_type(parent, name) != ObjectType::none;
}

std::vector<std::string> link_names(Object parent) {
  init();
  std::vector<std::string> names;
  H5L_iterate_t visit = [](hid_t, const char* name, const auto*, void* data) -> herr_t {
    static_cast<std::vector<std::string>*>(data)->emplace_back(name);
    return 0;
  };
  if (H5Literate(parent.id(), H5_INDEX_NAME, H5_ITER_INC, nullptr, visit, &names) < 0)
    read_failure(parent, "cannot list the group");
  return names;
}

Group create_group(Object parent, const std::string& name) {
  init();
  const PropertyList links = intermediate_groups();
  Group group(H5Gcreate2(parent.id(), name.c_str(), links.get(), H5P_DEFAULT, H5P_DEFAULT));
  if (!group) write_failure(parent, "cannot create group '" + name + "'");
  return group;
}

void remove_link(Object parent, const std::string& name) {
  init();
  if (H5Ldelete(parent.id(), name.c_str(), H5P_DEFAULT) < 0)
    write_failure(parent, "cannot remove '" + name + "'");
}

Group open_group(Object parent, const std::string& name) {
  const ObjectType type = object_type(parent, name);
  const std::string path = join_path(object_path(parent), name);
  if (type == ObjectType::none)
    throw FormatError(in_quotes(file_name(parent)) + ": missing group " + path);
  if (type != ObjectType::group)
    throw FormatError(in_quotes(file_name(parent)) + ": " + path + " is not a group");
  Group group(H5Gopen2(parent.id(), name.c_str(), H5P_DEFAULT));
  if (!group) read_failure(parent, "cannot open group '" + name + "'");
  return group;
}

Dataset open_dataset(Object parent, const std::string& name) {
  const ObjectType type = object_type(parent, name);
  const std::string path = join_path(object_path(parent), name);
  if (type == ObjectType::none)
    throw FormatError(in_quotes(file_name(parent)) + ": missing dataset " + path);
  if (type != ObjectType::dataset)
    throw FormatError(in_quotes(file_name(parent)) + ": " + path + " is not a dataset");
  Dataset dataset(H5Dopen2(parent.id(), name.c_str(), H5P_DEFAULT));
  if (!dataset) read_failure(parent, "cannot open dataset '" + name + "'");
  // Raw data in other files (external storage, virtual datasets) is refused like external links.
  const PropertyList creation(H5Dget_create_plist(dataset.get()));
  if (!creation) read_failure(parent, "cannot read how dataset '" + name + "' is stored");
  if (H5Pget_layout(creation.get()) == H5D_VIRTUAL || H5Pget_external_count(creation.get()) != 0)
    format_error(parent, "dataset '" + name +
                             "' keeps its data in other files, nin reads only data stored in the "
                             "file itself");
  return dataset;
}

// -------------------------------------------------------------------------------------------------
// Datasets

std::uint64_t DatasetInfo::elements() const {
  std::uint64_t n = 1;
  for (const auto d : dims) n *= d;
  return n;
}

DatasetInfo dataset_info(const Dataset& dataset) {
  init();
  DatasetInfo info;
  const Datatype type(H5Dget_type(dataset.get()));
  if (!type) read_failure(dataset, "cannot read the type");
  switch (H5Tget_class(type.get())) {
    case H5T_INTEGER:
      info.type_class = TypeClass::integer;
      info.is_signed = H5Tget_sign(type.get()) == H5T_SGN_2;
      break;
    case H5T_FLOAT:
      info.type_class = TypeClass::floating;
      break;
    case H5T_STRING:
      info.type_class = TypeClass::string;
      break;
    default:
      info.type_class = TypeClass::other;
  }
  info.type_size = H5Tget_size(type.get());
  const Dataspace space(H5Dget_space(dataset.get()));
  if (!space) read_failure(dataset, "cannot read the dataspace");
  if (H5Sget_simple_extent_type(space.get()) == H5S_NULL) {
    info.dims = {0};
    return info;
  }
  const int rank = H5Sget_simple_extent_ndims(space.get());
  if (rank < 0) read_failure(dataset, "cannot read the dataspace");
  std::vector<hsize_t> dims(static_cast<std::size_t>(rank));
  if (rank > 0 && H5Sget_simple_extent_dims(space.get(), dims.data(), nullptr) < 0)
    read_failure(dataset, "cannot read the dataspace");
  info.dims.assign(dims.begin(), dims.end());
  return info;
}

std::string type_name(const DatasetInfo& info) {
  const std::string bits = std::to_string(info.type_size * 8);
  switch (info.type_class) {
    case TypeClass::integer:
      return (info.is_signed ? "int" : "uint") + bits;
    case TypeClass::floating:
      return "float" + bits;
    case TypeClass::string:
      return "string";
    case TypeClass::other:
      break;
  }
  return "other";
}

template <typename D>
static std::string dims_text_of(std::span<const D> dims) {
  std::string text = "[";
  for (std::size_t i = 0; i < dims.size(); ++i) text += (i ? "," : "") + std::to_string(dims[i]);
  return text + "]";
}
std::string dims_text(std::span<const std::uint64_t> dims) {
  return dims_text_of(dims);
}
std::string dims_text(std::span<const std::int64_t> dims) {
  return dims_text_of(dims);
}

template <typename T>
void write_dataset(Object parent, const std::string& name, std::span<const std::uint64_t> dims,
                   const T* data) {
  init();
  std::uint64_t count = 1;
  for (const auto d : dims) count *= d;
  const std::vector<hsize_t> extent = to_hsize(dims);
  Dataspace space(dims.empty()
                      ? H5Screate(H5S_SCALAR)
                      : H5Screate_simple(static_cast<int>(extent.size()), extent.data(), nullptr));
  if (!space) write_failure(parent, "cannot create the dataspace of dataset '" + name + "'");
  const PropertyList links = intermediate_groups();
  Dataset dataset(H5Dcreate2(parent.id(), name.c_str(), Types<T>::file(), space.get(), links.get(),
                             H5P_DEFAULT, H5P_DEFAULT));
  if (!dataset) write_failure(parent, "cannot create dataset '" + name + "'");
  if (count > 0 &&
      H5Dwrite(dataset.get(), Types<T>::memory(), H5S_ALL, H5S_ALL, H5P_DEFAULT, data) < 0)
    write_failure(dataset, "cannot write");
}

template <typename T>
void read_dataset(const Dataset& dataset, std::span<T> out) {
  const DatasetInfo info = dataset_info(dataset);
  if (info.elements() != out.size())
    format_error(dataset, "holds " + std::to_string(info.elements()) + " values, expected " +
                              std::to_string(out.size()));
  if (out.empty()) return;
  if (H5Dread(dataset.get(), Types<T>::memory(), H5S_ALL, H5S_ALL, H5P_DEFAULT, out.data()) < 0)
    read_failure(dataset, "cannot read");
}

template <typename T>
void read_rows(const Dataset& dataset, std::uint64_t first, std::uint64_t count, std::span<T> out) {
  const DatasetInfo info = dataset_info(dataset);
  if (info.dims.empty()) format_error(dataset, "is a scalar, expected rows");
  if (first > info.dims[0] || count > info.dims[0] - first)
    format_error(dataset, "has " + std::to_string(info.dims[0]) + " rows, cannot read rows " +
                              std::to_string(first) + " to " + std::to_string(first + count));
  std::vector<hsize_t> start(info.dims.size(), 0), extent = to_hsize(info.dims);
  start[0] = first;
  extent[0] = count;
  std::uint64_t elements = 1;
  for (const auto d : extent) elements *= d;
  if (elements != out.size())
    format_error(dataset, "rows " + std::to_string(first) + " to " + std::to_string(first + count) +
                              " hold " + std::to_string(elements) + " values, expected " +
                              std::to_string(out.size()));
  if (elements == 0) return;
  const Dataspace file_space(H5Dget_space(dataset.get()));
  const Dataspace memory_space(
      H5Screate_simple(static_cast<int>(extent.size()), extent.data(), nullptr));
  if (!file_space || !memory_space ||
      H5Sselect_hyperslab(file_space.get(), H5S_SELECT_SET, start.data(), nullptr, extent.data(),
                          nullptr) < 0)
    read_failure(dataset, "cannot select rows");
  if (H5Dread(dataset.get(), Types<T>::memory(), memory_space.get(), file_space.get(), H5P_DEFAULT,
              out.data()) < 0)
    read_failure(dataset, "cannot read");
}

#define NIN_HDF5_DATASET_TYPE(T)                                                             \
  template void write_dataset<T>(Object, const std::string&, std::span<const std::uint64_t>, \
                                 const T*);                                                  \
  template void read_dataset<T>(const Dataset&, std::span<T>);                               \
  template void read_rows<T>(const Dataset&, std::uint64_t, std::uint64_t, std::span<T>);
NIN_HDF5_DATASET_TYPE(float)
NIN_HDF5_DATASET_TYPE(double)
NIN_HDF5_DATASET_TYPE(std::uint8_t)
NIN_HDF5_DATASET_TYPE(std::int32_t)
NIN_HDF5_DATASET_TYPE(std::int64_t)
#undef NIN_HDF5_DATASET_TYPE

// -------------------------------------------------------------------------------------------------
// Attributes

bool has_attribute(Object object, const std::string& name) {
  init();
  const htri_t exists = H5Aexists(object.id(), name.c_str());
  if (exists < 0) read_failure(object, "cannot check attribute '" + name + "'");
  return exists > 0;
}

std::vector<std::string> attribute_names(Object object) {
  init();
  std::vector<std::string> names;
  H5A_operator2_t visit = [](hid_t, const char* name, const H5A_info_t*, void* data) -> herr_t {
    static_cast<std::vector<std::string>*>(data)->emplace_back(name);
    return 0;
  };
  if (H5Aiterate2(object.id(), H5_INDEX_NAME, H5_ITER_INC, nullptr, visit, &names) < 0)
    read_failure(object, "cannot list the attributes");
  return names;
}

void write_int64_attribute(Object object, const std::string& name, std::int64_t value) {
  write_attribute(object, name, H5T_STD_I64LE, H5T_NATIVE_INT64, false, 1, &value);
}
void write_uint64_attribute(Object object, const std::string& name, std::uint64_t value) {
  write_attribute(object, name, H5T_STD_U64LE, H5T_NATIVE_UINT64, false, 1, &value);
}
void write_double_attribute(Object object, const std::string& name, double value) {
  write_attribute(object, name, H5T_IEEE_F64LE, H5T_NATIVE_DOUBLE, false, 1, &value);
}

void write_string_attribute(Object object, const std::string& name, std::string_view value) {
  const std::string text(value);
  if (text.find('\0') != std::string::npos)
    throw Error(describe(object) + ": attribute '" + name + "' cannot hold a NUL character");
  const Datatype type = string_type();
  const char* pointer = text.c_str();
  write_attribute(object, name, type.get(), type.get(), false, 1, &pointer);
}

void write_float_array_attribute(Object object, const std::string& name,
                                 std::span<const float> values) {
  write_attribute(object, name, H5T_IEEE_F32LE, H5T_NATIVE_FLOAT, true, values.size(),
                  values.data());
}
void write_int64_array_attribute(Object object, const std::string& name,
                                 std::span<const std::int64_t> values) {
  write_attribute(object, name, H5T_STD_I64LE, H5T_NATIVE_INT64, true, values.size(),
                  values.data());
}
void write_uint64_array_attribute(Object object, const std::string& name,
                                  std::span<const std::uint64_t> values) {
  write_attribute(object, name, H5T_STD_U64LE, H5T_NATIVE_UINT64, true, values.size(),
                  values.data());
}

void write_string_array_attribute(Object object, const std::string& name,
                                  std::span<const std::string> values) {
  std::vector<const char*> pointers;
  for (const auto& v : values) {
    if (v.find('\0') != std::string::npos)
      throw Error(describe(object) + ": attribute '" + name + "' cannot hold a NUL character");
    pointers.push_back(v.c_str());
  }
  const Datatype type = string_type();
  write_attribute(object, name, type.get(), type.get(), true, pointers.size(), pointers.data());
}

std::int64_t read_int64_attribute(Object object, const std::string& name) {
  return read_numeric_attribute<std::int64_t>(object, name, H5T_INTEGER, false)[0];
}
std::uint64_t read_uint64_attribute(Object object, const std::string& name) {
  return read_numeric_attribute<std::uint64_t>(object, name, H5T_INTEGER, false)[0];
}
double read_double_attribute(Object object, const std::string& name) {
  return read_numeric_attribute<double>(object, name, H5T_FLOAT, false)[0];
}
std::string read_string_attribute(Object object, const std::string& name) {
  return read_strings(object, name, false)[0];
}
std::vector<float> read_float_array_attribute(Object object, const std::string& name) {
  return read_numeric_attribute<float>(object, name, H5T_FLOAT, true);
}
std::vector<std::int64_t> read_int64_array_attribute(Object object, const std::string& name) {
  return read_numeric_attribute<std::int64_t>(object, name, H5T_INTEGER, true);
}
std::vector<std::uint64_t> read_uint64_array_attribute(Object object, const std::string& name) {
  return read_numeric_attribute<std::uint64_t>(object, name, H5T_INTEGER, true);
}
std::vector<std::string> read_string_array_attribute(Object object, const std::string& name) {
  return read_strings(object, name, true);
}

}  // namespace nin::hdf5
