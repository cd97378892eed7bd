#!/bin/bash
# Security headers on every answer (issue 13, "Also"): what nginx
# answers itself (a static file, its 400, 404, 413 and 414 pages, the
# 502 page when the workers are gone) and the workers' pages carry
# Content-Security-Policy, X-Frame-Options, Referrer-Policy,
# X-Content-Type-Options and Permissions-Policy, each exactly once
# (nginx's add_header would add a second copy to a worker's answer if it
# were set at the server level).
set -u
. "$(dirname "$0")/../lib/stack.sh"
stack_up

W=$TVAR/work
mkdir -p "$W"
HEADERS="Content-Security-Policy X-Frame-Options Referrer-Policy X-Content-Type-Options Permissions-Policy"

# once NAME FILE: every security header appears exactly once in FILE.
once() {
	local h n bad=
	for h in $HEADERS; do
		n=$(grep -ci "^$h:" "$2")
		[ "$n" = 1 ] || bad="$bad $h=$n"
	done
	if [ -z "$bad" ]; then ok "$1: each header once"; else not_ok "$1: each header once" "counts:$bad"; fi
}
# status WANT FILE: the first status line says WANT.
status() { head -n 1 "$2" | grep -q " $1 "; }

curl -s -o /dev/null -D "$W/static" "$BASE/static/tutti.css"
check "a static file: 200" status 200 "$W/static"
once "a static file" "$W/static"
curl -s -o /dev/null -D "$W/404" "$BASE/static/no-such-file.css"
check "a missing static file: nginx's 404" status 404 "$W/404"
once "nginx's 404" "$W/404"
curl -s -o /dev/null -D "$W/414" "$BASE/refer?$(head -c 20000 /dev/zero | tr '\0' a)"
check "a very long address: 414" status 414 "$W/414"
once "nginx's 414" "$W/414"
head -c 100000 /dev/zero | tr '\0' a > "$W/big"
curl -s -o /dev/null -D "$W/413" --data-binary "@$W/big" "$BASE/refer"
check "a body over 64 KiB: 413" status 413 "$W/413"
once "nginx's 413" "$W/413"
# curl cannot send a malformed request itself: speak HTTP by hand.
/usr/bin/python3 - "$PORT" > "$W/400" <<'PY'
import socket, sys
s = socket.create_connection(("127.0.0.1", int(sys.argv[1])), timeout=5)
s.sendall(b"GET / HTTP/1.1\r\nHost: localhost\r\nContent-Length: x\r\n\r\n")
data = b""
while b"\r\n\r\n" not in data:
    chunk = s.recv(4096)
    if not chunk:
        break
    data += chunk
sys.stdout.write(data.split(b"\r\n\r\n")[0].decode("latin-1").replace("\r", ""))
PY
check "a malformed request: nginx's 400" status 400 "$W/400"
once "nginx's 400" "$W/400"
curl -s -o /dev/null -D "$W/app" "$BASE/refer"
check "a worker's page: 200" status 200 "$W/app"
once "a worker's page" "$W/app"
curl -s -o /dev/null -D "$W/app404" "$BASE/no-such-page"
check "a worker's 404" status 404 "$W/app404"
once "a worker's 404" "$W/app404"
curl -s -o /dev/null -D "$W/ok" "$BASE/nginx-ok"
once "nginx's own ok" "$W/ok"
# With the workers gone, nginx answers 502 with its page.
kill -TERM "$(cat "$TVAR/run/tutti-fcgi.pid")"
for i in $(seq 50); do
	curl -s -o /dev/null -D "$W/502" "$BASE/refer"
	status 502 "$W/502" && break
	sleep 0.1
done
check "the workers gone: nginx's 502" status 502 "$W/502"
once "nginx's 502" "$W/502"
finish
