export * from './stages';
export * from './types';
export * from './errors';
export * from './contract';
export * from './client';
