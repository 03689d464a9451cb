/**
 * bench/alert-defaults: what the office would have received over the demo's report dates
 * (scenarios/dien-bien-demo.json) under today's alert defaults and under the new ones, side
 * by side: digests sent, major/minor falls in each digest, and episodes still open on the last
 * day. Pure: the scenario's year scores (exactly what the replay portal serves) are replayed
 * through the real rules (detectEpisodes, digestContent) with each configuration, no database.
 * Prints the figures; asserts nothing.
 *
 *   npx tsx bench/alert-defaults.ts [scenario.json]
 */
import { performance } from 'node:perf_hooks';
import { type Config, loadConfig, minDropFor } from '../src/config.js';
import type { Observation } from '../src/detect/compare-scores.js';
import { type DetectResult, detectEpisodes, type Series } from '../src/detect/detect-episodes.js';
import { type GroupCode, type IsoDate, isGroupCode, type ScoreGroup, type UnitKind } from '../src/domain.js';
import { digestOptions } from '../src/notify/queue-digest.js';
import { countDigest, digestContent, isDigestDue } from '../src/notify/render-digest.js';
import { compileScenario, totalMaxOf, totalOf } from '../src/replay/resolve.js';
import { loadScenario, scenarioDates } from '../src/replay/scenario.js';
import type { AlertRow, DigestFacts, EventRow } from '../src/store/alerts.js';

const t0 = performance.now();
const file = process.argv[2] ?? 'scenarios/dien-bien-demo.json';
const scenario = await loadScenario(file);
const compiled = compileScenario(scenario);
const dates = scenarioDates(scenario) as IsoDate[];
const year = Number(dates[0]!.slice(0, 4));
const period = { type: 'year' as const, year, number: 0 };

interface Unit {
  readonly id: string;
  readonly code: string;
  readonly name: string;
  readonly kind: UnitKind;
}
const province: Unit = { ...scenario.province, kind: 'province' };
const units: Unit[] = [
  province,
  ...scenario.units.map((u) => ({ id: u.id, code: u.code, name: u.name, kind: u.kind })),
];

// The year series of TTTT, MDSH and TOTAL of every unit and the province, as stored.
const obs = new Map<string, Observation[]>();
const push = (unitId: string, g: ScoreGroup, o: Observation) => {
  const k = `${unitId}|${g}`;
  obs.set(k, [...(obs.get(k) ?? []), o]);
};
for (const date of dates) {
  const r = compiled.resolve(date, period);
  const rows = [
    { id: province.id, groups: r.province },
    ...r.units.map((u) => ({ id: u.unit.id, groups: u.groups })),
  ];
  for (const { id, groups } of rows) {
    for (const g of ['TTTT', 'MDSH'] as const) {
      const s = groups[g];
      if (s.missing) continue;
      push(id, g, { date, score: s.score, maxScore: s.max, flags: [] });
    }
    if (!Object.values(groups).some((s) => s.missing))
      push(id, 'TOTAL', { date, score: totalOf(groups), maxScore: totalMaxOf(groups), flags: [] });
  }
}
const series: Series[] = [...obs].map(([k, observations]) => {
  const [unitId, group] = k.split('|') as [string, ScoreGroup];
  return { unitId, group, period, observations };
});
const unitOf = new Map(units.map((u) => [u.id, u]));

