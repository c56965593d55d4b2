using System.Globalization;
using System.Text.Json;
using Microsoft.Data.Sqlite;

namespace Parla.Server.Jobs;

/// <summary>
/// Jobs in one SQLite file (<c>jobs.db</c> in the data folder), in WAL mode so that readers never
/// wait for the writer. Each call opens a pooled connection: calls come from request threads and
/// workers at once, and SQLite serialises the writes.
/// </summary>
public sealed class SqliteJobStore : IJobStore
{
    private static readonly JsonSerializerOptions Json = new(JsonSerializerDefaults.Web);
    private readonly string _connectionString;

    public SqliteJobStore(string databasePath)
    {
        ArgumentException.ThrowIfNullOrEmpty(databasePath);
        _connectionString = new SqliteConnectionStringBuilder
        {
            DataSource = databasePath,
            Mode = SqliteOpenMode.ReadWriteCreate,
            Pooling = true,
            DefaultTimeout = 30,
        }.ToString();
        using var connection = Open();
        Execute(connection, """
            PRAGMA journal_mode = WAL;
            CREATE TABLE IF NOT EXISTS jobs (
                id          TEXT PRIMARY KEY,
                status      TEXT NOT NULL,
                input       TEXT NOT NULL,
                created_at  TEXT NOT NULL,
                stage       TEXT,
                progress    REAL NOT NULL DEFAULT 0,
                error       TEXT,
                started_at  TEXT,
                finished_at TEXT,
                attempts    INTEGER NOT NULL DEFAULT 0
            );
            CREATE INDEX IF NOT EXISTS jobs_status ON jobs (status, created_at);
            """);
        // Added after the first release: a store made before it gains the column.
        if (!HasColumn(connection, "mouth")) Execute(connection, "ALTER TABLE jobs ADD COLUMN mouth TEXT");
    }

    private static bool HasColumn(SqliteConnection connection, string column)
    {
        using var command = connection.CreateCommand();
        command.CommandText = "SELECT COUNT(*) FROM pragma_table_info('jobs') WHERE name = $name";
        command.Parameters.AddWithValue("$name", column);
        return Convert.ToInt64(command.ExecuteScalar(), CultureInfo.InvariantCulture) > 0;
    }

    public void Add(JobRecord job)
    {
        using var connection = Open();
        using var command = connection.CreateCommand();
        command.CommandText = """
            INSERT INTO jobs (id, status, input, created_at, stage, progress, error, started_at, finished_at, attempts, mouth)
            VALUES ($id, $status, $input, $created, $stage, $progress, $error, $started, $finished, $attempts, $mouth)
            """;
        Bind(command, job);
        command.ExecuteNonQuery();
    }

    public JobRecord? Find(string id)
    {
        using var connection = Open();
        using var command = connection.CreateCommand();
        command.CommandText = "SELECT * FROM jobs WHERE id = $id";
        command.Parameters.AddWithValue("$id", id);
        using var reader = command.ExecuteReader();
        return reader.Read() ? ReadRecord(reader) : null;
    }

    public void Update(JobRecord job)
    {
        using var connection = Open();
        using var command = connection.CreateCommand();
        command.CommandText = """
            UPDATE jobs SET status = $status, input = $input, created_at = $created, stage = $stage, progress = $progress,
                error = $error, started_at = $started, finished_at = $finished, attempts = $attempts, mouth = $mouth
            WHERE id = $id
            """;
        Bind(command, job);
        if (command.ExecuteNonQuery() != 1) throw new KeyNotFoundException($"Job {job.Id} is not in the store.");
    }

    public IReadOnlyList<JobRecord> List(params JobStatus[] statuses)
    {
        using var connection = Open();
        using var command = connection.CreateCommand();
        var names = new List<string>();
        for (var i = 0; i < statuses.Length; i++)
        {
            names.Add($"$s{i}");
            command.Parameters.AddWithValue($"$s{i}", Name(statuses[i]));
        }
        command.CommandText = $"SELECT * FROM jobs WHERE status IN ({string.Join(", ", names)}) ORDER BY created_at, id";
        using var reader = command.ExecuteReader();
        var jobs = new List<JobRecord>();
        while (reader.Read()) jobs.Add(ReadRecord(reader));
        return jobs;
    }

