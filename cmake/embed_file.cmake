# Turns INPUT into a C++ source defining hello::http::OpenApiDocument() that returns its text.
file(READ "${INPUT}" content HEX)
string(REGEX REPLACE "([0-9a-f][0-9a-f])" "'\\\\x\\1'," bytes "${content}")
file(WRITE "${OUTPUT}"
  "// Generated from api/openapi.json at build time; do not edit.\n"
  "#include <string_view>\n"
  "namespace hello::http {\n"
  "namespace {\n"
  "constexpr char kDocument[] = {${bytes}};\n"
  "}  // namespace\n"
  "std::string_view OpenApiDocument() { return {kDocument, sizeof(kDocument)}; }\n"
  "}  // namespace hello::http\n")
