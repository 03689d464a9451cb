/**
 * The only reader of `process.env`. Every setting is declared once here with its variable
 * name, default and meaning (the README's table is generated from {@link CONFIG_DOCS}), parsed
 * and validated all at once, and returned frozen. Every bad value is reported with its
 * variable name; the CLI exits 2 before opening any connection.
 */
import { z } from 'zod';
import { GROUP_CODES, type GroupCode, PERIOD_TYPES, type PeriodType } from './domain.js';
import { ConfigError, type ConfigIssue } from './errors.js';
import { maskUrlValue, maskValueIn } from './secrets.js';
import { escapeControlChars } from './text.js';

type Env = Readonly<Record<string, string | undefined>>;

const bool = z
  .string()
  .trim()
  .toLowerCase()
  .refine((v) => ['true', 'false', '1', '0', 'yes', 'no'].includes(v), 'must be true or false')
  .transform((v) => v === 'true' || v === '1' || v === 'yes');

const int = (min: number, max: number) =>
  z
    .string()
    .trim()
    .regex(/^-?\d+$/, 'must be a whole number')
    .transform(Number)
    .refine((n) => n >= min && n <= max, `must be between ${min} and ${max}`);

const decimal = z
  .string()
  .trim()
  .regex(/^\d+(\.\d{1,2})?$/, 'must be a number of points with at most 2 decimals, e.g. 0.01')
  .transform(Number);

const url = (protocols: string[]) =>
  z
    .string()
    .trim()
    .refine(
      (v) => {
        try {
          const u = new URL(v);
          return protocols.includes(u.protocol) && u.hostname !== '';
        } catch {
          return false;
        }
      },
      `must be a URL with a host (${protocols.join(' or ')}//host…)`,
    );

const EMAIL_RE = /^[^\s@<>,;]+@[^\s@<>,;]+\.[^\s@<>,;]+$/;
const emailList = z
  .string()
  .trim()
  .transform((v) =>
    v
      .split(',')
      .map((s) => s.trim())
      .filter(Boolean),
  )
  .superRefine((list, ctx) => {
    for (const a of list) {
      if (!EMAIL_RE.test(a)) ctx.addIssue({ code: 'custom', message: `"${a}" is not an e-mail address` });
    }
  });
const email = z.string().trim().regex(EMAIL_RE, 'must be an e-mail address like dvc-index@example.gov.vn');

const csvOf = <T extends string>(allowed: readonly T[], what: string) =>
  z
    .string()
    .trim()
    .transform((v) =>
      v
        .split(',')
        .map((s) => s.trim())
        .filter(Boolean),
    )
    .superRefine((list, ctx) => {
      if (list.length === 0) ctx.addIssue({ code: 'custom', message: `must list at least one ${what}` });
      for (const x of list) {
        if (!(allowed as readonly string[]).includes(x))
          ctx.addIssue({ code: 'custom', message: `"${x}" is not a ${what} (one of ${allowed.join(', ')})` });
      }
    })
    .transform((list) => list as T[]);

const provinceCodes = z
  .string()
  .trim()
  .transform((v) =>
    v
      .split(',')
      .map((s) => s.trim().toUpperCase())
      .filter(Boolean),
  )
  .superRefine((list, ctx) => {
    if (list.length === 0) ctx.addIssue({ code: 'custom', message: 'must list at least one province code' });
    for (const c of list)
      if (!/^H\d{2}$/.test(c))
        ctx.addIssue({ code: 'custom', message: `"${c}" is not a province code like H18 (Điện Biên)` });
  });

const timeZone = z
  .string()
  .trim()
  .refine((tz) => {
    try {
      new Intl.DateTimeFormat('en', { timeZone: tz });
      return true;
    } catch {
      return false;
    }
  }, 'must be an IANA time zone such as Asia/Ho_Chi_Minh');

const hhmm = z
  .string()
  .trim()
  .regex(/^([01]\d|2[0-3]):[0-5]\d$/, 'must be a time of day HH:MM, e.g. 09:00');

