/*
 * demo_client: the client records' own demo data, written after the
 * schedule, each at the time it would have been written (db/bulk.h):
 * for every client, goals set with them at their first session, session
 * notes written the evening after or the morning after each session they
 * attended (the last few days' left to write, so that "Notes to write"
 * has something on /me), some corrected a few days later; the history
 * line of the first session attended, with its cause; a closing summary
 * on the day each piece of work ended.  Then, through db/client.h as a
 * coordinator or therapist would today: a corrected referral in triage
 * and one therapist off sick tomorrow.
 */
#include <stdio.h>
#include <string.h>
#include <time.h>

#include "ctl/demo.h"
#include "db/bulk.h"
#include "db/client.h"
#include "db/referrals.h"
#include "db/schedule.h"

#define N(a)	(sizeof(a) / sizeof((a)[0]))
#define NOTES_MAX	6	/* notes a client, newest sessions first */

static const char *const goal_texts[] = {
	"To feel calmer and more settled at the start of the week",
	"To take turns in shared music-making with the therapist",
	"To use the voice to say how I feel, with or without words",
	"To try a new instrument and choose what we play",
	"To keep playing together for the whole session",
	"To share a song with my family at home",
	"To feel less alone, and to look forward to the sessions",
	"To build a playlist that helps on difficult days",
};

static const char *const note_openings[] = {
	"Arrived settled and chose the drum first.",
	"Quiet at the start; warmed up with the piano call and response.",
	"Came in tired; we began slowly with breathing and humming.",
	"Very engaged today and led most of the improvisation.",
	"Brought a song from home that we learned together.",
	"Some distress at the start, eased by the familiar hello song.",
};

static const char *const note_middles[] = {
	"Long turn-taking passages on the djembe, with eye contact.",
	"Sang two verses independently for the first time.",
	"Explored the lyre and stayed with it for ten minutes.",
	"We wrote a short chorus about the week.",
	"Responded to tempo changes and matched the pulse well.",
	"Used the ocean drum to show how the week had felt.",
};

static const char *const note_endings[] = {
	"Left smiling; plan to revisit the song next week.",
	"Goodbye song sung together; next time try the keyboard.",
	"Said the session helped. Keep the same opening next week.",
	"Tired by the end; shorter improvisation next time.",
};

/* What one person's sessions hand to note_one. */
struct demo_notes {
	struct demo			*d;
	const struct demo_person	*p;
	int64_t				 user_id;
	time_t				 cut;	/* sessions after: left to write */
	int64_t				 series[64];
	char				 date[64][11];
	int				 group[64];
	int				 n;
};

static void
attended_one(void *arg, const struct db_client_session *o)
{
	struct demo_notes *dn = arg;

	if (strcmp(o->attendance, "attended") != 0 ||
	    o->start_utc > (int64_t)dn->cut)
		return;
	/* Keep the newest: a ring of the last ones seen. */
	if (dn->n == (int)N(dn->series)) {
		memmove(dn->series, dn->series + 1, sizeof(dn->series[0]) *
		    (N(dn->series) - 1));
		memmove(dn->date, dn->date + 1, sizeof(dn->date[0]) *
		    (N(dn->date) - 1));
		memmove(dn->group, dn->group + 1, sizeof(dn->group[0]) *
		    (N(dn->group) - 1));
		dn->n--;
	}
	dn->series[dn->n] = o->series_id;
	memcpy(dn->date[dn->n], o->date, sizeof(dn->date[0]));
	dn->group[dn->n] = o->is_group;
	dn->n++;
}

/* The index of date in d->date, or -1. */
static int
demo_day_index(const struct demo *d, const char *date)
{
	int lo = 0, hi = d->ndays - 1, mid, c;

	while (lo <= hi) {
		mid = (lo + hi) / 2;
		if ((c = strcmp(d->date[mid], date)) == 0)
			return mid;
		if (c < 0)
			lo = mid + 1;
		else
			hi = mid - 1;
	}
	return -1;
}

/*
 * When a note of a session on day is written: that evening, after the
 * day's sessions, or the next morning.
 */
static void
note_time(struct demo *d, int day, char at[21])
{
	if (demo_chance(&d->rng, 50))
		demo_iso(d, day, 20 * 60 + 45 + demo_below(&d->rng, 60), at);
	else
		demo_iso(d, day + 1, 8 * 60 + 30 + demo_below(&d->rng, 90), at);
}

