/*
 * page_survey: the family and partner staff surveys (issue 20), reached
 * from the signed link in their invitation emails (mail/survey.c).  No
 * sign-in: the link's token names one invitation (a surveys row).
 *
 *   GET  /survey?t=TOKEN  the questions; a thank-you once answered
 *                         (?sent=1 after this page stored the answers)
 *   POST /survey          t, q1 (agree | unsure | disagree), q2 (the
 *                         same; partner survey only), comment (optional,
 *                         at most COMMENT_MAX bytes); stores the answers
 *                         once and answers 303 to /survey?t=TOKEN&sent=1;
 *                         422 with the form, what was chosen and typed
 *                         and an error summary when a question is
 *                         unanswered; a second answer: "You have already
 *                         answered"
 *
 * The family survey asks a client's contact whether music therapy
 * improved their relationship with the client (q1); the partner survey
 * asks a partner organisation's staff whether it enhanced staff skills
 * and understanding (q1) and changed the organisation's atmosphere for
 * the better (q2).  A forged or damaged token, or an invitation whose
 * client was erased or whose contact unsubscribed, gets 404.  The token
 * is in the query or body only, never in the path: the request logs cut
 * query strings off (nginx/production.conf), so they never hold it.
 */
#include <stdio.h>
#include <string.h>

#include "cgi/app.h"
#include "cgi/valid.h"
#include "db/survey.h"
#include "templates/tmpl.h"

#define COMMENT_MAX	2000	/* bytes of the free-text comment */

enum survey_field { SF_Q1, SF_Q2, SF_COMMENT, SF__MAX };

static const char *const answer_names[] = { "agree", "unsure", "disagree",
    NULL };
static const char *const answer_labels[] = { "Yes", "I am not sure",
    "No" };

/* The fields of each kind: the family survey has no q2 (not required). */
static const struct valid_field family_fields[SF__MAX] = {
	{ "q1", VALID_CHOICE, 1, 0, 0, answer_names, "q1-agree",
	    "Question 1", "Choose an answer to the question" },
	{ "q2", VALID_CHOICE, 0, 0, 0, answer_names, "q2-agree",
	    "Question 2", "Choose an answer to question 2" },
	{ "comment", VALID_LINES, 0, 0, COMMENT_MAX, NULL, "comment",
	    "Comment", "Write your comment in at most 2000 characters" },
};
static const struct valid_field partner_fields[SF__MAX] = {
	{ "q1", VALID_CHOICE, 1, 0, 0, answer_names, "q1-agree",
	    "Question 1", "Choose an answer to question 1" },
	{ "q2", VALID_CHOICE, 1, 0, 0, answer_names, "q2-agree",
	    "Question 2", "Choose an answer to question 2" },
	{ "comment", VALID_LINES, 0, 0, COMMENT_MAX, NULL, "comment",
	    "Comment", "Write your comment in at most 2000 characters" },
};

/* Adds question number k (q1, q2) with its choices and error to d. */
static void
question_push(struct tmpl_data *d, int k, const char *text,
    const struct valid_value *vals, const struct valid_errors *errs)
{
	struct tmpl_data *q = tmpl_data_push(d, "questions"), *o;
	char name[4];
	int v;

	snprintf(name, sizeof(name), "q%d", k + 1);
	tmpl_data_set(q, "name", name);
	tmpl_data_set(q, "question", text);
	for (v = 0; answer_names[v] != NULL; v++) {
		o = tmpl_data_push(q, "options");
		tmpl_data_set(o, "value", answer_names[v]);
		tmpl_data_set(o, "label", answer_labels[v]);
		tmpl_data_bool(o, "checked", vals != NULL && !vals[k].bad &&
		    vals[k].text != NULL && strcmp(vals[k].text,
		    answer_names[v]) == 0);
	}
	if (errs != NULL && valid_error_has(errs, name))
		tmpl_data_set(q, "error", "Choose an answer");
}

/*
 * Shows invitation s's questions with what was chosen and typed in vals
 * and the problems in errs (both NULL: a fresh form).
 */
