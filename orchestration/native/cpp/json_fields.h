// OTLP/JSON field and value readers with values.py's semantics; anything lenient beyond the spec refuses
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

using simdjson::dom::array;
using simdjson::dom::element;
using simdjson::dom::object;
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


optional<double> read_double(element e) {  // values.decode_double of a JSON number
  if (e.is_null()) return std::nullopt;
  if (e.is_double()) return e.get_double().value_unsafe();
  if (e.is_int64()) return static_cast<double>(e.get_int64().value_unsafe());
  refuse("a number field that is not a JSON number");
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
// (A pointer into `names`, so its index is the enum's number.)
template <size_t N>
const char* const* read_enum(element e, const char* const (&names)[N], string_view prefix) {
  if (e.is_null()) return &names[0];
  if (e.is_int64()) {
    int64_t v = e.get_int64().value_unsafe();
    if (v >= 0 && static_cast<size_t>(v) < N) return &names[v];
  } else if (e.is_string()) {
    string_view s = e.get_string().value_unsafe();
    if (s.empty()) return &names[0];
    if (s.substr(0, prefix.size()) == prefix) s.remove_prefix(prefix.size());
    for (size_t k = 0; k < N; ++k)
      if (s == names[k]) return &names[k];
    if (all_digits(s) && s.size() < 4) {
      int v = std::atoi(string(s).c_str());
      if (static_cast<size_t>(v) < N) return &names[v];
    }
  }
  refuse("an unknown enum value");
}

// values.decode_severity: 0 to 24, as a number, a name (SEVERITY_NUMBER_INFO, INFO) or digits.
int32_t read_severity(element e) {
  static const char* const names[] = {"UNSPECIFIED", "TRACE", "TRACE2", "TRACE3", "TRACE4", "DEBUG", "DEBUG2",
                                      "DEBUG3", "DEBUG4", "INFO", "INFO2", "INFO3", "INFO4", "WARN", "WARN2",
                                      "WARN3", "WARN4", "ERROR", "ERROR2", "ERROR3", "ERROR4", "FATAL",
                                      "FATAL2", "FATAL3", "FATAL4"};
  return static_cast<int32_t>(read_enum(e, names, "SEVERITY_NUMBER_") - names);
}

// bool(value) of an optional JSON boolean (isMonotonic); anything else refuses.
bool read_bool(element e) {
  if (e.is_null()) return false;
  bool b;
  if (e.get(b) != simdjson::SUCCESS) refuse("a boolean field that is not a boolean");
  return b;
}

int64_t checked_time(optional<int64_t> ns) {
  if (!ns || *ns < MIN_EVENT_NS || *ns >= MAX_EVENT_NS) refuse("a timestamp out of range");
  return *ns;
}

bool is_snake_case_field(string_view key) { return key.find('_') != string_view::npos; }

// The items of an optional JSON list (null or absent: none); anything else refuses the line.
array read_list(const optional<element>& e, const char* not_list) {
  static const array none = [] {  // an empty list to iterate when there is none
    static simdjson::dom::parser parser;
    return parser.parse(string_view("[]")).get_array().value_unsafe();
  }();
  if (!e || e->is_null()) return none;
  array list;
  if (e->get(list) != simdjson::SUCCESS) refuse(not_list);
  return list;
}

// Each object of an optional list (a span's events, a scope's records); anything else refuses the line.
template <typename Visit>
void for_each_object(const optional<element>& list_el, const char* not_list, const char* not_object, Visit visit) {
  for (element item : read_list(list_el, not_list)) {
    object obj;
    if (item.get(obj) != simdjson::SUCCESS) refuse(not_object);
    visit(obj);
  }
}

// values.decode_any_value for the kinds the fast path takes: one-key AnyValue objects.
Val json_any(element value, int depth);

// A kvlist's or an attribute list's pairs, each decoded at `depth`, to sink(key, value).
template <typename Sink>
void json_pairs(array list, int depth, Sink&& sink) {
  for (element item : list) {
    object kv;
    if (item.get(kv) != simdjson::SUCCESS) refuse("attribute not an object");
    optional<string_view> key;
    element value_el;
    bool has_value = false;
    for (auto f : kv) {
      if (is(f.key, "key")) {
        string_view k;
        if (f.value.get(k) != simdjson::SUCCESS) refuse("attribute key not a string");
        key = k;
      } else if (is(f.key, "value")) {
        value_el = f.value;
        has_value = true;
      }
    }
    if (!key) refuse("attribute without a key");
    sink(*key, has_value ? json_any(value_el, depth) : Val{});
  }
}

// An ArrayValue's or KeyValueList's `values` (null or absent: none).
array json_values(element inner, const char* what) {
  optional<element> values;
  if (!inner.is_null()) {
    object obj;
    if (inner.get(obj) != simdjson::SUCCESS) refuse(what);
    for (auto f : obj)
      if (is(f.key, "values")) values = f.value;  // the only field of ArrayValue and KeyValueList
  }
  return read_list(values, what);
}

Val json_any(element value, int depth) {
  Val out;
  if (value.is_null()) return out;
  if (depth > MAX_VALUE_DEPTH) refuse("an AnyValue nested deeply");
  object obj;
  if (value.get(obj) != simdjson::SUCCESS) refuse("AnyValue not an object");
  size_t fields = 0;
  for (auto field : obj) {
    if (++fields > 1) refuse("AnyValue with several keys");
    string_view key = field.key;
    element inner = field.value;
    if (is(key, "stringValue")) {
      if (inner.get(out.s) != simdjson::SUCCESS) refuse("stringValue not a string");
      out.t = VT::Str;
    } else if (is(key, "intValue")) {
      if (inner.is_int64()) {
        out.i = inner.get_int64().value_unsafe();
      } else if (inner.is_uint64()) {
        out.i = static_cast<int64_t>(inner.get_uint64().value_unsafe());
      } else if (inner.is_string()) {
        auto n = strict_integer(inner.get_string().value_unsafe());
        if (!n || *n < -(static_cast<__int128>(1) << 63) || *n >= (static_cast<__int128>(1) << 64))
          refuse("intValue not a 64-bit integer");
        out.i = static_cast<int64_t>(static_cast<uint64_t>(*n));
      } else {
        refuse("intValue not an integer");
      }
      out.t = VT::Int;
    } else if (is(key, "doubleValue")) {
      if (inner.is_double()) out.d = inner.get_double().value_unsafe();
      else if (inner.is_int64()) out.d = static_cast<double>(inner.get_int64().value_unsafe());
      else refuse("doubleValue as a string");
      if (!std::isfinite(out.d)) refuse("doubleValue not finite");
      out.t = VT::Dbl;
    } else if (is(key, "boolValue")) {
      if (inner.get(out.b) != simdjson::SUCCESS) refuse("boolValue not a boolean");
      out.t = VT::Bool;
    } else if (is(key, "bytesValue")) {  // base64 text, landed as it is
      if (inner.get(out.s) != simdjson::SUCCESS) refuse("bytesValue not a string");
      out.t = VT::Str;
    } else if (is(key, "arrayValue")) {
      out.t = VT::Arr;
      for (element item : json_values(inner, "arrayValue not an object")) out.arr.push_back(json_any(item, depth + 1));
    } else if (is(key, "kvlistValue")) {
      out.t = VT::Map;
      json_pairs(json_values(inner, "kvlistValue not an object"), depth + 1, [&](string_view k, Val&& v) {
        out.keys.push_back(k);
        out.arr.push_back(std::move(v));
      });
      check_distinct_keys(out);
    } else {
      refuse("an unknown AnyValue kind");
    }
  }
  return out;
}

// An attribute list for Decoder::filter (null or absent: none).
auto json_attributes(const optional<element>& items) {
  return [items](auto&& sink) { json_pairs(read_list(items, "attributes not a list"), 0, sink); };
}

}  // namespace
