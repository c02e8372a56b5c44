import { BackendError } from '../backends/backend';
import { ApiError } from '../contract/errors';
import { ConnectionLostError, SourceFileError, StreamRestartError, type Source, type SourceEntry, type Warning } from '../engine/source';
import { cancelled, isTransient, mayRetry, waitBeforeRetry, type RetryOptions } from '../retry/retry';

/** One connection to a site, and the source that reads over it. */
export interface SourceSession {
  source: Source & Required<Pick<Source, 'readFrom'>>;
  /** Whether the connection has gone away: an operation that failed then failed because of it. */
  closed(): boolean;
}

function deferred<T>(): { promise: Promise<T>; resolve: (value: T) => void } {
  let resolve!: (value: T) => void;
  const promise = new Promise<T>((done) => (resolve = done));
  return { promise, resolve };
}

/**
 * The content of one file as the consumer reads it: fed by one stream and, after a cut, by
 * the rest of the file read over a new connection. The consumer never sees the cut: its read
 * waits until the rest is attached (or the file is given up with `fail`).
 */
class Relay {
  handed = 0;
  #from: AsyncIterator<Buffer> | null = null;
  #attached = deferred<void>();
  #broken = deferred<unknown>();
  #failure: { error: unknown } | null = null;

  constructor(private readonly onData: () => void) {}

  /** Feeds the consumer from `stream`; resolves with the stream's failure, if it fails. */
  attach(stream: AsyncIterator<Buffer>): Promise<unknown> {
    this.#from = stream;
    this.#broken = deferred();
    this.#attached.resolve();
    return this.#broken.promise;
  }

  /** The consumer's next read throws `error`. */
  fail(error: unknown): void {
    this.#failure = { error };
    this.#attached.resolve();
  }

  async *content(): AsyncGenerator<Buffer> {
    for (;;) {
      if (this.#failure) throw this.#failure.error;
      const from = this.#from;
      if (!from) {
        await this.#attached.promise;
        continue;
      }
      let next: IteratorResult<Buffer>;
      try {
        next = await from.next();
      } catch (error) {
        this.#from = null;
        this.#attached = deferred();
        this.#broken.resolve(error);
        continue;
      }
      if (next.done) return;
      this.handed += next.value.length;
      this.onData();
      yield next.value;
    }
  }
}

interface InFlight {
  entry: SourceEntry;
  relay: Relay;
  /** The consumer's `onFile`, settled: null when it finished, else its failure. */
  done: Promise<{ error: unknown } | null>;
}

/**
 * A source over a connection that may drop (SSH, SFTP): a lost connection is made again with
 * the site's retries and backoff, and what was going on continues where it was. A listing is
 * made again; a file goes on from the byte where it was cut (`readFrom`); a batch (`fetchMany`)
 * goes on with the files not yet handed over, and the file in flight continues inside the
 * content its consumer is already reading. File-level problems (SourceFileError) and the
 * server's refusals (a wrong login, a changed host key) are passed on, never retried.
 *
 * The site's retries count new connections that did not get anything through: each byte or
 * listing that arrives starts the count again, so a long backup rides out many separate cuts,
 * and a site that drops every connection at once fails after its retries. The job's signal
 * ends a backoff or a connection attempt at once (CANCELLED).
 */
export class ReconnectingSource<S extends SourceSession = SourceSession> implements Source {
  readonly description: string;
  readonly fetchMany?: Source['fetchMany'];
  /** Connections made again so far. */
  reconnects = 0;
  #session: S;
  #recovering: Promise<void> | null = null;
  /** Set once the retries ran out or a new connection was refused: every operation fails with it. */
  #failure: { error: unknown } | null = null;
  #attempts = 0;
  #closed = false;

  constructor(
    first: S,
    private readonly open: () => Promise<S>,
    private readonly retry: RetryOptions,
  ) {
    this.description = first.source.description;
    this.#session = first;
    if (first.source.fetchMany) this.fetchMany = (entries, onFile, onProblem) => this.#fetchMany(entries, onFile, onProblem);
  }

  async list(): Promise<{ entries: SourceEntry[]; warnings: Warning[] }> {
    for (;;) {
      const session = await this.#current();
      try {
        const listed = await session.source.list();
        this.#delivered(session);
        return listed;
      } catch (error) {
        await this.#recoverOrThrow(session, error);
      }
    }
  }

