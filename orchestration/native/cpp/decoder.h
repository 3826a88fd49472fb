// The decoder's state: what Python configured (the key plans, the hashers, the LLM columns), its memos,
// the tables being built, and the state of the unit (a JSON line or a protobuf message) being decoded.
// Its member functions are defined by job in the headers decoder.cpp includes after this one.
// Part of the native decoder (decoder.cpp), which includes it; one translation unit.
#pragma once

#include "simdjson.h"

#include <deque>
#include <stdexcept>

#include "arena.h"
#include "hmac.h"
#include "plans.h"
#include "strmap.h"
#include "tables.h"

namespace {

class Decoder {
 public:
  // --- configured from Python (decoder_init) ---------------------------------------------------
  PyObject* plan_of = nullptr;  // AttributeFilter.key_plan, with the columns renumbered
  PyObject* hash_id = nullptr;  // SubjectHasher, when the build has no OpenSSL
  PyObject* hash_bytes = nullptr;
  PyObject* redact_metadata = nullptr;
  PyObject* tool_facts = nullptr;  // (key, input text) -> [(fact key, str or True)]: tool_details.py
  size_t max_value_chars = 0;
  // Content capture is on: a unit with text to keep is refused, and the Python path writes its
  // restricted content rows (the rest stays native).
  bool keep_content = false;
  std::vector<string> llm_names;
  std::vector<int> llm_conv;
  std::vector<bool> llm_fallback;
  int n_llm = 0;  // typed LLM columns; the pseudo columns follow them
  int op_col = -1, req_col = -1, resp_col = -1, tool_col = -1, feature_col = -1, team_col = -1;
  StrMap<string> span_kind_types, operation_types;
  StrMap<string> content_events, claude_code_events, output_events;  // normalize's event name sets
  string claude_code_service, claude_code_prefix;
  Hmac hmac;  // when ready, ids and content are hashed here instead of through hash_id / hash_bytes

  bool resolve_columns();
  ~Decoder() {
    Py_XDECREF(plan_of);
    Py_XDECREF(hash_id);
    Py_XDECREF(hash_bytes);
    Py_XDECREF(redact_metadata);
    Py_XDECREF(tool_facts);
  }

  // --- entry points (decoder.cpp) ----------------------------------------------------------------
  // Whole JSON lines → (tables, refused [(line, start, end, why)], records, lines taken, signals)
  PyObject* decode_lines(const char* data, size_t size, int64_t first_line);
  // Protobuf request bodies data[start:end] → (tables, refused [(index, why)], records, messages
  // taken, signals)
  PyObject* decode_messages(const char* data, const std::vector<std::pair<size_t, size_t>>& bounds,
                            PyObject* locations);

 private:
  simdjson::dom::parser parser_;
  bool tables_ready_ = false;
  bool overflowing_plans_ = false;
  std::deque<Plan> unit_plans_;  // plans not memoized (the memo is full), for the current unit
  // keyed by views of the strings in the deques beside them: a lookup allocates nothing
  StrMap<Plan> plans_;
  StrMap<string> id_memo_;
  StrMap<string> metadata_memo_;
  Out llm_[64];       // one record's LLM columns
  string padded_;     // a line near the block's end plus simdjson's padding, reused
  string scratch_;    // a string being built (JSON, a converted value) before it goes to the arena
  string exemplars_;  // a point's exemplars as JSON, being built
  string digest_;
  Arena arena_;
  Redacted slots_[SLOTS];
  uint64_t attribute_lists_ = 0;
  Tables t_;
  PointIn point_;
  std::vector<Val> values_;  // the body of the log record being decoded (JSON), reused

  // unit state
  string_view location_;
  int64_t records_ = 0;  // records of the unit
  int signal_ = 0;
  std::deque<Resource> resources_;
  std::deque<Scope> scopes_;
  std::vector<Pending> pending_;                    // per span of the unit
  std::vector<uint32_t> event_spans_, link_spans_;  // per event / link of the unit: its span in pending_

