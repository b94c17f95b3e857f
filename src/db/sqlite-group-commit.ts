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
 * Group commit for the embedded SQLite file. Every write runs at once, inside a transaction that
 * stays open until the event loop turns; then one COMMIT makes the whole group durable and only then
 * are the callers answered. Under load the dozens of small writes a turn produces (job inserts,
 * status changes, finished jobs) share one commit instead of paying one each, and no caller ever
 * hears "done" about a write that could still be lost.
 *
 * A read outside a transaction runs on a second, read-only connection and is answered at once: it
 * sees what is committed, as a read on PostgreSQL does, never a write of the open group or of an
 * open savepoint, which could still be rolled back. So it pays no commit round trip and never waits
 * for a transaction, and a caller still reads its own writes: it hears "done" only after their COMMIT.
 * What it cannot see is a write it issued without awaiting it, which PostgreSQL's pool does not
 * promise either.
 *
 * Statements are prepared once and reused: preparing costs more than running these small ones.
 *
 * A Kysely transaction (the ledger's: a job and its reservation, a job's end and its settlement) is a
 * savepoint inside the open group. Its statements, reads included, run on the writing connection and
 * answer at once, so its body never waits for a commit and sees its own work; everyone else's writes
 * wait until it is released or rolled back, so a rollback undoes only its own work. Its commit, and
 * its rollback, answer after the group's COMMIT, like any other write: a write, failed or not, may
 * have met another caller's write of the same group, so its caller reads on only once that is
 * committed.
 */
class GroupCommitConnection implements DatabaseConnection {
  private readonly statements: StatementCache;
  private readonly readStatements: StatementCache;
  private group: Waiting[] = [];
  private commitScheduled = false;
  private closed = false;
  /** The view whose transaction is open; writes of other views wait in `deferred`. */
  private transactionOwner: ConnectionView | null = null;
  private deferred: (() => void)[] = [];

  /** `reader`: a read-only connection to the same file, for reads outside a transaction. */
  constructor(
    private readonly file: BetterSqlite3.Database,
    reader: BetterSqlite3.Database,
  ) {
    this.statements = new StatementCache(file);
    this.readStatements = new StatementCache(reader);
  }

  executeFor<R>(view: ConnectionView, compiled: CompiledQuery): Promise<QueryResult<R>> {
    if (this.transactionOwner === view) return this.runInTransaction<R>(compiled);
    if (this.isRead(compiled.sql)) return this.read<R>(compiled);
    if (this.transactionOwner)
      return new Promise((resolve, reject) => {
        this.deferred.push(() => this.executeQuery<R>(compiled).then(resolve, reject));
      });
    return this.executeQuery(compiled);
  }

  /** Waits for any open transaction to end, then opens a savepoint owned by `view`. */
  async begin(view: ConnectionView): Promise<void> {
    while (this.transactionOwner) await new Promise<void>((resolve) => this.deferred.push(resolve));
    if (this.closed) throw new Error('The database is closed.');
    this.openGroup();
    this.file.exec('SAVEPOINT mediagate_tx');
    this.transactionOwner = view;
  }

  async commitTransaction(view: ConnectionView): Promise<void> {
    if (this.transactionOwner !== view) throw new Error('No transaction is open on this connection.');
    this.file.exec('RELEASE mediagate_tx');
    this.endTransaction();
    // The caller hears "committed" only once the group holding its savepoint is durable.
    await this.afterCommit();
  }

  async rollbackTransaction(view: ConnectionView): Promise<void> {
    if (this.transactionOwner !== view) return;
    try {
      if (this.file.inTransaction) {
        this.file.exec('ROLLBACK TO mediagate_tx');
        this.file.exec('RELEASE mediagate_tx');
      }
    } finally {
      this.endTransaction();
    }
    // Its body may have failed on another request's write not yet committed (the winner of two
    // requests with one Idempotency-Key, or a reservation that took the money): the caller hears of
    // the failure after that COMMIT, so what it reads next shows what made it fail. The COMMIT's own
    // failure is not this transaction's: the body's error is the one to report.
    await this.afterCommit().catch(() => {});
  }

  private endTransaction(): void {
    this.transactionOwner = null;
    const waiting = this.deferred;
    this.deferred = [];
    for (const resume of waiting) resume();
    this.scheduleCommit();
  }

  /** Asked of the writing connection's statement: an UPDATE … RETURNING returns rows but is a write. */
  private isRead(sql: string): boolean {
    if (this.closed) return false;
    try {
      return this.statements.get(sql).readonly;
    } catch {
      // A statement that does not prepare fails where writes fail, in its group, as before.
      return false;
    }
  }

  /** Answered at once from what is committed: nothing it returns can still be rolled back. */
  private read<R>(compiled: CompiledQuery): Promise<QueryResult<R>> {
    if (this.closed) return Promise.reject(new Error('The database is closed.'));
    try {
      return Promise.resolve({
        rows: this.readStatements.get(compiled.sql).all(compiled.parameters as unknown[]) as R[],
      });
    } catch (err) {
      return Promise.reject(err);
    }
  }

