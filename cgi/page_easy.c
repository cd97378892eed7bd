/*
 * page_easy: the Easy Read self-referral, one question a page.
 *
 *   GET  /refer/easy   the first page: what the form is for, and Start
 *   POST /refer/easy   step= (0 the first page, 1..9 a question, 10 the
 *                      check page), answers= (the answers so far, signed:
 *                      cgi/easy.h), form_token=, the step's own fields,
 *                      and go=next|back|send, or change=N (a question
 *                      from the check page)
 *
 * Nothing is stored until the check page is sent.  Each question's
 * answers are checked by /refer's own rules (page_refer_check) before
 * the next question; "Back" keeps what was typed.  Sending hands the
 * answers to page_refer_easy_send as /refer's fields, which stores the
 * referral as /refer does (token, honeypot, rate limit, one transaction,
 * acknowledgement) with source easy_read, and answers 303 to
 * /refer/thanks, or shows the check page again with the problem
 * (page_easy_refused).  No page here reads the database itself (the
 * footer's contact details come from app_cache.c).
 */
#include <stdio.h>
#include <string.h>
#include <time.h>

#include "cgi/app.h"
#include "cgi/easy.h"
#include "cgi/token.h"
#include "cgi/valid.h"
#include "db/referrals.h"
#include "templates/tmpl.h"
#include "util/buf.h"

#define QUESTIONS	9
#define STEP_CHECK	(QUESTIONS + 1)
/* The longest answer carried (the "about" box's own limit is 4000). */
#define ANSWER_MAX	4096
/* The most values of one repeatable answer carried. */
#define ANSWER_VALUES	16

/* One page of the form. */
struct step {
	const char	*section;	/* its section in refer_easy.html */
	const char	*question;	/* its heading */
	const char	*topic;		/* its row on the check page */
	const char	*carry[3];	/* the answers it asks, as carried */
	const char	*keys[4];	/* /refer's fields it answers */
	const char	*label_for;	/* the one box its heading labels */
};

static const struct step steps[STEP_CHECK + 1] = {
	{ "start", "Refer yourself for music therapy", NULL, { NULL },
	    { NULL }, NULL },
	{ "q_name", "What is your name?", "Your name",
	    { "given_name", "family_name" }, { "given_name", "family_name" },
	    NULL },
	{ "q_born", "When were you born?", "Your birthday",
	    { "date_of_birth" }, { "date_of_birth" }, "date_of_birth" },
	{ "q_home", "What is your postcode?", "Your postcode",
	    { "postcode" }, { "postcode" }, "postcode" },
	{ "q_contact", "How can we contact you?", "How we contact you",
	    { "email", "phone" }, { "email", "phone", "preferred_contact" },
	    NULL },
	{ "q_needs", "What is part of your life?",
	    "What is part of your life", { "needs" }, { "needs" }, NULL },
	{ "q_about", "What would you like music therapy to help with?",
	    "What you would like help with", { "about" }, { "about" },
	    "about" },
	{ "q_when", "When can you come?", "When you can come", { "when" },
	    { "availability" }, NULL },
	{ "q_kind", "Do you want to meet on your own or in a group?",
	    "On your own or in a group", { "session_type" },
	    { "session_type" }, NULL },
	{ "q_agree", "Can we keep your answers?", "Keeping your answers",
	    { "consent_data", "consent_contact" },
	    { "consent_data", "consent_contact" }, NULL },
	{ "check", "Check your answers", NULL, { NULL }, { NULL }, NULL },
};

/* The areas of life (db/referrals.h's needs), in plain words. */
static const char *const need_easy[NEED__MAX] = {
	[NEED_AUTISM] = "Autism",
	[NEED_LEARNING_DIFFICULTIES] = "A learning disability",
	[NEED_MENTAL_HEALTH] = "Feeling sad, worried or unwell in my mind",
	[NEED_NEURO_REHAB] = "Getting better after a stroke or a brain "
	    "injury",
	[NEED_DEMENTIA] = "Dementia or memory problems",
	[NEED_PALLIATIVE] = "An illness that will not get better",
	[NEED_PARENT_CHILD] = "Music together with my young child",
	[NEED_OTHER] = "Something else",
};

