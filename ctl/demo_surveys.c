/*
 * ctl/demo_surveys: the family and partner staff surveys sent and not
 * yet answered (issue 20), beside the answered history of
 * demo_partner.c: three clients' carers, added as contacts who agreed
 * to be contacted, are asked about them, and the demo partner user's
 * "Ask our staff for feedback" is pressed once; their emails wait in
 * the outbox for the mailer.
 */
#include <stdio.h>
#include <string.h>

#include "core/core.h"
#include "core/survey.h"
#include "ctl/demo.h"
#include "db/contacts.h"
#include "db/db.h"
#include "db/referrals.h"
#include "db/survey.h"

#define FAMILY_ASKED	3	/* clients whose carers are asked */

int
demo_surveys_family(struct demo *d)
{
	static const char *const names[FAMILY_ASKED] = { "Grace Okafor",
	    "Tom Bell", "Priya Shah" };
	struct db_contact c;
	struct demo_person *p;
	char email[96];
	size_t i;
	int n = 0;

	for (i = 0; i < d->npeople && n < FAMILY_ASKED; i++) {
		p = &d->people[i];
		if (p->surveyed < 0 || p->id <= 0 || p->status != ST_ACTIVE)
			continue;
		snprintf(email, sizeof(email), "carer-%lld@example.org",
		    (long long)p->id);
		memset(&c, 0, sizeof(c));
		c.referral_id = p->id;
		c.name = names[n];
		c.email = email;
		c.phone = "";
		c.role = contact_role_names[n == 1 ? CROLE_CARER :
		    CROLE_PARENT];
		c.consent = 1;
		if (db_contact_add(d->db, &c, 0, "demo") != DB_OK ||
		    db_family_survey_ask(d->db, p->id) < 0)
			return -1;
		n++;
	}
	return 0;
}

int
demo_surveys_partner(struct demo *d, int64_t organisation_id)
{
	char why[CORE_WHY_LEN];
	struct core_ctx ctx;
	int sent = 0;

	if (organisation_id <= 0)
		return 0;
	memset(&ctx, 0, sizeof(ctx));
	ctx.db = d->db;
	ctx.addr = "demo";
	if (core_partner_survey_send(&ctx, organisation_id, &sent, why,
	    sizeof(why)) != DB_OK) {
		fprintf(stderr, "demo: %s\n", why);
		return -1;
	}
	return 0;
}
