/*
 * mail/remind: turning due reminders into outbox rows.
 *
 * Sessions and their series do not exist yet (scheduling comes later),
 * so there is nothing to remind of and this queues nothing.  When they
 * do, this is where the mailer, each time round its loop, finds the
 * session occurrences starting within the reminder window whose client
 * has an email address, agreed to contact and has not unsubscribed, and
 * queues for each, in one transaction, a "session_reminder" row with
 * db_outbox_add and the dedupe key
 * db_outbox_key(.., "session_reminder", occurrence_id, client_id), so
 * that running this again (or two mailers at once) queues nothing twice.
 * The kind then gets its entry in outbox.c's table and its templates
 * mail_session_reminder.txt and .html.
 */
#include <time.h>

#include "db/db.h"
#include "mail/mail.h"

int
mail_reminders_queue(struct db *db, time_t now)
{
	(void)db;
	(void)now;
	return 0;
}
