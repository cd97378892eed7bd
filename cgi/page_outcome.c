/*
 * page_outcome: the outcome survey, reached from the signed link in the
 * email a client gets after their sixth attended session (a setting:
 * outcome_after).  No sign-in: the link's token names the client.
 *
 *   GET  /outcome?t=TOKEN  the questions, or a thank-you once answered
 *   POST /outcome          t, positive, quality_of_life, social (each
 *                          agree | unsure | disagree) and relationship
 *                          (the same or na; absent means na); stores the
 *                          answers once and answers 303 to
 *                          /outcome?t=TOKEN; 422 with the form, what was
 *                          chosen and an error summary when a question
 *                          is unanswered
 *
 * A wrong or damaged token, or a client since erased, gets 404.  The
 * token is in the query or body only, never in the path, so the request
 * log (which prints paths) never holds it.
 */
#include <stdio.h>
#include <string.h>

#include "cgi/app.h"
#include "cgi/valid.h"
#include "db/reports.h"
#include "templates/tmpl.h"

/* What the form asks, in the email's order (enum outcome_q). */
static const struct {
	const char	*question;
	const char	*hint;
} questions[OUTCOME__MAX] = {
	{ "Music therapy gave me a positive or creative experience", NULL },
	{ "Music therapy improved my quality of life", NULL },
	{ "Music therapy helped me develop social skills and interaction "
	    "with other people", NULL },
	{ "Music therapy improved our relationship",
	    "For family members and carers who took part or saw the "
	    "sessions. If this is not you, choose “Does not apply”." },
};

static const char *const answer_labels[ANSWER__MAX] = {
	"Agree", "Not sure", "Disagree", "Does not apply",
};

/*
 * Shows the questions with the answers in a (-1: none) and the problems
 * in errs (NULL: none) in the error summary and by their questions.
 */
static void
show_form(struct app *app, struct resp *rs, int status, const char *token,
    const int a[OUTCOME__MAX], const struct valid_errors *errs)
{
	struct tmpl_data *d = tmpl_data_new(), *q, *o;
	char key[64];
	int k, v, n;

	tmpl_data_set(d, "title", errs != NULL && errs->n > 0 ? "Error: how "
	    "was music therapy for you?" : "How was music therapy for you?");
	tmpl_data_set(d, "token", token);
	for (k = 0; k < OUTCOME__MAX; k++) {
		q = tmpl_data_push(d, "questions");
		tmpl_data_set(q, "name", outcome_q_names[k]);
		tmpl_data_setf(q, "number", "%d", k + 1);
		tmpl_data_set(q, "question", questions[k].question);
		tmpl_data_set(q, "hint", questions[k].hint);
		n = k == OUTCOME_RELATIONSHIP ? ANSWER__MAX : ANSWER_NA;
		for (v = 0; v < n; v++) {
			o = tmpl_data_push(q, "options");
			tmpl_data_set(o, "value", outcome_answer_names[v]);
			tmpl_data_set(o, "label", answer_labels[v]);
			tmpl_data_bool(o, "checked", a[k] == v);
		}
		snprintf(key, sizeof(key), "%s", outcome_q_names[k]);
		if (errs != NULL && valid_error_has(errs, key))
			tmpl_data_set(q, "error", "Choose an answer");
	}
	if (errs != NULL)
		valid_errors_tmpl(d, errs);
	app_render(app, rs, status, "outcome.html", d);
	tmpl_data_free(d);
}

/*
 * The survey's fields: one choice a question, all required but the
 * relationship question ("does not apply" when left out).  Built once,
 * as the names and messages come from tables elsewhere.
 */
static struct valid_field outcome_fields[OUTCOME__MAX];
static char outcome_anchor[OUTCOME__MAX][48];
static char outcome_msg[OUTCOME__MAX][48];
static const char *outcome_choices[OUTCOME__MAX][ANSWER__MAX + 1];

