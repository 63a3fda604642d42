// Where the browser tests find Chromium: CHROMIUM_PATH, else a Chromium or Chrome on PATH (Debian's `chromium`).
import { existsSync } from 'node:fs';
import { delimiter, join } from 'node:path';

const NAMES = ['chromium', 'chromium-browser', 'google-chrome', 'google-chrome-stable'];

/** The Chromium executable, or undefined when none is installed. */
export function findChromium(env: NodeJS.ProcessEnv = process.env): string | undefined {
  const given = env['CHROMIUM_PATH'];
  if (given !== undefined && given !== '') {
    return given;
  }
  for (const dir of (env['PATH'] ?? '').split(delimiter)) {
    for (const name of NAMES) {
      const candidate = join(dir, name);
      if (existsSync(candidate)) {
        return candidate;
      }
    }
  }
  return undefined;
}

/** What to do when no Chromium is found. */
export const CHROMIUM_HINT = "Install Debian's Chromium (as root: apt-get install chromium; npm run setup does it when run as root), or set CHROMIUM_PATH.";
