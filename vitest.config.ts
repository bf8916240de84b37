import { defineConfig } from "vitest/config";

export default defineConfig({
  test: {
    include: ["test/**/*.test.ts"],
    globalSetup: ["test/helpers/buildOnce.ts"],
    testTimeout: 60_000,
    // Most tests wait on a compiler or simulator they spawned: two files at a time keep both cores of a 2-core CI
    // machine busy (vitest's default, cores - 1, runs one file at a time there).
    maxWorkers: 2,
    hookTimeout: 120_000,
  },
});
