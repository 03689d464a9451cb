import { describe, expect, it } from 'vitest';
import { classify, loadConfig, minDropFor } from '../src/config.js';
import { ConfigError } from '../src/errors.js';

describe('loadConfig', () => {
  it('applies the documented defaults', () => {
    const c = loadConfig({});
    expect(c.provinces).toEqual(['H18']);
    expect(c.portalMinGapMs).toBe(2000);
    expect(c.cronSchedule).toBe('30 4 * * *');
    expect(c.timeZone).toBe('Asia/Ho_Chi_Minh');
    expect(c.alertGroups).toEqual(['TTTT', 'MDSH']);
    expect(Object.isFrozen(c)).toBe(true);
  });

  it('reports every bad variable by name at once', () => {
    try {
      loadConfig({
        PORTAL_MIN_GAP_MS: 'soon',
        ALERT_TO: 'ops@example.gov.vn, not-an-address',
        SMTP_URL: 'smtp://',
        TZ: 'Mars/Base',
      });
      expect.unreachable();
    } catch (e) {
      expect(e).toBeInstanceOf(ConfigError);
      const vars = (e as ConfigError).issues.map((i) => i.variable).sort();
      expect(vars).toEqual(['ALERT_TO', 'PORTAL_MIN_GAP_MS', 'SMTP_URL', 'TZ']);
      expect((e as ConfigError).message).toContain('"not-an-address" is not an e-mail address');
    }
  });

  it('never prints a password, a token or a control character of a bad value', () => {
    const message = (env: Record<string, string>) => {
      try {
        loadConfig(env);
      } catch (e) {
        return (e as ConfigError).message;
      }
      throw new Error('expected a ConfigError');
    };
    const db = message({ DATABASE_URL: 'mysql://postgres:PgSecretPW@db.example:3306/dvc' });
    expect(db).toContain('DATABASE_URL');
    expect(db).toContain('mysql://postgres:***@db.example:3306/dvc');
    expect(db).not.toContain('PgSecretPW');
    // malformed URLs (a space, an @ in the password) are masked whole, up to the last @
    for (const [variable, value, secret] of [
      ['SMTP_URL', 'smtps://mailer:Pa ss@word@', 'ss@word'],
      ['SMTP_URL', 'imap://mailer:Pa ss@word@mail.example.gov.vn:465', 'ss@word'],
      ['REDIS_URL', 'memcached://:R3d1s Secret@cache:6380', 'R3d1s'],
      ['PORTAL_BASE_URL', 'ftp://user:FtpSecret@portal', 'FtpSecret'],
      ['PUBLIC_URL', 'ws://x/?token=Tok3nSecret&a=1', 'Tok3nSecret'],
    ] as const) {
      const m = message({ [variable]: value });
      expect(m, variable).toContain(variable);
      expect(m, variable).not.toContain(secret);
    }
    // HTTP_TOKEN is never echoed at all; control characters are escaped
    const tz = message({ TZ: 'Asia/Ho_Chi_Minh\u001b[2J' });
    expect(tz).toContain('\\x1b[2J');
    expect(tz).not.toContain('\u001b');
  });

  it('refuses a User-Agent that cannot be an HTTP header value', () => {
    expect(() => loadConfig({ PORTAL_USER_AGENT: 'dvc-index (QĐ766)' })).toThrow(
      /PORTAL_USER_AGENT: must be plain ASCII/,
    );
    expect(loadConfig({}).portalUserAgent).toMatch(/^[\x20-\x7e]+$/);
  });

  it('takes per-group fall thresholds and falls back to the common one', () => {
    const c = loadConfig({ ALERT_MIN_DROP: '0.05', ALERT_MIN_DROP_TTTT: '0.5' });
    expect(minDropFor(c, 'TTTT')).toBe(0.5);
    expect(minDropFor(c, 'MDSH')).toBe(0.05);
    expect(() => loadConfig({ ALERT_MIN_DROP_MDSH: 'big' })).toThrow(/ALERT_MIN_DROP_MDSH/);
  });

  it('classifies by configurable bands, exactly at the boundaries, and never classifies null', () => {
    const c = loadConfig({});
    expect(classify(c, 90)).toBe('Xuất sắc');
    expect(classify(c, 89.99)).toBe('Tốt');
    expect(classify(c, 70)).toBe('Khá');
    expect(classify(c, 49.99)).toBe('Yếu');
    expect(classify(c, 0)).toBe('Yếu');
    expect(classify(c, null)).toBeNull();
    const custom = loadConfig({ CLASS_BANDS: 'A:60,B:0' });
    expect(classify(custom, 61)).toBe('A');
    expect(() => loadConfig({ CLASS_BANDS: 'A:10,B:20' })).toThrow(/CLASS_BANDS/);
  });
});
