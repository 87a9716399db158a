#include "nin/isolation/wire.hpp"

#include "nin/core/error.hpp"

namespace nin::wire {

void Reader::take(void* out, std::size_t size) {
  if (size > remaining()) fail("it ends early");
  if (size) std::memcpy(out, bytes_.data() + offset_, size);
  offset_ += size;
}

std::uint64_t Reader::u64() {
  std::uint64_t value;
  take(&value, sizeof value);
  return value;
}

std::int64_t Reader::i64() {
  std::int64_t value;
  take(&value, sizeof value);
  return value;
}

double Reader::f64() {
  double value;
  take(&value, sizeof value);
  return value;
}

bool Reader::boolean() {
  const std::uint64_t value = u64();
  if (value > 1) fail("a flag is neither 0 nor 1");
  return value == 1;
}

std::string Reader::string() {
  const std::uint64_t size = u64();
  if (size > remaining()) fail("a string is longer than the message");
  std::string text(bytes_.substr(offset_, size));
  offset_ += size;
  return text;
}

std::vector<std::string> Reader::strings() {
  const std::uint64_t n = count(sizeof(std::uint64_t));
  std::vector<std::string> texts;
  texts.reserve(n);
  for (std::uint64_t i = 0; i < n; ++i) texts.push_back(string());
  return texts;
}

std::uint64_t Reader::count(std::size_t min_item_bytes) {
  const std::uint64_t n = u64();
  if (min_item_bytes && n > remaining() / min_item_bytes) fail("a count exceeds the message");
  return n;
}

void Reader::finish() const {
  if (remaining()) fail(std::to_string(remaining()) + " bytes are left over");
}

void Reader::fail(const std::string& problem) const {
  throw FormatError(what_ + ": the reader's result is malformed (" + problem + ")");
}

}  // namespace nin::wire
