// The UserStore adapter for an embedded SQLite 3 database.

#include "storage/sqlite/sqlite_store.hpp"

#include <charconv>
#include <exception>

#include "storage/sqlite/completion.hpp"
#include "storage/sqlite/sqlite_schema.hpp"
#include "storage/sqlite/sqlite_url.hpp"

namespace hello::storage::sqlite {
namespace {

// Start-up may wait for another process (e.g. a concurrent migration) longer than a request.
constexpr std::chrono::milliseconds kStartupBusyTimeout{5000};

StorageError Internal(const char* operation, const char* cause) {
  return StorageError{StorageError::Kind::kInternal,
                      std::string("sqlite ") + operation + " failed: " + cause};
}

StorageError UnexpectedException(const char* operation) {
  return Internal(operation, "unexpected exception");
}

// "YYYY-MM-DD" for years 1 to 9999, or nothing for a date the schema cannot hold.
std::optional<std::string> FormatDate(std::chrono::year_month_day date) {
  const int year = static_cast<int>(date.year());
  if (!date.ok() || year < 1 || year > 9999) {
    return std::nullopt;
  }
  const auto month = static_cast<unsigned>(date.month());
  const auto day = static_cast<unsigned>(date.day());
  std::string text = "0000-00-00";
  text[0] = static_cast<char>('0' + year / 1000);
  text[1] = static_cast<char>('0' + year / 100 % 10);
  text[2] = static_cast<char>('0' + year / 10 % 10);
  text[3] = static_cast<char>('0' + year % 10);
  text[5] = static_cast<char>('0' + month / 10);
  text[6] = static_cast<char>('0' + month % 10);
  text[8] = static_cast<char>('0' + day / 10);
  text[9] = static_cast<char>('0' + day % 10);
  return text;
}

// The inverse of FormatDate; nothing when the stored text is not such a date.
std::optional<std::chrono::year_month_day> ParseDate(std::string_view text) {
  if (text.size() != 10 || text[4] != '-' || text[7] != '-') {
    return std::nullopt;
  }
  auto number = [text](std::size_t offset, std::size_t length) {
    unsigned value = 0;
    const char* first = text.data() + offset;
    const auto [end, error] = std::from_chars(first, first + length, value);
    return error == std::errc() && end == first + length ? value : 0U;
  };
  const std::chrono::year_month_day date{std::chrono::year(static_cast<int>(number(0, 4))),
                                         std::chrono::month(number(5, 2)),
                                         std::chrono::day(number(8, 2))};
  if (!date.ok() || static_cast<int>(date.year()) < 1) {
    return std::nullopt;
  }
  return date;
}

// Reads one user on a reader connection. The statement is reset on every path so that the
// read transaction ends and later reads see newer commits.
StorageResult<std::optional<UserRecord>> SelectUser(ReaderConnection& reader,
                                                    const std::string& key) {
  Statement& statement = reader.select_user;
  int code = statement.BindText(1, key);
  if (code != SQLITE_OK) {
    statement.Reset();
    return MakeUnexpected(ToStorageError("get", code));
  }
  code = statement.Step();
  if (code == SQLITE_DONE) {
    statement.Reset();
    return std::optional<UserRecord>();
  }
  if (code != SQLITE_ROW) {
    statement.Reset();
    return MakeUnexpected(ToStorageError("get", code));
  }
  UserRecord record{key, std::string(statement.ColumnText(0)), {}};
  const auto date = ParseDate(statement.ColumnText(1));
  statement.Reset();
  if (!date) {
    return MakeUnexpected(Internal("get", "the stored date of birth is malformed"));
  }
  record.date_of_birth = *date;
  return std::optional<UserRecord>(std::move(record));
}

// What each call hands to a store thread: built by plain functions, outside the coroutines.
auto SubmitWrite(Writer& writer, WriteRequest request) {
  return [&writer, request = std::move(request)](CompletionPtr<void> completion) mutable {
    request.completion = std::move(completion);
    writer.Submit(std::move(request));
  };
}

auto SubmitGet(ReaderPool& readers, std::string key) {
  return [&readers, key = std::move(key)](CompletionPtr<std::optional<UserRecord>> done) mutable {
    readers.Submit<std::optional<UserRecord>>(
        "get", std::move(done),
        [key = std::move(key)](ReaderConnection& reader) { return SelectUser(reader, key); });
  };
}

auto SubmitProbe(ReaderPool& readers) {
  return [&readers](CompletionPtr<void> done) {
    readers.Submit<void>("readiness check", std::move(done),
                         [](ReaderConnection& reader) -> StorageResult<void> {
                           // A row or no row both prove that the file and the table answer.
                           const int code = reader.probe.Step();
                           reader.probe.Reset();
                           if (code != SQLITE_ROW && code != SQLITE_DONE) {
                             return MakeUnexpected(ToStorageError("readiness check", code));
                           }
                           return {};
                         });
  };
}

// Opens the writer connection and brings the schema up to date.
Expected<Connection, std::string> OpenMigrated(const StoreOptions& options) {
  auto path = ParseSqliteUrl(options.database_url);
  if (!path) {
    return MakeUnexpected(std::move(path).error());
  }
  auto folder = EnsureParentFolder(*path);
  if (!folder) {
    return MakeUnexpected(std::move(folder).error());
  }
  auto connection = Connection::Open(*path);
  if (!connection) {
    return MakeUnexpected(std::move(connection).error());
  }

  // Every failure from here on is about this file; say which one.
  const std::string where = " (sqlite database " + path->string() + ")";
  auto settings = ApplyDurableSettings(*connection, kStartupBusyTimeout);
  if (!settings) {
    return MakeUnexpected(std::move(settings).error() + where);
  }
  auto migrated = ApplyMigrations(*connection);
  if (!migrated) {
    return MakeUnexpected(std::move(migrated).error() + where);
  }
  return std::move(*connection);
}

}  // namespace

Expected<std::unique_ptr<SqliteStore>, std::string> SqliteStore::Open(const StoreOptions& options) {
  auto connection = OpenMigrated(options);
  if (!connection) {
    return MakeUnexpected(std::move(connection).error());
  }

  // The writer keeps the migrating connection; the busy handler replaces the start-up timeout.
  const std::filesystem::path path = *ParseSqliteUrl(options.database_url);
  auto checkpointer = Checkpointer::Start(path);
  if (!checkpointer) {
    return MakeUnexpected(std::move(checkpointer).error());
  }
  auto writer = Writer::Start(std::move(*connection), options.request_timeout, **checkpointer);
  if (!writer) {
    return MakeUnexpected(std::move(writer).error());
  }
  auto readers = ReaderPool::Start(path, options.pool_size, options.request_timeout);
  if (!readers) {
    return MakeUnexpected(std::move(readers).error());
  }
  return std::unique_ptr<SqliteStore>(
      new SqliteStore(std::move(*checkpointer), std::move(*writer), std::move(*readers)));
}

SqliteStore::~SqliteStore() { Close(); }

// In the coroutines below, every object passed to co_await is built into a named local first:
// GCC 12 destroys a braced temporary (T{...} or a lambda) inside a co_await expression twice.

boost::asio::awaitable<StorageResult<void>> SqliteStore::Put(UserRecord record) {
  auto date = FormatDate(record.date_of_birth);
  if (!date) {
    co_return MakeUnexpected(
        Internal("put", "the date of birth is outside 0001-01-01..9999-12-31"));
  }
  WriteRequest request{WriteRequest::Kind::kUpsert, std::move(record.key),
                       std::move(record.display_name), std::move(*date), nullptr};
  try {
    auto submit = SubmitWrite(*writer_, std::move(request));
    co_return co_await AwaitCompletion<void>(std::move(submit));
  } catch (const std::exception&) {
    co_return MakeUnexpected(UnexpectedException("put"));
  }
}

boost::asio::awaitable<StorageResult<std::optional<UserRecord>>> SqliteStore::Get(std::string key) {
  try {
    auto submit = SubmitGet(*readers_, std::move(key));
    co_return co_await AwaitCompletion<std::optional<UserRecord>>(std::move(submit));
  } catch (const std::exception&) {
    co_return MakeUnexpected(UnexpectedException("get"));
  }
}

boost::asio::awaitable<StorageResult<void>> SqliteStore::Remove(std::string key) {
  WriteRequest request{WriteRequest::Kind::kDelete, std::move(key), {}, {}, nullptr};
  try {
    auto submit = SubmitWrite(*writer_, std::move(request));
    co_return co_await AwaitCompletion<void>(std::move(submit));
  } catch (const std::exception&) {
    co_return MakeUnexpected(UnexpectedException("remove"));
  }
}

boost::asio::awaitable<StorageResult<void>> SqliteStore::CheckReady() {
  try {
    auto submit = SubmitProbe(*readers_);
    co_return co_await AwaitCompletion<void>(std::move(submit));
  } catch (const std::exception&) {
    co_return MakeUnexpected(UnexpectedException("readiness check"));
  }
}

void SqliteStore::Close() {
  // Writes first: their callers wait for durability; then the reads still queued. The last
  // connection to close checkpoints the log into the database file.
  writer_->Stop();
  readers_->Stop();
  checkpointer_->Stop();
}

std::vector<ConnectionSettings> SqliteStore::GetConnectionSettings() const {
  std::vector<ConnectionSettings> settings{writer_->Settings()};
  for (ConnectionSettings& reader : readers_->Settings()) {
    settings.push_back(std::move(reader));
  }
  return settings;
}

Expected<void, std::string> MigrateSqlite(const StoreOptions& options) {
  auto connection = OpenMigrated(options);
  if (!connection) {
    return MakeUnexpected(std::move(connection).error());
  }
  return {};
}

}  // namespace hello::storage::sqlite
