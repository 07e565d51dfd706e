// Runs Zan straight from its TypeScript sources (SWC, with decorator metadata, and the @zan/* path
// aliases): used by `bin/zan.js` when there is no fresh build, and by tests that start real processes.
const Module = require('module');
const path = require('path');
const { transformSync } = require('@swc/core');

const root = path.resolve(__dirname, '..');
// `@zan/<lib>` is libs/<lib>/src, for every folder of libs/ (as in tsconfig.base.json and jest.config.js).
const aliases = /^@zan\/([^/]+)(\/.*)?$/;
const resolve = Module._resolveFilename;
Module._resolveFilename = function (request, parent, ...rest) {
  const match = aliases.exec(request);
  if (match) request = path.join(root, 'libs', match[1], 'src', match[2] ?? '');
  return resolve.call(this, request, parent, ...rest);
};
require.extensions['.ts'] = (module, filename) => {
  const source = require('fs').readFileSync(filename, 'utf8');
  const { code } = transformSync(source, {
    filename,
    sourceMaps: 'inline',
    jsc: {
      parser: { syntax: 'typescript', decorators: true },
      transform: { legacyDecorator: true, decoratorMetadata: true },
      target: 'es2022',
    },
    module: { type: 'commonjs' },
  });
  module._compile(code, filename);
};
