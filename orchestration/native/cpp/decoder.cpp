// Native decoder of OTLP/JSON trace lines: spans, span events and span links straight to Arrow buffers.
//
// The fast path of landing for the common case; `orchestration/native/decoder.py` drives it. It produces
// exactly the rows `normalize.Normalizer.traces` would, and refuses a whole line as soon as it meets
// anything outside that common case (an odd encoding, an error to quarantine, a value to cap): such a
// line goes through the Python path, which stays the reference. What each attribute key means (privacy
// kind, the typed columns it feeds) is asked of Python once per key, so the key tables live in one place.
//
// Built by setup.py against simdjson (DOM API) from the sources the pysimdjson wheel ships.

#define PY_SSIZE_T_CLEAN
#include <Python.h>

#include "simdjson.h"

#include <cstdint>
#include <deque>
#include <optional>
#include <string>
#include <string_view>
#include <unordered_map>
#include <vector>

#include "arena.h"
#include "columns.h"
#include "fields.h"
#include "hmac.h"
#include "strmap.h"
#include "values.h"

using simdjson::dom::array;
using simdjson::dom::element;
using simdjson::dom::object;
using std::optional;
using std::string;
using std::string_view;

namespace {

constexpr int64_t NS_PER_DAY = 86400LL * 1000000000LL;
constexpr size_t MEMO_ENTRIES = 200000, MEMO_KEY_CHARS = 256, PLAN_ENTRIES = 100000;
constexpr size_t METADATA_MEMO_ENTRIES = 10000, METADATA_MEMO_CHARS = 4096;

// ---------------------------------------------------------------------------------------------
// The decoder

enum Kind { PLAIN = 0, USER = 1, SESSION = 2, CONTENT = 3, METADATA = 4 };
enum Conv { C_STR, C_INT, C_FLOAT, C_BOOL, C_COST, C_TTFT, C_PROVIDER };

struct Plan {
  int kind;
  std::vector<std::pair<int, int>> hits;  // (column, rank)
  int flag;
  bool output_side;
  uint64_t seen_in = 0;  // the last attribute list that had this key (repeated-key check)
};

struct Hit {
  int rank = -1;
  const Val* value = nullptr;
  string_view key;
};

struct Out {  // one typed column's value; a string is a view (of the input or the line's arena)
  VT t = VT::Null;  // Str, Int, Dbl, Bool; Arr stands for a decimal here
  string_view s;
  int64_t i = 0;
  double d = 0;
  bool b = false;
  __int128 dec = 0;
};

struct Redacted {  // one attribute list after the privacy filter; reused (cleared, not freed)
  std::vector<std::pair<string_view, Val>> attrs;
  std::vector<const Plan*> plans;  // of attrs, in step
  std::vector<string_view> keys;   // the keys read while the plan memo is full, for the repeated-key check
  optional<string_view> user_hash, session_hash, content_hmac;
  optional<int64_t> input_chars, output_chars;
  std::vector<string> content_parts;  // key \0 text
  std::vector<Hit> best;
  int flags = 0;
  void clear(size_t columns) {
    attrs.clear();
    plans.clear();
    keys.clear();
    user_hash.reset();
    session_hash.reset();
    content_hmac.reset();
    input_chars.reset();
    output_chars.reset();
    content_parts.clear();
    best.assign(columns, Hit{});
    flags = 0;
  }
  const Val* get(string_view key) const {
    for (const auto& [k, v] : attrs)
      if (k == key) return &v;
    return nullptr;
  }
};

struct Resource {
  optional<string_view> attributes_json, schema_url, user_hash, session_hash;
  optional<string_view> pseudo[5];  // tenant, service name / version / namespace, deployment environment
  std::vector<Out> defaults;        // per LLM column (fallback columns only)
};

struct Scope {
  optional<string_view> name, version, attributes_json;
};

// What the trace fill-down may still change: a span's tenant, feature, team, user and session.
struct Pending {
  string_view trace_id;
  bool root;
  optional<string_view> v[5];
};

const char* const SPAN_KINDS[] = {"UNSPECIFIED", "INTERNAL", "SERVER", "CLIENT", "PRODUCER", "CONSUMER"};
const char* const STATUS_CODES[] = {"UNSET", "OK", "ERROR"};
constexpr int PSEUDO_TENANT = 0, PSEUDO_COUNT = 5;
enum Slot { RESOURCE_ATTRS, SCOPE_ATTRS, SPAN_ATTRS, CHILD_ATTRS, SLOTS };

// The columns every table shares, resolved once per block.
struct CommonColumns {
  Column *service_name, *service_version, *service_namespace, *deployment_environment, *resource_attributes,
      *resource_schema_url, *scope_name, *scope_version, *scope_attributes, *source_offset, *day, *tenant,
      *user_hash, *session_hash, *trace_id, *span_id, *attributes, *attributes_truncated, *dropped_attributes;
  void resolve(Table& t) {
    service_name = &t["service_name"];
    service_version = &t["service_version"];
    service_namespace = &t["service_namespace"];
    deployment_environment = &t["deployment_environment"];
    resource_attributes = &t["resource_attributes"];
    resource_schema_url = &t["resource_schema_url"];
    scope_name = &t["scope_name"];
    scope_version = &t["scope_version"];
    scope_attributes = &t["scope_attributes"];
    source_offset = &t["source_offset"];
    day = &t["_day"];
    tenant = &t["tenant_id"];
    user_hash = &t["user_hash"];
    session_hash = &t["session_hash"];
    trace_id = &t["trace_id"];
    span_id = &t["span_id"];
    attributes = &t["attributes"];
    attributes_truncated = &t["attributes_truncated"];
    dropped_attributes = &t["dropped_attributes_count"];
  }
};

struct SpanColumns {
  Column *parent, *trace_state, *name, *kind, *start_ns, *end_ns, *start_at, *end_at, *duration, *status_code,
      *status_message, *flags, *dropped_events, *dropped_links, *convention, *span_type, *input_chars,
      *output_chars, *content_hmac;
  std::vector<Column*> llm;
};

struct EventColumns {
  Column *index, *name, *time_ns, *at;
};

struct LinkColumns {
  Column *index, *trace_id, *span_id, *trace_state, *flags;
};

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
  StrMap<string> span_kind_types, operation_types;

