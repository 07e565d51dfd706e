#!/usr/bin/env node
// `npx zan ...`: runs the CLI from the build (dist/) when it is at least as new as the sources,
// else straight from the TypeScript sources through the SWC hook (no build step needed).
const fs = require('fs');
const path = require('path');

const root = path.resolve(__dirname, '..');
const compiled = path.join(root, 'dist', 'apps', 'cli', 'src', 'main.js');

const newestSource = (dir) => {
  let newest = 0;
  for (const entry of fs.readdirSync(dir, { withFileTypes: true })) {
    const full = path.join(dir, entry.name);
    if (entry.isDirectory()) newest = Math.max(newest, newestSource(full));
    else if (entry.name.endsWith('.ts')) newest = Math.max(newest, fs.statSync(full).mtimeMs);
  }
  return newest;
};

const buildIsFresh = () => {
  if (process.env.ZAN_CLI_FROM_SOURCE === '1' || !fs.existsSync(compiled)) return false;
  const built = fs.statSync(compiled).mtimeMs;
  const sources = [path.join(root, 'apps', 'cli', 'src'), ...fs.readdirSync(path.join(root, 'libs')).map((lib) => path.join(root, 'libs', lib, 'src'))];
  return sources.every((dir) => !fs.existsSync(dir) || newestSource(dir) <= built);
};

if (buildIsFresh()) {
  require(compiled);
} else {
  require(path.join(root, 'infra', 'register-ts.js'));
  require(path.join(root, 'apps', 'cli', 'src', 'main.ts'));
}
