// The floor of a native OTLP/JSON trace decoder: what parsing and walking the spans costs in C++
// (simdjson On-Demand), measured by benchmarks/native_floor.py. Not used by landing.
//
// Per span it does the work every decoder must do and that landing's Python path pays ~85 µs for:
// read the ids (checked and lowercased hex), the name, kind and times (integers), and the attributes,
// rebuilt as one JSON object per span (the `attributes` column) with a lookup of each key in a table
// of the keys that feed typed columns. It leaves out privacy, semantics and Arrow: those are the
// remaining work of a real native decoder, on data already in C++.

#include "simdjson.h"

#include <cstdint>
#include <string>
#include <string_view>
#include <unordered_set>

using namespace simdjson;

namespace {

struct Tally {
  int64_t spans = 0, attributes = 0, typed_hits = 0, bad = 0, bytes_out = 0;
};

const std::unordered_set<std::string_view>& typed_keys() {
  static const std::unordered_set<std::string_view> keys = {
      "gen_ai.provider.name", "gen_ai.system", "gen_ai.operation.name", "gen_ai.request.model",
      "gen_ai.response.model", "gen_ai.usage.input_tokens", "gen_ai.usage.output_tokens",
      "gen_ai.usage.cache_read.input_tokens", "gen_ai.usage.cache_creation.input_tokens",
      "gen_ai.usage.prompt_tokens", "gen_ai.usage.completion_tokens", "gen_ai.response.finish_reasons",
      "gen_ai.conversation.id", "gen_ai.usage.cost", "llm.model_name", "llm.provider", "llm.system",
      "llm.token_count.prompt", "llm.token_count.completion", "llm.token_count.total", "llm.cost.total",
      "llm.usage.prompt_tokens", "llm.usage.completion_tokens", "llm.usage.total_tokens",
      "traceloop.workflow.name", "traceloop.entity.name", "user.id", "enduser.id", "session.id",
      "tenant.id", "app.feature", "app.team", "http.response.status_code", "error.type"};
  return keys;
}

bool lower_hex(std::string_view id, size_t bytes, std::string& out) {
  if (id.size() != bytes * 2) return false;
  for (char c : id) {
    if (c >= 'A' && c <= 'F') c = static_cast<char>(c - 'A' + 'a');
    else if (!((c >= '0' && c <= '9') || (c >= 'a' && c <= 'f'))) return false;
    out.push_back(c);
  }
  return true;
}

int64_t nanos(ondemand::value value) {
  // OTLP/JSON sends 64-bit integers as strings; some producers send numbers.
  if (value.type() == ondemand::json_type::string) {
    std::string_view text = value.get_string();
    int64_t n = 0;
    for (char c : text) n = n * 10 + (c - '0');
    return n;
  }
  return value.get_int64();
}

void attributes_json(ondemand::array items, std::string& out, Tally& tally) {
  const auto& typed = typed_keys();
  out.push_back('{');
  bool first = true;
  for (auto item : items) {
    std::string_view key;
    std::string_view raw_value = "null";
    for (auto field : item.get_object()) {
      std::string_view name = field.unescaped_key();
      if (name == "key") {
        key = field.value().get_string();
      } else if (name == "value") {
        for (auto variant : field.value().get_object()) {  // {"stringValue": ...} and the other kinds
          raw_value = variant.value().raw_json();
        }
      }
    }
    if (!first) out.push_back(',');
    first = false;
    out.push_back('"');
    out.append(key);
    out.append("\":");
    out.append(raw_value);
    tally.attributes++;
    if (typed.count(key)) tally.typed_hits++;
  }
  out.push_back('}');
}

void walk_span(ondemand::object span, std::string& out, Tally& tally) {
  for (auto field : span) {
    std::string_view name = field.unescaped_key();
    if (name == "traceId") {
      if (!lower_hex(field.value().get_string(), 16, out)) tally.bad++;
    } else if (name == "spanId" || name == "parentSpanId") {
      std::string_view id = field.value().get_string();
      if (!id.empty() && !lower_hex(id, 8, out)) tally.bad++;
    } else if (name == "name") {
      out.append(std::string_view(field.value().get_string()));
    } else if (name == "kind") {
      tally.bytes_out += field.value().get_int64();
    } else if (name == "startTimeUnixNano" || name == "endTimeUnixNano") {
      tally.bytes_out += nanos(field.value()) & 1;
    } else if (name == "attributes") {
      attributes_json(field.value().get_array(), out, tally);
    }
  }
  tally.spans++;
}

void walk_request(ondemand::document& doc, std::string& out, Tally& tally) {
  for (auto resource_spans : doc["resourceSpans"].get_array()) {
    for (auto field : resource_spans.get_object()) {
      std::string_view name = field.unescaped_key();
      if (name == "resource") {
        for (auto resource_field : field.value().get_object()) {
          if (resource_field.unescaped_key().value() == "attributes") {
            attributes_json(resource_field.value().get_array(), out, tally);
          }
        }
      } else if (name == "scopeSpans") {
        for (auto scope_spans : field.value().get_array()) {
          for (auto scope_field : scope_spans.get_object()) {
            if (scope_field.unescaped_key().value() != "spans") continue;
            for (auto span : scope_field.value().get_array()) walk_span(span.get_object(), out, tally);
          }
        }
      }
    }
  }
}

}  // namespace

// Walk every line of a file of ExportTraceServiceRequest JSON lines. result: spans, attributes,
// attributes that feed a typed column, bad ids, bytes produced. Returns 0, or -1 if unreadable,
// -2 on a JSON error.
extern "C" int64_t walk_file(const char* path, int64_t* result) {
  padded_string file;
  if (padded_string::load(path).get(file)) return -1;
  std::string_view all(file.data(), file.size());
  ondemand::parser parser(size_t(1) << 30);
  Tally tally;
  std::string out;
  size_t start = 0;
  while (start < all.size()) {
    size_t end = all.find('\n', start);
    if (end == std::string_view::npos) end = all.size();
    if (end > start) {
      padded_string line(all.data() + start, end - start);  // On-Demand needs padding after the line
      ondemand::document doc;
      if (parser.iterate(line).get(doc)) return -2;
      try {
        walk_request(doc, out, tally);
      } catch (simdjson_error&) {
        return -2;
      }
      tally.bytes_out += static_cast<int64_t>(out.size());
      out.clear();
    }
    start = end + 1;
  }
  result[0] = tally.spans;
  result[1] = tally.attributes;
  result[2] = tally.typed_hits;
  result[3] = tally.bad;
  result[4] = tally.bytes_out;
  return 0;
}