    public void Remove(string id)
    {
        using var connection = Open();
        using var command = connection.CreateCommand();
        command.CommandText = "DELETE FROM jobs WHERE id = $id";
        command.Parameters.AddWithValue("$id", id);
        command.ExecuteNonQuery();
    }

    private SqliteConnection Open()
    {
        var connection = new SqliteConnection(_connectionString);
        connection.Open();
        return connection;
    }

    private static void Execute(SqliteConnection connection, string sql)
    {
        using var command = connection.CreateCommand();
        command.CommandText = sql;
        command.ExecuteNonQuery();
    }

    private static void Bind(SqliteCommand command, JobRecord job)
    {
        command.Parameters.AddWithValue("$id", job.Id);
        command.Parameters.AddWithValue("$status", Name(job.Status));
        command.Parameters.AddWithValue("$input", JsonSerializer.Serialize(job.Input, Json));
        command.Parameters.AddWithValue("$created", Time(job.CreatedAt));
        command.Parameters.AddWithValue("$stage", (object?)job.Stage ?? DBNull.Value);
        command.Parameters.AddWithValue("$progress", job.Progress);
        command.Parameters.AddWithValue("$error", (object?)job.Error ?? DBNull.Value);
        command.Parameters.AddWithValue("$started", job.StartedAt is { } s ? Time(s) : DBNull.Value);
        command.Parameters.AddWithValue("$finished", job.FinishedAt is { } f ? Time(f) : DBNull.Value);
        command.Parameters.AddWithValue("$attempts", job.Attempts);
        command.Parameters.AddWithValue("$mouth", (object?)job.Mouth ?? DBNull.Value);
    }

    private static JobRecord ReadRecord(SqliteDataReader r) => new()
    {
        Id = r.GetString(r.GetOrdinal("id")),
        Status = Enum.Parse<JobStatus>(r.GetString(r.GetOrdinal("status")), ignoreCase: true),
        Input = JsonSerializer.Deserialize<JobInput>(r.GetString(r.GetOrdinal("input")), Json)
            ?? throw new InvalidDataException("A job's input column is empty."),
        CreatedAt = ParseTime(r.GetString(r.GetOrdinal("created_at"))),
        Stage = r.IsDBNull(r.GetOrdinal("stage")) ? null : r.GetString(r.GetOrdinal("stage")),
        Progress = r.GetDouble(r.GetOrdinal("progress")),
        Error = r.IsDBNull(r.GetOrdinal("error")) ? null : r.GetString(r.GetOrdinal("error")),
        StartedAt = r.IsDBNull(r.GetOrdinal("started_at")) ? null : ParseTime(r.GetString(r.GetOrdinal("started_at"))),
        FinishedAt = r.IsDBNull(r.GetOrdinal("finished_at")) ? null : ParseTime(r.GetString(r.GetOrdinal("finished_at"))),
        Attempts = r.GetInt32(r.GetOrdinal("attempts")),
        Mouth = r.IsDBNull(r.GetOrdinal("mouth")) ? null : r.GetString(r.GetOrdinal("mouth")),
    };

    private static string Name(JobStatus status) => status.ToString().ToLowerInvariant();

    // Round-trip format in UTC, so that text order is time order (the ORDER BY relies on it).
    private static string Time(DateTimeOffset t) => t.UtcDateTime.ToString("yyyy-MM-dd'T'HH:mm:ss.fffffff'Z'", CultureInfo.InvariantCulture);

    private static DateTimeOffset ParseTime(string s) => DateTimeOffset.Parse(s, CultureInfo.InvariantCulture, DateTimeStyles.AssumeUniversal | DateTimeStyles.AdjustToUniversal);
}
