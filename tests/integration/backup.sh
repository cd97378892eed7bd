#!/bin/bash
# `tuttictl backup FILE` while people keep referring themselves: the copy
# passes PRAGMA integrity_check, holds every referral whose 303 came
# back before the backup began, and restored as the README says (a new
# state folder holding it as tutti.db) it runs the whole stack again.
set -u
. "$(dirname "$0")/../lib/stack.sh"
stack_up

W=$TVAR/work
mkdir -p "$W/load"
LOADERS=${LOADERS:-4}

# A database of some size, so that the backup copies it in many steps
# while the load writes (the demo alone is a few hundred kilobytes).
sql "WITH RECURSIVE n(i) AS (SELECT 1 UNION ALL SELECT i + 1 FROM n
     WHERE i < 5000) INSERT INTO referrals (ref, status, given_name,
     family_name, email, postcode, date_of_birth, preferred_contact,
     session_type, consent_data, about, created_at, updated_at)
     SELECT printf('SEED-%05d', i), 'closed', 'Seed', 'Person ' || i, '',
     'N1 1AA', '1980-01-01', 'phone', 'either', 1,
     printf('%.600c', 'x'), '2020-01-01T00:00:00Z', '2020-01-01T00:00:00Z'
     FROM n"
pages=$(sql "PRAGMA page_count")
check "the database is larger than one backup step (256 pages)" \
    [ "$pages" -gt 1024 ]

# loader N: GET the form, POST it, and on a 303 append the reference to
# load/N.ok once the answer is back; anything else goes to load/N.err.
loader() {
	local n=$1 i=0 tok c loc body=$W/load/$1.body head=$W/load/$1.head
	while [ ! -e "$W/stop" ]; do
		i=$((i + 1))
		curl -s -o "$body" "$BASE/refer" || continue
		tok=$(form_token "$body")
		c=$(curl -s -o /dev/null -D "$head" -w '%{http_code}' \
		    --data "form_token=$tok&given_name=Load$n&family_name=Person$i&email=load$n.$i%40example.com&phone=07700900$((100 + n))&postcode=N1+9GU&date_of_birth=1980-05-01&preferred_contact=email&needs=autism&about=Load+test&availability=mon_am&session_type=either&consent_data=yes&consent_contact=yes&website=" \
		    "$BASE/refer")
		if [ "$c" = 303 ]; then
			loc=$(grep -i '^location:' "$head" | tr -d '\r')
			echo "${loc##*ref=}" >> "$W/load/$n.ok"
		else
			echo "$c" >> "$W/load/$n.err"
		fi
	done
}

for n in $(seq "$LOADERS"); do
	: > "$W/load/$n.ok"
	loader "$n" &
done
# Until the loaders have had some referrals acknowledged (a loaded
# machine can take well over a second for the first), then a little more.
for _ in $(seq 600); do
	[ -n "$(cat "$W"/load/*.ok)" ] && break
	sleep 0.1
done
sleep 1

# Every reference acknowledged so far; then the backup begins.
cat "$W"/load/*.ok | grep -v '^$' | sort -u > "$W/acked"
acked=$(wc -l < "$W/acked")
before=$(cat "$W"/load/*.ok | wc -l)
t0=$(date +%s%N)
timeout 120 "$B/tuttictl" backup "$TVAR/backup.db" > "$W/backup.out" 2>&1
rc=$?
t1=$(date +%s%N)
sleep 1
after=$(cat "$W"/load/*.ok | wc -l)
touch "$W/stop"
wait

check "tuttictl backup succeeds under load" [ "$rc" = 0 ]
[ "$rc" = 0 ] || sed 's/^/#   /' "$W/backup.out"
echo "# backup of $pages pages took $(( (t1 - t0) / 1000000 )) ms;" \
    "$acked referrals acknowledged before it, $((after - before)) during" \
    "and after"
check "referrals were acknowledged before the backup began" [ "$acked" -gt 0 ]
check "people kept referring themselves during the backup" \
    [ "$after" -gt "$before" ]
errs=$(cat "$W"/load/*.err 2>/dev/null | sort | uniq -c | tr '\n' ' ')
check "no referral failed while the backup ran ($errs)" [ -z "$errs" ]
check "a second backup to the same file is refused" \
    sh -c "! '$B/tuttictl' backup '$TVAR/backup.db' 2>/dev/null"

check "the backup passes PRAGMA integrity_check" \
    [ "$(sqlite3 "$TVAR/backup.db" 'PRAGMA integrity_check')" = ok ]
check "the backup passes PRAGMA foreign_key_check" \
    [ -z "$(sqlite3 "$TVAR/backup.db" 'PRAGMA foreign_key_check')" ]
{
	echo "CREATE TEMP TABLE acked (ref TEXT PRIMARY KEY);"
	sed "s/.*/INSERT INTO acked VALUES ('&');/" "$W/acked"
	echo "SELECT count(*) FROM acked WHERE ref NOT IN (SELECT ref FROM referrals);"
} > "$W/missing.sql"
missing=$(sqlite3 "$TVAR/backup.db" < "$W/missing.sql")
check "every referral acknowledged before the backup is in it ($missing missing)" \
    [ "$missing" = 0 ]
