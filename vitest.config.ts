import { defineConfig } from 'vitest/config';

/**
 * The time limit of every test and hook in the monorepo. It only tells a hang from slow work: the tests
 * spawn CLIs, start software WebGPU devices and train small networks, and on a shared 2-vCPU machine
 * under load a step that takes one second idle can take minutes. So the limit is generous and the same
 * everywhere; a test that waits on a child process synchronously gives the child `CHILD_LIMIT_MS`, a
 * little less, so the child is killed (and the test says so) before vitest gives up on the test.
 */
export const HANG_MS = 10 * 60_000;
export const CHILD_LIMIT_MS = HANG_MS - 60_000;

export default defineConfig({ test: { testTimeout: HANG_MS, hookTimeout: HANG_MS } });
