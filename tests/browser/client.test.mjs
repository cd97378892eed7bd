// Browser tests of the client record (issue 16), through the real nginx
// and FastCGI workers in Debian's Chromium, on the demo data: a therapist
// opens /me (with notes to write), follows a caseload link to a client's
// record, writes a session note there and sees it; a coordinator opens
// a closed client's record with its closing summary.  axe-core checks
// /me and the record (with notes); screenshots on a desktop and a phone.
// Prints TAP.
//
//   node tests/browser/client.test.mjs      (after make all browser-deps)

import { join } from 'node:path';
import * as L from './lib.mjs';

const tap = L.createTap();
const stack = L.startStack();
let browser;
const unguard = L.guard(stack, 300, async () => { if (browser) await browser.close(); });

const COORD = { email: 'coordinator@tutti.example', password: 'demo-coordinator-2026' };
const THERA = { email: 'therapist@tutti.example', password: 'demo-therapist-2026' };

async function shot(page, name, fullPage = true) {
  const path = join(L.shotDir(stack), `${name}.png`);
  await page.screenshot({ path, fullPage, timeout: 30000 });
  tap.comment(`screenshot: ${path}`);
}



try {
  browser = await L.launch();
  tap.comment(`Chromium ${browser.version()}; stack at ${stack.BASE}`);

  await tap.step('a therapist prepares from /me and writes a note', async () => {
    const ctx = await L.newContext(browser, stack, L.DESKTOP);
    const page = await ctx.newPage();
    await L.signIn(page, THERA);
    await page.goto('/me');
    tap.check('/me lists notes to write', await page.getByRole('heading', { name: 'Notes to write' }).isVisible());
    tap.check('/me has the sickness form', await page.getByRole('heading', { name: 'Report that you are off sick' }).isVisible());
    await L.checkAxe(tap, page, '/me (therapist, with notes to write)');
    await shot(page, 'client-me-desktop');
    await page.getByRole('link', { name: 'Next week' }).click();
    await page.waitForLoadState('load');
    tap.check('"Next week" moves to another week', new URL(page.url()).searchParams.has('week'));
    await page.goto('/me');

    // A note to write: open the record it links to.
    const due = page.locator('section[aria-labelledby="h-notes-due"] a').first();
    tap.check('there is a note to write in the demo', await due.count() > 0);
    await due.click();
    await page.waitForLoadState('load');
    tap.check('the link opens a client record', /^\/clients\/\d+$/.test(new URL(page.url()).pathname));
    const box = page.locator('form.note-form textarea').first();
    await box.fill('Chose the djembe; long turn-taking passage; calmer by the end.');
    await Promise.all([page.waitForLoadState('load'), page.locator('form.note-form button').first().click()]);
    tap.check('the note is saved and shown',
      (await page.locator('#notes').innerText()).includes('calmer by the end'));
    await L.checkAxe(tap, page, 'the client record (therapist, with notes)');
    await shot(page, 'client-record-therapist-desktop');
    await ctx.close();
  });

  await tap.step('a coordinator follows a closed client from referral to summary', async () => {
    const rid = L.sql(stack, 'select referral_id as id from work_summaries order by referral_id limit 1')[0].id;
    for (const size of [L.DESKTOP, L.PHONE]) {
      const ctx = await L.newContext(browser, stack, size);
      const page = await ctx.newPage();
      await L.signIn(page, COORD);
      await page.goto(`/clients/${rid}`);
      const text = await page.locator('main').innerText();
      tap.check(`the record shows the closing summary (${size.isMobile ? 'phone' : 'desktop'})`, text.includes('What came of it'));
      tap.check('the record shows the sessions and the history', text.includes('Past') && text.includes('Status and history'));
      tap.check('no ISO dates on the page', !/\b20\d\d-\d\d-\d\d\b/.test(text));
      await L.checkAxe(tap, page, `the client record (coordinator, ${size.isMobile ? 'phone' : 'desktop'})`);
      await L.checkNoSideScroll(tap, page, `the client record on a ${size.isMobile ? 'phone' : 'desktop'}`);
      await shot(page, `client-record-coordinator-${size.isMobile ? 'phone' : 'desktop'}`, !size.isMobile);
      await ctx.close();
    }
  });
} catch (e) {
  tap.notOk('the browser tests stopped by an error', String(e && e.stack || e));
} finally {
  await L.finish(tap, stack, unguard, browser);
}
