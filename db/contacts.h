/*
 * db/contacts: who referred a person on their behalf (the referrer) and
 * the people around a client who receive copies of their emails (the
 * contacts).  The emails themselves are queued by the triggers of
 * 014-referrers-contacts.sql in the transaction that causes them.  See
 * db.h for the conventions.
 */
#ifndef DB_CONTACTS_H
#define DB_CONTACTS_H

#include <stddef.h>
#include <stdint.h>

#include "db/db.h"

/* How a referrer knows the person (the form's referrer_relationship). */
enum relationship { REL_PARENT, REL_CARER, REL_FAMILY, REL_TEACHER, REL_GP,
	REL_HEALTH_PROFESSIONAL, REL_SOCIAL_WORKER, REL_PARTNER_STAFF,
	REL_OTHER, REL__MAX };
extern const char *const relationship_names[REL__MAX];	/* "parent", ... */
extern const char *const relationship_labels[REL__MAX];	/* "Parent", ... */
/* The referral's source for a referrer of this kind ("parent", ...). */
const char	*db_relationship_source(enum relationship);
/* What a stored source means to staff ("Self-referral", ...); never NULL. */
const char	*db_source_label(const char *source);

/* Who arranges sessions (the form's arranger). */
enum arranger { ARR_PERSON, ARR_REFERRER, ARR_OTHER, ARR__MAX };
extern const char *const arranger_names[ARR__MAX];

/* A referrer, as validated input or as loaded (strings then owned). */
struct db_referrer {
	const char	*name;
	const char	*email;
	const char	*phone;
	const char	*relationship;	/* relationship_names */
	const char	*organisation;
	const char	*arranger;	/* arranger_names */
	int		 wants_updates;
};

/* A contact's role on the record. */
enum contact_role {
	CROLE_PARENT,
	CROLE_GUARDIAN,
	CROLE_CARER,
	CROLE_KEY_WORKER,
	CROLE_CARE_HOME,
	CROLE_FAMILY,
	CROLE_OTHER,
	CROLE__MAX
};
extern const char *const contact_role_names[CROLE__MAX];	/* "parent", ... */
extern const char *const contact_role_labels[CROLE__MAX];/* "Parent", ... */

/* A contact, as input or as listed (strings then owned by the list). */
struct db_contact {
	int64_t		 id;
	int64_t		 referral_id;
	const char	*name;
	const char	*email;
	const char	*phone;
	const char	*role;		/* contact_role_names */
	int		 gets_confirmations;
	int		 gets_reminders;
	int		 gets_changes;
	int		 arranges;	/* may get the person's own link */
	int		 consent;
	int		 unsubscribed;	/* as listed */
};

/*
 * Stores r's referrer and its contacts for referral rid inside the
 * caller's transaction (db_referral_create's).  0, or -1 (logged).
 */
int	 db_referral_people_insert(struct db *, int64_t rid,
	    const struct db_referrer *, const struct db_contact *, size_t n);

/*
 * Loads referral id's referrer into *out (strings owned by *store, free
 * it after); 1 found, 0 none, -1 error.
 */
int	 db_referrer_load(struct db *, int64_t id, struct db_referrer *out,
	    char **store);

/* Calls fn for each current contact of referral id; 0 or -1 (logged). */
int	 db_contacts_each(struct db *, int64_t id,
	    void (*fn)(void *, const struct db_contact *), void *arg);

/*
 * Adds c to referral c->referral_id with an audit line, in one
 * transaction; sets c->id.  DB_OK, DB_INVALID (no such referral), or the
 * failure.
 */
enum db_result db_contact_add(struct db *, struct db_contact *c,
	    int64_t user_id, const char *addr);
/* Removes contact id of referral rid, with an audit line. DB_INVALID: none */
enum db_result db_contact_remove(struct db *, int64_t rid, int64_t id,
	    int64_t user_id, const char *addr);
/* Records that contact id wants no more copies; 0, or -1. */
int	 db_contact_unsubscribe(struct db *, int64_t id);

#endif
