// Thin RAII wrappers over the SQLite C API and the mapping of its result codes.

#include "storage/sqlite/sqlite_database.hpp"

#include <array>
#include <charconv>
#include <utility>

namespace hello::storage::sqlite {
namespace {

struct CodeName {
  int code;
  std::string_view name;
};

constexpr std::array<CodeName, 29> kPrimaryCodeNames{{
    {SQLITE_OK, "SQLITE_OK"},
    {SQLITE_ERROR, "SQLITE_ERROR"},
    {SQLITE_INTERNAL, "SQLITE_INTERNAL"},
    {SQLITE_PERM, "SQLITE_PERM"},
    {SQLITE_ABORT, "SQLITE_ABORT"},
    {SQLITE_BUSY, "SQLITE_BUSY"},
    {SQLITE_LOCKED, "SQLITE_LOCKED"},
    {SQLITE_NOMEM, "SQLITE_NOMEM"},
    {SQLITE_READONLY, "SQLITE_READONLY"},
    {SQLITE_INTERRUPT, "SQLITE_INTERRUPT"},
    {SQLITE_IOERR, "SQLITE_IOERR"},
    {SQLITE_CORRUPT, "SQLITE_CORRUPT"},
    {SQLITE_NOTFOUND, "SQLITE_NOTFOUND"},
    {SQLITE_FULL, "SQLITE_FULL"},
    {SQLITE_CANTOPEN, "SQLITE_CANTOPEN"},
    {SQLITE_PROTOCOL, "SQLITE_PROTOCOL"},
    {SQLITE_EMPTY, "SQLITE_EMPTY"},
    {SQLITE_SCHEMA, "SQLITE_SCHEMA"},
    {SQLITE_TOOBIG, "SQLITE_TOOBIG"},
    {SQLITE_CONSTRAINT, "SQLITE_CONSTRAINT"},
    {SQLITE_MISMATCH, "SQLITE_MISMATCH"},
    {SQLITE_MISUSE, "SQLITE_MISUSE"},
    {SQLITE_NOLFS, "SQLITE_NOLFS"},
    {SQLITE_AUTH, "SQLITE_AUTH"},
    {SQLITE_FORMAT, "SQLITE_FORMAT"},
    {SQLITE_RANGE, "SQLITE_RANGE"},
    {SQLITE_NOTADB, "SQLITE_NOTADB"},
    {SQLITE_NOTICE, "SQLITE_NOTICE"},
    {SQLITE_WARNING, "SQLITE_WARNING"},
}};

// -1 when the text is not a whole decimal number.
int ParseInt(std::string_view text) noexcept {
  int value = -1;
  const auto [end, error] = std::from_chars(text.data(), text.data() + text.size(), value);
  if (error != std::errc() || end != text.data() + text.size()) {
    return -1;
  }
  return value;
}

}  // namespace

std::string_view PrimaryCodeName(int code) noexcept {
  const int primary = code & 0xff;
  for (const CodeName& entry : kPrimaryCodeNames) {
    if (entry.code == primary) {
      return entry.name;
    }
  }
  return "SQLITE_UNKNOWN";
}

std::string DescribeCode(int code) {
  std::string text(PrimaryCodeName(code));
  text += " (extended code ";
  text += std::to_string(code);
  text += ": ";
  text += sqlite3_errstr(code);
  text += ")";
  return text;
}

StorageError ToStorageError(std::string_view what, int code) {
  StorageError error;
  switch (code & 0xff) {
    case SQLITE_BUSY:
    case SQLITE_LOCKED:
      error.kind = StorageError::Kind::kTimeout;
      break;
    case SQLITE_IOERR:
    case SQLITE_FULL:
    case SQLITE_CANTOPEN:
    case SQLITE_READONLY:
    case SQLITE_PERM:
    case SQLITE_NOLFS:
    case SQLITE_PROTOCOL:
      error.kind = StorageError::Kind::kUnavailable;
      break;
    default:
      error.kind = StorageError::Kind::kInternal;
      break;
  }
  error.message = "sqlite ";
  error.message += what;
  error.message += " failed: ";
  error.message += DescribeCode(code);
  return error;
}

Statement::Statement(Statement&& other) noexcept
    : statement_(std::exchange(other.statement_, nullptr)) {}

Statement& Statement::operator=(Statement&& other) noexcept {
  if (this != &other) {
    sqlite3_finalize(statement_);
    statement_ = std::exchange(other.statement_, nullptr);
  }
  return *this;
}

Statement::~Statement() { sqlite3_finalize(statement_); }

int Statement::BindText(int index, std::string_view text) noexcept {
  return sqlite3_bind_text64(statement_, index, text.data(), text.size(), SQLITE_TRANSIENT,
                             SQLITE_UTF8);
}

std::string_view Statement::ColumnText(int column) const noexcept {
  const auto* text = reinterpret_cast<const char*>(sqlite3_column_text(statement_, column));
  if (text == nullptr) {
    return {};
  }
  return {text, static_cast<std::size_t>(sqlite3_column_bytes(statement_, column))};
}

void Statement::Reset() noexcept {
  sqlite3_reset(statement_);
  sqlite3_clear_bindings(statement_);
}

Expected<Connection, std::string> Connection::Open(const std::filesystem::path& path) {
  // Each connection is confined to one thread at a time, so SQLite's own mutexes are not needed.
  sqlite3* db = nullptr;
  const int flags = SQLITE_OPEN_READWRITE | SQLITE_OPEN_CREATE | SQLITE_OPEN_NOMUTEX;
  const int code = sqlite3_open_v2(path.c_str(), &db, flags, nullptr);
  Connection connection(db);
  if (code != SQLITE_OK) {
    return MakeUnexpected("cannot open sqlite database " + path.string() + ": " +
                          DescribeCode(code));
  }
  sqlite3_extended_result_codes(db, 1);
  return connection;
}

Connection::Connection(Connection&& other) noexcept : db_(std::exchange(other.db_, nullptr)) {}

Connection& Connection::operator=(Connection&& other) noexcept {
  if (this != &other) {
    sqlite3_close_v2(db_);
    db_ = std::exchange(other.db_, nullptr);
  }
  return *this;
}

// sqlite3_close_v2 defers the close until every statement is finalized, so member order
// between a connection and its statements cannot leak the handle.
Connection::~Connection() { sqlite3_close_v2(db_); }

int Connection::Exec(const char* sql) noexcept {
  return sqlite3_exec(db_, sql, nullptr, nullptr, nullptr);
}

int Connection::Prepare(std::string_view sql, Statement& out) noexcept {
  sqlite3_stmt* statement = nullptr;
  const int code = sqlite3_prepare_v3(db_, sql.data(), static_cast<int>(sql.size()),
                                      SQLITE_PREPARE_PERSISTENT, &statement, nullptr);
  out = Statement(statement);
  return code;
}

Expected<std::string, int> Connection::QueryText(const char* sql) noexcept {
  Statement statement;
  int code = Prepare(sql, statement);
  if (code != SQLITE_OK) {
    return MakeUnexpected(code);
  }
  code = statement.Step();
  if (code != SQLITE_ROW) {
    return MakeUnexpected(code == SQLITE_DONE ? SQLITE_ERROR : code);
  }
  return std::string(statement.ColumnText(0));
}

Expected<int, int> Connection::QueryInt(const char* sql) noexcept {
  auto text = QueryText(sql);
  if (!text) {
    return MakeUnexpected(text.error());
  }
  const int value = ParseInt(*text);
  if (value < 0) {
    return MakeUnexpected(SQLITE_MISMATCH);
  }
  return value;
}

Expected<ConnectionSettings, std::string> ApplyDurableSettings(
    Connection& connection, std::chrono::milliseconds busy_timeout) {
  // The busy timeout comes first: switching to WAL may itself wait for another process.
  sqlite3_busy_timeout(connection.get(), static_cast<int>(busy_timeout.count()));

  // journal_mode answers with the mode in force, which stays "delete" when WAL is impossible.
  ConnectionSettings settings;
  auto mode = connection.QueryText("PRAGMA journal_mode=WAL");
  if (!mode) {
    return MakeUnexpected("cannot enable WAL mode: " + DescribeCode(mode.error()));
  }
  settings.journal_mode = *mode;
  if (settings.journal_mode != "wal") {
    return MakeUnexpected("sqlite refused WAL mode (journal_mode is " + settings.journal_mode +
                          ")");
  }

  // FULL makes every commit fsync the write-ahead log before it returns.
  const int code = connection.Exec("PRAGMA synchronous=FULL");
  if (code != SQLITE_OK) {
    return MakeUnexpected("cannot set synchronous=FULL: " + DescribeCode(code));
  }
  auto synchronous = connection.QueryInt("PRAGMA synchronous");
  auto timeout = connection.QueryInt("PRAGMA busy_timeout");
  if (!synchronous || !timeout) {
    return MakeUnexpected(std::string("cannot read the sqlite connection settings back"));
  }
  settings.synchronous = *synchronous;
  settings.busy_timeout_ms = *timeout;
  if (settings.synchronous != 2) {
    return MakeUnexpected("sqlite refused synchronous=FULL (synchronous is " +
                          std::to_string(settings.synchronous) + ")");
  }
  return settings;
}

}  // namespace hello::storage::sqlite
