export * from './money';
export * from './streams';
export * from './events';
export * from './envelope';
export * from './upcasters';
export * from './schemas';
export * from './time';
export * from './text';
