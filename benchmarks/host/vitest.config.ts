import { defineConfig } from 'vitest/config'
import { nativeTypeScript } from '../../scripts/vitest/native.mjs'

// Tests run against the TypeScript sources of every workspace package (the "source" export
// condition), so a change is tested without a rebuild; the published build uses dist/.
// Vitest runs tests in Vite's SSR environment, whose resolver takes its own conditions.
export default defineConfig({
  resolve: { conditions: ['source'] },
  ssr: { resolve: { conditions: ['source'] } },
  test: {
    ...nativeTypeScript, // why: scripts/vitest/native.mjs
    isolate: false, // why: the root vitest.config.ts
    include: ['test/**/*.test.ts'],
    testTimeout: 120_000,
    hookTimeout: 120_000,
  },
})
