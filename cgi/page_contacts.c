/*
 * page_contacts: who referred a person on their behalf and the contacts
 * on their record (issue 19).
 *
 *   GET  /referrals/:id/contacts   the form to add a contact
 *   POST /referrals/:id/contacts   action=add with the fields below: 303
 *                                  to the referral, or 422 with the form,
 *                                  an error summary and the typing kept;
 *                                  action=remove with contact=ID: 303
 *
 * The referral page shows both through page_contacts_tmpl.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cgi/app.h"
#include "cgi/auth.h"
#include "cgi/valid.h"
#include "db/contacts.h"
#include "db/db.h"
#include "templates/tmpl.h"

/* The add form's fields. */
enum contact_field { C_NAME, C_ROLE, C_EMAIL, C_PHONE, C_CONFIRMATIONS,
	C_REMINDERS, C_CHANGES, C_ARRANGES, C_CONSENT, C__MAX };

static const struct valid_field contact_fields[C__MAX] = {
	{ "name", VALID_LINE, 1, 0, 100, NULL, NULL, "Name",
	    "Enter the contact's name" },
	{ "role", VALID_CHOICE, 1, 0, 0, contact_role_names, NULL,
	    "Who they are", "Choose who the contact is" },
	{ "email", VALID_EMAIL, 0, 0, 0, NULL, NULL, "Email address",
	    "Enter an email address in the right format, like "
	    "name@example.com" },
	{ "phone", VALID_PHONE, 0, 0, 0, NULL, NULL, "Phone number",
	    "Enter a phone number, like 01632 960 001 or 07700 900 982" },
	{ "gets_confirmations", VALID_YES, 0, 0, 0, NULL, NULL,
	    "Booking confirmations", NULL },
	{ "gets_reminders", VALID_YES, 0, 0, 0, NULL, NULL, "Reminders", NULL },
	{ "gets_changes", VALID_YES, 0, 0, 0, NULL, NULL, "Changes", NULL },
	{ "arranges", VALID_YES, 0, 0, 0, NULL, NULL, "Arranges sessions",
	    NULL },
	{ "consent", VALID_YES, 0, 0, 0, NULL, NULL, "Consent", NULL },
};

/* One contact into the referral page's list. */
static void
contact_row(void *arg, const struct db_contact *c)
{
	struct tmpl_data *e = tmpl_data_push(arg, "contacts");
	int k = db_name_index(contact_role_names, CROLE__MAX, c->role);

	tmpl_data_setf(e, "contact_id", "%lld", (long long)c->id);
	tmpl_data_set(e, "name", c->name);
	tmpl_data_set(e, "role", k >= 0 ? contact_role_labels[k] : c->role);
	tmpl_data_set(e, "email", c->email);
	tmpl_data_set(e, "phone", c->phone);
	tmpl_data_bool(e, "confirmations", c->gets_confirmations);
	tmpl_data_bool(e, "reminders", c->gets_reminders);
	tmpl_data_bool(e, "changes", c->gets_changes);
	tmpl_data_bool(e, "arranges", c->arranges);
	tmpl_data_bool(e, "consent", c->consent);
	tmpl_data_bool(e, "unsubscribed", c->unsubscribed);
	tmpl_data_bool(arg, "has_contacts", 1);
}

void
page_contacts_tmpl(struct app *app, struct tmpl_data *d, int64_t rid)
{
	struct db_referrer f;
	char *store = NULL;
	int k;

	if (db_referrer_load(app->db, rid, &f, &store) == 1) {
		tmpl_data_bool(d, "has_referrer", 1);
		tmpl_data_set(d, "referrer_name", f.name);
		k = db_name_index(relationship_names, REL__MAX, f.relationship);
		tmpl_data_set(d, "referrer_relationship", k >= 0 ?
		    relationship_labels[k] : f.relationship);
		tmpl_data_set(d, "referrer_organisation", f.organisation);
		tmpl_data_set(d, "referrer_email", f.email);
		tmpl_data_set(d, "referrer_phone", f.phone);
		tmpl_data_set(d, "referrer_arranger",
		    strcmp(f.arranger, "referrer") == 0 ? "the referrer" :
		    strcmp(f.arranger, "other") == 0 ? "the contact below" :
		    "the person");
		tmpl_data_bool(d, "referrer_updates", f.wants_updates);
	}
	free(store);
	(void)db_contacts_each(app->db, rid, contact_row, d);
}

