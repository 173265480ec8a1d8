/**
 * Serves one PGlite database to many `pg` connections over a unix socket, one protocol exchange at a time.
 *
 * PGlite is a single Postgres session. Every connection we accept shares it, so a connection must own the session
 * from its first message until its exchange is over: after a Sync or a simple Query, and only once no transaction
 * block is open. The socket server PGlite ships queues single messages instead, so the Parse of one connection
 * could land between the Parse and the Bind of another: requests then hung for ever, or failed with "unnamed
 * prepared statement does not exist". Here whole exchanges and whole transactions run one after the other, in the
 * order connections asked, and a connection that goes away mid-exchange is closed out (Sync, ROLLBACK) before the
 * next one starts, as a Postgres backend would when its client disconnects.
 */
import { createServer, type Server, type Socket } from "node:net";
import type { PGlite } from "@electric-sql/pglite";

export interface SessionServerOptions {
  /** Unix socket path (`<dir>/.s.PGSQL.5432`, where `pg` looks for it). */
  path: string;
  /** Connections beyond this are refused with Postgres's own "too many clients" error. */
  maxConnections: number;
  /**
   * A connection idle inside a transaction while others wait is closed after this long, as Postgres's
   * `idle_in_transaction_session_timeout` would, so that code holding a transaction while it waits on another
   * connection fails loudly instead of hanging every connection for ever.
   */
  idleInTransactionTimeoutMs?: number;
}

const SSL_REQUEST = 80877103;
const GSSENC_REQUEST = 80877104;
const CANCEL_REQUEST = 80877102;
const SYNC = Uint8Array.of(0x53, 0, 0, 0, 4);
const QUERY = 0x51;
const SYNC_TYPE = 0x53;
const TERMINATE = 0x58;

class Connection {
  private buffer: Buffer = Buffer.alloc(0);
  /** Complete messages not yet run, in order. */
  readonly pending: Uint8Array[] = [];
  started = false;
  /** The untyped startup packet, answered with ReadyForQuery like a Sync. */
  startup: Uint8Array | undefined;
  /** Sent messages since its last Sync or Query: the session is in the middle of this connection's exchange. */
  midExchange = false;
  closed = false;

  constructor(
    readonly socket: Socket,
    readonly id: number,
  ) {}

  write(chunk: Uint8Array): void {
    if (!this.closed && this.socket.writable) this.socket.write(Buffer.from(chunk));
  }

  /** Splits what arrived into whole messages; the first is the untyped startup packet. */
  receive(data: Buffer): void {
    this.buffer = this.buffer.length ? Buffer.concat([this.buffer, data]) : data;
    for (;;) {
      const header = this.started ? 5 : 4;
      if (this.buffer.length < header) return;
      const length = this.started ? 1 + this.buffer.readInt32BE(1) : this.buffer.readInt32BE(0);
      if (this.buffer.length < length) return;
      const message = new Uint8Array(this.buffer.subarray(0, length));
      this.buffer = this.buffer.subarray(length);
      if (!this.started && this.preStartup(message)) continue;
      if (!this.started) {
        this.started = true;
        this.startup = message;
      }
      this.pending.push(message);
    }
  }

  /** SSL and GSS requests get Postgres's "no"; a cancel request is not supported and closes the socket. */
  private preStartup(message: Uint8Array): boolean {
    const code = new DataView(message.buffer, message.byteOffset).getInt32(4);
    if (code === SSL_REQUEST || code === GSSENC_REQUEST) {
      this.write(Uint8Array.of(0x4e));
      return true;
    }
    if (code === CANCEL_REQUEST) {
      this.socket.end();
      return true;
    }
    return false;
  }
}

export class SessionServer {
  private readonly server: Server;
  private readonly connections = new Set<Connection>();
  /** The connection whose exchange or transaction the session is in. */
  private owner: Connection | undefined;
  /** Connections with messages waiting for their turn, first come first served. */
  private readonly waiting: Connection[] = [];
  private pumping: Promise<void> | undefined;
  private idleTimer: NodeJS.Timeout | undefined;
  /** Since when the owner, inside a transaction, has sent nothing. */
  private ownerIdleSince: number | undefined;
  private nextId = 1;

  constructor(
    private readonly db: PGlite,
    private readonly options: SessionServerOptions,
  ) {
    this.server = createServer((socket) => this.accept(socket));
  }

  start(): Promise<void> {
    return new Promise((resolve, reject) => {
      this.server.once("error", reject);
      this.server.listen(this.options.path, () => {
        this.server.off("error", reject);
        resolve();
      });
    });
  }

  /** Stops accepting, closes every connection (rolling back what they left open) and waits for the last turn. */
  async stop(): Promise<void> {
    const closed = new Promise<void>((resolve) => this.server.close(() => resolve()));
    for (const connection of this.connections) this.drop(connection);
    await this.pumping;
    await closed;
  }

