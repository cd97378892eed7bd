/*
 * app: what one worker process holds for its whole life (database
 * connection, compiled templates, secrets, settings) and the handlers'
 * entry points.  Each handler file (page_*.c) exports its handlers here.
 */
#ifndef CGI_APP_H
#define CGI_APP_H

#include <stddef.h>
#include <stdint.h>
#include <time.h>

#include "cgi/http.h"
#include "db/feeds.h"

struct core_ctx;
struct db;
struct tmpl_set;
struct tmpl_data;
struct form;

struct app {
	struct db	*db;
	struct tmpl_set	*tmpl;
	unsigned char	 form_key[32];	/* signs form tokens */
	const char	*base_url;	/* TUTTI_BASE_URL, no trailing slash */
	const char	*msgid_domain;	/* right side of Message-IDs */
	const char	*tz;		/* TUTTI_TZ */
	int		 grace_s;	/* wait before the emails of a staff
					   booking, move or cancellation
					   (Undo meanwhile) */
	int		 refer_per_hour; /* TUTTI_REFER_LIMIT: public referrals
					    an hour per address, per email */
};

/*
 * Renders template name (with the page layout partials it includes) into
 * resp's body with status; on a missing template, a plain 500.
 */
void	 app_render(struct app *, struct resp *, int status,
	    const char *name, const struct tmpl_data *);

/*
 * After a db_*_get of the path's record, whose answer was rc (1 found,
 * 0 none, -1 failed): 1 when found; else 0 having answered 404 ("There
 * is no such WHAT.") or 503.
 */
int	 app_found(struct app *, struct resp *, int rc, const char *what);

/*
 * A page about one record, the path's first id: the load is written
 * once, then GET shows the record and POST applies a form to it.  load
 * reads rq->id[0] into rec (size bytes, zeroed) and returns 0, or
 * answers 404 or 503 itself and returns -1; show renders rec with 200;
 * apply acts on the posted form and answers.  rec lives only for the
 * request.
 */
struct app_record {
	size_t	  size;
	int	(*load)(struct app *, const struct req *, struct resp *,
		    void *rec);
	void	(*show)(struct app *, struct req *, struct resp *,
		    const void *rec);
	void	(*apply)(struct app *, struct req *, struct resp *,
		    const void *rec);
};
/* GET: loads page's record, then shows it.  Aborts only on OOM. */
void	 app_record_get(struct app *, struct req *, struct resp *,
	    const struct app_record *page);
/* POST: loads page's record, then applies the form.  As app_record_get. */
void	 app_record_post(struct app *, struct req *, struct resp *,
	    const struct app_record *page);

/* The service's time zone: app->tz (TUTTI_TZ), Europe/London when it is
 * not set (a test's app may leave it so).  Cannot fail. */
const char	*app_tz(const struct app *);

/* The labels of the needs in bit set needs, "Autism, Dementia", into b
 * (reset first).  Cannot fail. */
struct buf;
void	 app_needs_text(unsigned needs, struct buf *b);

/*
 * Handlers, one file an area, one a method and route (route.c names
 * them): each runs only for its row's method, role and path, with the
 * path's ids in rq->id.
 */
/* page_home.c, page_login.c, page_me.c */
void	 page_home(struct app *, struct req *, struct resp *);
void	 page_healthz(struct app *, struct req *, struct resp *);
void	 page_login_get(struct app *, struct req *, struct resp *);
void	 page_login_post(struct app *, struct req *, struct resp *);
void	 page_logout(struct app *, struct req *, struct resp *);
void	 page_me(struct app *, struct req *, struct resp *);
struct valid_errors;
/* /me with the problems of an attendance form in the summary (422). */
void	 page_me_errors(struct app *, struct req *, struct resp *, int status,
	    const struct valid_errors *);
/* page_password.c: one's own password and other sessions (issue 13). */
void	 page_password_get(struct app *, struct req *, struct resp *);
void	 page_password_post(struct app *, struct req *, struct resp *);
void	 page_sessions_end_post(struct app *, struct req *, struct resp *);
/*
 * page_refer.c: one form in four modes, a pair of handlers each: /refer
 * (page_refer_get, _post), /refer/someone (_someone_get, _post) and
 * /referrals/new for staff (_staff_get, _post).
 */
