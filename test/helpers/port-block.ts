/**
 * Host ports of integration tests: 48000-51999, well away from the product's default
 * 47100-47299 and the e2e servers' 47600-47699, in 25 blocks of 160. The global
 * setup picks one block per run (one that is free when the run starts) and hands
 * it to the workers in SLICEDECK_TEST_PORT_BASE; each worker takes 40 ports of it.
 */
export const PORT_BLOCKS_FROM = 48_000;
export const PORT_BLOCK = 160;
export const PORT_BLOCKS = 25;
export const PORT_BLOCK_BASE_ENV = 'SLICEDECK_TEST_PORT_BASE';
