/*
 * page_refer: the public self-referral form.
 *
 *   GET  /refer         the empty form, with a fresh signed form token
 *   POST /refer         validate; 303 to /refer/thanks?ref=CODE on success,
 *                       422 with the form, an error summary and every value
 *                       kept on failure
 *   GET  /refer/thanks  the reference code and what happens next
 *   GET|POST /refer/someone  the same form on someone's behalf: the
 *                       referrer's fields (table `referrer_fields`) above
 *                       the person's, any age (a child needs a parent or
 *                       guardian who arranges sessions); ?referrer_
 *                       organisation= and ?referrer_relationship= fill
 *                       those in (a partner's page links here with them)
 *   GET|POST /referrals/new  the same form for staff, with where the
 *                       referral came from; 303 to the new referral
 *   POST /refer/easy    the Easy Read answers, from page_easy.c
 *
 * One form, one check and one store serve them all: each route's
 * handler names its mode (enum refer_mode) and calls refer_get or
 * refer_post.
 *
 * The fields (DESIGN.md) are checked against the table below, in the order
 * the form shows them, so the error summary reads top to bottom.
 */
#include <ctype.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "cgi/app.h"
#include "cgi/token.h"
#include "cgi/valid.h"
#include "db/contacts.h"
#include "db/db.h"
#include "db/records.h"
#include "db/referrals.h"
#include "db/staff.h"
#include "templates/tmpl.h"

enum field_id {
	F_GIVEN_NAME,
	F_FAMILY_NAME,
	F_DATE_OF_BIRTH,
	F_EMAIL,
	F_PHONE,
	F_PREFERRED_CONTACT,
	F_VOICEMAIL_OK,
	F_POSTCODE,
	F_GP_PRACTICE,
	F_EMERGENCY_NAME,
	F_EMERGENCY_PHONE,
	F_LANGUAGE,
	F_INTERPRETER,
	F_ABOUT,
	F_NEEDS,
	F_AVAILABILITY,
	F_SESSION_TYPE,
	F_ONLINE_OK,
	F_SITE,
	F_ACCESS_NEEDS,
	F_CONSENT_DATA,
	F_CONSENT_CONTACT,
	F__MAX
};

static const char *const contact_choices[] = { "email", "phone", NULL };
static const char *const session_choices[] = {
	"individual", "group", "either", NULL
};

/*
 * The fields, in the order the form shows them.  Rules that tie fields
 * together (an email address when contact is by email, an emergency
 * contact's name and phone together, the age) are in check_input.
 */
static const struct valid_field fields[F__MAX] = {
	{ "given_name", VALID_LINE, 1, 0, 100, NULL, NULL, "First name",
	    "Enter your first name" },
	{ "family_name", VALID_LINE, 1, 0, 100, NULL, NULL, "Last name",
	    "Enter your last name" },
	{ "date_of_birth", VALID_LINE, 1, 0, 10, NULL, NULL, "Date of birth",
	    "Enter your date of birth" },
	{ "email", VALID_EMAIL, 0, 0, 0, NULL, NULL, "Email address",
	    "Enter an email address in the right format, like "
	    "name@example.com" },
	{ "phone", VALID_PHONE, 0, 0, 0, NULL, NULL, "Phone number",
	    "Enter a phone number, like 01632 960 001 or 07700 900 982" },
	{ "preferred_contact", VALID_CHOICE, 1, 0, 0, contact_choices,
	    "preferred_contact-email", "How we should contact you",
	    "Choose whether we should contact you by email or by phone" },
	{ "voicemail_ok", VALID_YES, 0, 0, 0, NULL, NULL, "Voicemail", NULL },
	{ "postcode", VALID_POSTCODE, 0, 0, 0, NULL, NULL, "Postcode",
	    "Enter a real UK postcode, like SW1A 1AA" },
	{ "gp_practice", VALID_LINE, 0, 0, 200, NULL, NULL, "GP practice",
	    NULL },
	{ "emergency_name", VALID_LINE, 0, 0, 100, NULL, NULL,
	    "Emergency contact's name", NULL },
	{ "emergency_phone", VALID_PHONE, 0, 0, 0, NULL, NULL,
	    "Emergency contact's phone number", "Enter your emergency "
	    "contact's phone number, like 07700 900 982" },
	{ "language", VALID_LINE, 0, 0, 60, NULL, NULL, "First language",
	    NULL },
	{ "interpreter", VALID_YES, 0, 0, 0, NULL, NULL, "Interpreter", NULL },
	{ "about", VALID_LINES, 1, 0, 4000, NULL, NULL, "What you hope for",
	    "Tell us a little about what you hope music therapy could help "
	    "with" },
	{ "needs", VALID_MULTI, 0, 0, 40, NULL, "needs-autism",
	    "Areas of life", NULL },
	{ "availability", VALID_MULTI, 0, 0, 8, NULL, "availability-mon_am",
	    "When you could come", NULL },
	{ "session_type", VALID_CHOICE, 1, 0, 0, session_choices,
	    "session_type-individual", "Kind of session", "Choose individual "
	    "sessions, group sessions or either" },
	{ "online_ok", VALID_YES, 0, 0, 0, NULL, NULL, "Online sessions",
	    NULL },
	{ "site", VALID_MULTI, 0, 0, 20, NULL, "site-first",
	    "Places you could reach", NULL },
	{ "access_needs", VALID_LINES, 0, 0, 2000, NULL, NULL, "Access needs",
	    NULL },
	{ "consent_data", VALID_YES, 1, 0, 0, NULL, NULL,
	    "Consent to keep your details", "Tick the box to agree that we "
	    "may keep your details: we cannot take a referral without it" },
	{ "consent_contact", VALID_YES, 0, 0, 0, NULL, NULL,
	    "Consent to email", NULL },
};