/** A score target of one group for the year period, for every unit or one kind of unit. */
export interface ScoreTarget {
  readonly group: GroupCode;
  /** null: every unit (and the province); otherwise only units of this kind. */
  readonly kind: 'agency' | 'commune' | null;
  readonly min: number;
}
const targets = z
  .string()
  .trim()
  .transform((v, ctx) => {
    const out: ScoreTarget[] = [];
    for (const part of v
      .split(',')
      .map((s) => s.trim())
      .filter(Boolean)) {
      const m = /^(?:(agency|commune)\.)?([A-Z]{4})\s*:\s*(\d+(?:\.\d{1,2})?)$/.exec(part);
      if (!m || !(GROUP_CODES as readonly string[]).includes(m[2]!)) {
        ctx.addIssue({
          code: 'custom',
          message: `"${part}" is not GROUP:points or kind.GROUP:points (e.g. "TTTT:8", "commune.MDSH:18"; groups ${GROUP_CODES.join(', ')}, kinds agency, commune)`,
        });
        return z.NEVER;
      }
      const t: ScoreTarget = {
        group: m[2] as GroupCode,
        kind: (m[1] as ScoreTarget['kind']) ?? null,
        min: Number(m[3]),
      };
      if (out.some((o) => o.group === t.group && o.kind === t.kind)) {
        ctx.addIssue({
          code: 'custom',
          message: `"${part}": the target of ${t.kind ? `${t.kind}.` : ''}${t.group} is given twice`,
        });
        return z.NEVER;
      }
      out.push(t);
    }
    return out;
  });

/** Classification bands, "Label:min" highest first; a score ≥ min gets the label. */
export interface ClassBand {
  readonly label: string;
  readonly min: number;
}
const bands = z
  .string()
  .trim()
  .transform((v, ctx) => {
    const out: ClassBand[] = [];
    for (const part of v.split(',')) {
      const m = /^\s*([^:]+?)\s*:\s*(\d+(?:\.\d+)?)\s*$/.exec(part);
      if (!m) {
        ctx.addIssue({ code: 'custom', message: `"${part}" is not Label:min (e.g. "Tốt:80")` });
        return z.NEVER;
      }
      out.push({ label: m[1]!, min: Number(m[2]) });
    }
    for (let i = 1; i < out.length; i++) {
      if (out[i]!.min >= out[i - 1]!.min) {
        ctx.addIssue({ code: 'custom', message: 'bands must be listed highest first with falling minimums' });
        return z.NEVER;
      }
    }
    return out;
  });

const DURATION_UNITS: Readonly<Record<string, number>> = { s: 1000, m: 60_000, h: 3_600_000 };
/** A duration such as `15m`, `90s` or `1h`, in milliseconds, between `minMs` and `maxMs`. */
const duration = (minMs: number, maxMs: number) =>
  z
    .string()
    .trim()
    .regex(/^\d+(s|m|h)$/, 'must be a duration like 15m, 90s or 1h')
    .transform((v) => Number(v.slice(0, -1)) * (DURATION_UNITS[v.slice(-1)] ?? 0))
    .refine((ms) => ms >= minMs && ms <= maxMs, `must be between ${minMs / 1000}s and ${maxMs / 3_600_000}h`);

const isoDateOrEmpty = z
  .string()
  .trim()
  .refine(
    (v) =>
      v === '' || (/^\d{4}-\d{2}-\d{2}$/.test(v) && new Date(`${v}T00:00:00Z`).toISOString().startsWith(v)),
    'must be a date YYYY-MM-DD (e.g. 2026-01-01) or empty',
  );

const cronExpr = z
  .string()
  .trim()
  .refine(
    (v) => v.split(/\s+/).length === 5 || v.split(/\s+/).length === 6,
    'must be a cron expression like "30 4 * * *"',
  );

