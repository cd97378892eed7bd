/*
 * demo_someone: issue 19's step of the demo, three referrals that came
 * in this week the ways the public forms take them, stored by the same
 * db_referral_create the forms call (so each has its acknowledgement,
 * its referrer's "received" update and the coordinators' notices):
 *   - a child referred by her father, who arranges the sessions;
 *   - a care-home resident referred by a nurse, who is her key worker
 *     and the contact who arranges sessions;
 *   - an adult with a learning disability who used the Easy Read form.
 */
#include <stdio.h>
#include <string.h>
#include <time.h>

#include "ctl/demo.h"
#include "db/contacts.h"
#include "db/db.h"
#include "db/referrals.h"

/* Bit of a week slot (db/referrals.h): day 0 Monday, part 0 morning. */
#define SLOT(day, part)	(1u << ((day) * SLOT_PARTS + (part)))

/* Writes the date years before now as YYYY-MM-DD (the birthday today). */
static void
born(const struct demo *d, int years, int days, char out[11])
{
	time_t t = (time_t)d->now - (time_t)days * 86400;
	struct tm tm;

	localtime_r(&t, &tm);
	snprintf(out, 11, "%04u-%02u-%02u",
	    (unsigned)(tm.tm_year + 1900 - years) % 10000u,
	    (unsigned)(tm.tm_mon + 1) % 100u, (unsigned)tm.tm_mday % 100u);
}

/* Stores r; 0, or -1 with a message. */
static int
store(struct demo *d, struct db_referral *r, const char *who)
{
	if (db_referral_create(d->db, r, NULL, DEMO_DOMAIN) != DB_OK) {
		fprintf(stderr, "demo: cannot store %s's referral\n", who);
		return -1;
	}
	fprintf(stderr, "demo: %s referred (%s, source %s)\n", who, r->ref,
	    r->source);
	return 0;
}

/*
 * Starts r afresh as referred by someone who also arranges the sessions:
 * f the referrer (name, email, phone, rel, organisation) wanting
 * updates, and c the one contact, the same person in role, with every
 * email.  Cannot fail.
 */
static void
by_arranger(struct db_referral *r, struct db_referrer *f,
    struct db_contact *c, const char *const who[4], enum relationship rel,
    enum contact_role role)
{
	memset(r, 0, sizeof(*r));
	memset(f, 0, sizeof(*f));
	memset(c, 0, sizeof(*c));
	f->name = c->name = who[0];
	f->email = c->email = who[1];
	f->phone = c->phone = who[2];
	f->organisation = who[3];
	f->relationship = relationship_names[rel];
	f->arranger = "referrer";
	f->wants_updates = 1;
	c->role = contact_role_names[role];
	c->gets_confirmations = c->gets_reminders = c->gets_changes = 1;
	c->arranges = c->consent = 1;
	r->source = db_relationship_source(rel);
	r->phone = f->phone;
	r->referrer = f;
	r->contacts = c;
	r->ncontacts = 1;
}

int
demo_someone(struct demo *d)
{
	static const char *const father[4] = { "Daniel Price",
		"daniel.price@example.org", "07700900431", "" };
	static const char *const nurse[4] = { "Grace Okafor",
		"grace.okafor@elmhouse.example", "01632960217",
		"Elm House Care Home" };
	struct db_referral r;
	struct db_referrer f;
	struct db_contact c;
	char dob[11];

	/* A father refers his eight-year-old daughter; he arranges. */
	by_arranger(&r, &f, &c, father, REL_PARENT, CROLE_PARENT);
	born(d, 8, 40, dob);
	r.given_name = "Lily";
	r.family_name = "Price";
	r.email = f.email;
	r.postcode = "N7 9DP";
	r.date_of_birth = dob;
	r.preferred_contact = "email";
	r.needs = (1u << NEED_AUTISM) | (1u << NEED_PARENT_CHILD);
	r.about = "Lily is autistic and speaks very little. She loves music "
	    "and hums all day. We would like sessions together, so that I "
	    "can learn how music helps her.";
	r.availability = SLOT(2, 1) | SLOT(4, 1) | SLOT(5, 0);
	r.session_type = "individual";
	r.access_needs = "Lily finds busy waiting rooms hard.";
	r.consent_data = r.consent_contact = 1;
	if (store(d, &r, "a child, by her father,") == -1)
		return -1;

	/* A care-home nurse refers a resident; she is the key worker. */
	by_arranger(&r, &f, &c, nurse, REL_HEALTH_PROFESSIONAL,
	    CROLE_KEY_WORKER);
	born(d, 88, 200, dob);
	r.source_detail = f.organisation;
	r.given_name = "Margaret";
	r.family_name = "Hale";
	r.email = "";
	r.postcode = "NW5 1TL";
	r.date_of_birth = dob;
	r.preferred_contact = "phone";
	r.needs = 1u << NEED_DEMENTIA;
	r.about = "Margaret has dementia and is often distressed in the late "
	    "afternoon. She was a church organist and still sings hymns "
	    "word for word. Staff would like to try music with her.";
	r.availability = SLOT(1, 1) | SLOT(3, 1);
	r.session_type = "either";
	r.access_needs = "Wheelchair user. Sessions at the care home, "
	    "please.";
	r.consent_data = 1;
	if (store(d, &r, "a care-home resident, by a nurse,") == -1)
		return -1;

	/* An adult refers himself through the Easy Read pages. */
	memset(&r, 0, sizeof(r));
	born(d, 29, 100, dob);
	r.source = "easy_read";
	r.given_name = "Sam";
	r.family_name = "Carter";
	r.email = "sam.carter@example.org";
	r.phone = "";
	r.postcode = "N19 3QL";
	r.date_of_birth = dob;
	r.preferred_contact = "email";
	r.needs = 1u << NEED_LEARNING_DIFFICULTIES;
	r.about = "I like drums. I get angry and then I feel sad. I want to "
	    "feel calm. My support worker Ben helped me write this.";
	r.availability = SLOT(0, 0) | SLOT(1, 0) | SLOT(2, 0) | SLOT(3, 0) |
	    SLOT(4, 0);
	r.session_type = "group";
	r.consent_data = r.consent_contact = 1;
	return store(d, &r, "an adult, on the Easy Read form,");
}
