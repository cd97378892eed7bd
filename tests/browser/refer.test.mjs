// Browser tests of the public self-referral form, through the real nginx
// and FastCGI workers, in Debian's Chromium, as a person would use it:
// on a phone and a desktop, with the keyboard, without JavaScript, and
// checked with axe-core.  Prints TAP.
//
//   node tests/browser/refer.test.mjs      (after make all browser-deps)
//
// KEEP=1 keeps the stack's state folder (database, logs, screenshots);
// SHOT_DIR=DIR puts the screenshots there instead.

import * as L from './lib.mjs';

const tap = L.createTap();
const stack = L.startStack();
let browser;
const unguard = L.guard(stack, 300, async () => { if (browser) await browser.close(); });

// The form's choices, in the order the server numbers their bits.
const NEEDS = ['autism', 'learning_difficulties', 'mental_health', 'neuro_rehab',
  'dementia', 'palliative', 'parent_child', 'other'];
const DAYS = ['mon', 'tue', 'wed', 'thu', 'fri', 'sat', 'sun'];
const DAY_LABELS = ['Monday', 'Tuesday', 'Wednesday', 'Thursday', 'Friday', 'Saturday', 'Sunday'];
const PARTS = ['am', 'pm', 'eve'];
const PART_LABELS = ['Morning', 'Afternoon', 'Evening'];
const REF_RE = /^[2-9A-HJ-NP-Z]{4}-[2-9A-HJ-NP-Z]{4}$/;	// no 0 O 1 I

const needBits = (list) => list.reduce((b, n) => b | (1 << NEEDS.indexOf(n)), 0);
const slotBits = (list) => list.reduce((b, s) => {
  const [d, p] = s.split('_');
  return b | (1 << (DAYS.indexOf(d) * PARTS.length + PARTS.indexOf(p)));
}, 0);
const slotName = (s) => {
  const [d, p] = s.split('_');
  return `${DAY_LABELS[DAYS.indexOf(d)]} ${PART_LABELS[PARTS.indexOf(p)]}`;
};

// ------------------------------------------------------------ the person

// Zoë, who fills in everything.
const ZOE = {
  given_name: 'Zoë',
  family_name: "O'Brien-Smith",
  date_of_birth: '1984-03-27',
  postcode: ' nw1  0ab ',
  postcode_stored: 'NW1 0AB',
  language: 'Welsh',
  interpreter: true,
  email: 'zoe.obrien@example.org',
  phone: '07700 900 982',
  phone_stored: '07700900982',
  preferred_contact: 'By email',
  preferred_contact_value: 'email',
  voicemail_ok: true,
  gp_practice: 'Camden Health Centre, London',
  emergency_name: "Sam O'Brien",
  emergency_phone: '020 7946 0018',
  about: 'Since my stroke I find words hard.\nSinging used to help: <b>a lot</b> & "often".',
  needs: ['neuro_rehab', 'mental_health'],
  needs_labels: ['Recovery from a brain injury or stroke (neurological rehabilitation)', 'Mental health'],
  availability: ['tue_pm', 'sat_eve', 'mon_am'],
  session_type: 'Either would be fine',
  session_type_value: 'either',
  site: 'Tutti Centre, Camden',
  online_ok: true,
  access_needs: 'Step-free access and a hearing loop, please.',
  consent_data: true,
  consent_contact: true,
};