function run(config: Config): {
  result: DetectResult;
  perDay: { date: IsoDate; major: number; minor: number; due: boolean; recovered: number }[];
} {
  const result = detectEpisodes(series, {
    provinceUnitId: province.id,
    groups: config.alertGroups,
    minDropCents: (g) =>
      Math.round((isGroupCode(g) ? minDropFor(config, g as GroupCode) : config.alertMinDrop) * 100),
    ignoreProvisional: config.alertIgnoreProvisional,
    bands: config.classBands,
  });
  const opts = digestOptions(config, scenario.province.name);
  const episodeOf = (e: { unitId: string; group: ScoreGroup; episodeOpenedOn: IsoDate | null }) =>
    result.episodes.find(
      (x) => x.unitId === e.unitId && x.group === e.group && x.openedOn === e.episodeOpenedOn,
    );
  const perDay = dates.map((date) => {
    const events: EventRow[] = result.events
      .filter((e) => e.reportDate === date)
      .map((e) => {
        const u = unitOf.get(e.unitId)!;
        const ep = episodeOf(e);
        // the episode's worst as of this date: the lowest score since it opened
        const seen = (obs.get(`${e.unitId}|${e.group}`) ?? []).filter(
          (o) => ep && o.date >= ep.openedOn && o.date <= date && o.score !== null,
        );
        const worst = seen.length ? Math.min(...seen.map((o) => o.score as number)) : null;
        return {
          kind: e.kind,
          alertId: null,
          unitId: e.unitId,
          unitCode: u.code,
          unitName: u.name,
          unitKind: u.kind,
          group: e.group,
          period: e.period,
          before: e.before,
          after: e.after,
          comparedOn: e.comparedOn,
          gapDays: e.gapDays,
          detail: e.detail,
          maxScore: ep?.maxScore ?? null,
          baseline: ep?.baseline ?? null,
          worst,
          openedOn: ep?.openedOn ?? null,
        };
      });
    const facts: DigestFacts = {
      province: { id: province.id, code: province.code, name: province.name, kind: 'province' },
      reportDate: date,
      events,
      stillOpen: [] as AlertRow[],
      provinceTotal: null,
    };
    const c = countDigest(digestContent(facts, opts));
    return {
      date,
      major: c.major,
      minor: c.minor + c.minorHeld,
      recovered: c.recovered,
      due: isDigestDue(c),
    };
  });
  return { result, perDay };
}

const base = { LOG_LEVEL: 'silent', ALERT_TO: 'so-tttt@dienbien.example.gov.vn' };
const variants: Array<[string, Record<string, string>]> = [
  ['today (ALERT_MIN_DROP=0.01, no severity)', { ALERT_MIN_DROP: '0.01', ALERT_MINOR: 'digest' }],
  ['new defaults', {}],
  ['new defaults + ALERT_MINOR=weekly', { ALERT_MINOR: 'weekly' }],
];
const runs = variants.map(([name, env]) => ({
  name,
  env,
  config: loadConfig({ ...base, ...env }),
  ...run(loadConfig({ ...base, ...env })),
}));

const pad = (s: string | number, n: number) => String(s).padStart(n);
process.stdout.write(
  `scenario ${file}: ${dates.length} report dates ${dates[0]} … ${dates.at(-1)}, ${units.length - 1} units + the province, year period\n`,
);
for (const r of runs)
  process.stdout.write(
    `  [${runs.indexOf(r) + 1}] ${r.name}: ALERT_MIN_DROP=${r.config.alertMinDrop} ALERT_MAJOR_DROP=${r.config.alertMajorDrop} ALERT_MINOR=${r.config.alertMinor}\n`,
  );
process.stdout.write(`\nper report date: digest sent? major/minor falls (recoveries)\n`);
process.stdout.write(`date        ${runs.map((_, i) => pad(`[${i + 1}]`, 20)).join('')}\n`);
for (let d = 0; d < dates.length; d++) {
  const cells = runs.map((r) => {
    const x = r.perDay[d]!;
    return pad(`${x.due ? 'mail' : '  — '} ${x.major}/${x.minor} (${x.recovered})`, 20);
  });
  process.stdout.write(`${dates[d]}  ${cells.join('')}\n`);
}
process.stdout.write('\nsummary\n');
for (const r of runs) {
  const last = dates.at(-1)!;
  const eps = r.result.episodes;
  const open = eps.filter((e) => e.status === 'open');
  const openSmall = open.filter((e) => Math.round((e.baseline - e.worst) * 100) < 20);
  const sum = (k: 'major' | 'minor') => r.perDay.reduce((a, x) => a + x[k], 0);
  const mailed = r.perDay.filter((x) => x.due);
  process.stdout.write(
    `  [${runs.indexOf(r) + 1}] digests ${mailed.length}/${dates.length}; falls major ${sum('major')}, minor ${sum('minor')}` +
      ` (${r.config.alertMinor === 'digest' ? 'all in digests' : `minor held for the ${r.config.alertMinor === 'weekly' ? 'weekly mail' : 'void'}`});` +
      ` episodes ${eps.length}, open on ${last}: ${open.length} (of which depth < 0,20: ${openSmall.length});` +
      ` mean falls per digest ${(mailed.reduce((a, x) => a + x.major + (r.config.alertMinor === 'digest' ? x.minor : 0), 0) / Math.max(1, mailed.length)).toFixed(1).replace('.', ',')}\n`,
  );
}
process.stdout.write(`\n(${Math.round(performance.now() - t0)} ms)\n`);