/* The times of the week, in plain words, and the slots each stands for. */
static const struct when {
	const char	*name;
	const char	*label;
	unsigned	 days;		/* bit d: slot_day_names[d] */
	unsigned	 parts;		/* bit p: slot_part_names[p] */
} whens[] = {
	{ "weekday_am", "Monday to Friday, in the morning", 0x1f, 1 },
	{ "weekday_pm", "Monday to Friday, in the afternoon", 0x1f, 2 },
	{ "weekday_eve", "Monday to Friday, in the evening", 0x1f, 4 },
	{ "weekend", "Saturday or Sunday", 0x60, 7 },
};
#define WHENS	(sizeof(whens) / sizeof(whens[0]))

/* On your own or in a group (/refer's session_type), in plain words. */
static const char *const kind_names[] = { "individual", "group", "either" };
static const char *const kind_labels[] = {
	"On my own, with a music therapist",
	"In a small group",
	"Either is fine",
};
#define KINDS	(sizeof(kind_names) / sizeof(kind_names[0]))

/* 1 when key is one of the n names in list (NULL ends it early). */
static int
listed(const char *const *list, size_t n, const char *key)
{
	size_t i;

	for (i = 0; i < n && list[i] != NULL; i++)
		if (strcmp(list[i], key) == 0)
			return 1;
	return 0;
}

/* The first carried value of key, "" when none. */
static const char *
answer(const struct form *ans, const char *key)
{
	const char *v = form_get(ans, key);

	return v != NULL ? v : "";
}

/* 1 when key holds value among the answers. */
static int
answered(const struct form *ans, const char *key, const char *value)
{
	size_t i, n = form_count(ans, key);

	for (i = 0; i < n; i++)
		if (strcmp(form_get_nth(ans, key, i), value) == 0)
			return 1;
	return 0;
}

/*
 * Replaces step s's answers in *ans by what was posted for them: text
 * of at most ANSWER_MAX bytes with no control character but line ends
 * (anything else is dropped, so /refer's rules then ask for it again).
 */
static void
answers_take(struct form *ans, const struct form *posted, int s)
{
	const struct step *st = &steps[s];
	const struct form_field *pf;
	struct form out;
	size_t i, j, n;

	form_init(&out);
	for (i = 0; i < ans->count; i++)
		if (!listed(st->carry, 3, ans->fields[i].key))
			form_add(&out, ans->fields[i].key,
			    ans->fields[i].value, ans->fields[i].valuelen);
	for (j = 0; j < 3 && st->carry[j] != NULL; j++) {
		n = form_count(posted, st->carry[j]);
		for (i = 0; i < n && i < ANSWER_VALUES; i++) {
			pf = form_field_nth(posted, st->carry[j], i);
			if (pf->valuelen <= ANSWER_MAX &&
			    valid_lines(pf->value, pf->valuelen))
				form_add(&out, pf->key, pf->value,
				    pf->valuelen);
		}
	}
	form_free(ans);
	*ans = out;
}

/*
 * Makes /refer's fields from the carried answers into out (form_init'ed
 * here): the way to contact is email when one was given, else phone;
 * each time of the week stands for its slots; emails are agreed to only
 * with an address to send them to.
 */
static void
answers_refer_form(const struct form *ans, struct form *out)
{
	const struct form_field *a;
	size_t i, k;
	unsigned d, p;
	int email = *answer(ans, "email") != '\0';
	char slot[16];

	form_init(out);
	for (i = 0; i < ans->count; i++) {
		a = &ans->fields[i];
		if (strcmp(a->key, "when") == 0) {
			for (k = 0; k < WHENS; k++)
				if (strcmp(a->value, whens[k].name) == 0)
					break;
			if (k == WHENS) {
				/* Not ours: /refer's rules refuse it. */
				form_add(out, "availability", a->value,
				    a->valuelen);
				continue;
			}
			for (d = 0; d < SLOT_DAYS; d++)
				for (p = 0; p < SLOT_PARTS; p++) {
					if (!(whens[k].days & (1u << d)) ||
					    !(whens[k].parts & (1u << p)))
						continue;
					snprintf(slot, sizeof(slot), "%s_%s",
					    slot_day_names[d],
					    slot_part_names[p]);
					form_add(out, "availability", slot,
					    strlen(slot));
				}
		} else if (strcmp(a->key, "consent_contact") != 0 || email)
			form_add(out, a->key, a->value, a->valuelen);
	}
	form_add(out, "preferred_contact", email ? "email" : "phone", 5);
}

/* The step whose question answers /refer's field key, or -1. */
static int
step_of(const char *key)
{
	int s;

	for (s = 1; s <= QUESTIONS; s++)
		if (listed(steps[s].keys, 4, key))
			return s;
	return -1;
}

