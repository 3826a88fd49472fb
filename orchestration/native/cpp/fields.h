// OTLP/JSON field readers with values.py's semantics; anything lenient beyond the spec refuses
// the line (the Python path then reads it).
// Part of the native decoder (decoder.cpp), which includes it; one translation unit.
#pragma once

#include "simdjson.h"

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

#include "arena.h"
#include "values.h"

using simdjson::dom::element;
using std::optional;
using std::string;
using std::string_view;

namespace {

constexpr int64_t MIN_EVENT_NS = 946684800LL * 1000000000LL;  // 2000-01-01, as normalize.py
constexpr int64_t MAX_EVENT_NS = 4102444800LL * 1000000000LL;  // 2100-01-01


optional<string_view> read_str(element e) {
  if (e.is_null()) return std::nullopt;
  string_view s;
  if (e.get(s) != simdjson::SUCCESS) refuse("a string field that is not a string");
  if (s.empty()) return std::nullopt;
  return s;
}


optional<int64_t> read_int(element e) {
  if (e.is_null()) return std::nullopt;
  if (e.is_int64()) return e.get_int64().value_unsafe();
  if (e.is_uint64()) return static_cast<int64_t>(e.get_uint64().value_unsafe());
  if (e.is_string()) {
    string_view s = e.get_string().value_unsafe();
    if (s.empty()) return std::nullopt;
    auto n = strict_integer(s);
    if (!n || *n < -(static_cast<__int128>(1) << 63) || *n >= (static_cast<__int128>(1) << 64)) refuse("an integer field out of range");
    return static_cast<int64_t>(static_cast<uint64_t>(*n));
  }
  refuse("an integer field that is not an integer");
}

bool hex_id(string_view s, size_t n_bytes, char* out) {
  if (s.size() != 2 * n_bytes) return false;
  for (size_t k = 0; k < s.size(); ++k) {
    char c = s[k];
    if (c >= 'A' && c <= 'F') c = static_cast<char>(c - 'A' + 'a');
    else if (!((c >= '0' && c <= '9') || (c >= 'a' && c <= 'f'))) return false;
    out[k] = c;
  }
  return true;
}

// Canonical base64 (protobuf's JSON mapping of bytes) of exactly n_bytes, as lowercase hex.
bool base64_id(string_view s, size_t n_bytes, char* out) {
  if (s.empty() || s.size() % 4 != 0) return false;
  size_t pad = 0;
  while (pad < 2 && pad < s.size() && s[s.size() - 1 - pad] == '=') ++pad;
  string_view body = s.substr(0, s.size() - pad);
  if ((body.size() + pad) / 4 * 3 - pad != n_bytes) return false;
  static const char* hex = "0123456789abcdef";
  size_t written = 0;
  uint32_t acc = 0;
  int bits = 0;
  for (char c : body) {
    int v = c >= 'A' && c <= 'Z' ? c - 'A' : c >= 'a' && c <= 'z' ? c - 'a' + 26 : c >= '0' && c <= '9' ? c - '0' + 52
          : c == '+' ? 62 : c == '/' ? 63 : -1;
    if (v < 0) return false;
    acc = (acc << 6) | static_cast<uint32_t>(v);
    bits += 6;
    if (bits >= 8) {
      bits -= 8;
      unsigned byte = (acc >> bits) & 0xFF;
      if (written + 2 > 2 * n_bytes) return false;
      out[written++] = hex[byte >> 4];
      out[written++] = hex[byte & 15];
    }
  }
  return written == 2 * n_bytes;
}

// values.decode_id: lowercase hex; an absent id is zeros when required (pdata writes "" for them).
optional<string_view> read_id(const optional<element>& e, size_t n_bytes, bool required, Arena& arena) {
  char buffer[64];
  auto s = e ? read_str(*e) : std::nullopt;
  if (!s) {
    if (!required) return std::nullopt;
    return arena.put(string_view("00000000000000000000000000000000", 2 * n_bytes));
  }
  if (s->size() == 2 * n_bytes &&
      std::all_of(s->begin(), s->end(), [](char c) { return (c >= '0' && c <= '9') || (c >= 'a' && c <= 'f'); }))
    return *s;  // already as it lands (a view of the parsed line, which outlives the row)
  if (!hex_id(*s, n_bytes, buffer) && !base64_id(*s, n_bytes, buffer)) refuse("an id neither hex nor base64 of its length");
  return arena.put(string_view(buffer, 2 * n_bytes));
}

// values.decode_enum: an integer, a full name (SPAN_KIND_SERVER), a short name (SERVER) or digits.
template <size_t N>
const char* read_enum(element e, const char* const (&names)[N], string_view prefix) {
  if (e.is_null()) return names[0];
  if (e.is_int64()) {
    int64_t v = e.get_int64().value_unsafe();
    if (v >= 0 && static_cast<size_t>(v) < N) return names[v];
  } else if (e.is_string()) {
    string_view s = e.get_string().value_unsafe();
    if (s.empty()) return names[0];
    if (s.substr(0, prefix.size()) == prefix) s.remove_prefix(prefix.size());
    for (const char* name : names)
      if (s == name) return name;
    if (all_digits(s) && s.size() < 4) {
      int v = std::atoi(string(s).c_str());
      if (static_cast<size_t>(v) < N) return names[v];
    }
  }
  refuse("an unknown enum value");
}

int64_t checked_time(optional<int64_t> ns) {
  if (!ns || *ns < MIN_EVENT_NS || *ns >= MAX_EVENT_NS) refuse("a timestamp out of range");
  return *ns;
}

bool is_snake_case_field(string_view key) { return key.find('_') != string_view::npos; }

}  // namespace
