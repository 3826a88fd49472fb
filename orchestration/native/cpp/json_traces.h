// OTLP/JSON lines: the export request of a line (traces, logs or metrics), its resources and scopes, and
// its spans (normalize.Normalizer.traces, _scopes, _span). Snake_case keys and old names refuse the line.
// Part of the native decoder (decoder.cpp), which includes it; one translation unit.
#pragma once

#include "json_fields.h"
#include "rows.h"

namespace {

const char* const SPAN_KINDS[] = {"UNSPECIFIED", "INTERNAL", "SERVER", "CLIENT", "PRODUCER", "CONSUMER"};
const char* const STATUS_CODES[] = {"UNSET", "OK", "ERROR"};

// normalize.detect_signal, then the request of that signal.
void Decoder::json_line(const char* p, size_t len) {
  element doc;
  if (parser_.parse(reinterpret_cast<const uint8_t*>(p), len, false).get(doc) != simdjson::SUCCESS)
    refuse("malformed JSON");
  object request;
  if (doc.get(request) != simdjson::SUCCESS) refuse("not a JSON object");
  optional<element> resources;
  int signal = 0;
  for (auto f : request) {
    int found = is(f.key, "resourceSpans") ? TRACES : is(f.key, "resourceLogs") ? LOGS
              : is(f.key, "resourceMetrics") ? METRICS : 0;
    if (found) {
      if (signal) refuse("several signals in one request");
      signal = found;
      resources = f.value;
    } else if (is_snake_case_field(f.key)) {
      refuse("a request key in snake_case");
    }
  }
  if (!signal) refuse("not an export request");  // the Python path quarantines it
  signal_ = signal;
  for (element rs : read_list(resources, "the resource list is not a list")) {
    object rs_obj;
    if (rs.get(rs_obj) != simdjson::SUCCESS) refuse("a resource entry not an object");
    json_resource(rs_obj, signal);
  }
}

// normalize.Normalizer._scopes for one resource: its columns, then each scope's, then its records.
void Decoder::json_resource(object rs, int signal) {
  string_view scopes_key = signal == TRACES ? "scopeSpans" : signal == LOGS ? "scopeLogs" : "scopeMetrics";
  string_view items_key = signal == TRACES ? "spans" : signal == LOGS ? "logRecords" : "metrics";
  optional<element> resource, scope_list;
  optional<string_view> schema_url;
  for (auto f : rs) {
    if (is(f.key, "resource")) resource = f.value;
    else if (f.key == scopes_key) scope_list = f.value;
    else if (is(f.key, "schemaUrl")) schema_url = read_str(f.value);
    else if (is_snake_case_field(f.key) || is(f.key, "instrumentationLibrarySpans")) refuse("a resource field in snake_case or an old name");
  }
  optional<element> attrs;
  if (resource && !resource->is_null()) {
    object robj;
    if (resource->get(robj) != simdjson::SUCCESS) refuse("resource not an object");
    for (auto f : robj)
      if (is(f.key, "attributes")) attrs = f.value;
  }
  const Resource& res = add_resource(filter(RESOURCE_ATTRS, json_attributes(attrs)), schema_url);
  for_each_object(scope_list, "scopes not a list", "scope not an object", [&](object sobj) {
    optional<element> scope, items;
    for (auto f : sobj) {
      if (is(f.key, "scope")) scope = f.value;
      else if (f.key == items_key) items = f.value;
      else if (is_snake_case_field(f.key)) refuse("a scope field in snake_case");
    }
    optional<string_view> name, version;
    optional<element> scope_attrs;
    if (scope && !scope->is_null()) {
      object scobj;
      if (scope->get(scobj) != simdjson::SUCCESS) refuse("scope not an object");
      for (auto f : scobj) {
        if (is(f.key, "name")) name = read_str(f.value);
        else if (is(f.key, "version")) version = read_str(f.value);
        else if (is(f.key, "attributes")) scope_attrs = f.value;
      }
    }
    const Scope& sc = add_scope(name, version, filter(SCOPE_ATTRS, json_attributes(scope_attrs)));
    for (element item : read_list(items, "records not a list")) {
      if (signal == TRACES) json_span(item, res, sc);
      else if (signal == LOGS) json_log(item, res, sc);
      else json_metric(item, res, sc);
    }
  });
}

// One span, its events and links (normalize.Normalizer._span, _span_event, _span_link).
void Decoder::json_span(element span_el, const Resource& res, const Scope& sc) {
  object span;
  if (span_el.get(span) != simdjson::SUCCESS) refuse("span not an object");
  optional<element> trace_id_el, span_id_el, parent_el, attributes, events, links, status, kind_el;
  optional<int64_t> start_ns;
  SpanIn s{};
  for (auto f : span) {
    string_view k = f.key;
    if (is(k, "traceId")) trace_id_el = f.value;
    else if (is(k, "spanId")) span_id_el = f.value;
    else if (is(k, "parentSpanId")) parent_el = f.value;
    else if (is(k, "traceState")) s.trace_state = read_str(f.value);
    else if (is(k, "name")) s.name = read_str(f.value);
    else if (is(k, "kind")) kind_el = f.value;
    else if (is(k, "startTimeUnixNano")) start_ns = read_int(f.value);
    else if (is(k, "endTimeUnixNano")) s.end = read_int(f.value);
    else if (is(k, "attributes")) attributes = f.value;
    else if (is(k, "events")) events = f.value;
    else if (is(k, "links")) links = f.value;
    else if (is(k, "status")) status = f.value;
    else if (is(k, "flags")) s.flags = read_int(f.value);
    else if (is(k, "droppedAttributesCount")) s.dropped_attributes = read_int(f.value).value_or(0);
    else if (is(k, "droppedEventsCount")) s.dropped_events = read_int(f.value).value_or(0);
    else if (is(k, "droppedLinksCount")) s.dropped_links = read_int(f.value).value_or(0);
    else if (is_snake_case_field(k)) refuse("a span field in snake_case");
  }
  s.trace_id = *read_id(trace_id_el, 16, true, arena_);
  s.span_id = *read_id(span_id_el, 8, true, arena_);
  s.parent = read_id(parent_el, 8, false, arena_);
  s.kind = kind_el ? *read_enum(*kind_el, SPAN_KINDS, "SPAN_KIND_") : SPAN_KINDS[0];
  s.start = checked_time(start_ns);
  if (s.end && *s.end != 0) checked_time(s.end);
  s.status_code = STATUS_CODES[0];
  if (status && !status->is_null()) {
    object sobj;
    if (status->get(sobj) != simdjson::SUCCESS) refuse("status not an object");
    for (auto f : sobj) {
      if (is(f.key, "code")) s.status_code = *read_enum(f.value, STATUS_CODES, "STATUS_CODE_");
      else if (is(f.key, "message")) s.status_message = read_str(f.value);
    }
  }
  const Redacted& r = filter(RECORD_ATTRS, json_attributes(attributes));
  optional<int64_t> chars[2] = {r.input_chars, r.output_chars};

  // span events and links first: their content counts toward the span's text lengths
  int32_t j = 0;
  for_each_object(events, "events not a list", "event not an object", [&](object ev) {
    optional<element> attrs;
    optional<int64_t> time;
    optional<string_view> event_name;
    int64_t dropped = 0;
    for (auto f : ev) {
      if (is(f.key, "name")) event_name = read_str(f.value);
      else if (is(f.key, "timeUnixNano")) time = read_int(f.value);
      else if (is(f.key, "attributes")) attrs = f.value;
      else if (is(f.key, "droppedAttributesCount")) dropped = read_int(f.value).value_or(0);
      else if (is_snake_case_field(f.key)) refuse("an event field in snake_case");
    }
    const Redacted& er = filter(CHILD_ATTRS, json_attributes(attrs));
    int64_t at = checked_time(time && *time != 0 ? time : optional<int64_t>(s.start));
    add_event(s, j++, event_name, at, dropped, er, res, sc, chars);
  });
  j = 0;
  for_each_object(links, "links not a list", "link not an object", [&](object ln) {
    optional<element> attrs, linked_trace, linked_span;
    optional<string_view> state;
    optional<int64_t> flags;
    int64_t dropped = 0;
    for (auto f : ln) {
      if (is(f.key, "traceId")) linked_trace = f.value;
      else if (is(f.key, "spanId")) linked_span = f.value;
      else if (is(f.key, "traceState")) state = read_str(f.value);
      else if (is(f.key, "flags")) flags = read_int(f.value);
      else if (is(f.key, "attributes")) attrs = f.value;
      else if (is(f.key, "droppedAttributesCount")) dropped = read_int(f.value).value_or(0);
      else if (is_snake_case_field(f.key)) refuse("a link field in snake_case");
    }
    const Redacted& lr = filter(CHILD_ATTRS, json_attributes(attrs));
    add_link(s, j++, read_id(linked_trace, 16, false, arena_), read_id(linked_span, 8, false, arena_), state, flags,
             dropped, lr, res, sc);
  });
  add_span(s, r, res, sc, chars);
  ++records_;
}

}  // namespace