  async *read(entry: SourceEntry): AsyncIterable<Buffer> {
    let handed = 0;
    for (;;) {
      const session = await this.#current();
      try {
        for await (const chunk of handed === 0 ? session.source.read(entry) : session.source.readFrom(entry, handed)) {
          handed += chunk.length;
          this.#delivered(session);
          yield chunk;
        }
        return;
      } catch (error) {
        await this.#recoverOrThrow(session, error);
      }
    }
  }

  /**
   * A stream that cannot go on where it was cut (a database dump is not the same bytes twice).
   * Cut before its first byte, it is made again over the new connection, unseen. Cut later,
   * its reader gets StreamRestartError once the new connection is up, and reads it again from
   * the start (calling the returned function again); at most the site's retries times.
   */
  restartable(what: string, produce: (session: S) => AsyncIterable<Buffer>): () => AsyncIterable<Buffer> {
    let restarts = 0;
    const stream = async function* (this: ReconnectingSource<S>) {
      for (;;) {
        const session = await this.#current();
        let handed = 0;
        try {
          for await (const chunk of produce(session)) {
            handed += chunk.length;
            yield chunk;
          }
          return;
        } catch (error) {
          if (!this.#isLost(error, session)) throw error;
          const lost = error as Error;
          if (!mayRetry(new BackendError('transient', 'CONNECTION_FAILED', lost.message), restarts, this.retry)) {
            if (this.retry.signal?.aborted) throw cancelled(what);
            throw this.#gaveUp(lost, `${what} was cut off ${restarts + 1} times`);
          }
          restarts++;
          await this.#recover(session, lost);
          if (handed > 0) throw new StreamRestartError(what);
        }
      }
    };
    return stream.bind(this);
  }

  async close(): Promise<void> {
    this.#closed = true;
    await this.#session.source.close();
  }

  async #fetchMany(entries: readonly SourceEntry[], onFile: (entry: SourceEntry, content: AsyncIterable<Buffer>) => Promise<void>, onProblem: (warning: Warning) => void): Promise<void> {
    const finished = new Set<string>();
    let inFlight: InFlight | null = null;
    let consumerFailure: { error: unknown } | null = null;

    /** Feeds the file's consumer from `stream` until it is done with the file, or the stream fails (thrown). */
    const deliver = async (flight: InFlight, stream: AsyncIterator<Buffer>): Promise<void> => {
      const broken = flight.relay.attach(stream);
      const outcome = await Promise.race([flight.done.then((failed) => ({ failed })), broken.then((error) => ({ error }))]);
      if ('error' in outcome) throw outcome.error;
      if (outcome.failed) {
        consumerFailure = outcome.failed;
        throw outcome.failed.error;
      }
      finished.add(flight.entry.path);
      inFlight = null;
    };
    /** The rest of the file that was in flight when the connection was lost. */
    const resume = async (session: S, flight: InFlight): Promise<void> => {
      const stream = session.source.readFrom(flight.entry, flight.relay.handed)[Symbol.asyncIterator]();
      try {
        await deliver(flight, stream);
      } catch (error) {
        if (!(error instanceof SourceFileError)) throw error;
        // Its consumer records the file as unreadable (a warning), as for any file that fails.
        flight.relay.fail(error);
        const failed = await flight.done;
        if (failed) {
          consumerFailure = failed;
          throw failed.error;
        }
        finished.add(flight.entry.path);
        inFlight = null;
      } finally {
        void stream.return?.(undefined)?.catch(() => {});
      }
    };
    /** Gives the file in flight up: its consumer's read fails with `error`, and it is waited for. */
    const abandon = async (error: unknown): Promise<void> => {
      const flight = inFlight as InFlight | null;
      if (!flight) return;
      flight.relay.fail(error);
      await flight.done;
      inFlight = null;
    };

    for (;;) {
      const session = await this.#current().catch(async (error: unknown) => {
        await abandon(error);
        throw error;
      });
      try {
        if (inFlight) await resume(session, inFlight);
        const rest = entries.filter((entry) => !finished.has(entry.path));
        if (rest.length === 0) return;
        await session.source.fetchMany!(
          rest,
          async (entry, content) => {
            const relay = new Relay(() => this.#delivered(session));
            const flight: InFlight = {
              entry,
              relay,
              done: onFile(entry, relay.content()).then(
                () => null,
                (error: unknown) => ({ error }),
              ),
            };
            inFlight = flight;
            await deliver(flight, content[Symbol.asyncIterator]());
          },
          (warning) => {
            finished.add(warning.path);
            onProblem(warning);
          },
        );
        return;
      } catch (error) {
        const fromConsumer = (consumerFailure as { error: unknown } | null)?.error === error;
        if (fromConsumer || !this.#isLost(error, session)) {
          await abandon(error);
          throw error;
        }
        try {
          await this.#recover(session, error as Error);
        } catch (final) {
          await abandon(final);
          throw final;
        }
      }
    }
  }

