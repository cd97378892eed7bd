// Browser test of the Easy Read self-referral (/refer/easy, issue 19),
// through the real nginx and FastCGI workers, in Debian's Chromium, on a
// phone, by keyboard only: Tab to each box or button, type, Space to
// tick, Enter to press.  The whole path, back and forth, ends in a stored
// referral.  axe-core on every Easy Read page, on /refer/someone and on
// its error state.  Prints TAP.
//
//   node tests/browser/easy.test.mjs      (after make all browser-deps)
//
// KEEP=1 keeps the stack's state folder (database, logs, screenshots);
// SHOT_DIR=DIR puts the screenshots there instead.

import * as L from './lib.mjs';

const tap = L.createTap();
const stack = L.startStack();
let browser;
const unguard = L.guard(stack, 300, async () => { if (browser) await browser.close(); });

function shot(page, name) {
  return L.shot(tap, stack, page, name,
    process.env.SHOT_DIR || process.env.KEEP ? '' : ' (kept on failure or with KEEP=1)');
}

// What has the keyboard focus: its id, or its text for a button or link.
function focused(page) {
  return page.evaluate(() => {
    const e = document.activeElement;
    if (!e) return '';
    if (e.id) return `#${e.id}`;
    return (e.textContent || '').trim();
  });
}

// Presses Tab until want (an "#id", or a button's or link's text) has
// the focus; throws when it never does.
async function tabTo(page, want) {
  for (let i = 0; i < 60; i++) {
    await page.keyboard.press('Tab');
    if ((await focused(page)) === want) return;
  }
  const seen = [];
  for (let i = 0; i < 25; i++) { await page.keyboard.press('Tab'); seen.push(await focused(page)); }
  throw new Error(`Tab never reached ${want}: ${seen.join(' | ')}`);
}

// Presses Enter on the focused button and waits for the page it posts
// to; returns the answer's status.
async function enter(page) {
  const posted = page.waitForResponse((r) => r.request().method() === 'POST' &&
    new URL(r.url()).pathname.startsWith('/refer'));
  await page.evaluate(() => { window.easyOld = true; });
  await page.keyboard.press('Enter');
  const resp = await posted;
  // The address stays /refer/easy: wait until the old page is gone.
  await page.waitForFunction(() => !window.easyOld && document.readyState === 'complete');
  return resp.status();
}

// Tabs to a button by its text and presses it.
async function press(page, text) {
  await tabTo(page, text);
  return enter(page);
}

// Tabs to a box and types into it (after emptying it).
async function type(page, id, text) {
  await tabTo(page, `#${id}`);
  await page.keyboard.press('Control+A');
  await page.keyboard.press('Delete');
  await page.keyboard.type(text);
}

// Tabs to a check box or radio and ticks it with Space.
async function tick(page, id) {
  await tabTo(page, `#${id}`);
  await page.keyboard.press('Space');
}

async function h1(page) {
  return (await page.locator('h1').allInnerTexts()).map((s) => s.trim());
}

async function progress(page) {
  const p = page.locator('.easy-progress');
  return (await p.count()) > 0 ? (await p.innerText()).trim() : '';
}

// The checks every Easy Read page gets: one h1, its picture has a name,
// a Back control, axe, a screenshot at phone width.
async function pageChecks(page, name, desc) {
  const heads = await h1(page);
  tap.check(`${desc}: one h1 (${heads.join(' | ')})`, heads.length === 1);
  const pic = page.locator('svg.easy-pic');
  if ((await pic.count()) > 0) {
    const alt = await page.getByRole('img').first().getAttribute('aria-labelledby');
    const title = alt ? (await page.locator(`#${alt}`).textContent()) : '';
    tap.check(`${desc}: the picture has alt text ("${title}")`, title.length > 3);
  }
  tap.check(`${desc}: a Back button or link`,
    (await page.getByRole('button', { name: 'Back', exact: true }).count()) +
    (await page.getByRole('link', { name: 'Back', exact: true }).count()) === 1);
  const [sw, w] = await page.evaluate(() => [document.documentElement.scrollWidth, window.innerWidth]);
  tap.check(`${desc}: no sideways scrolling (${sw} <= ${w} px)`, sw <= w);
  await L.checkAxe(tap, page, desc);
  await shot(page, name);
}

