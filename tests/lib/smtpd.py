#!/usr/bin/python3
"""A small SMTP server for the tests and the benchmark (Debian's aiosmtpd).

Saves every message it accepts, as the bytes it received (after SMTP's
dot-unstuffing), in DIR/NNNNNNN.eml, written under a dot name and renamed
so that a file is whole or absent, and appends "NNNNNNN MAIL-FROM RCPT" to
DIR/index.txt.  Recipients whose local part starts with "reject" get 550,
"later" get 451, so that the tests can see permanent and temporary
refusals.  --delay S waits S seconds after saving a message and before
answering 250 (a slow server, to catch the mailer mid-batch); --discard
saves nothing (for the benchmark).  Writes DIR/ready once it listens.

usage: /usr/bin/python3 tests/lib/smtpd.py --port P --dir DIR
           [--delay S] [--discard]
"""
import argparse
import asyncio
import os
import signal

from aiosmtpd.smtp import SMTP


class Saver:
    def __init__(self, folder, delay, discard):
        self.folder = folder
        self.delay = delay
        self.discard = discard
        # Numbers go on after a restart on the same folder.
        self.n = sum(1 for f in os.listdir(folder) if f.endswith(".eml"))
        self.index = open(os.path.join(folder, "index.txt"), "a")

    async def handle_RCPT(self, server, session, envelope, address,
                          rcpt_options):
        local = address.split("@")[0].lower()
        if local.startswith("reject"):
            return "550 5.1.1 No such mailbox here"
        if local.startswith("later"):
            return "451 4.3.0 Mailbox busy, try again later"
        envelope.rcpt_tos.append(address)
        return "250 OK"

    async def handle_DATA(self, server, session, envelope):
        self.n += 1
        if not self.discard:
            name = "%07d" % self.n
            tmp = os.path.join(self.folder, "." + name + ".tmp")
            with open(tmp, "wb") as f:
                f.write(envelope.original_content)
            os.rename(tmp, os.path.join(self.folder, name + ".eml"))
            self.index.write("%s %s %s\n" % (name, envelope.mail_from,
                                             ",".join(envelope.rcpt_tos)))
            self.index.flush()
        if self.delay:
            await asyncio.sleep(self.delay)
        return "250 2.0.0 Message accepted for delivery"


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--port", type=int, required=True)
    ap.add_argument("--dir", required=True)
    ap.add_argument("--delay", type=float, default=0.0)
    ap.add_argument("--discard", action="store_true")
    a = ap.parse_args()
    os.makedirs(a.dir, exist_ok=True)
    handler = Saver(a.dir, a.delay, a.discard)
    loop = asyncio.new_event_loop()
    asyncio.set_event_loop(loop)
    server = loop.run_until_complete(loop.create_server(
        lambda: SMTP(handler, hostname="smtp.test", decode_data=False,
                     enable_SMTPUTF8=False, ident="tutti-test-smtpd"),
        "127.0.0.1", a.port, reuse_address=True))
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