  /** The session to use: after a reconnect in progress, the new one. */
  async #current(): Promise<S> {
    if (this.#recovering) await this.#recovering.catch(() => {});
    if (this.#failure) throw this.#failure.error;
    return this.#session;
  }

  /** Something arrived over the current connection: the retries count from zero again. */
  #delivered(session: S): void {
    if (session === this.#session) this.#attempts = 0;
  }

  /**
   * Whether `error` is the connection's: a source says so (ConnectionLostError), or anything
   * but a deliberate answer (a file's problem, the server's or SiteVault's refusal) once the
   * connection has gone away.
   */
  #isLost(error: unknown, session: S): boolean {
    if (error instanceof ConnectionLostError) return true;
    if (error instanceof SourceFileError || error instanceof ApiError || error instanceof BackendError) return false;
    return session.closed();
  }

  async #recoverOrThrow(session: S, error: unknown): Promise<void> {
    if (!this.#isLost(error, session)) throw error;
    await this.#recover(session, error as Error);
  }

  /** A new connection in place of `broken`, one for all the operations it failed. */
  async #recover(broken: S, cause: Error): Promise<void> {
    if (this.#failure) throw this.#failure.error;
    if (this.#session !== broken) return;
    this.#recovering ??= this.#reconnect(broken, cause)
      .catch((error: unknown) => {
        this.#failure = { error };
        throw error;
      })
      .finally(() => {
        this.#recovering = null;
      });
    await this.#recovering;
  }

  async #reconnect(broken: S, cause: Error): Promise<void> {
    void broken.source.close().catch(() => {});
    const what = `connect to ${this.description} again`;
    let last = cause;
    for (;;) {
      const failure = new BackendError('transient', 'CONNECTION_FAILED', last.message);
      if (!mayRetry(failure, this.#attempts, this.retry)) {
        if (this.retry.signal?.aborted) throw cancelled(what);
        const again = last === cause ? '' : last instanceof ConnectionLostError ? ` (lost again while ${last.doing})` : ` (${last.message.replace(/\.$/, '')})`;
        throw this.#gaveUp(cause, `${this.#attempts === 1 ? '1 new connection' : `${this.#attempts} new connections`} did not get further${again}`);
      }
      await waitBeforeRetry(what, failure, this.#attempts, this.retry);
      this.#attempts++;
      try {
        const session = await this.#openUnlessCancelled(what);
        if (this.#closed) {
          await session.source.close();
          throw new ApiError('CANCELLED', `The connection to ${this.description} was closed while it was being made again.`);
        }
        this.#session = session;
        this.reconnects++;
        return;
      } catch (error) {
        if (this.retry.signal?.aborted) throw cancelled(what);
        // A refused login or a changed host key does not get better with retries: it is told as it is.
        if (!isTransient(error)) throw error;
        last = error;
      }
    }
  }

  /** `open()`, abandoned at once when the job is cancelled (the connection, if made, is closed). */
  #openUnlessCancelled(what: string): Promise<S> {
    const opening = this.open();
    const signal = this.retry.signal;
    if (!signal) return opening;
    return new Promise<S>((resolve, reject) => {
      let settled = false;
      const onAbort = () => {
        if (settled) return;
        settled = true;
        reject(cancelled(what));
        void opening.then(
          (session) => session.source.close(),
          () => {},
        );
      };
      if (signal.aborted) return onAbort();
      signal.addEventListener('abort', onAbort, { once: true });
      opening.then(
        (session) => {
          signal.removeEventListener('abort', onAbort);
          if (settled) return void session.source.close().catch(() => {});
          settled = true;
          resolve(session);
        },
        (error: unknown) => {
          signal.removeEventListener('abort', onAbort);
          if (settled) return;
          settled = true;
          reject(error);
        },
      );
    });
  }

  #gaveUp(cause: Error, outcome: string): ApiError {
    const doing = cause instanceof ConnectionLostError ? cause.doing : 'talking to the server';
    return new ApiError(
      'CONNECTION_FAILED',
      `The connection to ${this.description} was lost while ${doing}, and ${outcome}; no snapshot was written. Run the backup again once the site can be reached (what was uploaded is reused).`,
    );
  }
}