/*
 * Copies the problems of errs that belong on page s (all of them on the
 * check page) into out, pointing each at the control on that page: a
 * question's own control, or on the check page the question's "Change"
 * button (the form's own problems point to the send button).
 */
static void
errors_place(const struct valid_errors *errs, int s, struct valid_errors *out)
{
	const struct valid_error *e;
	char anchor[64];
	size_t i;
	int at;

	for (i = 0; errs != NULL && i < errs->n; i++) {
		e = &errs->e[i];
		at = step_of(e->key);
		if (s == STEP_CHECK) {
			if (at < 0)
				snprintf(anchor, sizeof(anchor), "send");
			else
				snprintf(anchor, sizeof(anchor), "change-%d",
				    at);
		} else if (at != s)
			continue;
		else if (strcmp(e->key, "availability") == 0)
			snprintf(anchor, sizeof(anchor), "when-%s",
			    whens[0].name);
		else if (strcmp(e->key, "preferred_contact") == 0)
			snprintf(anchor, sizeof(anchor), "email");
		else
			snprintf(anchor, sizeof(anchor), "%s", e->anchor);
		valid_error_add_at(out, e->key, anchor, e->msg);
	}
}

/*
 * Checks step s's answers by /refer's rules over every answer so far,
 * keeping only the problems of this page; fills errs (emptied first).
 */
static void
step_check(const struct form *ans, int s, struct valid_errors *errs)
{
	struct valid_errors all;
	struct form rf;

	memset(errs, 0, sizeof(*errs));
	if (s == 4 && *answer(ans, "email") == '\0' &&
	    *answer(ans, "phone") == '\0') {
		valid_error_add(errs, "email", "Write your email address or "
		    "your phone number. We need one of them.");
		return;
	}
	answers_refer_form(ans, &rf);
	page_refer_check(&rf, &all);
	form_free(&rf);
	errors_place(&all, s, errs);
}

/* Adds one row of the check page: its question and its answer lines. */
static struct tmpl_data *
check_row(struct tmpl_data *d, int s)
{
	struct tmpl_data *row = tmpl_data_push(d, "rows");

	tmpl_data_setf(row, "n", "%d", s);
	tmpl_data_set(row, "topic", steps[s].topic);
	return row;
}

static void
check_line(struct tmpl_data *row, const char *text)
{
	tmpl_data_set(tmpl_data_push(row, "lines"), "line", text);
}

/* Sets the check page's rows: every question and what was answered. */
static void
check_data(struct tmpl_data *d, const struct form *ans)
{
	struct tmpl_data *row;
	const char *v;
	size_t k;
	int none;

	row = check_row(d, 1);
	tmpl_data_setf(tmpl_data_push(row, "lines"), "line", "%s %s",
	    answer(ans, "given_name"), answer(ans, "family_name"));
	check_line(check_row(d, 2), answer(ans, "date_of_birth"));
	check_line(check_row(d, 3), answer(ans, "postcode"));
	row = check_row(d, 4);
	if (*(v = answer(ans, "email")) != '\0')
		tmpl_data_setf(tmpl_data_push(row, "lines"), "line",
		    "Email: %s", v);
	if (*(v = answer(ans, "phone")) != '\0')
		tmpl_data_setf(tmpl_data_push(row, "lines"), "line",
		    "Phone: %s", v);
	row = check_row(d, 5);
	for (k = 0, none = 1; k < NEED__MAX; k++)
		if (answered(ans, "needs", need_names[k])) {
			check_line(row, need_easy[k]);
			none = 0;
		}
	if (none)
		check_line(row, "Nothing chosen");
	row = check_row(d, 6);
	tmpl_data_bool(row, "prose", 1);
	check_line(row, answer(ans, "about"));
	row = check_row(d, 7);
	for (k = 0, none = 1; k < WHENS; k++)
		if (answered(ans, "when", whens[k].name)) {
			check_line(row, whens[k].label);
			none = 0;
		}
	if (none)
		check_line(row, "Nothing chosen");
	row = check_row(d, 8);
	for (k = 0, none = 1; k < KINDS; k++)
		if (strcmp(answer(ans, "session_type"), kind_names[k]) == 0) {
			check_line(row, kind_labels[k]);
			none = 0;
		}
	if (none)
		check_line(row, "Nothing chosen");
	row = check_row(d, 9);
	check_line(row, *answer(ans, "consent_data") != '\0' ?
	    "Yes, you can keep my answers" : "No");
	if (*answer(ans, "email") != '\0')
		check_line(row, *answer(ans, "consent_contact") != '\0' ?
		    "Yes, you can send me emails" : "No emails, please");
}

