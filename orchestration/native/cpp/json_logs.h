// OTLP/JSON log records (normalize.Normalizer._log): the record's fields as the lenient JSON decoder reads
// them in the common case; rows.h's add_log does the rest.
// Part of the native decoder (decoder.cpp), which includes it; one translation unit.
#pragma once

#include "json_traces.h"

namespace {

void Decoder::json_log(element record_el, const Resource& res, const Scope& sc) {
  object record;
  if (record_el.get(record) != simdjson::SUCCESS) refuse("log record not an object");
  optional<element> attributes, body, trace_id, span_id, severity, event_name;
  optional<int64_t> time, observed;
  LogIn log{};
  for (auto f : record) {
    string_view k = f.key;
    if (is(k, "timeUnixNano")) time = read_int(f.value);
    else if (is(k, "observedTimeUnixNano")) observed = read_int(f.value);
    else if (is(k, "severityNumber")) severity = f.value;
    else if (is(k, "severityText")) log.severity_text = read_str(f.value);
    else if (is(k, "body")) body = f.value;
    else if (is(k, "attributes")) attributes = f.value;
    else if (is(k, "droppedAttributesCount")) log.dropped_attributes = read_int(f.value).value_or(0);
    else if (is(k, "flags")) log.flags = read_int(f.value);
    else if (is(k, "traceId")) trace_id = f.value;
    else if (is(k, "spanId")) span_id = f.value;
    else if (is(k, "eventName")) event_name = f.value;
    else if (is_snake_case_field(k)) refuse("a log record field in snake_case");
  }
  // decode_int(...) or None: a zero time is no time
  if (time && *time != 0) log.time = time;
  if (observed && *observed != 0) log.observed = observed;
  log.at = checked_time(log.time ? log.time : log.observed);
  log.trace_id = read_id(trace_id, 16, false, arena_);
  log.span_id = read_id(span_id, 8, false, arena_);
  log.severity = severity ? read_severity(*severity) : 0;
  if (event_name && !event_name->is_null()) {
    string_view name;
    if (event_name->get(name) != simdjson::SUCCESS) refuse("an eventName that is not a string");
    if (!name.empty()) log.event_name = name;
  }
  log.body = body ? json_any(*body, 0) : Val{};
  Redacted& r = filter(RECORD_ATTRS, json_attributes(attributes));
  add_log(log, r, res, sc);
  ++records_;
}

}  // namespace
