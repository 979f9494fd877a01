"""A stand-in desktop notification server (org.freedesktop.Notifications on the session bus) for
tests: records every Notify call as a JSON line, and answers a notification that offers the
action named on the command line by invoking it a second later, as a person clicking it would."""

from __future__ import annotations

import json
import sys
import time

from jeepney import DBusAddress, HeaderFields, MessageType, new_method_return, new_signal
from jeepney.bus_messages import message_bus
from jeepney.io.blocking import open_dbus_connection

PATH, IFACE = "/org/freedesktop/Notifications", "org.freedesktop.Notifications"


def main(log_path: str, click: str) -> None:
    conn = open_dbus_connection(bus="SESSION")
    conn.send_and_get_reply(message_bus.RequestName(IFACE))
    print("READY", flush=True)
    pending: list[tuple[float, int]] = []
    next_id = 0
    with open(log_path, "a") as log:
        while True:
            for due, nid in [p for p in pending if p[0] <= time.monotonic()]:
                conn.send(
                    new_signal(
                        DBusAddress(PATH, interface=IFACE), "ActionInvoked", "us", (nid, click)
                    )
                )
                pending.remove((due, nid))
            try:
                msg = conn.receive(timeout=0.2)
            except TimeoutError:
                continue
            if msg.header.message_type != MessageType.method_call:
                continue
            member = msg.header.fields.get(HeaderFields.member)
            if member == "GetCapabilities":
                conn.send(new_method_return(msg, "as", (["actions", "body"],)))
            elif member == "GetServerInformation":
                conn.send(new_method_return(msg, "ssss", ("fake", "lanyard-tests", "1", "1.2")))
            elif member == "Notify":
                app, _replaces, _icon, summary, body, actions, _hints, _timeout = msg.body
                next_id += 1
                conn.send(new_method_return(msg, "u", (next_id,)))
                log.write(
                    json.dumps(
                        {"app": app, "summary": summary, "body": body, "actions": list(actions)}
                    )
                    + "\n"
                )
                log.flush()
                if click in actions[::2]:
                    pending.append((time.monotonic() + 1.0, next_id))
            elif member == "CloseNotification":
                conn.send(new_method_return(msg))


if __name__ == "__main__":
    main(sys.argv[1], sys.argv[2] if len(sys.argv) > 2 else "sign-in")
