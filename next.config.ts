import type { NextConfig } from 'next';
import { PHASE_DEVELOPMENT_SERVER } from 'next/constants';
import { securityHeaders } from './lib/security-headers';

const nextConfig: NextConfig = {
  // PGlite loads its .wasm/.data files from node_modules; postgres.js keeps its own sockets.
  serverExternalPackages: ['@electric-sql/pglite', 'postgres', 'prom-client'],
  poweredByHeader: false,
  // A separate build directory lets the end-to-end suite build without touching `.next`.
  distDir: process.env.NEXT_DIST_DIR || '.next',
  // `NEXT_OUTPUT=standalone npm run build`: a self-contained server for container images
  // (`node <distDir>/standalone/server.js`, the route transport); see README "Deploying".
  output: process.env.NEXT_OUTPUT === 'standalone' ? 'standalone' : undefined,
  // Route handlers stream SSE; compression would hold small frames back.
  compress: false,
  turbopack: { root: import.meta.dirname },
};

/**
 * The security headers of every answer but `/api/ws*`, whose routes set the same headers
 * themselves (its Node transport answers outside Next). Static headers need no middleware: a
 * middleware runs Next's request adapter on every request (≈ 4 % of the server's CPU per write).
 * They are fixed at build time, so the phase (not NODE_ENV, which a test runner sets) says
 * whether this is `next dev`.
 */
export default function config(phase: string): NextConfig {
  const headers = Object.entries(securityHeaders(phase === PHASE_DEVELOPMENT_SERVER)).map(([key, value]) => ({ key, value }));
  return { ...nextConfig, headers: () => [{ source: '/((?!api/ws).*)', headers }] };
}
