import { defineConfig } from 'vitest/config';
import react from '@vitejs/plugin-react';

// The server serves web/dist with a strict CSP (script-src 'self'), so the build must not
// emit inline scripts; Vite's module-preload polyfill is bundled into the entry chunk.
export default defineConfig({
  plugins: [react()],
  build: {
    outDir: 'dist',
    assetsDir: 'assets',
    sourcemap: false,
    target: 'es2022',
  },
  server: {
    // `npm run dev` talks to a locally running plaza (default port 8080).
    proxy: {
      '/api': process.env.PLAZA_DEV_API ?? 'http://127.0.0.1:8080',
      '/v1': process.env.PLAZA_DEV_API ?? 'http://127.0.0.1:8080',
    },
  },
  test: {
    include: ['src/**/*.test.ts'],
    environment: 'node',
  },
});
