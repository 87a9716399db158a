#pragma once
// The one JSON parser for text read from files (specs, model attributes, checkpoint options).
// Stricter than nlohmann's default: nlohmann ends a document at a NUL byte, so "{...}\0garbage"
// would parse, and it keeps the last of two equal keys, so a document could say two things.

#include <nlohmann/json.hpp>
#include <optional>
#include <string>
#include <string_view>

namespace nin {

// Parses `text` into `out`. Returns nothing on success, otherwise why the text is refused, as
// "malformed JSON at line L, column C: <reason>" or "key 'K' appears twice in one object"; the
// caller adds the file's name.
std::optional<std::string> parse_strict_json(std::string_view text, nlohmann::json& out);

// Whether `text` is well-formed UTF-8 (no overlong forms, surrogates or code points past
// U+10FFFF): names that go into JSON documents and model files must be.
bool is_valid_utf8(std::string_view text);

}  // namespace nin
