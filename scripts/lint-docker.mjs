// Offline lint of the Dockerfile (dockerfile-utils) once it exists; the compose file check
// is added with the container work. Exits non-zero on any problem.
import { existsSync, readFileSync } from 'node:fs';
import { validate } from 'dockerfile-utils';

let problems = 0;
if (existsSync('Dockerfile')) {
  const diags = validate(readFileSync('Dockerfile', 'utf8'));
  for (const d of diags) {
    console.error(`Dockerfile:${d.range.start.line + 1}: ${d.message}`);
    problems++;
  }
}
if (problems > 0) process.exit(1);
