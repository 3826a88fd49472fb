// Rows of the five tables from what a reader (JSON or protobuf) found, as normalize.Normalizer makes them:
// the resource and scope columns, spans with their events and links and the trace fill-down, log
// records with their event names and bodies, metric points with their exemplars.
// Part of the native decoder (decoder.cpp), which includes it; one translation unit.
#pragma once

#include <unordered_map>

#include "convert.h"
#include "privacy.h"

namespace {

// normalize.Normalizer._resource: columns from the filtered attributes, the fallback LLM columns.
Resource& Decoder::add_resource(Redacted& r, optional<string_view> schema_url) {
  Resource& res = resources_.emplace_back();
  res.schema_url = schema_url;
  res.attributes_json = attrs_json(r);
  res.user_hash = r.user_hash;
  res.session_hash = r.session_hash;
  for (int k = 0; k <= P_ENVIRONMENT; ++k) {
    const Hit& h = r.best[n_llm + k];
    if (h.value) res.pseudo[k] = convert(n_llm + k, *h.value, h.key).s;
  }
  res.defaults.resize(n_llm);
  for (int k = 0; k < n_llm; ++k) {
    const Hit& h = r.best[k];
    if (llm_fallback[k] && h.value) res.defaults[k] = convert(k, *h.value, h.key);
  }
  return res;
}

Scope& Decoder::add_scope(optional<string_view> name, optional<string_view> version, Redacted& r) {
  Scope& sc = scopes_.emplace_back();
  sc.name = name;
  sc.version = version;
  sc.attributes_json = attrs_json(r);
  return sc;
}

void Decoder::shared_columns(CommonColumns& c, const Resource& res, const Scope& sc, int32_t day) {
  c.service_name->str(res.pseudo[P_SERVICE_NAME]);
  c.service_version->str(res.pseudo[P_SERVICE_VERSION]);
  c.service_namespace->str(res.pseudo[P_SERVICE_NAMESPACE]);
  c.deployment_environment->str(res.pseudo[P_ENVIRONMENT]);
  c.resource_attributes->str(res.attributes_json);
  c.resource_schema_url->str(res.schema_url);
  c.scope_name->str(sc.name);
  c.scope_version->str(sc.version);
  c.scope_attributes->str(sc.attributes_json);
  c.source_offset->str(location_);
  c.day->int32(day);
}

// --- traces ------------------------------------------------------------------------------------

// A span event; its content counts toward the span's text lengths (chars: input, output).
void Decoder::add_event(const SpanIn& s, int32_t index, optional<string_view> name, int64_t at, int64_t dropped,
                        const Redacted& er, const Resource& res, const Scope& sc, optional<int64_t> chars[2]) {
  int64_t content = er.input_chars.value_or(0) + er.output_chars.value_or(0);
  if (content) {
    auto& side = chars[name && name->find("completion") != string_view::npos ? 1 : 0];
    side = side.value_or(0) + content;
  }
  EventColumns& e = t_.event;
  e.trace_id->str(s.trace_id);
  e.span_id->str(s.span_id);
  e.index->int32(index);
  e.name->str(name);
  e.time_ns->integer(at);
  e.at->integer(at / 1000);
  e.dropped_attributes->integer(dropped);
  t_.event_common.attributes->str(attrs_json(er));
  t_.event_common.attributes_truncated->boolean(false);
  shared_columns(t_.event_common, res, sc, static_cast<int32_t>(s.start / NS_PER_DAY));
  event_spans_.push_back(static_cast<uint32_t>(pending_.size()));  // its span comes next
}

void Decoder::add_link(const SpanIn& s, int32_t index, optional<string_view> trace_id, optional<string_view> span_id,
                       optional<string_view> state, optional<int64_t> flags, int64_t dropped, const Redacted& lr,
                       const Resource& res, const Scope& sc) {
  LinkColumns& l = t_.link;
  l.trace_id->str(s.trace_id);
  l.span_id->str(s.span_id);
  l.index->int32(index);
  l.linked_trace_id->str(trace_id);
  l.linked_span_id->str(span_id);
  l.trace_state->str(state);
  l.flags->integer(flags);
  l.dropped_attributes->integer(dropped);
  t_.link_common.attributes->str(attrs_json(lr));
  t_.link_common.attributes_truncated->boolean(false);
  shared_columns(t_.link_common, res, sc, static_cast<int32_t>(s.start / NS_PER_DAY));
  link_spans_.push_back(static_cast<uint32_t>(pending_.size()));
}

// normalize.Normalizer._span, after its events and links: every column but the five the trace
// fill-down may still change, which fill_down() appends.
void Decoder::add_span(const SpanIn& s, const Redacted& r, const Resource& res, const Scope& sc,
                       optional<int64_t> chars[2]) {
  optional<string_view> convention, span_type;
  llm_columns(r, res, std::nullopt, convention, span_type);
  SpanColumns& c = t_.span;
  c.trace_id->str(s.trace_id);
  c.span_id->str(s.span_id);
  c.parent->str(s.parent);
  c.trace_state->str(s.trace_state);
  c.name->str(s.name);
  c.kind->str(string_view(s.kind));
  c.start_ns->integer(s.start);
  optional<int64_t> end = s.end && *s.end != 0 ? s.end : std::nullopt;
  c.end_ns->integer(end);
  c.start_at->integer(s.start / 1000);
  if (end && *end >= s.start) {
    c.end_at->integer(*end / 1000);
    c.duration->real(static_cast<double>(*end - s.start) / 1e6);
  } else {
    c.end_at->null();
    c.duration->null();
  }
  c.status_code->str(string_view(s.status_code));
  c.status_message->str(s.status_message);
  c.flags->integer(s.flags);
  c.dropped_attributes->integer(s.dropped_attributes);
  c.dropped_events->integer(s.dropped_events);
  c.dropped_links->integer(s.dropped_links);
  t_.span_common.attributes->str(attrs_json(r));
  t_.span_common.attributes_truncated->boolean(false);
  LlmColumns& l = t_.span_llm;
  l.convention->str(convention);
  l.span_type->str(span_type);
  for (int k = 0; k < n_llm; ++k)
    if (k != feature_col && k != team_col) put(*l.llm[k], llm_[k]);  // those two: filled down
  l.input_chars->integer(chars[0]);
  l.output_chars->integer(chars[1]);
  l.content_hmac->str(r.content_hmac);
  shared_columns(t_.span_common, res, sc, static_cast<int32_t>(s.start / NS_PER_DAY));

  // the subject: the span's own, else its resource's (then the fill-down)
  Pending& p = pending_.emplace_back();
  p.trace_id = s.trace_id;
  p.root = !s.parent;
  string_view tenant = pseudo_str(r, P_TENANT);
  p.v[0] = !tenant.empty() ? optional<string_view>(tenant) : res.pseudo[P_TENANT];
  if (llm_[feature_col].t == VT::Str) p.v[1] = llm_[feature_col].s;
  if (llm_[team_col].t == VT::Str) p.v[2] = llm_[team_col].s;
  p.v[3] = r.user_hash ? r.user_hash : res.user_hash;
  p.v[4] = r.session_hash ? r.session_hash : res.session_hash;
}

// normalize.fill_down_from_trace_roots over the unit's spans, then the columns it decides.
void Decoder::fill_down() {
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
    t_.span_common.tenant->str(p.v[0]);
    t_.span_llm.llm[feature_col]->str(p.v[1]);
    t_.span_llm.llm[team_col]->str(p.v[2]);
    t_.span_common.user_hash->str(p.v[3]);
    t_.span_common.session_hash->str(p.v[4]);
  }
  // events and links take their span's subject after the fill-down (normalize.traces)
  for (auto [table, spans] : {std::pair{&t_.event_common, &event_spans_}, std::pair{&t_.link_common, &link_spans_}}) {
    for (uint32_t index : *spans) {
      const Pending& p = pending_[index];
      table->tenant->str(p.v[0]);
      table->user_hash->str(p.v[3]);
      table->session_hash->str(p.v[4]);
    }
  }
}

