/*
 * demo_client: the client records' own demo data, written after the
 * schedule (through db/client.h, each in its own transaction): for every
 * client, goals set with them and session notes for the sessions they
 * attended (the last few days' left to write, so that "Notes to write"
 * has something on /me); a closing summary for each piece of work that
 * ended; a corrected referral in triage; one therapist off sick
 * tomorrow.
 */
#include <stdio.h>
#include <string.h>
#include <time.h>

#include "ctl/demo.h"
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

/* Notes for the person's last attended sessions; 0 or -1. */
static int
person_notes(struct demo *d, const struct demo_person *p, int64_t user_id,
    int max)
{
	struct demo_notes dn;
	char body[512];
	int i, first;
	enum db_result res;

	memset(&dn, 0, sizeof(dn));
	dn.d = d;
	dn.p = p;
	dn.user_id = user_id;
	dn.cut = d->now - 3 * 86400;
	if (db_client_sessions(d->db, p->id, attended_one, &dn) == -1)
		return -1;
	first = dn.n > max ? dn.n - max : 0;
	for (i = first; i < dn.n; i++) {
		(void)snprintf(body, sizeof(body), "%s %s %s",
		    DEMO_PICK(&d->rng, note_openings),
		    DEMO_PICK(&d->rng, note_middles),
		    DEMO_PICK(&d->rng, note_endings));
		if (dn.group[i]) {
			/* The group's shared note, once; then their line. */
			(void)snprintf(body, sizeof(body), "Group: %s %s",
			    DEMO_PICK(&d->rng, note_openings),
			    DEMO_PICK(&d->rng, note_middles));
			res = db_client_note_put(d->db, dn.series[i],
			    dn.date[i], 0, body, NULL, user_id, "demo");
			if (res != DB_OK && res != DB_INVALID)
				return -1;
			(void)snprintf(body, sizeof(body), "%s",
			    DEMO_PICK(&d->rng, note_endings));
		}
		res = db_client_note_put(d->db, dn.series[i], dn.date[i],
		    p->id, body, NULL, user_id, "demo");
		if (res != DB_OK && res != DB_INVALID)
			return -1;
	}
	/* One correction, to show that the earlier text is kept. */
	if (dn.n > first && !dn.group[dn.n - 1] && demo_chance(&d->rng, 15)) {
		(void)snprintf(body, sizeof(body), "%s %s %s",
		    DEMO_PICK(&d->rng, note_openings),
		    DEMO_PICK(&d->rng, note_middles),
		    DEMO_PICK(&d->rng, note_endings));
		res = db_client_note_put(d->db, dn.series[dn.n - 1],
		    dn.date[dn.n - 1], p->id, body, "Mixed up two sessions' "
		    "details when first written", user_id, "demo");
		if (res != DB_OK && res != DB_INVALID)
			return -1;
	}
	return 0;
}

/* Two goals from the first session's day, reviewed 12 weeks on. */
static int
person_goals(struct demo *d, const struct demo_person *p, int64_t user_id)
{
	int day = p->first > 0 ? p->first : p->matched, k, review;

	if (day < 0 || day >= d->ndays)
		day = d->today;
	review = day + 84 < d->ndays ? day + 84 : -1;
	for (k = 0; k < 2; k++)
		if (db_client_goal_add(d->db, p->id,
		    goal_texts[(p->seed + (unsigned)k * 3) % N(goal_texts)],
		    d->date[day], review >= 0 ? d->date[review] : NULL,
		    user_id, "demo") != DB_OK)
			return -1;
	return 0;
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

	return db_client_summary_put(d->db, p->id, "Building confidence in "
	    "shared music-making, and using music to express and manage "
	    "feelings.", outcomes[p->seed % N(outcomes)],
	    onward[p->seed % N(onward)], user_id, "demo") == DB_OK ? 0 : -1;
}

int
demo_client_records(struct demo *d)
{
	const struct demo_person *p;
	int64_t user_id;
	char before[256], after[256];
	size_t i;
	int k, edited = 0;

	if (db_client_started_backfill(d->db) == -1)
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
		    1) == -1)
			return -1;
		if (p->status == ST_CLOSED && person_summary(d, p,
		    user_id) == -1)
			return -1;
	}
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
