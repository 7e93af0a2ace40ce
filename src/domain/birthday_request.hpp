#pragma once
// The JSON body of PUT /hello/{username}.

#include <string>
#include <string_view>

#include "common/expected.hpp"
#include "domain/validation_error.hpp"

namespace hello::domain {

/// Extracts the "dateOfBirth" string from a request body that must be a JSON object.
/// Unknown members are ignored. Not JSON, not an object, a missing, duplicated or non-string
/// "dateOfBirth" are ValidationErrors whose detail says which rule failed. The date text itself
/// is not checked here (see ParseDateOfBirth).
Expected<std::string, ValidationError> ExtractDateOfBirth(std::string_view body);

}  // namespace hello::domain