/* The hidden field that people never fill and simple bots do. */
#define HONEYPOT	"website"

/* /refer/someone's own fields, shown above the person's. */
enum referrer_field { R_NAME, R_RELATIONSHIP, R_ORGANISATION, R_EMAIL,
	R_PHONE, R_UPDATES, R_PERSON_AGREES, R_ARRANGER, R_CONTACT_NAME,
	R_CONTACT_ROLE, R_CONTACT_EMAIL, R_CONTACT_PHONE, R__MAX };

static const struct valid_field referrer_fields[R__MAX] = {
	{ "referrer_name", VALID_LINE, 1, 0, 100, NULL, NULL, "Your name",
	    "Enter your full name" },
	{ "referrer_relationship", VALID_CHOICE, 1, 0, 0, relationship_names,
	    "referrer_relationship-parent", "How you know the person",
	    "Choose how you know the person" },
	{ "referrer_organisation", VALID_LINE, 0, 0, 200, NULL, NULL,
	    "Your organisation", NULL },
	{ "referrer_email", VALID_EMAIL, 0, 0, 0, NULL, NULL,
	    "Your email address", "Enter your email address in the right "
	    "format, like name@example.com" },
	{ "referrer_phone", VALID_PHONE, 0, 0, 0, NULL, NULL,
	    "Your phone number", "Enter your phone number, like 01632 960 001 "
	    "or 07700 900 982" },
	{ "referrer_updates", VALID_YES, 0, 0, 0, NULL, NULL, "Updates",
	    NULL },
	{ "person_agrees", VALID_YES, 1, 0, 0, NULL, NULL, "Agreement",
	    "Tick the box to say the person (or for a child, their parent or "
	    "guardian) knows about this referral and agrees to it" },
	{ "arranger", VALID_CHOICE, 1, 0, 0, arranger_names,
	    "arranger-person", "Who arranges sessions",
	    "Choose who we should contact to arrange sessions" },
	{ "contact_name", VALID_LINE, 0, 0, 100, NULL, NULL,
	    "Their name", NULL },
	{ "contact_role", VALID_CHOICE, 0, 0, 0, contact_role_names, NULL,
	    "Who they are", NULL },
	{ "contact_email", VALID_EMAIL, 0, 0, 0, NULL, NULL,
	    "Their email address", "Enter their email address in the right "
	    "format, like name@example.com" },
	{ "contact_phone", VALID_PHONE, 0, 0, 0, NULL, NULL,
	    "Their phone number", "Enter their phone number, like 01632 960 "
	    "001 or 07700 900 982" },
};

/* Which form a request is for: its route's handler says. */
enum refer_mode {
	MODE_SELF,	/* /refer: an adult for themselves */
	MODE_STAFF,	/* /referrals/new: staff, with a source */
	MODE_SOMEONE,	/* /refer/someone: on someone's behalf */
	MODE_EASY	/* /refer/easy: /refer's answers, from page_easy.c */
};

/*
 * The person-field messages that speak to the person, as they read on
 * someone's behalf (NULL: the same).
 */
static const char *const someone_messages[F__MAX] = {
	[F_GIVEN_NAME] = "Enter the person's first name",
	[F_FAMILY_NAME] = "Enter the person's last name",
	[F_DATE_OF_BIRTH] = "Enter the person's date of birth",
	[F_ABOUT] = "Tell us a little about what the person hopes music "
	    "therapy could help with",
	[F_SESSION_TYPE] = "Choose individual sessions, group sessions or "
	    "either",
	[F_PREFERRED_CONTACT] = "Choose whether we should contact the person "
	    "by email or by phone",
};

/* What was posted, after checking. */
struct input {
	struct valid_value	 v[F__MAX];
	const char	*val[F__MAX];	/* v[i].text: trimmed, "" when absent */
	struct valid_errors errs;
	unsigned	 needs;
	unsigned	 availability;
	int64_t		 sites[64];
	size_t		 nsites;
	char		 dob[32];	/* date of birth as YYYY-MM-DD */
	enum refer_mode	 mode;
	struct valid_value rv[R__MAX];	/* MODE_SOMEONE: the referrer's */
	const char	*rval[R__MAX];
	int		 child;		/* under 18 */
};

static void
input_free(struct input *in)
{
	valid_values_free(in->v, F__MAX);
	valid_values_free(in->rv, R__MAX);
}

/* Records the first problem with a field. */
static void
fail(struct input *in, enum field_id f, const char *msg)
{
	in->v[f].bad = 1;
	valid_error_add_at(&in->errs, fields[f].name, fields[f].id != NULL ?
	    fields[f].id : fields[f].name, msg);
}

/* 1 when the field has a problem already. */
static int
bad(const struct input *in, enum field_id f)
{
	return in->v[f].bad;
}

/* A problem with the whole form, shown first and linked to the top. */
static void
form_error(struct input *in, const char *msg)
{
	valid_error_add_at(&in->errs, "form", "given_name", msg);
}

static int
yes(const struct input *in, enum field_id f)
{
	return in->v[f].num == 1 && !in->v[f].bad;
}

/*
 * Checks one multi-valued field: every value must be valid UTF-8 and one
 * the form offered.  Fills the bit set (needs, availability) or site list.
 */