// --- logs ----------------------------------------------------------------------------------------

bool contains(const StrMap<string>& set, optional<string_view> s) {
  return s && const_cast<StrMap<string>&>(set).find(*s) != nullptr;
}

// normalize.Normalizer._log with normalize._event_name; `log.event_name` is the record's own field.
void Decoder::add_log(LogIn& log, Redacted& r, const Resource& res, const Scope& sc) {
  const Val& body = log.body;
  optional<string_view> name = log.event_name;
  if (!name) {  // the record's field is absent or empty: the event.name attribute
    const Val* attr = r.get("event.name");
    if (attr && attr->t != VT::Null) {
      if (attr->t != VT::Str) refuse("an event name that is not a string");  // the Python path's error
      if (!attr->s.empty()) name = attr->s;
    }
  }
  bool claude_body = body.t == VT::Str && body.s.substr(0, claude_code_prefix.size()) == claude_code_prefix;
  if (!name && claude_body && body.s.find(' ') == string_view::npos) name = body.s;
  if (contains(claude_code_events, name) && (res.pseudo[P_SERVICE_NAME] == claude_code_service || claude_body)) {
    scratch_.assign(claude_code_prefix);
    scratch_.append(*name);
    name = arena_.put(scratch_);
  }
  optional<string_view> body_text;
  if (contains(content_events, name) && body.t != VT::Null) {
    if (keep_content) refuse("content to keep");
    // privacy.AttributeFilter.redact_body: the text's length and keyed hash stay, the text goes
    scratch_.assign("body");
    scratch_.push_back('\0');
    if (body.t == VT::Str) scratch_.append(body.s);
    else json_value(scratch_, body);
    auto chars = static_cast<int64_t>(code_points(string_view(scratch_).substr(5)));
    auto& side = contains(output_events, name) ? r.output_chars : r.input_chars;
    side = side.value_or(0) + chars;
    if (!r.content_hmac) r.content_hmac = keyed_hash(hash_bytes, scratch_, true);
  } else if (body.t == VT::Str) {
    if (body.s.size() > max_value_chars && code_points(body.s) > max_value_chars) refuse("a body to cap");
    body_text = body.s;
  } else if (body.t != VT::Null) {
    scratch_.clear();
    json_value(scratch_, body);
    body_text = arena_.put(scratch_);
  }
  optional<string_view> convention, span_type;
  llm_columns(r, res, name, convention, span_type);
  LogColumns& c = t_.log;
  c.time_ns->integer(log.time);
  c.observed_ns->integer(log.observed);
  c.at->integer(log.at / 1000);
  c.severity->int32(log.severity);
  c.severity_text->str(log.severity_text);
  c.event_name->str(name);
  c.body->str(body_text);
  c.trace_id->str(log.trace_id);
  c.span_id->str(log.span_id);
  c.flags->integer(log.flags);
  c.dropped_attributes->integer(log.dropped_attributes);
  CommonColumns& common = t_.log_common;
  common.attributes->str(attrs_json(r));
  common.attributes_truncated->boolean(false);
  LlmColumns& l = t_.log_llm;
  l.convention->str(convention);
  l.span_type->str(span_type);
  for (int k = 0; k < n_llm; ++k) put(*l.llm[k], llm_[k]);
  l.input_chars->integer(r.input_chars);
  l.output_chars->integer(r.output_chars);
  l.content_hmac->str(r.content_hmac);
  string_view tenant = pseudo_str(r, P_TENANT);
  common.tenant->str(!tenant.empty() ? optional<string_view>(tenant) : res.pseudo[P_TENANT]);
  common.user_hash->str(r.user_hash ? r.user_hash : res.user_hash);
  common.session_hash->str(r.session_hash ? r.session_hash : res.session_hash);
  shared_columns(common, res, sc, static_cast<int32_t>(log.at / NS_PER_DAY));
}

