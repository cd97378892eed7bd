#include <ctype.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include <sodium.h>

#include "cgi/app.h"
#include "cgi/auth.h"
#include "cgi/form.h"
#include "cgi/token.h"
#include "db/db.h"
#include "db/outbox.h"
#include "db/staff.h"
#include "db/staff.h"

extern const char *const auth_common_passwords[];
extern const size_t auth_common_passwords_count;

const char *const auth_role_names[ROLE__MAX] = {
	"admin", "coordinator", "therapist", "partner",
};
const char *const auth_role_labels[ROLE__MAX] = {
	"Administrator", "Coordinator", "Therapist", "Partner",
};

#define A	(1u << ROLE_ADMIN)
#define C	(1u << ROLE_COORDINATOR)
#define T	(1u << ROLE_THERAPIST)
#define P	(1u << ROLE_PARTNER)

/*
 * Who may do what: the one place that decides.  A therapist reads only
 * their own clients, through /me; the queue is for coordinators.
 */
static const unsigned allowed[ACT__MAX] = {
	[ACT_PUBLIC] =		A | C | T | P,
	[ACT_SIGNED_IN] =	A | C | T,
	[ACT_QUEUE] =		A | C,
	[ACT_REFERRAL_VIEW] =	A | C,
	[ACT_REFERRAL_CHANGE] =	A | C,
	[ACT_REFERRAL_CREATE] =	A | C,
	[ACT_USERS] =		A,
	[ACT_AUDIT] =		A,
	[ACT_SCHEDULE] =	A | C,
	[ACT_BOOK] =		A | C,
	/* A therapist sees their own record: page_therapists checks. */
	[ACT_RECORDS_VIEW] =	A | C,
	[ACT_RECORDS_EDIT] =	A | C,
	[ACT_ASSIGN] =		A | C,
	[ACT_REPORTS] =		A | C,
	[ACT_EXPORT] =		A,
	[ACT_OUTBOX] =		A,
	/* A partner signs out and sees /partner; nothing else of staff's. */
	[ACT_SIGN_OUT] =	A | C | T | P,
	[ACT_PARTNER] =		P,
	[ACT_IMPACT] =		A | C,
	[ACT_CLIENT] =		A | C | T,
	[ACT_OWN_ACCOUNT] =	A | C | T | P,
	[ACT_THERAPIST_OWN] =	T,
};

#undef A
#undef C
#undef T
#undef P

/*
 * Failed sign-ins, counted over a window under three keys: the account
 * from one address ("p:"), the address ("a:") and the account from
 * anywhere ("u:").  An address that keeps failing on one account is
 * slowed, then refused for the window; an address that fails on many
 * is refused too.  The account's own count never locks it: past
 * FAIL_ACCOUNT_SLOW it only slows the addresses that have failed on it,
 * so its owner can still sign in from a clean address; at FAIL_NOTIFY
 * the owner is told by email.
 */
#define FAIL_WINDOW	(15 * 60)
#define FAIL_SLOW	3	/* from this many, wait between tries */
#define FAIL_LOCK_PAIR	10	/* then this address is refused */
#define FAIL_LOCK_ADDR	30
#define FAIL_ACCOUNT_SLOW 10	/* account-wide: slows failing addresses */
#define FAIL_ACCOUNT_WAIT 300	/* the longest that slowing waits */
#define FAIL_NOTIFY	10	/* the owner is emailed at this many */

int
auth_can(enum role r, enum action a)
{
	if ((unsigned)r >= ROLE__MAX || (unsigned)a >= ACT__MAX)
		return 0;
	return (allowed[a] >> r) & 1;
}

int
auth_role_parse(const char *s)
{
	return db_name_index(auth_role_names, ROLE__MAX, s != NULL ? s : "");
}

/* 1 when needle (at least 4 bytes) occurs in hay, ignoring case. */
static int
contains_word(const char *hay, const char *needle, size_t n)
{
	size_t i, hn = strlen(hay);

	if (n < 4 || n > hn)
		return 0;
	for (i = 0; i + n <= hn; i++)
		if (strncasecmp(hay + i, needle, n) == 0)
			return 1;
	return 0;
}