static void
check_multi(struct input *in, const struct form *fm, enum field_id f,
    const struct db_site *sites, size_t nsites)
{
	size_t i, j, n = form_count(fm, fields[f].name);
	const char *v;
	char msg[VALID_MSG_LEN];
	int64_t id;
	int k, day, part;

	for (i = 0; i < n; i++) {
		v = form_get_nth(fm, fields[f].name, i);
		if (f == F_NEEDS) {
			if ((k = db_name_index(need_names, NEED__MAX, v)) < 0)
				goto unknown;
			in->needs |= 1u << k;
		} else if (f == F_AVAILABILITY) {
			char d[4];

			if (strlen(v) < 6 || v[3] != '_')
				goto unknown;
			memcpy(d, v, 3);
			d[3] = '\0';
			day = db_name_index(slot_day_names, SLOT_DAYS, d);
			part = db_name_index(slot_part_names, SLOT_PARTS,
			    v + 4);
			if (day < 0 || part < 0)
				goto unknown;
			in->availability |= 1u << (day * SLOT_PARTS + part);
		} else {
			if (valid_id(v, &id) == -1)
				goto unknown;
			for (j = 0; j < nsites; j++)
				if (sites[j].id == id)
					break;
			if (j == nsites)
				goto unknown;
			for (j = 0; j < in->nsites; j++)
				if (in->sites[j] == id)
					break;
			if (j == in->nsites &&
			    in->nsites < sizeof(in->sites) / sizeof(in->sites[0]))
				in->sites[in->nsites++] = id;
		}
	}
	return;
unknown:
	snprintf(msg, sizeof(msg), "%s: choose only from the options shown",
	    fields[f].label);
	fail(in, f, msg);
}

/*
 * Reads a date of birth as people type it: 1984-03-27 (as the contract
 * and date pickers send it), or day, month and year in that order with
 * any of "/", ".", "-" or spaces between (27/3/1984, 27 03 1984).
 * Writes YYYY-MM-DD into out; 0, or -1 when it is neither.
 */
static int
dob_parse(const char *s, char *out, size_t n)
{
	int a, b, c, used = 0;

	if (sscanf(s, "%4d-%2d-%2d%n", &a, &b, &c, &used) == 3 &&
	    s[used] == '\0' && strlen(s) == 10) {
		snprintf(out, n, "%s", s);
		return 0;
	}
	if (sscanf(s, "%2d%*[/. -]%2d%*[/. -]%4d%n", &a, &b, &c, &used) == 3 &&
	    s[used] == '\0' && c >= 1000 && c <= 9999 && a > 0 && a < 100 &&
	    b > 0 && b < 100) {
		snprintf(out, n, "%04d-%02d-%02d", c % 10000, b % 100, a % 100);
		return 0;
	}
	return -1;
}

/* The first value of key and its length (values may hold NUL bytes). */
static const char *
first_value(const struct form *fm, const char *key, size_t *len)
{
	size_t i;

	for (i = 0; i < fm->count; i++)
		if (strcmp(fm->fields[i].key, key) == 0) {
			*len = fm->fields[i].valuelen;
			return fm->fields[i].value;
		}
	return NULL;
}

/* Words a person-field message for someone referring another person. */
static void
someone_reword(struct input *in)
{
	size_t i, j;

	for (i = 0; i < in->errs.n; i++)
		for (j = 0; j < F__MAX; j++)
			if (someone_messages[j] != NULL &&
			    fields[j].message != NULL &&
			    strcmp(in->errs.e[i].key, fields[j].name) == 0 &&
			    strcmp(in->errs.e[i].msg, fields[j].message) == 0)
				snprintf(in->errs.e[i].msg,
				    sizeof(in->errs.e[i].msg), "%s",
				    someone_messages[j]);
}

/* Records a problem with one of the referrer's fields. */
static void
rfail(struct input *in, enum referrer_field f, const char *msg)
{
	in->rv[f].bad = 1;
	valid_error_add_at(&in->errs, referrer_fields[f].name,
	    referrer_fields[f].id != NULL ? referrer_fields[f].id :
	    referrer_fields[f].name, msg);
}

/* 1 when the arranger is the referrer or another contact. */
static int
arranged_by_other(const struct input *in)
{
	return in->mode == MODE_SOMEONE &&
	    (strcmp(in->rval[R_ARRANGER], "referrer") == 0 ||
	    strcmp(in->rval[R_ARRANGER], "other") == 0);
}

/*
 * The rules of /refer/someone that tie its fields together: a way to
 * reach the referrer, the other contact's details when they arrange
 * sessions, and for a child a parent or guardian who arranges them.
 */
static void
check_someone(struct input *in)
{
	const char *arr = in->rval[R_ARRANGER];
	const char *role = in->rval[R_CONTACT_ROLE];
	int parent;

	if (!in->rv[R_EMAIL].bad && !in->rv[R_PHONE].bad &&
	    *in->rval[R_EMAIL] == '\0' && *in->rval[R_PHONE] == '\0')
		rfail(in, R_EMAIL, "Enter your email address or phone number, "
		    "so that we can contact you about the referral");
	if (!in->rv[R_UPDATES].bad && in->rv[R_UPDATES].num == 1 &&
	    !in->rv[R_EMAIL].bad && *in->rval[R_EMAIL] == '\0')
		rfail(in, R_EMAIL, "Enter your email address, or untick the "
		    "box asking for updates");
	if (strcmp(arr, "other") == 0 && !in->rv[R_ARRANGER].bad) {
		if (!in->rv[R_CONTACT_NAME].bad && *in->rval[R_CONTACT_NAME] ==
		    '\0')
			rfail(in, R_CONTACT_NAME, "Enter the name of the person "
			    "who arranges sessions");
		if (!in->rv[R_CONTACT_ROLE].bad && *role == '\0')
			rfail(in, R_CONTACT_ROLE, "Choose who the person who "
			    "arranges sessions is");
		if (!in->rv[R_CONTACT_EMAIL].bad &&
		    !in->rv[R_CONTACT_PHONE].bad &&
		    *in->rval[R_CONTACT_EMAIL] == '\0' &&
		    *in->rval[R_CONTACT_PHONE] == '\0')
			rfail(in, R_CONTACT_EMAIL, "Enter an email address or "
			    "phone number for the person who arranges "
			    "sessions");
	}
	if (!in->child || in->rv[R_ARRANGER].bad ||
	    in->rv[R_RELATIONSHIP].bad)
		return;
	parent = (strcmp(arr, "referrer") == 0 &&
	    strcmp(in->rval[R_RELATIONSHIP], "parent") == 0) ||
	    (strcmp(arr, "other") == 0 && (strcmp(role, "parent") == 0 ||
	    strcmp(role, "guardian") == 0));
	if (!parent)
		rfail(in, R_ARRANGER, "The person is under 18: choose their "
		    "parent or guardian as the person we contact to arrange "
		    "sessions (\xe2\x80\x9cMe\xe2\x80\x9d if you are their "
		    "parent, or give the parent's details)");
}

