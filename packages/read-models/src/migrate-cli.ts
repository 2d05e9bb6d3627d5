#!/usr/bin/env node
import type { Kysely } from 'kysely';
import { connectReadModels } from './connect.js';
import { ensureLiveGeneration } from './generations.js';
import { migrateToLatest } from './migrate.js';
import { PROJECTION_NAMES } from './projection-tables.js';

// `npm run migrate`: applies the read-model migrations and creates each projection's first generation.
const databaseUrl = process.env.DATABASE_URL;
if (!databaseUrl) {
  process.stderr.write(
    'DATABASE_URL is not set: give the read-model database, e.g. postgres://postgres@127.0.0.1:5432/postgres\n',
  );
  process.exit(2);
}
const db = connectReadModels(databaseUrl, { max: 2 });
try {
  const { results = [] } = await migrateToLatest(db as unknown as Kysely<unknown>);
  for (const result of results) process.stdout.write(`migration ${result.migrationName}: ${result.status}\n`);
  if (results.length === 0) process.stdout.write('read-model schema already up to date\n');
  for (const projection of PROJECTION_NAMES) {
    const live = await ensureLiveGeneration(db, projection);
    process.stdout.write(`projection ${projection}: live generation ${live.version}\n`);
  }
} finally {
  await db.destroy();
}
