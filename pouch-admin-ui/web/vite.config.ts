/// <reference types="vitest/config" />
import { defineConfig } from 'vite';
import preact from '@preact/preset-vite';
import tailwindcss from '@tailwindcss/vite';

// The build lands in the Maven module's classes, so the jar carries it under dev/pouch/admin-ui/,
// where the server's AdminUiRoutes serves it at /.
export default defineConfig({
  plugins: [preact(), tailwindcss()],
  base: '/',
  build: {
    outDir: '../target/classes/dev/pouch/admin-ui',
    emptyOutDir: true,
  },
  server: {
    // `npm run dev` against a local `java -jar pouch.jar` on 8080
    proxy: { '/api': 'http://127.0.0.1:8080', '/v1': 'http://127.0.0.1:8080' },
  },
  test: {
    environment: 'node', // component tests opt into jsdom per file
    include: ['src/**/*.test.ts', 'src/**/*.test.tsx'],
  },
});
