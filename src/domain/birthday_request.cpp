// Reads "dateOfBirth" from a PUT body with a streaming Boost.JSON parser, because the DOM parser
// silently keeps only one of two duplicated members and the contract rejects duplicates.

#include "domain/birthday_request.hpp"

#include <boost/json/basic_parser_impl.hpp>
#include <cstdint>

namespace hello::domain {

namespace {

constexpr std::string_view kDateOfBirthKey = "dateOfBirth";

// Far deeper than any sensible body, low enough that a pathological one is refused quickly.
constexpr std::size_t kMaxNestingDepth = 32;

// What the top-level "dateOfBirth" member(s) held, gathered while parsing.
struct DocumentSummary {
  bool top_level_is_object = false;
  int date_of_birth_count = 0;
  bool date_of_birth_is_string = false;
  std::string date_of_birth;
};

// Receives parse events; only members of the top-level object are looked at. Depth 1 means
// "directly inside the top-level object".
class TopLevelHandler {
 public:
  static constexpr std::size_t max_array_size = static_cast<std::size_t>(-1);
  static constexpr std::size_t max_object_size = static_cast<std::size_t>(-1);
  static constexpr std::size_t max_string_size = static_cast<std::size_t>(-1);
  static constexpr std::size_t max_key_size = static_cast<std::size_t>(-1);

  DocumentSummary summary;

  bool on_document_begin(boost::json::error_code&) { return true; }
  bool on_document_end(boost::json::error_code&) { return true; }

  bool on_object_begin(boost::json::error_code&) {
    if (depth_ == 0) {
      summary.top_level_is_object = true;
    }
    OnValue(false);
    ++depth_;
    return true;
  }
  bool on_object_end(std::size_t, boost::json::error_code&) {
    --depth_;
    return true;
  }
  bool on_array_begin(boost::json::error_code&) {
    OnValue(false);
    ++depth_;
    return true;
  }
  bool on_array_end(std::size_t, boost::json::error_code&) {
    --depth_;
    return true;
  }

  // Keys and strings may arrive in several parts; only a top-level key that can still be
  // "dateOfBirth" and the value of that member are kept.
  bool on_key_part(boost::json::string_view part, std::size_t, boost::json::error_code&) {
    AppendKey(part);
    return true;
  }
  bool on_key(boost::json::string_view part, std::size_t, boost::json::error_code&) {
    AppendKey(part);
    value_is_date_of_birth_ = depth_ == 1 && key_matches_ && key_ == kDateOfBirthKey;
    key_.clear();
    key_matches_ = true;
    return true;
  }
  bool on_string_part(boost::json::string_view part, std::size_t, boost::json::error_code&) {
    AppendString(part);
    return true;
  }
  bool on_string(boost::json::string_view part, std::size_t, boost::json::error_code&) {
    AppendString(part);
    if (in_date_of_birth_string_) {
      summary.date_of_birth_is_string = true;
      in_date_of_birth_string_ = false;
    }
    return true;
  }

  bool on_number_part(boost::json::string_view, boost::json::error_code&) { return true; }
  bool on_int64(std::int64_t, boost::json::string_view, boost::json::error_code&) {
    OnValue(false);
    return true;
  }
  bool on_uint64(std::uint64_t, boost::json::string_view, boost::json::error_code&) {
    OnValue(false);
    return true;
  }
  bool on_double(double, boost::json::string_view, boost::json::error_code&) {
    OnValue(false);
    return true;
  }
  bool on_bool(bool, boost::json::error_code&) {
    OnValue(false);
    return true;
  }
  bool on_null(boost::json::error_code&) {
    OnValue(false);
    return true;
  }
  bool on_comment_part(boost::json::string_view, boost::json::error_code&) { return true; }
  bool on_comment(boost::json::string_view, boost::json::error_code&) { return true; }

 private:
  // Called at the start of every value; records it when it is a top-level "dateOfBirth".
  void OnValue(bool is_string) {
    if (!value_is_date_of_birth_) {
      return;
    }
    value_is_date_of_birth_ = false;
    ++summary.date_of_birth_count;
    summary.date_of_birth_is_string = false;
    summary.date_of_birth.clear();
    in_date_of_birth_string_ = is_string;
  }

  void AppendKey(boost::json::string_view part) {
    if (depth_ != 1 || !key_matches_) {
      return;
    }
    if (key_.size() + part.size() > kDateOfBirthKey.size()) {
      key_matches_ = false;
      key_.clear();
      return;
    }
    key_.append(part.data(), part.size());
  }

  void AppendString(boost::json::string_view part) {
    if (value_is_date_of_birth_) {
      OnValue(true);
    }
    if (in_date_of_birth_string_) {
      summary.date_of_birth.append(part.data(), part.size());
    }
  }

  std::size_t depth_ = 0;
  std::string key_;
  bool key_matches_ = true;
  bool value_is_date_of_birth_ = false;
  bool in_date_of_birth_string_ = false;
};

ValidationError Invalid(const char* detail) { return ValidationError{detail}; }

}  // namespace

Expected<std::string, ValidationError> ExtractDateOfBirth(std::string_view body) {
  // Strict RFC 8259: no comments, no trailing commas, no invalid UTF-8.
  boost::json::parse_options options;
  options.max_depth = kMaxNestingDepth;
  boost::json::basic_parser<TopLevelHandler> parser(options);

  boost::json::error_code ec;
  const std::size_t consumed = parser.write_some(false, body.data(), body.size(), ec);
  if (ec == boost::json::error::too_deep) {
    return MakeUnexpected(Invalid("The request body is nested too deeply."));
  }
  if (ec || consumed != body.size() || !parser.done()) {
    return MakeUnexpected(Invalid("The request body is not valid JSON."));
  }

  const DocumentSummary& summary = parser.handler().summary;
  if (!summary.top_level_is_object) {
    return MakeUnexpected(Invalid("The request body must be a JSON object."));
  }
  if (summary.date_of_birth_count == 0) {
    return MakeUnexpected(Invalid("The request body must have a dateOfBirth member."));
  }
  if (summary.date_of_birth_count > 1) {
    return MakeUnexpected(Invalid("The request body must have only one dateOfBirth member."));
  }
  if (!summary.date_of_birth_is_string) {
    return MakeUnexpected(Invalid("The dateOfBirth member must be a string."));
  }
  return summary.date_of_birth;
}

}  // namespace hello::domain
