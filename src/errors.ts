/**
 * Error classes, one per decision they drive. The queue worker maps them to BullMQ
 * behaviour, the CLI maps them to exit codes (see {@link exitCodeFor}).
 */

export interface ConfigIssue {
  readonly variable: string;
  readonly message: string;
}

/** A setting is missing or malformed: fatal at start-up, exit code 2. */
export class ConfigError extends Error {
  override readonly name = 'ConfigError';
  constructor(readonly issues: readonly ConfigIssue[]) {
    super(`invalid configuration:\n${issues.map((i) => `  ${i.variable}: ${i.message}`).join('\n')}`);
  }
}

/** The user asked for something malformed or ambiguous (a flag, a date, a unit name): exit 2. */
export class InputError extends Error {
  override readonly name = 'InputError';
  constructor(
    readonly field: string,
    message: string,
    readonly candidates: readonly string[] = [],
  ) {
    super(`${field}: ${message}`);
  }
}

/**
 * This machine lacks something the command needs (an executable such as Chromium, a package):
 * a retry cannot fix it, so it is never retried; exit code 2. `what` names the setting that
 * points at it.
 */
export class SetupError extends Error {
  override readonly name = 'SetupError';
  constructor(
    readonly what: string,
    message: string,
  ) {
    super(message);
  }
}

/** The portal timed out, dropped the connection or answered 5xx: retry later with backoff. */
export class PortalUnavailableError extends Error {
  override readonly name = 'PortalUnavailableError';
  readonly url: string;
  readonly status: number | null;
  constructor(message: string, opts: { url: string; status?: number | null; cause?: unknown }) {
    super(message, { cause: opts.cause });
    this.url = opts.url;
    this.status = opts.status ?? null;
  }
}

export type BlockKind = 'http-403' | 'http-429' | 'waf-page' | 'challenge' | 'login-page';

/**
 * The portal refused us (403, 429, a WAF block or challenge page). Never retried: the
 * circuit opens, collection stops and an operator is told. `supportId` is the WAF's
 * reference number, which the portal's operators ask for.
 */
export class PortalBlockedError extends Error {
  override readonly name = 'PortalBlockedError';
  readonly url: string;
  readonly status: number | null;
  readonly kind: BlockKind;
  readonly supportId: string | null;
  constructor(
    message: string,
    opts: { url: string; status?: number | null; kind: BlockKind; supportId?: string | null },
  ) {
    super(message);
    this.url = opts.url;
    this.status = opts.status ?? null;
    this.kind = opts.kind;
    this.supportId = opts.supportId ?? null;
  }
}

/**
 * The answer does not match what the parser knows (HTML where JSON was expected, a missing
 * field, `code` other than OK). Retrying will not help: a developer must look.
 */
export class PortalFormatError extends Error {
  override readonly name = 'PortalFormatError';
  readonly endpoint: string;
  readonly field: string | null;
  constructor(message: string, opts: { endpoint: string; field?: string | null; cause?: unknown }) {
    super(message, { cause: opts.cause });
    this.endpoint = opts.endpoint;
    this.field = opts.field ?? null;
  }
}

/** Collection refused because an operator has not closed the circuit yet. */
export class CircuitOpenError extends Error {
  override readonly name = 'CircuitOpenError';
  constructor(
    readonly openedAt: Date,
    readonly reason: string,
  ) {
    super(
      `the portal circuit is open since ${openedAt.toISOString()} (${reason}); ` +
        'run `dvc-index circuit close --reason "..."` once the block is lifted',
    );
  }
}

/** Normalise anything thrown into an Error. */
export function toError(e: unknown): Error {
  if (e instanceof Error) return e;
  return new Error(typeof e === 'string' ? e : JSON.stringify(e));
}

/** CLI exit codes: 0 ok, 1 other failure, 2 bad input/config, 3 blocked, 4 format changed. */
export function exitCodeFor(e: unknown): number {
  if (e instanceof ConfigError || e instanceof InputError || e instanceof SetupError) return 2;
  if (e instanceof PortalBlockedError || e instanceof CircuitOpenError) return 3;
  if (e instanceof PortalFormatError) return 4;
  return 1;
}