  void begin_block();
  void begin_unit(string_view location);
  void finish_unit();
  struct Totals {
    int64_t records = 0, taken = 0;  // records of the units taken, units taken
    int signals = 0;
  };
  // One unit decoded by `read()`: its rows stay and count in `totals`, or it is refused (why, returned)
  // and none of its rows stay.
  template <typename Read>
  const char* decode_unit(string_view location, Totals& totals, Read read);

  // privacy.h: key plans, hashing, the attribute filter
  Plan& plan(string_view key);
  string call_str(PyObject* fn, PyObject* arg);
  string_view keyed_hash(PyObject* fallback, string_view data, bool as_bytes);
  string_view hash_identifier(string_view raw);
  string_view redacted_metadata(string_view raw);
  void add_tool_facts(Redacted& r, string_view key, string_view text);
  void apply_filter(Redacted& r, string_view key, Val value, uint64_t list_number, Slot slot);
  template <typename EachPair>
  Redacted& filter(Slot slot, EachPair each);
  void finish_filter(Redacted& r, Slot slot);
  optional<string_view> attrs_json(const Redacted& r);

  // convert.h: semantics' converters and the LLM columns
  Out convert(int column, const Val& v, string_view key);
  string_view pseudo_str(const Redacted& r, int pseudo);
  void llm_columns(const Redacted& r, const Resource& res, optional<string_view> event_name,
                   optional<string_view>& convention, optional<string_view>& span_type);

  // rows.h: rows from what the readers found
  Resource& add_resource(Redacted& r, optional<string_view> schema_url);
  Scope& add_scope(optional<string_view> name, optional<string_view> version, Redacted& r);
  void shared_columns(CommonColumns& c, const Resource& res, const Scope& sc, int32_t day);
  void add_event(const SpanIn& s, int32_t index, optional<string_view> name, int64_t at, int64_t dropped,
                 const Redacted& er, const Resource& res, const Scope& sc, optional<int64_t> chars[2]);
  void add_link(const SpanIn& s, int32_t index, optional<string_view> trace_id, optional<string_view> span_id,
                optional<string_view> state, optional<int64_t> flags, int64_t dropped, const Redacted& lr,
                const Resource& res, const Scope& sc);
  void add_span(const SpanIn& s, const Redacted& r, const Resource& res, const Scope& sc,
                optional<int64_t> chars[2]);
  void fill_down();
  void add_log(LogIn& log, Redacted& r, const Resource& res, const Scope& sc);
  void add_exemplar(const ExemplarIn& e, const Redacted& r);
  void add_point(const MetricIn& m, PointIn& p, const Redacted& r, const Resource& res, const Scope& sc);
  void check_point_columns(const Redacted& r);

  // json_*.h: OTLP/JSON lines
  void json_line(const char* p, size_t len);
  void json_resource(simdjson::dom::object rs, int signal);
  void json_span(simdjson::dom::element span_el, const Resource& res, const Scope& sc);
  void json_log(simdjson::dom::element record_el, const Resource& res, const Scope& sc);
  void json_metric(simdjson::dom::element metric_el, const Resource& res, const Scope& sc);
  void json_point(simdjson::dom::object point, const MetricIn& m, const Resource& res, const Scope& sc);
  void json_exemplars(simdjson::dom::element list);

  // proto_*.h: protobuf export requests
  void proto_message(string_view body);
  void proto_resource(string_view body, int signal);
  void proto_span(string_view body, const Resource& res, const Scope& sc);
  void proto_log(string_view body, const Resource& res, const Scope& sc);
  void proto_metric(string_view body, const Resource& res, const Scope& sc);
  void proto_point(string_view body, const MetricIn& m, const Resource& res, const Scope& sc);
  void proto_exemplar(string_view body);
};

}  // namespace