  ~Decoder() {
    Py_XDECREF(plan_of);
    Py_XDECREF(hash_id);
    Py_XDECREF(hash_bytes);
    Py_XDECREF(redact_metadata);
  }

  PyObject* decode(const char* data, size_t size, int64_t first_line);
  bool tables_ready_ = false;
  Hmac hmac;  // when ready, ids and content are hashed here instead of through hash_id / hash_bytes
  string digest_;
  string_view keyed_hash(PyObject* fallback, string_view data, bool as_bytes) {
    if (hmac.ready()) {
      if (!hmac.hex(data, digest_)) throw std::runtime_error("HMAC failed");
      return arena_.put(digest_);
    }
    PyObject* arg = as_bytes ? PyBytes_FromStringAndSize(data.data(), static_cast<Py_ssize_t>(data.size()))
                             : unicode(data);
    return arena_.put(call_str(fallback, arg));
  }

 private:
  simdjson::dom::parser parser_;
  bool overflowing_plans_ = false;
  std::deque<Plan> line_plans_;  // plans not memoized (the memo is full), for the current line
  // keyed by views of the strings in the deques beside them: a lookup allocates nothing
  StrMap<Plan> plans_;
  StrMap<string> id_memo_;
  StrMap<string> metadata_memo_;
  Out llm_[64];  // one span's LLM columns (decode_span)
  string padded_;  // a line near the block's end plus simdjson's padding, reused
  string scratch_;  // a string being built (JSON, a converted value) before it goes to the arena
  Arena arena_;
  Redacted slots_[SLOTS];
  Table spans_, events_, links_;
  CommonColumns span_common_, event_common_, link_common_;
  SpanColumns span_cols_;
  EventColumns event_cols_;
  LinkColumns link_cols_;

  // line state
  string_view location_;
  std::deque<Resource> resources_;
  std::deque<Scope> scopes_;
  std::vector<Pending> pending_;                  // per span of the line
  std::vector<uint32_t> event_spans_, link_spans_;  // per event / link of the line: its span in pending_