check "the backup holds the seed rows" \
    [ "$(sqlite3 "$TVAR/backup.db" "select count(*) from referrals where ref like 'SEED-%'")" = 5000 ]
check "the backup is at the live schema version" \
    [ "$(sqlite3 "$TVAR/backup.db" 'PRAGMA user_version')" = "$(sql 'PRAGMA user_version')" ]

# Restore as the README says: a state folder whose tutti.db is the
# backup (no -wal or -shm beside it), then start the stack on it.
R=$TVAR/restored
mkdir -p "$R"
cp "$TVAR/backup.db" "$R/tutti.db"
RPORT=$(free_port)
if TUTTI_DB=$R/tutti.db TUTTI_BASE_URL=http://127.0.0.1:$RPORT VAR=$R \
    PORT=$RPORT sh "$ROOT/ctl/stack.sh" start > "$W/restore.log" 2>&1; then
	ok "the stack starts on the restored database"
else
	not_ok "the stack starts on the restored database" "$(tail -n 5 "$W/restore.log")"
fi
check "the restored service answers /healthz" \
    [ "$(curl -s -o /dev/null -w '%{http_code}' "http://127.0.0.1:$RPORT/healthz")" = 200 ]
check "no demo data was loaded over the restored database" \
    [ ! -s "$R/demo-logins.txt" ]
one=$(head -n 1 "$W/acked")
jar=$W/restored.jar
curl -s -c "$jar" -b "$jar" -o "$W/login" "http://127.0.0.1:$RPORT/login"
tok=$(form_token "$W/login")
curl -s -c "$jar" -b "$jar" -o /dev/null --data-urlencode "form_token=$tok" \
    --data-urlencode "email=coordinator@tutti.example" \
    --data-urlencode "password=demo-coordinator-2026" \
    "http://127.0.0.1:$RPORT/login"
curl -s -b "$jar" -o "$W/queue" "http://127.0.0.1:$RPORT/referrals?q=$one"
check "a coordinator finds an acknowledged referral in the restored service" \
    grep -q "$one" "$W/queue"
TUTTI_DB=$R/tutti.db VAR=$R PORT=$RPORT sh "$ROOT/ctl/stack.sh" stop \
    >/dev/null 2>&1
check "the restored database passes PRAGMA integrity_check after use" \
    [ "$(sqlite3 "$R/tutti.db" 'PRAGMA integrity_check')" = ok ]

# The production site file (README, "Running in production") is valid
# nginx, here with a throw-away certificate and this tree's paths.
# nginx -t binds its ports (80 and 443), which only root may.
if need_root "nginx/production.conf passes nginx -t" &&
    command -v openssl >/dev/null; then
	N=$TVAR/prod-nginx
	mkdir -p "$N"
	openssl req -x509 -newkey rsa:2048 -nodes -keyout "$N/key.pem" \
	    -out "$N/cert.pem" -days 1 -subj /CN=tutti.example.org \
	    >/dev/null 2>&1
	sed -e "s|/etc/letsencrypt/live/tutti.example.org/fullchain.pem|$N/cert.pem|" \
	    -e "s|/etc/letsencrypt/live/tutti.example.org/privkey.pem|$N/key.pem|" \
	    -e "s|/usr/local/share/tutti|$ROOT|g" \
	    -e "s|unix:/run/tutti/|unix:$TVAR/run/|" \
	    "$ROOT/nginx/production.conf" > "$N/site.conf"
	printf '%s\n' "pid $N/nginx.pid;" "events {}" "http {" \
	    "include /etc/nginx/mime.types;" "client_body_temp_path $N/b;" \
	    "fastcgi_temp_path $N/f;" "proxy_temp_path $N/p;" \
	    "uwsgi_temp_path $N/u;" "scgi_temp_path $N/s;" \
	    "include $N/site.conf;" "}" > "$N/nginx.conf"
	check "nginx/production.conf passes nginx -t" \
	    /usr/sbin/nginx -t -q -p "$N" -c "$N/nginx.conf" -e "$N/error.log"
fi
finish
