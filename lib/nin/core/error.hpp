#pragma once
// Typed errors thrown by the library. Tools map them to messages and exit codes in one place
// (tools/common/cli.hpp); the library itself never prints or exits.

#include <stdexcept>
#include <string>

namespace nin {

// Base of every error the library reports; what() is a complete one-line message.
class Error : public std::runtime_error {
 public:
  using std::runtime_error::runtime_error;
};

// The caller asked for something malformed (an option value, a preset name): exit code 2.
class UsageError : public Error {
 public:
  using Error::Error;
};

// A network spec that cannot describe a valid network (bad JSON, bad field, impossible shape).
class SpecError : public Error {
 public:
  using Error::Error;
};

// A file that cannot be opened, read or written.
class IoError : public Error {
 public:
  using Error::Error;
};

// A file that was read but holds something invalid (truncated, wrong magic, wrong shape).
class FormatError : public Error {
 public:
  using Error::Error;
};

// Another process of a data-parallel job failed and reports the error itself; this one ends
// without a message of its own (exit status 1), so that a failure is reported once.
class PeerFailure : public Error {
 public:
  using Error::Error;
};

}  // namespace nin