static void
show_form(struct app *app, struct resp *rs, int status, const char *token,
    const struct db_survey *s, const struct valid_value *vals,
    const struct valid_errors *errs)
{
	struct tmpl_data *d = tmpl_data_new();
	const char *org = s->organisation[0] != '\0' ? s->organisation :
	    "your organisation";
	const char *who = s->given_name[0] != '\0' ? s->given_name :
	    "the person you care for";
	char text[256];

	tmpl_data_set(d, "title", errs != NULL && errs->n > 0 ? "Error: "
	    "what difference has music therapy made?" :
	    "What difference has music therapy made?");
	tmpl_data_set(d, "token", token);
	if (s->kind == SURVEY_FAMILY) {
		tmpl_data_setf(d, "lead", "One short question about %s's "
		    "music therapy, and space for a comment if you want it.",
		    who);
		snprintf(text, sizeof(text), "Has music therapy improved your "
		    "relationship with %s?", who);
		question_push(d, SF_Q1, text, vals, errs);
	} else {
		tmpl_data_setf(d, "lead", "Two short questions about music "
		    "therapy at %s, and space for a comment if you want it.",
		    org);
		question_push(d, SF_Q1, "Has music therapy enhanced staff "
		    "skills and understanding?", vals, errs);
		snprintf(text, sizeof(text), "Has music therapy changed the "
		    "atmosphere of %s for the better?", org);
		question_push(d, SF_Q2, text, vals, errs);
	}
	if (vals != NULL && vals[SF_COMMENT].text != NULL)
		tmpl_data_set(d, "v_comment", vals[SF_COMMENT].text);
	if (errs != NULL)
		valid_errors_tmpl(d, errs);
	app_render(app, rs, status, "survey.html", d);
	tmpl_data_free(d);
}

/* The thank-you: just now (sent) or before. */
static void
show_thanks(struct app *app, struct resp *rs, int sent)
{
	struct tmpl_data *d = tmpl_data_new();

	tmpl_data_set(d, "title", sent ? "Thank you" :
	    "You have already answered");
	tmpl_data_bool(d, "answered", 1);
	tmpl_data_bool(d, "already", !sent);
	app_render(app, rs, 200, "survey.html", d);
	tmpl_data_free(d);
}

/*
 * The refusals: a link that opens no open survey (gone: 404), or a
 * database that cannot answer (503).
 */
static void
survey_refuse(struct app *app, struct resp *rs, int gone)
{
	if (gone)
		http_error(app, rs, 404, "This survey is no longer open.");
	else
		http_error(app, rs, 503, "Your answers cannot be taken just "
		    "now. Please try again in a few minutes.");
}

/* The survey: shown for GET, stored for a POST (post 1). */
static void
survey(struct app *app, struct req *rq, struct resp *rs, int post)
{
	const struct valid_field *fields;
	struct valid_value vals[SF__MAX];
	struct valid_errors errs;
	enum db_outcome_state st;
	struct db_survey s;
	const char *token;
	char loc[96];
	int64_t id;
	int rc;

	http_header(rs, "Cache-Control", "no-store");
	http_header(rs, "X-Robots-Tag", "noindex");
	token = form_get(post ? &rq->f : &rq->q, "t");
	if (db_survey_token_check(app->db, token, &id) == -1 ||
	    (rc = db_survey_get(app->db, id, &s)) == 0) {
		http_error(app, rs, 404, "This survey link does not work. "
		    "Check that the whole link from the email was used.");
		return;
	}
	if (rc == -1) {
		survey_refuse(app, rs, 0);
		return;
	}
	if (s.answered) {
		show_thanks(app, rs, !post &&
		    form_get(&rq->q, "sent") != NULL);
		return;
	}
	if (s.gone) {
		survey_refuse(app, rs, 1);
		return;
	}
	if (!post) {
		show_form(app, rs, 200, token, &s, NULL, NULL);
		return;
	}
	fields = s.kind == SURVEY_FAMILY ? family_fields : partner_fields;
	memset(&errs, 0, sizeof(errs));
	memset(vals, 0, sizeof(vals));
	(void)valid_form_check(&rq->f, fields, SF__MAX, vals, &errs);
	if (errs.n > 0) {
		show_form(app, rs, 422, token, &s, vals, &errs);
		valid_values_free(vals, SF__MAX);
		return;
	}
	st = db_survey_answer(app->db, id, vals[SF_Q1].text,
	    s.kind == SURVEY_PARTNER ? vals[SF_Q2].text : NULL,
	    vals[SF_COMMENT].text != NULL ? vals[SF_COMMENT].text : "");
	valid_values_free(vals, SF__MAX);
	if (st == OUTCOME_OPEN) {
		/* The token is base64url: safe in a header. */
		snprintf(loc, sizeof(loc), "/survey?t=%s&sent=1", token);
		http_redirect(rs, loc);
	} else if (st == OUTCOME_ANSWERED)
		show_thanks(app, rs, 0);
	else
		survey_refuse(app, rs, st == OUTCOME_GONE);
}

void
page_survey_get(struct app *app, struct req *rq, struct resp *rs)
{
	survey(app, rq, rs, 0);
}

void
page_survey_post(struct app *app, struct req *rq, struct resp *rs)
{
	survey(app, rq, rs, 1);
}