// --- metrics -------------------------------------------------------------------------------------

void Decoder::check_point_columns(const Redacted& r) {
  if (r.filtered_point_key) refuse("a tenant, model or token type key that the filter changes");
}

// One entry of normalize.Normalizer._exemplars, appended to exemplars_ (which holds "[" and the entries
// before it).
void Decoder::add_exemplar(const ExemplarIn& e, const Redacted& r) {
  if (exemplars_.size() > 1) exemplars_ += ',';
  exemplars_ += "{\"time_unix_nano\":";
  exemplars_ += e.time ? std::to_string(*e.time) : "null";
  exemplars_ += ",\"value\":";
  if (e.value == VT::Dbl) orjson_float(exemplars_, e.d);
  else if (e.value == VT::Int) exemplars_ += std::to_string(e.i);
  else exemplars_ += "null";
  for (auto [name, id] : {std::pair{",\"trace_id\":", e.trace_id}, std::pair{",\"span_id\":", e.span_id}}) {
    exemplars_ += name;
    if (id) json_string(exemplars_, *id);
    else exemplars_ += "null";
  }
  exemplars_ += ",\"attributes\":";
  optional<string_view> attrs = attrs_json(r);
  exemplars_ += attrs ? *attrs : "{}";
  exemplars_ += '}';
}

