// Preloaded into an app (NODE_OPTIONS=--require, since --cpu-prof is not allowed there) by
// bench/cpu-per-tip.ts with CPU_PROF=1: samples the process's CPU from SIGUSR2 to exit and writes
// <CPU_PROF_DIR>/<app>-<pid>.cpuprofile (open in Chrome DevTools or speedscope).
const inspector = require('node:inspector');
const { writeFileSync } = require('node:fs');
const { join, basename, dirname } = require('node:path');

const session = new inspector.Session();
session.connect();
session.post('Profiler.enable');
session.post('Profiler.setSamplingInterval', { interval: 500 });
// Started by SIGUSR2 (the probe sends it when its measured window opens), so start-up is left out.
let started = false;
process.on('SIGUSR2', () => {
  if (started) return;
  started = true;
  session.post('Profiler.start');
});
const app = basename(dirname(dirname(process.argv[1] ?? 'node/x/x')));
process.on('exit', () => {
  if (!started) return;
  // The same-thread session answers synchronously, so this works inside 'exit'.
  session.post('Profiler.stop', (error, result) => {
    if (!error) writeFileSync(join(process.env.CPU_PROF_DIR ?? '.', `${app}-${process.pid}.cpuprofile`), JSON.stringify(result.profile));
  });
});

// Round trips: every node-postgres query this process sends after SIGUSR2, by its statement's first
// words, written beside the profile as <app>-<pid>.queries.json.
{
  const counts = new Map();
  const { Client } = require('pg');
  const query = Client.prototype.query;
  Client.prototype.query = function (config, ...rest) {
    if (started) {
      const text = typeof config === 'string' ? config : (config && config.text) || '?';
      const flat = text.replace(/\s+/g, ' ').trim();
      const where = flat.indexOf(' WHERE ');
      const label = `${flat.slice(0, 70)}${where > 70 ? ` ...${flat.slice(where, where + 60)}` : ''}`;
      counts.set(label, (counts.get(label) || 0) + 1);
    }
    return query.call(this, config, ...rest);
  };
  process.on('exit', () => {
    if (started)
      writeFileSync(
        join(process.env.CPU_PROF_DIR ?? '.', `${app}-${process.pid}.queries.json`),
        JSON.stringify(Object.fromEntries([...counts].sort((a, b) => b[1] - a[1])), null, 1),
      );
  });
}
