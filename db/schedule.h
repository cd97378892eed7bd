/*
 * schedule: session series, their occurrences and exceptions, groups and
 * attendance (db/schema/004-schedule.sql).
 *
 * The caller expands a series into occurrences (ical_series_expand) and
 * hands them here; every booking, move or cancellation checks for clashes
 * and writes in one BEGIN IMMEDIATE transaction, together with the
 * outbox rows its emails need, so two coordinators can never book the
 * same room at the same moment.
 */
#ifndef DB_SCHEDULE_H
#define DB_SCHEDULE_H

#include <stddef.h>
#include <stdint.h>

#include "db/db.h"

/* Horizon: open-ended series are kept as occurrences this far ahead. */
#define SCHEDULE_HORIZON_DAYS	(2 * 365)
#define SCHEDULE_TEXT		256

/* One occurrence: its original local date and UTC times. */
struct db_occ {
	char	 date[11];
	int64_t	 start_utc;
	int64_t	 end_utc;
	int	 weekday;	/* local: 0 Monday .. 6 Sunday */
	int	 start_min;	/* local minutes from midnight */
	int	 end_min;
};

/* A new series: exactly one of client_id and group_id is set. */
struct db_series_new {
	int64_t		 therapist_id;
	int64_t		 client_id;
	int64_t		 group_id;
	int64_t		 site_id;
	int64_t		 room_id;	/* 0: none (online) */
	const char	*tz;
	const char	*first_date;
	const char	*start_local;
	int		 length_min;
	int		 count;		/* 0: none */
	const char	*until_date;	/* NULL: none */
	int64_t		 created_by;
	int		 term_time;	/* 1: skips the site's holidays */
	const char	(*skips)[11];	/* term time: holiday weeks passed */
	size_t		 nskips;
	int		 grace_s;	/* > 0: the confirmations wait this
					   long and the booking may be undone
					   meanwhile (db/undo.h) */
};

/*
 * Books a series with its occurrences after checking, for each, that the
 * therapist, the room and the client (or every group member) are free,
 * that the site is open and not closed that day, that the therapist
 * works at that site then and is not on leave.  On a clash nothing is
 * stored, DB_CONFLICT is returned and clash holds a sentence naming it.
 * On DB_OK *id is the new series; the booking confirmations are queued.
 */
enum db_result db_series_book(struct db *, const struct db_series_new *,
	    const struct db_occ *, size_t nocc, const char *uid,
	    const char *msgid_domain, int64_t *id, char *clash,
	    size_t clashlen);

/* A series as stored, with names for showing it. */
struct db_series {
	int64_t	 id;
	char	 uid[80];
	int64_t	 therapist_id;
	char	 therapist[128];
	int64_t	 client_id;
	int64_t	 referral_id;
	char	 client[208];	/* full name, for staff pages */
	char	 client_ref[16];
	int64_t	 group_id;
	char	 group[128];
	int64_t	 site_id;
	char	 site[128];
	char	 site_address[256];
	int64_t	 room_id;
	char	 room[128];
	char	 tz[64];
	char	 first_date[11];
	char	 start_local[6];
	int	 length_min;
	int	 count;
	char	 until_date[11];
	char	 status[12];
	char	 ended_from[11];
	int	 sequence;
	char	 updated_at[21];
	int	 term_time;	/* 1: sessions in term time only */
	char	 video_url[512];	/* online sessions' link, "" when none */
	int	 site_online;		/* the site is the online one */
};
/* 1 found, 0 not, -1 error. */
int	 db_series_get(struct db *, int64_t id, struct db_series *);

/*
 * Sets the video call link of series id (url "": none; the page checks
 * it is an https address), with an audit line, in one transaction.
 * DB_OK, DB_INVALID when there is no such series, DB_BUSY or DB_ERROR
 * with nothing changed.
 */
enum db_result db_series_video_set(struct db *, int64_t id, const char *url,
	    int64_t user_id, const char *addr);

/* One occurrence with what a week grid or a list shows. */
struct db_occ_row {
	int64_t	 series_id;
	char	 date[11];
	int64_t	 start_utc;
	int64_t	 end_utc;
	char	 state[12];
	int64_t	 therapist_id;
	char	 therapist[128];
	int64_t	 site_id;
	char	 site[128];
	int64_t	 room_id;
	char	 room[128];
	char	 who[208];	/* client's name, or the group's */
	char	 client_ref[16];
	int64_t	 client_id;
	int64_t	 group_id;
	char	 attendance[24];	/* "" when not recorded */
	char	 reason[SCHEDULE_TEXT];	/* of a cancellation or move */
	int64_t	 referral_id;	/* the client's record; 0 for a group */
};