/* Sets the choices of the questions that offer some, with what is ticked. */
static void
choices_data(struct tmpl_data *d, const struct form *ans)
{
	struct tmpl_data *e;
	size_t k;

	for (k = 0; k < NEED__MAX; k++) {
		e = tmpl_data_push(d, "needs");
		tmpl_data_set(e, "value", need_names[k]);
		tmpl_data_set(e, "label", need_easy[k]);
		tmpl_data_bool(e, "checked", answered(ans, "needs",
		    need_names[k]));
	}
	for (k = 0; k < WHENS; k++) {
		e = tmpl_data_push(d, "whens");
		tmpl_data_set(e, "value", whens[k].name);
		tmpl_data_set(e, "label", whens[k].label);
		tmpl_data_bool(e, "checked", answered(ans, "when",
		    whens[k].name));
	}
	for (k = 0; k < KINDS; k++) {
		e = tmpl_data_push(d, "kinds");
		tmpl_data_set(e, "value", kind_names[k]);
		tmpl_data_set(e, "label", kind_labels[k]);
		tmpl_data_bool(e, "checked", answered(ans, "session_type",
		    kind_names[k]));
	}
	tmpl_data_bool(d, "c_consent_data", answered(ans, "consent_data",
	    "yes"));
	tmpl_data_bool(d, "c_consent_contact", answered(ans,
	    "consent_contact", "yes"));
	tmpl_data_bool(d, "has_email", *answer(ans, "email") != '\0');
}

/*
 * Renders page s with status: the answers so far (sealed again), the
 * form token, the problems (errs may be NULL), and from_check when a
 * question was opened from the check page (it then returns there).
 */
static void
easy_show(struct app *app, struct resp *rs, int status, int s,
    const struct form *ans, const struct valid_errors *errs,
    const char *token, int from_check)
{
	static const char *const texts[] = { "given_name", "family_name",
		"date_of_birth", "postcode", "email", "phone", "about" };
	struct tmpl_data *d;
	struct valid_errors placed;
	struct buf sealed = BUF_INIT;
	char key[32];
	size_t i;

	memset(&placed, 0, sizeof(placed));
	errors_place(errs, s, &placed);
	d = tmpl_data_new();
	if (s >= 1 && s <= QUESTIONS) {
		tmpl_data_setf(d, "title", "%s%s (question %d of %d)",
		    placed.n > 0 ? "Error: " : "", steps[s].question, s,
		    QUESTIONS);
		tmpl_data_setf(d, "progress", "Question %d of %d", s,
		    QUESTIONS);
	} else
		tmpl_data_setf(d, "title", "%s%s%s", placed.n > 0 ? "Error: " :
		    "", steps[s].question, s == 0 ? " (Easy Read)" : "");
	tmpl_data_set(d, "question", steps[s].question);
	tmpl_data_set(d, "label_for", steps[s].label_for);
	tmpl_data_bool(d, steps[s].section, 1);
	tmpl_data_setf(d, "step", "%d", s);
	tmpl_data_bool(d, "from_check", from_check);
	tmpl_data_set(d, "token", token);
	easy_answers_seal(app->form_key, ans, &sealed);
	tmpl_data_set(d, "answers", buf_cstr(&sealed));
	buf_free(&sealed);
	for (i = 0; i < sizeof(texts) / sizeof(texts[0]); i++) {
		snprintf(key, sizeof(key), "v_%s", texts[i]);
		tmpl_data_set(d, key, answer(ans, texts[i]));
	}
	choices_data(d, ans);
	if (s == STEP_CHECK)
		check_data(d, ans);
	valid_errors_tmpl(d, &placed);
	http_header(rs, "Cache-Control", "no-store");
	app_render(app, rs, status, "refer_easy.html", d);
	tmpl_data_free(d);
}

/*
 * The first page is the same for everyone but its token: kept by the
 * worker with a hole for it until the contact details in its footer
 * change (app_cache.c).
 */
static struct app_page start;

void
page_easy_get(struct app *app, struct req *rq, struct resp *rs)
{
	struct form none;
	struct resp tmp;
	char token[TOKEN_STR_LEN];
	int fresh;

	(void)rq;
	form_init(&none);
	if ((fresh = app_page_fresh(app, &start)) == 0) {
		memset(&tmp, 0, sizeof(tmp));
		easy_show(app, &tmp, 200, 0, &none, NULL, APP_PAGE_HOLE, 0);
		(void)app_page_keep(&start, &tmp);
		buf_free(&tmp.headers);
		buf_free(&tmp.body);
	}
	token_make(app->form_key, time(NULL), token);
	if (fresh != -1 && start.ok)
		app_page_answer(&start, token, rs);
	else
		easy_show(app, rs, 200, 0, &none, NULL, token, 0);
}