  /** Resolves once everything run so far on the writing connection is committed. */
  private afterCommit(): Promise<void> {
    return new Promise((resolve, reject) => {
      this.group.push({ resolve: () => resolve(), reject, result: { rows: [] } });
      this.scheduleCommit();
    });
  }

  private runInTransaction<R>(compiled: CompiledQuery): Promise<QueryResult<R>> {
    try {
      return Promise.resolve(this.run(compiled) as QueryResult<R>);
    } catch (err) {
      // An error that undid the whole group (disk full, I/O) undid the writes before the savepoint
      // too: their callers must hear so, as in executeQuery.
      if (!this.file.inTransaction) this.failGroup(err);
      return Promise.reject(err);
    }
  }

  private openGroup(): void {
    if (this.file.inTransaction) return;
    for (const other of openGroups) if (other !== this) other.commit();
    // IMMEDIATE: the group holds the write lock from its first statement. With a plain BEGIN, a
    // write committed meanwhile by another process (the CLI) would fail this group's next write at
    // once with SQLITE_BUSY_SNAPSHOT instead of waiting out the busy timeout.
    this.file.exec('BEGIN IMMEDIATE');
    openGroups.add(this);
  }

  executeQuery<R>(compiled: CompiledQuery): Promise<QueryResult<R>> {
    if (this.closed) return Promise.reject(new Error('The database is closed.'));
    const waiting = { resolve: () => {}, reject: () => {} } as Waiting;
    const answered = new Promise<QueryResult<R>>((resolve, reject) => {
      waiting.resolve = resolve as Waiting['resolve'];
      waiting.reject = reject;
    });
    try {
      this.openGroup();
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

  /** Commits what is open and refuses further statements (the driver closes the connections). */
  close(): void {
    this.commit();
    this.closed = true;
  }

  private run(compiled: CompiledQuery): QueryResult<unknown> {
    const statement = this.statements.get(compiled.sql);
    const parameters = compiled.parameters as unknown[];
    if (statement.reader) return { rows: statement.all(parameters) };
    const { changes, lastInsertRowid } = statement.run(parameters);
    return { numAffectedRows: BigInt(changes), insertId: BigInt(lastInsertRowid), rows: [] };
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
    // A COMMIT would release an open savepoint: the group waits for the transaction to end.
    if (this.transactionOwner) return;
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

/** Statements of one connection, prepared once each. */
class StatementCache {
  private readonly statements = new Map<string, BetterSqlite3.Statement>();

  constructor(private readonly file: BetterSqlite3.Database) {}

  get(sql: string): BetterSqlite3.Statement {
    let statement = this.statements.get(sql);
    if (!statement) {
      if (this.statements.size >= CACHED_STATEMENTS) this.statements.clear();
      statement = this.file.prepare(sql);
      this.statements.set(sql, statement);
    }
    return statement;
  }
}

/**
 * What Kysely holds as "a connection": every acquisition gets its own view of the one shared
 * connection, so that a transaction's statements can be told from everyone else's.
 */
class ConnectionView implements DatabaseConnection {
  constructor(private readonly shared: GroupCommitConnection) {}

  executeQuery<R>(compiled: CompiledQuery): Promise<QueryResult<R>> {
    return this.shared.executeFor<R>(this, compiled);
  }

  async *streamQuery<R>(compiled: CompiledQuery): AsyncIterableIterator<QueryResult<R>> {
    const rows = (await this.executeQuery<R>(compiled)).rows;
    for (const row of rows) yield { rows: [row] };
  }
}

class GroupCommitDriver implements Driver {
  private readonly connection: GroupCommitConnection;

  constructor(
    private readonly file: BetterSqlite3.Database,
    private readonly reader: BetterSqlite3.Database,
  ) {
    this.connection = new GroupCommitConnection(file, reader);
  }

  async init(): Promise<void> {}

  /** One connection shared by all: statements run synchronously, so they cannot interleave. */
  async acquireConnection(): Promise<DatabaseConnection> {
    return new ConnectionView(this.connection);
  }

  async beginTransaction(view: DatabaseConnection): Promise<void> {
    await this.connection.begin(view as ConnectionView);
  }

  async commitTransaction(view: DatabaseConnection): Promise<void> {
    await this.connection.commitTransaction(view as ConnectionView);
  }

  async rollbackTransaction(view: DatabaseConnection): Promise<void> {
    await this.connection.rollbackTransaction(view as ConnectionView);
  }

  async releaseConnection(): Promise<void> {}

  async destroy(): Promise<void> {
    this.connection.close();
    this.reader.close();
    this.file.close();
  }
}

/** Kysely's SQLite dialect with the group-commit driver in place of its own. */
export class GroupCommitSqliteDialect implements Dialect {
  /** `reader`: a second connection to the same file, opened read-only (see GroupCommitConnection). */
  constructor(
    private readonly file: BetterSqlite3.Database,
    private readonly reader: BetterSqlite3.Database,
  ) {}

  createDriver(): Driver {
    return new GroupCommitDriver(this.file, this.reader);
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
