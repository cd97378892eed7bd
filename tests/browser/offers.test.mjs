// Browser tests of people acting for themselves (issue 18), through the
// real nginx and FastCGI workers in Debian's Chromium, on the demo data:
// axe-core on /my and on /offer (the demo's open offer), on a phone and
// a desktop; a keyboard-only path through "I cannot come" on /my; the
// offer accepted with the keyboard; screenshots of each.  Prints TAP.
//
//   node tests/browser/offers.test.mjs      (after make all browser-deps)

import { execFileSync } from 'node:child_process';
import { join } from 'node:path';
import * as L from './lib.mjs';

const tap = L.createTap();
const stack = L.startStack();
let browser;
const unguard = L.guard(stack, 300, async () => { if (browser) await browser.close(); });
const B = process.env.B || 'build';

function sql(q) {
  return execFileSync('sqlite3', ['-cmd', '.timeout 5000', stack.TUTTI_DB, q],
    { encoding: 'utf8' }).trim();
}
function ctl(...args) {
  return execFileSync(join(L.ROOT, B, 'tuttictl'), args, {
    encoding: 'utf8', env: { ...process.env, TUTTI_DB: stack.TUTTI_DB, TUTTI_BASE_URL: stack.BASE },
  }).trim();
}
async function shot(page, name) {
  const path = join(L.shotDir(stack), `${name}.png`);
  await page.screenshot({ path, fullPage: true, timeout: L.SHOT_MS });
  tap.comment(`screenshot: ${path}`);
}
// Presses Tab until the focused element's text starts with label (at
// most limit times); true when found.
async function tabTo(page, label, limit = 80) {
  for (let i = 0; i < limit; i++) {
    await page.keyboard.press('Tab');
    const t = await page.evaluate(() => (document.activeElement && document.activeElement.innerText || '').trim());
    if (t.startsWith(label)) return true;
  }
  return false;
}

try {
  browser = await L.launch();
  tap.comment(`Chromium ${browser.version()}; stack at ${stack.BASE}`);
  // A client with a session still to come, more than two days ahead.
  const rid = sql(`SELECT c.referral_id FROM occurrences o JOIN series s ON s.id = o.series_id
    JOIN clients c ON c.id = s.client_id WHERE o.state = 'booked'
    AND o.start_utc > strftime('%s', 'now') + 2 * 86400 ORDER BY o.start_utc LIMIT 1`);
  const my = new URL(ctl('my-link', rid));
  // The demo's open offer.
  const offerId = sql(`SELECT id FROM offers WHERE status = 'sent' ORDER BY id LIMIT 1`);
  const offer = new URL(ctl('offers', 'link', offerId));

  for (const size of [L.DESKTOP, L.PHONE]) {
    const kind = size.isMobile ? 'phone' : 'desktop';
    await tap.step(`/my and /offer are axe-clean on a ${kind}`, async () => {
      const ctx = await L.newContext(browser, stack, size);
      const page = await ctx.newPage();
      await page.goto(my.pathname + my.search);
      tap.check(`/my greets the person (${kind})`, await page.getByRole('heading', { level: 1 }).isVisible());
      await L.checkAxe(tap, page, `/my (${kind})`);
      await shot(page, `my-${kind}`);
      await page.goto(offer.pathname + offer.search);
      tap.check(`/offer shows the place (${kind})`, await page.getByRole('heading', { name: 'A music therapy place for you' }).isVisible());
      tap.check(`/offer offers yes (${kind})`, await page.getByRole('button', { name: 'Yes, I want this place' }).isVisible());
      await L.checkAxe(tap, page, `/offer (${kind})`);
      await shot(page, `offer-${kind}`);
      await ctx.close();
    });
  }

  await tap.step('"I cannot come" with the keyboard only, no JavaScript', async () => {
    const ctx = await L.newContext(browser, stack, L.DESKTOP, { noJs: true });
    const page = await ctx.newPage();
    await page.goto(my.pathname + my.search);
    tap.check('Tab reaches an "I cannot come" button', await tabTo(page, 'I cannot come'));
    await Promise.all([page.waitForURL(/done=/), page.keyboard.press('Enter')]);
    tap.check('the page thanks them and says it is cancelled',
      (await page.locator('main').innerText()).includes('That session is cancelled'));
    tap.check('the session is cancelled by the client',
      sql(`SELECT count(*) FROM self_cancels WHERE referral_id = ${rid}`) === '1');
    await ctx.close();
  });

  await tap.step('an offer accepted with the keyboard only', async () => {
    const ctx = await L.newContext(browser, stack, L.PHONE, { noJs: true });
    const page = await ctx.newPage();
    await page.goto(offer.pathname + offer.search);
    tap.check('Tab reaches "Yes, I want this place"', await tabTo(page, 'Yes, I want this place'));
    await Promise.all([page.waitForLoadState('load'), page.keyboard.press('Enter')]);
    await page.waitForURL(/\/offer\?t=/);
    const text = await page.locator('main').innerText();
    tap.check('the page says the place is theirs', text.includes('This place is yours'));
    tap.check('no ISO dates on the page', !/\b20\d\d-\d\d-\d\d\b/.test(text));
    await shot(page, 'offer-accepted-phone');
    await ctx.close();
  });
} catch (e) {
  tap.notOk('the browser tests stopped by an error', String(e && e.stack || e));
} finally {
  await L.finish(tap, stack, unguard, browser);
}
