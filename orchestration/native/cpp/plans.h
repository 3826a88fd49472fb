// What the decoder knows of an attribute key (its plan), an attribute list after the privacy filter, and
// the resource and scope every row carries; shared by the JSON and protobuf readers.
// Part of the native decoder (decoder.cpp), which includes it; one translation unit.
#pragma once

#include <optional>
#include <utility>
#include <vector>

#include "values.h"

namespace {

constexpr int64_t NS_PER_DAY = 86400LL * 1000000000LL;
constexpr size_t MEMO_ENTRIES = 200000, MEMO_KEY_CHARS = 256, PLAN_ENTRIES = 100000;
constexpr size_t METADATA_MEMO_ENTRIES = 10000, METADATA_MEMO_CHARS = 4096;

enum Kind { PLAIN = 0, USER = 1, SESSION = 2, CONTENT = 3, METADATA = 4, TOOL_INPUT = 5 };  // privacy.py's kinds
enum Conv { C_STR, C_INT, C_FLOAT, C_BOOL, C_COST, C_TTFT, C_PROVIDER };   // semantics' converters
// The string columns read with semantics.first_str, numbered after the LLM columns, in the order of
// native/decoder.py's PSEUDO_COLUMNS.
enum Pseudo {
  P_TENANT,
  P_SERVICE_NAME,
  P_SERVICE_VERSION,
  P_SERVICE_NAMESPACE,
  P_ENVIRONMENT,
  P_MODEL,
  P_TOKEN_TYPE,
  PSEUDO_COUNT
};
enum Signal { TRACES = 1, LOGS = 2, METRICS = 4 };
// Attribute lists filtered at once: a resource's, a scope's, a record's, and one child of the record
// (a span event or link, an exemplar) at a time.
enum Slot { RESOURCE_ATTRS, SCOPE_ATTRS, RECORD_ATTRS, CHILD_ATTRS, SLOTS };

struct Plan {
  int kind;
  std::vector<std::pair<int, int>> hits;  // (column, rank)
  int flag;
  bool output_side;
  bool feeds_point_columns = false;  // tenant, model or token type, which metric points read unfiltered
  uint64_t seen_in = 0;              // the last attribute list that had this key (repeated-key check)
};

struct Hit {
  int rank = -1;
  const Val* value = nullptr;
  string_view key;
};

struct Out {  // one typed column's value; a string is a view (of the input or the unit's arena)
  VT t = VT::Null;  // Str, Int, Dbl, Bool, Dec
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
  std::vector<std::pair<string_view, Val>> tool_facts;  // what tool inputs leave (privacy.py: tool_facts)
  std::vector<Hit> best;
  int flags = 0;
  bool filtered_point_key = false;  // a key metric points read unfiltered was not plain (check_point_columns)
  void clear(size_t columns) {
    filtered_point_key = false;
    attrs.clear();
    plans.clear();
    keys.clear();
    user_hash.reset();
    session_hash.reset();
    content_hmac.reset();
    input_chars.reset();
    output_chars.reset();
    content_parts.clear();
    tool_facts.clear();
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
  optional<string_view> pseudo[P_ENVIRONMENT + 1];  // tenant, service name / version / namespace, environment
  std::vector<Out> defaults;                       // per LLM column (fallback columns only)
};

struct Scope {
  optional<string_view> name, version, attributes_json;
};

// A span as its reader found it, ids already as hex (normalize.Normalizer._span's values).
struct SpanIn {
  string_view trace_id, span_id;
  optional<string_view> parent, trace_state, name, status_message;
  const char* kind;
  const char* status_code;
  int64_t start;
  optional<int64_t> end, flags;
  int64_t dropped_attributes = 0, dropped_events = 0, dropped_links = 0;
};

// What the trace fill-down may still change: a span's tenant, feature, team, user and session.
struct Pending {
  string_view trace_id;
  bool root;
  optional<string_view> v[5];
};

// A log record as its reader found it (normalize.Normalizer._log's values before the event name).
struct LogIn {
  optional<int64_t> time, observed, flags;
  int64_t at;
  int32_t severity;
  optional<string_view> severity_text, trace_id, span_id, event_name;
  int64_t dropped_attributes = 0;
  Val body;
};

struct MetricIn {
  string_view name;
  optional<string_view> description, unit;
  const char* kind;         // sum | gauge | histogram | exponential_histogram | summary
  const char* temporality;  // nullptr for gauge and summary
  bool monotonic;
};

// One data point as its reader found it (normalize.Normalizer._point's values); reused.
struct PointIn {
  int64_t time = 0;
  optional<int64_t> start, flags, as_int, count;
  optional<double> as_double, sum, min, max, zero_threshold;
  bool buckets = false;  // a histogram: bucket_counts and explicit_bounds are lists, not null
  std::vector<int64_t> bucket_counts;
  std::vector<double> bounds;
  int32_t scale = 0, offsets[2] = {0, 0};
  int64_t zero_count = 0;
  std::vector<int64_t> sides[2];  // exponential histogram: positive, negative bucket counts
  std::vector<std::pair<double, double>> quantiles;
  optional<string_view> exemplars;  // JSON, in the unit's arena
  void clear() {
    time = 0;
    for (auto* o : {&start, &flags, &as_int, &count}) o->reset();
    for (auto* o : {&as_double, &sum, &min, &max, &zero_threshold}) o->reset();
    buckets = false;
    bucket_counts.clear();
    bounds.clear();
    scale = offsets[0] = offsets[1] = 0;
    zero_count = 0;
    sides[0].clear();
    sides[1].clear();
    quantiles.clear();
    exemplars.reset();
  }
};

// One exemplar as its reader found it; its attributes are the CHILD_ATTRS slot.
struct ExemplarIn {
  optional<int64_t> time;
  VT value = VT::Null;  // Dbl (as_double), Int (as_int) or Null
  double d = 0;
  int64_t i = 0;
  optional<string_view> trace_id, span_id;
};

}  // namespace