/** Declaration of every setting: variable, default (as the user would write it), meaning. */
const FIELDS = {
  databaseUrl: {
    env: 'DATABASE_URL',
    def: 'postgres://postgres@127.0.0.1:5432/dvc_index',
    schema: url(['postgres:', 'postgresql:']),
    doc: 'PostgreSQL connection string',
  },
  redisUrl: {
    env: 'REDIS_URL',
    def: 'redis://127.0.0.1:6379',
    schema: url(['redis:', 'rediss:']),
    doc: 'Redis for the BullMQ queues (must use maxmemory-policy noeviction)',
  },
  redisRequireNoeviction: {
    env: 'REDIS_REQUIRE_NOEVICTION',
    def: 'true',
    schema: bool,
    doc: 'refuse to start when Redis may evict queue keys; set false to override',
  },
  queuePrefix: {
    env: 'QUEUE_PREFIX',
    def: 'dvc',
    schema: z
      .string()
      .trim()
      .regex(/^[A-Za-z0-9_.-]{1,40}$/, 'must be 1–40 letters, digits, . _ or -'),
    doc: 'prefix of every BullMQ key in Redis',
  },
  portalBaseUrl: {
    env: 'PORTAL_BASE_URL',
    def: 'https://dichvucong.gov.vn',
    schema: url(['http:', 'https:']),
    doc: 'the portal (or the replay portal for tests and the demo)',
  },
  portalTransport: {
    env: 'PORTAL_TRANSPORT',
    def: 'browser',
    schema: z.enum(['browser', 'direct']),
    doc: 'browser: API calls from inside Chromium; direct: plain HTTP',
  },
  portalMinGapMs: {
    env: 'PORTAL_MIN_GAP_MS',
    def: '2000',
    schema: int(0, 600_000),
    doc: 'minimum pause between two requests to the portal (ms)',
  },
  portalJitterMs: {
    env: 'PORTAL_JITTER_MS',
    def: '500',
    schema: int(0, 60_000),
    doc: 'random extra pause added to the gap (ms)',
  },
  portalTimeoutMs: {
    env: 'PORTAL_TIMEOUT_MS',
    def: '45000',
    schema: int(1000, 600_000),
    doc: 'timeout of one request or page load (ms)',
  },
  portalMaxRequestsPerRun: {
    env: 'PORTAL_MAX_REQUESTS_PER_RUN',
    def: '60',
    schema: int(1, 10_000),
    doc: 'request budget of one run; exceeding it fails the run',
  },
  portalUserAgent: {
    env: 'PORTAL_USER_AGENT',
    def: 'dvc-index/0.1 (QD766 index monitor; contact: set PORTAL_USER_AGENT)',
    schema: z
      .string()
      .trim()
      .min(3, 'must not be empty')
      .regex(
        /^[\x20-\x7e]+$/,
        'must be plain ASCII: HTTP headers cannot carry Vietnamese letters (write QD766)',
      ),
    doc: 'User-Agent sent by the direct transport (honest, names the tool)',
  },
  portalHeadless: {
    env: 'PORTAL_HEADLESS',
    def: 'true',
    schema: bool,
    doc: 'run Chromium headless; false needs a display (Xvfb in the image)',
  },
  chromiumPath: {
    env: 'CHROMIUM_PATH',
    def: '',
    schema: z.string().trim(),
    doc: 'Chromium executable; empty = chromium, chromium-browser, google-chrome-stable or google-chrome on PATH, then the macOS apps, then a browser Playwright installed',
  },
  provinces: {
    env: 'PROVINCES',
    def: 'H18',
    schema: provinceCodes,
    doc: 'province codes to watch, comma-separated (H18 = Điện Biên)',
  },
  periods: {
    env: 'PERIODS',
    def: 'year,quarter,month',
    schema: csvOf<PeriodType>(PERIOD_TYPES, 'period type'),
    doc: 'periods captured each day',
  },
  cronSchedule: {
    env: 'CRON_SCHEDULE',
    def: '30 4 * * *',
    schema: cronExpr,
    doc: 'when the daily capture is enqueued (in TZ)',
  },
  timeZone: {
    env: 'TZ',
    def: 'Asia/Ho_Chi_Minh',
    schema: timeZone,
    doc: 'time zone of the schedule and of report dates',
  },
  reportDateOffsetDays: {
    env: 'REPORT_DATE_OFFSET_DAYS',
    def: '1',
    schema: int(0, 7),
    doc: 'report date = capture date minus this many days',
  },
  catchUp: {
    env: 'CATCH_UP',
    def: 'true',
    schema: bool,
    doc: 'on start, run the reconcile at once (enqueue the latest due report date if it has no finished run, resume stuck runs, record gaps)',
  },
  reconcileEveryMs: {
    env: 'RECONCILE_EVERY',
    def: '15m',
    schema: duration(1000, 24 * 3_600_000),
    doc: 'how often `start` compares the runs table with the queues and heals what is missing or stuck (e.g. 15m, 90s, 1h)',
  },
  backfillFrom: {
    env: 'BACKFILL_FROM',
    def: '',
    schema: isoDateOrEmpty,
    doc: 'report dates expected from this day on (YYYY-MM-DD); days before the latest due one that nobody captured are recorded as gaps, never fetched; empty = from the first stored day',
  },
  jobAttempts: {
    env: 'JOB_ATTEMPTS',
    def: '4',
    schema: int(1, 20),
    doc: 'attempts of a job on transient errors',
  },
  jobBackoffMs: {
    env: 'JOB_BACKOFF_MS',
    def: '60000',
    schema: int(0, 3_600_000),
    doc: 'first retry delay, doubled each attempt (ms)',
  },
  logLevel: {
    env: 'LOG_LEVEL',
    def: 'info',
    schema: z.enum(['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent']),
    doc: 'pino log level',
  },
  httpHost: {
    env: 'HTTP_HOST',
    def: '127.0.0.1',
    schema: z.string().trim().min(1),
    doc: 'address the web server binds (set HTTP_TOKEN before exposing it)',
  },
  httpPort: { env: 'HTTP_PORT', def: '8080', schema: int(0, 65_535), doc: 'port of the web server and API' },
  httpToken: {
    env: 'HTTP_TOKEN',
    def: '',
    schema: z.string().trim(),
    doc: 'bearer token required by everything but /healthz and /readyz when set',
  },
  publicUrl: {
    env: 'PUBLIC_URL',
    def: 'http://127.0.0.1:8080',
    schema: url(['http:', 'https:']),
    doc: 'address of the web page, used in e-mail links',
  },
  smtpUrl: {
    env: 'SMTP_URL',
    def: '',
    schema: z.union([z.literal(''), url(['smtp:', 'smtps:'])]),
    doc: 'SMTP server, e.g. smtp://user:pass@mail.example.gov.vn:587; empty = mails stay in the outbox',
  },
  alertFrom: {
    env: 'ALERT_FROM',
    def: 'dvc-index@localhost.localdomain',
    schema: email,
    doc: 'sender address of the mails',
  },
  alertTo: {
    env: 'ALERT_TO',
    def: '',
    schema: emailList,
    doc: 'recipients of the daily digest, comma-separated',
  },
  alertToOperator: {
    env: 'ALERT_TO_OPERATOR',
    def: '',
    schema: emailList,
    doc: 'recipients of operator mails (blocked, unreadable answers, no data); default ALERT_TO',
  },
  alertGroups: {
    env: 'ALERT_GROUPS',
    def: 'TTTT,MDSH',
    schema: csvOf<GroupCode>(GROUP_CODES, 'group'),
    doc: 'groups whose falls are alerted',
  },
  alertPeriods: {
    env: 'ALERT_PERIODS',
    def: 'year',
    schema: csvOf<PeriodType>(PERIOD_TYPES, 'period type'),
    doc: 'periods whose falls are alerted (quarter/month are noisier)',
  },
  alertMinDrop: {
    env: 'ALERT_MIN_DROP',
    def: '0.1',
    schema: decimal,
    doc: 'smallest decrease (points) that counts as a fall (0.01 opens weeks-long episodes for drifts of hundredths)',
  },
  alertMinDropTttt: {
    env: 'ALERT_MIN_DROP_TTTT',
    def: '',
    schema: z.union([z.literal(''), decimal]),
    doc: 'override of ALERT_MIN_DROP for TTTT',
  },
  alertMinDropMdsh: {
    env: 'ALERT_MIN_DROP_MDSH',
    def: '',
    schema: z.union([z.literal(''), decimal]),
    doc: 'override of ALERT_MIN_DROP for MDSH',
  },
  alertMajorDrop: {
    env: 'ALERT_MAJOR_DROP',
    def: '0.5',
    schema: decimal,
    doc: "a fall of at least this many points (from the episode's baseline) is major; so is one crossing a band or a target",
  },
  alertMinor: {
    env: 'ALERT_MINOR',
    def: 'digest',
    schema: z.enum(['digest', 'weekly', 'off']),
    doc: 'minor falls: digest = a compact list after the major ones; weekly = only in the weekly mail; off = not mailed',
  },
  alertTargets: {
    env: 'ALERT_TARGETS',
    def: '',
    schema: targets,
    doc: 'year-period targets, GROUP:points, per kind kind.GROUP:points (e.g. TTTT:8,MDSH:20,commune.MDSH:18); units below are marked',
  },
  alertUnitMails: {
    env: 'ALERT_UNIT_MAILS',
    def: 'on',
    schema: z.enum(['on', 'off']),
    doc: 'on: a unit with contacts (`dvc-index contacts`) gets a short mail about its own falls and recoveries',
  },
  weeklyDigest: {
    env: 'WEEKLY_DIGEST',
    def: '30 7 * * 1',
    schema: z.union([z.literal(''), cronExpr]),
    doc: 'when the weekly follow-up mail is written (cron, in TZ; default Monday 07:30); empty = off',
  },
  alertIgnoreProvisional: {
    env: 'ALERT_IGNORE_PROVISIONAL',
    def: 'false',
    schema: bool,
    doc: 'no fall is raised from a capture the portal flags as provisional',
  },
  alertNoDataBy: {
    env: 'ALERT_NO_DATA_BY',
    def: '09:00',
    schema: z.union([z.literal(''), hhmm]),
    doc: 'operator mail when no run finished by this time (in TZ); empty = off',
  },
  classBands: {
    env: 'CLASS_BANDS',
    def: 'Xuất sắc:90,Tốt:80,Khá:70,Trung bình:50,Yếu:0',
    schema: bands,
    doc: 'classification bands Label:min, highest first',
  },
  migrateOnStart: {
    env: 'MIGRATE_ON_START',
    def: 'true',
    schema: bool,
    doc: '`start` applies pending migrations (advisory-locked)',
  },
  shutdownTimeoutMs: {
    env: 'SHUTDOWN_TIMEOUT_MS',
    def: '20000',
    schema: int(1000, 600_000),
    doc: 'how long SIGTERM waits for the active job before handing it back',
  },
} as const;

