#!/bin/bash
# A calendar feed ends with the person it belongs to (issue 13, finding
# 2): deactivating a log-in or a therapist, or changing the log-in linked
# to a therapist, deletes the feed's token; the lookup itself checks that
# both are active; an administrator can stop a feed from /admin/users.
# Each revocation is audited.
set -u
. "$(dirname "$0")/../lib/stack.sh"
stack_up

ADMIN=admin@tutti.example;	ADMIN_PW=demo-admin-pass-2026
THERA=therapist@tutti.example
TID=$(sql "select id from users where email = '$THERA'")
THID=$(sql "select id from therapists where user_id = $TID")
feed() { curl -s -o "$TVAR/feed" -w '%{http_code}' "$1"; }
new_url() { "$B/tuttictl" feed-url --email "$THERA" 2>/dev/null; }
audits() { sql "select count(*) from audit where action = 'feed-revoke' and subject_user_id = $TID"; }

c=$(staff_login admin "$ADMIN" "$ADMIN_PW")
check "the administrator signs in" [ "$c" = 303 ]
web admin "$BASE/admin/users" >/dev/null
CSRF=$(csrf_of)

# --- deactivating the log-in
URL=$(new_url)
check "the therapist's feed answers 200" [ "$(feed "$URL")" = 200 ]
c=$(web admin --data "csrf=$CSRF&action=deactivate&id=$TID" "$BASE/admin/users")
check "the administrator deactivates the therapist's log-in (303)" [ "$c" = 303 ]
check "then the feed answers 404" [ "$(feed "$URL")" = 404 ]
check "and its token is gone from the database" [ "$(sql "select count(*) from feeds where kind = 'therapist' and owner_id = $THID")" = 0 ]
check "the revocation is audited" [ "$(audits)" = 1 ]
web admin --data "csrf=$CSRF&action=activate&id=$TID" "$BASE/admin/users" >/dev/null

# --- the administrator stops a feed
URL=$(new_url)
check "a new feed answers 200" [ "$(feed "$URL")" = 200 ]
web admin "$BASE/admin/users" >/dev/null
check "/admin/users offers to stop a therapist's feed" grep -q 'value="revoke_feed"' "$TVAR/body"
c=$(web admin --data "csrf=$CSRF&action=revoke_feed&id=$TID" "$BASE/admin/users")
check "stopping it answers 303 with a notice" [ "$c" = 303 -a "$(location)" = "/admin/users?done=feed-revoked" ]
check "then the feed answers 404" [ "$(feed "$URL")" = 404 ]
check "and that is audited, with who did it" \
    [ "$(sql "select count(*) from audit where action = 'feed-revoke' and subject_user_id = $TID and user_id = (select id from users where email = '$ADMIN')")" = 1 ]
c=$(web admin --data "action=revoke_feed&id=$TID" "$BASE/admin/users")
check "without the CSRF token it is refused (403)" [ "$c" = 403 ]

# --- deactivating the therapist, from any program (here sqlite3)
URL=$(new_url)
sql "update therapists set active = 0 where id = $THID"
check "a deactivated therapist's feed answers 404" [ "$(feed "$URL")" = 404 ]
check "its token is gone" [ "$(sql "select count(*) from feeds where kind = 'therapist' and owner_id = $THID")" = 0 ]
check "and that is audited too" [ "$(audits)" = 3 ]
sql "update therapists set active = 1 where id = $THID"

# --- unlinking the log-in from the therapist
URL=$(new_url)
sql "update therapists set user_id = NULL where id = $THID"
check "unlinking the log-in ends the feed (404)" [ "$(feed "$URL")" = 404 ]
sql "update therapists set user_id = $TID where id = $THID"

# --- the lookup checks too, whatever else deleted or did not
URL=$(new_url)
sql "drop trigger therapist_feed_revoke; drop trigger user_feed_revoke"
sql "update users set active = 0 where id = $TID"
check "the lookup refuses an inactive log-in's feed (404)" [ "$(feed "$URL")" = 404 ]
sql "update users set active = 1 where id = $TID; update therapists set active = 0 where id = $THID"
check "the lookup refuses an inactive therapist's feed (404)" [ "$(feed "$URL")" = 404 ]
sql "update therapists set active = 1 where id = $THID"
check "and answers again once both are active (200)" [ "$(feed "$URL")" = 200 ]
finish
