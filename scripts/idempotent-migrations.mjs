#!/usr/bin/env node
/**
 * Rewrites the SQL that `drizzle-kit generate` wrote into drizzle/ so that every migration also
 * applies over the portal's production database, which already holds users, hangar_owners,
 * hangar_listings and hangar_bookings:
 *   - CREATE TABLE → CREATE TABLE IF NOT EXISTS, followed by ADD COLUMN IF NOT EXISTS for each
 *     column, so an existing table only gains what it lacks (NOT NULL kept only with a DEFAULT);
 *   - foreign keys are added only when the column has none yet, and NOT VALID, so existing rows
 *     are never checked or rewritten (new rows are);
 *   - CREATE [UNIQUE] INDEX → IF NOT EXISTS; ALTER TABLE … ADD COLUMN → ADD COLUMN IF NOT EXISTS.
 * Which of these statements run on a database whose portal tables this project did not create is
 * decided when they are applied (lib/db/migrate.ts): there, none of them touches a portal table.
 * Nothing is ever dropped. Files already rewritten carry a marker and are left alone.
 */
import { readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';

const MARKER = '-- idempotent: rewritten by scripts/idempotent-migrations.mjs';
const dir = join(process.cwd(), 'drizzle');
const BREAK = '--> statement-breakpoint';

function rewriteCreateTable(stmt) {
  const head = stmt.match(/^CREATE TABLE "([^"]+)" \(/);
  if (!head) return [stmt];
  const table = head[1];
  const out = [stmt.replace('CREATE TABLE "', 'CREATE TABLE IF NOT EXISTS "')];
  for (const line of stmt.split('\n').slice(1)) {
    const col = line.trim().replace(/,$/, '');
    if (!col.startsWith('"') || /PRIMARY KEY/.test(col)) continue;
    let def = col.replace(/ UNIQUE\b.*$/, '');
    if (!/ DEFAULT /.test(def)) def = def.replace(/ NOT NULL/, '');
    out.push(`ALTER TABLE "${table}" ADD COLUMN IF NOT EXISTS ${def};`);
  }
  return out;
}

function rewriteForeignKey(stmt) {
  const m = stmt.match(/^ALTER TABLE "([^"]+)" ADD CONSTRAINT "[^"]+" FOREIGN KEY \("([^"]+)"\)/);
  if (!m) return stmt;
  const [, table, column] = m;
  const add = `${stmt.replace(/;\s*$/, '')} NOT VALID`;
  return [
    'DO $$ BEGIN',
    `  IF NOT EXISTS (SELECT 1 FROM pg_constraint c JOIN pg_attribute a ON a.attrelid = c.conrelid AND a.attnum = ANY (c.conkey)`,
    `                 WHERE c.conrelid = '"public"."${table}"'::regclass AND c.contype = 'f' AND a.attname = '${column}') THEN`,
    `    ${add};`,
    '  END IF;',
    'END $$;',
  ].join('\n');
}

function rewrite(sql) {
  const statements = sql
    .split(BREAK)
    .map((s) => s.trim())
    .filter(Boolean);
  const out = [];
  for (const stmt of statements) {
    if (stmt.startsWith('CREATE TABLE ')) out.push(...rewriteCreateTable(stmt));
    else if (/^ALTER TABLE "[^"]+" ADD CONSTRAINT "[^"]+" FOREIGN KEY/.test(stmt)) out.push(rewriteForeignKey(stmt));
    else if (/^ALTER TABLE "[^"]+" ADD COLUMN "/.test(stmt)) out.push(stmt.replace(' ADD COLUMN "', ' ADD COLUMN IF NOT EXISTS "'));
    else out.push(stmt.replace(/^CREATE (UNIQUE )?INDEX "/, 'CREATE $1INDEX IF NOT EXISTS "'));
  }
  return `${MARKER}\n${out.join(`\n${BREAK}\n`)}\n`;
}

for (const file of readdirSync(dir)
  .filter((f) => f.endsWith('.sql'))
  .sort()) {
  const path = join(dir, file);
  const sql = readFileSync(path, 'utf8');
  if (sql.startsWith(MARKER)) continue;
  writeFileSync(path, rewrite(sql));
  console.log(`made idempotent: drizzle/${file}`);
}
