/** The Chromium the tests use (web-test-runner.config.mjs), with the same flags. */
// @ts-expect-error plain ESM config module without types
import { baseChromiumArgs } from '../../web-test-runner.config.mjs';

export const CHROMIUM_PATH: string = process.env.CHROMIUM_PATH ?? '/usr/bin/chromium';
export const CHROMIUM_ARGS: string[] = baseChromiumArgs as string[];