/* Writes one note of the person's (referral_id 0: the group's). */
static int
note_write(struct demo *d, struct db_bulk_session_note *n, int day,
    int fix)
{
	char body[512], fixed[512], at[21], fixed_at[21];
	int later;

	(void)snprintf(body, sizeof(body), "%s %s %s",
	    DEMO_PICK(&d->rng, note_openings),
	    DEMO_PICK(&d->rng, note_middles),
	    DEMO_PICK(&d->rng, note_endings));
	note_time(d, day, at);
	n->body = body;
	n->written_at = at;
	n->fixed_body = NULL;
	if (fix) {
		/* Corrected a few days on, never after today. */
		later = day + 2 + demo_below(&d->rng, 4);
		demo_iso(d, later < d->today ? later : d->today, 9 * 60 +
		    demo_below(&d->rng, 60), fixed_at);
		(void)snprintf(fixed, sizeof(fixed), "%s %s %s",
		    DEMO_PICK(&d->rng, note_openings),
		    DEMO_PICK(&d->rng, note_middles),
		    DEMO_PICK(&d->rng, note_endings));
		n->fixed_body = fixed;
		n->fixed_at = fixed_at;
		n->reason = "Mixed up two sessions' details when first written";
	}
	d->rows++;
	return db_bulk_session_note(d->db, n);
}

/* Notes for the person's last attended sessions; 0 or -1. */
static int
person_notes(struct demo *d, const struct demo_person *p, int64_t user_id,
    int max)
{
	struct db_bulk_session_note n;
	struct demo_notes dn;
	int i, first, day, fix;

	memset(&dn, 0, sizeof(dn));
	dn.d = d;
	dn.p = p;
	dn.user_id = user_id;
	dn.cut = d->now - 3 * 86400;
	if (db_client_sessions(d->db, p->id, attended_one, &dn) == -1)
		return -1;
	first = dn.n > max ? dn.n - max : 0;
	/* One correction now and then, to show the earlier text is kept. */
	fix = dn.n > first && !dn.group[dn.n - 1] && demo_chance(&d->rng, 15);
	for (i = first; i < dn.n; i++) {
		if ((day = demo_day_index(d, dn.date[i])) < 0)
			continue;
		memset(&n, 0, sizeof(n));
		n.series_id = dn.series[i];
		n.date = dn.date[i];
		n.user_id = user_id;
		/* A group's shared note, once (the first member writes
		 * it), then each member's own line. */
		if (dn.group[i] && db_client_note_exists(d->db, dn.series[i],
		    dn.date[i], 0) == 0 && note_write(d, &n, day, 0) == -1)
			return -1;
		n.referral_id = p->id;
		if (db_client_note_exists(d->db, dn.series[i], dn.date[i],
		    p->id) == 0 && note_write(d, &n, day, fix &&
		    i == dn.n - 1) == -1)
			return -1;
	}
	return 0;
}

/* Two goals set at the first session, reviewed 12 weeks on. */
static int
person_goals(struct demo *d, const struct demo_person *p, int64_t user_id)
{
	int day = p->first > 0 ? p->first : p->matched, k, review;
	char at[21];

	if (day < 0 || day >= d->ndays)
		day = d->today;
	review = day + 84 < d->ndays ? day + 84 : -1;
	demo_iso(d, day, 18 * 60 + demo_below(&d->rng, 60), at);
	for (k = 0; k < 2; k++) {
		d->rows++;
		if (db_bulk_goal(d->db, p->id, goal_texts[(p->seed +
		    (unsigned)k * 3) % N(goal_texts)], d->date[day],
		    review >= 0 ? d->date[review] : NULL, user_id, at) == -1)
			return -1;
	}
	return 0;
}

/* The history line of the first session attended, with its cause. */
static void
started_one(void *arg, const struct db_client_spell *c)
{
	struct demo_notes *dn = arg;

	if (c->therapy_started[0] != '\0' && dn->n == 0) {
		(void)snprintf(dn->date[0], sizeof(dn->date[0]), "%s",
		    c->therapy_started);
		dn->n = 1;
	}
}

