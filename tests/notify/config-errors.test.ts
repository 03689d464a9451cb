/** Mail and alert settings are checked at start, each bad value reported with its variable. */
import { describe, expect, it } from 'vitest';
import { loadConfig } from '../../src/config.js';
import { ConfigError } from '../../src/errors.js';
import { testEnv } from '../helpers/env.js';

function issuesOf(env: Record<string, string>): string[] {
  try {
    loadConfig(testEnv(env));
  } catch (e) {
    expect(e).toBeInstanceOf(ConfigError);
    return (e as ConfigError).issues.map((i) => `${i.variable}: ${i.message}`);
  }
  return [];
}

describe('alert configuration errors', () => {
  const cases: Array<[string, Record<string, string>, RegExp]> = [
    [
      'a malformed recipient',
      { ALERT_TO: 'vanphong@dienbien.gov.vn, vanphong.dienbien' },
      /^ALERT_TO: "vanphong\.dienbien" is not an e-mail address/,
    ],
    ['a malformed operator address', { ALERT_TO_OPERATOR: 'ops at dienbien' }, /^ALERT_TO_OPERATOR: /],
    ['a malformed sender', { ALERT_FROM: 'dvc-index' }, /^ALERT_FROM: must be an e-mail address/],
    ['an SMTP URL without host', { SMTP_URL: 'smtp://' }, /^SMTP_URL: must be a URL with a host/],
    ['an SMTP URL of another scheme', { SMTP_URL: 'http://mail.example.gov.vn' }, /^SMTP_URL: /],
    [
      'a threshold that is not a number',
      { ALERT_MIN_DROP: 'nhiều' },
      /^ALERT_MIN_DROP: must be a number of points/,
    ],
    ['a per-group threshold that is not a number', { ALERT_MIN_DROP_TTTT: '0,5' }, /^ALERT_MIN_DROP_TTTT: /],
    ['an unknown monitored group', { ALERT_GROUPS: 'TTTT,XYZ' }, /^ALERT_GROUPS: "XYZ" is not a group/],
    [
      'a malformed no-data hour',
      { ALERT_NO_DATA_BY: '9h' },
      /^ALERT_NO_DATA_BY: must be a time of day HH:MM/,
    ],
  ];
  for (const [name, env, re] of cases) {
    it(`reports ${name} by variable name`, () => {
      const issues = issuesOf(env);
      expect(issues).toHaveLength(1);
      expect(issues[0]).toMatch(re);
    });
  }

  it('accepts good values', () => {
    const c = loadConfig(
      testEnv({
        SMTP_URL: 'smtp://u:p@mail.dienbien.gov.vn:587',
        ALERT_TO: 'a@dienbien.gov.vn,b@dienbien.gov.vn',
        ALERT_MIN_DROP_TTTT: '0.25',
      }),
    );
    expect(c.alertTo).toEqual(['a@dienbien.gov.vn', 'b@dienbien.gov.vn']);
    expect(c.alertToOperator).toEqual(c.alertTo);
  });
});
