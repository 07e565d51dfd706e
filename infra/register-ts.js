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
const SWC_OPTIONS = {
  sourceMaps: 'inline',
  jsc: {
    parser: { syntax: 'typescript', decorators: true },
    transform: { legacyDecorator: true, decoratorMetadata: true },
    target: 'es2022',
  },
  module: { type: 'commonjs' },
};

// Transpiled modules are kept in .cache/register-ts (git ignores it), named by a hash of the compiler's
// version, its options, the file's path and its source: every process the tests and the CLI start
// compiles only what changed, instead of all of Zan's modules again (about 0.3 s of CPU an api). A file is
// written under a name of its own and renamed into place, so processes starting together never read
// half of one. ZAN_TS_CACHE=0 turns it off.
const crypto = require('crypto');
const fs = require('fs');
const cacheDir = process.env.ZAN_TS_CACHE === '0' ? undefined : path.join(root, '.cache', 'register-ts');
const salt = `${require('@swc/core/package.json').version}\0${JSON.stringify(SWC_OPTIONS)}\0`;

const compile = (source, filename) => transformSync(source, { ...SWC_OPTIONS, filename }).code;

const transpiled = (source, filename) => {
  if (cacheDir === undefined) return compile(source, filename);
  const key = crypto.createHash('sha256').update(salt).update(filename).update('\0').update(source).digest('hex');
  const file = path.join(cacheDir, key.slice(0, 2), `${key}.js`);
  try {
    return fs.readFileSync(file, 'utf8');
  } catch {
    // Not compiled yet.
  }
  const code = compile(source, filename);
  try {
    fs.mkdirSync(path.dirname(file), { recursive: true });
    const partial = `${file}.${process.pid}.${crypto.randomBytes(4).toString('hex')}`;
    fs.writeFileSync(partial, code);
    fs.renameSync(partial, file);
  } catch {
    // A read-only checkout: compile every time, as without the cache.
  }
  return code;
};

require.extensions['.ts'] = (module, filename) => {
  module._compile(transpiled(fs.readFileSync(filename, 'utf8'), filename), filename);
};
