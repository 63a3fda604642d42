// Makes sure the Chromium the browser tests drive is installed: Debian's package, through apt-get
// when run as root (as CI does); otherwise says how. Nothing is downloaded from elsewhere.
import { execFileSync } from 'node:child_process';
import { CHROMIUM_HINT, findChromium } from '../test/setup/browser.js';

function apt(args: string[]): boolean {
  try {
    execFileSync('apt-get', args, { stdio: ['ignore', 'ignore', 'inherit'], env: { ...process.env, DEBIAN_FRONTEND: 'noninteractive' } });
    return true;
  } catch {
    return false;
  }
}

let chromium = findChromium();
if (chromium === undefined && process.getuid?.() === 0) {
  console.log('Installing Chromium for the browser tests (apt-get install chromium)...');
  const install = ['install', '-y', '--no-install-recommends', 'chromium'];
  if (!apt(install)) {
    apt(['update']);
    apt(install);
  }
  chromium = findChromium();
}
console.log(chromium === undefined ? `No Chromium for the browser tests. ${CHROMIUM_HINT}` : `Chromium: ${chromium}`);