// The form's controls, found the way a person (or a screen reader) finds
// them: by their labels.
function controls(page) {
  const group = (name) => page.getByRole('group', { name, exact: true });
  return {
    given_name: page.getByLabel('First name', { exact: true }),
    family_name: page.getByLabel('Last name', { exact: true }),
    date_of_birth: page.getByLabel('Date of birth', { exact: true }),
    postcode: page.getByLabel('Postcode', { exact: true }),
    language: page.getByLabel('First language (optional)', { exact: true }),
    interpreter: page.getByLabel('I would like an interpreter', { exact: true }),
    email: page.getByLabel('Email address', { exact: true }),
    phone: page.getByLabel('Phone number', { exact: true }),
    preferred: (name) => group('How should we contact you first?').getByRole('radio', { name, exact: true }),
    voicemail_ok: page.getByLabel('It is fine to leave me a voicemail message'),
    gp_practice: page.getByLabel('Your GP practice (optional)', { exact: true }),
    emergency_name: page.getByLabel("Emergency contact's name (optional)", { exact: true }),
    emergency_phone: page.getByLabel("Emergency contact's phone number (optional)", { exact: true }),
    about: page.getByLabel('What would you like music therapy to help with?', { exact: true }),
    need: (label) => group('Which areas of your life does this concern?').getByRole('checkbox', { name: label, exact: true }),
    slot: (s) => group('When could you come to a weekly session?').getByRole('checkbox', { name: slotName(s), exact: true }),
    session: (name) => group('Would you like individual or group sessions?').getByRole('radio', { name, exact: true }),
    site: (name) => group('Which of these places could you get to? (optional)').getByRole('checkbox', { name: new RegExp(`^${name.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')}\\b`) }),
    online_ok: page.getByLabel('Online sessions by video would be fine for me'),
    access_needs: page.getByLabel('Access needs (optional)', { exact: true }),
    consent_data: page.getByLabel('I agree that Tutti may keep the details I give here to arrange music therapy'),
    consent_contact: page.getByLabel('Send me emails about my referral and reminders before sessions (optional)'),
    submit: page.getByRole('button', { name: 'Send my referral' }),
  };
}

// Fills in every answer of p (text is typed with fill, boxes ticked).
async function fillAll(page, p) {
  const c = controls(page);
  for (const k of ['given_name', 'family_name', 'date_of_birth', 'postcode', 'language',
    'email', 'phone', 'gp_practice', 'emergency_name', 'emergency_phone', 'about', 'access_needs']) {
    if (p[k] !== undefined) await c[k].fill(p[k]);
  }
  for (const k of ['interpreter', 'voicemail_ok', 'online_ok', 'consent_data', 'consent_contact']) {
    if (p[k]) await c[k].check();
  }
  if (p.preferred_contact) await c.preferred(p.preferred_contact).check();
  for (const n of p.needs_labels || []) await c.need(n).check();
  for (const s of p.availability || []) await c.slot(s).check();
  if (p.session_type) await c.session(p.session_type).check();
  if (p.site) await c.site(p.site).check();
}

// Presses the button; returns the status of the POST /refer answer (303
// on success, 422 with errors) once the next page has loaded.
async function submit(page, how = 'click') {
  const posted = page.waitForResponse((r) => r.request().method() === 'POST' &&
    new URL(r.url()).pathname === '/refer');
  if (how === 'click') await controls(page).submit.click();
  else await page.keyboard.press(how);
  const resp = await posted;
  await page.waitForLoadState('load');
  return resp.status();
}

async function activeId(page) {
  return page.evaluate(() => document.activeElement && document.activeElement.id);
}

// Its screenshot (lib.mjs: evidence, never a failed check by itself).
function shot(page, name) {
  return L.shot(tap, stack, page, name,
    process.env.SHOT_DIR || process.env.KEEP ? '' : ' (kept on failure or with KEEP=1)');
}

// Nothing wider than the screen (no sideways scrolling on a phone).
async function checkNoSideScroll(page, desc) {
  const [sw, w] = await page.evaluate(() => [document.documentElement.scrollWidth, window.innerWidth]);
  tap.check(`${desc}: no sideways scrolling (${sw} <= ${w} px)`, sw <= w);
}

function referralRow(ref) {
  const rows = L.sql(stack, `select r.given_name, r.family_name, r.postcode, r.email,
      r.phone, r.date_of_birth, r.preferred_contact, r.voicemail_ok, r.needs,
      r.about, r.availability, r.session_type, r.online_ok, r.access_needs,
      r.language, r.interpreter, r.gp_practice, r.emergency_name,
      r.emergency_phone, r.consent_data, r.consent_contact, r.status, r.source,
      (select group_concat(s.name, '|') from referral_sites rs
         join sites s on s.id = rs.site_id where rs.referral_id = r.id) as sites
    from referrals r where r.ref = @p1`, ref);
  return rows[0];
}