  void init_tables();
  Plan& plan(string_view key);
  string call_str(PyObject* fn, PyObject* arg);
  string_view hash_identifier(string_view raw);
  string_view redacted_metadata(string_view raw);
  Val decode_any(element value, int depth);
  Redacted& filter(const optional<element>& items, Slot slot);
  void apply_filter(Redacted& r, string_view key, Val value, uint64_t list_number);
  uint64_t attribute_lists_ = 0;
  Out convert(int column, const Val& v, string_view key);
  optional<string_view> attrs_json(const Redacted& r);
  void decode_line(const char* p, size_t len);
  void decode_resource(object rs);
  void decode_span(element span_el, const Resource& res, const Scope& sc);
  void shared_columns(CommonColumns& c, const Resource& res, const Scope& sc, int32_t day);
  void finish_line();
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
  span_common_.resolve(spans_);
  event_common_.resolve(events_);
  link_common_.resolve(links_);
  SpanColumns& s = span_cols_;
  s.parent = &spans_["parent_span_id"];
  s.trace_state = &spans_["trace_state"];
  s.name = &spans_["span_name"];
  s.kind = &spans_["span_kind"];
  s.start_ns = &spans_["start_time_unix_nano"];
  s.end_ns = &spans_["end_time_unix_nano"];
  s.start_at = &spans_["start_at"];
  s.end_at = &spans_["end_at"];
  s.duration = &spans_["duration_ms"];
  s.status_code = &spans_["status_code"];
  s.status_message = &spans_["status_message"];
  s.flags = &spans_["span_flags"];
  s.dropped_events = &spans_["dropped_events_count"];
  s.dropped_links = &spans_["dropped_links_count"];
  s.convention = &spans_["llm_convention"];
  s.span_type = &spans_["span_type"];
  s.input_chars = &spans_["input_chars"];
  s.output_chars = &spans_["output_chars"];
  s.content_hmac = &spans_["content_hmac"];
  s.llm.clear();
  for (int k = 0; k < n_llm; ++k) s.llm.push_back(&spans_[llm_names[k]]);
  event_cols_ = {&events_["event_index"], &events_["event_name"], &events_["time_unix_nano"], &events_["event_at"]};
  link_cols_ = {&links_["link_index"], &links_["linked_trace_id"], &links_["linked_span_id"],
                &links_["linked_trace_state"], &links_["link_flags"]};
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


Plan& Decoder::plan(string_view key) {
  if (Plan* found = plans_.find(key)) return *found;
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
  return plans_.insert(key, std::move(p));
}

// OpenInference metadata, redacted by privacy.AttributeFilter.redact_metadata (Python, ~3 µs a call).
// The same few objects recur span after span: each is redacted once.
string_view Decoder::redacted_metadata(string_view raw) {
  if (const string* known = metadata_memo_.find(raw)) return *known;
  string redacted = call_str(redact_metadata, unicode(raw));
  if (raw.size() <= METADATA_MEMO_CHARS && metadata_memo_.size() < METADATA_MEMO_ENTRIES)
    return metadata_memo_.insert(raw, std::move(redacted));
  return arena_.put(redacted);
}

string_view Decoder::hash_identifier(string_view raw) {
  if (const string* found = id_memo_.find(raw)) return *found;
  string digest(keyed_hash(hash_id, raw, false));
  if (raw.size() <= MEMO_KEY_CHARS && id_memo_.size() < MEMO_ENTRIES)
    return id_memo_.insert(raw, std::move(digest));
  return arena_.put(digest);
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
        if (!n || *n < -(static_cast<__int128>(1) << 63) || *n >= (static_cast<__int128>(1) << 64)) refuse("intValue not a 64-bit integer");
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
    } else if (is(key, "arrayValue")) {
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

void Decoder::apply_filter(Redacted& r, string_view key, Val value, uint64_t list_number) {
  Plan& p = plan(key);
  // a repeated key: last one wins, which the Python path sorts out
  if (p.seen_in == list_number) refuse("a repeated attribute key");
  p.seen_in = list_number;
  switch (p.kind) {
    case PLAIN:
      if (value.t == VT::Str) {
        if (value.s.size() > max_value_chars && code_points(value.s) > max_value_chars) refuse("a value to cap");
      } else if (value.t == VT::Arr) {
        scratch_.clear();
        json_value(scratch_, value);
        if (scratch_.size() > max_value_chars) refuse("a list to cap");
      }
      break;
    case USER:
    case SESSION:
      if (value.t == VT::Null || (value.t == VT::Str && value.s.empty())) break;
      if (value.t != VT::Str) refuse("an id that is not a string");
      value.s = hash_identifier(value.s);
      if (p.kind == USER) {
        if (!r.user_hash) r.user_hash = value.s;
      } else if (!r.session_hash) {
        r.session_hash = value.s;
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
        value.s = redacted_metadata(value.s);
      }
      break;
  }
  r.flags |= p.flag;
  r.attrs.emplace_back(key, std::move(value));  // its typed-column hits are taken in filter()
  r.plans.push_back(&p);
}

Redacted& Decoder::filter(const optional<element>& items, Slot slot) {
  Redacted& r = slots_[slot];
  r.clear(static_cast<size_t>(n_llm + PSEUDO_COUNT));
  if (!items || items->is_null()) return r;
  array list;
  if (items->get(list) != simdjson::SUCCESS) refuse("attributes not a list");
  uint64_t list_number = ++attribute_lists_;
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
    Val value = has_value ? decode_any(value_el, 0) : Val{};
    if (overflowing_plans_) r.keys.push_back(*key);  // plans of the same key may then be distinct
    apply_filter(r, *key, std::move(value), list_number);
  }
  if (r.keys.size() > 1) {
    std::sort(r.keys.begin(), r.keys.end());
    if (std::adjacent_find(r.keys.begin(), r.keys.end()) != r.keys.end()) refuse("a repeated attribute key");
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
  // The keyed hash of the dropped content: only spans keep it (the Python path computes it for event,
  // link, resource and scope attributes too, and drops it).
  if (slot == SPAN_ATTRS && !r.content_parts.empty()) {
    std::sort(r.content_parts.begin(), r.content_parts.end());
    scratch_.clear();
    for (size_t k = 0; k < r.content_parts.size(); ++k) {
      if (k) scratch_.push_back('\x01');
      scratch_ += r.content_parts[k];
    }
    r.content_hmac = keyed_hash(hash_bytes, scratch_, true);
  }
  return r;
}

// The attribute map as landed: a JSON object in orjson's format, or nothing when empty.
optional<string_view> Decoder::attrs_json(const Redacted& r) {
  if (r.attrs.empty()) return std::nullopt;
  scratch_.clear();
  scratch_ += '{';
  for (size_t k = 0; k < r.attrs.size(); ++k) {
    if (k) scratch_ += ',';
    json_string(scratch_, r.attrs[k].first);
    scratch_ += ':';
    json_value(scratch_, r.attrs[k].second);
  }
  scratch_ += '}';
  return arena_.put(scratch_);
}

// The semantics converters (_as_str, _as_int, _as_float, _as_bool, as_cost, _ttft_ms, _provider).
Out Decoder::convert(int column, const Val& v, string_view key) {
  Out out;
  int conv = column < n_llm ? llm_conv[column] : C_STR;
  switch (conv) {
    case C_STR:
    case C_PROVIDER: {
      if (v.t == VT::Null) return out;
      string_view text;
      if (v.t == VT::Str) {
        text = v.s;
      } else {
        scratch_.clear();
        if (v.t == VT::Arr) {
          for (size_t k = 0; k < v.arr.size(); ++k) {
            if (k) scratch_ += ',';
            python_str(scratch_, v.arr[k]);
          }
        } else {
          python_str(scratch_, v);
        }
        text = arena_.put(scratch_);
      }
      if (conv == C_PROVIDER) {
        if (text.empty()) return Out{};
        if (!is_ascii(text)) refuse("non-ASCII provider");
        if (std::any_of(text.begin(), text.end(), [](char c) { return c >= 'A' && c <= 'Z'; })) {
          scratch_.assign(text);
          for (char& c : scratch_) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
          text = arena_.put(scratch_);
        }
      }
      out.t = VT::Str;
      out.s = text;
      return out;
    }
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

void Decoder::decode_resource(object rs) {
  optional<element> resource, scope_spans;
  Resource& res = resources_.emplace_back();
  for (auto f : rs) {
    if (is(f.key, "resource")) resource = f.value;
    else if (is(f.key, "scopeSpans")) scope_spans = f.value;
    else if (is(f.key, "schemaUrl")) res.schema_url = read_str(f.value);
    else if (is_snake_case_field(f.key) || is(f.key, "instrumentationLibrarySpans")) refuse("a resource field in snake_case or an old name");
  }
  res.defaults.resize(n_llm);
  optional<element> attrs;
  if (resource && !resource->is_null()) {
    object robj;
    if (resource->get(robj) != simdjson::SUCCESS) refuse("resource not an object");
    for (auto f : robj)
      if (is(f.key, "attributes")) attrs = f.value;
  }
  const Redacted& r = filter(attrs, RESOURCE_ATTRS);
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
  if (!scope_spans || scope_spans->is_null()) return;
  array scopes;
  if (scope_spans->get(scopes) != simdjson::SUCCESS) refuse("scopeSpans not a list");
  for (element scope_el : scopes) {
    object sobj;
    if (scope_el.get(sobj) != simdjson::SUCCESS) refuse("scope not an object");
    optional<element> scope, spans;
    for (auto f : sobj) {
      if (is(f.key, "scope")) scope = f.value;
      else if (is(f.key, "spans")) spans = f.value;
      else if (is_snake_case_field(f.key)) refuse("a scope field in snake_case");
    }
    Scope& sc = scopes_.emplace_back();
    if (scope && !scope->is_null()) {
      object scobj;
      if (scope->get(scobj) != simdjson::SUCCESS) refuse("scope not an object");
      optional<element> scope_attrs;
      for (auto f : scobj) {
        if (is(f.key, "name")) sc.name = read_str(f.value);
        else if (is(f.key, "version")) sc.version = read_str(f.value);
        else if (is(f.key, "attributes")) scope_attrs = f.value;
      }
      sc.attributes_json = attrs_json(filter(scope_attrs, SCOPE_ATTRS));
    }
    if (!spans || spans->is_null()) continue;
    array span_list;
    if (spans->get(span_list) != simdjson::SUCCESS) refuse("spans not a list");
    for (element span : span_list) decode_span(span, res, sc);
  }
}

void Decoder::shared_columns(CommonColumns& c, const Resource& res, const Scope& sc, int32_t day) {
  c.service_name->str(res.pseudo[1]);
  c.service_version->str(res.pseudo[2]);
  c.service_namespace->str(res.pseudo[3]);
  c.deployment_environment->str(res.pseudo[4]);
  c.resource_attributes->str(res.attributes_json);
  c.resource_schema_url->str(res.schema_url);
  c.scope_name->str(sc.name);
  c.scope_version->str(sc.version);
  c.scope_attributes->str(sc.attributes_json);
  c.source_offset->str(location_);
  c.day->int32(day);
}

// Each object of an optional list (a span's events, links); anything else refuses the line.
template <typename Visit>
void for_each_object(const optional<element>& list_el, const char* not_list, const char* not_object, Visit visit) {
  if (!list_el || list_el->is_null()) return;
  array list;
  if (list_el->get(list) != simdjson::SUCCESS) refuse(not_list);
  for (element item : list) {
    object obj;
    if (item.get(obj) != simdjson::SUCCESS) refuse(not_object);
    visit(obj);
  }
}

bool truthy(const Val* v) {
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
}

// One span, its events and links (normalize.Normalizer._span): every column but the five the trace
// fill-down may still change, which finish_line() appends.
void Decoder::decode_span(element span_el, const Resource& res, const Scope& sc) {
  object span;
  if (span_el.get(span) != simdjson::SUCCESS) refuse("span not an object");
  optional<element> trace_id_el, span_id_el, parent_el, attributes, events, links, status, kind_el;
  optional<int64_t> start_ns, end_ns, flags;
  optional<string_view> trace_state, name, status_message;
  int64_t dropped_attributes = 0, dropped_events = 0, dropped_links = 0;
  for (auto f : span) {
    string_view k = f.key;
    if (is(k, "traceId")) trace_id_el = f.value;
    else if (is(k, "spanId")) span_id_el = f.value;
    else if (is(k, "parentSpanId")) parent_el = f.value;
    else if (is(k, "traceState")) trace_state = read_str(f.value);
    else if (is(k, "name")) name = read_str(f.value);
    else if (is(k, "kind")) kind_el = f.value;
    else if (is(k, "startTimeUnixNano")) start_ns = read_int(f.value);
    else if (is(k, "endTimeUnixNano")) end_ns = read_int(f.value);
    else if (is(k, "attributes")) attributes = f.value;
    else if (is(k, "events")) events = f.value;
    else if (is(k, "links")) links = f.value;
    else if (is(k, "status")) status = f.value;
    else if (is(k, "flags")) flags = read_int(f.value);
    else if (is(k, "droppedAttributesCount")) dropped_attributes = read_int(f.value).value_or(0);
    else if (is(k, "droppedEventsCount")) dropped_events = read_int(f.value).value_or(0);
    else if (is(k, "droppedLinksCount")) dropped_links = read_int(f.value).value_or(0);
    else if (is_snake_case_field(k)) refuse("a span field in snake_case");
  }
  string_view trace_id = *read_id(trace_id_el, 16, true, arena_);
  string_view span_id = *read_id(span_id_el, 8, true, arena_);
  optional<string_view> parent = read_id(parent_el, 8, false, arena_);
  const char* kind = kind_el ? read_enum(*kind_el, SPAN_KINDS, "SPAN_KIND_") : SPAN_KINDS[0];
  int64_t start = checked_time(start_ns);
  if (end_ns && *end_ns != 0) checked_time(end_ns);
  const char* status_code = STATUS_CODES[0];
  if (status && !status->is_null()) {
    object sobj;
    if (status->get(sobj) != simdjson::SUCCESS) refuse("status not an object");
    for (auto f : sobj) {
      if (is(f.key, "code")) status_code = read_enum(f.value, STATUS_CODES, "STATUS_CODE_");
      else if (is(f.key, "message")) status_message = read_str(f.value);
    }
  }
  const Redacted& r = filter(attributes, SPAN_ATTRS);
  optional<int64_t> input_chars = r.input_chars, output_chars = r.output_chars;
  int32_t day = static_cast<int32_t>(start / NS_PER_DAY);
  auto span_index = static_cast<uint32_t>(pending_.size());

  // span events and links first: their content counts toward the span's text lengths
  int32_t j = 0;
  for_each_object(events, "events not a list", "event not an object", [&](object ev) {
    optional<element> attrs;
    optional<int64_t> time;
    optional<string_view> event_name;
    int64_t event_dropped = 0;
    for (auto f : ev) {
      if (is(f.key, "name")) event_name = read_str(f.value);
      else if (is(f.key, "timeUnixNano")) time = read_int(f.value);
      else if (is(f.key, "attributes")) attrs = f.value;
      else if (is(f.key, "droppedAttributesCount")) event_dropped = read_int(f.value).value_or(0);
      else if (is_snake_case_field(f.key)) refuse("an event field in snake_case");
    }
    const Redacted& er = filter(attrs, CHILD_ATTRS);
    int64_t at = checked_time(time && *time != 0 ? time : optional<int64_t>(start));
    int64_t chars = er.input_chars.value_or(0) + er.output_chars.value_or(0);
    if (chars) {
      bool completion = event_name && event_name->find("completion") != string_view::npos;
      auto& side = completion ? output_chars : input_chars;
      side = side.value_or(0) + chars;
    }
    CommonColumns& c = event_common_;
    c.trace_id->str(trace_id);
    c.span_id->str(span_id);
    event_cols_.index->int32(j++);
    event_cols_.name->str(event_name);
    event_cols_.time_ns->integer(at);
    event_cols_.at->integer(at / 1000);
    c.dropped_attributes->integer(event_dropped);
    c.attributes->str(attrs_json(er));
    c.attributes_truncated->boolean(false);
    shared_columns(c, res, sc, day);
    event_spans_.push_back(span_index);
  });
  j = 0;
  for_each_object(links, "links not a list", "link not an object", [&](object ln) {
    optional<element> attrs, linked_trace, linked_span;
    optional<string_view> link_state;
    optional<int64_t> link_flags;
    int64_t link_dropped = 0;
    for (auto f : ln) {
      if (is(f.key, "traceId")) linked_trace = f.value;
      else if (is(f.key, "spanId")) linked_span = f.value;
      else if (is(f.key, "traceState")) link_state = read_str(f.value);
      else if (is(f.key, "flags")) link_flags = read_int(f.value);
      else if (is(f.key, "attributes")) attrs = f.value;
      else if (is(f.key, "droppedAttributesCount")) link_dropped = read_int(f.value).value_or(0);
      else if (is_snake_case_field(f.key)) refuse("a link field in snake_case");
    }
    const Redacted& lr = filter(attrs, CHILD_ATTRS);
    CommonColumns& c = link_common_;
    c.trace_id->str(trace_id);
    c.span_id->str(span_id);
    link_cols_.index->int32(j++);
    link_cols_.trace_id->str(read_id(linked_trace, 16, false, arena_));
    link_cols_.span_id->str(read_id(linked_span, 8, false, arena_));
    link_cols_.trace_state->str(link_state);
    link_cols_.flags->integer(link_flags);
    c.dropped_attributes->integer(link_dropped);
    c.attributes->str(attrs_json(lr));
    c.attributes_truncated->boolean(false);
    shared_columns(c, res, sc, day);
    link_spans_.push_back(span_index);
  });

  // semantics.llm_columns: the winning key of each column, converted, else the resource's value
  Out* llm = llm_;  // reused: a span resets only the kinds (a value is read only after its kind)
  for (int k = 0; k < n_llm; ++k) {
    llm[k].t = VT::Null;
    const Hit& h = r.best[k];
    if (h.value) llm[k] = convert(k, *h.value, h.key);
    if (llm[k].t == VT::Null && llm_fallback[k]) llm[k] = res.defaults[k];
  }
  optional<string_view> convention, span_type;
  if (r.flags & 1) convention = "openinference";
  else if (r.flags & 2) convention = "openllmetry";
  else if (r.flags & 4) convention = "genai";
  // semantics._span_type
  const Val* kind_attr = r.get("openinference.span.kind");
  if (!truthy(kind_attr)) kind_attr = r.get("traceloop.span.kind");
  const string* typed = nullptr;
  if (kind_attr && kind_attr->t == VT::Str && (typed = span_kind_types.find(kind_attr->s))) {
    span_type = *typed;
  } else {
    const Out& op = llm[op_col];
    if (op.t == VT::Str && !op.s.empty()) {
      if (!is_ascii(op.s)) refuse("non-ASCII operation");
      string lowered(op.s);
      for (char& c : lowered) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
      if (const string* found = operation_types.find(lowered)) span_type = *found;
    }
    if (!span_type) {
      if ((llm[req_col].t == VT::Str && !llm[req_col].s.empty()) ||
          (llm[resp_col].t == VT::Str && !llm[resp_col].s.empty())) {
        span_type = "llm";
      } else if (llm[tool_col].t != VT::Null) {
        span_type = "tool";
      }
    }
  }

  CommonColumns& c = span_common_;
  SpanColumns& s = span_cols_;
  c.trace_id->str(trace_id);
  c.span_id->str(span_id);
  s.parent->str(parent);
  s.trace_state->str(trace_state);
  s.name->str(name);
  s.kind->str(string_view(kind));
  s.start_ns->integer(start);
  optional<int64_t> end = end_ns && *end_ns != 0 ? end_ns : std::nullopt;
  s.end_ns->integer(end);
  s.start_at->integer(start / 1000);
  if (end && *end >= start) {
    s.end_at->integer(*end / 1000);
    s.duration->real(static_cast<double>(*end - start) / 1e6);
  } else {
    s.end_at->null();
    s.duration->null();
  }
  s.status_code->str(string_view(status_code));
  s.status_message->str(status_message);
  s.flags->integer(flags);
  c.dropped_attributes->integer(dropped_attributes);
  s.dropped_events->integer(dropped_events);
  s.dropped_links->integer(dropped_links);
  c.attributes->str(attrs_json(r));
  c.attributes_truncated->boolean(false);
  s.convention->str(convention);
  s.span_type->str(span_type);
  for (int k = 0; k < n_llm; ++k) {
    if (k == feature_col || k == team_col) continue;  // filled down in finish_line()
    const Out& o = llm[k];
    Column& col = *s.llm[k];
    switch (o.t) {
      case VT::Null: col.null(); break;
      case VT::Str: col.str(o.s); break;
      case VT::Int: col.integer(o.i); break;
      case VT::Dbl: col.real(o.d); break;
      case VT::Bool: col.boolean(o.b); break;
      case VT::Arr: col.decimal(o.dec); break;
    }
  }
  s.input_chars->integer(input_chars);
  s.output_chars->integer(output_chars);
  s.content_hmac->str(r.content_hmac);
  shared_columns(c, res, sc, day);

  // the subject: the span's own, else its resource's (then the fill-down)
  Pending& p = pending_.emplace_back();
  p.trace_id = trace_id;
  p.root = !parent;
  const Hit& tenant = r.best[n_llm + PSEUDO_TENANT];
  if (tenant.value) {
    string_view t = convert(n_llm + PSEUDO_TENANT, *tenant.value, tenant.key).s;
    if (!t.empty()) p.v[0] = t;
  }
  if (!p.v[0]) p.v[0] = res.pseudo[PSEUDO_TENANT];
  if (llm[feature_col].t == VT::Str) p.v[1] = llm[feature_col].s;
  if (llm[team_col].t == VT::Str) p.v[2] = llm[team_col].s;
  p.v[3] = r.user_hash ? r.user_hash : res.user_hash;
  p.v[4] = r.session_hash ? r.session_hash : res.session_hash;
}

// normalize.fill_down_from_trace_roots over the line's spans, then the columns it decides.
void Decoder::finish_line() {
  struct Known {
    optional<string_view> v[5];
  };
  std::unordered_map<string_view, Known> context;
  for (const Pending& p : pending_) {
    auto found = context.find(p.trace_id);
    if (found == context.end()) {
      Known known;
      for (int c = 0; c < 5; ++c) known.v[c] = p.v[c];
      context.emplace(p.trace_id, known);
    } else {
      for (int c = 0; c < 5; ++c)
        if (p.v[c] && (!found->second.v[c] || p.root)) found->second.v[c] = p.v[c];
    }
  }
  for (Pending& p : pending_) {
    const Known& known = context[p.trace_id];
    for (int c = 0; c < 5; ++c)
      if (!p.v[c]) p.v[c] = known.v[c];
    span_common_.tenant->str(p.v[0]);
    span_cols_.llm[feature_col]->str(p.v[1]);
    span_cols_.llm[team_col]->str(p.v[2]);
    span_common_.user_hash->str(p.v[3]);
    span_common_.session_hash->str(p.v[4]);
  }
  // events and links take their span's subject after the fill-down (normalize.traces)
  for (auto [table, spans] : {std::pair{&event_common_, &event_spans_}, std::pair{&link_common_, &link_spans_}}) {
    for (uint32_t index : *spans) {
      const Pending& p = pending_[index];
      table->tenant->str(p.v[0]);
      table->user_hash->str(p.v[3]);
      table->session_hash->str(p.v[4]);
    }
  }
}

void Decoder::decode_line(const char* p, size_t len) {
  element doc;
  if (parser_.parse(reinterpret_cast<const uint8_t*>(p), len, false).get(doc) != simdjson::SUCCESS) refuse("malformed JSON");
  object request;
  if (doc.get(request) != simdjson::SUCCESS) refuse("not a JSON object");
  optional<element> resource_spans;
  for (auto f : request) {
    if (is(f.key, "resourceSpans")) resource_spans = f.value;
    else if (is(f.key, "resource_spans")) refuse("resource_spans in snake_case");
  }
  if (!resource_spans) refuse("not traces");  // the Python path tells logs, metrics and junk apart
  if (resource_spans->is_null()) return;
  array list;
  if (resource_spans->get(list) != simdjson::SUCCESS) refuse("resourceSpans not a list");
  for (element rs : list) {
    object rs_obj;
    if (rs.get(rs_obj) != simdjson::SUCCESS) refuse("resourceSpans entry not an object");
    decode_resource(rs_obj);
  }
  finish_line();
}

bool is_space(char c) { return c == ' ' || c == '\t' || c == '\n' || c == '\r' || c == '\x0b' || c == '\x0c'; }

// One block of whole lines → (tables, refused lines as (line, start, end, why), spans taken, lines taken).
PyObject* Decoder::decode(const char* data, size_t size, int64_t first_line) {
  if (!tables_ready_) {
    init_tables();
    tables_ready_ = true;
  }
  spans_.truncate(0);  // empty, even after a block that failed half-way
  events_.truncate(0);
  links_.truncate(0);
  PyObject* refused = PyList_New(0);
  if (!refused) return nullptr;
  int64_t spans_in = 0, lines_taken = 0;
  int64_t line_no = first_line;
  size_t pos = 0;
  string location;
  try {
    while (pos < size) {
      const char* nl = static_cast<const char*>(std::memchr(data + pos, '\n', size - pos));
      size_t line_end = nl ? static_cast<size_t>(nl - data) : size;
      size_t a = pos, b = line_end;
      while (a < b && is_space(data[a])) ++a;
      while (b > a && is_space(data[b - 1])) --b;
      if (a < b) {
        if (overflowing_plans_) {
          plans_.clear();
          overflowing_plans_ = false;
        }
        line_plans_.clear();
        arena_.reset();
        resources_.clear();
        scopes_.clear();
        pending_.clear();
        event_spans_.clear();
        link_spans_.clear();
        location = "line " + std::to_string(line_no);
        location_ = location;
        size_t span_rows = spans_.rows(), event_rows = events_.rows(), link_rows = links_.rows();
        const char* why = nullptr;
        try {
          // simdjson may read SIMDJSON_PADDING bytes past a line (it never uses them: a line ends
          // before a newline or blank at worst). A line that near the block's end gets a padded copy.
          if (b + simdjson::SIMDJSON_PADDING <= size) {
            decode_line(data + a, b - a);
          } else {
            padded_.assign(data + a, b - a);
            padded_.append(simdjson::SIMDJSON_PADDING, ' ');
            decode_line(padded_.data(), b - a);
          }
        } catch (const Refuse& refusal) {
          why = refusal.why;
        }
        if (why == nullptr) {
          spans_in += static_cast<int64_t>(pending_.size());
          ++lines_taken;
        } else {
          spans_.truncate(span_rows);  // nothing of a refused line stays
          events_.truncate(event_rows);
          links_.truncate(link_rows);
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
  spans_.truncate(0);  // keeps the buffers' capacity for the next block
  events_.truncate(0);
  links_.truncate(0);
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

bool read_str_map(PyObject* dict, StrMap<string>& out) {
  PyObject *key, *value;
  Py_ssize_t pos = 0;
  while (PyDict_Next(dict, &pos, &key, &value)) {
    Py_ssize_t k_size = 0, v_size = 0;
    const char* k = PyUnicode_AsUTF8AndSize(key, &k_size);
    const char* v = PyUnicode_AsUTF8AndSize(value, &v_size);
    if (!k || !v) return false;
    string_view k_view(k, static_cast<size_t>(k_size));
    if (string* known = out.find(k_view)) *known = string(v, static_cast<size_t>(v_size));
    else out.insert(k_view, string(v, static_cast<size_t>(v_size)));
  }
  return true;
}

int decoder_init(DecoderObject* self, PyObject* args, PyObject* kwargs) {
  static const char* names[] = {"plan", "hash_id", "hash_bytes", "redact_metadata", "max_value_chars",
                                "llm_columns", "span_kind_types", "operation_types", "hmac_key", nullptr};
  PyObject *plan, *hash_id, *hash_bytes, *redact, *columns, *kinds, *operations;
  Py_ssize_t max_chars;
  const char* key = nullptr;
  Py_ssize_t key_length = 0;
  if (!PyArg_ParseTupleAndKeywords(args, kwargs, "OOOOnOO!O!|y#", const_cast<char**>(names), &plan, &hash_id,
                                   &hash_bytes, &redact, &max_chars, &columns, &PyDict_Type, &kinds,
                                   &PyDict_Type, &operations, &key, &key_length))
    return -1;
  auto* d = new Decoder();
  if (key) d->hmac.init(string(key, static_cast<size_t>(key_length)));
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
  if (n > 64) {
    PyErr_SetString(PyExc_ValueError, "at most 64 llm_columns");
    delete d;
    return -1;
  }
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

// count_newlines(data, start=0, end=len(data)): bytes.count(b"\n", start, end), by memchr (~5x faster).
PyObject* count_newlines(PyObject*, PyObject* args) {
  Py_buffer data;
  Py_ssize_t start = 0, end = PY_SSIZE_T_MAX;
  if (!PyArg_ParseTuple(args, "y*|nn", &data, &start, &end)) return nullptr;
  end = std::min(end, data.len);
  start = std::max<Py_ssize_t>(0, std::min(start, end));
  const char* p = static_cast<const char*>(data.buf) + start;
  const char* stop = static_cast<const char*>(data.buf) + end;
  long long count = 0;
  while (p < stop && (p = static_cast<const char*>(std::memchr(p, '\n', static_cast<size_t>(stop - p))))) {
    ++count;
    ++p;
  }
  PyBuffer_Release(&data);
  return PyLong_FromLongLong(count);
}

PyMethodDef module_methods[] = {
    {"count_newlines", count_newlines, METH_VARARGS, "count_newlines(data, start=0, end=len) -> int"},
    {nullptr, nullptr, 0, nullptr}};

PyModuleDef module_def = {PyModuleDef_HEAD_INIT, "_decoder",
                          "Native decoder of OTLP/JSON trace lines (see orchestration/native/decoder.py).", -1,
                          module_methods};

}  // namespace

#ifndef SPANLEDGER_SOURCE_SHA256
#define SPANLEDGER_SOURCE_SHA256 ""
#endif

PyMODINIT_FUNC PyInit__decoder() {
  DecoderType.tp_name = "orchestration.native._decoder.Decoder";
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
      PyModule_AddStringConstant(module, "__compiled_from__", SPANLEDGER_SOURCE_SHA256) < 0 ||
#ifdef SPANLEDGER_OPENSSL
      PyModule_AddIntConstant(module, "NATIVE_HMAC", 1) < 0) {
#else
      PyModule_AddIntConstant(module, "NATIVE_HMAC", 0) < 0) {
#endif
    Py_DECREF(module);
    return nullptr;
  }
  return module;
}
