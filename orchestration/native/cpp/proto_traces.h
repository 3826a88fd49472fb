// Protobuf spans with their events and links, and log records (trace.proto, logs.proto), read as
// MessageToDict then normalize.Normalizer._span and _log read them: a zero or empty field is absent.
// Part of the native decoder (decoder.cpp), which includes it; one translation unit.
#pragma once

#include "proto_common.h"

namespace {

void Decoder::proto_span(string_view body, const Resource& res, const Scope& sc) {
  SpanIn s{};
  string_view trace_id, span_id, parent, status;
  uint64_t start = 0, end = 0;
  uint32_t kind = 0, seen = 0;
  bool has_status = false;
  Wire w(body);
  while (w.next()) {
    uint32_t f = w.field();
    if (f != 9 && f != 11 && f != 13) once(seen, f);  // attributes, events and links repeat
    switch (f) {
      case 1: trace_id = w.bytes(); break;
      case 2: span_id = w.bytes(); break;
      case 3: s.trace_state = proto_str(w); break;
      case 4: parent = w.bytes(); break;
      case 5: s.name = proto_str(w); break;
      case 6: kind = w.uint32(); break;
      case 7: start = w.fixed64(); break;
      case 8: end = w.fixed64(); break;
      case 9: case 11: case 13: w.bytes(); break;
      case 10: s.dropped_attributes = w.uint32(); break;
      case 12: s.dropped_events = w.uint32(); break;
      case 14: s.dropped_links = w.uint32(); break;
      case 15: status = w.bytes(); has_status = true; break;
      case 16: if (uint32_t flags = w.fixed32()) s.flags = flags; break;
      default: refuse("protobuf: an unknown Span field");
    }
  }
  s.trace_id = *bytes_id(trace_id, 16, true, arena_);
  s.span_id = *bytes_id(span_id, 8, true, arena_);
  s.parent = bytes_id(parent, 8, false, arena_);
  if (kind >= std::size(SPAN_KINDS)) refuse("an unknown span kind");
  s.kind = SPAN_KINDS[kind];
  s.start = checked_time(static_cast<int64_t>(start));
  if (end) s.end = checked_time(static_cast<int64_t>(end));
  s.status_code = STATUS_CODES[0];
  if (has_status) {  // Status: message 2, code 3
    Wire st(status);
    uint32_t status_seen = 0;
    while (st.next()) {
      once(status_seen, st.field());
      if (st.field() == 2) {
        s.status_message = proto_str(st);
      } else if (st.field() == 3) {
        uint32_t code = st.uint32();
        if (code >= std::size(STATUS_CODES)) refuse("an unknown status code");
        s.status_code = STATUS_CODES[code];
      } else {
        refuse("protobuf: an unknown Status field");
      }
    }
  }
  const Redacted& r = filter(RECORD_ATTRS, proto_attributes(body, 9, arena_, scratch_));
  optional<int64_t> chars[2] = {r.input_chars, r.output_chars};

  // span events and links first: their content counts toward the span's text lengths
  int32_t events = 0, links = 0;
  Wire children(body);
  while (children.next()) {
    if (children.field() == 11) {  // Event: time 1, name 2, attributes 3, dropped_attributes_count 4
      string_view event = children.bytes();
      uint64_t time = 0;
      optional<string_view> name;
      int64_t dropped = 0;
      uint32_t event_seen = 0;
      Wire e(event);
      while (e.next()) {
        if (e.field() != 3) once(event_seen, e.field());
        switch (e.field()) {
          case 1: time = e.fixed64(); break;
          case 2: name = proto_str(e); break;
          case 3: e.bytes(); break;
          case 4: dropped = e.uint32(); break;
          default: refuse("protobuf: an unknown Event field");
        }
      }
      const Redacted& er = filter(CHILD_ATTRS, proto_attributes(event, 3, arena_, scratch_));
      int64_t at = checked_time(time ? static_cast<int64_t>(time) : s.start);
      add_event(s, events++, name, at, dropped, er, res, sc, chars);
    } else if (children.field() == 13) {  // Link: ids 1 and 2, trace_state 3, attributes 4, dropped 5, flags 6
      string_view link = children.bytes(), linked_trace, linked_span;
      optional<string_view> state;
      optional<int64_t> flags;
      int64_t dropped = 0;
      uint32_t link_seen = 0;
      Wire l(link);
      while (l.next()) {
        if (l.field() != 4) once(link_seen, l.field());
        switch (l.field()) {
          case 1: linked_trace = l.bytes(); break;
          case 2: linked_span = l.bytes(); break;
          case 3: state = proto_str(l); break;
          case 4: l.bytes(); break;
          case 5: dropped = l.uint32(); break;
          case 6: if (uint32_t f = l.fixed32()) flags = f; break;
          default: refuse("protobuf: an unknown Link field");
        }
      }
      const Redacted& lr = filter(CHILD_ATTRS, proto_attributes(link, 4, arena_, scratch_));
      add_link(s, links++, bytes_id(linked_trace, 16, false, arena_), bytes_id(linked_span, 8, false, arena_), state,
               flags, dropped, lr, res, sc);
    } else {
      children.skip();
    }
  }
  add_span(s, r, res, sc, chars);
  ++records_;
}

void Decoder::proto_log(string_view body, const Resource& res, const Scope& sc) {
  LogIn log{};
  string_view trace_id, span_id, value;
  bool has_body = false;
  uint64_t time = 0, observed = 0;
  uint32_t severity = 0, seen = 0;
  Wire w(body);
  while (w.next()) {
    uint32_t f = w.field();
    if (f != 6) once(seen, f);  // attributes repeat
    switch (f) {
      case 1: time = w.fixed64(); break;
      case 2: severity = w.uint32(); break;
      case 3: log.severity_text = proto_str(w); break;
      case 5: value = w.bytes(); has_body = true; break;
      case 6: w.bytes(); break;
      case 7: log.dropped_attributes = w.uint32(); break;
      case 8: if (uint32_t flags = w.fixed32()) log.flags = flags; break;
      case 9: trace_id = w.bytes(); break;
      case 10: span_id = w.bytes(); break;
      case 11: observed = w.fixed64(); break;
      case 12: log.event_name = proto_str(w); break;
      default: refuse("protobuf: an unknown LogRecord field");
    }
  }
  if (time) log.time = static_cast<int64_t>(time);
  if (observed) log.observed = static_cast<int64_t>(observed);
  log.at = checked_time(log.time ? log.time : log.observed);
  log.trace_id = bytes_id(trace_id, 16, false, arena_);
  log.span_id = bytes_id(span_id, 8, false, arena_);
  if (severity > 24) refuse("an unknown severity");
  log.severity = static_cast<int32_t>(severity);
  if (has_body) log.body = proto_any(value, 0, arena_, scratch_);
  Redacted& r = filter(RECORD_ATTRS, proto_attributes(body, 6, arena_, scratch_));
  add_log(log, r, res, sc);
  ++records_;
}

}  // namespace
