/*
 * demo: the demo data `tuttictl demo` loads, one file an area, so that
 * every capability has something to show after `make run`.  Each
 * function adds its area's rows and returns 0, or -1 (logged).  They run
 * in this order, each seeing what the earlier ones made.
 */
#ifndef CTL_DEMO_H
#define CTL_DEMO_H

struct db;

/* demo_records.c: therapists, partner organisations, sites' hours and
 * districts, rooms, leave, closures, and clients on caseloads. */
int	 demo_records(struct db *);
/* demo_schedule.c: session series, groups, exceptions and attendance. */
int	 demo_schedule(struct db *);
/* demo_reports.c: attendance still unrecorded for sessions over a week
 * past, and an outcome survey's answers, so that /reports has figures. */
int	 demo_reports(struct db *);

#endif