/* The add form, with in's typing and problems when in is not NULL. */
static void
show_form(struct app *app, struct req *rq, struct resp *rs, int status,
    const struct valid_value *in, const struct valid_errors *errs)
{
	struct tmpl_data *d, *e;
	char key[64];
	size_t i;

	d = app_staff_data(app, rq, errs != NULL && errs->n > 0 ?
	    "Error: add a contact" : "Add a contact");
	tmpl_data_setf(d, "id", "%lld", (long long)rq->id[0]);
	for (i = 0; i < CROLE__MAX; i++) {
		e = tmpl_data_push(d, "roles");
		tmpl_data_set(e, "value", contact_role_names[i]);
		tmpl_data_set(e, "label", contact_role_labels[i]);
		tmpl_data_bool(e, "checked", in != NULL &&
		    in[C_ROLE].text != NULL &&
		    strcmp(in[C_ROLE].text, contact_role_names[i]) == 0);
	}
	if (in != NULL) {
		valid_values_tmpl(d, contact_fields, C__MAX, in);
		for (i = C_CONFIRMATIONS; i < C__MAX; i++) {
			snprintf(key, sizeof(key), "c_%s",
			    contact_fields[i].name);
			tmpl_data_bool(d, key, in[i].num == 1);
		}
	}
	if (errs != NULL)
		valid_errors_tmpl(d, errs);
	app_render(app, rs, status, "contact_add.html", d);
	tmpl_data_free(d);
}

void
page_contacts_get(struct app *app, struct req *rq, struct resp *rs)
{
	show_form(app, rq, rs, 200, NULL, NULL);
}

void
page_contacts_post(struct app *app, struct req *rq, struct resp *rs)
{
	struct valid_value in[C__MAX];
	struct valid_errors errs;
	struct db_contact c;
	const char *action = form_get(&rq->f, "action");
	char loc[64];
	int64_t cid;

	memset(in, 0, sizeof(in));
	memset(&errs, 0, sizeof(errs));
	snprintf(loc, sizeof(loc), "/referrals/%lld", (long long)rq->id[0]);
	if (action != NULL && strcmp(action, "remove") == 0) {
		if (valid_id(form_get(&rq->f, "contact"), &cid) == -1 ||
		    db_contact_remove(app->db, rq->id[0], cid, rq->user->id,
		    rq->remote_addr) != DB_OK) {
			http_error(app, rs, 404, "That contact is not on this "
			    "record any more.");
			return;
		}
		http_redirect(rs, loc);
		return;
	}
	(void)valid_form_check(&rq->f, contact_fields, C__MAX, in, &errs);
	if (!in[C_EMAIL].bad && !in[C_PHONE].bad && *in[C_EMAIL].text ==
	    '\0' && *in[C_PHONE].text == '\0')
		valid_error_add(&errs, "email", "Enter an email address or a "
		    "phone number for the contact");
	if (!in[C_EMAIL].bad && *in[C_EMAIL].text == '\0' &&
	    (in[C_CONFIRMATIONS].num == 1 || in[C_REMINDERS].num == 1 ||
	    in[C_CHANGES].num == 1))
		valid_error_add(&errs, "email", "Enter the contact's email "
		    "address, or untick the emails they should get");
	valid_errors_sort(&errs, contact_fields, C__MAX);
	if (errs.n > 0) {
		show_form(app, rq, rs, 422, in, &errs);
		goto out;
	}
	memset(&c, 0, sizeof(c));
	c.referral_id = rq->id[0];
	c.name = in[C_NAME].text;
	c.role = in[C_ROLE].text;
	c.email = in[C_EMAIL].text;
	c.phone = in[C_PHONE].norm;
	c.gets_confirmations = in[C_CONFIRMATIONS].num == 1;
	c.gets_reminders = in[C_REMINDERS].num == 1;
	c.gets_changes = in[C_CHANGES].num == 1;
	c.arranges = in[C_ARRANGES].num == 1;
	c.consent = in[C_CONSENT].num == 1;
	switch (db_contact_add(app->db, &c, rq->user->id, rq->remote_addr)) {
	case DB_OK:
		http_redirect(rs, loc);
		break;
	case DB_INVALID:
		http_error(app, rs, 404, "That referral no longer exists.");
		break;
	default:
		valid_error_add(&errs, "name", "The contact could not be saved "
		    "just now. Nothing was saved: please try again.");
		show_form(app, rq, rs, 503, in, &errs);
		break;
	}
out:
	valid_values_free(in, C__MAX);
}