/* Reads and checks every field of a posted form. */
static void
check_input(struct input *in, const struct form *fm,
    const struct db_site *sites, size_t nsites, enum refer_mode mode)
{
	const char *v;
	struct tm tm;
	time_t now;
	size_t i;
	int y, m, d, age;

	memset(in, 0, sizeof(*in));
	in->mode = mode;
	if (mode == MODE_SOMEONE)
		(void)valid_form_check(fm, referrer_fields, R__MAX, in->rv,
		    &in->errs);
	for (i = 0; i < R__MAX; i++)
		in->rval[i] = in->rv[i].text != NULL ? in->rv[i].text : "";
	(void)valid_form_check(fm, fields, F__MAX, in->v, &in->errs);
	for (i = 0; i < F__MAX; i++)
		in->val[i] = in->v[i].text;
	if (mode == MODE_SOMEONE)
		someone_reword(in);
	if (!bad(in, F_NEEDS))
		check_multi(in, fm, F_NEEDS, sites, nsites);
	if (!bad(in, F_AVAILABILITY))
		check_multi(in, fm, F_AVAILABILITY, sites, nsites);
	if (!bad(in, F_SITE))
		check_multi(in, fm, F_SITE, sites, nsites);

	if (!bad(in, F_DATE_OF_BIRTH)) {
		v = in->val[F_DATE_OF_BIRTH];
		now = time(NULL);
		localtime_r(&now, &tm);
		if (dob_parse(v, in->dob, sizeof(in->dob)) == -1 ||
		    valid_date(in->dob, &y, &m, &d) == -1)
			fail(in, F_DATE_OF_BIRTH, "Enter your date of birth as "
			    "day, month and year, for example 27 3 1984");
		else if ((age = valid_age(y, m, d, tm.tm_year + 1900,
		    tm.tm_mon + 1, tm.tm_mday)) < 0)
			fail(in, F_DATE_OF_BIRTH, "Date of birth must be in "
			    "the past");
		else if (age < 18 && mode == MODE_SOMEONE)
			in->child = 1;
		else if (age < 18)
			fail(in, F_DATE_OF_BIRTH, "This form is for adults "
			    "(18 or over). If you are under 18, a parent, carer, "
			    "teacher or your GP can refer you on the form for "
			    "referring someone else");
		else if (age > 120)
			fail(in, F_DATE_OF_BIRTH, "Check the year of your date "
			    "of birth");
	}

	if (arranged_by_other(in))
		;	/* we reach them through whoever arranges sessions */
	else if (!bad(in, F_EMAIL) && *in->val[F_EMAIL] == '\0') {
		if (strcmp(in->val[F_PREFERRED_CONTACT], "email") == 0)
			fail(in, F_EMAIL, "Enter your email address, as you "
			    "asked us to contact you by email");
		else if (yes(in, F_CONSENT_CONTACT))
			fail(in, F_EMAIL, "Enter your email address, or "
			    "untick the box agreeing to emails");
	}
	if (!arranged_by_other(in) && !bad(in, F_PHONE) &&
	    *in->val[F_PHONE] == '\0' &&
	    strcmp(in->val[F_PREFERRED_CONTACT], "phone") == 0)
		fail(in, F_PHONE, "Enter your phone number, as you asked us "
		    "to contact you by phone");
	if (!bad(in, F_POSTCODE) && *in->val[F_POSTCODE] == '\0')
		fail(in, F_POSTCODE, "Enter your postcode");
	if (!bad(in, F_EMERGENCY_PHONE) && *in->val[F_EMERGENCY_PHONE] ==
	    '\0' && *in->val[F_EMERGENCY_NAME] != '\0')
		fail(in, F_EMERGENCY_PHONE, "Enter a phone number for your "
		    "emergency contact");
	if (!bad(in, F_EMERGENCY_NAME) && *in->val[F_EMERGENCY_NAME] ==
	    '\0' && *in->val[F_EMERGENCY_PHONE] != '\0')
		fail(in, F_EMERGENCY_NAME, "Enter your emergency contact's "
		    "name");
	if (!bad(in, F_NEEDS) && in->needs == 0)
		fail(in, F_NEEDS, "Choose at least one area of life, or "
		    "\xe2\x80\x9cSomething else\xe2\x80\x9d");
	if (!bad(in, F_AVAILABILITY) && in->availability == 0)
		fail(in, F_AVAILABILITY, "Choose at least one time of the week "
		    "when you could come");
	/* The sites list is the first control when there are sites. */
	for (i = 0; i < in->errs.n && nsites > 0; i++)
		if (strcmp(in->errs.e[i].key, "site") == 0)
			snprintf(in->errs.e[i].anchor,
			    sizeof(in->errs.e[i].anchor), "sites");
	if (mode == MODE_SOMEONE)
		check_someone(in);
	valid_errors_sort(&in->errs, fields, F__MAX);
}

