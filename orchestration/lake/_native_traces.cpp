// Native decoder of OTLP/JSON trace lines: spans, span events and span links straight to Arrow buffers.
//
// The fast path of landing for the common case; `orchestration/lake/native.py` drives it. It produces
// exactly the rows `normalize.Normalizer.traces` would, and refuses a whole line as soon as it meets
// anything outside that common case (an odd encoding, an error to quarantine, a value to cap): such a
// line goes through the Python path, which stays the reference. What each attribute key means (privacy
// kind, the typed columns it feeds) is asked of Python once per key, so the key tables live in one place.
//
// Built by setup.py against simdjson (DOM API) from the sources the pysimdjson wheel ships.

#define PY_SSIZE_T_CLEAN
#include <Python.h>

#include "simdjson.h"

#include <algorithm>
#include <charconv>
#include <cmath>
#include <cstdint>
#include <cstring>
#include <deque>
#include <optional>
#include <string>
#include <string_view>
#include <unordered_map>
#include <unordered_set>
#include <vector>

using simdjson::dom::array;
using simdjson::dom::element;
using simdjson::dom::element_type;
using simdjson::dom::object;
using std::optional;
using std::string;
using std::string_view;

namespace {

constexpr int64_t NS_PER_DAY = 86400LL * 1000000000LL;
constexpr int64_t MIN_EVENT_NS = 946684800LL * 1000000000LL;
constexpr int64_t MAX_EVENT_NS = 4102444800LL * 1000000000LL;
constexpr size_t MEMO_ENTRIES = 200000, MEMO_KEY_CHARS = 256, PLAN_ENTRIES = 100000;

// A line the fast path does not take: thrown anywhere below, caught per line.
struct Refuse {
  const char* why;
};
// A Python callback raised: the exception is set, decoding stops.
struct PyFailure {};

[[noreturn]] void refuse(const char* why) { throw Refuse{why}; }

// ---------------------------------------------------------------------------------------------
// Values

enum class VT : uint8_t { Null, Str, Int, Dbl, Bool, Arr };

struct Val {
  VT t = VT::Null;
  string_view s;
  int64_t i = 0;
  double d = 0;
  bool b = false;
  std::vector<Val> arr;
};

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

// Python's repr(float) (also str(float)): scientific outside 1e-4 <= |v| < 1e16, exponent e+XX.
void python_repr(string& out, double v) {
  string digits;
  int exp10;
  bool negative;
  shortest(v, digits, exp10, negative);
  if (negative) out += '-';
  if (exp10 >= -4 && exp10 < 16) {
    fixed_notation(out, digits, exp10);
  } else {
    mantissa(out, digits);
    char buf[16];
    std::snprintf(buf, sizeof buf, "e%c%02d", exp10 < 0 ? '-' : '+', std::abs(exp10));
    out += buf;
  }
}

// orjson's float format (3.13, the locked version; the equivalence tests pin it): scientific outside
// 1e-5 <= |v| < 1e16, exponent signed and not padded (1e+16, 1e-6).
void orjson_float(string& out, double v) {
  string digits;
  int exp10;
  bool negative;
  shortest(v, digits, exp10, negative);
  if (negative) out += '-';
  if (exp10 >= -5 && exp10 < 16) {
    fixed_notation(out, digits, exp10);
  } else {
    mantissa(out, digits);
    out += exp10 < 0 ? "e-" : "e+";
    out += std::to_string(std::abs(exp10));
  }
}

void json_string(string& out, string_view s) {
  static const char* hex = "0123456789abcdef";
  out += '"';
  size_t run = 0;
  for (size_t k = 0; k < s.size(); ++k) {
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
  }
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

// ---------------------------------------------------------------------------------------------
// Arrow column buffers

struct Column {
  char type;  // s string, l int64, d float64, b bool, D decimal128, i int32, t timestamp[us]
  size_t n = 0;
  std::vector<uint8_t> valid;
  std::vector<int32_t> offsets{0};
  string chars;
  std::vector<int64_t> i64;
  std::vector<double> f64;
  std::vector<uint8_t> bits;
  std::vector<__int128> dec;
  std::vector<int32_t> i32;

  explicit Column(char t) : type(t) {}
  void null() {
    valid.push_back(0);
    ++n;
    switch (type) {
      case 's': offsets.push_back(static_cast<int32_t>(chars.size())); break;
      case 'l': case 't': i64.push_back(0); break;
      case 'd': f64.push_back(0); break;
      case 'b': bits.push_back(0); break;
      case 'D': dec.push_back(0); break;
      case 'i': i32.push_back(0); break;
    }
  }
  void str(string_view s) {
    chars.append(s);
    offsets.push_back(static_cast<int32_t>(chars.size()));
    valid.push_back(1);
    ++n;
  }
  void str(const optional<string>& s) { s ? str(string_view(*s)) : null(); }
  void integer(int64_t v) { i64.push_back(v); valid.push_back(1); ++n; }
  void integer(const optional<int64_t>& v) { v ? integer(*v) : null(); }
  void real(double v) { f64.push_back(v); valid.push_back(1); ++n; }
  void boolean(bool v) { bits.push_back(v); valid.push_back(1); ++n; }
  void decimal(__int128 v) { dec.push_back(v); valid.push_back(1); ++n; }
  void int32(int32_t v) { i32.push_back(v); valid.push_back(1); ++n; }
};

PyObject* packed_bits(const std::vector<uint8_t>& flags) {
  PyObject* out = PyBytes_FromStringAndSize(nullptr, static_cast<Py_ssize_t>((flags.size() + 7) / 8));
  if (!out) return nullptr;
  auto* p = reinterpret_cast<uint8_t*>(PyBytes_AS_STRING(out));
  std::memset(p, 0, PyBytes_GET_SIZE(out));
  for (size_t k = 0; k < flags.size(); ++k)
    if (flags[k]) p[k >> 3] |= static_cast<uint8_t>(1u << (k & 7));
  return out;
}

template <typename T>
PyObject* raw_bytes(const std::vector<T>& v) {
  return PyBytes_FromStringAndSize(reinterpret_cast<const char*>(v.data()),
                                   static_cast<Py_ssize_t>(v.size() * sizeof(T)));
}

// (type, length, validity bitmap, values or offsets, string data or None)
PyObject* export_column(const Column& c) {
  PyObject* validity = packed_bits(c.valid);
  PyObject* first = nullptr;
  PyObject* second = Py_None;
  Py_INCREF(Py_None);
  switch (c.type) {
    case 's':
      first = raw_bytes(c.offsets);
      Py_DECREF(Py_None);
      second = PyBytes_FromStringAndSize(c.chars.data(), static_cast<Py_ssize_t>(c.chars.size()));
      break;
    case 'l': case 't': first = raw_bytes(c.i64); break;
    case 'd': first = raw_bytes(c.f64); break;
    case 'b': first = packed_bits(c.bits); break;
    case 'D': first = raw_bytes(c.dec); break;
    case 'i': first = raw_bytes(c.i32); break;
  }
  if (!validity || !first || !second) {
    Py_XDECREF(validity);
    Py_XDECREF(first);
    Py_XDECREF(second);
    return nullptr;
  }
  return Py_BuildValue("(CnNNN)", c.type, static_cast<Py_ssize_t>(c.n), validity, first, second);
}

struct Table {
  std::vector<std::pair<string, Column>> columns;
  std::unordered_map<string, size_t> index;
  Column& add(const string& name, char type) {
    index[name] = columns.size();
    columns.emplace_back(name, Column(type));
    return columns.back().second;
  }
  Column& operator[](const string& name) { return columns[index.at(name)].second; }
  // By a string literal: its address is a cheap key (columns never move once the table is built).
  std::unordered_map<const char*, Column*> by_literal;
  Column& operator[](const char* name) {
    auto found = by_literal.find(name);
    if (found != by_literal.end()) return *found->second;
    Column* column = &columns[index.at(name)].second;
    by_literal.emplace(name, column);
    return *column;
  }
  size_t rows() const { return columns.empty() ? 0 : columns[0].second.n; }
  PyObject* export_all() const {
    PyObject* out = PyDict_New();
    if (!out) return nullptr;
    for (const auto& [name, column] : columns) {
      PyObject* value = export_column(column);
      if (!value || PyDict_SetItemString(out, name.c_str(), value) < 0) {
        Py_XDECREF(value);
        Py_DECREF(out);
        return nullptr;
      }
      Py_DECREF(value);
    }
    return out;
  }
};

// ---------------------------------------------------------------------------------------------
// The decoder

enum Kind { PLAIN = 0, USER = 1, SESSION = 2, CONTENT = 3, METADATA = 4 };
enum Conv { C_STR, C_INT, C_FLOAT, C_BOOL, C_COST, C_TTFT, C_PROVIDER };

struct Plan {
  int kind;
  std::vector<std::pair<int, int>> hits;  // (column, rank)
  int flag;
  bool output_side;
};

struct Hit {
  int rank = -1;
  const Val* value = nullptr;
  string_view key;
};

struct Out {  // one typed column's value
  VT t = VT::Null;  // Str, Int, Dbl, Bool; Arr stands for a decimal here
  string s;
  int64_t i = 0;
  double d = 0;
  bool b = false;
  __int128 dec = 0;
};

struct Plan;

struct Redacted {
  std::vector<std::pair<string_view, Val>> attrs;
  std::vector<const Plan*> plans;  // of attrs, in step
  optional<string> user_hash, session_hash;
  optional<int64_t> input_chars, output_chars;
  std::vector<string> content_parts;  // key \0 text
  optional<string> content_hmac;
  std::vector<Hit> best;
  int flags = 0;
  const Val* get(string_view key) const {
    for (const auto& [k, v] : attrs)
      if (k == key) return &v;
    return nullptr;
  }
};

struct Resource {
  optional<string> attributes_json, schema_url, tenant, user_hash, session_hash;
  optional<string> pseudo[5];  // tenant, service name / version / namespace, deployment environment
  std::vector<Out> defaults;   // per LLM column (fallback columns only)
};

struct Scope {
  optional<string> name, version, attributes_json;
};

struct SpanRow {
  string trace_id, span_id;
  optional<string> parent, trace_state, name, status_message, attributes_json, content_hmac;
  const char* kind;
  const char* status_code;
  int64_t start;
  optional<int64_t> end, flags, input_chars, output_chars;
  int64_t dropped_attributes = 0, dropped_events = 0, dropped_links = 0;
  optional<string> tenant, user_hash, session_hash;
  std::vector<Out> llm;
  optional<string> convention, span_type;
  size_t resource, scope;
};

struct EventRow {
  size_t span;  // index in the line's spans
  int32_t index;
  optional<string> name, attributes_json;
  int64_t time;
  int64_t dropped_attributes = 0;
};

struct LinkRow {
  size_t span;
  int32_t index;
  optional<string> linked_trace, linked_span, trace_state, attributes_json;
  optional<int64_t> flags;
  int64_t dropped_attributes = 0;
};

const char* const SPAN_KINDS[] = {"UNSPECIFIED", "INTERNAL", "SERVER", "CLIENT", "PRODUCER", "CONSUMER"};
const char* const STATUS_CODES[] = {"UNSET", "OK", "ERROR"};
constexpr int PSEUDO_TENANT = 0, PSEUDO_COUNT = 5;

class Decoder {
 public:
  PyObject* plan_of = nullptr;
  PyObject* hash_id = nullptr;
  PyObject* hash_bytes = nullptr;
  PyObject* redact_metadata = nullptr;
  size_t max_value_chars = 0;
  std::vector<string> llm_names;
  std::vector<int> llm_conv;
  std::vector<bool> llm_fallback;
  int n_llm = 0;  // typed LLM columns; the pseudo columns follow them
  int op_col = -1, req_col = -1, resp_col = -1, tool_col = -1, feature_col = -1, team_col = -1;
  bool resolve_columns() {
    auto index = [this](const char* name) {
      for (int k = 0; k < n_llm; ++k)
        if (llm_names[k] == name) return k;
      return -1;
    };
    op_col = index("gen_ai_operation");
    req_col = index("request_model");
    resp_col = index("response_model");
    tool_col = index("tool_name");
    feature_col = index("feature");
    team_col = index("team");
    return op_col >= 0 && req_col >= 0 && resp_col >= 0 && tool_col >= 0 && feature_col >= 0 && team_col >= 0;
  }
  std::unordered_map<string, string> span_kind_types, operation_types;

  ~Decoder() {
    Py_XDECREF(plan_of);
    Py_XDECREF(hash_id);
    Py_XDECREF(hash_bytes);
    Py_XDECREF(redact_metadata);
  }

  PyObject* decode(const char* data, size_t size, int64_t first_line);

 private:
  simdjson::dom::parser parser_;
  bool overflowing_plans_ = false;
  std::deque<Plan> line_plans_;  // plans not memoized (the memo is full), for the current line
  // keyed by views of the strings in the deques beside them: a lookup allocates nothing
  std::unordered_map<string_view, Plan> plans_;
  std::deque<string> plan_keys_;
  std::unordered_map<string_view, string> id_memo_;
  std::deque<string> id_keys_;
  string padded_;  // the block plus simdjson's padding, reused
  std::deque<string> arena_;  // strings made for the current line (hashes, redacted metadata)
  Table spans_, events_, links_;

  // line state
  std::vector<Resource> resources_;
  std::vector<Scope> scopes_;
  std::vector<SpanRow> span_rows_;
  std::vector<EventRow> event_rows_;
  std::vector<LinkRow> link_rows_;

  void init_tables();
  const Plan& plan(string_view key);
  string call_str(PyObject* fn, PyObject* arg);
  string hash_identifier(string_view raw);
  Val decode_any(element value, int depth);
  Redacted filter(const optional<element>& items);
  void apply_filter(Redacted& r, string_view key, Val value);
  Out convert(int column, const Val& v, string_view key);
  optional<string> attrs_json(const Redacted& r);
  void decode_line(const char* p, size_t len, int64_t line_no);
  void decode_resource(object rs);
  void decode_span(element span_el, size_t resource, size_t scope);
  void fill_down();
  void append_line(int64_t line_no);
};

void Decoder::init_tables() {
  const char* str_cols[] = {"trace_id", "span_id", "parent_span_id", "trace_state", "span_name", "span_kind"};
  for (auto c : str_cols) spans_.add(c, 's');
  spans_.add("start_time_unix_nano", 'l');
  spans_.add("end_time_unix_nano", 'l');
  spans_.add("start_at", 't');
  spans_.add("end_at", 't');
  spans_.add("duration_ms", 'd');
  spans_.add("status_code", 's');
  spans_.add("status_message", 's');
  for (auto c : {"span_flags", "dropped_attributes_count", "dropped_events_count", "dropped_links_count"})
    spans_.add(c, 'l');
  spans_.add("attributes", 's');
  spans_.add("attributes_truncated", 'b');
  for (auto c : {"tenant_id", "user_hash", "session_hash", "llm_convention", "span_type"}) spans_.add(c, 's');
  for (int k = 0; k < n_llm; ++k) {
    int conv = llm_conv[k];
    char type = conv == C_INT ? 'l' : conv == C_FLOAT || conv == C_TTFT ? 'd' : conv == C_BOOL ? 'b'
              : conv == C_COST ? 'D' : 's';
    spans_.add(llm_names[k], type);
  }
  spans_.add("input_chars", 'l');
  spans_.add("output_chars", 'l');
  spans_.add("content_hmac", 's');

  events_.add("trace_id", 's');
  events_.add("span_id", 's');
  events_.add("event_index", 'i');
  events_.add("event_name", 's');
  events_.add("time_unix_nano", 'l');
  events_.add("event_at", 't');
  events_.add("dropped_attributes_count", 'l');
  events_.add("attributes", 's');
  events_.add("attributes_truncated", 'b');

  links_.add("trace_id", 's');
  links_.add("span_id", 's');
  links_.add("link_index", 'i');
  links_.add("linked_trace_id", 's');
  links_.add("linked_span_id", 's');
  links_.add("linked_trace_state", 's');
  links_.add("link_flags", 'l');
  links_.add("dropped_attributes_count", 'l');
  links_.add("attributes", 's');
  links_.add("attributes_truncated", 'b');

  for (Table* t : {&events_, &links_})
    for (auto c : {"tenant_id", "user_hash", "session_hash"}) t->add(c, 's');
  for (Table* t : {&spans_, &events_, &links_}) {
    for (auto c : {"service_name", "service_version", "service_namespace", "deployment_environment",
                   "resource_attributes", "resource_schema_url", "scope_name", "scope_version",
                   "scope_attributes", "source_offset"})
      t->add(c, 's');
    t->add("_day", 'i');
  }
}

string Decoder::call_str(PyObject* fn, PyObject* arg) {
  if (!arg) throw PyFailure{};
  PyObject* result = PyObject_CallOneArg(fn, arg);
  Py_DECREF(arg);
  if (!result) throw PyFailure{};
  Py_ssize_t n;
  const char* text = PyUnicode_AsUTF8AndSize(result, &n);
  if (!text) {
    Py_DECREF(result);
    throw PyFailure{};
  }
  string out(text, static_cast<size_t>(n));
  Py_DECREF(result);
  return out;
}

PyObject* unicode(string_view s) {
  return PyUnicode_DecodeUTF8(s.data(), static_cast<Py_ssize_t>(s.size()), "strict");
}

const Plan& Decoder::plan(string_view key) {
  auto found = plans_.find(key);
  if (found != plans_.end()) return found->second;
  PyObject* arg = unicode(key);
  if (!arg) throw PyFailure{};
  PyObject* result = PyObject_CallOneArg(plan_of, arg);
  Py_DECREF(arg);
  if (!result) throw PyFailure{};
  Plan p{};
  PyObject* hits = nullptr;
  int output_side = 0;
  if (!PyArg_ParseTuple(result, "iOip", &p.kind, &hits, &p.flag, &output_side)) {
    Py_DECREF(result);
    throw PyFailure{};
  }
  p.output_side = output_side;
  Py_ssize_t n = PySequence_Size(hits);
  for (Py_ssize_t k = 0; k < n; ++k) {
    PyObject* pair = PySequence_GetItem(hits, k);
    int column = 0, rank = 0;
    bool ok = pair && PyArg_ParseTuple(pair, "ii", &column, &rank);
    Py_XDECREF(pair);
    if (!ok) {
      Py_DECREF(result);
      throw PyFailure{};
    }
    p.hits.emplace_back(column, rank);
  }
  Py_DECREF(result);
  if (plans_.size() >= PLAN_ENTRIES) {  // hostile input with endless unique keys: start over between lines
    overflowing_plans_ = true;
    return line_plans_.emplace_back(std::move(p));
  }
  return plans_.emplace(plan_keys_.emplace_back(key), std::move(p)).first->second;
}

string Decoder::hash_identifier(string_view raw) {
  auto found = id_memo_.find(raw);
  if (found != id_memo_.end()) return found->second;
  string digest = call_str(hash_id, unicode(raw));
  if (raw.size() <= MEMO_KEY_CHARS && id_memo_.size() < MEMO_ENTRIES) id_memo_.emplace(id_keys_.emplace_back(raw), digest);
  return digest;
}

// values.decode_any_value for the kinds the fast path takes: one-key AnyValue objects of scalars,
// and arrays of those.
Val Decoder::decode_any(element value, int depth) {
  Val out;
  if (value.is_null()) return out;
  object obj;
  if (value.get(obj) != simdjson::SUCCESS) refuse("AnyValue not an object");
  size_t fields = 0;
  for (auto field : obj) {
    if (++fields > 1) refuse("AnyValue with several keys");
    string_view key = field.key;
    element inner = field.value;
    if (key == "stringValue") {
      if (inner.get(out.s) != simdjson::SUCCESS) refuse("stringValue not a string");
      out.t = VT::Str;
    } else if (key == "intValue") {
      if (inner.is_int64()) {
        out.i = inner.get_int64().value_unsafe();
      } else if (inner.is_uint64()) {
        out.i = static_cast<int64_t>(inner.get_uint64().value_unsafe());
      } else if (inner.is_string()) {
        auto n = strict_integer(inner.get_string().value_unsafe());
        if (!n || *n < -(static_cast<__int128>(1) << 63) || *n >= (static_cast<__int128>(1) << 64)) refuse("intValue not a 64-bit integer");
        out.i = static_cast<int64_t>(static_cast<uint64_t>(*n));
      } else {
        refuse("intValue not an integer");
      }
      out.t = VT::Int;
    } else if (key == "doubleValue") {
      if (inner.is_double()) out.d = inner.get_double().value_unsafe();
      else if (inner.is_int64()) out.d = static_cast<double>(inner.get_int64().value_unsafe());
      else refuse("doubleValue as a string");
      if (!std::isfinite(out.d)) refuse("doubleValue not finite");
      out.t = VT::Dbl;
    } else if (key == "boolValue") {
      if (inner.get(out.b) != simdjson::SUCCESS) refuse("boolValue not a boolean");
      out.t = VT::Bool;
    } else if (key == "arrayValue") {
      if (depth > 0) refuse("nested arrayValue");
      out.t = VT::Arr;
      if (inner.is_null()) continue;
      object arr_obj;
      if (inner.get(arr_obj) != simdjson::SUCCESS) refuse("arrayValue not an object");
      for (auto af : arr_obj) {
        if (af.key != "values") continue;  // the only field of ArrayValue
        if (af.value.is_null()) continue;
        array items;
        if (af.value.get(items) != simdjson::SUCCESS) refuse("arrayValue.values not a list");
        out.arr.clear();
        for (element item : items) out.arr.push_back(decode_any(item, depth + 1));
      }
    } else {
      refuse("bytes, kvlist or an unknown AnyValue kind");
    }
  }
  return out;
}

void Decoder::apply_filter(Redacted& r, string_view key, Val value) {
  const Plan& p = plan(key);
  switch (p.kind) {
    case PLAIN:
      if (value.t == VT::Str) {
        if (value.s.size() > max_value_chars && code_points(value.s) > max_value_chars) refuse("a value to cap");
      } else if (value.t == VT::Arr) {
        string encoded;
        json_value(encoded, value);
        if (encoded.size() > max_value_chars) refuse("a list to cap");
      }
      break;
    case USER:
    case SESSION:
      if (value.t == VT::Null || (value.t == VT::Str && value.s.empty())) break;
      if (value.t != VT::Str) refuse("an id that is not a string");
      {
        string& digest = arena_.emplace_back(hash_identifier(value.s));
        if (p.kind == USER) {
          if (!r.user_hash) r.user_hash = digest;
        } else if (!r.session_hash) {
          r.session_hash = digest;
        }
        value.s = digest;
      }
      break;
    case CONTENT: {
      // privacy._text_of: a string as it is, anything else as its JSON (orjson's format)
      string part(key);
      part.push_back('\0');
      size_t text_start = part.size();
      if (value.t == VT::Str) part.append(value.s);
      else json_value(part, value);
      auto chars = static_cast<int64_t>(code_points(string_view(part).substr(text_start)));
      auto& side = p.output_side ? r.output_chars : r.input_chars;
      side = side.value_or(0) + chars;
      r.content_parts.push_back(std::move(part));
      return;  // dropped: it marks no convention and feeds no column
    }
    case METADATA:
      if (value.t == VT::Str && !value.s.empty() && value.s[0] == '{') {
        value.s = arena_.emplace_back(call_str(redact_metadata, unicode(value.s)));
      }
      break;
  }
  r.flags |= p.flag;
  r.attrs.emplace_back(key, std::move(value));  // its typed-column hits are taken in filter()
  r.plans.push_back(&p);
}

Redacted Decoder::filter(const optional<element>& items) {
  Redacted r;
  r.best.resize(n_llm + PSEUDO_COUNT);
  if (!items || items->is_null()) return r;
  r.attrs.reserve(32);
  r.plans.reserve(32);
  array list;
  if (items->get(list) != simdjson::SUCCESS) refuse("attributes not a list");
  std::vector<string_view> keys;
  for (element item : list) {
    object kv;
    if (item.get(kv) != simdjson::SUCCESS) refuse("attribute not an object");
    optional<string_view> key;
    element value_el;
    bool has_value = false;
    for (auto f : kv) {
      if (f.key == "key") {
        string_view k;
        if (f.value.get(k) != simdjson::SUCCESS) refuse("attribute key not a string");
        key = k;
      } else if (f.key == "value") {
        value_el = f.value;
        has_value = true;
      }
    }
    if (!key) refuse("attribute without a key");
    Val value = has_value ? decode_any(value_el, 0) : Val{};
    keys.push_back(*key);
    apply_filter(r, *key, std::move(value));
  }
  if (keys.size() > 1) {  // a repeated key: last one wins, which the Python path sorts out
    std::sort(keys.begin(), keys.end());
    if (std::adjacent_find(keys.begin(), keys.end()) != keys.end()) refuse("a repeated attribute key");
  }
  // typed-column candidates: a lower rank wins, then the first seen (semantics.add_hit)
  for (size_t k = 0; k < r.attrs.size(); ++k) {
    const auto& [key, value] = r.attrs[k];
    if (value.t == VT::Null || (value.t == VT::Str && value.s.empty())) continue;
    for (auto [column, rank] : r.plans[k]->hits) {
      Hit& h = r.best[column];
      if (h.value == nullptr || rank < h.rank) h = Hit{rank, &value, key};
    }
  }
  if (!r.content_parts.empty()) {
    std::sort(r.content_parts.begin(), r.content_parts.end());
    string joined;
    for (size_t k = 0; k < r.content_parts.size(); ++k) {
      if (k) joined.push_back('\x01');
      joined += r.content_parts[k];
    }
    r.content_hmac = call_str(hash_bytes, PyBytes_FromStringAndSize(joined.data(), joined.size()));
  }
  return r;
}

optional<string> Decoder::attrs_json(const Redacted& r) {
  if (r.attrs.empty()) return std::nullopt;
  string out = "{";
  for (size_t k = 0; k < r.attrs.size(); ++k) {
    if (k) out += ',';
    json_string(out, r.attrs[k].first);
    out += ':';
    json_value(out, r.attrs[k].second);
  }
  out += '}';
  return out;
}

// The semantics converters (_as_str, _as_int, _as_float, _as_bool, as_cost, _ttft_ms, _provider).
Out Decoder::convert(int column, const Val& v, string_view key) {
  Out out;
  int conv = column < n_llm ? llm_conv[column] : C_STR;
  switch (conv) {
    case C_STR:
    case C_PROVIDER:
      if (v.t == VT::Null) return out;
      if (v.t == VT::Arr) {
        for (size_t k = 0; k < v.arr.size(); ++k) {
          if (k) out.s += ',';
          python_str(out.s, v.arr[k]);
        }
      } else {
        python_str(out.s, v);
      }
      if (conv == C_PROVIDER) {
        if (out.s.empty()) return Out{};
        if (!is_ascii(out.s)) refuse("non-ASCII provider");
        for (char& c : out.s) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
      }
      out.t = VT::Str;
      return out;
    case C_INT:
      switch (v.t) {
        case VT::Int: out.i = v.i; break;
        case VT::Dbl: {
          double r = std::nearbyint(v.d);  // round half to even, as Python's round()
          if (!(r >= -9223372036854775808.0 && r < 9223372036854775808.0)) return out;
          out.i = static_cast<int64_t>(r);
          break;
        }
        case VT::Str: {
          if (auto n = strict_integer(v.s)) {
            if (*n < -(static_cast<__int128>(1) << 63) || *n >= (static_cast<__int128>(1) << 63)) return out;
            out.i = static_cast<int64_t>(*n);
            break;
          }
          bool negative;
          string digits;
          int exponent;
          if (!strict_decimal(v.s, negative, digits, exponent)) refuse("an integer column from an unusual string");
          double d = std::strtod(string(v.s).c_str(), nullptr);
          if (!std::isfinite(d)) refuse("an integer column from a non-finite string");
          double t = std::trunc(d);
          if (!(t >= -9223372036854775808.0 && t < 9223372036854775808.0)) return out;
          out.i = static_cast<int64_t>(t);
          break;
        }
        default: return out;  // None, bool, list
      }
      out.t = VT::Int;
      return out;
    case C_FLOAT:
    case C_TTFT: {
      switch (v.t) {
        case VT::Int: out.d = static_cast<double>(v.i); break;
        case VT::Dbl: out.d = v.d; break;
        case VT::Str: {
          bool negative;
          string digits;
          int exponent;
          if (!strict_decimal(v.s, negative, digits, exponent)) refuse("a number column from an unusual string");
          out.d = std::strtod(string(v.s).c_str(), nullptr);
          break;
        }
        default: return out;
      }
      if (conv == C_TTFT && !(key.size() >= 3 && key.substr(key.size() - 3) == "_ms")) out.d *= 1000.0;
      out.t = VT::Dbl;
      return out;
    }
    case C_BOOL:
      switch (v.t) {
        case VT::Bool: out.b = v.b; break;
        case VT::Int: out.b = v.i != 0; break;
        case VT::Dbl: out.b = v.d != 0; break;
        case VT::Str: {
          for (unsigned char c : v.s)
            if (c < 0x20 || c >= 0x7f) refuse("a boolean column from an unusual string");
          string_view s = v.s;
          while (!s.empty() && s.front() == ' ') s.remove_prefix(1);
          while (!s.empty() && s.back() == ' ') s.remove_suffix(1);
          string lowered(s);
          for (char& c : lowered) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
          if (lowered == "true" || lowered == "1" || lowered == "yes") out.b = true;
          else if (lowered == "false" || lowered == "0" || lowered == "no") out.b = false;
          else return out;
          break;
        }
        default: return out;
      }
      out.t = VT::Bool;
      return out;
    case C_COST: {
      bool negative = false;
      string digits;
      int exponent = 0;
      switch (v.t) {
        case VT::Int: {
          negative = v.i < 0;
          __int128 m = v.i;
          if (negative) m = -m;
          digits = m == 0 ? "0" : "";
          while (m > 0) {
            digits.insert(digits.begin(), static_cast<char>('0' + static_cast<int>(m % 10)));
            m /= 10;
          }
          break;
        }
        case VT::Dbl: {
          int exp10;
          shortest(v.d, digits, exp10, negative);
          exponent = exp10 - static_cast<int>(digits.size()) + 1;
          break;
        }
        case VT::Str:
          if (!strict_decimal(v.s, negative, digits, exponent)) refuse("a cost from an unusual string");
          break;
        default: return out;
      }
      auto n = quantize_9(negative, digits, exponent);
      if (!n) return out;
      out.dec = *n;
      out.t = VT::Arr;
      return out;
    }
  }
  return out;
}

// --- field readers (values.py semantics; anything lenient beyond the spec refuses the line) ----

optional<string_view> read_str(element e) {
  if (e.is_null()) return std::nullopt;
  string_view s;
  if (e.get(s) != simdjson::SUCCESS) refuse("a string field that is not a string");
  if (s.empty()) return std::nullopt;
  return s;
}

optional<string> opt_string(optional<string_view> s) { return s ? optional<string>(string(*s)) : std::nullopt; }

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

bool hex_id(string_view s, size_t n_bytes, string& out) {
  if (s.size() != 2 * n_bytes) return false;
  out.resize(s.size());
  for (size_t k = 0; k < s.size(); ++k) {
    char c = s[k];
    if (c >= 'A' && c <= 'F') c = static_cast<char>(c - 'A' + 'a');
    else if (!((c >= '0' && c <= '9') || (c >= 'a' && c <= 'f'))) return false;
    out[k] = c;
  }
  return true;
}

// Canonical base64 (protobuf's JSON mapping of bytes) of exactly n_bytes, as lowercase hex.
bool base64_id(string_view s, size_t n_bytes, string& out) {
  if (s.empty() || s.size() % 4 != 0) return false;
  size_t pad = 0;
  while (pad < 2 && pad < s.size() && s[s.size() - 1 - pad] == '=') ++pad;
  string_view body = s.substr(0, s.size() - pad);
  if ((body.size() + pad) / 4 * 3 - pad != n_bytes) return false;
  static const char* hex = "0123456789abcdef";
  out.clear();
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
      out += hex[byte >> 4];
      out += hex[byte & 15];
    }
  }
  return out.size() == 2 * n_bytes;
}