/*
 * 1 when b follows a in a run going by step (-1, 0 or 1); among digits
 * the run wraps, so 8, 9, 0, 1 is a run.
 */
static int
next_in_run(char a, char b, int step)
{
	unsigned char x = (unsigned char)a, y = (unsigned char)b;

	if (step != 0 && isdigit(x) && isdigit(y))
		return (x - '0' + 10 + step) % 10 == y - '0';
	return y == (unsigned char)(x + step);
}

const char *
auth_password_problem(const char *pw, const char *email, const char *name)
{
	static const char too_regular[] = "That password is too easy to "
	    "guess. Choose something less regular, such as a few unrelated "
	    "words.";
	size_t n = strlen(pw), i, run, period;
	const char *p, *at;
	int step;

	if (n < AUTH_PW_MIN)
		return "Choose a password of at least 12 characters. "
		    "A few unrelated words make a good one.";
	if (n > AUTH_PW_MAX)
		return "Choose a password of 128 characters or fewer.";
	for (i = 0; i < auth_common_passwords_count; i++)
		if (strcasecmp(pw, auth_common_passwords[i]) == 0)
			return "That password is one of the most common ones "
			    "and is easily guessed. Choose another.";
	/*
	 * One character over and over, a plain run like 234567890123 or
	 * zyxwvutsrqpo (digits wrap from 9 to 0), or a short block
	 * repeated (abcabcabcabc).
	 */
	for (step = -1; step <= 1; step++) {
		for (i = 1, run = 1; i < n; i++)
			if (next_in_run(pw[i - 1], pw[i], step))
				run++;
		if (run == n)
			return too_regular;
	}
	for (period = 2; period <= 4; period++) {
		for (i = period; i < n && pw[i] == pw[i - period]; i++)
			;
		if (i == n)
			return too_regular;
	}
	if (email != NULL && (at = strchr(email, '@')) != NULL &&
	    contains_word(pw, email, (size_t)(at - email)))
		return "Your password must not contain your email address.";
	for (p = name; p != NULL && *p != '\0'; ) {
		size_t w = strcspn(p, " -'");

		if (contains_word(pw, p, w))
			return "Your password must not contain your name.";
		p += w;
		p += strspn(p, " -'");
	}
	return NULL;
}

int
auth_password_hash(const char *pw, char *out, size_t outlen)
{
	if (outlen < crypto_pwhash_STRBYTES)
		return -1;
	return crypto_pwhash_str(out, pw, strlen(pw),
	    crypto_pwhash_OPSLIMIT_INTERACTIVE,
	    crypto_pwhash_MEMLIMIT_INTERACTIVE) == 0 ? 0 : -1;
}

int
auth_password_verify(const char *hash, const char *pw)
{
	/*
	 * Unknown accounts cost the same work: this is the hash of a random
	 * password nobody knows, at the same limits.
	 */
	static const char dummy[] = "$argon2id$v=19$m=65536,t=2,p=1$"
	    "uV0bVwuXIUJ4ylNA6T7FNA$fC2zhahjYd9CLurZmUOJd432EnPn8qA6yCqxDCYqx6g";
	int known = hash != NULL && *hash != '\0';
	pid_t pid;
	int status;

	if (!known)
		hash = dummy;
	if ((pid = fork()) == -1) {
		/* No child to be had: check here, at the cost of memory. */
		return crypto_pwhash_str_verify(hash, pw, strlen(pw)) == 0 &&
		    known;
	}
	if (pid == 0)
		_exit(crypto_pwhash_str_verify(hash, pw, strlen(pw)) == 0 ?
		    0 : 1);
	while (waitpid(pid, &status, 0) == -1)
		;
	return known && WIFEXITED(status) && WEXITSTATUS(status) == 0;
}

const char *
auth_cookie_name(const struct app *app)
{
	return strncmp(app->base_url, "https://", 8) == 0 ?
	    "__Host-tutti" : "tutti";
}

static void
token_hash(const char *token, unsigned char out[32])
{
	crypto_hash_sha256(out, (const unsigned char *)token, strlen(token));
}