void
page_easy_refused(struct app *app, const struct req *rq, struct resp *rs,
    int status, const struct valid_errors *errs, const char *token)
{
	const struct form_field *af = form_field_nth(&rq->f, "answers", 0);
	struct form ans;

	form_init(&ans);
	if (af != NULL)
		(void)easy_answers_open(app->form_key, af->value, af->valuelen,
		    &ans);
	easy_show(app, rs, status, STEP_CHECK, &ans, errs, token, 0);
	form_free(&ans);
}

/*
 * Sends the answers: page_refer_easy_send reads them as /refer's fields, with
 * the form token and the honeypot as posted and the carried answers (for
 * page_easy_refused).
 */
static void
easy_send(struct app *app, struct req *rq, struct resp *rs,
    const struct form *ans)
{
	static const char *const passed[] = { "form_token", "website",
		"answers" };
	const struct form_field *pf;
	struct form rf, posted;
	size_t i;

	answers_refer_form(ans, &rf);
	for (i = 0; i < sizeof(passed) / sizeof(passed[0]); i++)
		if ((pf = form_field_nth(&rq->f, passed[i], 0)) != NULL)
			form_add(&rf, pf->key, pf->value, pf->valuelen);
	posted = rq->f;
	rq->f = rf;
	page_refer_easy_send(app, rq, rs);
	rq->f = posted;
	form_free(&rf);
}

void
page_easy_post(struct app *app, struct req *rq, struct resp *rs)
{
	const struct form_field *af;
	const char *go, *tok;
	struct valid_errors errs;
	struct form ans;
	char token[TOKEN_STR_LEN];
	int s, to, from_check;

	if (rq->badbody != FORM_OK) {
		http_error(app, rs, 400, "The form arrived garbled. Please "
		    "start the Easy Read form again.");
		return;
	}
	form_init(&ans);
	af = form_field_nth(&rq->f, "answers", 0);
	if (af != NULL && easy_answers_open(app->form_key, af->value,
	    af->valuelen, &ans) == -1) {
		struct tmpl_data *d = tmpl_data_new();

		tmpl_data_set(d, "title", "We could not read your answers");
		tmpl_data_bool(d, "refused", 1);
		app_render(app, rs, 400, "refer_easy.html", d);
		tmpl_data_free(d);
		goto out;
	}
	tok = form_get(&rq->f, "form_token");
	if (tok != NULL && strlen(tok) < sizeof(token) &&
	    token_check(app->form_key, tok, time(NULL), NULL) == TOKEN_OK)
		snprintf(token, sizeof(token), "%s", tok);
	else
		token_make(app->form_key, time(NULL), token);
	if (valid_int(form_get(&rq->f, "step"), 0, STEP_CHECK, &s) == -1)
		s = 0;
	from_check = (go = form_get(&rq->f, "from_check")) != NULL &&
	    strcmp(go, "1") == 0;
	if ((go = form_get(&rq->f, "go")) == NULL)
		go = "next";

	if (valid_int(form_get(&rq->f, "change"), 1, QUESTIONS, &to) == 0) {
		easy_show(app, rs, 200, to, &ans, NULL, token, 1);
		goto out;
	}
	if (strcmp(go, "send") == 0 && s == STEP_CHECK) {
		easy_send(app, rq, rs, &ans);
		goto out;
	}
	if (s >= 1 && s <= QUESTIONS)
		answers_take(&ans, &rq->f, s);
	if (strcmp(go, "back") == 0) {
		to = from_check ? STEP_CHECK : s > 0 ? s - 1 : 0;
		easy_show(app, rs, 200, to, &ans, NULL, token, 0);
		goto out;
	}
	if (s >= 1 && s <= QUESTIONS) {
		step_check(&ans, s, &errs);
		if (errs.n > 0) {
			easy_show(app, rs, 422, s, &ans, &errs, token,
			    from_check);
			goto out;
		}
	}
	to = from_check || s == STEP_CHECK ? STEP_CHECK : s + 1;
	easy_show(app, rs, 200, to, &ans, NULL, token, 0);
out:
	form_free(&ans);
}
