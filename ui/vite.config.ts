/// <reference types="vitest/config" />
import react from "@vitejs/plugin-react";
import { defineConfig } from "vite";

// The window loads the built files from disk (tauri.conf.json `frontendDist`); no dev server is
// involved in `make run` or the E2E suite.
export default defineConfig({
  plugins: [react()],
  clearScreen: false,
  build: {
    target: "es2022",
    outDir: "dist",
    emptyOutDir: true,
    sourcemap: false,
  },
  test: {
    environment: "jsdom",
    globals: true,
    setupFiles: ["./src/test/setup.ts"],
    // Stylesheets are read as text (?raw) only by the naming test; imports stay empty.
    css: { include: [/\.css\?raw$/] },
  },
});