int
auth_session_load(struct app *app, const struct req *rq, struct user *u)
{
	struct db_session s;
	unsigned char h[32];
	char tok[96];
	int64_t now = (int64_t)time(NULL);
	int rc, role;

	if (*rq->cookie == '\0' ||
	    cookie_get(rq->cookie, auth_cookie_name(app), tok,
	    sizeof(tok)) == -1 || strlen(tok) != 64)
		return 0;
	token_hash(tok, h);
	sodium_memzero(tok, sizeof(tok));
	if ((rc = db_session_find(app->db, h, &s)) != 1)
		return rc;
	if (s.last_seen + AUTH_IDLE < now ||
	    s.created_at + AUTH_ABSOLUTE < now) {
		(void)db_session_delete(app->db, s.id);
		return 0;
	}
	if ((role = auth_role_parse(s.role)) < 0)
		return 0;
	/* Renew the idle time, but write at most once a minute. */
	if (now - s.last_seen >= 60)
		(void)db_session_touch(app->db, s.id, now);
	memset(u, 0, sizeof(*u));
	u->id = s.user_id;
	u->session_id = s.id;
	u->role = (enum role)role;
	snprintf(u->name, sizeof(u->name), "%s", s.name);
	snprintf(u->email, sizeof(u->email), "%s", s.email);
	snprintf(u->csrf, sizeof(u->csrf), "%s", s.csrf);
	u->organisation_id = s.organisation_id;
	return 1;
}

/* Sets cookie name (HttpOnly, SameSite=Lax, Secure over https). */
static void
cookie_set(struct app *app, struct resp *rs, const char *name,
    const char *value, int max_age)
{
	char line[256];
	int secure = strncmp(app->base_url, "https://", 8) == 0;

	snprintf(line, sizeof(line), "%s=%s; Path=/; HttpOnly; "
	    "SameSite=Lax%s; Max-Age=%d", name, value,
	    secure ? "; Secure" : "", max_age);
	http_header(rs, "Set-Cookie", line);
}

static void
set_cookie(struct app *app, struct resp *rs, const char *value, int max_age)
{
	cookie_set(app, rs, auth_cookie_name(app), value, max_age);
}

/* The pre-login cookie's name: "__Host-tutti-login" over https. */
static const char *
login_cookie_name(const struct app *app)
{
	return strncmp(app->base_url, "https://", 8) == 0 ?
	    "__Host-tutti-login" : "tutti-login";
}

int
auth_login_key(struct app *app, const struct req *rq, struct resp *rs,
    unsigned char key[32])
{
	static const char label[] = "tutti sign-in form:";
	crypto_auth_hmacsha256_state st;
	unsigned char raw[32];
	char v[72];
	size_t i, n = 0;

	if (*rq->cookie != '\0' && cookie_get(rq->cookie,
	    login_cookie_name(app), v, sizeof(v)) == 0)
		for (n = strlen(v), i = 0; i < n; i++)
			if (strchr("0123456789abcdef", v[i]) == NULL)
				n = 0;
	if (n != 64) {
		if (rs == NULL)
			return -1;
		randombytes_buf(raw, sizeof(raw));
		sodium_bin2hex(v, sizeof(v), raw, sizeof(raw));
		cookie_set(app, rs, login_cookie_name(app), v,
		    TOKEN_MAX_AGE);
	}
	/* The form key, narrowed to this browser's cookie. */
	crypto_auth_hmacsha256_init(&st, app->form_key, 32);
	crypto_auth_hmacsha256_update(&st, (const unsigned char *)label,
	    sizeof(label) - 1);
	crypto_auth_hmacsha256_update(&st, (const unsigned char *)v, 64);
	crypto_auth_hmacsha256_final(&st, key);
	sodium_memzero(v, sizeof(v));
	return 0;
}

void
auth_login_cookie_clear(struct app *app, struct resp *rs)
{
	cookie_set(app, rs, login_cookie_name(app), "", 0);
}