try {
  browser = await L.launch();
  tap.comment(`Chromium ${browser.version()} at ${L.CHROMIUM}; stack at ${stack.BASE}`);
  const ctx = await L.newContext(browser, stack, L.PHONE);
  const page = await ctx.newPage();

  await tap.step('the home page links to the Easy Read form', async () => {
    await page.goto('/');
    const link = page.getByRole('link', { name: 'Easy Read: a simpler form with pictures' });
    tap.check('the link is there', (await link.count()) === 1);
    await tabTo(page, 'Easy Read: a simpler form with pictures');
    await Promise.all([page.waitForURL('**/refer/easy'), page.keyboard.press('Enter')]);
    tap.check('Enter on it opens /refer/easy', new URL(page.url()).pathname === '/refer/easy');
  });

  await tap.step('the whole path by keyboard, back and forth', async () => {
    await pageChecks(page, 'easy-00-start', 'the first page');
    let st = await press(page, 'Start');
    tap.check('Start: question 1 of 9', st === 200 && (await progress(page)) === 'Question 1 of 9');

    // Question 1, first with a mistake.
    st = await press(page, 'Next');
    tap.check('Next with no name: 422', st === 422);
    const summary = page.locator('.error-summary');
    tap.check('the error summary says what to do in plain words',
      (await summary.innerText()).includes('Enter your first name'));
    tap.check('and the message is by the box',
      (await page.locator('#given_name-error').innerText()).includes('Enter your first name'));
    await pageChecks(page, 'easy-01-name-error', 'question 1 with an error');
    await type(page, 'given_name', 'Jo');
    await type(page, 'family_name', 'Bloggs');
    await pageChecks(page, 'easy-01-name', 'question 1');
    st = await press(page, 'Next');
    tap.check('question 2 of 9', st === 200 && (await progress(page)) === 'Question 2 of 9');
    tap.check('the question is the label of the box',
      (await page.getByLabel('When were you born?', { exact: true }).count()) === 1);
    await type(page, 'date_of_birth', '3 7 1990');
    await pageChecks(page, 'easy-02-born', 'question 2');
    await press(page, 'Next');

    // Question 3, then back to 2 and forward again.
    tap.check('question 3 of 9', (await progress(page)) === 'Question 3 of 9');
    await type(page, 'postcode', 'm1 1ae');
    await pageChecks(page, 'easy-03-home', 'question 3');
    await press(page, 'Back');
    tap.check('Back: question 2 again', (await progress(page)) === 'Question 2 of 9');
    tap.equal('with the date kept', await page.locator('#date_of_birth').inputValue(), '3 7 1990');
    await press(page, 'Next');
    tap.equal('Next: question 3, the postcode kept', await page.locator('#postcode').inputValue(), 'm1 1ae');
    await press(page, 'Next');

    tap.check('question 4 of 9', (await progress(page)) === 'Question 4 of 9');
    await type(page, 'email', 'jo.bloggs@example.org');
    await pageChecks(page, 'easy-04-contact', 'question 4');
    await press(page, 'Next');

    tap.check('question 5 of 9', (await progress(page)) === 'Question 5 of 9');
    await tick(page, 'needs-learning_difficulties');
    await tick(page, 'needs-autism');
    await pageChecks(page, 'easy-05-needs', 'question 5');
    await press(page, 'Next');

    tap.check('question 6 of 9', (await progress(page)) === 'Question 6 of 9');
    await type(page, 'about', 'I want to feel calm. I like music.');
    await pageChecks(page, 'easy-06-about', 'question 6');
    await press(page, 'Next');

    tap.check('question 7 of 9', (await progress(page)) === 'Question 7 of 9');
    await tick(page, 'when-weekday_am');
    await pageChecks(page, 'easy-07-when', 'question 7');
    await press(page, 'Next');

    tap.check('question 8 of 9', (await progress(page)) === 'Question 8 of 9');
    // A radio group: Tab reaches the first, an arrow moves and picks.
    await tabTo(page, '#session_type-individual');
    await page.keyboard.press('Space');
    await page.keyboard.press('ArrowDown');
    tap.check('the arrow picks "In a small group"',
      await page.getByRole('radio', { name: 'In a small group' }).isChecked());
    await pageChecks(page, 'easy-08-kind', 'question 8');
    await press(page, 'Next');

    tap.check('question 9 of 9', (await progress(page)) === 'Question 9 of 9');
    await tick(page, 'consent_data');
    await tick(page, 'consent_contact');
    await pageChecks(page, 'easy-09-agree', 'question 9');
    await press(page, 'Next');

    // The check page, a change, and Send.
    tap.equal('the check page', await h1(page), ['Check your answers']);
    const answers = await page.locator('.easy-answers').innerText();
    tap.check('it shows the answers in plain words',
      ['Jo Bloggs', '3 7 1990', 'm1 1ae', 'jo.bloggs@example.org', 'A learning disability',
        'I want to feel calm', 'Monday to Friday, in the morning', 'In a small group',
        'Yes, you can keep my answers'].every((s) => answers.includes(s)), answers);
    await pageChecks(page, 'easy-10-check', 'the check page');
    await tabTo(page, '#change-3');
    await enter(page);
    tap.check('Change on the postcode opens question 3', (await progress(page)) === 'Question 3 of 9');
    await type(page, 'postcode', 'M1 1AE');
    await press(page, 'Next');
    tap.equal('Next returns to the check page', await h1(page), ['Check your answers']);
    st = await press(page, '#send');
    tap.check('Send: lands on /refer/thanks', new URL(page.url()).pathname === '/refer/thanks', page.url());
    const ref = (await page.locator('#ref').innerText()).trim();
    const rows = L.sql(stack, `select given_name, family_name, postcode, email, source, needs,
        session_type, consent_contact from referrals where ref = @p1`, ref);
    tap.equal('the referral is stored with source easy_read', rows, [{
      given_name: 'Jo', family_name: 'Bloggs', postcode: 'M1 1AE', email: 'jo.bloggs@example.org',
      source: 'easy_read', needs: 3, session_type: 'group', consent_contact: 1,
    }]);
    const acks = L.sql(stack, `select count(*) as n from outbox o join referrals r on r.id = o.referral_id
        where r.ref = @p1 and o.kind = 'referral_ack'`, ref);
    tap.equal('its acknowledgement is queued', acks, [{ n: 1 }]);
    await shot(page, 'easy-11-thanks');
  });

  await tap.step('/refer/someone and its error state', async () => {
    await page.goto('/refer/someone');
    await L.checkAxe(tap, page, '/refer/someone');
    await page.getByRole('button', { name: 'Send the referral' }).click();
    await page.waitForLoadState('load');
    tap.check('/refer/someone sent empty shows its errors',
      (await page.locator('.error-summary').count()) === 1);
    await L.checkAxe(tap, page, "/refer/someone's error state");
    await shot(page, 'someone-error');
  });

  await ctx.close();
} catch (e) {
  tap.notOk('the Easy Read browser test ran to the end', String(e && e.stack || e));
} finally {
  if (browser) await browser.close();
  unguard();
  L.stopStack(stack, tap.failed > 0);
  tap.plan();
  process.exit(tap.failed > 0 ? 1 : 0);
}
