#pragma once
// Seeded random numbers that do not depend on threads or platform: a counter-based generator
// (SplitMix64 mixing of seed, stream and index), so element i of a random tensor is the same number
// however the work is split.

#include <cmath>
#include <cstdint>

namespace nin {

inline std::uint64_t mix64(std::uint64_t x) {
  x += 0x9e3779b97f4a7c15ull;
  x = (x ^ (x >> 30)) * 0xbf58476d1ce4e5b9ull;
  x = (x ^ (x >> 27)) * 0x94d049bb133111ebull;
  return x ^ (x >> 31);
}

// The key of stream `stream` under `seed`: hoisted out of loops that draw many numbers.
inline std::uint64_t random_stream_key(std::uint64_t seed, std::uint64_t stream) {
  return mix64(seed ^ mix64(stream));
}

// 64 random bits for (key, index); equal to random_bits(seed, stream, index) for its key.
inline std::uint64_t random_bits_of_stream(std::uint64_t key, std::uint64_t index) {
  return mix64(key + index);
}

// 64 random bits for (seed, stream, index).
inline std::uint64_t random_bits(std::uint64_t seed, std::uint64_t stream, std::uint64_t index) {
  return random_bits_of_stream(random_stream_key(seed, stream), index);
}

// Uniform in [0, 1) with 24 bits of resolution.
inline float random_uniform(std::uint64_t seed, std::uint64_t stream, std::uint64_t index) {
  return static_cast<float>(random_bits(seed, stream, index) >> 40) * (1.0f / 16777216.0f);
}

// Standard normal (Box-Muller on two counter-based uniforms).
inline double random_normal(std::uint64_t seed, std::uint64_t stream, std::uint64_t index) {
  const std::uint64_t bits = random_bits(seed, stream, index);
  const double u1 = (static_cast<double>(bits >> 40) + 1.0) / 16777217.0;  // (0, 1]
  const double u2 = static_cast<double>(bits & 0xffffffull) / 16777216.0;
  return std::sqrt(-2.0 * std::log(u1)) * std::cos(6.283185307179586 * u2);
}

}  // namespace nin
