import { defineConfig } from 'vitest/config';

export default defineConfig({
  test: {
    include: ['test/**/*.test.ts'],
    testTimeout: 120_000,
    hookTimeout: 120_000,
    // 2-core CI machine: tfjs kernels are CPU-heavy, so two workers at most.
    maxWorkers: 2,
  },
});
