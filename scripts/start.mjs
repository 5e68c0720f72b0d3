#!/usr/bin/env node
/**
 * `npm start`: builds when the build is missing or older than the sources, makes sure a
 * JWT_SECRET exists (a random one kept in .data/jwt-secret for local use when unset), then serves
 * on PORT (3000) with server.ts (Next + the Node stream transport), or with plain `next start` when
 * WS_TRANSPORT=route. Migrations and the demo seed run inside the server at boot.
 */
import { spawn, spawnSync } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { existsSync, mkdirSync, readFileSync, readdirSync, statSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';

const root = process.cwd();
const nextBin = join(root, 'node_modules', 'next', 'dist', 'bin', 'next');

function newestMtime(path) {
  if (!existsSync(path)) return 0;
  const st = statSync(path);
  if (!st.isDirectory()) return st.mtimeMs;
  return readdirSync(path).reduce((max, f) => Math.max(max, newestMtime(join(path, f))), st.mtimeMs);
}

function needsBuild() {
  const buildId = join(root, process.env.NEXT_DIST_DIR || '.next', 'BUILD_ID');
  if (!existsSync(buildId)) return true;
  const sources = ['app', 'lib', 'instrumentation.ts', 'next.config.ts', 'package.json'];
  // server.ts is not part of the Next build: it is loaded with tsx at start.
  return Math.max(...sources.map((s) => newestMtime(join(root, s)))) > statSync(buildId).mtimeMs;
}

function ensureSecret() {
  if (process.env.JWT_SECRET) return;
  if (process.env.NODE_ENV === 'production') {
    console.error('JWT_SECRET must be set when NODE_ENV=production (at least 32 random bytes). Refusing to start.');
    process.exit(1);
  }
  const file = join(root, '.data', 'jwt-secret');
  if (!existsSync(file)) {
    mkdirSync(join(root, '.data'), { recursive: true });
    writeFileSync(file, randomBytes(32).toString('hex'), { mode: 0o600 });
  }
  process.env.JWT_SECRET = readFileSync(file, 'utf8').trim();
  console.log('JWT_SECRET not set: using the local development secret in .data/jwt-secret (set JWT_SECRET in production).');
}

ensureSecret();
if (needsBuild()) {
  console.log('Building (next build)…');
  const r = spawnSync(process.execPath, [nextBin, 'build'], { stdio: 'inherit', env: process.env });
  if (r.status !== 0) process.exit(r.status ?? 1);
}
if (process.argv.includes('--build-only')) process.exit(0);
const port = process.env.PORT ?? '3000';
// The Node transport (server.ts) by default; WS_TRANSPORT=route serves /api/ws from the route handler.
const args = process.env.WS_TRANSPORT === 'route' ? [nextBin, 'start', '-p', port] : ['--import', 'tsx', join(root, 'server.ts')];
// NEXT_MANUAL_SIG_HANDLE: `next start` would otherwise exit on SIGTERM before the runtime's drain (lib/runtime.ts) ran.
const child = spawn(process.execPath, args, { stdio: 'inherit', env: { ...process.env, PORT: port, NODE_ENV: 'production', NEXT_MANUAL_SIG_HANDLE: '1' } });
for (const sig of ['SIGINT', 'SIGTERM']) process.on(sig, () => child.kill(sig));
child.on('exit', (code, signal) => process.exit(code ?? (signal ? 0 : 1)));
