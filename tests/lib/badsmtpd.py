#!/usr/bin/python3
"""A misbehaving SMTP server for the reliability tests (issue 14).

Speaks just enough SMTP (greeting, EHLO/HELO, MAIL, RCPT, DATA, RSET,
NOOP, QUIT) on 127.0.0.1 and misbehaves as DIR/mode says, read afresh at
every step so that a test can change it while the mailer runs:

    ok              accept everything (messages saved as smtpd.py does)
    STAGE CODE TEXT refuse at STAGE (greeting, ehlo, mail, rcpt, data or
                    body: the reply to the message itself) with the reply
                    CODE TEXT, e.g. "mail 550 5.7.1 Relaying denied"
    hang            take the message, then never answer it
    hangquit        accept the message, then never answer QUIT

Accepted messages go in DIR/NNNNNNN.eml with a line in DIR/index.txt
("NNNNNNN MAIL-FROM RCPT MESSAGE-ID"); every refusal is appended to
DIR/refused.txt.  Writes DIR/ready once it listens.

usage: /usr/bin/python3 tests/lib/badsmtpd.py --port P --dir DIR
"""
import argparse
import asyncio
import os
import re
import signal


class Server:
    def __init__(self, folder):
        self.folder = folder
        self.n = sum(1 for f in os.listdir(folder) if f.endswith(".eml"))
        self.index = open(os.path.join(folder, "index.txt"), "a")
        self.refused = open(os.path.join(folder, "refused.txt"), "a")

    def mode(self):
        try:
            with open(os.path.join(self.folder, "mode")) as f:
                return f.read().strip() or "ok"
        except OSError:
            return "ok"

    def refusal(self, stage):
        """The reply to give at stage, or None to carry on."""
        m = self.mode().split(None, 2)
        if len(m) >= 2 and m[0] == stage:
            reply = m[1] + (" " + m[2] if len(m) > 2 else "")
            self.refused.write("%s %s\n" % (stage, reply))
            self.refused.flush()
            return reply
        return None

    def save(self, mail_from, rcpts, data):
        self.n += 1
        name = "%07d" % self.n
        tmp = os.path.join(self.folder, "." + name + ".tmp")
        with open(tmp, "wb") as f:
            f.write(data)
        os.rename(tmp, os.path.join(self.folder, name + ".eml"))
        mid = re.search(rb"^Message-ID: *(<[^>\r\n]*>)", data,
                        re.M | re.I)
        self.index.write("%s %s %s %s\n" % (
            name, mail_from, ",".join(rcpts),
            mid.group(1).decode("ascii", "replace") if mid else "-"))
        self.index.flush()

    async def session(self, reader, writer):
        def send(line):
            writer.write((line + "\r\n").encode())

        try:
            r = self.refusal("greeting")
            if r:
                send(r)
                await writer.drain()
                return
            send("220 bad.test ESMTP misbehaving test server")
            mail_from, rcpts = None, []
            while True:
                line = await reader.readline()
                if not line:
                    return
                cmd = line.decode("ascii", "replace").strip()
                verb = cmd[:4].upper()
                if verb in ("EHLO", "HELO"):
                    r = self.refusal("ehlo")
                    if r:
                        send(r)
                    elif verb == "EHLO":
                        send("250-bad.test")
                        send("250 8BITMIME")
                    else:
                        send("250 bad.test")
                elif verb == "MAIL":
                    r = self.refusal("mail")
                    if r:
                        send(r)
                    else:
                        mail_from = cmd[10:].strip().strip("<>")
                        rcpts = []
                        send("250 OK")
                elif verb == "RCPT":
                    r = self.refusal("rcpt")
                    if r:
                        send(r)
                    else:
                        rcpts.append(cmd[8:].strip().strip("<>"))
                        send("250 OK")
                elif verb == "DATA":
                    r = self.refusal("data")
                    if r:
                        send(r)
                        continue
                    send("354 End data with <CR><LF>.<CR><LF>")
                    await writer.drain()
                    body = []
                    while True:
                        l = await reader.readline()
                        if not l:
                            return
                        if l in (b".\r\n", b".\n"):
                            break
                        if l.startswith(b".."):
                            l = l[1:]
                        body.append(l)
                    if self.mode() == "hang":
                        self.refused.write("body hang\n")
                        self.refused.flush()
                        await asyncio.sleep(3600)
                        return
                    r = self.refusal("body")
                    if r:
                        send(r)
                    else:
                        self.save(mail_from, rcpts, b"".join(body))
                        send("250 2.0.0 Message accepted")
                elif verb == "RSET":
                    mail_from, rcpts = None, []
                    send("250 OK")
                elif verb == "NOOP":
                    send("250 OK")
                elif verb == "QUIT":
                    if self.mode() == "hangquit":
                        await asyncio.sleep(3600)
                        return
                    send("221 Bye")
                    await writer.drain()
                    return
                else:
                    send("502 5.5.2 Command not recognised")
                await writer.drain()
        except (ConnectionError, asyncio.CancelledError):
            pass
        finally:
            try:
                writer.close()
            except Exception:
                pass


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--port", type=int, required=True)
    ap.add_argument("--dir", required=True)
    a = ap.parse_args()
    os.makedirs(a.dir, exist_ok=True)
    srv = Server(a.dir)
    loop = asyncio.new_event_loop()
    asyncio.set_event_loop(loop)
    server = loop.run_until_complete(asyncio.start_server(
        srv.session, "127.0.0.1", a.port, reuse_address=True))
    for s in (signal.SIGTERM, signal.SIGINT):
        loop.add_signal_handler(s, loop.stop)
    with open(os.path.join(a.dir, "ready"), "w") as f:
        f.write("%d\n" % os.getpid())
    try:
        loop.run_forever()
    finally:
        server.close()
        try:
            os.unlink(os.path.join(a.dir, "ready"))
        except OSError:
            pass


if __name__ == "__main__":
    main()