/* Sets the data the form template shows: values, choices, errors. */
static void
form_data(struct tmpl_data *d, const struct input *in,
    const struct db_site *sites, size_t nsites, const char *token)
{
	struct tmpl_data *e, *day, *slot;
	char key[64];
	size_t i, j;
	int k, p, bit;

	tmpl_data_set(d, "token", token);
	tmpl_data_set(d, "honeypot", HONEYPOT);
	for (i = 0; i < F__MAX && in != NULL; i++) {
		if (fields[i].type == VALID_YES ||
		    fields[i].type == VALID_CHOICE) {
			snprintf(key, sizeof(key), "c_%s_%s", fields[i].name,
			    in->val[i]);
			tmpl_data_bool(d, key, *in->val[i] != '\0');
		}
	}
	if (in != NULL) {
		valid_values_tmpl(d, fields, F__MAX, in->v);
		valid_errors_tmpl(d, &in->errs);
	}
	for (k = 0; k < NEED__MAX; k++) {
		e = tmpl_data_push(d, "needs");
		tmpl_data_set(e, "value", need_names[k]);
		tmpl_data_set(e, "label", need_labels[k]);
		tmpl_data_bool(e, "checked", in != NULL &&
		    (in->needs & (1u << k)));
	}
	for (k = 0; k < SLOT_DAYS; k++) {
		day = tmpl_data_push(d, "days");
		tmpl_data_set(day, "label", slot_day_labels[k]);
		for (p = 0; p < SLOT_PARTS; p++) {
			bit = k * SLOT_PARTS + p;
			slot = tmpl_data_push(day, "slots");
			tmpl_data_setf(slot, "value", "%s_%s",
			    slot_day_names[k], slot_part_names[p]);
			tmpl_data_setf(slot, "label", "%s %s",
			    slot_day_labels[k], slot_part_labels[p]);
			tmpl_data_set(slot, "part", slot_part_labels[p]);
			tmpl_data_bool(slot, "checked", in != NULL &&
			    (in->availability & (1u << bit)));
		}
	}
	for (p = 0; p < SLOT_PARTS; p++) {
		e = tmpl_data_push(d, "parts");
		tmpl_data_set(e, "label", slot_part_labels[p]);
	}
	tmpl_data_bool(d, "has_sites", nsites > 0);
	for (i = 0; i < nsites; i++) {
		e = tmpl_data_push(d, "sites");
		tmpl_data_setf(e, "id", "%lld", (long long)sites[i].id);
		tmpl_data_set(e, "name", sites[i].name);
		if ((k = db_name_index(db_site_kind_names, SITE_KIND__MAX,
		    sites[i].kind)) >= 0)
			tmpl_data_set(e, "kind", db_site_kind_labels[k]);
		tmpl_data_set(e, "postcode", sites[i].postcode);
		tmpl_data_bool(e, "step_free", sites[i].step_free);
		tmpl_data_bool(e, "first", i == 0);
		if (in == NULL)
			continue;
		for (j = 0; j < in->nsites; j++)
			if (in->sites[j] == sites[i].id)
				tmpl_data_bool(e, "checked", 1);
	}
}

/* Where a referral entered by staff came from. */
static const char *const source_names[] = { "phone", "partner", "gp",
	"other" };
static const char *const source_labels[] = { "A phone call",
	"A partner organisation", "A GP or health professional", "Other" };
#define SOURCES	(sizeof(source_names) / sizeof(source_names[0]))

/*
 * Sets /refer/someone's own data: the referrer's kept values and choices
 * (from in, or on a blank form from the query's referrer_organisation and
 * referrer_relationship, which a partner's page links with).
 */
static void
someone_data(struct tmpl_data *d, const struct req *rq,
    const struct input *in)
{
	struct tmpl_data *e;
	const char *rel = NULL, *role = NULL, *org;
	char key[64];
	size_t i;

	tmpl_data_bool(d, "someone", 1);
	if (in != NULL) {
		valid_values_tmpl(d, referrer_fields, R__MAX, in->rv);
		for (i = 0; i < R__MAX; i++)
			if ((referrer_fields[i].type == VALID_YES ||
			    referrer_fields[i].type == VALID_CHOICE) &&
			    *in->rval[i] != '\0') {
				snprintf(key, sizeof(key), "c_%s_%s",
				    referrer_fields[i].name, in->rval[i]);
				tmpl_data_bool(d, key, 1);
			}
		rel = in->rval[R_RELATIONSHIP];
		role = in->rval[R_CONTACT_ROLE];
	} else {
		rel = form_get(&rq->q, "referrer_relationship");
		if ((org = form_get(&rq->q, "referrer_organisation")) != NULL &&
		    strlen(org) <= 200 && valid_line(org, strlen(org)))
			tmpl_data_set(d, "v_referrer_organisation", org);
	}
	for (i = 0; i < REL__MAX; i++) {
		e = tmpl_data_push(d, "relationships");
		tmpl_data_set(e, "value", relationship_names[i]);
		tmpl_data_set(e, "label", relationship_labels[i]);
		tmpl_data_bool(e, "checked", rel != NULL &&
		    strcmp(rel, relationship_names[i]) == 0);
	}
	for (i = 0; i < CROLE__MAX; i++) {
		e = tmpl_data_push(d, "contact_roles");
		tmpl_data_set(e, "value", contact_role_names[i]);
		tmpl_data_set(e, "label", contact_role_labels[i]);
		tmpl_data_bool(e, "selected", role != NULL &&
		    strcmp(role, contact_role_names[i]) == 0);
	}
}

/*
 * Shows the form of mode with status, the answers and problems of in
 * (NULL: a blank form), and token.
 */
