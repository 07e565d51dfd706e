export * from './beijing';
export * from './stats.projection';
export * from './stats.views';
export * from './stats-reads';
