// Builds the web UI into client/dist (served by the server); `vite` proxies the API to a running Vigil.
// Every build prints the initial JavaScript's gzip size and fails past the budget.
import { gzipSync } from 'node:zlib';
import { defineConfig, type Plugin } from 'vite';
import vue from '@vitejs/plugin-vue';
import { describeInitialSize, initialJavaScript, INITIAL_JS_BUDGET_GZIP_BYTES, type ChunkLike } from './build/initial-size.ts';

const api = process.env.VIGIL_API ?? 'http://localhost:8080';

function initialSizeReport(): Plugin {
  let line = '';
  return {
    name: 'vigil-initial-js-size',
    apply: 'build',
    generateBundle(_options, bundle) {
      const size = initialJavaScript(bundle as unknown as Record<string, ChunkLike>, (code) => gzipSync(code, { level: 9 }).length);
      line = describeInitialSize(size);
      if (size.gzipBytes > INITIAL_JS_BUDGET_GZIP_BYTES) this.error(line);
    },
    // After vite's own size table, where people look for sizes.
    closeBundle: { order: 'post', handler() { if (line) process.stdout.write(`${line}\n`); } },
  };
}

export default defineConfig({
  plugins: [vue(), initialSizeReport()],
  build: {
    outDir: 'dist',
    emptyOutDir: true,
    target: 'es2022',
  },
  server: {
    proxy: {
      '/api': { target: api },
      '/socket.io': { target: api, ws: true },
      '/healthz': { target: api },
      '/readyz': { target: api },
    },
  },
});