static void
show_form(struct app *app, const struct req *rq, struct resp *rs,
    enum refer_mode mode, int status, struct input *in,
    const struct db_site *sites, size_t nsites, const char *token)
{
	struct tmpl_data *d, *e;
	const char *src = form_get(&rq->f, "source");
	size_t i;

	if (mode == MODE_EASY) {
		page_easy_refused(app, rq, rs, status, in != NULL ? &in->errs :
		    NULL, token);
		return;
	}
	if (mode == MODE_STAFF) {
		d = app_staff_data(app, rq, status == 200 ? "Add a referral" :
		    "Error: add a referral");
		tmpl_data_bool(d, "staff", 1);
		tmpl_data_set(d, "action", "/referrals/new");
		for (i = 0; i < SOURCES; i++) {
			e = tmpl_data_push(d, "sources");
			tmpl_data_set(e, "value", source_names[i]);
			tmpl_data_set(e, "label", source_labels[i]);
			tmpl_data_bool(e, "checked", src != NULL &&
			    strcmp(src, source_names[i]) == 0);
		}
		tmpl_data_set(d, "v_source_detail",
		    form_get(&rq->f, "source_detail"));
	} else if (mode == MODE_SOMEONE) {
		d = tmpl_data_new();
		tmpl_data_set(d, "title", status == 200 ? "Refer someone else "
		    "for music therapy" : "Error: refer someone else for music "
		    "therapy");
		tmpl_data_set(d, "action", "/refer/someone");
		someone_data(d, rq, in);
	} else {
		d = tmpl_data_new();
		tmpl_data_set(d, "title", status == 200 ? "Refer yourself for "
		    "music therapy" : "Error: refer yourself for music "
		    "therapy");
		tmpl_data_set(d, "action", "/refer");
	}
	/* The person's questions speak to them, or about them. */
	if (mode == MODE_SOMEONE) {
		tmpl_data_set(d, "you", "them");
		tmpl_data_set(d, "your", "their");
		tmpl_data_set(d, "Your", "Their");
		tmpl_data_set(d, "me", "them");
		tmpl_data_set(d, "my", "the");
	} else {
		tmpl_data_set(d, "you", "you");
		tmpl_data_set(d, "your", "your");
		tmpl_data_set(d, "Your", "Your");
		tmpl_data_set(d, "me", "me");
		tmpl_data_set(d, "my", "my");
	}
	if (in != NULL)
		valid_errors_sort(&in->errs, fields, F__MAX);
	form_data(d, in, sites, nsites, token);
	http_header(rs, "Cache-Control", "no-store");
	app_render(app, rs, status, "refer.html", d);
	tmpl_data_free(d);
}

/*
 * The empty public form is the same page for everyone but its token: a
 * worker renders it once with a hole for the token and keeps it until
 * what it shows from the database (the sites, the contact details)
 * changes (app_cache.c).
 */
static struct app_page blank;

/* The blank form of mode, with a fresh token. */
static void
refer_get(struct app *app, const struct req *rq, struct resp *rs,
    enum refer_mode mode)
{
	const struct db_site *sites;
	struct resp tmp;
	size_t nsites;
	char token[TOKEN_STR_LEN];
	int fresh = 0, self = mode == MODE_SELF;

	if (self && (fresh = app_page_fresh(app, &blank)) == 1) {
		token_make(app->form_key, time(NULL), token);
		app_page_answer(&blank, token, rs);
		return;
	}
	if (fresh == -1 || app_sites(app, &sites, &nsites) == -1) {
		http_error(app, rs, 503, "The form cannot be shown just now. "
		    "Please try again in a few minutes.");
		return;
	}
	if (self) {
		memset(&tmp, 0, sizeof(tmp));
		show_form(app, rq, &tmp, mode, 200, NULL, sites, nsites,
		    APP_PAGE_HOLE);
		(void)app_page_keep(&blank, &tmp);
		buf_free(&tmp.headers);
		buf_free(&tmp.body);
	}
	token_make(app->form_key, time(NULL), token);
	if (self && blank.ok)
		app_page_answer(&blank, token, rs);
	else
		show_form(app, rq, rs, mode, 200, NULL, sites, nsites, token);
}

/* The role on the record of a referrer who arranges sessions. */
static const char *
referrer_role(const char *rel)
{
	if (strcmp(rel, "parent") == 0)
		return "parent";
	if (strcmp(rel, "carer") == 0)
		return "carer";
	if (strcmp(rel, "family") == 0)
		return "family";
	if (strcmp(rel, "partner_staff") == 0 ||
	    strcmp(rel, "social_worker") == 0 ||
	    strcmp(rel, "health_professional") == 0)
		return "key_worker";
	return "other";
}

/*
 * Fills r's referrer and its contact (the one who arranges sessions, when
 * not the person) from /refer/someone's answers.  The strings stay in
 * in.  A child's emails go to the parent who arranges sessions: when the
 * child has no email or phone of their own, the parent's are used.
 */
static void
someone_store(const struct input *in, struct db_referral *r,
    struct db_referrer *f, struct db_contact *c)
{
	int rel = db_name_index(relationship_names, REL__MAX,
	    in->rval[R_RELATIONSHIP]);

	memset(f, 0, sizeof(*f));
	memset(c, 0, sizeof(*c));
	f->name = in->rval[R_NAME];
	f->email = in->rval[R_EMAIL];
	f->phone = in->rv[R_PHONE].norm;
	f->relationship = in->rval[R_RELATIONSHIP];
	f->organisation = in->rval[R_ORGANISATION];
	f->arranger = in->rval[R_ARRANGER];
	f->wants_updates = in->rv[R_UPDATES].num == 1;
	r->referrer = f;
	r->source = db_relationship_source((enum relationship)rel);
	r->source_detail = in->rval[R_ORGANISATION];
	if (strcmp(f->arranger, "referrer") == 0) {
		c->name = f->name;
		c->email = f->email;
		c->phone = f->phone;
		c->role = referrer_role(f->relationship);
	} else if (strcmp(f->arranger, "other") == 0) {
		c->name = in->rval[R_CONTACT_NAME];
		c->email = in->rval[R_CONTACT_EMAIL];
		c->phone = in->rv[R_CONTACT_PHONE].norm;
		c->role = in->rval[R_CONTACT_ROLE];
	} else
		return;
	c->gets_confirmations = c->gets_reminders = c->gets_changes = 1;
	c->arranges = 1;
	c->consent = 1;
	r->contacts = c;
	r->ncontacts = 1;
	if (in->child && *r->email == '\0')
		r->email = c->email;
	if (in->child && *r->phone == '\0')
		r->phone = c->phone;
}