// The row a referral of p should have made.
function expectedRow(p) {
  return {
    given_name: p.given_name, family_name: p.family_name, postcode: p.postcode_stored,
    email: p.email || '', phone: p.phone_stored || '', date_of_birth: p.date_of_birth,
    preferred_contact: p.preferred_contact_value, voicemail_ok: p.voicemail_ok ? 1 : 0,
    needs: needBits(p.needs), about: p.about, availability: slotBits(p.availability),
    session_type: p.session_type_value, online_ok: p.online_ok ? 1 : 0,
    access_needs: p.access_needs || '', language: p.language || '',
    interpreter: p.interpreter ? 1 : 0, gp_practice: p.gp_practice || '',
    emergency_name: p.emergency_name || '',
    emergency_phone: (p.emergency_phone || '').replace(/\D/g, ''),
    consent_data: 1, consent_contact: p.consent_contact ? 1 : 0,
    status: 'new', source: 'self', sites: p.site || null,
  };
}

function compareRow(desc, row, want) {
  if (!tap.check(`${desc}: the row is in the database`, row !== undefined)) return;
  // Browsers send a textarea's line ends as CR LF.
  const got = { ...row, about: String(row.about).replace(/\r\n/g, '\n') };
  const diff = Object.keys(want).filter((k) => JSON.stringify(got[k]) !== JSON.stringify(want[k]));
  tap.check(`${desc}: the row holds what was typed (names, normalised postcode and phone, choices)`,
    diff.length === 0, () => diff.map((k) => `${k}: got ${JSON.stringify(got[k])}, want ${JSON.stringify(want[k])}`).join('\n'));
}

// Reads the code on the thanks page and checks it against the address.
async function readRef(page, desc) {
  const url = new URL(page.url());
  tap.check(`${desc}: lands on /refer/thanks`, url.pathname === '/refer/thanks', `at ${page.url()}`);
  const ref = (await page.locator('#ref').innerText()).trim();
  tap.check(`${desc}: reference code ${ref} is XXXX-XXXX without 0 O 1 I`, REF_RE.test(ref));
  tap.equal(`${desc}: the code shown is the one in the address`, url.searchParams.get('ref'), ref);
  return ref;
}

// ------------------------------------------------------------ the tests