optional<string> read_id(const optional<element>& e, size_t n_bytes, bool required) {
  auto s = e ? read_str(*e) : std::nullopt;
  if (!s) return required ? optional<string>(string(2 * n_bytes, '0')) : std::nullopt;
  string out;
  if (!hex_id(*s, n_bytes, out) && !base64_id(*s, n_bytes, out)) refuse("an id neither hex nor base64 of its length");
  return out;
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

void Decoder::decode_resource(object rs) {
  optional<element> resource, scope_spans;
  optional<string> schema_url;
  for (auto f : rs) {
    if (f.key == "resource") resource = f.value;
    else if (f.key == "scopeSpans") scope_spans = f.value;
    else if (f.key == "schemaUrl") schema_url = opt_string(read_str(f.value));
    else if (is_snake_case_field(f.key) || f.key == "instrumentationLibrarySpans") refuse("a resource field in snake_case or an old name");
  }
  Resource res;
  res.schema_url = schema_url;
  res.defaults.resize(n_llm);
  Redacted r;
  if (resource && !resource->is_null()) {
    object robj;
    if (resource->get(robj) != simdjson::SUCCESS) refuse("resource not an object");
    optional<element> attrs;
    for (auto f : robj)
      if (f.key == "attributes") attrs = f.value;
    r = filter(attrs);
  }
  if (r.best.empty()) r.best.resize(n_llm + PSEUDO_COUNT);
  res.attributes_json = attrs_json(r);
  res.user_hash = r.user_hash;
  res.session_hash = r.session_hash;
  for (int k = 0; k < PSEUDO_COUNT; ++k) {
    const Hit& h = r.best[n_llm + k];
    if (h.value) res.pseudo[k] = convert(n_llm + k, *h.value, h.key).s;
  }
  for (int k = 0; k < n_llm; ++k) {
    const Hit& h = r.best[k];
    if (llm_fallback[k] && h.value) res.defaults[k] = convert(k, *h.value, h.key);
  }
  size_t resource_index = resources_.size();
  resources_.push_back(std::move(res));
  if (!scope_spans || scope_spans->is_null()) return;
  array scopes;
  if (scope_spans->get(scopes) != simdjson::SUCCESS) refuse("scopeSpans not a list");
  for (element scope_el : scopes) {
    object sobj;
    if (scope_el.get(sobj) != simdjson::SUCCESS) refuse("scope not an object");
    optional<element> scope, spans;
    for (auto f : sobj) {
      if (f.key == "scope") scope = f.value;
      else if (f.key == "spans") spans = f.value;
      else if (is_snake_case_field(f.key)) refuse("a scope field in snake_case");
    }
    Scope sc;
    if (scope && !scope->is_null()) {
      object scobj;
      if (scope->get(scobj) != simdjson::SUCCESS) refuse("scope not an object");
      optional<element> attrs;
      for (auto f : scobj) {
        if (f.key == "name") sc.name = opt_string(read_str(f.value));
        else if (f.key == "version") sc.version = opt_string(read_str(f.value));
        else if (f.key == "attributes") attrs = f.value;
      }
      sc.attributes_json = attrs_json(filter(attrs));
    }
    size_t scope_index = scopes_.size();
    scopes_.push_back(std::move(sc));
    if (!spans || spans->is_null()) continue;
    array span_list;
    if (spans->get(span_list) != simdjson::SUCCESS) refuse("spans not a list");
    for (element span : span_list) decode_span(span, resource_index, scope_index);
  }
}

void Decoder::decode_span(element span_el, size_t resource, size_t scope) {
  object span;
  if (span_el.get(span) != simdjson::SUCCESS) refuse("span not an object");
  SpanRow row;
  row.resource = resource;
  row.scope = scope;
  optional<element> trace_id, span_id, parent, attributes, events, links, status, kind;
  optional<int64_t> start, end;
  for (auto f : span) {
    string_view k = f.key;
    if (k == "traceId") trace_id = f.value;
    else if (k == "spanId") span_id = f.value;
    else if (k == "parentSpanId") parent = f.value;
    else if (k == "traceState") row.trace_state = opt_string(read_str(f.value));
    else if (k == "name") row.name = opt_string(read_str(f.value));
    else if (k == "kind") kind = f.value;
    else if (k == "startTimeUnixNano") start = read_int(f.value);
    else if (k == "endTimeUnixNano") end = read_int(f.value);
    else if (k == "attributes") attributes = f.value;
    else if (k == "events") events = f.value;
    else if (k == "links") links = f.value;
    else if (k == "status") status = f.value;
    else if (k == "flags") row.flags = read_int(f.value);
    else if (k == "droppedAttributesCount") row.dropped_attributes = read_int(f.value).value_or(0);
    else if (k == "droppedEventsCount") row.dropped_events = read_int(f.value).value_or(0);
    else if (k == "droppedLinksCount") row.dropped_links = read_int(f.value).value_or(0);
    else if (is_snake_case_field(k)) refuse("a span field in snake_case");
  }
  row.trace_id = *read_id(trace_id, 16, true);
  row.span_id = *read_id(span_id, 8, true);
  row.parent = read_id(parent, 8, false);
  row.kind = kind ? read_enum(*kind, SPAN_KINDS, "SPAN_KIND_") : SPAN_KINDS[0];
  row.start = checked_time(start);
  if (end && *end != 0) checked_time(end);
  row.end = end;
  row.status_code = STATUS_CODES[0];
  if (status && !status->is_null()) {
    object sobj;
    if (status->get(sobj) != simdjson::SUCCESS) refuse("status not an object");
    for (auto f : sobj) {
      if (f.key == "code") row.status_code = read_enum(f.value, STATUS_CODES, "STATUS_CODE_");
      else if (f.key == "message") row.status_message = opt_string(read_str(f.value));
    }
  }
  Redacted r = filter(attributes);
  const Resource& res = resources_[resource];
  row.attributes_json = attrs_json(r);
  row.input_chars = r.input_chars;
  row.output_chars = r.output_chars;
  row.content_hmac = r.content_hmac;
  // semantics.llm_columns
  row.llm.resize(n_llm);
  for (int k = 0; k < n_llm; ++k) {
    const Hit& h = r.best[k];
    if (h.value) row.llm[k] = convert(k, *h.value, h.key);
    if (row.llm[k].t == VT::Null && llm_fallback[k]) row.llm[k] = res.defaults[k];
  }
  int flags = r.flags;
  if (flags & 1) row.convention = "openinference";
  else if (flags & 2) row.convention = "openllmetry";
  else if (flags & 4) row.convention = "genai";
  // semantics._span_type
  const Val* kind_attr = r.get("openinference.span.kind");
  auto truthy = [](const Val* v) {
    if (!v) return false;
    switch (v->t) {
      case VT::Null: return false;
      case VT::Str: return !v->s.empty();
      case VT::Int: return v->i != 0;
      case VT::Dbl: return v->d != 0;
      case VT::Bool: return v->b;
      case VT::Arr: return !v->arr.empty();
    }
    return false;
  };
  if (!truthy(kind_attr)) kind_attr = r.get("traceloop.span.kind");
  if (kind_attr && kind_attr->t == VT::Str && span_kind_types.count(string(kind_attr->s))) {
    row.span_type = span_kind_types.at(string(kind_attr->s));
  } else {
    const Out& op = row.llm[op_col];
    bool typed = false;
    if (op.t == VT::Str && !op.s.empty()) {
      if (!is_ascii(op.s)) refuse("non-ASCII operation");
      string lowered = op.s;
      for (char& c : lowered) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
      auto found = operation_types.find(lowered);
      if (found != operation_types.end()) {
        row.span_type = found->second;
        typed = true;
      }
    }
    if (!typed) {
      if ((row.llm[req_col].t == VT::Str && !row.llm[req_col].s.empty()) ||
          (row.llm[resp_col].t == VT::Str && !row.llm[resp_col].s.empty())) {
        row.span_type = "llm";
      } else if (row.llm[tool_col].t != VT::Null) {
        row.span_type = "tool";
      }
    }
  }
  // subject: the span's own, else its resource's
  const Hit& tenant = r.best[n_llm + PSEUDO_TENANT];
  if (tenant.value) {
    string t = convert(n_llm + PSEUDO_TENANT, *tenant.value, tenant.key).s;
    if (!t.empty()) row.tenant = t;
  }
  if (!row.tenant) row.tenant = res.pseudo[PSEUDO_TENANT];
  row.user_hash = r.user_hash ? r.user_hash : res.user_hash;
  row.session_hash = r.session_hash ? r.session_hash : res.session_hash;

  size_t span_index = span_rows_.size();
  if (events && !events->is_null()) {
    array list;
    if (events->get(list) != simdjson::SUCCESS) refuse("events not a list");
    int32_t j = 0;
    for (element ev_el : list) {
      object ev;
      if (ev_el.get(ev) != simdjson::SUCCESS) refuse("event not an object");
      EventRow er;
      er.span = span_index;
      er.index = j++;
      optional<element> attrs;
      optional<int64_t> time;
      for (auto f : ev) {
        if (f.key == "name") er.name = opt_string(read_str(f.value));
        else if (f.key == "timeUnixNano") time = read_int(f.value);
        else if (f.key == "attributes") attrs = f.value;
        else if (f.key == "droppedAttributesCount") er.dropped_attributes = read_int(f.value).value_or(0);
        else if (is_snake_case_field(f.key)) refuse("an event field in snake_case");
      }
      Redacted er_r = filter(attrs);
      er.time = checked_time(time && *time != 0 ? time : optional<int64_t>(row.start));
      er.attributes_json = attrs_json(er_r);
      int64_t chars = er_r.input_chars.value_or(0) + er_r.output_chars.value_or(0);
      if (chars) {
        bool completion = er.name && er.name->find("completion") != string::npos;
        auto& side = completion ? row.output_chars : row.input_chars;
        side = side.value_or(0) + chars;
      }
      event_rows_.push_back(std::move(er));
    }
  }
  if (links && !links->is_null()) {
    array list;
    if (links->get(list) != simdjson::SUCCESS) refuse("links not a list");
    int32_t j = 0;
    for (element ln_el : list) {
      object ln;
      if (ln_el.get(ln) != simdjson::SUCCESS) refuse("link not an object");
      LinkRow lr;
      lr.span = span_index;
      lr.index = j++;
      optional<element> attrs;
      for (auto f : ln) {
        if (f.key == "traceId") lr.linked_trace = read_id(f.value, 16, false);
        else if (f.key == "spanId") lr.linked_span = read_id(f.value, 8, false);
        else if (f.key == "traceState") lr.trace_state = opt_string(read_str(f.value));
        else if (f.key == "flags") lr.flags = read_int(f.value);
        else if (f.key == "attributes") attrs = f.value;
        else if (f.key == "droppedAttributesCount") lr.dropped_attributes = read_int(f.value).value_or(0);
        else if (is_snake_case_field(f.key)) refuse("a link field in snake_case");
      }
      lr.attributes_json = attrs_json(filter(attrs));
      link_rows_.push_back(std::move(lr));
    }
  }
  span_rows_.push_back(std::move(row));
}

// normalize.fill_down_from_trace_roots, for the spans of one request.
void Decoder::fill_down() {
  struct Ctx { optional<string> v[5]; };
  auto get = [&](SpanRow& row, int c) -> optional<string> {
    switch (c) {
      case 0: return row.tenant;
      case 1: return row.llm[feature_col].t == VT::Str ? optional<string>(row.llm[feature_col].s) : std::nullopt;
      case 2: return row.llm[team_col].t == VT::Str ? optional<string>(row.llm[team_col].s) : std::nullopt;
      case 3: return row.user_hash;
      default: return row.session_hash;
    }
  };
  auto set = [&](SpanRow& row, int c, const string& value) {
    switch (c) {
      case 0: row.tenant = value; break;
      case 1: row.llm[feature_col].t = VT::Str; row.llm[feature_col].s = value; break;
      case 2: row.llm[team_col].t = VT::Str; row.llm[team_col].s = value; break;
      case 3: row.user_hash = value; break;
      default: row.session_hash = value;
    }
  };
  std::unordered_map<string, Ctx> context;
  for (auto& row : span_rows_) {
    auto found = context.find(row.trace_id);
    bool is_root = !row.parent;
    if (found == context.end()) {
      Ctx ctx;
      for (int c = 0; c < 5; ++c) ctx.v[c] = get(row, c);
      context.emplace(row.trace_id, std::move(ctx));
    } else {
      for (int c = 0; c < 5; ++c) {
        auto value = get(row, c);
        if (value && (!found->second.v[c] || is_root)) found->second.v[c] = value;
      }
    }
  }
  for (auto& row : span_rows_) {
    Ctx& known = context[row.trace_id];
    for (int c = 0; c < 5; ++c)
      if (!get(row, c) && known.v[c]) set(row, c, *known.v[c]);
  }
}

void Decoder::decode_line(const char* p, size_t len, int64_t line_no) {
  element doc;
  if (parser_.parse(reinterpret_cast<const uint8_t*>(p), len, false).get(doc) != simdjson::SUCCESS) refuse("malformed JSON");
  object request;
  if (doc.get(request) != simdjson::SUCCESS) refuse("not a JSON object");
  optional<element> resource_spans;
  for (auto f : request) {
    if (f.key == "resourceSpans") resource_spans = f.value;
    else if (f.key == "resource_spans") refuse("resource_spans in snake_case");
  }
  if (!resource_spans) refuse("not traces");
  if (resource_spans->is_null()) return;
  array list;
  if (resource_spans->get(list) != simdjson::SUCCESS) refuse("resourceSpans not a list");
  for (element rs : list) {
    object rs_obj;
    if (rs.get(rs_obj) != simdjson::SUCCESS) refuse("resourceSpans entry not an object");
    decode_resource(rs_obj);
  }
  fill_down();
  (void)line_no;
}

void Decoder::append_line(int64_t line_no) {
  string location = "line " + std::to_string(line_no);
  auto resource_columns = [&](Table& t, const Resource& res, const Scope& sc, int32_t day) {
    t["service_name"].str(res.pseudo[1]);
    t["service_version"].str(res.pseudo[2]);
    t["service_namespace"].str(res.pseudo[3]);
    t["deployment_environment"].str(res.pseudo[4]);
    t["resource_attributes"].str(res.attributes_json);
    t["resource_schema_url"].str(res.schema_url);
    t["scope_name"].str(sc.name);
    t["scope_version"].str(sc.version);
    t["scope_attributes"].str(sc.attributes_json);
    t["source_offset"].str(string_view(location));
    t["_day"].int32(day);
  };
  std::vector<Column*> llm_cols;
  for (int k = 0; k < n_llm; ++k) llm_cols.push_back(&spans_[llm_names[k]]);
  for (const SpanRow& row : span_rows_) {
    int32_t day = static_cast<int32_t>(row.start / NS_PER_DAY);
    spans_["trace_id"].str(string_view(row.trace_id));
    spans_["span_id"].str(string_view(row.span_id));
    spans_["parent_span_id"].str(row.parent);
    spans_["trace_state"].str(row.trace_state);
    spans_["span_name"].str(row.name);
    spans_["span_kind"].str(string_view(row.kind));
    spans_["start_time_unix_nano"].integer(row.start);
    optional<int64_t> end = row.end && *row.end != 0 ? row.end : std::nullopt;
    spans_["end_time_unix_nano"].integer(end);
    spans_["start_at"].integer(row.start / 1000);
    bool valid_end = end && *end >= row.start;
    if (valid_end) {
      spans_["end_at"].integer(*end / 1000);
      spans_["duration_ms"].real(static_cast<double>(*end - row.start) / 1e6);
    } else {
      spans_["end_at"].null();
      spans_["duration_ms"].null();
    }
    spans_["status_code"].str(string_view(row.status_code));
    spans_["status_message"].str(row.status_message);
    spans_["span_flags"].integer(row.flags);
    spans_["dropped_attributes_count"].integer(row.dropped_attributes);
    spans_["dropped_events_count"].integer(row.dropped_events);
    spans_["dropped_links_count"].integer(row.dropped_links);
    spans_["attributes"].str(row.attributes_json);
    spans_["attributes_truncated"].boolean(false);
    spans_["tenant_id"].str(row.tenant);
    spans_["user_hash"].str(row.user_hash);
    spans_["session_hash"].str(row.session_hash);
    spans_["llm_convention"].str(row.convention);
    spans_["span_type"].str(row.span_type);
    for (int k = 0; k < n_llm; ++k) {
      const Out& o = row.llm[k];
      Column& c = *llm_cols[k];
      switch (o.t) {
        case VT::Null: c.null(); break;
        case VT::Str: c.str(string_view(o.s)); break;
        case VT::Int: c.integer(o.i); break;
        case VT::Dbl: c.real(o.d); break;
        case VT::Bool: c.boolean(o.b); break;
        case VT::Arr: c.decimal(o.dec); break;
      }
    }
    spans_["input_chars"].integer(row.input_chars);
    spans_["output_chars"].integer(row.output_chars);
    spans_["content_hmac"].str(row.content_hmac);
    resource_columns(spans_, resources_[row.resource], scopes_[row.scope], day);
  }
  // span events and links take the span's subject after the fill-down (normalize.traces)
  for (const EventRow& ev : event_rows_) {
    const SpanRow& span = span_rows_[ev.span];
    events_["trace_id"].str(string_view(span.trace_id));
    events_["span_id"].str(string_view(span.span_id));
    events_["event_index"].int32(ev.index);
    events_["event_name"].str(ev.name);
    events_["time_unix_nano"].integer(ev.time);
    events_["event_at"].integer(ev.time / 1000);
    events_["dropped_attributes_count"].integer(ev.dropped_attributes);
    events_["attributes"].str(ev.attributes_json);
    events_["attributes_truncated"].boolean(false);
    events_["tenant_id"].str(span.tenant);
    events_["user_hash"].str(span.user_hash);
    events_["session_hash"].str(span.session_hash);
    resource_columns(events_, resources_[span.resource], scopes_[span.scope],
                     static_cast<int32_t>(span.start / NS_PER_DAY));
  }
  for (const LinkRow& ln : link_rows_) {
    const SpanRow& span = span_rows_[ln.span];
    links_["trace_id"].str(string_view(span.trace_id));
    links_["span_id"].str(string_view(span.span_id));
    links_["link_index"].int32(ln.index);
    links_["linked_trace_id"].str(ln.linked_trace);
    links_["linked_span_id"].str(ln.linked_span);
    links_["linked_trace_state"].str(ln.trace_state);
    links_["link_flags"].integer(ln.flags);
    links_["dropped_attributes_count"].integer(ln.dropped_attributes);
    links_["attributes"].str(ln.attributes_json);
    links_["attributes_truncated"].boolean(false);
    links_["tenant_id"].str(span.tenant);
    links_["user_hash"].str(span.user_hash);
    links_["session_hash"].str(span.session_hash);
    resource_columns(links_, resources_[span.resource], scopes_[span.scope],
                     static_cast<int32_t>(span.start / NS_PER_DAY));
  }
}

bool is_space(char c) { return c == ' ' || c == '\t' || c == '\n' || c == '\r' || c == '\x0b' || c == '\x0c'; }

// One block of whole lines → (tables, refused lines as (line, start, end), spans landed, lines taken).
PyObject* Decoder::decode(const char* data, size_t size, int64_t first_line) {
  spans_ = Table();
  events_ = Table();
  links_ = Table();
  init_tables();
  // simdjson reads up to SIMDJSON_PADDING bytes past a line: give the block that much slack
  padded_.assign(data, size);
  padded_.append(simdjson::SIMDJSON_PADDING, ' ');
  const string& padded = padded_;
  PyObject* refused = PyList_New(0);
  if (!refused) return nullptr;
  int64_t spans_in = 0, lines_taken = 0;
  int64_t line_no = first_line;
  size_t pos = 0;
  try {
    while (pos < size) {
      const char* nl = static_cast<const char*>(std::memchr(padded.data() + pos, '\n', size - pos));
      size_t line_end = nl ? static_cast<size_t>(nl - padded.data()) : size;
      size_t a = pos, b = line_end;
      while (a < b && is_space(padded[a])) ++a;
      while (b > a && is_space(padded[b - 1])) --b;
      if (a < b) {
        if (overflowing_plans_) {
          plans_.clear();
          plan_keys_.clear();
          overflowing_plans_ = false;
        }
        line_plans_.clear();
        resources_.clear();
        scopes_.clear();
        span_rows_.clear();
        event_rows_.clear();
        link_rows_.clear();
        arena_.clear();
        const char* why = nullptr;
        try {
          decode_line(padded.data() + a, b - a, line_no);
        } catch (const Refuse& refusal) {
          why = refusal.why;
        }
        bool taken = why == nullptr;
        if (taken) {
          append_line(line_no);
          spans_in += static_cast<int64_t>(span_rows_.size());
          ++lines_taken;
        } else {
          PyObject* item = Py_BuildValue("(Lnns)", static_cast<long long>(line_no), static_cast<Py_ssize_t>(a),
                                         static_cast<Py_ssize_t>(b), why);
          if (!item || PyList_Append(refused, item) < 0) {
            Py_XDECREF(item);
            Py_DECREF(refused);
            return nullptr;
          }
          Py_DECREF(item);
        }
      }
      pos = line_end + 1;
      ++line_no;
    }
  } catch (const PyFailure&) {
    Py_DECREF(refused);
    return nullptr;
  }
  PyObject* tables = PyDict_New();
  if (!tables) {
    Py_DECREF(refused);
    return nullptr;
  }
  const std::pair<const char*, Table*> named[] = {{"spans", &spans_}, {"span_events", &events_},
                                                  {"span_links", &links_}};
  for (auto [name, table] : named) {
    PyObject* columns = table->export_all();
    if (!columns || PyDict_SetItemString(tables, name, columns) < 0) {
      Py_XDECREF(columns);
      Py_DECREF(tables);
      Py_DECREF(refused);
      return nullptr;
    }
    Py_DECREF(columns);
  }
  spans_ = Table();
  events_ = Table();
  links_ = Table();
  return Py_BuildValue("(NNLL)", tables, refused, static_cast<long long>(spans_in),
                       static_cast<long long>(lines_taken));
}

// ---------------------------------------------------------------------------------------------
// Python type

struct DecoderObject {
  PyObject_HEAD
  Decoder* decoder;
};

int conv_code(const string& name) {
  static const std::unordered_map<string, int> codes = {{"str", C_STR},   {"int", C_INT},   {"float", C_FLOAT},
                                                        {"bool", C_BOOL}, {"cost", C_COST}, {"ttft", C_TTFT},
                                                        {"provider", C_PROVIDER}};
  auto found = codes.find(name);
  return found == codes.end() ? -1 : found->second;
}

bool read_str_map(PyObject* dict, std::unordered_map<string, string>& out) {
  PyObject *key, *value;
  Py_ssize_t pos = 0;
  while (PyDict_Next(dict, &pos, &key, &value)) {
    const char* k = PyUnicode_AsUTF8(key);
    const char* v = PyUnicode_AsUTF8(value);
    if (!k || !v) return false;
    out[k] = v;
  }
  return true;
}

int decoder_init(DecoderObject* self, PyObject* args, PyObject* kwargs) {
  static const char* names[] = {"plan", "hash_id", "hash_bytes", "redact_metadata", "max_value_chars",
                                "llm_columns", "span_kind_types", "operation_types", nullptr};
  PyObject *plan, *hash_id, *hash_bytes, *redact, *columns, *kinds, *operations;
  Py_ssize_t max_chars;
  if (!PyArg_ParseTupleAndKeywords(args, kwargs, "OOOOnOO!O!", const_cast<char**>(names), &plan, &hash_id,
                                   &hash_bytes, &redact, &max_chars, &columns, &PyDict_Type, &kinds,
                                   &PyDict_Type, &operations))
    return -1;
  auto* d = new Decoder();
  Py_INCREF(plan);
  Py_INCREF(hash_id);
  Py_INCREF(hash_bytes);
  Py_INCREF(redact);
  d->plan_of = plan;
  d->hash_id = hash_id;
  d->hash_bytes = hash_bytes;
  d->redact_metadata = redact;
  d->max_value_chars = static_cast<size_t>(max_chars);
  Py_ssize_t n = PySequence_Size(columns);
  for (Py_ssize_t k = 0; k < n; ++k) {
    PyObject* item = PySequence_GetItem(columns, k);
    const char *name, *conv;
    int fallback;
    bool ok = item && PyArg_ParseTuple(item, "ssp", &name, &conv, &fallback);
    Py_XDECREF(item);
    if (!ok || conv_code(conv) < 0) {
      if (ok) PyErr_Format(PyExc_ValueError, "unknown converter %s", conv);
      delete d;
      return -1;
    }
    d->llm_names.emplace_back(name);
    d->llm_conv.push_back(conv_code(conv));
    d->llm_fallback.push_back(fallback);
  }
  d->n_llm = static_cast<int>(n);
  if (!d->resolve_columns()) {
    PyErr_SetString(PyExc_ValueError, "llm_columns lacks one the decoder needs");
    delete d;
    return -1;
  }
  if (!read_str_map(kinds, d->span_kind_types) || !read_str_map(operations, d->operation_types)) {
    delete d;
    return -1;
  }
  delete self->decoder;
  self->decoder = d;
  return 0;
}

void decoder_dealloc(DecoderObject* self) {
  delete self->decoder;
  Py_TYPE(self)->tp_free(reinterpret_cast<PyObject*>(self));
}

PyObject* decoder_decode(DecoderObject* self, PyObject* args) {
  Py_buffer block;
  long long first_line;
  if (!PyArg_ParseTuple(args, "y*L", &block, &first_line)) return nullptr;
  if (!self->decoder) {
    PyBuffer_Release(&block);
    PyErr_SetString(PyExc_RuntimeError, "decoder not initialised");
    return nullptr;
  }
  PyObject* out = nullptr;
  try {
    out = self->decoder->decode(static_cast<const char*>(block.buf), static_cast<size_t>(block.len), first_line);
  } catch (const std::exception& err) {
    PyErr_Format(PyExc_RuntimeError, "native trace decoder: %s", err.what());
  }
  PyBuffer_Release(&block);
  return out;
}

PyMethodDef decoder_methods[] = {
    {"decode", reinterpret_cast<PyCFunction>(decoder_decode), METH_VARARGS,
     "decode(block, first_line) -> (tables, refused [(line, start, end)], spans, lines)"},
    {nullptr, nullptr, 0, nullptr}};

PyTypeObject DecoderType = {PyVarObject_HEAD_INIT(nullptr, 0)};

PyModuleDef module_def = {PyModuleDef_HEAD_INIT, "_native_traces",
                          "Native decoder of OTLP/JSON trace lines (see orchestration/lake/native.py).", -1,
                          nullptr};

}  // namespace

#ifndef SPANLEDGER_SOURCE_SHA256
#define SPANLEDGER_SOURCE_SHA256 ""
#endif

PyMODINIT_FUNC PyInit__native_traces() {
  DecoderType.tp_name = "orchestration.lake._native_traces.Decoder";
  DecoderType.tp_basicsize = sizeof(DecoderObject);
  DecoderType.tp_flags = Py_TPFLAGS_DEFAULT;
  DecoderType.tp_new = PyType_GenericNew;
  DecoderType.tp_init = reinterpret_cast<initproc>(decoder_init);
  DecoderType.tp_dealloc = reinterpret_cast<destructor>(decoder_dealloc);
  DecoderType.tp_methods = decoder_methods;
  if (PyType_Ready(&DecoderType) < 0) return nullptr;
  PyObject* module = PyModule_Create(&module_def);
  if (!module) return nullptr;
  Py_INCREF(&DecoderType);
  if (PyModule_AddObject(module, "Decoder", reinterpret_cast<PyObject*>(&DecoderType)) < 0 ||
      PyModule_AddStringConstant(module, "__compiled_from__", SPANLEDGER_SOURCE_SHA256) < 0) {
    Py_DECREF(module);
    return nullptr;
  }
  return module;
}
