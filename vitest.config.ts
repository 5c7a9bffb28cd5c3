import { defineConfig } from "vitest/config";

export default defineConfig({
  test: {
    include: ["test/**/*.test.ts"],
    testTimeout: 60_000,
    hookTimeout: 120_000,
    // Tests start real sshd, docker and registries; two cores run them best a few at a time.
    maxWorkers: 2,
    // removes the sshd key folders the workers leave behind (test/helpers/sshd.ts)
    globalSetup: ["test/global-setup.ts"],
  },
});
