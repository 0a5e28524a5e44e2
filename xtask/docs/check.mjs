// Opens the served API reference in headless Chromium (Debian's, driven by
// playwright-core), as a reader would: expands what the page folds, checks
// that every expected text is visible, keeps a full-page screenshot, and
// reports any request that left this machine.
//
//   node check.mjs URL SCREENSHOT.png TEXT...
//
// Exit 0: every TEXT is visible; 1: some are not (they are listed).
import { chromium } from 'playwright-core';

const [url, screenshot, ...expected] = process.argv.slice(2);
const browser = await chromium.launch({
  executablePath: process.env.CHROMIUM || '/usr/bin/chromium',
  args: ['--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run',
    '--disable-background-networking', '--disable-component-update', '--disable-sync'],
});
try {
  const page = await browser.newPage({ viewport: { width: 1280, height: 900 } });
  const external = [];
  // Deployments may be offline: nothing may be fetched from elsewhere.
  await page.route('**/*', (route) => {
    const target = new URL(route.request().url());
    if (['127.0.0.1', 'localhost', '[::1]'].includes(target.hostname) || target.protocol === 'data:') {
      return route.continue();
    }
    external.push(route.request().url());
    return route.abort();
  });
  const errors = [];
  page.on('pageerror', (e) => errors.push(String(e)));
  await page.goto(url, { waitUntil: 'networkidle' });
  // Open the operation's page and unfold what is folded, again until every
  // text shows or 30 s have passed: on a loaded machine the page can still
  // be wiring its handlers when the first click comes.
  const deadline = Date.now() + 30000;
  let missing = expected;
  for (;;) {
    const operation = page.getByText('/dispatcher_logs').first();
    if (await operation.count()) await operation.click({ timeout: 2000 }).catch(() => {});
    await page.waitForLoadState('networkidle');
    for (let round = 0; round < 4; round += 1) {
      const folded = page.locator('button:has-text("Show"), [aria-expanded="false"]');
      const n = await folded.count();
      if (n === 0) break;
      for (let i = 0; i < n; i += 1) await folded.nth(i).click({ timeout: 1000 }).catch(() => {});
    }
    const text = await page.innerText('body');
    missing = expected.filter((e) => !text.includes(e));
    if (missing.length === 0 || Date.now() > deadline) break;
    await page.waitForTimeout(500);
  }
  await page.screenshot({ path: screenshot, fullPage: true });
  console.log(JSON.stringify({ url: page.url(), missing, external, errors }));
  process.exitCode = missing.length ? 1 : 0;
} finally {
  await browser.close();
}
