/** ESM throughout (the CQL translator, @cqframework/cql, ships only ESM), so Jest runs in its ESM mode. */
export default {
  testEnvironment: 'node',
  // nock's interceptors touch globals after Jest's soft cleanup; the warning says nothing about our code.
  testEnvironmentOptions: { globalsCleanup: 'off' },
  extensionsToTreatAsEsm: ['.ts'],
  moduleNameMapper: {
    // TypeScript sources import './x.js'; Jest must find './x.ts'. cql-exec-fhir's './model.xml.js' stays as is.
    '^(\\.{1,2}/.*)(?<!\\.xml)\\.js$': '$1',
  },
  transform: { '^.+\\.ts$': ['ts-jest', { useESM: true, tsconfig: 'tsconfig.test.json' }] },
  testMatch: ['<rootDir>/test/**/*.test.ts'],
  // Stops any run, one file included, on ELM that is not that of cql-mappings/: run `npm run build` first.
  globalSetup: '<rootDir>/test/global-setup.mjs',
  testTimeout: 20000,
};
