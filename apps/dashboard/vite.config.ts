// Vite builds the page into dist/, which the shop's server serves at `/`; everything is bundled (no CDN).
import { defineConfig } from 'vite';

export default defineConfig({
  root: import.meta.dirname,
  // Preact's JSX through esbuild: no Babel preset needed
  esbuild: { jsx: 'automatic', jsxImportSource: 'preact' },
  build: { outDir: 'dist', emptyOutDir: true, target: 'es2022', reportCompressedSize: true },
  server: { proxy: { '/api': 'http://127.0.0.1:3000', '/metrics': 'http://127.0.0.1:3000' } },
});