try {
  browser = await L.launch();
  tap.comment(`Chromium ${browser.version()} at ${L.CHROMIUM}; stack at ${stack.BASE}`);

  // 1. The empty form, on a phone and on a desktop.
  for (const [name, size] of [['phone 390x844', L.PHONE], ['desktop 1280x900', L.DESKTOP]]) {
    await tap.step(`empty form on ${name}`, async () => {
      const ctx = await L.newContext(browser, stack, size);
      const page = await ctx.newPage();
      const resp = await page.goto('/refer');
      tap.equal(`GET /refer on ${name}: 200`, resp.status(), 200);
      tap.check(`GET /refer on ${name}: one h1 and the form's title`,
        (await page.locator('h1').count()) === 1 &&
        /^Refer yourself for music therapy/.test(await page.title()), await page.title());
      if (size === L.PHONE) await checkNoSideScroll(page, `empty form on ${name}`);
      await L.checkAxe(tap, page, `the empty form (${name})`);
      await ctx.close();
    });
  }

  // 2. Sent empty: 422, an error summary whose links move focus to the
  // fields, each field described by its message.
  await tap.step('empty form sent', async () => {
    const ctx = await L.newContext(browser, stack, L.PHONE);
    const page = await ctx.newPage();
    await page.goto('/refer');
    tap.equal('sending the empty form answers 422', await submit(page), 422);
    tap.check('the error page title starts with "Error:"', /^Error: /.test(await page.title()), await page.title());
    const summary = page.locator('.error-summary');
    tap.check('the error summary is shown, headed "There is a problem"',
      (await summary.isVisible()) &&
      (await summary.getByRole('heading', { name: 'There is a problem' }).count()) === 1);
    const links = await summary.locator('a').evaluateAll((as) => as.map((a) => ({
      href: a.getAttribute('href'), text: a.textContent.trim() })));
    const anchors = links.map((l) => l.href.replace(/^#/, ''));
    tap.equal('the summary links to each missing answer, top to bottom', anchors, [
      'given_name', 'family_name', 'date_of_birth', 'preferred_contact-email', 'postcode',
      'about', 'needs-autism', 'availability-mon_am', 'session_type-individual', 'consent_data']);
    await checkNoSideScroll(page, 'error state on a phone');
    await shot(page, 'refer-errors-phone');
    await L.checkAxe(tap, page, 'the error state (phone)');

    const notFocused = [], notShown = [], notDescribed = [];
    for (let i = 0; i < links.length; i++) {
      const id = anchors[i];
      await summary.locator('a').nth(i).click();
      if ((await activeId(page)) !== id) notFocused.push(`${id}: focus on ${await activeId(page)}`);
      const st = await page.evaluate((msg) => {
        const el = document.activeElement;
        const r = el.getBoundingClientRect();
        const ids = [el.getAttribute('aria-describedby'),
          el.closest('fieldset.inner') && el.closest('fieldset.inner').getAttribute('aria-describedby')]
          .filter(Boolean).join(' ').split(/\s+/);
        const desc = ids.map((x) => document.getElementById(x)).filter(Boolean)
          .map((e) => e.textContent).join(' ');
        // A sighted person sees the field with its label (or its group's
        // question) and its message, not just the box.
        const inner = el.closest('fieldset.inner');
        const label = inner ? inner.querySelector('legend') : el.labels && el.labels[0];
        const field = el.closest('.field');
        const message = field && field.querySelector('.error-message');
        const onScreen = (n) => {
          if (!n) return false;
          const b = n.getBoundingClientRect();
          return b.top >= -1 && b.bottom <= window.innerHeight + 1;
        };
        return { inView: onScreen(el) && onScreen(label) && onScreen(message),
          described: desc.includes(msg), top: Math.round(r.top) };
      }, links[i].text);
      if (!st.inView) notShown.push(`${id} (field at ${st.top} px)`);
      if (!st.described) notDescribed.push(id);
    }
    tap.check('clicking each summary link moves focus to its field', notFocused.length === 0, notFocused.join('\n'));
    tap.check('the field, its label or question, and its message are then on screen', notShown.length === 0, notShown.join(', '));
    tap.check("each field's error message is in its accessible description (aria-describedby)",
      notDescribed.length === 0, notDescribed.join(', '));
    await ctx.close();
  });

  // 3. One answer wrong: everything typed and ticked comes back.
  await tap.step('one answer wrong', async () => {
    const ctx = await L.newContext(browser, stack, L.PHONE);
    const page = await ctx.newPage();
    await page.goto('/refer');
    const p = { ...ZOE, given_name: 'Ada', family_name: 'Lovelace', postcode: 'zz',
      about: 'Line one.\nLine two: <script>x</script> & "quotes" \'too\' – ünïcödé ♫',
      needs_labels: ['Autism', 'Dementia'], needs: ['autism', 'dementia'],
      availability: ['wed_am', 'sun_eve'],
      session_type: 'A group, such as a choir or a band', session_type_value: 'group',
      preferred_contact: 'By phone', preferred_contact_value: 'phone',
      site: 'Riverside Care Home' };
    await fillAll(page, p);
    tap.equal('a bad postcode answers 422', await submit(page), 422);
    const anchors = await page.locator('.error-summary a').evaluateAll((as) => as.map((a) => a.getAttribute('href')));
    tap.equal('only the postcode is in the error summary', anchors, ['#postcode']);
    const c = controls(page);
    const texts = {};
    for (const k of ['given_name', 'family_name', 'date_of_birth', 'postcode', 'language', 'email',
      'phone', 'gp_practice', 'emergency_name', 'emergency_phone', 'about', 'access_needs']) {
      texts[k] = await c[k].inputValue();
    }
    const wantTexts = {};
    for (const k of Object.keys(texts)) wantTexts[k] = p[k];
    tap.equal('every typed text (inputs and textareas, incl. the wrong postcode) is kept', texts, wantTexts);
    const ticked = {
      interpreter: await c.interpreter.isChecked(), voicemail_ok: await c.voicemail_ok.isChecked(),
      online_ok: await c.online_ok.isChecked(), consent_data: await c.consent_data.isChecked(),
      consent_contact: await c.consent_contact.isChecked(),
      need_autism: await c.need('Autism').isChecked(), need_dementia: await c.need('Dementia').isChecked(),
      need_mental_health: await c.need('Mental health').isChecked(),
      slot_wed_am: await c.slot('wed_am').isChecked(), slot_sun_eve: await c.slot('sun_eve').isChecked(),
      slot_mon_am: await c.slot('mon_am').isChecked(),
      site_riverside: await c.site('Riverside Care Home').isChecked(),
      site_camden: await c.site('Tutti Centre, Camden').isChecked(),
    };
    tap.equal('every ticked box (options, areas of life, times, places, consents) is kept, and no other',
      ticked, { interpreter: true, voicemail_ok: true, online_ok: true, consent_data: true,
        consent_contact: true, need_autism: true, need_dementia: true, need_mental_health: false,
        slot_wed_am: true, slot_sun_eve: true, slot_mon_am: false, site_riverside: true,
        site_camden: false });
    const radios = {
      by_phone: await c.preferred('By phone').isChecked(), by_email: await c.preferred('By email').isChecked(),
      group: await c.session('A group, such as a choir or a band').isChecked(),
      either: await c.session('Either would be fine').isChecked(),
    };
    tap.equal('the chosen radio buttons are kept', radios, { by_phone: true, by_email: false, group: true, either: false });
    tap.check('the postcode field is marked invalid and described by its message',
      (await c.postcode.getAttribute('aria-invalid')) === 'true' &&
      /postcode-error/.test(await c.postcode.getAttribute('aria-describedby')));

    // Correcting just the postcode is enough.
    await c.postcode.fill('sw1a1aa');
    tap.equal('correcting only the postcode and sending again answers 303', await submit(page), 303);
    const ref = await readRef(page, 'after the correction');
    compareRow('after the correction', referralRow(ref), expectedRow({ ...p, postcode_stored: 'SW1A 1AA' }));
    await ctx.close();
  });

  // 4. The whole form, as a person fills it on a phone.
  await tap.step('whole form on a phone', async () => {
    const ctx = await L.newContext(browser, stack, L.PHONE);
    const page = await ctx.newPage();
    await page.goto('/refer');
    await fillAll(page, ZOE);
    await shot(page, 'refer-filled-phone');
    tap.equal('sending the whole form answers 303', await submit(page), 303);
    const ref = await readRef(page, 'the whole form');
    compareRow(`referral ${ref}`, referralRow(ref), expectedRow(ZOE));
    tap.equal('exactly one referral has that code', L.sql(stack, 'select count(*) as n from referrals where ref = @p1', ref), [{ n: 1 }]);
    await checkNoSideScroll(page, 'thanks page on a phone');
    await shot(page, 'refer-thanks-phone');
    await L.checkAxe(tap, page, 'the thanks page (phone)');
    await ctx.close();
  });

  // 5. Without JavaScript.
  await tap.step('without JavaScript', async () => {
    const ctx = await L.newContext(browser, stack, L.DESKTOP, { noJs: true });
    const page = await ctx.newPage();
    await page.goto('/refer');
    tap.equal('the form page has no scripts at all', await page.locator('script').count(), 0);
    const p = { ...ZOE, given_name: 'Nojs', family_name: 'Person', postcode: 'm1 1ae',
      postcode_stored: 'M1 1AE', email: 'nojs@example.org', consent_contact: false,
      interpreter: false, site: undefined, needs_labels: ['Something else'], needs: ['other'],
      availability: ['fri_pm'], about: 'No JavaScript here.' };
    tap.equal('without JavaScript, an empty form answers 422', await submit(page), 422);
    await fillAll(page, p);
    tap.equal('without JavaScript, the filled form answers 303', await submit(page), 303);
    const ref = await readRef(page, 'without JavaScript');
    compareRow('without JavaScript', referralRow(ref), expectedRow(p));
    await ctx.close();
  });

  // 6. Keyboard only.
  await tap.step('keyboard only', async () => {
    const ctx = await L.newContext(browser, stack, L.DESKTOP);
    const page = await ctx.newPage();
    await page.goto('/refer');
    await page.keyboard.press('Tab');
    const skip = await page.evaluate(() => {
      const el = document.activeElement, r = el.getBoundingClientRect(), s = getComputedStyle(el);
      return { cls: el.className, text: el.textContent.trim(), href: el.getAttribute('href'),
        visible: r.left >= 0 && r.top >= 0 && r.right <= innerWidth && r.width > 0,
        outline: s.outlineStyle !== 'none' || s.backgroundColor !== 'rgba(0, 0, 0, 0)' };
    });
    tap.check('the first Tab reaches the "Skip to main content" link, shown on screen',
      skip.text === 'Skip to main content' && skip.href === '#main' && skip.visible && skip.outline,
      JSON.stringify(skip));
    await page.keyboard.press('Enter');
    tap.check('Enter on the skip link moves focus to the main content',
      (await activeId(page)) === 'main' && new URL(page.url()).hash === '#main', `focus on ${await activeId(page)} at ${page.url()}`);
    await page.keyboard.press('Tab');
    tap.equal('the next Tab after skipping reaches the first input (First name)', await activeId(page), 'given_name');

    // From the top again without the skip link: each stop shows its focus.
    await page.goto('/refer');
    const stops = [];
    for (let i = 0; i < 5 && stops[stops.length - 1]?.id !== 'given_name'; i++) {
      await page.keyboard.press('Tab');
      stops.push(await page.evaluate(() => {
        const el = document.activeElement, s = getComputedStyle(el);
        return { id: el.id || el.className || el.tagName,
          focusShown: (s.outlineStyle !== 'none' && parseFloat(s.outlineWidth) > 0) || s.boxShadow !== 'none' };
      }));
    }
    tap.check('Tab from the top reaches First name within three stops',
      stops.length <= 3 && stops[stops.length - 1].id === 'given_name', JSON.stringify(stops));
    tap.check('every stop on the way shows a focus indicator', stops.every((s) => s.focusShown), JSON.stringify(stops));

    // Radios by keyboard, then the end of the form: the honeypot is skipped.
    await page.focus('#phone');
    await page.keyboard.press('Tab');
    tap.equal('Tab from Phone number reaches the first contact radio', await activeId(page), 'preferred_contact-email');
    await page.keyboard.press('Space');
    await page.keyboard.press('ArrowDown');
    const c = controls(page);
    tap.check('Space chooses a radio and the arrow key moves the choice',
      (await c.preferred('By phone').isChecked()) && !(await c.preferred('By email').isChecked()));
    await page.focus('#access_needs');
    const order = [];
    for (let i = 0; i < 3; i++) {
      await page.keyboard.press('Tab');
      order.push(await page.evaluate(() => document.activeElement.id || document.activeElement.textContent.trim()));
    }
    tap.equal('after Access needs, Tab goes to the consents and the button (never the hidden trap field)',
      order, ['consent_data', 'consent_contact', 'Send my referral']);
    tap.equal('Enter on the button sends the form (422: answers missing)', await submit(page, 'Enter'), 422);
    tap.check('the radio chosen by keyboard is kept', await controls(page).preferred('By phone').isChecked());
    await ctx.close();
  });
} catch (e) {
  tap.notOk('the browser tests stopped by an error', String(e && e.stack || e));
} finally {
  await L.finish(tap, stack, unguard, browser);
}
