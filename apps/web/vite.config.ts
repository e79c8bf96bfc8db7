/// <reference types="vitest/config" />
import react from '@vitejs/plugin-react';
import { fileURLToPath } from 'node:url';
import { defaultClientConditions, defineConfig } from 'vite';
import { bundleReportPlugin } from './build/bundle-report-plugin.js';

// In development the API runs on its own port; production serves this build from the API itself.
const apiTarget = process.env.PADDOCK_API_URL ?? 'http://127.0.0.1:3000';

export default defineConfig({
  plugins: [
    react(),
    // Builds only: per-route gzip sizes for bench/, and a failed build when the wall screen outgrows its budget.
    bundleReportPlugin({
      reportFile: fileURLToPath(new URL('../../bench/results/bundle-sizes.json', import.meta.url)),
    }),
  ],
  resolve: {
    // Workspace packages resolve to their TypeScript sources, so contract changes need no rebuild.
    conditions: ['@paddock/source', ...defaultClientConditions],
  },
  server: {
    host: '127.0.0.1',
    port: 5173,
    strictPort: true,
    proxy: {
      '/api': { target: apiTarget, changeOrigin: false },
      '/healthz': { target: apiTarget },
      '/readyz': { target: apiTarget },
      '/live': { target: apiTarget, ws: true },
      '/agent': { target: apiTarget, ws: true },
    },
  },
  build: {
    outDir: 'dist',
    emptyOutDir: true,
    sourcemap: true,
    // dist/.vite/manifest.json: which chunks each page loads (build/route-bundles.ts reads it)
    manifest: true,
    rolldownOptions: {
      output: {
        // Every library is needed on first paint anyway; one long-cached vendor chunk beats fragments named after
        // whichever page happened to import them first. Pages stay in their own chunks.
        codeSplitting: { groups: [{ name: 'vendor', test: /node_modules/ }] },
      },
    },
  },
  test: {
    name: 'web',
    environment: 'jsdom',
    include: ['src/**/*.test.{ts,tsx}'],
    setupFiles: ['src/test-setup.ts'],
    restoreMocks: true,
    // Rendering whole pages in jsdom takes seconds on a busy two-core machine; 5 s was too tight.
    testTimeout: 20_000,
    unstubGlobals: true,
  },
});