type Fields = typeof FIELDS;
export type Config = Readonly<{ [K in keyof Fields]: z.output<Fields[K]['schema']> }>;

/** Rows of the README's configuration table. */
export const CONFIG_DOCS: ReadonlyArray<{ variable: string; default: string; meaning: string }> =
  Object.values(FIELDS).map((f) => ({ variable: f.env, default: f.def, meaning: f.doc }));

/** Every environment variable this tool reads. */
export const CONFIG_VARIABLES: readonly string[] = Object.values(FIELDS).map((f) => f.env);

/** Variables whose value is a secret as a whole: an error says how long it is, never what. */
const SECRET_VARIABLES: ReadonlySet<string> = new Set(['HTTP_TOKEN']);

/** A schema's message, which may quote (part of) the value: the same masking and escaping. */
function issueText(variable: string, message: string, value: string): string {
  const text = SECRET_VARIABLES.has(variable) && value !== '' ? message.split(value).join('***') : message;
  return escapeControlChars(maskValueIn(text, value));
}

/**
 * A bad value as an error may echo it: a URL's password masked (even in a malformed URL),
 * secret query parameters masked, control characters escaped; a secret variable not at all.
 */
function shownValue(variable: string, value: string): string {
  if (SECRET_VARIABLES.has(variable)) return `a value of ${value.length} characters, not shown`;
  return `"${escapeControlChars(maskUrlValue(value))}"`;
}