void	 page_refer_get(struct app *, struct req *, struct resp *);
void	 page_refer_post(struct app *, struct req *, struct resp *);
void	 page_refer_someone_get(struct app *, struct req *, struct resp *);
void	 page_refer_someone_post(struct app *, struct req *, struct resp *);
void	 page_refer_staff_get(struct app *, struct req *, struct resp *);
void	 page_refer_staff_post(struct app *, struct req *, struct resp *);
/*
 * Stores the Easy Read answers in rq->f as /refer's fields (from
 * page_easy.c, POST /refer/easy): its redirect, or page_easy_refused.
 */
void	 page_refer_easy_send(struct app *, const struct req *,
	    struct resp *);
void	 page_refer_thanks(struct app *, struct req *, struct resp *);
/*
 * Checks a self-referral's answers in f by /refer's rules (without the
 * sites list, the token or the honeypot); the problems go in errs.
 */
void	 page_refer_check(const struct form *, struct valid_errors *);
/* page_easy.c: the Easy Read self-referral, a question a page. */
void	 page_easy_get(struct app *, struct req *, struct resp *);
void	 page_easy_post(struct app *, struct req *, struct resp *);
/*
 * The Easy Read check page again, with the problems page_refer_easy_send
 * found when it was sent (errs may be NULL) and the token to send with.
 */
void	 page_easy_refused(struct app *, const struct req *, struct resp *,
	    int status, const struct valid_errors *, const char *token);
/* page_contacts.c: a referral's referrer and contacts (issue 19). */
void	 page_contacts_tmpl(struct app *, struct tmpl_data *, int64_t rid);
void	 page_contacts_get(struct app *, struct req *, struct resp *);
void	 page_contacts_post(struct app *, struct req *, struct resp *);
/* page_referrals.c */
void	 page_referrals(struct app *, struct req *, struct resp *);
void	 page_referral_get(struct app *, struct req *, struct resp *);
void	 page_referral_post(struct app *, struct req *, struct resp *);
/* page_admin.c */
void	 page_admin_users_get(struct app *, struct req *, struct resp *);
void	 page_admin_users_post(struct app *, struct req *, struct resp *);
void	 page_admin_audit(struct app *, struct req *, struct resp *);
/* page_schedule.c, page_groups.c */
void	 page_schedule(struct app *, struct req *, struct resp *);
void	 page_series_new_get(struct app *, struct req *, struct resp *);
void	 page_series_new_post(struct app *, struct req *, struct resp *);
void	 page_series_get(struct app *, struct req *, struct resp *);
void	 page_series_post(struct app *, struct req *, struct resp *);
void	 page_attendance(struct app *, struct req *, struct resp *);
/* The series page of s with one problem msg at anchor (status). */
struct db_series;
void	 page_series_refused(struct app *, struct req *, struct resp *,
	    int status, const struct db_series *s, const char *anchor,
	    const char *msg);