// normalize.Normalizer._point and the metric's columns (normalize.Normalizer._metric).
void Decoder::add_point(const MetricIn& m, PointIn& p, const Redacted& r, const Resource& res, const Scope& sc) {
  check_point_columns(r);
  PointColumns& c = t_.point;
  c.name->str(m.name);
  c.description->str(m.description);
  c.unit->str(m.unit);
  c.type->str(string_view(m.kind));
  c.temporality->str(m.temporality ? optional<string_view>(m.temporality) : std::nullopt);
  string_view kind = m.kind;
  if (kind == "sum") c.monotonic->boolean(m.monotonic);
  else c.monotonic->null();
  c.start_ns->integer(p.start);
  c.time_ns->integer(p.time);
  c.at->integer(p.time / 1000);
  if (p.as_int) {
    c.value_int->integer(*p.as_int);
    c.value_double->real(static_cast<double>(*p.as_int));
  } else {
    c.value_int->null();
    if (p.as_double) c.value_double->real(*p.as_double);
    else c.value_double->null();
  }
  c.count->integer(p.count);
  for (auto [column, value] : {std::pair{c.sum, p.sum}, std::pair{c.min, p.min}, std::pair{c.max, p.max},
                               std::pair{c.zero_threshold, p.zero_threshold}}) {
    if (value) column->real(*value);
    else column->null();
  }
  if (p.buckets) {
    c.bucket_counts->int_list(p.bucket_counts);
    c.bounds->double_list(p.bounds);
  } else {
    c.bucket_counts->null();
    c.bounds->null();
  }
  if (kind == "exponential_histogram") {
    c.scale->int32(p.scale);
    c.zero_count->integer(p.zero_count);
    for (int side = 0; side < 2; ++side) {
      c.offsets[side]->int32(p.offsets[side]);
      c.sides[side]->int_list(p.sides[side]);
    }
  } else {
    c.scale->null();
    c.zero_count->null();
    for (int side = 0; side < 2; ++side) {
      c.offsets[side]->null();
      c.sides[side]->null();
    }
  }
  if (kind == "summary") c.quantiles->quantile_list(p.quantiles);
  else c.quantiles->null();
  c.exemplars->str(p.exemplars);
  c.flags->integer(p.flags);
  string_view model = pseudo_str(r, P_MODEL), token_type = pseudo_str(r, P_TOKEN_TYPE);
  c.model->str(r.best[n_llm + P_MODEL].value ? optional<string_view>(model) : std::nullopt);
  c.token_type->str(r.best[n_llm + P_TOKEN_TYPE].value ? optional<string_view>(token_type) : std::nullopt);
  CommonColumns& common = t_.point_common;
  common.attributes->str(attrs_json(r));
  common.attributes_truncated->boolean(false);
  string_view tenant = pseudo_str(r, P_TENANT);
  common.tenant->str(!tenant.empty() ? optional<string_view>(tenant) : res.pseudo[P_TENANT]);
  common.user_hash->str(r.user_hash ? r.user_hash : res.user_hash);
  common.session_hash->str(r.session_hash ? r.session_hash : res.session_hash);
  shared_columns(common, res, sc, static_cast<int32_t>(p.time / NS_PER_DAY));
}

}  // namespace