/**
 * Parse and validate the whole configuration. Throws a {@link ConfigError} listing every bad
 * variable; never opens a connection.
 */
export function loadConfig(env: Env = process.env): Config {
  const issues: ConfigIssue[] = [];
  const out: Record<string, unknown> = {};
  for (const [key, field] of Object.entries(FIELDS)) {
    const raw = env[field.env];
    const value = raw === undefined ? field.def : raw;
    const res = (field.schema as z.ZodType).safeParse(value);
    if (res.success) out[key] = res.data;
    else
      for (const issue of res.error.issues)
        issues.push({
          variable: field.env,
          message: `${issueText(field.env, issue.message, value)} (got ${shownValue(field.env, value)})`,
        });
  }
  if (issues.length > 0) throw new ConfigError(issues);
  if ((out.alertToOperator as string[]).length === 0) out.alertToOperator = out.alertTo;
  return Object.freeze(out) as Config;
}

/** The fall threshold (points) for one group, honouring per-group overrides. */
export function minDropFor(config: Config, group: GroupCode): number {
  if (group === 'TTTT' && config.alertMinDropTttt !== '') return config.alertMinDropTttt;
  if (group === 'MDSH' && config.alertMinDropMdsh !== '') return config.alertMinDropMdsh;
  return config.alertMinDrop;
}

/** Classification of a total score by the configured bands; `null` score → `null`. */
export function classify(config: Pick<Config, 'classBands'>, total: number | null): string | null {
  if (total === null) return null;
  const cents = Math.round(total * 100);
  for (const b of config.classBands) if (cents >= Math.round(b.min * 100)) return b.label;
  return config.classBands.at(-1)?.label ?? null;
}

/** The year-period target of a group for a unit of this kind (a kind's own target first), or null. */
export function targetFor(
  config: Pick<Config, 'alertTargets'>,
  group: string,
  kind: 'province' | 'agency' | 'commune',
): number | null {
  const own = config.alertTargets.find((t) => t.group === group && t.kind === kind);
  const all = config.alertTargets.find((t) => t.group === group && t.kind === null);
  return (own ?? all)?.min ?? null;
}
