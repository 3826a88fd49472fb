// The five lake tables being built (spans, span events, span links, logs, metric points) and their
// columns, resolved once. Columns a table gets only from the Python path (attributes_repaired, whose
// lines the decoder refuses) and source_file_id (native/decoder.py adds it) are not built here.
// Part of the native decoder (decoder.cpp), which includes it; one translation unit.
#pragma once

#include <array>

#include "columns.h"
#include "plans.h"

namespace {

// The columns every table has: resource and scope, lineage, subject, the record's attributes.
struct CommonColumns {
  Column *service_name, *service_version, *service_namespace, *deployment_environment, *resource_attributes,
      *resource_schema_url, *scope_name, *scope_version, *scope_attributes, *source_offset, *day, *tenant,
      *user_hash, *session_hash, *attributes, *attributes_truncated;
  void resolve(Table& t) {
    t.add_all({"service_name", "service_version", "service_namespace", "deployment_environment",
               "resource_attributes", "resource_schema_url", "scope_name", "scope_version", "scope_attributes",
               "source_offset", "tenant_id", "user_hash", "session_hash", "attributes"},
              's');
    t.add("attributes_truncated", 'b');
    t.add("_day", 'i');
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
    attributes = &t["attributes"];
    attributes_truncated = &t["attributes_truncated"];
  }
};

// The typed LLM columns of spans and logs (schema.LLM_FIELDS).
struct LlmColumns {
  Column *convention, *span_type, *input_chars, *output_chars, *content_hmac;
  std::vector<Column*> llm;
  void resolve(Table& t, const std::vector<string>& names, const std::vector<int>& conv) {
    t.add_all({"llm_convention", "span_type", "content_hmac"}, 's');
    t.add_all({"input_chars", "output_chars"}, 'l');
    for (size_t k = 0; k < names.size(); ++k) {
      int c = conv[k];
      t.add(names[k], c == C_INT ? 'l' : c == C_FLOAT || c == C_TTFT ? 'd' : c == C_BOOL ? 'b' : c == C_COST ? 'D' : 's');
    }
    convention = &t["llm_convention"];
    span_type = &t["span_type"];
    input_chars = &t["input_chars"];
    output_chars = &t["output_chars"];
    content_hmac = &t["content_hmac"];
    llm.clear();
    for (const string& name : names) llm.push_back(&t[name]);
  }
};

struct SpanColumns {
  Column *trace_id, *span_id, *parent, *trace_state, *name, *kind, *start_ns, *end_ns, *start_at, *end_at,
      *duration, *status_code, *status_message, *flags, *dropped_attributes, *dropped_events, *dropped_links;
  void resolve(Table& t) {
    t.add_all({"trace_id", "span_id", "parent_span_id", "trace_state", "span_name", "span_kind", "status_code",
               "status_message"},
              's');
    t.add_all({"start_time_unix_nano", "end_time_unix_nano", "span_flags", "dropped_attributes_count",
               "dropped_events_count", "dropped_links_count"},
              'l');
    t.add_all({"start_at", "end_at"}, 't');
    t.add("duration_ms", 'd');
    *this = {&t["trace_id"],          &t["span_id"],        &t["parent_span_id"],       &t["trace_state"],
             &t["span_name"],         &t["span_kind"],      &t["start_time_unix_nano"], &t["end_time_unix_nano"],
             &t["start_at"],          &t["end_at"],         &t["duration_ms"],          &t["status_code"],
             &t["status_message"],    &t["span_flags"],     &t["dropped_attributes_count"],
             &t["dropped_events_count"], &t["dropped_links_count"]};
  }
};

struct EventColumns {
  Column *trace_id, *span_id, *index, *name, *time_ns, *at, *dropped_attributes;
  void resolve(Table& t) {
    t.add_all({"trace_id", "span_id", "event_name"}, 's');
    t.add("event_index", 'i');
    t.add_all({"time_unix_nano", "dropped_attributes_count"}, 'l');
    t.add("event_at", 't');
    *this = {&t["trace_id"],       &t["span_id"],  &t["event_index"], &t["event_name"],
             &t["time_unix_nano"], &t["event_at"], &t["dropped_attributes_count"]};
  }
};

struct LinkColumns {
  Column *trace_id, *span_id, *index, *linked_trace_id, *linked_span_id, *trace_state, *flags, *dropped_attributes;
  void resolve(Table& t) {
    t.add_all({"trace_id", "span_id", "linked_trace_id", "linked_span_id", "linked_trace_state"}, 's');
    t.add("link_index", 'i');
    t.add_all({"link_flags", "dropped_attributes_count"}, 'l');
    *this = {&t["trace_id"],       &t["span_id"],           &t["link_index"],
             &t["linked_trace_id"], &t["linked_span_id"],   &t["linked_trace_state"],
             &t["link_flags"],     &t["dropped_attributes_count"]};
  }
};

struct LogColumns {
  Column *time_ns, *observed_ns, *at, *severity, *severity_text, *event_name, *body, *trace_id, *span_id, *flags,
      *dropped_attributes;
  void resolve(Table& t) {
    t.add_all({"time_unix_nano", "observed_time_unix_nano", "log_flags", "dropped_attributes_count"}, 'l');
    t.add("log_at", 't');
    t.add("severity_number", 'i');
    t.add_all({"severity_text", "event_name", "body", "trace_id", "span_id"}, 's');
    *this = {&t["time_unix_nano"], &t["observed_time_unix_nano"], &t["log_at"],  &t["severity_number"],
             &t["severity_text"],  &t["event_name"],              &t["body"],    &t["trace_id"],
             &t["span_id"],        &t["log_flags"],               &t["dropped_attributes_count"]};
  }
};

struct PointColumns {
  Column *name, *description, *unit, *type, *temporality, *monotonic, *start_ns, *time_ns, *at, *value_double,
      *value_int, *count, *sum, *min, *max, *bucket_counts, *bounds, *scale, *zero_count, *zero_threshold,
      *offsets[2], *sides[2], *quantiles, *exemplars, *flags, *model, *token_type;
  void resolve(Table& t) {
    t.add_all({"metric_name", "metric_description", "metric_unit", "metric_type", "aggregation_temporality",
               "exemplars", "model", "token_type"},
              's');
    t.add("is_monotonic", 'b');
    t.add_all({"start_time_unix_nano", "time_unix_nano", "value_int", "count", "exp_zero_count", "point_flags"}, 'l');
    t.add("point_at", 't');
    t.add_all({"value_double", "sum", "min", "max", "exp_zero_threshold"}, 'd');
    t.add_all({"bucket_counts", "exp_positive_bucket_counts", "exp_negative_bucket_counts"}, 'L');
    t.add("explicit_bounds", 'F');
    t.add_all({"exp_scale", "exp_positive_offset", "exp_negative_offset"}, 'i');
    t.add("quantile_values", 'Q');
    *this = {&t["metric_name"],      &t["metric_description"],
             &t["metric_unit"],      &t["metric_type"],
             &t["aggregation_temporality"], &t["is_monotonic"],
             &t["start_time_unix_nano"], &t["time_unix_nano"],
             &t["point_at"],         &t["value_double"],
             &t["value_int"],        &t["count"],
             &t["sum"],              &t["min"],
             &t["max"],              &t["bucket_counts"],
             &t["explicit_bounds"],  &t["exp_scale"],
             &t["exp_zero_count"],   &t["exp_zero_threshold"],
             {&t["exp_positive_offset"], &t["exp_negative_offset"]},
             {&t["exp_positive_bucket_counts"], &t["exp_negative_bucket_counts"]},
             &t["quantile_values"],  &t["exemplars"],
             &t["point_flags"],      &t["model"],
             &t["token_type"]};
  }
};

constexpr int TABLE_COUNT = 5;
const char* const TABLE_NAMES[TABLE_COUNT] = {"spans", "span_events", "span_links", "logs", "metric_points"};

struct Tables {
  Table spans, events, links, logs, points;
  CommonColumns span_common, event_common, link_common, log_common, point_common;
  LlmColumns span_llm, log_llm;
  SpanColumns span;
  EventColumns event;
  LinkColumns link;
  LogColumns log;
  PointColumns point;