/* page_undo.c: Undo of a booking or a move (issue 17). */
void	 page_series_undo(struct app *, struct req *, struct resp *);
void	 page_groups_get(struct app *, struct req *, struct resp *);
void	 page_groups_post(struct app *, struct req *, struct resp *);
/* page_therapists.c, page_sites.c, page_matches.c: records, matching. */
void	 page_therapists(struct app *, struct req *, struct resp *);
/* The form of a new therapist, and of therapist rq->id[0]. */
void	 page_therapist_new_get(struct app *, struct req *, struct resp *);
void	 page_therapist_new_post(struct app *, struct req *, struct resp *);
void	 page_therapist_edit_get(struct app *, struct req *, struct resp *);
void	 page_therapist_edit_post(struct app *, struct req *, struct resp *);
void	 page_therapist_get(struct app *, struct req *, struct resp *);
void	 page_therapist_post(struct app *, struct req *, struct resp *);
void	 page_sites(struct app *, struct req *, struct resp *);
/* The form of a new site, and of site rq->id[0]. */
void	 page_site_new_get(struct app *, struct req *, struct resp *);
void	 page_site_new_post(struct app *, struct req *, struct resp *);
void	 page_site_edit_get(struct app *, struct req *, struct resp *);
void	 page_site_edit_post(struct app *, struct req *, struct resp *);
void	 page_site_get(struct app *, struct req *, struct resp *);
void	 page_site_post(struct app *, struct req *, struct resp *);
void	 page_matches_get(struct app *, struct req *, struct resp *);
void	 page_matches_assign(struct app *, struct req *, struct resp *);
void	 page_plan_get(struct app *, struct req *, struct resp *);
void	 page_plan_post(struct app *, struct req *, struct resp *);
/* page_book.c: assign and book in one flow. */
void	 page_book_get(struct app *, struct req *, struct resp *);
void	 page_book_post(struct app *, struct req *, struct resp *);
/* page_leave.c: what leave or a closure hits, one confirmation. */
void	 page_leave_get(struct app *, struct req *, struct resp *);
void	 page_leave_post(struct app *, struct req *, struct resp *);
void	 page_closures_get(struct app *, struct req *, struct resp *);
void	 page_closures_post(struct app *, struct req *, struct resp *);
/* page_calendar.c: calendar feeds and their links on /me. */
void	 page_calendar(struct app *, struct req *, struct resp *);
void	 page_feed_post(struct app *, struct req *, struct resp *);
void	 page_site_feed_post(struct app *, struct req *, struct resp *);
void	 page_me_feed(struct app *, const struct req *, struct tmpl_data *);
/*
 * A new token for the feed of kind and owner, audited as rq's user's,
 * held for this request only: page_feed_fresh sets PREFIX_https,
 * PREFIX_webcal and PREFIX_qr in d when it is that feed's (and
 * returns 1), and page_feed_forget wipes it.  page_feed_new: 0, 1 when
 * there is no such owner, or -1.
 */
int	 page_feed_new(struct app *, const struct req *, enum db_feed_kind,
	    int64_t owner);
int	 page_feed_fresh(struct app *, struct tmpl_data *, enum db_feed_kind,
	    int64_t owner, const char *prefix);
void	 page_feed_forget(void);
/* page_reports.c, page_outcome.c, page_privacy.c: reports, outcomes. */
void	 page_reports(struct app *, struct req *, struct resp *);
void	 page_reports_csv(struct app *, struct req *, struct resp *);
/*
 * The table named table (the CSV's table=) of report r as /reports.csv
 * sends it, appended to b: 0, or -1 when there is no such table.  The
 * CSV reads only the parts of a report its table is built from; this
 * writes any table of a whole report (db_report_load).  Cannot fail
 * otherwise.
 */
struct db_report;
int	 page_reports_csv_write(struct buf *, const struct db_report *,
	    const char *table);
void	 page_outcome_get(struct app *, struct req *, struct resp *);
void	 page_outcome_post(struct app *, struct req *, struct resp *);
/* page_survey.c: the family and partner staff surveys (issue 20). */
void	 page_survey_get(struct app *, struct req *, struct resp *);
void	 page_survey_post(struct app *, struct req *, struct resp *);
/* page_sites.c: a coordinator asks an organisation's staff (issue 20). */
void	 page_organisation_survey_post(struct app *, struct req *,
	    struct resp *);
void	 page_export(struct app *, struct req *, struct resp *);
/* page_my.c: a client's own page and place offers (issue 18). */
void	 page_my_get(struct app *, struct req *, struct resp *);
void	 page_my_post(struct app *, struct req *, struct resp *);
/*
 * Reads a signed link's token t= (the query, or the body when post)
 * and checks it with check (mail_my_check, mail_offer_check): 1 with
 * *id set, else 0 with the error page written (404 forged or revoked,
 * 503).  Sets the headers that keep such pages out of caches and logs.
 */
int	 page_link_open(struct app *, struct req *, struct resp *, int post,
	    int (*check)(struct db *, const unsigned char *, const char *,
	    int64_t *), const char **token, int64_t *id);
/* page_offer.c: place offers (issue 18): the person's /offer page,
 * the coordinator's /places pages, and their state on other pages. */
