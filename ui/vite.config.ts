import { svelte } from '@sveltejs/vite-plugin-svelte';
import { defineConfig } from 'vitest/config';

// Tauri loads the dev server from a fixed port (src-tauri's `devUrl`) and the
// production bundle from `ui/dist` (`frontendDist`).
export default defineConfig(({ mode }) => ({
  plugins: [svelte()],
  clearScreen: false,
  server: {
    port: 1420,
    strictPort: true,
  },
  envPrefix: ['VITE_', 'TAURI_ENV_'],
  build: {
    outDir: 'dist',
    emptyOutDir: true,
    // WebView2 (Chromium) on Windows, WebKitGTK on Linux, WKWebView on macOS 12+.
    target: ['es2021', 'safari15'],
    sourcemap: mode === 'development',
    // Two pages (paths relative to the root, ui/): the main window and the quick switcher,
    // which is its own small window.
    rollupOptions: {
      input: { main: 'index.html', switcher: 'switcher.html' },
    },
  },
  // Component tests run in jsdom; Svelte 5 must resolve its browser (client) build there.
  resolve: mode === 'test' ? { conditions: ['browser'] } : {},
  test: {
    environment: 'jsdom',
    include: ['src/**/*.test.ts'],
    restoreMocks: true,
    setupFiles: ['src/test/setup.ts'],
  },
}));