/*
 * Fills the rate limit keys of a public referral from rq's address and
 * for email (may be empty) into addr and mail, and names them in r: the
 * referral is refused (DB_LIMITED) when either has had more than the
 * limit in the hour.  They are counted in the referral's own write, so
 * a full disk fails them as it fails the referral.  nginx limits how
 * fast one address posts; this keeps the limit when nginx does not.
 */
static void
refer_limits(const struct app *app, const struct req *rq, const char *email,
    struct db_referral *r, char addr[300], char mail[300])
{
	size_t i;

	snprintf(addr, 300, "refer-addr:%s", rq->remote_addr);
	r->rate_keys[0] = addr;
	if (email != NULL && *email != '\0') {
		snprintf(mail, 300, "refer-email:%s", email);
		for (i = 12; mail[i] != '\0'; i++)
			mail[i] = (char)tolower((unsigned char)mail[i]);
		r->rate_keys[1] = mail;
	}
	r->rate_limit = app->refer_per_hour;
}

/*
 * Checks and stores the answers posted to the form of mode: a redirect
 * on success, else the form again with the problems and every answer.
 */
static void
refer_post(struct app *app, const struct req *rq, struct resp *rs,
    enum refer_mode mode)
{
	struct input in;
	struct db_referral r;
	struct db_referrer referrer;
	struct db_contact contact;
	const struct db_site *sites;
	unsigned char nonce[TOKEN_NONCE_LEN];
	char token[TOKEN_STR_LEN], loc[64], addr_key[300], mail_key[300];
	const char *hp, *src = NULL, *detail = NULL;
	enum token_check tc;
	enum db_result res;
	size_t nsites;

	if (rq->bodylen > 0 && rq->f.count == 0 && rq->badbody == FORM_OK &&
	    *rq->content_type != '\0' &&
	    strncmp(rq->content_type, "application/x-www-form-urlencoded",
	    33) != 0) {
		http_error(app, rs, 415, "This form must be sent from its web "
		    "page. Please open the form again and send it from there.");
		return;
	}
	if (rq->badbody != FORM_OK) {
		http_error(app, rs, 400, rq->badbody == FORM_TOO_MANY ?
		    "The form arrived with far too many answers. Please open "
		    "the form again and send it from there." :
		    "The form arrived garbled. Please open the form again and "
		    "send it from there.");
		return;
	}
	if (app_sites(app, &sites, &nsites) == -1) {
		http_error(app, rs, 503, "We cannot take referrals just now. "
		    "Please try again in a few minutes.");
		return;
	}
	check_input(&in, &rq->f, sites, nsites, mode);
	if (mode == MODE_STAFF) {
		src = form_get(&rq->f, "source");
		detail = form_get(&rq->f, "source_detail");
		if (src == NULL || db_name_index(source_names, SOURCES,
		    src) < 0)
			valid_error_add_at(&in.errs, "source", "source-phone",
			    "Choose where this referral came from");
		else if (detail != NULL && (strlen(detail) > 200 ||
		    !valid_line(detail, strlen(detail))))
			valid_error_add_at(&in.errs, "source", "source-phone",
			    "Who referred them: use at most 200 letters, "
			    "numbers and punctuation; no line breaks");
		/*
		 * The form token here only makes a double submit store one
		 * referral (the CSRF check already vouched for the form): a
		 * missing or old one just stores without that guard.
		 */
		tc = token_check(app->form_key, form_get(&rq->f, "form_token"),
		    time(NULL), nonce);
		if (tc == TOKEN_OK)
			snprintf(token, sizeof(token), "%s",
			    form_get(&rq->f, "form_token"));
		else
			token_make(app->form_key, time(NULL), token);
		if (in.errs.n > 0) {
			show_form(app, rq, rs, mode, 422, &in, sites, nsites,
			    token);
			goto out;
		}
		goto store;
	}

