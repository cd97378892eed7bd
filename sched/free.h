/*
 * free: free times on one day, and who can cover a session: pure rules
 * for moving a session and for handing it to another therapist (the
 * coordinator's leave flow, issue 17).  No I/O, no allocation.
 */
#ifndef SCHED_FREE_H
#define SCHED_FREE_H

#include <stddef.h>
#include <stdint.h>

/* A stretch of one day, local minutes from midnight, [start, end). */
struct sched_span {
	int	 start_min;
	int	 end_min;
};

/*
 * The starts, step minutes apart (from each working stretch's start),
 * at which a session of length minutes fits inside one of work[] and
 * inside one of open[] (none: always open) and overlaps none of busy[]:
 * up to max of them into out, earliest first.  Returns how many.
 * Cannot fail; a length or step below 1 gives none.
 */
size_t	 sched_free_starts(const struct sched_span *work, size_t nwork,
	    const struct sched_span *open, size_t nopen,
	    const struct sched_span *busy, size_t nbusy, int length, int step,
	    int *out, size_t max);

/* What is known of one therapist who might cover a session. */
struct sched_cover {
	int64_t		 id;
	int		 works_then;	/* at that site, that day and time */
	int		 free_then;	/* no session of their own then */
	int		 on_leave;	/* that day */
	int		 places_free;	/* caseload places left */
	unsigned	 needs_met;	/* the client's needs they cover */
	unsigned	 needs;		/* the client's needs */
	int		 knows_client;	/* saw them before */
	int		 rank;		/* out: 1 best; 0 cannot cover */
	char		 why[160];	/* out: reasons in plain words */
};

/*
 * Ranks the therapists who can cover a session: only those who work at
 * the site then, are free then and not on leave can; among them those
 * who know the client first, then who cover most of the client's needs,
 * then with most free places.  Sets rank and why of each (why says why
 * not, for those who cannot).  Returns how many can.  Cannot fail.
 */
size_t	 sched_cover_rank(struct sched_cover *, size_t n);

#endif
