/**
 * Next's own per-stream floor: a throwaway Next app (written into bench/out/, never into app/)
 * whose only stream route holds a `ReadableStream` after writing `retry:` and a `connected` frame,
 * with no hub, no database and no auth. The route transport's heap per stream minus this one's is
 * what our code adds on top of Next's request pipeline.
 */
import { spawnSync } from 'node:child_process';
import { existsSync, mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { root } from './targets';

const FILES: Record<string, string> = {
  'next.config.mjs': `export default { poweredByHeader: false, compress: false, turbopack: { root: ${JSON.stringify(root)} } };\n`,
  'app/layout.js': `import { createElement } from 'react';
export default function RootLayout({ children }) {
  return createElement('html', { lang: 'en' }, createElement('body', null, children));
}
`,
  'app/page.js': `export default function Page() { return 'empty route bench'; }\n`,
  'app/api/health/route.js': `export const dynamic = 'force-dynamic';
export function GET() { return Response.json({ ok: true }); }
`,
  'app/api/hold/route.js': `export const dynamic = 'force-dynamic';
const encoder = new TextEncoder();
export function GET(req) {
  const ownerId = new URL(req.url).searchParams.get('ownerId') ?? '0';
  const stream = new ReadableStream({
    start(c) {
      c.enqueue(encoder.encode('retry: 3000\\n\\n'));
      c.enqueue(encoder.encode('id: 0\\nevent: connected\\ndata: {"type":"connected","ownerId":"' + ownerId + '"}\\n\\n'));
    },
    cancel() {},
  });
  return new Response(stream, { headers: { 'Content-Type': 'text/event-stream; charset=utf-8', 'Cache-Control': 'no-cache, no-transform' } });
}
`,
};

/** Writes and builds the empty-route app under `outDir` (once); returns its directory. */
export function buildEmptyRouteApp(outDir: string): string {
  const dir = join(outDir, 'empty-route-app');
  if (existsSync(join(dir, '.next', 'BUILD_ID'))) return dir;
  for (const [file, text] of Object.entries(FILES)) {
    mkdirSync(join(dir, file, '..'), { recursive: true });
    writeFileSync(join(dir, file), text);
  }
  const r = spawnSync(process.execPath, [join(root, 'node_modules', 'next', 'dist', 'bin', 'next'), 'build', dir], {
    cwd: root,
    env: { ...process.env, NEXT_TELEMETRY_DISABLED: '1', NEXT_DIST_DIR: '' },
    stdio: ['ignore', 'inherit', 'inherit'],
  });
  if (r.status !== 0) throw new Error('next build of the empty-route app failed');
  return dir;
}