int
auth_session_start(struct app *app, const struct req *rq, struct resp *rs,
    int64_t user_id)
{
	unsigned char raw[32], h[32], c[32];
	char tok[65], csrf[65];
	int64_t now = (int64_t)time(NULL);

	/* A fresh token at every sign-in; only its hash is kept. */
	randombytes_buf(raw, sizeof(raw));
	randombytes_buf(c, sizeof(c));
	sodium_bin2hex(tok, sizeof(tok), raw, sizeof(raw));
	sodium_bin2hex(csrf, sizeof(csrf), c, sizeof(c));
	token_hash(tok, h);
	(void)db_session_expire(app->db, now - AUTH_IDLE, now - AUTH_ABSOLUTE);
	if (db_session_create(app->db, h, user_id, csrf, now,
	    rq->remote_addr) == -1)
		return -1;
	set_cookie(app, rs, tok, AUTH_ABSOLUTE);
	sodium_memzero(tok, sizeof(tok));
	sodium_memzero(raw, sizeof(raw));
	return 0;
}

void
auth_session_end(struct app *app, const struct req *rq, struct resp *rs)
{
	if (rq->user != NULL)
		(void)db_session_delete(app->db, rq->user->session_id);
	set_cookie(app, rs, "", 0);
}

int
auth_same_origin(const struct app *app, const struct req *rq)
{
	const char *site = rq->fetch_site, *origin = rq->origin, *p;
	size_t n;

	if (site != NULL && *site != '\0')
		return strcmp(site, "same-origin") == 0 ||
		    strcmp(site, "none") == 0;
	if (origin == NULL || *origin == '\0')
		return 1;
	/* The base URL's scheme, host and port, without any path. */
	p = strstr(app->base_url, "://");
	n = p == NULL ? strlen(app->base_url) :
	    (size_t)(p + 3 - app->base_url) + strcspn(p + 3, "/");
	return strlen(origin) == n && strncasecmp(origin, app->base_url,
	    n) == 0;
}

int
auth_csrf_ok(const struct req *rq)
{
	const char *v = form_get(&rq->f, "csrf");
	size_t n;

	if (rq->user == NULL || v == NULL)
		return 0;
	n = strlen(rq->user->csrf);
	return n > 0 && strlen(v) == n &&
	    sodium_memcmp(v, rq->user->csrf, n) == 0;
}

/* The keys failures are counted under: see FAIL_WINDOW. */
enum fail_key {
	KEY_PAIR,	/* this account from this address */
	KEY_ADDR,	/* this address */
	KEY_ACCOUNT,	/* this account from anywhere */
	KEY__MAX
};

static void
fail_keys(const char *email, const char *addr, char keys[KEY__MAX][320])
{
	char lower[260];
	size_t i;

	snprintf(lower, sizeof(lower), "%s", email != NULL ? email : "");
	for (i = 0; lower[i] != '\0'; i++)
		lower[i] = (char)tolower((unsigned char)lower[i]);
	addr = addr != NULL ? addr : "";
	snprintf(keys[KEY_PAIR], sizeof(keys[KEY_PAIR]), "p:%.60s|%s", addr,
	    lower);
	snprintf(keys[KEY_ADDR], sizeof(keys[KEY_ADDR]), "a:%.60s", addr);
	snprintf(keys[KEY_ACCOUNT], sizeof(keys[KEY_ACCOUNT]), "u:%s", lower);
}

/* Seconds to wait after n failures, the last at last. */
static int
wait_for(int n, int lock, int64_t first, int64_t last, int64_t now)
{
	int64_t until;

	if (n >= lock)
		until = first + FAIL_WINDOW;
	else if (n >= FAIL_SLOW)
		until = last + ((int64_t)1 << /* 2, 4, 8 ... s */
		    (n - FAIL_SLOW + 1 < 20 ? n - FAIL_SLOW + 1 : 20));
	else
		return 0;
	/* The count starts again when the window ends: never wait longer. */
	if (until > first + FAIL_WINDOW)
		until = first + FAIL_WINDOW;
	return until > now ? (int)(until - now) : 0;
}

/*
 * The wait an account's own count adds for an address that has failed
 * on it (pair failures, the last at pair_last): doubling past
 * FAIL_ACCOUNT_SLOW, at most FAIL_ACCOUNT_WAIT.  A clean address never
 * waits for it.
 */