static int
person_started(struct demo *d, const struct demo_person *p)
{
	struct demo_notes dn;
	char at[21], why[200];
	int64_t series = p->group >= 0 ? d->groups[p->group].series_id :
	    p->series_id;
	int day;

	memset(&dn, 0, sizeof(dn));
	if (db_client_spells(d->db, p->id, started_one, &dn) == -1)
		return -1;
	if (dn.n == 0 || series <= 0 ||
	    (day = demo_day_index(d, dn.date[0])) < 0)
		return 0;
	db_client_why_started(why, sizeof(why), series, dn.date[0]);
	demo_iso(d, day, 20 * 60 + 30, at);
	d->rows++;
	return db_bulk_event(d->db, p->id, at, 0, "active", "active", why);
}

static int
person_summary(struct demo *d, const struct demo_person *p, int64_t user_id)
{
	static const char *const outcomes[] = {
		"Attended most sessions. Now starts conversations through "
		    "music and says the sessions gave the week a shape.",
		"Engagement grew steadily; family report fewer difficult "
		    "evenings. Both goals reviewed as met.",
		"Took part when well enough; the sessions eased anxiety on "
		    "the ward. Goals partly met.",
	};
	static const char *const onward[] = {
		"Signposted to the community choir on Thursdays.",
		"Referred back to the GP; family given the details of a "
		    "local carers' music group.",
		"",
	};
	char at[21];

	/* Written as the work ended, after the last session. */
	demo_iso(d, p->closed, 18 * 60 + demo_below(&d->rng, 60), at);
	d->rows++;
	return db_bulk_summary(d->db, p->id, "Building confidence in "
	    "shared music-making, and using music to express and manage "
	    "feelings.", outcomes[p->seed % N(outcomes)],
	    onward[p->seed % N(onward)], user_id, at);
}

int
demo_client_records(struct demo *d)
{
	const struct demo_person *p;
	int64_t user_id;
	char before[256], after[256];
	size_t i;
	int k, edited = 0;

	if (db_client_started_backfill(d->db) == -1 ||
	    db_bulk_begin(d->db) == -1)
		return -1;
	for (i = 0; i < d->npeople; i++) {
		p = &d->people[i];
		if (p->id <= 0)
			continue;
		if (!edited && p->status == ST_TRIAGED && d->scale == 0) {
			/* A referral corrected in triage. */
			before[0] = after[0] = '\0';
			for (k = 0; k < NEED__MAX; k++) {
				if (p->needs & (1u << k))
					(void)snprintf(before + strlen(before),
					    sizeof(before) - strlen(before),
					    "%s%s", before[0] ? ", " : "",
					    need_labels[k]);
				if ((p->needs | (1u << NEED_MENTAL_HEALTH)) &
				    (1u << k))
					(void)snprintf(after + strlen(after),
					    sizeof(after) - strlen(after),
					    "%s%s", after[0] ? ", " : "",
					    need_labels[k]);
			}
			if ((p->needs & (1u << NEED_MENTAL_HEALTH)) == 0 &&
			    db_client_referral_edit(d->db, p->id, p->needs |
			    (1u << NEED_MENTAL_HEALTH), before, after,
			    session_type_names[p->session_type],
			    session_type_labels[p->session_type],
			    session_type_labels[p->session_type], "On the "
			    "phone the person's mother said that low mood is "
			    "the main reason for the referral.",
			    d->coordinators[0], "demo") == DB_OK)
				edited = 1;
		}
		if (p->client_id <= 0 || p->therapist < 0)
			continue;
		user_id = d->therapists[p->therapist].user_id;
		if (person_goals(d, p, user_id) == -1 ||
		    person_notes(d, p, user_id, d->scale == 0 ? NOTES_MAX :
		    1) == -1 || person_started(d, p) == -1)
			return -1;
		if (p->status == ST_CLOSED && person_summary(d, p,
		    user_id) == -1)
			return -1;
	}
	if (db_bulk_commit(d->db) == -1)
		return -1;
	/* A therapist with a log-in reports that they are off sick on the
	 * next working day: the queue lists their sessions for the
	 * coordinators. */
	k = d->today + 1;
	while (k < d->ndays && (d->first_weekday + k) % 7 >= 5)
		k++;
	for (i = 0; i < d->ntherapists && k < d->ndays; i++)
		if (d->therapists[i].user_id > 0 &&
		    strcmp(d->therapists[i].email, "ravi@tutti.example") == 0)
			return db_client_sick_add(d->db, d->therapists[i].id,
			    d->date[k], d->date[k], d->therapists[i].user_id,
			    "demo") == DB_OK ? 0 : -1;
	return 0;
}
