// A fault for the crash-window spec: SIGKILLs this process right after the Nth append that stored an event of type
// ZAN_CRASH_AFTER_TYPE committed (its answer never reaches the caller). Loaded with --require.
require('./register-ts.js');
const type = process.env.ZAN_CRASH_AFTER_TYPE;
if (type) {
  const { SqlEventStore } = require('../../libs/event-store/src/sql/sql-event-store.ts');
  let nth = Number(process.env.ZAN_CRASH_AFTER_NTH ?? '1');
  const append = SqlEventStore.prototype.append;
  SqlEventStore.prototype.append = async function (streamId, events, expected, options) {
    const result = await append.call(this, streamId, events, expected, options);
    if (events.some((event) => event.type === type) && --nth === 0) {
      process.stderr.write(`crash-after-append: SIGKILL after ${type} on ${streamId}\n`);
      process.kill(process.pid, 'SIGKILL');
      await new Promise(() => undefined);
    }
    return result;
  };
}
