/**
 * Runs Zan's relay or projector (ZAN_TEST_APP) with every TCP connection to the Kafka broker
 * (ZAN_TEST_KAFKA_BROKER, host:port) sent to a test's proxy (ZAN_TEST_KAFKA_PROXY) instead. A proxy in
 * KAFKA_BROKERS alone is not enough: the broker's metadata names its advertised address, and kafkajs
 * connects there directly. Production code knows nothing of it.
 */
// The module object itself, to patch connect for every later importer (an import would give a namespace copy).
// eslint-disable-next-line @typescript-eslint/no-require-imports
const net = require('node:net') as typeof import('node:net');

const [broker, proxy, app] = [process.env.ZAN_TEST_KAFKA_BROKER, process.env.ZAN_TEST_KAFKA_PROXY, process.env.ZAN_TEST_APP];
if (!broker || !proxy || (app !== 'relay' && app !== 'projector'))
  throw new Error('set ZAN_TEST_KAFKA_BROKER, ZAN_TEST_KAFKA_PROXY and ZAN_TEST_APP (relay or projector)');
const [proxyHost, proxyPort] = proxy.split(':') as [string, string];
const connect = net.connect;
(net as { connect: unknown }).connect = (...args: unknown[]) => {
  const options = args[0] as { host?: string; port?: number } | undefined;
  if (options && typeof options === 'object' && `${options.host}:${options.port}` === broker)
    args[0] = { ...options, host: proxyHost, port: Number(proxyPort) };
  return (connect as (...a: unknown[]) => unknown).apply(net, args);
};
// Loaded only now, after the patch, and chosen at run time: a require, not a (hoisted, static) import.
// eslint-disable-next-line @typescript-eslint/no-require-imports
require(`../../apps/${app}/src/main`);
