/*
 * ctl/self_cmds: the administrator's commands for personal links
 * (issue 18).
 *
 *   tuttictl my-link ID            prints client ID's personal link
 *                                  (ID: the referral's id), making it
 *                                  the first time
 *   tuttictl my-link ID --revoke   stops every link sent before and
 *                                  prints the new one
 *   tuttictl waitlist-checks       sends the waitlist checks due now
 *   tuttictl offers tick           ends the place offers past their
 *                                  time and hands them on (with
 *                                  auto_offers, offers freed places too)
 *   tuttictl offers place SERIES [--send]
 *                                  the place series SERIES freed, its
 *                                  waiting people ranked; --send
 *                                  confirms the list: offers go
 *   tuttictl offers link OFFER     prints offer OFFER's link
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <sodium.h>

#include "core/core.h"
#include "core/offer.h"
#include "core/self.h"
#include "ctl/ctl.h"
#include "ctl/self_cmds.h"
#include "db/db.h"
#include "db/offers.h"
#include "mail/mail.h"

int
cmd_my_link(int argc, char *argv[])
{
	unsigned char key[MAIL_LINK_KEY_LEN];
	char token[MAIL_LINK_TOKEN_LEN];
	struct ctl_ctx ctx;
	struct db *db;
	int64_t id;
	int revoke, rc;

	if (argc < 1 || argc > 2 || (argc == 2 && strcmp(argv[1],
	    "--revoke") != 0)) {
		fputs("usage: tuttictl my-link ID [--revoke]\n", stderr);
		return 2;
	}
	revoke = argc == 2;
	if ((id = ctl_id_arg(argv[0])) == 0) {
		fputs("tuttictl: ID must be a referral's id\n", stderr);
		return 2;
	}
	if ((db = ctl_ctx_open(&ctx)) == NULL)
		return 1;
	rc = mail_link_key(db, key);
	if (rc == 0)
		rc = revoke ? mail_my_revoke(db, key, id, token) :
		    mail_my_token(db, key, id, token);
	sodium_memzero(key, sizeof(key));
	ctl_ctx_close(&ctx);
	if (rc == -1) {
		fputs("tuttictl: no link: is there a referral with that "
		    "id?\n", stderr);
		return 1;
	}
	printf("%s/my?t=%s\n", ctl_base_url(), token);
	return 0;
}

int
cmd_waitlist_checks(int argc, char *argv[])
{
	struct ctl_ctx ctx;
	int n;

	(void)argv;
	if (argc != 0) {
		fputs("usage: tuttictl waitlist-checks\n", stderr);
		return 2;
	}
	if (ctl_ctx_open(&ctx) == NULL)
		return 1;
	n = core_waitlist_checks(&ctx.core);
	ctl_ctx_close(&ctx);
	if (n < 0)
		return 1;
	printf("%d waitlist checks sent or reminded\n", n);
	return 0;
}

/* tuttictl offers place SERIES [--send]: into ctx's database. */
static int
offers_place(struct core_ctx *ctx, int argc, char *argv[])
{
	char why[CORE_WHY_LEN];
	int64_t series, place;
	int sent = 0;
	enum db_result r;

	if (argc < 1 || argc > 2 || (series = ctl_id_arg(argv[0])) == 0 ||
	    (argc == 2 && strcmp(argv[1], "--send") != 0))
		return 2;
	r = core_place_from_series(ctx, series, &place, why, sizeof(why));
	if (r != DB_OK && r != DB_DUPLICATE) {
		fprintf(stderr, "tuttictl: %s\n", why);
		return 1;
	}
	if (argc == 2 && core_place_send(ctx, place, &sent, why,
	    sizeof(why)) != DB_OK) {
		fprintf(stderr, "tuttictl: %s\n", why);
		return 1;
	}
	printf("place %lld, %d offers sent\n", (long long)place, sent);
	return 0;
}

/* tuttictl offers link OFFER. */
static int
offers_link(struct db *db, int argc, char *argv[])
{
	unsigned char key[MAIL_LINK_KEY_LEN];
	char token[MAIL_LINK_TOKEN_LEN];
	struct db_offer o;
	int64_t id;
	int rc = -1;

	if (argc != 1 || (id = ctl_id_arg(argv[0])) == 0)
		return 2;
	if (db_offer_get(db, id, &o) == 1 && mail_link_key(db, key) == 0)
		rc = mail_offer_token(db, key, o.id, o.referral_id, token);
	sodium_memzero(key, sizeof(key));
	if (rc == -1) {
		fputs("tuttictl: no such offer\n", stderr);
		return 1;
	}
	printf("%s/offer?t=%s\n", ctl_base_url(), token);
	return 0;
}

int
cmd_offers(int argc, char *argv[])
{
	struct ctl_ctx ctx;
	struct db *db;
	int rc = 2, n;

	if (argc < 1 || (strcmp(argv[0], "tick") != 0 &&
	    strcmp(argv[0], "place") != 0 && strcmp(argv[0], "link") != 0))
		goto usage;
	if ((db = ctl_ctx_open(&ctx)) == NULL)
		return 1;
	if (strcmp(argv[0], "tick") == 0 && argc == 1) {
		n = core_offers_tick(&ctx.core);
		if (n >= 0)
			printf("%d offers ended or sent\n", n);
		rc = n < 0 ? 1 : 0;
	} else if (strcmp(argv[0], "place") == 0)
		rc = offers_place(&ctx.core, argc - 1, argv + 1);
	else if (strcmp(argv[0], "link") == 0)
		rc = offers_link(db, argc - 1, argv + 1);
	ctl_ctx_close(&ctx);
	if (rc != 2)
		return rc;
usage:
	fputs("usage: tuttictl offers tick | place SERIES [--send] | "
	    "link OFFER\n", stderr);
	return 2;
}