enum db_occ_filter {
	OCC_BY_THERAPIST,
	OCC_BY_SITE,
	OCC_BY_ROOM,
	OCC_BY_SERIES,
	OCC__MAX
};
/*
 * Calls fn for each occurrence (cancelled ones too) starting in
 * [from, to) for the therapist, site, room or series id, in time order.
 */
int	 db_occ_each(struct db *, enum db_occ_filter, int64_t id,
	    int64_t from, int64_t to, void (*fn)(void *,
	    const struct db_occ_row *), void *arg);

enum db_cancel_by {
	CANCEL_BY_CLIENT,
	CANCEL_BY_THERAPIST,
	CANCEL_BY_SERVICE
};
/*
 * Cancels one occurrence (named by its original date) with the reason,
 * and queues the cancellation notices to be sent after grace_s seconds.
 * DB_INVALID when there is no such occurrence or it is already past or
 * cancelled.
 */
enum db_result db_occ_cancel(struct db *, int64_t series_id,
	    const char *date, enum db_cancel_by, const char *reason,
	    int64_t user_id, const char *addr, int grace_s,
	    const char *msgid_domain);
/*
 * Moves one occurrence to new UTC times and room (0: the series' room),
 * checking clashes as a booking does (except with itself).  With grace_s
 * > 0 and a user, the move may be undone meanwhile (db/undo.h).
 */
enum db_result db_occ_move(struct db *, int64_t series_id, const char *date,
	    const struct db_occ *to, int64_t room_id, const char *reason,
	    int64_t user_id, const char *addr, int grace_s,
	    const char *msgid_domain, char *clash, size_t clashlen);
/* Ends a series from date on (its occurrences from then are removed). */
enum db_result db_series_end(struct db *, int64_t series_id,
	    const char *from_date, const char *reason, int64_t user_id,
	    const char *addr);

/* Attendance for a past occurrence, by client (group members each). */
enum db_result db_attendance_set(struct db *, int64_t series_id,
	    const char *date, int64_t client_id, const char *status,
	    const char *note, int64_t user_id);
extern const char *const attendance_names[4];
extern const char *const attendance_labels[4];

/* The therapist record linked to a user; 1 found, 0 not, -1 error. */
int	 db_therapist_of_user(struct db *, int64_t user_id,
	    int64_t *therapist_id);


/* Choices for the booking form and the week grid's chooser. */
enum db_choice {
	CHOICE_THERAPISTS,	/* active therapists */
	CHOICE_SITES,		/* active sites */
	CHOICE_ROOMS,		/* active rooms, "room, site" */
	CHOICE_CLIENTS,		/* clients on a caseload, "name (REF)" */
	CHOICE_GROUPS,		/* active groups */
	CHOICE__MAX
};
/* Calls fn(arg, id, label) for each choice in name order. */
int	 db_choices(struct db *, enum db_choice, void (*fn)(void *, int64_t,
	    const char *), void *arg);

/* The client (and therapist) of a caseload entry; 1, 0 or -1. */
int	 db_client_get(struct db *, int64_t client_id, int64_t *therapist_id,
	    int64_t *referral_id);

/*
 * Waitlisted referrals whose availability covers the week slot bit (day
 * * 3 + part), most urgent first (the longest waiting): fn(arg, id,
 * ref, name, created_at), at most limit of them.
 */
int	 db_waitlist_for_slot(struct db *, int bit, int limit,
	    void (*fn)(void *, int64_t, const char *, const char *,
	    const char *), void *arg);

/* A therapist's clients: fn(arg, client id, referral id, name, ref). */
int	 db_caseload(struct db *, int64_t therapist_id, void (*fn)(void *,
	    int64_t, int64_t, const char *, const char *), void *arg);

/*
 * Future sessions that a site closure or a therapist's leave, entered
 * after they were booked, now falls on: fn for each, in time order.
 */
int	 db_occ_hit_each(struct db *, int64_t now, void (*fn)(void *,
	    const struct db_occ_row *, const char *why), void *arg);

/* Groups. */
int64_t	 db_group_add(struct db *, const char *name, int64_t therapist_id,
	    int64_t site_id, int capacity, int64_t user_id);
/* DB_INVALID when full or the client is in it already. */
enum db_result db_group_join(struct db *, int64_t group_id,
	    int64_t client_id, int64_t user_id);
/* fn(arg, id, name, therapist, site, capacity, members) per group. */
int	 db_group_each(struct db *, void (*fn)(void *, int64_t,
	    const char *, const char *, const char *, int, int), void *arg);
/* fn(arg, client id, name, ref) for each member. */
int	 db_group_members(struct db *, int64_t group_id, void (*fn)(void *,
	    int64_t, const char *, const char *), void *arg);

#endif