	{
		/* A token holding a NUL byte is not one we made. */
		size_t tlen = 0;
		const char *tv = first_value(&rq->f, "form_token", &tlen);

		tc = tv != NULL && strlen(tv) != tlen ? TOKEN_BAD :
		    token_check(app->form_key, tv, time(NULL), nonce);
	}
	if (tc == TOKEN_OK)
		snprintf(token, sizeof(token), "%s",
		    form_get(&rq->f, "form_token"));
	else
		token_make(app->form_key, time(NULL), token);
	hp = form_get(&rq->f, HONEYPOT);
	if (hp != NULL && *hp != '\0')
		form_error(&in, "Leave the last field, marked \xe2\x80\x9cleave "
		    "this empty\xe2\x80\x9d, empty, then send the form again.");
	else if (tc == TOKEN_EXPIRED)
		form_error(&in, "This form was open for a long time, so we "
		    "could not accept it yet. Your answers are kept: check "
		    "them and send the form again.");
	else if (tc != TOKEN_OK)
		form_error(&in, "We could not check that this form came from "
		    "our website. Your answers are kept: check them and send "
		    "the form again.");
	if (in.errs.n > 0) {
		show_form(app, rq, rs, mode, 422, &in, sites, nsites, token);
		goto out;
	}

store:
	memset(&r, 0, sizeof(r));
	r.source = in.mode == MODE_EASY ? "easy_read" : "self";
	if (mode == MODE_STAFF) {
		r.source = src;
		r.source_detail = detail;
		r.created_by = rq->user->id;
	}
	r.given_name = in.val[F_GIVEN_NAME];
	r.family_name = in.val[F_FAMILY_NAME];
	r.email = in.val[F_EMAIL];
	r.phone = in.v[F_PHONE].norm;
	r.postcode = in.v[F_POSTCODE].norm;
	r.date_of_birth = in.dob;
	r.preferred_contact = in.val[F_PREFERRED_CONTACT];
	r.voicemail_ok = yes(&in, F_VOICEMAIL_OK);
	r.needs = in.needs;
	r.about = in.val[F_ABOUT];
	r.availability = in.availability;
	r.session_type = in.val[F_SESSION_TYPE];
	r.online_ok = yes(&in, F_ONLINE_OK);
	r.access_needs = in.val[F_ACCESS_NEEDS];
	r.language = in.val[F_LANGUAGE];
	r.interpreter = yes(&in, F_INTERPRETER);
	r.gp_practice = in.val[F_GP_PRACTICE];
	r.emergency_name = in.val[F_EMERGENCY_NAME];
	r.emergency_phone = in.v[F_EMERGENCY_PHONE].norm;
	r.consent_data = 1;
	r.consent_contact = yes(&in, F_CONSENT_CONTACT);
	r.sites = in.sites;
	r.nsites = in.nsites;
	if (in.mode == MODE_SOMEONE)
		someone_store(&in, &r, &referrer, &contact);
	if (mode != MODE_STAFF)
		refer_limits(app, rq, in.mode == MODE_SOMEONE ?
		    in.rval[R_EMAIL] : in.val[F_EMAIL], &r, addr_key,
		    mail_key);

	res = db_referral_create(app->db, &r, tc == TOKEN_OK ? nonce : NULL,
	    app->msgid_domain);
	switch (res) {
	case DB_OK:
	case DB_DUPLICATE:
		if (res == DB_DUPLICATE && mode == MODE_STAFF &&
		    db_referral_by_ref(app->db, r.ref, &r.id) != 1)
			r.id = 0;
		if (mode == MODE_STAFF && r.id <= 0)
			snprintf(loc, sizeof(loc), "/referrals");
		else if (mode == MODE_STAFF)
			snprintf(loc, sizeof(loc), "/referrals/%lld",
			    (long long)r.id);
		else
			snprintf(loc, sizeof(loc), "/refer/thanks?ref=%s%s",
			    r.ref, in.mode == MODE_EASY ? "&easy" : "");
		http_redirect(rs, loc);
		break;
	case DB_FULL:
		form_error(&in, "We could not save your referral because our "
		    "system is out of space. Nothing was saved. Your answers "
		    "are kept: please try again later, or phone us.");
		show_form(app, rq, rs, mode, 503, &in, sites, nsites, token);
		break;
	case DB_LIMITED:
		form_error(&in, "We have had several referrals from here in "
		    "the last hour, so we could not take this one now. Nothing "
		    "was saved. Your answers are kept: please send the form "
		    "again in an hour, or phone us.");
		show_form(app, rq, rs, mode, 429, &in, sites, nsites, token);
		break;
	default:
		form_error(&in, "We could not save your referral just now. "
		    "Nothing was saved. Your answers are kept: please send the "
		    "form again in a minute.");
		show_form(app, rq, rs, mode, 503, &in, sites, nsites, token);
		break;
	}
out:
	input_free(&in);
}

/* The routes: each form is one mode of the same code. */
void
page_refer_get(struct app *app, struct req *rq, struct resp *rs)
{
	refer_get(app, rq, rs, MODE_SELF);
}

void
page_refer_post(struct app *app, struct req *rq, struct resp *rs)
{
	refer_post(app, rq, rs, MODE_SELF);
}

void
page_refer_someone_get(struct app *app, struct req *rq, struct resp *rs)
{
	refer_get(app, rq, rs, MODE_SOMEONE);
}

void
page_refer_someone_post(struct app *app, struct req *rq, struct resp *rs)
{
	refer_post(app, rq, rs, MODE_SOMEONE);
}

void
page_refer_staff_get(struct app *app, struct req *rq, struct resp *rs)
{
	refer_get(app, rq, rs, MODE_STAFF);
}

void
page_refer_staff_post(struct app *app, struct req *rq, struct resp *rs)
{
	refer_post(app, rq, rs, MODE_STAFF);
}

void
page_refer_easy_send(struct app *app, const struct req *rq, struct resp *rs)
{
	refer_post(app, rq, rs, MODE_EASY);
}

void
page_refer_check(const struct form *fm, struct valid_errors *errs)
{
	struct input in;

	check_input(&in, fm, NULL, 0, MODE_EASY);
	*errs = in.errs;
	input_free(&in);
}

void
page_refer_thanks(struct app *app, struct req *rq, struct resp *rs)
{
	struct tmpl_data *d;
	char ref[16];
	const char *v = form_get(&rq->q, "ref");

	if (v == NULL || valid_refcode_check(v, ref, sizeof(ref)) == -1) {
		http_error(app, rs, 404, "We cannot find that reference. If "
		    "you have just sent the form, the code is in the email we "
		    "sent you.");
		return;
	}
	d = tmpl_data_new();
	tmpl_data_set(d, "title", "Referral received");
	tmpl_data_set(d, "ref", ref);
	/* After the Easy Read form: the same, in Easy Read. */
	tmpl_data_bool(d, "easy", form_get(&rq->q, "easy") != NULL);
	http_header(rs, "Cache-Control", "no-store");
	app_render(app, rs, 200, "refer_thanks.html", d);
	tmpl_data_free(d);
}