  Table* all[TABLE_COUNT] = {&spans, &events, &links, &logs, &points};
  void init(const std::vector<string>& llm_names, const std::vector<int>& llm_conv) {
    span.resolve(spans);
    event.resolve(events);
    link.resolve(links);
    log.resolve(logs);
    point.resolve(points);
    span_llm.resolve(spans, llm_names, llm_conv);
    log_llm.resolve(logs, llm_names, llm_conv);
    span_common.resolve(spans);
    event_common.resolve(events);
    link_common.resolve(links);
    log_common.resolve(logs);
    point_common.resolve(points);
  }
  std::array<size_t, TABLE_COUNT> rows() const {
    return {spans.rows(), events.rows(), links.rows(), logs.rows(), points.rows()};
  }
  void truncate(const std::array<size_t, TABLE_COUNT>& marks) {
    for (int k = 0; k < TABLE_COUNT; ++k) all[k]->truncate(marks[k]);
  }
  void clear() {
    for (Table* t : all) t->truncate(0);  // keeps the buffers' capacity for the next block
  }
  PyObject* export_all() {  // {table: {column: (type, length, validity, values, data)}}
    PyObject* out = PyDict_New();
    if (!out) return nullptr;
    for (int k = 0; k < TABLE_COUNT; ++k) {
      PyObject* columns = all[k]->export_all();
      if (!columns || PyDict_SetItemString(out, TABLE_NAMES[k], columns) < 0) {
        Py_XDECREF(columns);
        Py_DECREF(out);
        return nullptr;
      }
      Py_DECREF(columns);
    }
    return out;
  }
};

}  // namespace