void	 page_offer_get(struct app *, struct req *, struct resp *);
void	 page_offer_post(struct app *, struct req *, struct resp *);
void	 page_places_post(struct app *, struct req *, struct resp *);
void	 page_place_get(struct app *, struct req *, struct resp *);
void	 page_place_post(struct app *, struct req *, struct resp *);
void	 page_places_get(struct app *, struct req *, struct resp *);
/*
 * On therapist_id's page after their caseload opened (?opened=N and
 * place= ids, core_places_caseload): what was made for name, into d
 * (made and made_places, or made_none).
 */
void	 page_offer_made(struct app *, struct req *, struct tmpl_data *,
	    int64_t therapist_id, const char *name);
void	 page_offer_series(struct app *, struct tmpl_data *,
	    int64_t series_id);
void	 page_offer_client(struct app *, struct tmpl_data *,
	    int64_t referral_id);
/* page_unsubscribe.c, page_outbox.c: email unsubscribes, the outbox. */
void	 page_unsubscribe_get(struct app *, struct req *, struct resp *);
void	 page_unsubscribe_post(struct app *, struct req *, struct resp *);
void	 page_admin_outbox_get(struct app *, struct req *, struct resp *);
void	 page_admin_outbox_post(struct app *, struct req *, struct resp *);
/* Partners and the impact report (page_partner.c, page_impact.c). */
void	 page_partner_get(struct app *, struct req *, struct resp *);
void	 page_partner_post(struct app *, struct req *, struct resp *);
void	 page_closures(struct app *, struct req *, struct resp *);
/*
 * Pushes partner closure report report_id into list "reports" of d, with
 * the sessions it would hit, when it is site_id's and still waiting.
 * 1 pushed, 0 not (no such waiting report), -1 error (logged).
 */
int	 page_closure_report_push(struct app *, struct tmpl_data *,
	    int64_t report_id, int64_t site_id);
void	 page_impact(struct app *, struct req *, struct resp *);
void	 page_impact_csv(struct app *, struct req *, struct resp *);
/* page_client.c: the client record, notes, goals, the closing summary. */
void	 page_client_get(struct app *, struct req *, struct resp *);
void	 page_client_post(struct app *, struct req *, struct resp *);
void	 page_client_edit(struct app *, struct req *, struct resp *);
/* One email of the record (:id, :id the outbox row): its text. */
void	 page_client_email(struct app *, struct req *, struct resp *);
void	 page_me_sick(struct app *, struct req *, struct resp *);
/* The queue's lists from the client records: work ended, sickness. */
void	 page_client_queue_lists(struct app *, const struct req *,
	    struct tmpl_data *);

/*
 * Sets what every staff page's header shows (name, role, the links the
 * role may follow, the CSRF token for forms) and the page title.
 */
struct tmpl_data *app_staff_data(struct app *, const struct req *,
	    const char *title);
/*
 * What every page may show besides its own data: the office's contact
 * details (settings contact_*), for the footer.  Free it with
 * tmpl_data_free.  Cannot fail (on a database error, nothing is set).
 */
struct tmpl_data *app_outer_data(struct app *);

/*
 * app_cache.c: what every visitor sees the same, kept by the worker.
 * The public facts (the sites the forms offer, the contact details)
 * are read again only after the database changed.  app_sites gives the
 * sites as they are now, the worker's (valid until the next call): 0, or
 * -1 when they cannot be read (answer 503).
 */
struct db_site;
int	 app_sites(struct app *, const struct db_site **sites, size_t *n);

/*
 * A whole public page kept with a hole (APP_PAGE_HOLE, where the form
 * token goes) in place of each visitor's own token.  Start it zeroed;
 * it lives as long as the worker.
 */
#define APP_PAGE_HOLE	"@@form-token@@"
struct app_page {
	struct buf	 pre, post;	/* the page around the hole */
	uint64_t	 gen;		/* the facts it was rendered with */
	int		 ok;
};
/*
 * Brings the facts up to date; 1 when p holds the page for them, 0 when
 * it must be rendered again (and kept), -1 when they cannot be read.
 */
int	 app_page_fresh(struct app *, const struct app_page *p);
/*
 * Keeps rendered's body (status 200, rendered with APP_PAGE_HOLE as its
 * token, from the facts as they are now) in p; 0, or -1 (nothing kept)
 * when it is not a 200 with exactly one hole.
 */