  private accept(socket: Socket): void {
    if (this.connections.size >= this.options.maxConnections) {
      // Written, then closed from our side too: a client that keeps its end open must not hold `stop()` up.
      socket.end(errorResponse("53300", "sorry, too many clients already"), () => socket.destroy());
      return;
    }
    const connection = new Connection(socket, this.nextId++);
    this.connections.add(connection);
    socket.setNoDelay(true);
    socket.on("data", (data) => {
      connection.receive(data);
      if (connection.pending.length > 0) this.schedule(connection);
    });
    socket.on("error", () => this.drop(connection));
    socket.on("close", () => this.drop(connection));
  }

  private drop(connection: Connection): void {
    if (connection.closed) return;
    connection.closed = true;
    connection.pending.length = 0;
    this.connections.delete(connection);
    const at = this.waiting.indexOf(connection);
    if (at >= 0) this.waiting.splice(at, 1);
    if (!connection.socket.destroyed) connection.socket.destroy();
    // The owner is closed out by the pump, between two of its messages, never during one.
    if (this.owner === connection) this.pump();
  }

  private schedule(connection: Connection): void {
    if (connection !== this.owner && !this.waiting.includes(connection)) this.waiting.push(connection);
    this.pump();
  }

  private pump(): void {
    this.pumping ??= this.run().finally(() => {
      this.pumping = undefined;
    });
  }

  private async run(): Promise<void> {
    this.clearIdleTimer();
    for (;;) {
      const owner = this.owner ?? this.waiting.shift();
      if (!owner) return;
      this.owner = owner;
      if (owner.closed) {
        await this.closeOut(owner);
        this.owner = undefined;
        continue;
      }
      const message = owner.pending.shift();
      if (!message) {
        if (owner.midExchange || this.db.isInTransaction()) {
          // The session is this connection's until it finishes: wait for its next message.
          this.armIdleTimer(owner);
          return;
        }
        this.owner = undefined;
        continue;
      }
      this.ownerIdleSince = undefined;
      await this.execute(owner, message);
      // A connection that went away is closed out at the top of the loop, whatever it was doing.
      if (owner.closed || !endsExchange(owner, message)) continue;
      owner.midExchange = false;
      if (this.db.isInTransaction()) continue;
      this.owner = undefined;
      // Take turns: a connection with more to say queues behind those already waiting.
      if (owner.pending.length > 0) this.waiting.push(owner);
    }
  }

  private async execute(connection: Connection, message: Uint8Array): Promise<void> {
    if (message !== connection.startup && message[0] === TERMINATE) {
      this.drop(connection);
      return;
    }
    connection.midExchange = true;
    await this.db.runExclusive(() =>
      this.db.execProtocolRawStream(message, { onRawData: (chunk) => connection.write(chunk) }),
    );
  }

  /** What a Postgres backend does for a client that vanished: end its exchange and roll back its transaction. */
  private async closeOut(connection: Connection): Promise<void> {
    const discard = () => {};
    await this.db.runExclusive(async () => {
      if (connection.midExchange) await this.db.execProtocolRawStream(SYNC, { onRawData: discard });
      if (this.db.isInTransaction())
        await this.db.execProtocolRawStream(simpleQuery("ROLLBACK"), { onRawData: discard });
    });
    connection.midExchange = false;
  }

  private armIdleTimer(owner: Connection): void {
    const limit = this.options.idleInTransactionTimeoutMs;
    this.ownerIdleSince ??= Date.now();
    if (!limit || this.waiting.length === 0) return;
    const left = Math.max(0, this.ownerIdleSince + limit - Date.now());
    this.idleTimer = setTimeout(() => {
      if (this.owner !== owner || owner.pending.length > 0 || this.waiting.length === 0) return;
      owner.socket.end(
        errorResponse(
          "25P03",
          `terminating connection due to idle-in-transaction timeout: embedded PGlite runs one transaction at a time ` +
            `and ${this.waiting.length} other connection(s) waited ${limit} ms for this one`,
        ),
      );
      this.drop(owner);
    }, left);
    this.idleTimer.unref();
  }

  private clearIdleTimer(): void {
    if (this.idleTimer) clearTimeout(this.idleTimer);
    this.idleTimer = undefined;
  }
}

/** A Sync or a simple Query ends an exchange; so does the startup packet (its answer ends with ReadyForQuery). */
function endsExchange(connection: Connection, message: Uint8Array): boolean {
  return message === connection.startup || message[0] === SYNC_TYPE || message[0] === QUERY;
}

function simpleQuery(sql: string): Uint8Array {
  const text = Buffer.from(`${sql}\0`);
  const message = Buffer.alloc(5 + text.length);
  message[0] = QUERY;
  message.writeInt32BE(4 + text.length, 1);
  text.copy(message, 5);
  return message;
}

/** A FATAL ErrorResponse, so `pg` reports our reason instead of a bare connection reset. */
function errorResponse(code: string, text: string): Buffer {
  const fields = Buffer.concat(
    [
      ["S", "FATAL"],
      ["V", "FATAL"],
      ["C", code],
      ["M", text],
    ].map(([field, value]) => Buffer.from(`${field}${value}\0`)),
  );
  const body = Buffer.concat([fields, Buffer.from([0])]);
  const message = Buffer.alloc(5);
  message[0] = 0x45;
  message.writeInt32BE(4 + body.length, 1);
  return Buffer.concat([message, body]);
}