static const struct valid_field *
outcome_table(void)
{
	int k, v, n;

	if (outcome_fields[0].name != NULL)
		return outcome_fields;
	for (k = 0; k < OUTCOME__MAX; k++) {
		n = k == OUTCOME_RELATIONSHIP ? ANSWER__MAX : ANSWER_NA;
		for (v = 0; v < n; v++)
			outcome_choices[k][v] = outcome_answer_names[v];
		outcome_choices[k][n] = NULL;
		snprintf(outcome_anchor[k], sizeof(outcome_anchor[k]),
		    "%s-%s", outcome_q_names[k], outcome_answer_names[0]);
		snprintf(outcome_msg[k], sizeof(outcome_msg[k]), "Choose an "
		    "answer to question %d", k + 1);
		outcome_fields[k].type = VALID_CHOICE;
		outcome_fields[k].required = k != OUTCOME_RELATIONSHIP;
		outcome_fields[k].choices = outcome_choices[k];
		outcome_fields[k].id = outcome_anchor[k];
		outcome_fields[k].label = outcome_msg[k];
		outcome_fields[k].message = outcome_msg[k];
		outcome_fields[k].name = outcome_q_names[k];
	}
	return outcome_fields;
}

static void
show_thanks(struct app *app, struct resp *rs)
{
	struct tmpl_data *d = tmpl_data_new();

	tmpl_data_set(d, "title", "Thank you");
	tmpl_data_bool(d, "answered", 1);
	app_render(app, rs, 200, "outcome.html", d);
	tmpl_data_free(d);
}

/* The survey: shown for GET, stored for a POST (post 1). */
static void
outcome(struct app *app, struct req *rq, struct resp *rs, int post)
{
	const char *token;
	enum outcome_answer ans[OUTCOME__MAX];
	enum db_outcome_state s;
	struct valid_value vals[OUTCOME__MAX];
	struct valid_errors errs;
	int a[OUTCOME__MAX], k;
	int64_t id;
	char loc[80];

	http_header(rs, "Cache-Control", "no-store");
	token = form_get(post ? &rq->f : &rq->q, "t");
	if (db_outcome_token_check(app->db, token, &id) == -1) {
		http_error(app, rs, 404, "This survey link does not work. "
		    "Check that the whole link from the email was used.");
		return;
	}
	s = db_outcome_state(app->db, id);
	if (s == OUTCOME_OPEN && post) {
		memset(&errs, 0, sizeof(errs));
		(void)valid_form_check(&rq->f, outcome_table(), OUTCOME__MAX,
		    vals, &errs);
		for (k = 0; k < OUTCOME__MAX; k++) {
			a[k] = vals[k].bad ? -1 : (int)vals[k].num;
			if (k == OUTCOME_RELATIONSHIP && !vals[k].bad &&
			    *vals[k].text == '\0')
				a[k] = ANSWER_NA;
		}
		valid_values_free(vals, OUTCOME__MAX);
		if (errs.n > 0) {
			show_form(app, rs, 422, token, a, &errs);
			return;
		}
		for (k = 0; k < OUTCOME__MAX; k++)
			ans[k] = (enum outcome_answer)a[k];
		s = db_outcome_save(app->db, id, ans);
		if (s == OUTCOME_OPEN || s == OUTCOME_ANSWERED) {
			/* The token is base64url: safe in a header. */
			snprintf(loc, sizeof(loc), "/outcome?t=%s", token);
			http_redirect(rs, loc);
			return;
		}
	}
	switch (s) {
	case OUTCOME_OPEN:
		for (k = 0; k < OUTCOME__MAX; k++)
			a[k] = -1;
		show_form(app, rs, 200, token, a, NULL);
		return;
	case OUTCOME_ANSWERED:
		show_thanks(app, rs);
		return;
	case OUTCOME_GONE:
		http_error(app, rs, 404, "This survey is no longer open.");
		return;
	default:
		http_error(app, rs, 503, "Your answers cannot be taken just "
		    "now. Please try again in a few minutes.");
		return;
	}
}

void
page_outcome_get(struct app *app, struct req *rq, struct resp *rs)
{
	outcome(app, rq, rs, 0);
}

void
page_outcome_post(struct app *app, struct req *rq, struct resp *rs)
{
	outcome(app, rq, rs, 1);
}
