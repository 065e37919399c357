import { defineConfig } from 'vitest/config'
import { nativeTypeScript } from '../../scripts/vitest/native.mjs'

// Unit tests run against the TypeScript sources of every workspace package (the "source"
// export condition). The end-to-end tests run the built command (dist/cli.js): global-setup
// builds this app first; turbo builds the packages it depends on before `test`.
export default defineConfig({
  // Both environments: vitest runs tests in the SSR environment, whose conditions are separate
  // (without this, imports of workspace packages silently fall back to their possibly stale dist/).
  resolve: { conditions: ['source'] },
  ssr: { resolve: { conditions: ['source'] } },
  test: {
    ...nativeTypeScript, // why: scripts/vitest/native.mjs
    isolate: false, // why: the root vitest.config.ts
    include: ['test/**/*.test.ts'],
    globalSetup: ['test/global-setup.ts'],
    testTimeout: 180_000,
    hookTimeout: 180_000,
  },
})