int	 app_page_keep(struct app_page *p, struct resp *rendered);
/* Answers rs with p's page, token in the hole: 200, no-store. */
void	 app_page_answer(const struct app_page *p, const char *token,
	    struct resp *rs);

/*
 * Kept parts of pages (issue 17): the body of a staff page that many
 * requests share (the whole service's week, a period's reports), by a
 * key that names all it depends on (the view asked for, what the
 * viewer's role may open; never one user's own things, such as the
 * CSRF token: those stay in the layout around it).  A part is kept
 * until a record changes (any write by any process but to the logs
 * that reading writes, such as the audit trail: db_records_changed) or
 * until the time it was kept with, whichever comes first; at most
 * APP_PARTS parts and APP_PARTS_BYTES bytes, the least recently used
 * pushed out.  Kept figures (app_figures_find) share the slots, the
 * bytes and the rules.
 */
#define APP_PARTS		16
#define APP_PARTS_BYTES		(16u << 20)
#define APP_PART_KEY_LEN	160
/*
 * 1 with *part the body kept under key (the worker's: valid until its
 * next app_part_find, app_part_keep, app_figures_find or
 * app_figures_keep), 0 when there is none for now (never kept, pushed
 * out, past its time or a record changed since), -1 when the database
 * cannot be asked (nothing is kept then).
 */
int	 app_part_find(struct app *, const char *key, time_t now,
	    const struct buf **part);
/*
 * Keeps a copy of part under key until time until, from what was read
 * after app_part_find of the same request (whose look at the database
 * it is kept against).  0, or -1 (nothing kept) when it is larger than
 * APP_PARTS_BYTES or its time is past.  Cannot fail otherwise.
 */
int	 app_part_keep(const char *key, time_t now, time_t until,
	    const struct buf *part);
/*
 * Kept figures (issue 21): what several answers are built from rather
 * than the text of one (a period's report, which the reports page and
 * each of its CSV tables show; the impact report's two periods, which
 * its page and its CSV show), so that they share one build.  The same
 * as app_part_find, with *figures what app_figures_keep kept under key
 * (valid as a part is; never freed by the caller).
 */
int	 app_figures_find(struct app *, const char *key, time_t now,
	    const void **figures);
/*
 * Keeps figures under key until time until, as app_part_keep keeps a
 * part, about bytes large: from then on they are the worker's, freed
 * with free_figures when they go.  0, or -1 when they are not kept
 * (larger than APP_PARTS_BYTES or past their time): the caller still
 * owns them then.
 */
int	 app_figures_keep(const char *key, time_t now, time_t until,
	    void *figures, size_t bytes, void (*free_figures)(void *));
/* How many parts and figures this worker has found and kept, for tests. */
void	 app_part_counts(uint64_t *found, uint64_t *kept);

/*
 * The world that matching reads (core/world.h), kept by the worker for
 * the matches page and the plan (issue 21): built with core_world_load
 * for the window from now in the worker's zone, and kept until what it
 * reads changes (db_world_changed: the service's set-up, the booked
 * sessions and the open caseloads; not attendance, notes or the audit
 * trail), the zone is another, or it is APP_WORLD_SECONDS old (its
 * window moves on, and leave and closures count by day).  Returns 0
 * with *out the world (the worker's: valid until the next app_world,
 * never to be freed or changed), or -1 with a message in err when it
 * cannot be read or built (nothing is kept then).
 */
#define APP_WORLD_SECONDS	60
struct core_world;
int	 app_world(struct app *, time_t now, const struct core_world **out,
	    char *err, size_t errlen);
/*
 * Answers rs (status) with the staff layout (staff_head.html and
 * staff_foot.html, with d and the outer data) around body, as it is.
 * Cannot fail (a missing layout answers 500).
 */
void	 app_render_around(struct app *, struct resp *, int status,
	    const struct tmpl_data *d, const struct buf *body);
/*
 * Fills the context core/ actions take: this worker's database and
 * settings, the signed-in user (0 when none) and the request's address.
 * Cannot fail; ctx borrows from app and rq.
 */
void	 app_core_ctx(const struct app *, const struct req *,
	    struct core_ctx *);

#endif
