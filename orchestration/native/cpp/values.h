// Decoded attribute values and the exact formats of Python and orjson: float repr, JSON escaping,
// strict numbers, Decimal's half-even quantizing.
// Part of the native decoder (decoder.cpp), which includes it; one translation unit.
#pragma once

#define PY_SSIZE_T_CLEAN
#include <Python.h>

#include <algorithm>
#include <charconv>
#include <cmath>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

using std::optional;
using std::string;
using std::string_view;

namespace {

// A line or message the fast path does not take: thrown anywhere below, caught per line or message.
struct Refuse {
  const char* why;
};
// A Python callback raised: the exception is set, decoding stops.
struct PyFailure {};

[[noreturn]] void refuse(const char* why) { throw Refuse{why}; }

// ---------------------------------------------------------------------------------------------
// Values

// Map: a kvlist, its values in `arr` and their keys in `keys`. Dec only stands for a decimal typed
// column (convert.h), never for an attribute value.
enum class VT : uint8_t { Null, Str, Int, Dbl, Bool, Arr, Map, Dec };

struct Val {
  VT t = VT::Null;
  string_view s;
  int64_t i = 0;
  double d = 0;
  bool b = false;
  std::vector<Val> arr;
  std::vector<string_view> keys;
};

// values.decode_any_value refuses deeper nesting; the fast path stops well before.
constexpr int MAX_VALUE_DEPTH = 8;

// Whether a field name is `literal`: the length first, then a compare of known size the compiler inlines.
template <size_t N>
inline bool is(string_view name, const char (&literal)[N]) {
  return name.size() == N - 1 && __builtin_memcmp(name.data(), literal, N - 1) == 0;
}

size_t code_points(string_view s) {
  size_t n = 0;
  for (unsigned char c : s) n += (c & 0xC0) != 0x80;
  return n;
}

bool is_ascii(string_view s) {
  for (unsigned char c : s)
    if (c >= 0x80) return false;
  return true;
}

// Shortest round-trip digits of a finite double: "d1d2..." and the decimal exponent of d1.
void shortest(double v, string& digits, int& exp10, bool& negative) {
  char buf[64];
  auto res = std::to_chars(buf, buf + sizeof buf, v, std::chars_format::scientific);
  string_view text(buf, res.ptr - buf);
  negative = !text.empty() && text[0] == '-';
  if (negative) text.remove_prefix(1);
  size_t e = text.find('e');
  digits.clear();
  for (char c : text.substr(0, e))
    if (c != '.') digits.push_back(c);
  exp10 = std::atoi(string(text.substr(e + 1)).c_str());
  while (digits.size() > 1 && digits.back() == '0') digits.pop_back();
}

// Fixed notation of digits × 10^(exp10 - len + 1), with ".0" when integral (Python repr and orjson alike).
void fixed_notation(string& out, const string& digits, int exp10) {
  int n = static_cast<int>(digits.size());
  if (exp10 < 0) {
    out += "0.";
    out.append(static_cast<size_t>(-exp10 - 1), '0');
    out += digits;
  } else if (exp10 + 1 >= n) {
    out += digits;
    out.append(static_cast<size_t>(exp10 + 1 - n), '0');
    out += ".0";
  } else {
    out.append(digits, 0, exp10 + 1);
    out += '.';
    out.append(digits, exp10 + 1, string::npos);
  }
}

void mantissa(string& out, const string& digits) {
  out += digits[0];
  if (digits.size() > 1) {
    out += '.';
    out.append(digits, 1, string::npos);
  }
}

// A finite double as text, from its shortest round-trip digits: fixed notation from 1e`fixed_from` up
// to 1e16, scientific outside.
//  - Python's repr(float), also str(float): fixed from 1e-4; exponent signed, two digits at least (1e+16).
//  - orjson 3.13 (the locked version; the equivalence tests pin it): fixed from 1e-5; exponent signed,
//    not padded (1e+16, 1e-6).
void float_text(string& out, double v, int fixed_from, bool pad_exponent) {
  string digits;
  int exp10;
  bool negative;
  shortest(v, digits, exp10, negative);
  if (negative) out += '-';
  if (exp10 >= fixed_from && exp10 < 16) {
    fixed_notation(out, digits, exp10);
    return;
  }
  mantissa(out, digits);
  out += exp10 < 0 ? "e-" : "e+";
  if (pad_exponent && std::abs(exp10) < 10) out += '0';
  out += std::to_string(std::abs(exp10));
}

void python_repr(string& out, double v) { float_text(out, v, -4, true); }

void orjson_float(string& out, double v) { float_text(out, v, -5, false); }

void json_string(string& out, string_view s) {
  static const char* hex = "0123456789abcdef";
  out += '"';
  size_t run = 0;
  for (size_t k = 0; k < s.size(); ++k) {
    // eight bytes at a time while none needs escaping (a control byte, a quote or a backslash)
    while (k + 8 <= s.size()) {
      uint64_t w;
      std::memcpy(&w, s.data() + k, 8);
      constexpr uint64_t ones = 0x0101010101010101ULL, highs = 0x8080808080808080ULL;
      uint64_t quote = w ^ (ones * '"'), slash = w ^ (ones * '\\');
      uint64_t special = ((w - ones * 0x20) & ~w) | ((quote - ones) & ~quote) | ((slash - ones) & ~slash);
      if (special & highs) break;
      k += 8;
    }
    if (k >= s.size()) break;
    unsigned char c = static_cast<unsigned char>(s[k]);
    if (c >= 0x20 && c != '"' && c != '\\') continue;
    out.append(s.data() + run, k - run);
    run = k + 1;
    switch (c) {
      case '"': out += "\\\""; break;
      case '\\': out += "\\\\"; break;
      case '\n': out += "\\n"; break;
      case '\t': out += "\\t"; break;
      case '\r': out += "\\r"; break;
      case '\b': out += "\\b"; break;
      case '\f': out += "\\f"; break;
      default:
        out += "\\u00";
        out += hex[c >> 4];
        out += hex[c & 15];
    }
  }
  out.append(s.data() + run, s.size() - run);
  out += '"';
}

void json_value(string& out, const Val& v) {
  switch (v.t) {
    case VT::Null: out += "null"; break;
    case VT::Str: json_string(out, v.s); break;
    case VT::Int: out += std::to_string(v.i); break;
    case VT::Dbl: orjson_float(out, v.d); break;
    case VT::Bool: out += v.b ? "true" : "false"; break;
    case VT::Arr:
      out += '[';
      for (size_t k = 0; k < v.arr.size(); ++k) {
        if (k) out += ',';
        json_value(out, v.arr[k]);
      }
      out += ']';
      break;
    case VT::Map:
      out += '{';
      for (size_t k = 0; k < v.arr.size(); ++k) {
        if (k) out += ',';
        json_string(out, v.keys[k]);
        out += ':';
        json_value(out, v.arr[k]);
      }
      out += '}';
      break;
    case VT::Dec: refuse("a decimal as a value");
  }
}

// A kvlist's keys must be distinct: a dict keeps the first position and the last value, which the
// Python path sorts out.
void check_distinct_keys(const Val& map) {
  for (size_t a = 1; a < map.keys.size(); ++a)
    for (size_t b = 0; b < a; ++b)
      if (map.keys[a] == map.keys[b]) refuse("a repeated key in a kvlist");
}

// Python's str(value) of a decoded attribute value (semantics._as_str).
void python_str(string& out, const Val& v) {
  switch (v.t) {
    case VT::Null: out += "None"; break;
    case VT::Str: out.append(v.s); break;
    case VT::Int: out += std::to_string(v.i); break;
    case VT::Dbl: python_repr(out, v.d); break;
    case VT::Bool: out += v.b ? "True" : "False"; break;
    case VT::Arr: refuse("a list inside a list");
    case VT::Map: refuse("an object as text");
    case VT::Dec: refuse("a decimal as text");
  }
}

// --- strict numbers in strings (anything looser goes to the Python path) ---------------------

bool all_digits(string_view s) {
  if (s.empty()) return false;
  for (char c : s)
    if (c < '0' || c > '9') return false;
  return true;
}

// [-]digits, as OTLP/JSON writes 64-bit integers.
optional<__int128> strict_integer(string_view s) {
  bool negative = !s.empty() && s[0] == '-';
  string_view body = negative ? s.substr(1) : s;
  if (!all_digits(body) || body.size() > 20) return std::nullopt;
  __int128 n = 0;
  for (char c : body) n = n * 10 + (c - '0');
  return negative ? -n : n;
}

// [-+]digits[.digits][e[-+]digits] or [-+].digits…: what Python's float() and Decimal() both read the same.
bool strict_decimal(string_view s, bool& negative, string& digits, int& exponent) {
  size_t k = 0;
  negative = false;
  if (k < s.size() && (s[k] == '-' || s[k] == '+')) negative = s[k++] == '-';
  digits.clear();
  int fraction = 0;
  bool any = false, point = false;
  for (; k < s.size(); ++k) {
    char c = s[k];
    if (c >= '0' && c <= '9') {
      digits.push_back(c);
      any = true;
      if (point) ++fraction;
    } else if (c == '.' && !point) {
      point = true;
    } else {
      break;
    }
  }
  if (!any) return false;
  int e = 0;
  if (k < s.size() && (s[k] == 'e' || s[k] == 'E')) {
    ++k;
    bool eneg = false;
    if (k < s.size() && (s[k] == '-' || s[k] == '+')) eneg = s[k++] == '-';
    string_view rest = s.substr(k);
    if (!all_digits(rest) || rest.size() > 6) return false;
    e = std::atoi(string(rest).c_str());
    if (eneg) e = -e;
    k = s.size();
  }
  if (k != s.size()) return false;
  exponent = e - fraction;
  return true;
}

// Decimal(text).quantize(Decimal("1e-9")) (half-even) as the unscaled integer, or nothing when Python's
// context (28 digits) would refuse it: semantics.as_cost then gives None.
optional<__int128> quantize_9(bool negative, const string& raw_digits, int exponent) {
  size_t first = raw_digits.find_first_not_of('0');
  string digits = first == string::npos ? "0" : raw_digits.substr(first);
  int shift = exponent + 9;
  __int128 n = 0;
  if (shift >= 0) {
    if (digits != "0" && digits.size() + static_cast<size_t>(shift) > 28) return std::nullopt;
    for (char c : digits) n = n * 10 + (c - '0');
    for (int k = 0; k < shift && n != 0; ++k) n *= 10;
  } else {
    size_t drop = static_cast<size_t>(-shift);
    size_t keep = digits.size() > drop ? digits.size() - drop : 0;
    if (keep > 28) return std::nullopt;
    for (size_t k = 0; k < keep; ++k) n = n * 10 + (digits[k] - '0');
    // the dropped part against one half
    int first_dropped = drop > digits.size() ? 0 : digits[keep] - '0';
    if (drop > digits.size()) first_dropped = 0;
    bool rest_nonzero = false;
    size_t from = drop > digits.size() ? 0 : keep + 1;
    for (size_t k = from; k < digits.size(); ++k) rest_nonzero |= digits[k] != '0';
    if (drop > digits.size()) rest_nonzero = digits != "0";  // all digits are below the first dropped one
    bool up = first_dropped > 5 || (first_dropped == 5 && (rest_nonzero || (n & 1)));
    if (up) ++n;
    // rounding up may add a digit
    __int128 limit = 1;
    for (int k = 0; k < 28; ++k) limit *= 10;
    if (n >= limit) return std::nullopt;
  }
  return negative ? -n : n;
}

PyObject* unicode(string_view s) {
  return PyUnicode_DecodeUTF8(s.data(), static_cast<Py_ssize_t>(s.size()), "strict");
}

}  // namespace
