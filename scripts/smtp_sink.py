"""A local SMTP server for tests: stores every message it accepts, refuses some on purpose.

Each accepted message is written to DIR as <n>.eml (the raw bytes) and <n>.json (envelope,
decoded subject, parts and attachment checksums), so tests can check what arrived.
Recipients whose local part starts with "reject" get 550, with "later" get 451.
With --tls-port, --cert and --key, a second listener requires STARTTLS and then AUTH
(user "mailer", password "s3cret").
"""

import argparse
import asyncio
import email
import email.policy
import hashlib
import itertools
import json
import os
import signal
import ssl

from aiosmtpd.controller import Controller
from aiosmtpd.smtp import AuthResult

counter = itertools.count(1)


class Sink:
    def __init__(self, directory):
        self.directory = directory

    async def handle_RCPT(self, server, session, envelope, address, rcpt_options):
        local = address.split("@")[0].lower()
        if local.startswith("reject"):
            return "550 5.1.1 mailbox unavailable"
        if local.startswith("later"):
            return "451 4.3.0 try again later"
        envelope.rcpt_tos.append(address)
        return "250 OK"

    async def handle_DATA(self, server, session, envelope):
        n = f"{os.getpid()}-{next(counter)}"
        raw = envelope.original_content or envelope.content
        message = email.message_from_bytes(raw, policy=email.policy.default)
        parts = []
        for part in message.walk():
            if part.is_multipart():
                continue
            payload = part.get_payload(decode=True) or b""
            entry = {"content_type": part.get_content_type(), "filename": part.get_filename(), "size": len(payload),
                     "sha256": hashlib.sha256(payload).hexdigest()}
            if part.get_content_maintype() == "text":
                entry["text"] = payload.decode(part.get_content_charset() or "utf-8")
            parts.append(entry)
        summary = {"mail_from": envelope.mail_from, "rcpt_tos": envelope.rcpt_tos, "subject": str(message["subject"]),
                   "from": str(message["from"]), "to": str(message["to"]), "message_id": str(message["message-id"]),
                   "date": str(message["date"]), "parts": parts}
        with open(os.path.join(self.directory, n + ".eml"), "wb") as f:
            f.write(raw)
        tmp = os.path.join(self.directory, n + ".json.tmp")
        with open(tmp, "w") as f:
            json.dump(summary, f, ensure_ascii=False)
        os.rename(tmp, os.path.join(self.directory, n + ".json"))
        return "250 Message accepted"


def authenticate(server, session, envelope, mechanism, auth_data):
    ok = getattr(auth_data, "login", None) == b"mailer" and getattr(auth_data, "password", None) == b"s3cret"
    return AuthResult(success=ok, handled=False)


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--port", type=int, required=True)
    parser.add_argument("--dir", required=True)
    parser.add_argument("--tls-port", type=int)
    parser.add_argument("--cert")
    parser.add_argument("--key")
    args = parser.parse_args()
    os.makedirs(args.dir, exist_ok=True)
    controllers = [Controller(Sink(args.dir), hostname="127.0.0.1", port=args.port, decode_data=False)]
    if args.tls_port:
        context = ssl.create_default_context(ssl.Purpose.CLIENT_AUTH)
        context.load_cert_chain(args.cert, args.key)
        controllers.append(Controller(Sink(args.dir), hostname="127.0.0.1", port=args.tls_port, decode_data=False,
                                      tls_context=context, require_starttls=True, auth_required=True,
                                      auth_require_tls=True, authenticator=authenticate))
    for controller in controllers:
        controller.start()
    loop = asyncio.new_event_loop()
    stop = loop.create_future()
    for sig in (signal.SIGTERM, signal.SIGINT):
        loop.add_signal_handler(sig, stop.set_result, None)
    loop.run_until_complete(stop)
    for controller in controllers:
        controller.stop()


if __name__ == "__main__":
    main()
