// First import of main.ts: tracing must hook into http, pg and ioredis before they load.
import { startTracing } from '@zan/platform/tracing';

startTracing('zan-relay');