static int
account_wait(int account, int pair, int64_t pair_last, int64_t now)
{
	int64_t w, until;
	int k;

	if (account < FAIL_ACCOUNT_SLOW || pair < 1)
		return 0;
	k = account - FAIL_ACCOUNT_SLOW + 1;
	w = k < 20 ? (int64_t)1 << k : FAIL_ACCOUNT_WAIT;
	if (w > FAIL_ACCOUNT_WAIT)
		w = FAIL_ACCOUNT_WAIT;
	until = pair_last + w;
	return until > now ? (int)(until - now) : 0;
}

int
auth_login_begin(struct app *app, const char *email, const char *addr,
    int *account_failures)
{
	static const int lock[KEY__MAX] = { FAIL_LOCK_PAIR, FAIL_LOCK_ADDR, 0 };
	char keys[KEY__MAX][320];
	int64_t now = (int64_t)time(NULL), first[KEY__MAX], last[KEY__MAX];
	int n[KEY__MAX], k, w = 0, w2, rc;

	*account_failures = 0;
	fail_keys(email, addr, keys);
	/*
	 * Read, decide and count in one write transaction: workers side by
	 * side are taken in turn, so each sees the attempts before it.
	 */
	if (db_begin(app->db) == -1)
		return -1;
	for (k = 0; k < KEY__MAX; k++) {
		if ((rc = db_login_failures(app->db, keys[k], &n[k], &first[k],
		    &last[k])) == -1)
			goto fail;
		if (rc == 0 || first[k] + FAIL_WINDOW <= now)
			n[k] = 0;
		if (lock[k] > 0 && n[k] > 0 &&
		    (w2 = wait_for(n[k], lock[k], first[k], last[k], now)) > w)
			w = w2;
	}
	if ((w2 = account_wait(n[KEY_ACCOUNT], n[KEY_PAIR], last[KEY_PAIR],
	    now)) > w)
		w = w2;
	if (w > 0) {
		db_rollback(app->db);
		return w;
	}
	/* Counted as failed now; auth_login_succeeded takes it back. */
	for (k = 0; k < KEY__MAX; k++)
		if (db_login_fail(app->db, keys[k], now, FAIL_WINDOW) == -1)
			goto fail;
	if (db_commit(app->db) == -1)
		return -1;
	*account_failures = n[KEY_ACCOUNT] + 1;
	return 0;
fail:
	db_rollback(app->db);
	return -1;
}

void
auth_login_failed(struct app *app, const char *email,
    const struct db_user *u, const char *addr, int account_failures)
{
	char key[DB_OUTBOX_KEY_LEN], keys[KEY__MAX][320];
	int64_t now = (int64_t)time(NULL);
	int k;

	/* The waits run from when the failure was known, after the hash. */
	fail_keys(email, addr, keys);
	for (k = 0; k < KEY__MAX; k++)
		(void)db_login_touch(app->db, keys[k], now);
	if (u == NULL || account_failures != FAIL_NOTIFY)
		return;
	/* Once a window: the count starts again after it. */
	if (db_outbox_key(key, sizeof(key), "login_guessed", u->id,
	    (int64_t)time(NULL) / FAIL_WINDOW) == -1)
		return;
	if (db_begin(app->db) == -1)
		return;
	if (db_outbox_add(app->db, "login_guessed", key, u->email, u->name,
	    0, u->id, app->msgid_domain) == -1 ||
	    db_audit(app->db, 0, addr, "login-guessed", 0, u->id,
	    "many wrong passwords: the owner was emailed") == -1) {
		db_rollback(app->db);
		return;
	}
	(void)db_commit(app->db);
}

void
auth_login_succeeded(struct app *app, const char *email, const char *addr)
{
	char keys[KEY__MAX][320];

	fail_keys(email, addr, keys);
	(void)db_login_clear(app->db, keys[KEY_PAIR]);
	(void)db_login_clear(app->db, keys[KEY_ACCOUNT]);
	(void)db_login_unfail(app->db, keys[KEY_ADDR]);
}

void
auth_wait_text(int wait, char *out, size_t n)
{
	if (wait >= 120)
		(void)snprintf(out, n, "Too many failed sign-ins. Try again "
		    "in %d minutes.", (wait + 59) / 60);
	else
		(void)snprintf(out, n, "Too many failed sign-ins. Wait %d "
		    "second%s, then try again.", wait, wait == 1 ? "" : "s");
}
