"""A real SMTP server for the tests (aiosmtpd, from Debian): STARTTLS required, AUTH with one
user, every accepted message saved to a Maildir. Usage: smtpd.py PORT CERT KEY USER MAILDIR,
the password as the first line of stdin (never on the command line)."""
import asyncio
import mailbox
import signal
import ssl
import sys

from aiosmtpd.controller import Controller
from aiosmtpd.smtp import AuthResult, LoginPassword

port, cert, key, user, maildir = sys.argv[1:6]
password = sys.stdin.readline().rstrip("\n")


class Maildir:
    def __init__(self, path):
        self.box = mailbox.Maildir(path, create=True)

    async def handle_DATA(self, server, session, envelope):
        message = mailbox.MaildirMessage(envelope.original_content or envelope.content)
        message["X-Envelope-To"] = ", ".join(envelope.rcpt_tos)
        message["X-Authenticated-As"] = str(session.auth_data.login, "utf8") if session.auth_data else ""
        self.box.add(message)
        return "250 Message accepted for delivery"


def authenticate(server, session, envelope, mechanism, auth_data):
    if isinstance(auth_data, LoginPassword) and auth_data.login == user.encode() and auth_data.password == password.encode():
        return AuthResult(success=True, auth_data=auth_data)
    return AuthResult(success=False, handled=False)


context = ssl.create_default_context(ssl.Purpose.CLIENT_AUTH)
context.load_cert_chain(cert, key)
controller = Controller(
    Maildir(maildir),
    hostname="127.0.0.1",
    port=int(port),
    tls_context=context,
    require_starttls=True,
    auth_required=True,
    auth_require_tls=True,
    authenticator=authenticate,
)
controller.start()
print(f"smtpd listening on 127.0.0.1:{port}", flush=True)
loop = asyncio.new_event_loop()
stop = loop.create_future()
for sig in (signal.SIGTERM, signal.SIGINT):
    loop.add_signal_handler(sig, lambda: stop.done() or stop.set_result(None))
loop.run_until_complete(stop)
controller.stop()
