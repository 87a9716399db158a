#pragma once
// The byte format in which an isolated reader (nin/isolation/sandbox.hpp) hands its results to the
// parent: little-endian integers, doubles and floats, and length-prefixed strings and arrays. The
// parent treats the bytes as untrusted: every length is checked against what is left before
// anything is allocated, and a message must be consumed exactly.

#include <cstdint>
#include <cstring>
#include <string>
#include <string_view>
#include <type_traits>
#include <vector>

namespace nin::wire {

class Writer {
 public:
  void u64(std::uint64_t value) { raw(&value, sizeof value); }
  void i64(std::int64_t value) { raw(&value, sizeof value); }
  void f64(double value) { raw(&value, sizeof value); }
  void boolean(bool value) { u64(value ? 1 : 0); }
  void string(std::string_view text) {
    u64(text.size());
    raw(text.data(), text.size());
  }
  template <typename T>
  void array(const std::vector<T>& values) {
    static_assert(std::is_arithmetic_v<T>);
    u64(values.size());
    raw(values.data(), values.size() * sizeof(T));
  }
  void strings(const std::vector<std::string>& texts) {
    u64(texts.size());
    for (const auto& text : texts) string(text);
  }
  std::string take() { return std::move(bytes_); }

 private:
  void raw(const void* data, std::size_t size) {
    bytes_.append(static_cast<const char*>(data), size);
  }
  std::string bytes_;
};

// Throws FormatError("<what>: the reader's message is malformed (...)") on any inconsistency.
class Reader {
 public:
  Reader(std::string_view bytes, std::string what) : bytes_(bytes), what_(std::move(what)) {}

  std::uint64_t u64();
  std::int64_t i64();
  double f64();
  bool boolean();
  std::string string();
  template <typename T>
  std::vector<T> array() {
    static_assert(std::is_arithmetic_v<T>);
    const std::uint64_t count = u64();
    if (count > remaining() / sizeof(T)) fail("an array is longer than the message");
    std::vector<T> values(count);
    take(values.data(), count * sizeof(T));
    return values;
  }
  std::vector<std::string> strings();
  // A count of items that each take at least `min_item_bytes` of the rest of the message.
  std::uint64_t count(std::size_t min_item_bytes);
  // Every byte must have been read.
  void finish() const;

  [[noreturn]] void fail(const std::string& problem) const;

 private:
  std::size_t remaining() const { return bytes_.size() - offset_; }
  void take(void* out, std::size_t size);

  std::string_view bytes_;
  std::size_t offset_ = 0;
  std::string what_;
};

}  // namespace nin::wire
