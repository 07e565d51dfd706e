export * from './zan.config';
export * from './clock';
export * from './platform.module';
