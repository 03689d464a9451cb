/**
 * The CLI loads only the command being run (its file is named after it), so a query does not
 * pay for Chromium, BullMQ and fastify; help loads every command.
 */
import { readdirSync } from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { buildProgram } from '../../src/cli/index.js';

const COMMANDS_DIR = path.resolve(import.meta.dirname, '../../src/cli/commands');
const names = readdirSync(COMMANDS_DIR)
  .filter((f) => f.endsWith('.ts'))
  .map((f) => f.replace(/\.ts$/, ''))
  .sort();

describe('buildProgram', () => {
  it('registers every command, each from the file named after it', async () => {
    const all = await buildProgram();
    expect(all.commands.map((c) => c.name()).sort()).toEqual(names);
    for (const name of names) {
      const one = await buildProgram(name);
      expect(one.commands.map((c) => c.name())).toEqual([name]);
    }
  });

  it('loads every command for help or an unknown word', async () => {
    for (const word of [undefined, '--help', 'help', 'no-such-command']) {
      expect((await buildProgram(word)).commands).toHaveLength(names.length);
    }
  });
});
