import type BetterSqlite3 from 'better-sqlite3';
import {
  type CompiledQuery,
  SqliteAdapter,
  SqliteIntrospector,
  SqliteQueryCompiler,
  type DatabaseConnection,
  type Dialect,
  type Driver,
  type Kysely,
  type QueryResult,
} from 'kysely';

const CACHED_STATEMENTS = 500;

/**
 * Connections with a group open in this process. A second connection to the same file (a test
 * playing "another instance") would otherwise wait on the first one's open write transaction
 * while the first cannot commit, because both share this thread: so a connection about to start
 * a group commits everyone else's first.
 */
const openGroups = new Set<GroupCommitConnection>();

interface Waiting {
  resolve(result: QueryResult<unknown>): void;
  reject(err: unknown): void;
  result?: QueryResult<unknown>;
  error?: unknown;
}

/**
 * Group commit for the embedded SQLite file. Every statement runs at once (so later statements,
 * reads included, see earlier ones), inside a transaction that stays open until the event loop
 * turns; then one COMMIT makes the whole group durable and only then are the callers answered.
 * Under load the dozens of small writes a turn produces (job inserts, status changes, finished
 * jobs) share one commit instead of paying one each, and no caller ever hears "done" about a write
 * that could still be lost.
 *
 * Statements are prepared once and reused: preparing costs more than running these small ones.
 * Kysely transactions are not supported here (nothing in mediagate uses them on SQLite): a
 * statement is atomic on its own, and grouping is the driver's business.
 */
class GroupCommitConnection implements DatabaseConnection {
  private readonly statements = new Map<string, BetterSqlite3.Statement>();
  private group: Waiting[] = [];
  private commitScheduled = false;
  private closed = false;

  constructor(private readonly file: BetterSqlite3.Database) {}

  executeQuery<R>(compiled: CompiledQuery): Promise<QueryResult<R>> {
    if (this.closed) return Promise.reject(new Error('The database is closed.'));
    const waiting = { resolve: () => {}, reject: () => {} } as Waiting;
    const answered = new Promise<QueryResult<R>>((resolve, reject) => {
      waiting.resolve = resolve as Waiting['resolve'];
      waiting.reject = reject;
    });
    try {
      if (!this.file.inTransaction) {
        for (const other of openGroups) if (other !== this) other.commit();
        this.file.exec('BEGIN');
        openGroups.add(this);
      }
      waiting.result = this.run(compiled);
    } catch (err) {
      waiting.error = err;
      // Most errors (a constraint) undo only their own statement. Some (disk full, I/O) undo the
      // whole transaction: everything before in this group is lost, and its callers must hear so.
      if (!this.file.inTransaction) this.failGroup(err);
    }
    this.group.push(waiting);
    this.scheduleCommit();
    return answered;
  }

  async *streamQuery<R>(compiled: CompiledQuery): AsyncIterableIterator<QueryResult<R>> {
    const rows = (await this.executeQuery<R>(compiled)).rows;
    for (const row of rows) yield { rows: [row] };
  }

  /** Commits what is open and refuses further statements. */
  close(): void {
    this.commit();
    this.closed = true;
  }

  private run(compiled: CompiledQuery): QueryResult<unknown> {
    const statement = this.prepare(compiled.sql);
    const parameters = compiled.parameters as unknown[];
    if (statement.reader) return { rows: statement.all(parameters) };
    const { changes, lastInsertRowid } = statement.run(parameters);
    return { numAffectedRows: BigInt(changes), insertId: BigInt(lastInsertRowid), rows: [] };
  }

  private prepare(sql: string): BetterSqlite3.Statement {
    let statement = this.statements.get(sql);
    if (!statement) {
      if (this.statements.size >= CACHED_STATEMENTS) this.statements.clear();
      statement = this.file.prepare(sql);
      this.statements.set(sql, statement);
    }
    return statement;
  }

  private scheduleCommit(): void {
    if (this.commitScheduled) return;
    this.commitScheduled = true;
    setImmediate(() => {
      this.commitScheduled = false;
      this.commit();
    });
  }

  commit(): void {
    openGroups.delete(this);
    const group = this.group;
    this.group = [];
    try {
      if (this.file.inTransaction) this.file.exec('COMMIT');
    } catch (err) {
      if (this.file.inTransaction) this.file.exec('ROLLBACK');
      for (const waiting of group) waiting.reject(err);
      return;
    }
    for (const waiting of group) {
      if (waiting.error !== undefined) waiting.reject(waiting.error);
      else waiting.resolve(waiting.result!);
    }
  }

  private failGroup(err: unknown): void {
    openGroups.delete(this);
    const lost = this.group;
    this.group = [];
    for (const waiting of lost) waiting.reject(err);
  }
}

class GroupCommitDriver implements Driver {
  private readonly connection: GroupCommitConnection;

  constructor(private readonly file: BetterSqlite3.Database) {
    this.connection = new GroupCommitConnection(file);
  }

  async init(): Promise<void> {}

  /** One connection shared by all: statements run synchronously, so they cannot interleave. */
  async acquireConnection(): Promise<DatabaseConnection> {
    return this.connection;
  }

  async beginTransaction(): Promise<void> {
    throw new Error('Transactions are not supported on the group-commit SQLite driver.');
  }

  async commitTransaction(): Promise<void> {}

  async rollbackTransaction(): Promise<void> {}

  async releaseConnection(): Promise<void> {}

  async destroy(): Promise<void> {
    this.connection.close();
    this.file.close();
  }
}

/** Kysely's SQLite dialect with the group-commit driver in place of its own. */
export class GroupCommitSqliteDialect implements Dialect {
  constructor(private readonly file: BetterSqlite3.Database) {}

  createDriver(): Driver {
    return new GroupCommitDriver(this.file);
  }

  createQueryCompiler() {
    return new SqliteQueryCompiler();
  }

  createAdapter() {
    return new SqliteAdapter();
  }

  // biome-ignore lint/suspicious/noExplicitAny: Kysely's Dialect interface declares this parameter as Kysely<any>.
  createIntrospector(db: Kysely<any>) {
    return new SqliteIntrospector(db);
  }
}
