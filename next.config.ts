import type { NextConfig } from 'next';

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
  experimental: {
    // Next buffers request bodies that pass through middleware up to this size (default 10 MB);
    // our routes accept at most 16 KiB (the Stripe webhook 256 KiB), so hostile bodies stop here.
    proxyClientMaxBodySize: '1mb',
  },
};

export default nextConfig;
